/**
 * Linear centred kernel alignment (CKA; Kornblith et al. 2019) with the unbiased
 * minibatch estimator of Nguyen, Raghu & Kornblith (2021): on each minibatch of n images,
 * the unbiased HSIC estimator (Song et al. 2012) of the two layers' linear kernels, K = XXᵀ
 * and L = YYᵀ, is computed for (K, L), (K, K) and (L, L); those HSIC values are averaged
 * over the minibatches, and only then is the ratio taken:
 *
 *   CKA = mean HSIC₁(K, L) / √(mean HSIC₁(K, K) · mean HSIC₁(L, L)).
 *
 * Averaging per-minibatch CKA values instead would be a different (biased) quantity.
 * Linear CKA depends on the features only through their Gram matrices, so a model's
 * layers are stored as the Gram matrices of its pooled features on each minibatch
 * (small: n × n per layer and minibatch, whatever the channel count), and two models'
 * layers are compared later from those alone. The Gram matrices are computed with
 * tfjs-core (`matMul`) on the backend in use; the HSIC sums run in float64.
 */
import * as tf from '@tensorflow/tfjs-core';

/** The smallest minibatch the unbiased estimator is defined on (it divides by n − 3). */
export const MIN_BATCH = 4;

/**
 * The linear kernel K = XXᵀ of n × p features, as an n × n row-major array. The features
 * are centred per column first (the estimator does not change: see the tests), which keeps
 * float32 products small.
 */
export async function linearGram(features: tf.Tensor2D): Promise<Float32Array> {
  const gram = tf.tidy(() => {
    const centred = tf.sub(features, tf.mean(features, 0, true));
    return tf.matMul(centred, centred, false, true);
  });
  // Read back asynchronously: webgpu's synchronous reads need a browser canvas.
  const values = (await gram.data()) as Float32Array;
  gram.dispose();
  return values;
}

/**
 * The unbiased HSIC estimator HSIC₁ (Song et al. 2012, eq. 5; Nguyen et al. 2021, eq. 3)
 * of two n × n kernels: with K̃ and L̃ the kernels with their diagonals set to 0,
 *   [tr(K̃L̃) + 1ᵀK̃1 · 1ᵀL̃1 / ((n−1)(n−2)) − 2/(n−2) · 1ᵀK̃L̃1] / (n(n−3)).
 */
export function hsic1(k: ArrayLike<number>, l: ArrayLike<number>, n: number): number {
  if (n < MIN_BATCH) throw new Error(`unbiased HSIC needs at least ${MIN_BATCH} samples, got ${n}`);
  let trace = 0;
  let sumK = 0;
  let sumL = 0;
  const rowK = new Float64Array(n);
  const rowL = new Float64Array(n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      const a = k[i * n + j]!;
      const b = l[i * n + j]!;
      // tr(K̃L̃) = Σ K̃ᵢⱼ L̃ⱼᵢ; the kernels are symmetric, but the sum is taken as written.
      trace += a * l[j * n + i]!;
      sumK += a;
      sumL += b;
      rowK[j] += a; // column sums of K̃: (1ᵀK̃)ⱼ
      rowL[i] += b; // row sums of L̃: (L̃1)ᵢ
    }
  let cross = 0;
  for (let j = 0; j < n; j++) cross += rowK[j]! * rowL[j]!;
  return (trace + (sumK * sumL) / ((n - 1) * (n - 2)) - (2 / (n - 2)) * cross) / (n * (n - 3));
}

/** One layer's kernels: one n × n Gram matrix per minibatch (the same images, in the same minibatches, for every layer compared). */
export interface LayerKernels {
  grams: Float32Array[];
  /** Images in each minibatch. */
  sizes: number[];
}

/** Mean over minibatches of HSIC₁(K_b, L_b). */
export function meanHsic(a: LayerKernels, b: LayerKernels): number {
  if (a.grams.length !== b.grams.length || a.sizes.some((n, i) => n !== b.sizes[i])) throw new Error('CKA: the two layers were not recorded on the same minibatches');
  let sum = 0;
  a.grams.forEach((g, i) => (sum += hsic1(g, b.grams[i]!, a.sizes[i]!)));
  return sum / a.grams.length;
}

/**
 * Minibatch linear CKA: the ratio of HSIC values averaged over minibatches. `self`: the
 * layers' own mean HSIC values when already known. 0 when either layer's features are
 * constant on every image (nothing to align).
 */
export function minibatchCka(a: LayerKernels, b: LayerKernels, self?: { a: number; b: number }): number {
  const xy = meanHsic(a, b);
  const xx = self?.a ?? meanHsic(a, a);
  const yy = self?.b ?? meanHsic(b, b);
  if (!(xx > 0) || !(yy > 0)) return 0;
  return xy / Math.sqrt(xx * yy);
}

/** CKA between every layer of `rows` and every layer of `cols` (rows × cols), each layer's own HSIC computed once. */
export function ckaMatrix(rows: readonly LayerKernels[], cols: readonly LayerKernels[]): number[][] {
  const selfRows = rows.map((r) => meanHsic(r, r));
  const selfCols = rows === cols ? selfRows : cols.map((c) => meanHsic(c, c));
  return rows.map((r, i) => cols.map((c, j) => (rows === cols && i === j && selfRows[i]! > 0 ? 1 : minibatchCka(r, c, { a: selfRows[i]!, b: selfCols[j]! }))));
}

/** Splits `n` images into ⌈n / batch⌉ consecutive minibatches of near-equal size (each at least MIN_BATCH when n is). */
export function minibatchSizes(n: number, batch: number): number[] {
  if (n < MIN_BATCH) return [];
  const count = Math.max(1, Math.min(Math.ceil(n / batch), Math.floor(n / MIN_BATCH)));
  const base = Math.floor(n / count);
  return Array.from({ length: count }, (_, i) => base + (i < n % count ? 1 : 0));
}
