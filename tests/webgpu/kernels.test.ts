/**
 * Every kernel the five models train with, forward and gradient, on webgpu against the cpu
 * backend on small shapes: convolutions in each form the models use (first layer, 3×3
 * valid and same, ResNet's 7×7 stride-2 stem and 1×1 projections), max pooling, zero
 * padding, training- and inference-mode batch norm, residual add + ReLU, global average
 * pooling, dense layers, softmax with cross-entropy, dropout's mask, and the accuracy
 * metric. Then a few Adam steps of each compact model at full size, whose losses must
 * follow wasm's.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { enableWasmTraining } from 'tfjs-wasm-training';
import { getModelSpec } from '../../pipeline/models/registry.ts';
import type { ModelId } from '../../schema/results.ts';
import { compareBackends, randomValues, seeded, setupWebgpu, withGradients } from './compare.ts';

const x4 = (shape: number[], seed: string) => seeded(shape, seed) as tf.Tensor4D;

describe('webgpu kernels vs cpu (forward and gradients)', () => {
  beforeAll(async () => {
    await setupWebgpu();
  });

  it('convolutions with bias and ReLU, in every form the models use', async () => {
    const cases: { x: number[]; w: number[]; s: number; pad: 'same' | 'valid'; relu: boolean }[] = [
      { x: [2, 9, 9, 1], w: [3, 3, 1, 4], s: 1, pad: 'valid', relu: true }, // first layer (one channel)
      { x: [2, 8, 8, 3], w: [3, 3, 3, 5], s: 1, pad: 'same', relu: true }, // Basic CNN
      { x: [2, 6, 6, 4], w: [3, 3, 4, 4], s: 1, pad: 'same', relu: false }, // ResNet 3×3 (then batch norm)
      { x: [2, 8, 8, 4], w: [1, 1, 4, 6], s: 2, pad: 'valid', relu: false }, // ResNet strided 1×1 projection
      { x: [2, 5, 5, 6], w: [1, 1, 6, 3], s: 1, pad: 'valid', relu: false }, // ResNet 1×1
      { x: [2, 13, 13, 1], w: [7, 7, 1, 4], s: 2, pad: 'valid', relu: false }, // ResNet's stem (after zero padding)
    ];
    for (const [i, c] of cases.entries()) {
      await compareBackends(`conv ${c.x.join('×')} * ${c.w.join('×')} s${c.s} ${c.pad}`, () =>
        withGradients(
          [x4(c.x, `cx${i}`), x4(c.w, `cw${i}`), seeded([c.w[3]!], `cb${i}`)],
          (x, w, b) => tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, strides: c.s, pad: c.pad, bias: b, activation: c.relu ? 'relu' : 'linear' }),
          `conv${i}`,
        ),
      );
    }
  });

  it('max pooling 2×2 and ResNet\'s 3×3 stride 2, zero padding', async () => {
    await compareBackends('pooling and padding', () => [
      ...withGradients([x4([2, 8, 8, 3], 'p1')], (x) => tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid'), 'p1'),
      ...withGradients([x4([2, 9, 9, 3], 'p2')], (x) => tf.maxPool(x as tf.Tensor4D, 3, 2, 'valid'), 'p2'),
      ...withGradients([x4([2, 5, 5, 2], 'p3')], (x) => tf.pad(x, [[0, 0], [3, 3], [3, 3], [0, 0]]), 'p3'),
    ]);
  });

  it('batch norm in training mode (batch moments) and inference mode (moving statistics)', async () => {
    // An offset mean, as after a convolution, so that centring matters.
    const x = () => tf.add(x4([4, 5, 5, 6], 'bx'), 3);
    await compareBackends('batch norm', () => [
      ...withGradients([x(), seeded([6], 'bg'), seeded([6], 'bb')], (xx, g, b) => {
        const { mean, variance } = tf.moments(xx, [0, 1, 2]);
        return tf.batchNorm(xx, mean, variance, b, g, 1.001e-5);
      }, 'bn-train'),
      ...withGradients([x(), seeded([6], 'bg2'), seeded([6], 'bb2')], (xx, g, b) =>
        tf.batchNorm(xx, tf.add(seeded([6], 'mm'), 3), tf.add(tf.abs(seeded([6], 'mv')), 0.5), b, g, 1e-3), 'bn-infer'),
      tf.moments(x(), [0, 1, 2]).mean,
      tf.moments(x(), [0, 1, 2]).variance,
    ]);
  });

  it('residual add and ReLU, global average pooling, flatten and dense layers', async () => {
    await compareBackends('residual, pooling, dense', () => [
      ...withGradients([x4([2, 4, 4, 5], 'ra'), x4([2, 4, 4, 5], 'rb')], (a, b) => tf.relu(tf.add(a, b)), 'res'),
      ...withGradients([x4([2, 4, 4, 5], 'gx')], (x) => tf.mean(x, [1, 2]), 'gap'),
      ...withGradients([x4([3, 4, 4, 5], 'dx'), seeded([80, 7], 'dw'), seeded([7], 'db')], (x, w, b) =>
        tf.fused.matMul({ a: tf.reshape(x, [3, 80]), b: w, bias: b, activation: 'relu' }), 'dense'),
    ]);
  });

  it('softmax with categorical cross-entropy, dropout\'s mask, and the accuracy metric', async () => {
    const labels = [0, 3, 5, 1];
    await compareBackends('softmax, loss, dropout, accuracy', () => {
      const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 6);
      const logits = seeded([4, 6], 'sl');
      // Keras' categorical cross-entropy on softmax outputs, as tfjs-layers computes it.
      const loss = (l: tf.Tensor) => {
        const p = tf.softmax(l);
        return tf.mean(tf.neg(tf.sum(tf.mul(y, tf.log(tf.clipByValue(tf.div(p, tf.sum(p, -1, true)), 1e-7, 1 - 1e-7))), -1)));
      };
      const { value, grad } = tf.valueAndGrad(loss)(logits);
      const accuracy = tf.mean(tf.cast(tf.equal(tf.argMax(y, -1), tf.argMax(logits, -1)), 'float32'));
      return [
        tf.softmax(logits), value, grad, accuracy,
        ...withGradients([seeded([4, 16], 'do')], (h) => tf.dropout(h, 0.5, undefined, 11), 'dropout'),
      ];
    });
  });
});

/**
 * Adam steps of a model at full size (64×64 inputs) on a fixed one-image batch. The
 * reference is wasm with this project's training kernels (packages/tfjs-wasm-training, whose
 * tests check each kernel against the cpu backend): the cpu backend's own convolution
 * gradients take 20–35 s for three steps of TinyCNN or GAP CNN, wasm well under a second.
 */
async function lossCurve(id: ModelId, backend: 'wasm' | 'webgpu', steps: number): Promise<number[]> {
  await tf.setBackend(backend);
  const model = getModelSpec(id).build({ seed: 3, classes: 6, imageSize: 64 });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  const batch = 1;
  const x = tf.tensor4d(randomValues(batch * 64 * 64, `${id}:x`).map((v) => v / 3 + 0.5), [batch, 64, 64, 1]);
  const y = tf.oneHot(tf.tensor1d([4], 'int32'), 6);
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) losses.push((await model.trainOnBatch(x, y)) as number);
  tf.dispose([x, y]);
  model.dispose();
  return losses;
}

describe('Adam steps of the compact models, webgpu vs wasm', () => {
  beforeAll(async () => {
    await setupWebgpu();
    await enableWasmTraining({ threads: 1 });
  });
  // On SwiftShader each takes 10–20 s on an idle 2-core machine (most of it compiling the
  // shaders of the first step), longer on a busy one.
  for (const id of ['tiny-cnn', 'reduced-filter-cnn', 'gap-cnn'] as const) {
    it(`${id}: the same loss curve`, async () => {
      const ref = await lossCurve(id, 'wasm', 3);
      const got = await lossCurve(id, 'webgpu', 3);
      // The model must actually learn on the batch, or equal curves would prove little.
      expect(ref[2]).toBeLessThan(ref[0]!);
      for (let i = 0; i < ref.length; i++)
        expect(Math.abs(got[i]! - ref[i]!), `step ${i}: webgpu ${got[i]} vs wasm ${ref[i]}`).toBeLessThan(1e-3 * Math.max(1, Math.abs(ref[i]!)));
    }, 300_000);
  }
});
