/**
 * The few-channel kernels (../src/small-channels.ts: direct
 * convolution forward, input and filter gradients; max pooling and its non-overlapping
 * gradient; narrow column sums) against the cpu backend: stride 1 and 2, same and valid
 * padding, batch 1 and 64, odd sizes, and ReducedFilterCNN's exact shapes.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, it } from 'vitest';
import { compareBackends, randomValues, setupBackends } from './compare.ts';

interface ConvCase { b: number; h: number; w: number; ci: number; co: number; k: number; s: 1 | 2; pad: 'same' | 'valid' }

const CONV_CASES: ConvCase[] = [
  // ReducedFilterCNN's two convolutions at batch 64.
  { b: 64, h: 64, w: 64, ci: 1, co: 8, k: 3, s: 1, pad: 'valid' },
  { b: 64, h: 31, w: 31, ci: 8, co: 8, k: 3, s: 1, pad: 'valid' },
  { b: 1, h: 7, w: 9, ci: 1, co: 8, k: 3, s: 1, pad: 'same' },
  { b: 1, h: 13, w: 11, ci: 8, co: 8, k: 3, s: 1, pad: 'same' },
  { b: 2, h: 9, w: 10, ci: 8, co: 8, k: 3, s: 2, pad: 'same' },
  { b: 3, h: 10, w: 11, ci: 1, co: 8, k: 3, s: 2, pad: 'valid' },
  { b: 64, h: 9, w: 7, ci: 3, co: 4, k: 3, s: 1, pad: 'same' },
  { b: 2, h: 11, w: 9, ci: 5, co: 4, k: 3, s: 2, pad: 'same' },
  { b: 2, h: 12, w: 13, ci: 2, co: 8, k: 5, s: 1, pad: 'same' },
  { b: 2, h: 15, w: 14, ci: 1, co: 8, k: 7, s: 2, pad: 'same' },
  { b: 3, h: 8, w: 9, ci: 4, co: 8, k: 1, s: 1, pad: 'valid' },
  { b: 1, h: 6, w: 5, ci: 8, co: 4, k: 2, s: 1, pad: 'same' },
  // Windows wider than the input (edge pixels only).
  { b: 2, h: 3, w: 2, ci: 1, co: 8, k: 3, s: 1, pad: 'same' },
];

const convName = (c: ConvCase) => `b${c.b} ${c.h}×${c.w}×${c.ci}→${c.co} k${c.k} s${c.s} ${c.pad}`;

describe('few-channel kernels, wasm vs cpu', () => {
  beforeAll(() => setupBackends());

  for (const c of CONV_CASES) {
    it(`conv, input and filter gradients: ${convName(c)}`, async () => {
      const label = convName(c);
      const xv = randomValues(c.b * c.h * c.w * c.ci, `x${label}`);
      const wv = randomValues(c.k * c.k * c.ci * c.co, `w${label}`);
      const bv = randomValues(c.co, `b${label}`);
      await compareBackends(label, () => {
        const x = tf.tensor4d(xv, [c.b, c.h, c.w, c.ci]);
        const w = tf.tensor4d(wv, [c.k, c.k, c.ci, c.co]);
        const bias = tf.tensor1d(bv);
        const y = tf.conv2d(x, w, c.s, c.pad);
        const dy = tf.tensor(randomValues(y.size, `dy${label}`), y.shape);
        const plain = tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, c.s, c.pad), dy)));
        const fused = tf.grads((xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
          tf.sum(tf.mul(tf.fused.conv2d({ x: xx as tf.Tensor4D, filter: ww as tf.Tensor4D, strides: c.s, pad: c.pad, bias: bb, activation: 'relu' }), dy)));
        // Inference's fused conv (large enough to skip XNNPACK's small-batch path).
        const inferred = tf.fused.conv2d({ x, filter: w, strides: c.s, pad: c.pad, bias, activation: 'relu' });
        return [y, inferred, ...plain([x, w]), ...fused([x, w, bias])];
      });
    });
  }

  const POOL_CASES: { b: number; h: number; w: number; c: number; k: number; s: number; pad: 'same' | 'valid' }[] = [
    { b: 64, h: 62, w: 62, c: 8, k: 2, s: 2, pad: 'valid' }, // ReducedFilterCNN's
    { b: 64, h: 29, w: 29, c: 8, k: 2, s: 2, pad: 'valid' },
    { b: 1, h: 7, w: 9, c: 8, k: 2, s: 2, pad: 'same' },
    { b: 2, h: 9, w: 8, c: 12, k: 3, s: 3, pad: 'valid' },
    { b: 2, h: 11, w: 10, c: 4, k: 3, s: 2, pad: 'same' }, // overlapping windows
    { b: 3, h: 6, w: 7, c: 16, k: 3, s: 1, pad: 'valid' },
    { b: 2, h: 6, w: 6, c: 3, k: 2, s: 2, pad: 'valid' }, // channels not in whole vectors: fallbacks
  ];
  for (const p of POOL_CASES) {
    const label = `max pool b${p.b} ${p.h}×${p.w}×${p.c} k${p.k} s${p.s} ${p.pad}`;
    it(label, async () => {
      // Rounded values make ties inside windows, which must route to the first maximum.
      const xv = randomValues(p.b * p.h * p.w * p.c, `p${label}`).map((v) => Math.round(v * 2) / 2);
      await compareBackends(label, () => {
        const x = tf.tensor4d(xv, [p.b, p.h, p.w, p.c]);
        const y = tf.maxPool(x, p.k, p.s, p.pad);
        const dy = tf.tensor(randomValues(y.size, `pdy${label}`), y.shape);
        const [dx] = tf.grads((xx: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(xx as tf.Tensor4D, p.k, p.s, p.pad), dy)))([x]);
        return [y, dx!];
      });
    });
  }

  it('narrow column sums (bias gradients of 4 to 32 channels) and odd row counts', async () => {
    await compareBackends('column sums', () => {
      const t = (shape: number[], seed: string) => tf.tensor(randomValues(shape.reduce((a, b) => a * b, 1), seed), shape);
      return [
        tf.sum(t([64, 62, 62, 8], 'c8'), [0, 1, 2]),
        tf.sum(t([3, 5, 7, 8], 'c8o'), [0, 1, 2]),
        tf.sum(t([5, 3, 4], 'c4'), [0, 1]),
        tf.sum(t([7, 3, 16], 'c16'), [0, 1]),
        tf.sum(t([9, 5, 32], 'c32'), [0, 1]),
        tf.mean(t([3, 33, 8], 'm8'), [0, 1]),
        tf.sum(t([1, 8], 'one'), [0]),
      ];
    });
  });
});
