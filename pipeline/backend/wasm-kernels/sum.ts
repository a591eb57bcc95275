/**
 * Sum for the wasm backend when it reduces the leading axes of a float32 tensor (a bias
 * gradient: dy [B,H,W,C] summed to [C]). tfjs-backend-wasm 4.22 first transposes the
 * reduced axes innermost, a full copy of dy, then sums; ./native/kernels.c's column sum
 * reads dy once.
 * Other reductions go to the backend's own kernel.
 */
import { backend_util, Sum, util, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { alloc, free, wasmKernel, type BackendWasm } from './heap.ts';
import { native, ptr, split } from './native.ts';

const kernelFunc: KernelFunc = (args) => {
  const { inputs, backend: b0, attrs } = args;
  const backend = b0 as BackendWasm;
  const { x } = inputs as { x: TensorInfo };
  const { axis, keepDims } = attrs as unknown as { axis: number | number[]; keepDims: boolean };
  const axes = util.parseAxisParam(axis, x.shape).sort((p, q) => p - q);
  const leading = axes.length > 0 && axes.length < x.shape.length && axes.every((ax, i) => ax === i);
  if (x.dtype !== 'float32' || !leading) return wasmKernel(Sum)(args);
  const rows = util.sizeFromShape(x.shape.slice(0, axes.length));
  const cols = util.sizeFromShape(x.shape.slice(axes.length));
  const outShape = keepDims ? backend_util.expandShapeToKeepDim(x.shape.slice(axes.length), axes) : x.shape.slice(axes.length);
  const out = alloc(backend, outShape);
  const n = native(backend);
  const ranges = split(rows, n.threads);
  const partials = ranges.slice(1).map(() => alloc(backend, [cols]));
  const px = ptr(backend, x);
  n.parallel(ranges.map(([r0, r1], i) => ({
    fn: 'column_sum' as const,
    args: [px + r0 * cols * 4, ptr(backend, i === 0 ? out : partials[i - 1]!), r1 - r0, cols],
  })));
  for (const p of partials) n.kernels.accumulate(ptr(backend, out), ptr(backend, p), cols);
  free(backend, ...partials);
  return out;
};

export const sumConfig: KernelConfig = { kernelName: Sum, backendName: 'wasm', kernelFunc };
