/**
 * 1×1 convolutions as plain matrix products in ./native/kernels.c (register-tiled, fused
 * multiply-add, rows split over the threads): x [B·H·W, CI] · W [CI, CO]. XNNPACK runs
 * them at about half the speed (no FMA in this build), and they are half of ResNet50's
 * arithmetic. Strided ones gather the strided pixels first.
 */
import { util, type TensorInfo } from '@tensorflow/tfjs-core';
import { alloc, free, type BackendWasm } from './heap.ts';
import { native, ptr, split } from './native.ts';

/** Whether a 1×1 conv from CI to CO channels takes this path. */
export function pointwiseApplies(CI: number, CO: number): boolean {
  return CO % 4 === 0 && CI >= 4;
}

/** c [m, n] = a [m, k] · b [k, n], rows split over the threads. */
export function matmul(backend: BackendWasm, a: number, b: number, c: number, m: number, n: number, k: number): void {
  const nat = native(backend);
  nat.parallel(split(m, nat.threads).map(([r0, r1], i) => ({
    fn: 'gemm' as const,
    args: [a + r0 * k * 4, k, b, n, c + r0 * n * 4, n, r1 - r0, n, k, nat.scratch[i]!],
  })));
}

/** out [B, OH, OW, CO] = x (every sh-th row, sw-th column) · filter [1, 1, CI, CO]. */
export function pointwiseConv(backend: BackendWasm, x: TensorInfo, filter: TensorInfo, sh: number, sw: number): TensorInfo {
  const [B, H, W, CI] = x.shape as [number, number, number, number];
  const CO = filter.shape[3]!;
  const OH = Math.floor((H - 1) / sh) + 1;
  const OW = Math.floor((W - 1) / sw) + 1;
  let src = x;
  if (sh > 1 || sw > 1) {
    src = alloc(backend, [B, OH, OW, CI]);
    native(backend).kernels.gather_strided(ptr(backend, x), ptr(backend, src), B, H, W, CI, OH, OW, sh, sw);
  }
  const out = alloc(backend, [B, OH, OW, CO]);
  matmul(backend, ptr(backend, src), ptr(backend, filter), ptr(backend, out), B * OH * OW, CO, CI);
  if (src !== x) free(backend, src);
  return out;
}

/** dW [1, 1, CI, CO] = xᵀ · dy over all pixels, for a stride-1 1×1 conv; each thread a share of the pixels (packed operands, see gemm_at_b_packed). */
export function pointwiseFilterGrad(backend: BackendWasm, x: TensorInfo, dy: TensorInfo): TensorInfo {
  const CI = x.shape[3]!;
  const CO = dy.shape[3]!;
  const P = util.sizeFromShape(dy.shape) / CO;
  const n = native(backend);
  const ranges = split(P, n.threads);
  const out = alloc(backend, [1, 1, CI, CO]);
  const partials = ranges.slice(1).map(() => alloc(backend, [CI * CO]));
  const [px, pdy] = [ptr(backend, x), ptr(backend, dy)];
  n.parallel(ranges.map(([p0, p1], i) => ({
    fn: 'gemm_at_b_packed' as const,
    args: [px + p0 * CI * 4, CI, pdy + p0 * CO * 4, CO, ptr(backend, i === 0 ? out : partials[i - 1]!), CI, CO, p1 - p0, n.scratch[i]!, n.scratchFloats],
  })));
  for (const p of partials) n.kernels.accumulate(ptr(backend, out), ptr(backend, p), CI * CO);
  free(backend, ...partials);
  return out;
}
