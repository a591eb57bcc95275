/**
 * Nearest neighbours between images in a small perceptual representation: each image
 * average-pooled to 16×16 (4×4 blocks of pixels for a 64×64 image), compared by the root mean square
 * of the pooled grey-level differences (0–255 scale). Pooling keeps the layout of an
 * image and drops JPEG noise and one-pixel shifts, so two adjacent CT slices or two saves
 * of one scan come out a few grey levels apart, while different anatomy is tens apart.
 *
 * Every pair of the 58,954 images is 1.7 billion distances; they come from matrix
 * products on the active TensorFlow.js backend (‖a−b‖² = ‖a‖² + ‖b‖² − 2a·b, one row
 * block against the images after it, so each pair is computed once), and a plain loop
 * keeps each image's k nearest. The kept distances are then recomputed exactly in
 * float64, so float32 rounding in the products can only reorder near-ties, never change
 * a reported distance. Hand-written because no library here does blocked k-NN with
 * symmetric updates on top of tfjs; the pieces are small.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Bump when the representation or the table's meaning changes. */
export const NEIGHBOURS_VERSION = 1;
/** Nearest neighbours kept per image: enough for k-NN up to 15 and for most images' nearest training image under any split. */
export const NEIGHBOURS_KEPT = 32;

/** Side of the pooled image: 16 → 4×4 blocks of the 64×64 input, 256 numbers per image. */
export const POOLED_SIZE = 16;
export const POOLED_DIM = POOLED_SIZE * POOLED_SIZE;

/**
 * n × 256 average-pooled grey levels (0–255), image after image, from `size` × `size`
 * images. Pixel x goes to cell ⌊x · 16 / size⌋, so a size that is a multiple of 16 pools
 * equal square blocks, and any other size (at least 16) pools blocks that differ by at
 * most one pixel a side; each cell is the mean of its own pixels.
 */
export function pooledFeatures(images: Uint8Array, n: number, size: number): Float32Array {
  if (!Number.isInteger(size) || size < POOLED_SIZE) throw new Error(`near-duplicate audit: images of ${size} pixels a side cannot be pooled to ${POOLED_SIZE}×${POOLED_SIZE} (at least ${POOLED_SIZE} needed)`);
  if (images.length < n * size * size) throw new Error(`near-duplicate audit: ${images.length} bytes for ${n} images of ${size}×${size}`);
  const cellOf = Int32Array.from({ length: size }, (_, x) => Math.floor((x * POOLED_SIZE) / size));
  const perCell = new Float32Array(POOLED_SIZE);
  for (let x = 0; x < size; x++) perCell[cellOf[x]!]!++;
  const out = new Float32Array(n * POOLED_DIM);
  for (let i = 0; i < n; i++) {
    const src = i * size * size;
    const dst = i * POOLED_DIM;
    for (let y = 0; y < size; y++) {
      const row = src + y * size;
      const outRow = dst + cellOf[y]! * POOLED_SIZE;
      for (let x = 0; x < size; x++) out[outRow + cellOf[x]!]! += images[row + x]!;
    }
    for (let cy = 0; cy < POOLED_SIZE; cy++)
      for (let cx = 0; cx < POOLED_SIZE; cx++) out[dst + cy * POOLED_SIZE + cx]! /= perCell[cy]! * perCell[cx]!;
  }
  return out;
}

/** Exact RMSE (grey levels) between pooled images i and j, in float64. */
export function distance(features: Float32Array, i: number, j: number): number {
  let s = 0;
  const a = i * POOLED_DIM;
  const b = j * POOLED_DIM;
  for (let p = 0; p < POOLED_DIM; p++) {
    const d = features[a + p]! - features[b + p]!;
    s += d * d;
  }
  return Math.sqrt(s / POOLED_DIM);
}

/** Each image's k nearest other images, nearest first. */
export interface NeighbourTable {
  n: number;
  k: number;
  /** n × k image indices. */
  index: Int32Array;
  /** n × k RMSE in grey levels (16×16 pooled), ascending per row. */
  distance: Float32Array;
}

/** A fixed-size list per row of the k smallest (d², index) pairs, kept sorted. */
class TopK {
  readonly d2: Float64Array;
  readonly idx: Int32Array;
  /** The k-th smallest so far per row (Infinity until k are in): the bar a newcomer must pass. */
  readonly worst: Float64Array;
  constructor(readonly rows: number, readonly k: number) {
    this.d2 = new Float64Array(rows * k).fill(Infinity);
    this.idx = new Int32Array(rows * k).fill(-1);
    this.worst = new Float64Array(rows).fill(Infinity);
  }
  push(row: number, d2: number, j: number): void {
    const base = row * this.k;
    let p = this.k - 1;
    while (p > 0 && this.d2[base + p - 1]! > d2) {
      this.d2[base + p] = this.d2[base + p - 1]!;
      this.idx[base + p] = this.idx[base + p - 1]!;
      p--;
    }
    this.d2[base + p] = d2;
    this.idx[base + p] = j;
    this.worst[row] = this.d2[base + this.k - 1]!;
  }
}

/** Features minus their mean (smaller magnitudes, so float32 products lose less), and squared norms. */
function centred(features: Float32Array, rows: ArrayLike<number>, mean: Float64Array): { x: Float32Array; norms: Float64Array } {
  const x = new Float32Array(rows.length * POOLED_DIM);
  const norms = new Float64Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const src = rows[r]! * POOLED_DIM;
    let s = 0;
    for (let p = 0; p < POOLED_DIM; p++) {
      const v = features[src + p]! - mean[p]!;
      x[r * POOLED_DIM + p] = v;
      s += v * v;
    }
    norms[r] = s;
  }
  return { x, norms };
}

function meanOf(features: Float32Array, n: number): Float64Array {
  const mean = new Float64Array(POOLED_DIM);
  for (let i = 0; i < n; i++) for (let p = 0; p < POOLED_DIM; p++) mean[p]! += features[i * POOLED_DIM + p]!;
  for (let p = 0; p < POOLED_DIM; p++) mean[p]! /= Math.max(1, n);
  return mean;
}

/**
 * The transposed, zero-padded matrix [256, m'] of `x` (m rows), m' a multiple of 4: the
 * project's wasm matrix product takes its fast path only for widths in whole SIMD vectors.
 */
function transposedPadded(x: Float32Array, m: number): { t: tf.Tensor2D; width: number } {
  const width = Math.ceil(m / 4) * 4;
  const buf = new Float32Array(POOLED_DIM * width);
  for (let r = 0; r < m; r++) for (let p = 0; p < POOLED_DIM; p++) buf[p * width + r] = x[r * POOLED_DIM + p]!;
  return { t: tf.tensor2d(buf, [POOLED_DIM, width]), width };
}

/** Rows of a block of B images: large enough for an efficient product, small enough for memory (B × n floats). */
const BLOCK = 512;

/** Re-sorts each row of a TopK by exact float64 distance and converts to RMSE. */
function finish(top: TopK, features: Float32Array, rowImage: (r: number) => number): { index: Int32Array; distance: Float32Array } {
  const { rows, k } = top;
  const index = new Int32Array(rows * k);
  const dist = new Float32Array(rows * k);
  const pairs: { j: number; d: number }[] = [];
  for (let r = 0; r < rows; r++) {
    pairs.length = 0;
    for (let q = 0; q < k; q++) {
      const j = top.idx[r * k + q]!;
      pairs.push({ j, d: j < 0 ? Infinity : distance(features, rowImage(r), j) });
    }
    pairs.sort((a, b) => a.d - b.d || a.j - b.j);
    pairs.forEach((p, q) => {
      index[r * k + q] = p.j;
      dist[r * k + q] = p.d;
    });
  }
  return { index, distance: dist };
}

/**
 * The k nearest other images of every image (k < n). `onProgress(done, total)` counts
 * pairs computed. Ties are broken by index in the final exact sort.
 */
export async function allNearestNeighbours(
  features: Float32Array,
  n: number,
  k: number,
  opts: { onProgress?: (done: number, total: number) => void } = {},
): Promise<NeighbourTable> {
  if (!Number.isInteger(k) || k < 1 || k >= n) throw new Error(`nearest neighbours: k must be an integer in [1, ${n - 1}], got ${k}`);
  const all = Int32Array.from({ length: n }, (_, i) => i);
  const { x, norms } = centred(features, all, meanOf(features, n));
  const { t: xt, width } = transposedPadded(x, n);
  const top = new TopK(n, k);
  const totalPairs = (n * (n - 1)) / 2;
  let donePairs = 0;
  try {
    for (let s = 0; s < n; s += BLOCK) {
      const e = Math.min(n, s + BLOCK);
      // Columns from s (a multiple of BLOCK, hence of 4) to the padded end: the pairs (i, j ≥ s).
      const products = tf.tidy(() => tf.matMul(tf.tensor2d(x.subarray(s * POOLED_DIM, e * POOLED_DIM), [e - s, POOLED_DIM]), tf.slice(xt, [0, s], [POOLED_DIM, width - s])));
      const g = (await products.data()) as Float32Array;
      products.dispose();
      const cols = width - s;
      const { worst } = top;
      for (let i = s; i < e; i++) {
        const row = (i - s) * cols;
        const ni = norms[i]!;
        for (let j = i + 1; j < n; j++) {
          const d = ni + norms[j]! - 2 * g[row + j - s]!;
          if (d < worst[i]!) top.push(i, d, j);
          if (d < worst[j]!) top.push(j, d, i);
        }
      }
      donePairs += (e - s) * (n - s) - ((e - s) * (e - s + 1)) / 2;
      opts.onProgress?.(donePairs, totalPairs);
      // Yield so progress bars and signals get a turn between blocks.
      await new Promise((r) => setImmediate(r));
    }
  } finally {
    xt.dispose();
  }
  const exact = finish(top, features, (r) => r);
  return { n, k, ...exact };
}

/**
 * For each query image, its k nearest images among `memory` (exact, all of them compared),
 * nearest first; a query never matches itself. Used where the neighbour table's k are not
 * enough: a query whose nearest images all lie outside the memory set.
 */
export async function nearestAmong(
  features: Float32Array,
  queries: ArrayLike<number>,
  memory: ArrayLike<number>,
  k: number,
): Promise<{ index: Int32Array; distance: Float32Array }> {
  const q = queries.length;
  const m = memory.length;
  const kk = Math.min(k, m);
  const mean = meanOf(features, features.length / POOLED_DIM);
  const mem = centred(features, memory, mean);
  const qs = centred(features, queries, mean);
  const { t: mt, width } = transposedPadded(mem.x, m);
  const top = new TopK(q, kk);
  try {
    for (let s = 0; s < q; s += BLOCK) {
      const e = Math.min(q, s + BLOCK);
      const products = tf.tidy(() => tf.matMul(tf.tensor2d(qs.x.subarray(s * POOLED_DIM, e * POOLED_DIM), [e - s, POOLED_DIM]), mt));
      const g = (await products.data()) as Float32Array;
      products.dispose();
      for (let r = s; r < e; r++) {
        const row = (r - s) * width;
        const nq = qs.norms[r]!;
        const self = queries[r]!;
        for (let c = 0; c < m; c++) {
          const d = nq + mem.norms[c]! - 2 * g[row + c]!;
          if (d < top.worst[r]! && memory[c] !== self) top.push(r, d, memory[c]!);
        }
      }
      await new Promise((r) => setImmediate(r));
    }
  } finally {
    mt.dispose();
  }
  return finish(top, features, (r) => queries[r]!);
}

/**
 * Every pair (query, other image) at most `radius` apart (RMSE, grey levels), exact; a
 * query is never paired with itself. For the few images with more near neighbours than
 * the neighbour table keeps.
 */
export async function pairsWithin(features: Float32Array, queries: ArrayLike<number>, radius: number): Promise<[number, number][]> {
  const n = features.length / POOLED_DIM;
  const all = Int32Array.from({ length: n }, (_, i) => i);
  const mean = meanOf(features, n);
  const mem = centred(features, all, mean);
  const qs = centred(features, queries, mean);
  const { t: mt, width } = transposedPadded(mem.x, n);
  // A little slack on the float32 products; every candidate is checked exactly below.
  const bar = radius * radius * POOLED_DIM * (1 + 1e-3) + 1;
  const out: [number, number][] = [];
  try {
    for (let s = 0; s < queries.length; s += BLOCK) {
      const e = Math.min(queries.length, s + BLOCK);
      const products = tf.tidy(() => tf.matMul(tf.tensor2d(qs.x.subarray(s * POOLED_DIM, e * POOLED_DIM), [e - s, POOLED_DIM]), mt));
      const g = (await products.data()) as Float32Array;
      products.dispose();
      for (let r = s; r < e; r++) {
        const row = (r - s) * width;
        const q = queries[r]!;
        for (let j = 0; j < n; j++) {
          if (j === q || qs.norms[r]! + mem.norms[j]! - 2 * g[row + j]! > bar) continue;
          if (distance(features, q, j) <= radius) out.push([q, j]);
        }
      }
    }
  } finally {
    mt.dispose();
  }
  return out;
}
