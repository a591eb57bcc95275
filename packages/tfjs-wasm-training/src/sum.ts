/**
 * Sum and Mean for the wasm backend when they reduce the leading axes of a float32 tensor:
 * a bias gradient (dy [B,H,W,C] summed to [C]) or batch norm's moments (8% of a ResNet50
 * step). tfjs-backend-wasm 4.22 first transposes the reduced axes innermost, a full copy,
 * then reduces; ./native/kernels.c's column sum reads the tensor once, each thread a
 * share of its rows. Other reductions go to the backend's own kernel.
 */
import { backend_util, Mean, Sum, util, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { alloc, free, wasmKernel, type BackendWasm } from './heap.ts';
import { native, ptr, split, threadsFor } from './native.ts';
import { narrowColumnSum } from './small-channels.ts';

function columnReduction(name: typeof Sum | typeof Mean): KernelFunc {
  return (args) => {
    const backend = args.backend as BackendWasm;
    const { x } = args.inputs as { x: TensorInfo };
    const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
    const axes = util.parseAxisParam(axis, x.shape).sort((p, q) => p - q);
    const leading = axes.length > 0 && axes.length < x.shape.length && axes.every((ax, i) => ax === i);
    if (x.dtype !== 'float32' || !leading) return wasmKernel(name)(args);
    const rows = util.sizeFromShape(x.shape.slice(0, axes.length));
    const cols = util.sizeFromShape(x.shape.slice(axes.length));
    const outShape = keepDims ? backend_util.expandShapeToKeepDim(x.shape.slice(axes.length), axes) : x.shape.slice(axes.length);
    const out = alloc(backend, outShape);
    const n = native(backend);
    const ranges = split(rows, threadsFor(n, rows * cols));
    const partials = ranges.slice(1).map(() => alloc(backend, [cols]));
    const px = ptr(backend, x);
    n.parallel(ranges.map(([r0, r1], i) => ({
      fn: narrowColumnSum(cols) ? 'sc_column_sum' as const : 'column_sum' as const,
      args: [px + r0 * cols * 4, ptr(backend, i === 0 ? out : partials[i - 1]!), r1 - r0, cols],
    })));
    for (const p of partials) n.kernels.accumulate(ptr(backend, out), ptr(backend, p), cols);
    free(backend, ...partials);
    if (name === Mean) n.kernels.scale(ptr(backend, out), cols, 1 / rows);
    return out;
  };
}

export const sumConfig: KernelConfig = { kernelName: Sum, backendName: 'wasm', kernelFunc: columnReduction(Sum) };
export const meanConfig: KernelConfig = { kernelName: Mean, backendName: 'wasm', kernelFunc: columnReduction(Mean) };
