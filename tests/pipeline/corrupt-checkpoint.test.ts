/**
 * A checkpoint that exists but cannot be used is reported when it is dropped, and removed,
 * instead of being passed over in silence (or crashing inside TensorFlow).
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, existsSync, writeFileSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { loadCheckpoint, saveCheckpoint } from '../../pipeline/train/checkpoint.ts';

function net(units = 3): tfl.LayersModel {
  const m = tfl.sequential();
  m.add(tfl.layers.dense({ inputShape: [4], units, kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) }));
  m.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
  return m;
}

const state = { epochsCompleted: 1, seconds: 2, history: [] };

describe('a corrupt checkpoint', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('loads a good one without a warning', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ckpt-')), 'good.bin');
    await saveCheckpoint(file, 'h', net(), state);
    const warnings: string[] = [];
    expect(await loadCheckpoint(file, 'h', net(), (l) => warnings.push(l))).toMatchObject({ epochsCompleted: 1 });
    expect(warnings).toEqual([]);
  });

  it('reports a file cut short when it drops it, and removes it', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ckpt-')), 'short.bin');
    await saveCheckpoint(file, 'h', net(), state);
    truncateSync(file, statSync(file).size - 8);
    const warnings: string[] = [];
    expect(await loadCheckpoint(file, 'h', net(), (l) => warnings.push(l))).toBeNull();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(new RegExp(`^checkpoint ${file} dropped \\(cut short: .*\\); training starts from the first epoch$`));
    expect(existsSync(file)).toBe(false);
  });

  it('reports garbage and a checkpoint of another shape', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ckpt-'));
    const warnings: string[] = [];
    writeFileSync(join(dir, 'garbage.bin'), 'garbage');
    expect(await loadCheckpoint(join(dir, 'garbage.bin'), 'h', net(), (l) => warnings.push(l))).toBeNull();
    await saveCheckpoint(join(dir, 'other.bin'), 'h', net(5), state);
    expect(await loadCheckpoint(join(dir, 'other.bin'), 'h', net(3), (l) => warnings.push(l))).toBeNull();
    expect(warnings[0]).toMatch(/garbage\.bin dropped \(unreadable: /);
    expect(warnings[1]).toMatch(/other\.bin dropped \(weight 0 has shape \[4,5\], the model expects \[4,3\]\)/);
  });
});
