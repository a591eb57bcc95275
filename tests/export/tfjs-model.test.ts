/**
 * The browser export: what the page loads is what the pipeline evaluated (decoded by
 * tfjs itself), the encoding rule holds, training-only layers are gone, and the model
 * store keeps the export so that a reused model still has it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import seedrandom from 'seedrandom';
import { MODELS } from '../../pipeline/models/index.ts';
import { exportForBrowser, loadExported, ACCURACY_TOLERANCE, ENCODING_ORDER } from '../../pipeline/export/tfjs-model.ts';
import { withinTolerance } from '../../pipeline/export/quantise.ts';
import { loadFromCache, saveToCache } from '../../pipeline/cache/models.ts';
import { imageBatch, type ImageSet } from '../../pipeline/shared/tensors.ts';
import { ModelResult } from '../../schema/results.ts';
import { modelResult } from '../charts/fixtures.ts';

const N = 48;
let data: ImageSet;
const test = Int32Array.from({ length: 40 }, (_, i) => i);
const samples = Int32Array.from([40, 41, 42, 43, 44, 45]);

beforeAll(async () => {
  await tf.setBackend('cpu');
  const rng = seedrandom('export');
  data = { images: Uint8Array.from({ length: N * 64 * 64 }, () => Math.floor(rng() * 256)), labels: Uint8Array.from({ length: N }, (_, i) => i % 6), numClasses: 6 };
});

describe('browser export', () => {
  it('keeps the smallest encoding within tolerance, and the files give the recorded softmax when tfjs loads them', async () => {
    const model = MODELS['reduced-filter-cnn'].build({ seed: 3, classes: 6 });
    const { files, record } = await exportForBrowser(model, data, test, samples);
    model.dispose();
    expect(record.testImages).toBe(test.length);
    expect(files.weights.length).toBe(record.weightBytes);
    // Candidates are tried smallest first; every one before the chosen fails the tolerance.
    expect(record.candidates.map((c) => c.encoding)).toEqual(ENCODING_ORDER.slice(0, record.candidates.length));
    expect(record.candidates.at(-1)!.encoding).toBe(record.encoding);
    const floatCorrect = Math.round(record.floatAccuracy * test.length);
    for (const c of record.candidates.slice(0, -1)) expect(withinTolerance(Math.round(c.accuracy * test.length), floatCorrect, test.length, ACCURACY_TOLERANCE)).toBe(false);
    if (record.encoding !== 'float32') expect(withinTolerance(Math.round(record.accuracy * test.length), floatCorrect, test.length, ACCURACY_TOLERANCE)).toBe(true);
    // What the browser will load.
    const loaded = await loadExported(files);
    const x = imageBatch(data, samples);
    const y = loaded.predict(x) as tf.Tensor;
    const rows = (await y.array()) as number[][];
    rows.forEach((row, i) => row.forEach((p, k) => expect(Math.abs(p - record.softmax[i]![k]!)).toBeLessThan(1e-6)));
    tf.dispose([x, y]);
    loaded.dispose();
    const json = JSON.parse(files.modelJson);
    expect(json.format).toBe('layers-model');
    expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
  });

  it('uint8 weights are a quarter of float32, and the dropout layer becomes a standard Dropout', async () => {
    const model = MODELS['basic-cnn'].build({ seed: 1, classes: 6 });
    const { files, record } = await exportForBrowser(model, data, test.subarray(0, 12), samples);
    const params = model.countParams();
    model.dispose();
    const byEncoding = Object.fromEntries(record.candidates.map((c) => [c.encoding, c.weightBytes]));
    expect(byEncoding['uint8']).toBe(params);
    expect(files.modelJson).not.toContain('SeededDropout');
    expect(files.modelJson).toContain('"class_name":"Dropout"');
  });

  it('the model store keeps the export, so a reused model has it; a compact model stored without one is not reused', async () => {
    const model = MODELS['reduced-filter-cnn'].build({ seed: 2, classes: 6 });
    const { files, record } = await exportForBrowser(model, data, test, samples);
    model.dispose();
    const cache = mkdtempSync(join(tmpdir(), 'store-'));
    const base = modelResult('reduced-filter-cnn');
    const result = ModelResult.parse({ ...base, browser: { modelFile: 'browser/reduced-filter-cnn/model.json', ...record } });
    saveToCache(cache, { result, activationsGz: new Uint8Array([1, 2, 3]), browser: files });
    const reused = loadFromCache(cache, 'reduced-filter-cnn', result.inputsHash);
    expect(reused?.browser?.modelJson).toBe(files.modelJson);
    expect(reused?.browser?.weights).toEqual(files.weights);
    expect(reused?.result.browser?.encoding).toBe(record.encoding);

    // Stored before the export existed (no browser files, browser: null): retrained, not reused.
    const old = mkdtempSync(join(tmpdir(), 'store-'));
    saveToCache(old, { result: base, activationsGz: new Uint8Array([1, 2, 3]), browser: null });
    expect(base.browser).toBeNull();
    expect(loadFromCache(old, 'reduced-filter-cnn', base.inputsHash)).toBeNull();
    // ResNet50 has no export and needs none.
    const resnet = modelResult('resnet50');
    saveToCache(old, { result: resnet, activationsGz: new Uint8Array([1]), browser: null });
    expect(loadFromCache(old, 'resnet50', resnet.inputsHash)).not.toBeNull();
  });
});
