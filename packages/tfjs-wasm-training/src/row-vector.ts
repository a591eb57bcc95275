/**
 * Multiply, Add and Sub for the wasm backend when one operand is a vector along the other's
 * last axis (x [.., C] with v [C], or v shaped [1,..,1,C]): a bias add in every forward
 * pass, and the batch-norm gradient's scaling of dy. tfjs-backend-wasm 4.22's broadcasting
 * binary ops walk such operands element by element (the multiplies were 15% of a ResNet50
 * step, the bias adds 14% of a ReducedFilterCNN step, batch norm's x − mean 3% of ResNet50's); here they are row-vector loops in
 * ./native/kernels.c, split over the threads; so are large same-shape operands (batch
 * norm's gradient: a fifth of a GapCNN step). Every other case uses the backend's kernel.
 */
import { Add, Multiply, Sub, util, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { alloc, type BackendWasm, wasmKernel } from './heap.ts';
import { native, ptr, split, threadsFor } from './native.ts';

/** Whether `v` is a vector along `x`'s last axis (all other dims 1) and x is bigger. */
function rowVectorOf(x: TensorInfo, v: TensorInfo): boolean {
  const c = x.shape[x.shape.length - 1];
  if (c === undefined || v.shape.length > x.shape.length || v.shape.length === 0) return false;
  if (v.shape[v.shape.length - 1] !== c || util.sizeFromShape(v.shape) !== c) return false;
  return util.sizeFromShape(x.shape) > c;
}

const SAME_SHAPE_OP = { add_row_vector: 0, sub_row_vector: 1, mul_row_vector: 2 } as const;

function rowVectorKernel(name: string, fn: 'mul_row_vector' | 'add_row_vector' | 'sub_row_vector'): KernelFunc {
  return (args) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const backend = args.backend as BackendWasm;
    const size = util.sizeFromShape(a.shape);
    if (a.dtype === 'float32' && b.dtype === 'float32' && size >= 1 << 16 && util.arraysEqual(a.shape, b.shape)) {
      // Large same-shape operands: split over the threads.
      const out = alloc(backend, [...a.shape]);
      const n = native(backend);
      const [pa, pb, po] = [ptr(backend, a), ptr(backend, b), ptr(backend, out)];
      n.parallel(split(size, n.threads).map(([i0, i1]) => ({
        fn: 'binary_same' as const, args: [pa + i0 * 4, pb + i0 * 4, po + i0 * 4, i1 - i0, SAME_SHAPE_OP[fn]],
      })));
      return out;
    }
    if (a.dtype === 'float32' && b.dtype === 'float32') {
      const [x, v] = rowVectorOf(a, b) ? [a, b] : rowVectorOf(b, a) ? [b, a] : [null, null];
      if (x && v) {
        const cols = x.shape[x.shape.length - 1]!;
        const rows = util.sizeFromShape(x.shape) / cols;
        const out = alloc(backend, [...x.shape]);
        const n = native(backend);
        const [px, pv, po] = [ptr(backend, x), ptr(backend, v), ptr(backend, out)];
        // Only subtraction cares which side the vector was on.
        const order = fn === 'sub_row_vector' ? [v === a ? 1 : 0] : [];
        n.parallel(split(rows, threadsFor(n, rows * cols)).map(([r0, r1]) => ({ fn, args: [px + r0 * cols * 4, pv, po + r0 * cols * 4, r1 - r0, cols, ...order] })));
        return out;
      }
    }
    return wasmKernel(name)(args);
  };
}

export const multiplyConfig: KernelConfig = { kernelName: Multiply, backendName: 'wasm', kernelFunc: rowVectorKernel(Multiply, 'mul_row_vector') };
export const addConfig: KernelConfig = { kernelName: Add, backendName: 'wasm', kernelFunc: rowVectorKernel(Add, 'add_row_vector') };
export const subConfig: KernelConfig = { kernelName: Sub, backendName: 'wasm', kernelFunc: rowVectorKernel(Sub, 'sub_row_vector') };
