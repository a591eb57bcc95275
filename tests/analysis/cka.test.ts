/**
 * Linear CKA with the unbiased minibatch estimator (pipeline/analysis/cka.ts) on cases
 * with known answers: a layer against itself, against a rotation of itself, against
 * independent noise; the estimator against the full-batch one and against the (wrong)
 * mean of per-minibatch CKA values.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import seedrandom from 'seedrandom';
import { ckaMatrix, hsic1, linearGram, meanHsic, minibatchCka, minibatchSizes, type LayerKernels } from '../../pipeline/analysis/cka.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** n × p standard normal features (Box–Muller), seeded. */
function gaussian(n: number, p: number, seed: string): Float32Array {
  const rng = seedrandom(seed);
  return Float32Array.from({ length: n * p }, () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng()));
}

/** The kernels of n × p features split into minibatches of `batch`. */
async function kernels(values: Float32Array, n: number, p: number, batch: number): Promise<LayerKernels> {
  const sizes = minibatchSizes(n, batch);
  let at = 0;
  const grams: Float32Array[] = [];
  for (const m of sizes) {
    const x = tf.tensor2d(values.subarray(at * p, (at + m) * p), [m, p]);
    at += m;
    grams.push(await linearGram(x));
    x.dispose();
  }
  return { grams, sizes };
}

/** HSIC₁ written the textbook way with matrices (independent of hsic1's loops), for one kernel pair. */
function hsicByMatrices(k: number[][], l: number[][]): number {
  const n = k.length;
  const kt = k.map((row, i) => row.map((v, j) => (i === j ? 0 : v)));
  const lt = l.map((row, i) => row.map((v, j) => (i === j ? 0 : v)));
  const kl = kt.map((row) => lt[0]!.map((_, j) => row.reduce((s, v, m) => s + v * lt[m]![j]!, 0)));
  const trace = kl.reduce((s, row, i) => s + row[i]!, 0);
  const sum = (m: number[][]) => m.flat().reduce((a, b) => a + b, 0);
  return (trace + (sum(kt) * sum(lt)) / ((n - 1) * (n - 2)) - (2 / (n - 2)) * sum(kl)) / (n * (n - 3));
}

const square = (g: Float32Array, n: number) => Array.from({ length: n }, (_, i) => Array.from(g.subarray(i * n, (i + 1) * n)));

describe('linear CKA, unbiased minibatch estimator', () => {
  const n = 512;
  const p = 12;
  const x = gaussian(n, p, 'x');

  it('is 1 for a layer against itself and against an orthogonal rotation of itself', async () => {
    const a = await kernels(x, n, p, 64);
    expect(minibatchCka(a, a)).toBeCloseTo(1, 6);
    const q = tf.tidy(() => tf.linalg.qr(tf.tensor2d(gaussian(p, p, 'q'), [p, p]))[0]);
    const rotated = tf.tidy(() => tf.matMul(tf.tensor2d(x, [n, p]), q).dataSync() as Float32Array);
    q.dispose();
    expect(minibatchCka(a, await kernels(rotated, n, p, 64))).toBeCloseTo(1, 4);
    // Also isotropic scaling changes nothing.
    expect(minibatchCka(a, await kernels(x.map((v) => 3 * v), n, p, 64))).toBeCloseTo(1, 4);
    const m = ckaMatrix([a, await kernels(rotated, n, p, 64)], [a, await kernels(rotated, n, p, 64)]);
    for (const row of m) for (const v of row) expect(v).toBeCloseTo(1, 4);
  });

  it('is about 0 against independent noise, where the biased estimator is not', async () => {
    const noise = gaussian(n, p, 'noise');
    const a = await kernels(x, n, p, 64);
    const b = await kernels(noise, n, p, 64);
    expect(Math.abs(minibatchCka(a, b))).toBeLessThan(0.05);
    // The biased (plug-in) CKA of the same minibatches sits well above 0 with 64 images and 12 features.
    const biased = a.grams.map((g, i) => {
      const m = a.sizes[i]!;
      const h = tf.tidy(() => {
        const c = tf.sub(tf.eye(m), tf.div(tf.ones([m, m]), m));
        const kc = tf.matMul(tf.matMul(c, tf.tensor2d(g, [m, m])), c);
        const lc = tf.matMul(tf.matMul(c, tf.tensor2d(b.grams[i]!, [m, m])), c);
        const dot = (u: tf.Tensor, v: tf.Tensor) => tf.sum(tf.mul(u, v)).dataSync()[0]!;
        return dot(kc, lc) / Math.sqrt(dot(kc, kc) * dot(lc, lc));
      });
      return h;
    });
    expect(biased.reduce((s, v) => s + v, 0) / biased.length).toBeGreaterThan(0.1);
  });

  it('hsic1 matches the matrix formula, and centring the features does not change it', async () => {
    const m = 9;
    const raw = gaussian(m, 3, 'raw').map((v) => v + 5);
    const other = gaussian(m, 4, 'other').map((v, i) => v * 2 + (i % 4));
    const k: number[][] = [];
    const l: number[][] = [];
    for (let i = 0; i < m; i++) {
      k.push([]);
      l.push([]);
      for (let j = 0; j < m; j++) {
        let s = 0;
        for (let c = 0; c < 3; c++) s += raw[i * 3 + c]! * raw[j * 3 + c]!;
        k[i]!.push(s);
        s = 0;
        for (let c = 0; c < 4; c++) s += other[i * 4 + c]! * other[j * 4 + c]!;
        l[i]!.push(s);
      }
    }
    const uncentred = hsic1(k.flat(), l.flat(), m);
    expect(uncentred).toBeCloseTo(hsicByMatrices(k, l), 6);
    // linearGram centres the features: the same HSIC.
    const rawT = tf.tensor2d(raw, [m, 3]);
    const otherT = tf.tensor2d(other, [m, 4]);
    const kc = await linearGram(rawT);
    const lc = await linearGram(otherT);
    tf.dispose([rawT, otherT]);
    expect(hsic1(kc, lc, m)).toBeCloseTo(uncentred, 3);
    expect(hsicByMatrices(square(kc, m), square(lc, m))).toBeCloseTo(uncentred, 3);
    expect(() => hsic1([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2, 3, 4, 5, 6, 7, 8, 9], 3)).toThrow(/at least 4/);
  });

  it('averages HSIC over minibatches, then takes the ratio: near the full-batch value, unlike the mean of per-minibatch CKA values', async () => {
    // y shares part of x's signal: a CKA strictly between 0 and 1.
    const noise = gaussian(n, p, 'mix');
    const y = x.map((v, i) => (i % p < 4 ? v : 0) + 1.5 * noise[i]!);
    const full = minibatchCka(await kernels(x, n, p, n), await kernels(y, n, p, n));
    expect(full).toBeGreaterThan(0.05);
    expect(full).toBeLessThan(0.9);
    const a = await kernels(x, n, p, 16);
    const b = await kernels(y, n, p, 16);
    expect(a.sizes.length).toBe(32);
    const estimate = minibatchCka(a, b);
    // Each minibatch's HSIC is unbiased: their mean estimates the same population value as the full batch's.
    expect(Math.abs(estimate - full)).toBeLessThan(0.05);
    expect(meanHsic(a, b)).toBeGreaterThan(0);
    // The mean of per-minibatch CKA values is another number, and not what the estimator returns.
    const perBatch = a.grams.map((g, i) => minibatchCka({ grams: [g], sizes: [a.sizes[i]!] }, { grams: [b.grams[i]!], sizes: [b.sizes[i]!] }));
    const meanOfCkas = perBatch.reduce((s, v) => s + v, 0) / perBatch.length;
    expect(Math.abs(meanOfCkas - estimate)).toBeGreaterThan(1e-3);
  });

  it('splits images into near-equal minibatches of at least 4', () => {
    expect(minibatchSizes(256, 64)).toEqual([64, 64, 64, 64]);
    expect(minibatchSizes(18, 64)).toEqual([18]);
    expect(minibatchSizes(130, 64)).toEqual([44, 43, 43]);
    expect(minibatchSizes(10, 2)).toEqual([5, 5]);
    expect(minibatchSizes(3, 64)).toEqual([]);
  });
});
