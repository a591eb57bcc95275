/** Linear probes (pipeline/analysis/probes.ts): separable features are classified perfectly, features without class information at chance. */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import seedrandom from 'seedrandom';
import { trainProbe, trainProbes } from '../../pipeline/analysis/probes.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** n images of `classes` classes with `channels` features: class c lifts feature c by `signal`, on unit Gaussian noise. */
function features(n: number, classes: number, channels: number, signal: number, seed: string) {
  const rng = seedrandom(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  const labels = Uint8Array.from({ length: n }, (_, i) => i % classes);
  const x = new Float32Array(n * channels);
  for (let i = 0; i < n; i++) for (let c = 0; c < channels; c++) x[i * channels + c] = normal() + (c === labels[i] ? signal : 0) + 100;
  return { x, labels };
}

describe('linear probe', () => {
  it('classifies linearly separable features perfectly, whatever their offset and scale', async () => {
    const train = features(240, 6, 16, 8, 'train');
    const test = features(120, 6, 16, 8, 'test');
    const r = await trainProbe(train.x, train.labels, test.x.map((v) => v), test.labels, 16, 6);
    expect(r.trainAccuracy).toBe(1);
    expect(r.testAccuracy).toBe(1);
    expect(r.testCorrect).toBe(120);
  });

  it('is at chance on features that carry no class information, and deterministic', async () => {
    const train = features(240, 6, 16, 0, 'train');
    const test = features(600, 6, 16, 0, 'test');
    const r = await trainProbe(train.x, train.labels, test.x, test.labels, 16, 6);
    expect(r.testAccuracy).toBeLessThan(0.3);
    expect(await trainProbe(train.x, train.labels, test.x, test.labels, 16, 6)).toEqual(r);
  });

  it('trains several layers at once exactly as each alone, whatever their widths', async () => {
    const train = features(120, 6, 16, 1.5, 'train');
    const test = features(120, 6, 16, 1.5, 'test');
    const wide = features(120, 6, 300, 0.5, 'wide-train');
    const wideTest = features(120, 6, 300, 0.5, 'wide-test');
    const together = await trainProbes(
      [
        { train: train.x, test: test.x, channels: 16 },
        { train: wide.x, test: wideTest.x, channels: 300 },
      ],
      train.labels,
      test.labels,
      6,
    );
    const alone = [await trainProbe(train.x, train.labels, test.x, test.labels, 16, 6), await trainProbe(wide.x, wide.labels, wideTest.x, wideTest.labels, 300, 6)];
    together.forEach((r, i) => {
      expect(r.testCorrect).toBeCloseTo(alone[i]!.testCorrect, -0.5);
      expect(Math.abs(r.trainAccuracy - alone[i]!.trainAccuracy)).toBeLessThan(0.02);
    });
    // Partly informative features: between chance and perfect.
    expect(together[0]!.testAccuracy).toBeGreaterThan(0.4);
  });
});
