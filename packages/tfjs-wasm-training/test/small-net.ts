/**
 * A small conv net with every layer kind the project's models use, and its loss curve over
 * a few Adam steps on fixed data, for comparing backends.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { randomValues } from './compare.ts';

/** A TinyCNN-like net with every layer kind the project's models use, scaled down. */
export function buildNet(): tfl.LayersModel {
  const input = tfl.input({ shape: [20, 20, 1] });
  const seed = 7;
  const init = () => tfl.initializers.glorotUniform({ seed });
  let a = tfl.layers.conv2d({ filters: 6, kernelSize: 3, activation: 'relu', kernelInitializer: init() }).apply(input) as tfl.SymbolicTensor;
  a = tfl.layers.maxPooling2d({ poolSize: 2 }).apply(a) as tfl.SymbolicTensor; // 9×9
  let b = tfl.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', useBias: false, kernelInitializer: init() }).apply(a) as tfl.SymbolicTensor;
  b = tfl.layers.batchNormalization().apply(b) as tfl.SymbolicTensor;
  b = tfl.layers.activation({ activation: 'relu' }).apply(b) as tfl.SymbolicTensor;
  const shortcut = tfl.layers.conv2d({ filters: 8, kernelSize: 1, strides: 2, kernelInitializer: init() }).apply(a) as tfl.SymbolicTensor;
  const sum = tfl.layers.add().apply([b, shortcut]) as tfl.SymbolicTensor; // 5×5×8
  const gap = tfl.layers.globalAveragePooling2d({}).apply(sum) as tfl.SymbolicTensor;
  const avg = tfl.layers.flatten().apply(tfl.layers.averagePooling2d({ poolSize: 2 }).apply(sum)) as tfl.SymbolicTensor;
  const joined = tfl.layers.concatenate().apply([gap, avg]) as tfl.SymbolicTensor;
  const hidden = tfl.layers.dense({ units: 16, activation: 'relu', kernelInitializer: init() }).apply(joined) as tfl.SymbolicTensor;
  const out = tfl.layers.dense({ units: 6, activation: 'softmax', kernelInitializer: init() }).apply(hidden) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: out });
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
  return model;
}

const BATCH = 16;
const xv = randomValues(BATCH * 20 * 20, 'train-x');
const labels = Array.from({ length: BATCH }, (_, i) => i % 6);

export async function lossCurve(backend: 'cpu' | 'wasm', steps: number): Promise<number[]> {
  await tf.setBackend(backend);
  const model = buildNet();
  const x = tf.tensor4d(xv, [BATCH, 20, 20, 1]);
  const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 6);
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) losses.push((await model.trainOnBatch(x, y)) as number);
  tf.dispose([x, y]);
  model.dispose();
  return losses;
}

