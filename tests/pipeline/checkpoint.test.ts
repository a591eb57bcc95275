import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { trainModel, shuffled, TimeLimitReached } from '../../pipeline/train/train.ts';
import { silentReporter } from '../../pipeline/shared/progress.ts';
import { smallNet, smallData, smallBudget, indexRange } from '../helpers/small-training.ts';

const data = smallData;
const budget = smallBudget;
const idx = indexRange;

describe('training checkpoints', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('shuffles deterministically per seed and differently per epoch', () => {
    const a = shuffled(idx(0, 50), 's:1');
    expect(Array.from(a)).toEqual(Array.from(shuffled(idx(0, 50), 's:1')));
    expect(Array.from(a)).not.toEqual(Array.from(shuffled(idx(0, 50), 's:2')));
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from(idx(0, 50)));
  });

  it('a run resumed from its epoch-1 checkpoint ends exactly where an uninterrupted run does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ckpt-'));
    const set = data(48);
    const common = { label: 'net', data: set, trainForEpoch: () => idx(0, 32), validation: idx(32, 48), seed: 5, inputsHash: 'h1', reporter: silentReporter() };

    const straight = smallNet(1);
    const full = await trainModel(straight, { ...common, budget: budget(2), checkpointFile: join(dir, 'a.bin') });

    // Simulate a run killed after epoch 1: train one epoch only, then resume with the 2-epoch budget.
    const killed = smallNet(1);
    const part = await trainModel(killed, { ...common, budget: budget(1), checkpointFile: join(dir, 'c.bin') });
    expect(part.epochsCompleted).toBe(1);
    const resumedModel = smallNet(1);
    const resumed = await trainModel(resumedModel, { ...common, budget: budget(2), checkpointFile: join(dir, 'c.bin') });

    expect(resumed.resumedFromEpoch).toBe(1);
    expect(resumed.history.map((h) => h.epoch)).toEqual([1, 2]);
    expect(resumed.history[1]!.trainLoss).toBeCloseTo(full.history[1]!.trainLoss, 5);
    const w1 = straight.getWeights().map((w) => Array.from(w.dataSync()));
    const w2 = resumedModel.getWeights().map((w) => Array.from(w.dataSync()));
    for (let i = 0; i < w1.length; i++) for (let j = 0; j < w1[i]!.length; j++) expect(w2[i]![j]).toBeCloseTo(w1[i]![j]!, 5);
  });

  it('ignores a checkpoint made from other inputs, and a corrupt one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ckpt-'));
    const set = data(24);
    const common = { label: 'net', data: set, trainForEpoch: () => idx(0, 16), validation: idx(16, 24), seed: 5, reporter: silentReporter() };
    await trainModel(smallNet(1), { ...common, budget: budget(1), inputsHash: 'old', checkpointFile: join(dir, 'x.bin') });
    expect(existsSync(join(dir, 'x.bin'))).toBe(true);
    const other = await trainModel(smallNet(1), { ...common, budget: budget(1), inputsHash: 'new', checkpointFile: join(dir, 'x.bin') });
    expect(other.resumedFromEpoch).toBe(0);
    writeFileSync(join(dir, 'y.bin'), 'garbage');
    const fresh = await trainModel(smallNet(1), { ...common, budget: budget(1), inputsHash: 'new', checkpointFile: join(dir, 'y.bin') });
    expect(fresh.resumedFromEpoch).toBe(0);
    expect(fresh.epochsCompleted).toBe(1);
  });

  it('stops at the time limit after the epoch in which it passed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ckpt-'));
    const set = data(24);
    const out = await trainModel(smallNet(2), {
      label: 'net', data: set, trainForEpoch: () => idx(0, 16), validation: idx(16, 24), seed: 1, inputsHash: 't', reporter: silentReporter(),
      budget: { ...budget(5), timeLimitSeconds: 1e-6 }, checkpointFile: join(dir, 't.bin'),
    });
    expect(out.epochsCompleted).toBe(1);
    expect(out.stoppedEarly).toMatch(/time limit/);
  });
});

describe('the --time-limit deadline', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('stops at the epoch boundary before the deadline, checkpoint kept; the next run resumes and ends where an uninterrupted one does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ckpt-'));
    const set = data(48);
    const common = { label: 'net', data: set, trainForEpoch: () => idx(0, 32), validation: idx(32, 48), seed: 5, inputsHash: 'dl', reporter: silentReporter(), budget: budget(3) };
    const straight = smallNet(1);
    const full = await trainModel(straight, { ...common, checkpointFile: join(dir, 'a.bin') });

    // A deadline already reached, and a first epoch estimated at minus an hour, so that epoch 1
    // starts whatever the clock says; its measured time then says that epoch 2 would pass the deadline.
    let stop: unknown = null;
    try {
      await trainModel(smallNet(1), { ...common, checkpointFile: join(dir, 'b.bin'), deadline: { at: Date.now(), firstEpochSeconds: -3_600 } });
    } catch (e) {
      stop = e;
    }
    expect(stop).toBeInstanceOf(TimeLimitReached);
    expect(String((stop as Error).message)).toMatch(/net: stopped for the --time-limit before epoch 2 of 3 .*checkpoint after epoch 1 kept in .*b\.bin: run again to resume/);
    expect(existsSync(join(dir, 'b.bin'))).toBe(true);

    const resumedModel = smallNet(1);
    const resumed = await trainModel(resumedModel, { ...common, checkpointFile: join(dir, 'b.bin'), deadline: { at: Date.now() + 3_600_000, firstEpochSeconds: 1 } });
    expect(resumed.resumedFromEpoch).toBe(1);
    expect(resumed.history.map((h) => h.epoch)).toEqual([1, 2, 3]);
    expect(resumed.history[2]!.trainLoss).toBeCloseTo(full.history[2]!.trainLoss, 5);
    const w1 = straight.getWeights().map((w) => Array.from(w.dataSync()));
    const w2 = resumedModel.getWeights().map((w) => Array.from(w.dataSync()));
    for (let i = 0; i < w1.length; i++) for (let j = 0; j < w1[i]!.length; j++) expect(w2[i]![j]).toBeCloseTo(w1[i]![j]!, 5);
  });

  it('does not start a first epoch whose estimate would pass the deadline', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ckpt-'));
    const run = trainModel(smallNet(1), {
      label: 'net', data: data(24), trainForEpoch: () => idx(0, 16), validation: idx(16, 24), seed: 1, inputsHash: 'd0', reporter: silentReporter(),
      budget: budget(2), checkpointFile: join(dir, 'c.bin'), deadline: { at: Date.now() + 60_000, firstEpochSeconds: 3_600 },
    });
    await expect(run).rejects.toThrow(/before epoch 1 of 2 .*not started: run again to resume/);
    expect(existsSync(join(dir, 'c.bin'))).toBe(false);
  });
});
