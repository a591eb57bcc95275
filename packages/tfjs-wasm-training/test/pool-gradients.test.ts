/**
 * Pooling, normalisation and dense gradients on wasm against the cpu backend: the other
 * kernels a backward pass of the project's models runs.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, it } from 'vitest';
import { compareBackends, randomValues, setupBackends } from './compare.ts';

interface PoolCase { b: number; h: number; w: number; c: number; k: number; s: number; pad: 'same' | 'valid' }
const POOLS: PoolCase[] = [
  { b: 1, h: 8, w: 8, c: 3, k: 2, s: 2, pad: 'valid' },
  { b: 3, h: 9, w: 7, c: 2, k: 2, s: 2, pad: 'valid' },
  { b: 2, h: 9, w: 9, c: 4, k: 3, s: 2, pad: 'same' },
  { b: 64, h: 10, w: 10, c: 5, k: 2, s: 2, pad: 'same' },
  { b: 2, h: 29, w: 29, c: 8, k: 2, s: 2, pad: 'valid' },
];
const pname = (p: PoolCase) => `b${p.b} ${p.h}×${p.w}×${p.c} k${p.k} s${p.s} ${p.pad}`;

describe('pooling gradients, wasm vs cpu', () => {
  beforeAll(() => setupBackends());
  for (const p of POOLS) {
    it(pname(p), async () => {
      // Distinct values so the max of each window is unique (ties may route differently).
      const xv = randomValues(p.b * p.h * p.w * p.c, `x${pname(p)}`).map((v, i) => v + i * 1e-3);
      await compareBackends(pname(p), () => {
        const x = tf.tensor4d(xv, [p.b, p.h, p.w, p.c]);
        const yMax = tf.maxPool(x, p.k, p.s, p.pad);
        const yAvg = tf.avgPool(x, p.k, p.s, p.pad);
        const dyMax = tf.tensor(randomValues(yMax.size, `dm${pname(p)}`), yMax.shape);
        const dyAvg = tf.tensor(randomValues(yAvg.size, `da${pname(p)}`), yAvg.shape);
        const gMax = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(xx as tf.Tensor4D, p.k, p.s, p.pad), dyMax)))(x);
        const gAvg = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(tf.avgPool(xx as tf.Tensor4D, p.k, p.s, p.pad), dyAvg)))(x);
        const gGap = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(tf.mean(xx, [1, 2]), tf.range(1, p.c + 1))))(x);
        return [yMax, yAvg, gMax, gAvg, gGap];
      });
    });
  }
});

describe('batch-norm, add and dense gradients, wasm vs cpu', () => {
  beforeAll(() => setupBackends());
  it('training-mode batch normalisation with a residual add', async () => {
    const shape: [number, number, number, number] = [4, 5, 6, 7];
    const xv = randomValues(4 * 5 * 6 * 7, 'bn-x');
    const rv = randomValues(4 * 5 * 6 * 7, 'bn-r');
    const gv = randomValues(7, 'bn-g');
    const bv = randomValues(7, 'bn-b');
    await compareBackends('batchnorm', () => {
      const x = tf.tensor4d(xv, shape);
      const r = tf.tensor4d(rv, shape);
      const f = (xx: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => {
        const { mean, variance } = tf.moments(xx, [0, 1, 2]);
        const y = tf.batchNorm(xx, mean, variance, beta, gamma, 1e-3);
        return tf.sum(tf.mul(tf.relu(tf.add(y, r)), r));
      };
      return tf.grads(f)([x, tf.tensor1d(gv), tf.tensor1d(bv)]);
    }, 1e-3);
  });
  it('dense layers with softmax cross-entropy', async () => {
    const xv = randomValues(6 * 50, 'd-x');
    const w1 = randomValues(50 * 20, 'd-w1');
    const w2 = randomValues(20 * 6, 'd-w2');
    await compareBackends('dense', () => {
      const x = tf.tensor2d(xv, [6, 50]);
      const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 5], 'int32'), 6);
      const f = (a: tf.Tensor, b: tf.Tensor) => {
        const h = tf.relu(tf.matMul(x, a as tf.Tensor2D));
        const logits = tf.matMul(h, b as tf.Tensor2D);
        return tf.losses.softmaxCrossEntropy(labels, logits);
      };
      return tf.grads(f)([tf.tensor2d(w1, [50, 20]), tf.tensor2d(w2, [20, 6])]);
    });
  });
});
