/**
 * BatchMatMul for the wasm backend: transposed operands are transposed explicitly first,
 * so the product takes XNNPACK's GEMM. tfjs-backend-wasm 4.22 uses XNNPACK only for an
 * untransposed single matrix product and a scalar triple loop for everything else, and a
 * dense layer's backward pass multiplies by transposes (dW = xᵀ·dy, dx = dy·Wᵀ): for
 * TinyCNN's 12544×64 dense layer that loop was a tenth of a training step.
 */
import { BatchMatMul, util, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { free, run, view, wasmKernel, type BackendWasm } from './heap.ts';

/** [.., r, c] → [c, r] as a fresh matrix (caller frees). */
function transposed2d(backend: BackendWasm, t: TensorInfo): TensorInfo {
  const r = t.shape[t.shape.length - 2]!;
  const c = t.shape[t.shape.length - 1]!;
  const m = view(backend, t, [r, c]);
  const out = run(backend, 'Transpose', { x: m }, { perm: [1, 0] });
  free(backend, m);
  return out;
}

const kernelFunc: KernelFunc = (args) => {
  const { inputs, backend: b0, attrs } = args;
  const backend = b0 as BackendWasm;
  const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
  const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
  const single = (t: TensorInfo) => t.shape.length >= 2 && util.sizeFromShape(t.shape.slice(0, -2)) === 1;
  if (!(transposeA || transposeB) || a.dtype !== 'float32' || b.dtype !== 'float32' || !single(a) || !single(b)) {
    return wasmKernel(BatchMatMul)(args);
  }
  const a2 = transposeA ? transposed2d(backend, a) : view(backend, a, a.shape.slice(-2));
  const b2 = transposeB ? transposed2d(backend, b) : view(backend, b, b.shape.slice(-2));
  if (a2.shape[1] !== b2.shape[0]) {
    free(backend, a2, b2);
    throw new Error(`BatchMatMul (wasm): inner dimensions differ, ${a.shape} × ${b.shape} (transposeA=${transposeA}, transposeB=${transposeB})`);
  }
  const a3 = view(backend, a2, [1, ...a2.shape]);
  const b3 = view(backend, b2, [1, ...b2.shape]);
  const out = run(backend, BatchMatMul, { a: a3, b: b3 }, { transposeA: false, transposeB: false });
  free(backend, a3, b3, a2, b2);
  const rank = Math.max(a.shape.length, b.shape.length);
  const outShape = [...new Array(rank - 2).fill(1), a2.shape[0]!, b2.shape[1]!];
  return { dataId: out.dataId, shape: outShape, dtype: 'float32' };
};

export const batchMatMulConfig: KernelConfig = { kernelName: BatchMatMul, backendName: 'wasm', kernelFunc };
