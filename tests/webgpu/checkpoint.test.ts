/**
 * Training, checkpoints and resumption through the pipeline's own loop on webgpu: a run
 * resumed from its epoch-1 checkpoint ends where an uninterrupted run does (every read of
 * the loop, the checkpoint writer and the validation pass is async, as webgpu needs).
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { trainModel } from '../../pipeline/train/train.ts';
import { silentReporter } from '../../pipeline/shared/progress.ts';
import type { Budget } from '../../schema/results.ts';
import type { ImageSet } from '../../pipeline/shared/tensors.ts';
import { setupWebgpu } from './compare.ts';

/** Small enough for a software adapter: one strided conv and a dense layer. */
function smallNet(): tfl.LayersModel {
  const m = tfl.sequential();
  m.add(tfl.layers.conv2d({ inputShape: [64, 64, 1], filters: 4, kernelSize: 4, strides: 4, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) }));
  m.add(tfl.layers.flatten());
  m.add(tfl.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) }));
  return m;
}

function data(n: number): ImageSet {
  const images = new Uint8Array(n * 4096);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 3;
    for (let p = 0; p < 4096; p++) images[i * 4096 + p] = ((p >> (4 + labels[i]!)) & 1) * 200 + ((i * 7 + p) % 50);
  }
  return { images, labels, numClasses: 3 };
}

const budget = (epochs: number): Budget => ({ epochs, batchSize: 8, learningRate: 0.01, trainLimit: null, validationLimit: null, testLimit: null, timeLimitSeconds: null });
const idx = (from: number, to: number) => Int32Array.from({ length: to - from }, (_, i) => from + i);

describe('training loop and checkpoints on webgpu', () => {
  beforeAll(async () => {
    await setupWebgpu();
    await tf.setBackend('webgpu');
  });

  it('a run resumed from its epoch-1 checkpoint ends where an uninterrupted run does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'webgpu-ckpt-'));
    const common = { label: 'net', data: data(24), trainForEpoch: () => idx(0, 16), validation: idx(16, 24), seed: 5, inputsHash: 'h1', reporter: silentReporter() };
    const straight = smallNet();
    const full = await trainModel(straight, { ...common, budget: budget(2), checkpointFile: join(dir, 'a.bin') });
    const part = await trainModel(smallNet(), { ...common, budget: budget(1), checkpointFile: join(dir, 'c.bin') });
    expect(part.epochsCompleted).toBe(1);
    const resumedModel = smallNet();
    const resumed = await trainModel(resumedModel, { ...common, budget: budget(2), checkpointFile: join(dir, 'c.bin') });
    expect(tf.getBackend()).toBe('webgpu');
    expect(resumed.resumedFromEpoch).toBe(1);
    expect(resumed.history[1]!.trainLoss).toBeCloseTo(full.history[1]!.trainLoss, 5);
    const read = (m: tfl.LayersModel) => Promise.all(m.getWeights().map(async (w) => Array.from(await w.data())));
    const [w1, w2] = [await read(straight), await read(resumedModel)];
    for (let i = 0; i < w1.length; i++) for (let j = 0; j < w1[i]!.length; j++) expect(w2[i]![j]).toBeCloseTo(w1[i]![j]!, 5);
  });
});
