import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import seedrandom from 'seedrandom';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { chooseK, knnVote, majorityClass } from '../../pipeline/baselines/knn.ts';
import { runBaselines } from '../../pipeline/baselines/run-baselines.ts';
import { buildProtocols } from '../../pipeline/data/protocols.ts';
import { silentReporter } from '../../pipeline/shared/progress.ts';
import { comparisons } from '../../pipeline/evaluate/comparisons.ts';

describe('k-NN votes', () => {
  // Five queries' neighbour lists (stride 3) over images labelled by index: 0–9 → class 0, 10–19 → class 1.
  const labels = Uint8Array.from({ length: 20 }, (_, i) => (i < 10 ? 0 : 1));
  const neighbours = Int32Array.from([1, 2, 3, 11, 12, 13, 11, 2, 3, 2, 11, 12, 1, 11, 15]);

  it('takes the nearest image for k = 1 and the majority for k = 3', () => {
    expect(Array.from(knnVote(neighbours, 3, 1, labels, 2).predicted)).toEqual([0, 1, 1, 0, 0]);
    const three = knnVote(neighbours, 3, 3, labels, 2);
    expect(Array.from(three.predicted)).toEqual([0, 1, 0, 1, 1]);
    expect(Array.from(three.probs.subarray(0, 2))).toEqual([1, 0]);
    expect(three.probs[4]).toBeCloseTo(2 / 3, 6);
  });

  it('breaks ties by the nearer neighbour and chooses k by validation accuracy, smallest among equals', () => {
    // k = 2 over [class 1, class 0]: a tie, the nearer (class 1) wins.
    expect(knnVote(Int32Array.from([11, 1]), 2, 2, labels, 2).predicted[0]).toBe(1);
    const tried = chooseK(neighbours, 3, Uint8Array.from([0, 1, 0, 1, 1]), labels, 2);
    expect(tried.map((t) => t.k)).toEqual([1, 3]);
    expect(tried[1]!.accuracy).toBe(1);
    expect(tried[0]!.accuracy).toBe(0.4);
    expect(() => knnVote(neighbours, 3, 4, labels, 2)).toThrow(/k must be/);
  });

  it('majority class is the most frequent training label', () => {
    expect(majorityClass([2, 1, 2, 0, 2, 1], 3)).toBe(2);
    expect(majorityClass([1, 0], 2)).toBe(0);
  });
});

describe('baselines on generated images (both protocols)', () => {
  // Six classes, each with a bright band of rows in a different place over random 4×4 blocks; some images planted as near-copies.
  const n = 360;
  const rng = seedrandom('baselines');
  const labels = Uint8Array.from({ length: n }, (_, i) => i % 6);
  const images = new Uint8Array(n * 4096);
  const original = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    // Near-copies (a few grey levels apart) of an earlier original of the same class.
    const from = i - 6 * (1 + Math.floor(rng() * 5));
    const copyOf = i >= 60 && rng() < 0.15 && original[from] ? from : -1;
    original[i] = copyOf < 0 ? 1 : 0;
    for (let p = 0; p < 4096; p++) {
      const cell = Math.floor(p / 256) * 16 + Math.floor((p % 64) / 4);
      images[i * 4096 + p] = copyOf >= 0 ? Math.min(255, images[copyOf * 4096 + p]! + Math.floor(rng() * 3)) : (Math.floor(cell / 16 / 2.67) === labels[i] ? 150 : 0) + ((cell * 7 + i * 13) % 60);
    }
  }
  const classes = ['A', 'B', 'C', 'D', 'E', 'F'];
  const files = Array.from({ length: n }, (_, i) => `${classes[labels[i]!]}/${i}.png`);
  let dir: string;

  beforeAll(async () => {
    await tf.setBackend('cpu');
    dir = mkdtempSync(join(tmpdir(), 'baselines-'));
    return () => rmSync(dir, { recursive: true, force: true });
  });

  it('evaluates every baseline like a model on both protocols, and reuses trained runs', async () => {
    const ds = { images, imageSize: 64, labels, classes, files, contentHashes: files, fingerprint: 'c'.repeat(64) };
    const prot = await buildProtocols(ds, { cacheDir: dir, seed: 1, log: () => {} });
    const inputs = {
      data: { images, labels, numClasses: 6, imageSize: 64 },
      classes,
      fingerprint: ds.fingerprint,
      splits: prot.splits,
      neighbours: prot.neighbours,
      seeds: [1, 2],
      logisticBudget: { epochs: 8, batchSize: 16, learningRate: 0.003, trainLimit: null, validationLimit: null, testLimit: null, timeLimitSeconds: null },
      cacheDir: dir,
      reporter: silentReporter(),
    };
    const baselines = await runBaselines(inputs);
    expect(baselines.map((b) => b.id)).toEqual(['majority-class', 'nearest-neighbour', 'k-nearest-neighbours', 'logistic-regression']);
    for (const b of baselines) {
      expect(new Set(b.runs.map((r) => r.protocol))).toEqual(new Set(['image', 'grouped']));
      for (const r of b.runs) {
        const test = prot.splits[r.protocol].test;
        expect(r.evaluation.testImages).toBe(test.length);
        expect(r.evaluation.predictions.length).toBe(test.length);
        expect(r.evaluation.confusion.flat().reduce((a, x) => a + x, 0)).toBe(test.length);
      }
    }
    const [majority, nn, knn, logistic] = baselines;
    expect(majority!.summary.image!.accuracy.mean).toBeLessThan(0.3);
    expect(majority!.summary.image!.macroAuc.mean).toBe(0.5);
    // Classes are separable by brightness: the nearest neighbour gets them all.
    expect(nn!.summary.image!.accuracy.mean).toBe(1);
    expect(knn!.kSelection!.image!.length).toBeGreaterThan(1);
    // The k used on the test images is stated, and is the validation choice: the smallest k among the most accurate.
    for (const [protocol, tried] of Object.entries(knn!.kSelection!)) {
      const top = Math.max(...tried!.map((t) => t.accuracy));
      expect(knn!.chosenK![protocol as 'image']).toBe(tried!.find((t) => t.accuracy === top)!.k);
    }
    // Every baseline run states its validation accuracy (the best baseline is chosen on it); k-NN's is its chosen k's.
    for (const b of baselines) for (const r of b.runs) expect(r.validationAccuracy).toBeGreaterThanOrEqual(0);
    expect(knn!.runs.find((r) => r.protocol === 'image')!.validationAccuracy).toBe(Math.max(...knn!.kSelection!.image!.map((t) => t.accuracy)));
    expect(nn!.runs.find((r) => r.protocol === 'image')!.validationAccuracy).toBe(knn!.kSelection!.image!.find((t) => t.k === 1)!.accuracy);
    expect(nn!.cost.storedNumbers).toBe(prot.splits.image.train.length * 256);
    expect(logistic!.runs.length).toBe(4); // 2 protocols × 2 seeds
    expect(logistic!.summary.image!.accuracy.n).toBe(2);
    expect(logistic!.runs.every((r) => r.training!.history.length === 8)).toBe(true);
    expect(logistic!.summary.image!.accuracy.mean).toBeGreaterThan(majority!.summary.image!.accuracy.mean + 0.2);

    // A second call with the same inputs trains nothing: identical runs, from the cache.
    const t0 = performance.now();
    const again = await runBaselines(inputs);
    expect(again[3]!.runs).toEqual(logistic!.runs);
    expect(performance.now() - t0).toBeLessThan(5000);

    // Paired tests against the best baseline cover every protocol.
    const testLabels = { image: Uint8Array.from(prot.splits.image.test, (i) => labels[i]!), grouped: Uint8Array.from(prot.splits.grouped.test, (i) => labels[i]!) };
    const table = comparisons({ models: [{ id: 'm', runs: logistic!.runs }], baselines: baselines.map((b) => ({ id: b.id, runs: b.runs })), testLabels });
    expect(table.map((c) => [c.protocol, c.b])).toEqual([['image', 'nearest-neighbour'], ['grouped', 'nearest-neighbour']]);
    expect(table[0]!.perSeed.map((s) => s.seedA)).toEqual([1, 2]);
  });
});
