/**
 * Training-mode batch norm, ReLU's gradient and the first-layer conv route on wasm against
 * tfjs-core's composite on the cpu backend: outputs, batch statistics and gradients on the
 * project's shapes (rank 4 with 32–128 channels, large enough to split over threads), odd
 * channel counts, rank 2, and losses that use the statistics themselves.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { batchNormTraining } from '../src/batch-norm.ts';
import { compareBackends, on, randomValues, setupBackends } from './compare.ts';

const EPS = 1e-3;

/** tfjs-layers' own training-mode normalisation: moments, then batchNorm. */
function composite(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): [tf.Tensor, tf.Tensor, tf.Tensor] {
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const { mean, variance } = tf.moments(x, axes);
  return [tf.batchNorm(x, mean, variance, beta, gamma, EPS), mean, variance];
}

const CASES: { shape: number[]; stats: boolean }[] = [
  { shape: [64, 12, 12, 32], stats: false }, // threaded: 295k elements
  { shape: [8, 9, 7, 5], stats: false }, // channels not a multiple of 4
  { shape: [2, 3, 3, 128], stats: true },
  { shape: [37, 6], stats: true }, // rank 2
  { shape: [1, 1, 1, 4], stats: false }, // one value per channel: zero variance
];

describe('training-mode batch norm, wasm kernel vs cpu composite', () => {
  beforeAll(() => setupBackends());

  for (const c of CASES) {
    const label = `${c.shape.join('×')}${c.stats ? ', loss uses mean and variance' : ''}`;
    it(label, async () => {
      const C = c.shape[c.shape.length - 1]!;
      const size = c.shape.reduce((a, b) => a * b, 1);
      // An offset mean, as after a conv, so centring matters.
      const xv = randomValues(size, `x${label}`).map((v) => 3 + 2 * v);
      const gv = randomValues(C, `g${label}`).map((v) => 1 + v);
      const bv = randomValues(C, `b${label}`);
      const dyv = randomValues(size, `dy${label}`);
      const wm = randomValues(C, `wm${label}`);
      const build = (useKernel: boolean) => () => {
        const x = tf.tensor(xv, c.shape);
        const gamma = tf.tensor1d(gv);
        const beta = tf.tensor1d(bv);
        const dy = tf.tensor(dyv, c.shape);
        const f = (xx: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => {
          const [y, mean, variance] = useKernel ? batchNormTraining(xx, gg, bb, EPS) : composite(xx, gg, bb);
          let loss = tf.sum(tf.mul(y, dy));
          if (c.stats) loss = tf.add(loss, tf.sum(tf.mul(tf.add(mean, tf.mul(variance, 0.5)), tf.tensor1d(wm))));
          return loss;
        };
        const outs = useKernel ? batchNormTraining(x, gamma, beta, EPS) : composite(x, gamma, beta);
        return [...outs, ...tf.grads(f)([x, gamma, beta])];
      };
      const ref = await on('cpu', build(false));
      const got = await on('wasm', build(true));
      const names = ['y', 'mean', 'variance', 'dx', 'dgamma', 'dbeta'];
      ref.forEach((r, i) => {
        expect(got[i]!.shape, names[i]).toEqual(r.shape);
        let scale = 1;
        for (const v of r.values) scale = Math.max(scale, Math.abs(v));
        let worst = 0;
        for (let j = 0; j < r.values.length; j++) worst = Math.max(worst, Math.abs(got[i]!.values[j]! - r.values[j]!));
        expect(worst / scale, `${label}: ${names[i]}`).toBeLessThan(2e-4);
      });
    });
  }

  it('is what a BatchNormalization layer runs while training on wasm, and updates the moving statistics as tfjs-layers does', async () => {
    const xv = randomValues(16 * 6 * 6 * 8, 'layer-x').map((v) => 1 + v);
    const step = (backend: 'cpu' | 'wasm') => on(backend, () => {
      const layer = tfl.layers.batchNormalization({ momentum: 0.9, inputShape: [6, 6, 8] });
      const x = tf.tensor4d(xv, [16, 6, 6, 8]);
      const y = layer.apply(x, { training: true }) as tf.Tensor;
      const [movingMean, movingVariance] = layer.getWeights().slice(2);
      return [y, movingMean!.clone(), movingVariance!.clone()];
    });
    await tf.setBackend('wasm');
    const layer = tfl.layers.batchNormalization({});
    const kernels = (await tf.profile(() => {
      tf.tidy(() => { tf.grad((x: tf.Tensor) => tf.sum(layer.apply(x, { training: true }) as tf.Tensor))(tf.ones([2, 3, 3, 4])); });
    })).kernels.map((k) => k.name);
    expect(kernels).toContain('ProjectWasmBatchNormTraining');
    expect(kernels).toContain('ProjectWasmBatchNormTrainingGrad');
    expect(kernels).not.toContain('FusedBatchNorm');
    const ref = await step('cpu');
    const got = await step('wasm');
    ref.forEach((r, i) => r.values.forEach((v, j) => expect(Math.abs(got[i]!.values[j]! - v)).toBeLessThan(1e-4)));
  });
});

describe('inference-mode batch norm (FusedBatchNorm), wasm vs cpu', () => {
  beforeAll(() => setupBackends());
  const CASES = [
    { shape: [256, 12, 12, 32], offset: true, scale: true, statShape: [32] }, // threaded
    { shape: [3, 5, 5, 6], offset: false, scale: true, statShape: [6] },
    { shape: [7, 10], offset: true, scale: false, statShape: [10] },
    { shape: [2, 4, 4, 8], offset: true, scale: true, statShape: [1, 1, 1, 8] },
    { shape: [2, 3, 3, 4], offset: true, scale: true, statShape: [2, 3, 3, 4] }, // not per channel: the backend's kernel
  ];
  for (const c of CASES) {
    const label = `${c.shape.join('×')}, statistics ${c.statShape.join('×')}${c.offset ? ', offset' : ''}${c.scale ? ', scale' : ''}`;
    it(label, async () => {
      const size = c.shape.reduce((a, b) => a * b, 1);
      const ss = c.statShape.reduce((a, b) => a * b, 1);
      const xv = randomValues(size, `inf-x ${label}`);
      const [mv, vv, ov, sv] = ['m', 'v', 'o', 's'].map((k) => randomValues(ss, `inf-${k} ${label}`));
      await compareBackends(label, () => [tf.batchNorm(tf.tensor(xv, c.shape), tf.tensor(mv!, c.statShape), tf.tensor(vv!.map((v) => 1 + Math.abs(v)), c.statShape),
        c.offset ? tf.tensor(ov!, c.statShape) : undefined, c.scale ? tf.tensor(sv!, c.statShape) : undefined, 1e-3)], 1e-5);
    });
  }
});

describe('ReLU gradient and the Conv2D layer\'s training route on wasm', () => {
  beforeAll(() => setupBackends());

  it('relu gradient matches cpu (threaded size, zeros and negatives)', async () => {
    const xv = randomValues(70_001, 'relu-x');
    xv[0] = 0;
    const dyv = randomValues(70_001, 'relu-dy');
    await compareBackends('relu', () => {
      const dy = tf.tensor1d(dyv);
      return tf.grads((x: tf.Tensor) => tf.sum(tf.mul(tf.relu(x), dy)))([tf.tensor1d(xv)]);
    }, 1e-6);
  });

  const CONV_CASES = [
    { activation: 'linear', useBias: true, strides: 1, padding: 'valid', ci: 1, co: 32 },
    { activation: 'relu', useBias: true, strides: 1, padding: 'valid', ci: 8, co: 8 },
    { activation: 'relu', useBias: false, strides: 2, padding: 'same', ci: 4, co: 12 },
    { activation: 'linear', useBias: false, strides: 1, padding: 'same', ci: 16, co: 8 },
    { activation: 'tanh', useBias: true, strides: 1, padding: 'valid', ci: 3, co: 4 }, // the conv2d + add + activation route
  ] as const;

  for (const c of CONV_CASES) {
    const label = `Conv2D layer ${c.ci}→${c.co} ${c.activation}${c.useBias ? ' + bias' : ''} stride ${c.strides} ${c.padding}: output and gradients (input, kernel, bias) match cpu`;
    it(label, async () => {
      const xv = randomValues(3 * 11 * 11 * c.ci, `conv-x ${label}`);
      const run = (backend: 'cpu' | 'wasm') => on(backend, () => {
        const layer = tfl.layers.conv2d({
          filters: c.co, kernelSize: 3, strides: c.strides, padding: c.padding, activation: c.activation, useBias: c.useBias,
          kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }), biasInitializer: tfl.initializers.randomNormal({ seed: 4 }),
        });
        const x = tf.variable(tf.tensor4d(xv, [3, 11, 11, c.ci]));
        const y = layer.apply(x) as tf.Tensor;
        const weights = [x, ...layer.trainableWeights.map((w) => w.read() as tf.Variable)];
        const dy = tf.tensor(randomValues(y.size, `conv-dy ${label}`), y.shape);
        const { grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, dy)) as tf.Scalar, weights);
        return [y, ...weights.map((w) => grads[w.name]!)];
      });
      const ref = await run('cpu');
      const got = await run('wasm');
      expect(got.length).toBe(ref.length);
      ref.forEach((r, i) => r.values.forEach((v, j) => expect(Math.abs(got[i]!.values[j]! - v) / Math.max(1, Math.abs(v)), `output ${i} [${j}]`).toBeLessThan(1e-4)));
    });
  }

  it('a Conv2D layer trains through the one-kernel route, and a first layer skips the gradient with respect to the images', async () => {
    await tf.setBackend('wasm');
    for (const activation of ['linear', 'relu'] as const) {
      const layer = tfl.layers.conv2d({ filters: 8, kernelSize: 3, activation, inputShape: [10, 10, 1] });
      const x = tf.ones([2, 10, 10, 1]);
      layer.apply(x);
      const kernels = (await tf.profile(() => {
        const weights = layer.trainableWeights.map((w) => w.read() as tf.Variable);
        tf.dispose(tf.variableGrads(() => tf.sum(layer.apply(x) as tf.Tensor) as tf.Scalar, weights).grads);
      })).kernels.map((k) => k.name);
      expect(kernels, activation).toContain('ProjectWasmConv2DTraining');
      expect(kernels, activation).toContain('Conv2DBackpropFilter');
      expect(kernels, activation).not.toContain('Conv2DBackpropInput');
      expect(kernels, activation).not.toContain('Relu');
      expect(kernels, activation).not.toContain('Add');
      tf.dispose(x);
    }
  });
});
