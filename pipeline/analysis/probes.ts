/**
 * Linear probes (Alain & Bengio 2016): a multinomial logistic-regression (linear softmax)
 * classifier on a layer's pooled features, trained on training images and scored on test
 * images, with the network itself frozen. How well a linear read-out separates the classes
 * at each depth is what the paper's "abstraction by depth" claim is tested against.
 *
 * The probe: features standardised with the training images' mean and standard deviation,
 * softmax over the classes, an L2 penalty on the weights, full-batch Adam from zero for a
 * fixed number of steps (no early stopping, so nothing is chosen on the test images);
 * deterministic (no random draws). tfjs-core ops on the backend in use.
 *
 * Fast on any layer width: an L2-penalised linear model's weights lie in the span of its
 * training features (the representer theorem), W = XᵀA / p, so each probe is trained in
 * that form, on the n × n kernel XXᵀ / p, and all of a model's probes (one per layer, every
 * kernel n × n) are stacked and trained as one batched problem. Their losses are summed
 * and Adam works per parameter, so each probe is trained exactly as if alone; what is
 * saved is one dispatch per layer and step, which on wasm is most of the time.
 */
import * as tf from '@tensorflow/tfjs-core';
// tfjs-layers registers tfjs-core's gradients, which Adam needs (a direct import of them fails under Node's ESM resolution).
import '@tensorflow/tfjs-layers';

export const PROBE = {
  steps: 100,
  learningRate: 0.1,
  l2: 1e-3,
  text: 'multinomial logistic regression (a linear softmax classifier) on the layer’s globally average-pooled features, standardised on the training images; L2 penalty 10⁻³ on the weights, 100 full-batch Adam steps (learning rate 0.1) from zero; no early stopping',
} as const;

export interface ProbeResult {
  trainAccuracy: number;
  testAccuracy: number;
  /** Test images the probe classified correctly. */
  testCorrect: number;
}

/** One layer's pooled features: train and test images × channels, row-major. */
export interface ProbeLayer {
  train: Float32Array;
  test: Float32Array;
  channels: number;
}

function correct(predicted: ArrayLike<number>, labels: Uint8Array, from: number): number {
  let c = 0;
  for (let i = 0; i < labels.length; i++) if (predicted[from + i] === labels[i]) c++;
  return c;
}

/** Trains one probe per layer (all at once, each as if alone) and scores each on the test images. */
export async function trainProbes(
  layers: readonly ProbeLayer[],
  trainLabels: Uint8Array,
  testLabels: Uint8Array,
  classes: number,
  opts: { steps?: number; learningRate?: number; l2?: number } = {},
): Promise<ProbeResult[]> {
  const steps = opts.steps ?? PROBE.steps;
  const l2 = opts.l2 ?? PROBE.l2;
  const n = trainLabels.length;
  const m = testLabels.length;
  const L = layers.length;
  if (L === 0) return [];
  // Per layer: standardise, then the kernels of the training images with themselves and of the test images with them.
  const { k, kTest } = tf.tidy(() => {
    const ks: tf.Tensor2D[] = [];
    const kts: tf.Tensor2D[] = [];
    for (const layer of layers) {
      const raw = tf.tensor2d(layer.train, [n, layer.channels]);
      const mean = tf.mean(raw, 0, true);
      const std = tf.add(tf.sqrt(tf.mean(tf.square(tf.sub(raw, mean)), 0, true)), 1e-6);
      const x = tf.div(tf.sub(raw, mean), std);
      const xt = tf.div(tf.sub(tf.tensor2d(layer.test, [m, layer.channels]), mean), std);
      ks.push(tf.div(tf.matMul(x, x, false, true), layer.channels));
      kts.push(tf.div(tf.matMul(xt, x, false, true), layer.channels));
    }
    return { k: tf.keep(tf.stack(ks)) as tf.Tensor3D, kTest: tf.keep(tf.stack(kts)) as tf.Tensor3D };
  });
  const y = tf.tidy(() => tf.tile(tf.expandDims(tf.cast(tf.oneHot(tf.tensor1d(Int32Array.from(trainLabels), 'int32'), classes), 'float32'), 0), [L, 1, 1]));
  const a = tf.variable(tf.zeros([L, n, classes]));
  const b = tf.variable(tf.zeros([L, 1, classes]));
  const optimizer = tf.train.adam(opts.learningRate ?? PROBE.learningRate);
  for (let s = 0; s < steps; s++)
    optimizer.minimize(() => {
      const ka = tf.matMul(k, a);
      const logits = tf.add(ka, b);
      // Sum over layers of each probe's mean cross-entropy, plus each probe's L2 penalty ‖W‖² = tr(AᵀKA) / p (p folded into K).
      const ce = tf.mul(tf.losses.softmaxCrossEntropy(tf.reshape(y, [L * n, classes]), tf.reshape(logits, [L * n, classes])), L);
      return tf.add(ce, tf.mul(l2, tf.sum(tf.mul(a, ka)))) as tf.Scalar;
    });
  const predictions = tf.tidy(() => [tf.argMax(tf.add(tf.matMul(k, a), b), 2), tf.argMax(tf.add(tf.matMul(kTest, a), b), 2)]);
  // Read back asynchronously: webgpu's synchronous reads need a browser canvas.
  const [trainPred, testPred] = await Promise.all(predictions.map((t) => t.data()));
  tf.dispose([k, kTest, y, a, b, ...predictions]);
  optimizer.dispose();
  return layers.map((_, l) => {
    const testCorrect = correct(testPred!, testLabels, l * m);
    return { trainAccuracy: n ? correct(trainPred!, trainLabels, l * n) / n : 0, testAccuracy: m ? testCorrect / m : 0, testCorrect };
  });
}

/** One probe: `train` (n × channels) with `trainLabels`, scored on `test`. */
export async function trainProbe(
  train: Float32Array,
  trainLabels: Uint8Array,
  test: Float32Array,
  testLabels: Uint8Array,
  channels: number,
  classes: number,
  opts: { steps?: number; learningRate?: number; l2?: number } = {},
): Promise<ProbeResult> {
  return (await trainProbes([{ train, test, channels }], trainLabels, testLabels, classes, opts))[0]!;
}
