/** Batched inference over a subset of the dataset, returning softmax rows: training's validation and the test evaluation. */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { imageBatch, type ImageSet } from './tensors.ts';
import type { TaskProgress } from './progress.ts';

export interface Predictions {
  /** n × numClasses probabilities. */
  probs: Float32Array;
  predicted: Uint8Array;
  labels: Uint8Array;
  /** Mean categorical cross-entropy. */
  loss: number;
  accuracy: number;
}

const EPS = 1e-7; // as Keras clips probabilities in categorical cross-entropy

export async function predictSubset(
  model: LayersModel,
  data: ImageSet,
  indices: Int32Array,
  opts: { batchSize?: number; progress?: TaskProgress } = {},
): Promise<Predictions> {
  const batch = opts.batchSize ?? 256;
  const n = indices.length;
  const c = data.numClasses;
  const probs = new Float32Array(n * c);
  for (let from = 0; from < n; from += batch) {
    const to = Math.min(n, from + batch);
    const x = imageBatch(data, indices, from, to);
    // One call per batch (predict would otherwise split it into batches of 32).
    const y = model.predict(x, { batchSize: batch }) as tf.Tensor;
    probs.set(await y.data(), from * c);
    tf.dispose([x, y]);
    opts.progress?.update(to);
  }
  const predicted = new Uint8Array(n);
  const labels = new Uint8Array(n);
  let lossSum = 0;
  let correct = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let k = 1; k < c; k++) if (probs[i * c + k]! > probs[i * c + best]!) best = k;
    const label = data.labels[indices[i]!]!;
    predicted[i] = best;
    labels[i] = label;
    if (best === label) correct++;
    lossSum -= Math.log(Math.min(1 - EPS, Math.max(EPS, probs[i * c + label]!)));
  }
  return { probs, predicted, labels, loss: n ? lossSum / n : 0, accuracy: n ? correct / n : 0 };
}
