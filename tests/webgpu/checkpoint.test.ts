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
import { smallNet, smallData, smallBudget, indexRange } from '../helpers/small-training.ts';
import { setupWebgpu } from './compare.ts';

const data = smallData;
const budget = smallBudget;
const idx = indexRange;

describe('training loop and checkpoints on webgpu', () => {
  beforeAll(async () => {
    await setupWebgpu();
    await tf.setBackend('webgpu');
  });

  it('a run resumed from its epoch-1 checkpoint ends where an uninterrupted run does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'webgpu-ckpt-'));
    const common = { label: 'net', data: data(24), trainForEpoch: () => idx(0, 16), validation: idx(16, 24), seed: 5, inputsHash: 'h1', reporter: silentReporter() };
    const straight = smallNet(1);
    const full = await trainModel(straight, { ...common, budget: budget(2), checkpointFile: join(dir, 'a.bin') });
    const part = await trainModel(smallNet(1), { ...common, budget: budget(1), checkpointFile: join(dir, 'c.bin') });
    expect(part.epochsCompleted).toBe(1);
    const resumedModel = smallNet(1);
    const resumed = await trainModel(resumedModel, { ...common, budget: budget(2), checkpointFile: join(dir, 'c.bin') });
    expect(tf.getBackend()).toBe('webgpu');
    expect(resumed.resumedFromEpoch).toBe(1);
    expect(resumed.history[1]!.trainLoss).toBeCloseTo(full.history[1]!.trainLoss, 5);
    const read = (m: tfl.LayersModel) => Promise.all(m.getWeights().map(async (w) => Array.from(await w.data())));
    const [w1, w2] = [await read(straight), await read(resumedModel)];
    for (let i = 0; i < w1.length; i++) for (let j = 0; j < w1[i]!.length; j++) expect(w2[i]![j]).toBeCloseTo(w1[i]![j]!, 5);
  });
});
