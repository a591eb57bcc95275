/**
 * Multiply for the wasm backend when one operand is a vector along the other's last axis
 * (x [.., C] · v [C], or v shaped [1,..,1,C]): the batch-norm gradient scales dy this
 * way in every batch norm of ResNet50, and tfjs-backend-wasm 4.22's broadcasting
 * multiply walks such operands element by element (15% of a ResNet50 step). Here it is
 * ./native/kernels.c's row-vector product; every other case uses the backend's kernel.
 */
import { Multiply, util, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { alloc, type BackendWasm, wasmKernel } from './heap.ts';
import { native, ptr } from './native.ts';

/** Whether `v` is a vector along `x`'s last axis (all other dims 1) and x is bigger. */
function rowVectorOf(x: TensorInfo, v: TensorInfo): boolean {
  const c = x.shape[x.shape.length - 1];
  if (c === undefined || v.shape.length > x.shape.length || v.shape.length === 0) return false;
  if (v.shape[v.shape.length - 1] !== c || util.sizeFromShape(v.shape) !== c) return false;
  return util.sizeFromShape(x.shape) > c;
}

const kernelFunc: KernelFunc = (args) => {
  const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
  const backend = args.backend as BackendWasm;
  if (a.dtype === 'float32' && b.dtype === 'float32') {
    const [x, v] = rowVectorOf(a, b) ? [a, b] : rowVectorOf(b, a) ? [b, a] : [null, null];
    if (x && v) {
      const cols = x.shape[x.shape.length - 1]!;
      const out = alloc(backend, [...x.shape]);
      native(backend).kernels.mul_row_vector(ptr(backend, x), ptr(backend, v), ptr(backend, out), util.sizeFromShape(x.shape) / cols, cols);
      return out;
    }
  }
  return wasmKernel(Multiply)(args);
};

export const multiplyConfig: KernelConfig = { kernelName: Multiply, backendName: 'wasm', kernelFunc };
