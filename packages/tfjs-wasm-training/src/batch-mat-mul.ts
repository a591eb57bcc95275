/**
 * BatchMatMul for the wasm backend: single float32 matrix products run in
 * ./native/kernels.c, whichever operand is transposed, rows split over the threads:
 * A·B as a packed register-tiled product, Aᵀ·B (a dense layer's weight gradient xᵀ·dy)
 * reading A's columns in place, A·Bᵀ (its input gradient dy·Wᵀ) as row dot products.
 * tfjs-backend-wasm 4.22 multiplies transposed operands with a scalar triple loop, and
 * even its XNNPACK path (untransposed only) repacks the weights at every call: TinyCNN's
 * 12544×64 dense layer took a tenth of a training step. Batched products, odd widths and
 * other dtypes use the backend's kernel.
 */
import { BatchMatMul, util, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { alloc, wasmKernel, type BackendWasm } from './heap.ts';
import { native, ptr, split } from './native.ts';

const kernelFunc: KernelFunc = (args) => {
  const { inputs, backend: b0, attrs } = args;
  const backend = b0 as BackendWasm;
  const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
  const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
  const single = (t: TensorInfo) => t.shape.length >= 2 && util.sizeFromShape(t.shape.slice(0, -2)) === 1;
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || !single(a) || !single(b) || (transposeA && transposeB)) {
    return wasmKernel(BatchMatMul)(args);
  }
  const [ar, ac] = a.shape.slice(-2) as [number, number];
  const [br, bc] = b.shape.slice(-2) as [number, number];
  const [M, K] = transposeA ? [ac, ar] : [ar, ac];
  const [K2, N] = transposeB ? [bc, br] : [br, bc];
  if (K !== K2) throw new Error(`BatchMatMul (wasm): inner dimensions differ, ${a.shape} × ${b.shape} (transposeA=${transposeA}, transposeB=${transposeB})`);
  // The kernels work in whole SIMD vectors along N (A·B, Aᵀ·B) or K (A·Bᵀ).
  if ((!transposeB && N % 4 !== 0) || (transposeB && K % 4 !== 0)) return wasmKernel(BatchMatMul)(args);
  const rank = Math.max(a.shape.length, b.shape.length);
  const out = alloc(backend, [...new Array(rank - 2).fill(1), M, N]);
  const n = native(backend);
  const [pa, pb, pc] = [ptr(backend, a), ptr(backend, b), ptr(backend, out)];
  const rows = split(M, n.threads);
  if (transposeA) {
    n.parallel(rows.map(([m0, m1]) => ({ fn: 'gemm_at_b' as const, args: [pa + m0 * 4, M, pb, N, pc + m0 * N * 4, m1 - m0, N, K] })));
  } else if (transposeB) {
    n.parallel(rows.map(([m0, m1]) => ({ fn: 'gemm_abt' as const, args: [pa + m0 * K * 4, K, pb, K, pc + m0 * N * 4, N, m1 - m0, N, K] })));
  } else {
    n.parallel(rows.map(([m0, m1], i) => ({ fn: 'gemm' as const, args: [pa + m0 * K * 4, K, pb, N, pc + m0 * N * 4, N, m1 - m0, N, K, n.scratch[i]!] })));
  }
  return out;
};

export const batchMatMulConfig: KernelConfig = { kernelName: BatchMatMul, backendName: 'wasm', kernelFunc };
