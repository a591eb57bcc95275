/**
 * A tiny net and dataset for tests of the training loop and its checkpoints, on any
 * backend: small enough that the cpu backend (or a software WebGPU adapter) trains it in
 * moments, with classes it can actually learn.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import type { Budget } from '../../schema/results.ts';
import type { ImageSet } from '../../pipeline/shared/tensors.ts';

/** One strided conv and a dense layer; `seed` and `seed + 1` initialise them. */
export function smallNet(seed: number): tfl.LayersModel {
  const m = tfl.sequential();
  m.add(tfl.layers.conv2d({ inputShape: [64, 64, 1], filters: 4, kernelSize: 4, strides: 4, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed }) }));
  m.add(tfl.layers.flatten());
  m.add(tfl.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 1 }) }));
  return m;
}

/** `n` 64×64 images in three classes told apart by stripe width. */
export function smallData(n: number): ImageSet {
  const images = new Uint8Array(n * 4096);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 3;
    for (let p = 0; p < 4096; p++) images[i * 4096 + p] = ((p >> (4 + labels[i]!)) & 1) * 200 + ((i * 7 + p) % 50);
  }
  return { images, labels, numClasses: 3, imageSize: 64 };
}

export const smallBudget = (epochs: number): Budget => ({ epochs, batchSize: 8, learningRate: 0.01, trainLimit: null, validationLimit: null, testLimit: null, timeLimitSeconds: null });
export const indexRange = (from: number, to: number) => Int32Array.from({ length: to - from }, (_, i) => from + i);
