/**
 * Linear probes (Alain & Bengio 2016): a multinomial logistic-regression classifier on a
 * layer's pooled features, trained on training images and scored on test images, with the
 * network itself frozen. How well a linear read-out separates the classes at each depth is
 * what the paper's "abstraction by depth" claim is tested against.
 *
 * The probe: features standardised with the training images' mean and standard deviation,
 * softmax over the classes, weights from 0, full-batch Adam on the mean cross-entropy plus
 * an L2 penalty, a fixed number of steps (no early stopping, so nothing is chosen on the
 * test images); tfjs-core ops on the backend in use. Deterministic: no random draws.
 */
import * as tf from '@tensorflow/tfjs-core';
// The gradients Adam needs (tfjs-layers registers the same; a probe may run without it).
import '@tensorflow/tfjs-core/dist/register_all_gradients';

export const PROBE = {
  steps: 200,
  learningRate: 0.05,
  l2: 1e-4,
  text: 'multinomial logistic regression on the layer’s globally average-pooled features (standardised on the training images), weights from zero, 200 full-batch Adam steps (learning rate 0.05) on cross-entropy with an L2 penalty of 10⁻⁴; no early stopping',
} as const;

export interface ProbeResult {
  trainAccuracy: number;
  testAccuracy: number;
  /** Test images the probe classified correctly. */
  testCorrect: number;
}

function accuracy(logits: tf.Tensor2D, labels: Uint8Array): number {
  const predicted = tf.tidy(() => tf.argMax(logits, 1).dataSync());
  let correct = 0;
  labels.forEach((y, i) => {
    if (predicted[i] === y) correct++;
  });
  return correct;
}

/**
 * Trains a probe on `train` (n × channels, row-major) with `trainLabels` and scores it on
 * `test`. `classes`: the softmax width.
 */
export function trainProbe(
  train: Float32Array,
  trainLabels: Uint8Array,
  test: Float32Array,
  testLabels: Uint8Array,
  channels: number,
  classes: number,
  opts: { steps?: number; learningRate?: number; l2?: number } = {},
): ProbeResult {
  const steps = opts.steps ?? PROBE.steps;
  const l2 = opts.l2 ?? PROBE.l2;
  const n = trainLabels.length;
  const m = testLabels.length;
  const { xTrain, xTest } = tf.tidy(() => {
    const raw = tf.tensor2d(train, [n, channels]);
    const mean = tf.mean(raw, 0, true);
    const std = tf.add(tf.sqrt(tf.mean(tf.square(tf.sub(raw, mean)), 0, true)), 1e-6);
    return {
      xTrain: tf.keep(tf.div(tf.sub(raw, mean), std)) as tf.Tensor2D,
      xTest: tf.keep(tf.div(tf.sub(tf.tensor2d(test, [m, channels]), mean), std)) as tf.Tensor2D,
    };
  });
  const y = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(Int32Array.from(trainLabels), 'int32'), classes), 'float32'));
  const w = tf.variable(tf.zeros([channels, classes]));
  const b = tf.variable(tf.zeros([classes]));
  const optimizer = tf.train.adam(opts.learningRate ?? PROBE.learningRate);
  const logitsOf = (x: tf.Tensor2D) => tf.add(tf.matMul(x, w), b) as tf.Tensor2D;
  for (let s = 0; s < steps; s++)
    optimizer.minimize(() => tf.add(tf.losses.softmaxCrossEntropy(y, logitsOf(xTrain)), tf.mul(l2, tf.sum(tf.square(w)))) as tf.Scalar);
  const trainCorrect = tf.tidy(() => accuracy(logitsOf(xTrain), trainLabels));
  const testCorrect = tf.tidy(() => accuracy(logitsOf(xTest), testLabels));
  tf.dispose([xTrain, xTest, y, w, b]);
  optimizer.dispose();
  return { trainAccuracy: n ? trainCorrect / n : 0, testAccuracy: m ? testCorrect / m : 0, testCorrect };
}
