/**
 * The browser export: what the page loads is what the pipeline evaluated (decoded by
 * tfjs itself), the encoding rule holds, training-only layers are gone, and the model
 * store keeps the export so that a reused model still has it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import seedrandom from 'seedrandom';
import { getModelSpec } from '../../pipeline/models/registry.ts';
import { exportForBrowser, loadExported, ACCURACY_TOLERANCE, ENCODING_ORDER } from '../../pipeline/export/tfjs-model.ts';
import { withinTolerance } from '../../pipeline/export/quantise.ts';
import { loadFromCache, saveToCache } from '../../pipeline/cache/models.ts';
import { imageBatch, type ImageSet } from '../../pipeline/shared/tensors.ts';
import { predictSubset } from '../../pipeline/shared/predict.ts';
import { ModelResult } from '../../schema/results.ts';
import { modelResult } from '../helpers/study-bundle.ts';

const N = 76;
let data: ImageSet;
const test = Int32Array.from({ length: 40 }, (_, i) => i);
const samples = Int32Array.from([40, 41, 42, 43, 44, 45]);
const validation = Int32Array.from({ length: 30 }, (_, i) => 46 + i);

beforeAll(async () => {
  await tf.setBackend('cpu');
  const rng = seedrandom('export');
  data = { images: Uint8Array.from({ length: N * 64 * 64 }, () => Math.floor(rng() * 256)), labels: Uint8Array.from({ length: N }, (_, i) => i % 6), numClasses: 6, imageSize: 64 };
});

describe('browser export', () => {
  it('keeps the smallest encoding within tolerance on the validation images, and the files give the recorded softmax when tfjs loads them', async () => {
    const model = getModelSpec('reduced-filter-cnn').build({ seed: 3, classes: 6, imageSize: 64 });
    const { files, record } = await exportForBrowser(model, data, { validation, test }, samples);
    // The test images score the float model and the chosen export, once each, after the choice.
    const floatTest = await predictSubset(model, data, test);
    const reloaded = await loadExported(files);
    const exportedTest = await predictSubset(reloaded, data, test);
    reloaded.dispose();
    const floatValidation = await predictSubset(model, data, validation);
    model.dispose();
    expect(record.testImages).toBe(test.length);
    expect(record.floatAccuracy).toBe(floatTest.accuracy);
    expect(record.accuracy).toBe(exportedTest.accuracy);
    expect(record.selection).toEqual({ split: 'validation', images: validation.length, floatAccuracy: floatValidation.accuracy });
    expect(files.weights.length).toBe(record.weightBytes);
    expect(record.gzipBytes).toBe(gzipSync(files.weights, { level: 9 }).length);
    // Plain encodings are tried smallest first; coarsenings only after plain uint8 passed, smallest gzip first.
    const plain = record.candidates.filter((c) => !c.coarsening);
    const coarse = record.candidates.filter((c) => c.coarsening);
    expect(plain.map((c) => c.encoding)).toEqual(ENCODING_ORDER.slice(0, plain.length));
    if (coarse.length) {
      expect(plain.map((c) => c.encoding)).toEqual(['uint8']);
      expect(record.candidates[0]!.coarsening).toBeUndefined();
      expect(coarse.map((c) => c.gzipBytes)).toEqual(coarse.map((c) => c.gzipBytes).sort((a, b) => a! - b!));
      for (const c of coarse) expect(c.gzipBytes!).toBeLessThan(plain[0]!.gzipBytes!);
    }
    // The rule holds on the validation images: candidates' accuracies are theirs.
    const nv = validation.length;
    const floatCorrect = Math.round(record.selection!.floatAccuracy * nv);
    const passes = (c: { accuracy: number }) => withinTolerance(Math.round(c.accuracy * nv), floatCorrect, nv, ACCURACY_TOLERANCE);
    // The chosen one is plain uint8 (every coarsening failed) or the first candidate that passed after it.
    const chosenAt = record.candidates.findIndex((c) => c.encoding === record.encoding && JSON.stringify(c.coarsening) === JSON.stringify(record.coarsening));
    expect(chosenAt).toBeGreaterThanOrEqual(0);
    if (record.encoding !== 'float32') expect(passes(record.candidates[chosenAt]!)).toBe(true);
    if (record.coarsening) expect(chosenAt).toBe(record.candidates.length - 1);
    else for (const c of record.candidates.slice(chosenAt + 1)) expect(passes(c)).toBe(false);
    for (const c of plain.slice(0, plain.findIndex((c) => c.encoding === record.encoding))) expect(passes(c)).toBe(false);
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
    const model = getModelSpec('basic-cnn').build({ seed: 1, classes: 6, imageSize: 64 });
    const { files, record } = await exportForBrowser(model, data, { validation: validation.subarray(0, 4), test: test.subarray(0, 4) }, samples);
    const params = model.countParams();
    model.dispose();
    const byEncoding = Object.fromEntries(record.candidates.map((c) => [c.encoding, c.weightBytes]));
    expect(byEncoding['uint8']).toBe(params);
    // Its dense kernel (over a quarter of its weights) is what the coarsenings shrink: on these
    // images (an untrained model's predictions hardly move) one passes, and the page gets it.
    const coarse = record.candidates.filter((c) => c.coarsening);
    for (const c of coarse) expect(c.encoding).toBe('uint8');
    expect(record.coarsening).toBeDefined();
    expect(record.gzipBytes!).toBeLessThan(record.candidates[0]!.gzipBytes! / 2);
    const loaded = await loadExported(files);
    const kernelOf = (layer: string) => loaded.getLayer(layer).getWeights()[0]!.dataSync();
    const dense = kernelOf('dense');
    expect(dense.filter((v) => v === 0).length).toBeGreaterThanOrEqual(Math.floor(record.coarsening!.prune * dense.length));
    // Tensors under a quarter of the weights stay plain uint8: the first conv kernel has no pruned zeros.
    expect(kernelOf('conv1').filter((v) => v === 0).length).toBeLessThan(kernelOf('conv1').length * 0.1);
    loaded.dispose();
    expect(files.modelJson).not.toContain('SeededDropout');
    expect(files.modelJson).toContain('"class_name":"Dropout"');
  });

  it('the model store keeps the export, so a reused model has it; a compact model stored without one is not reused', async () => {
    const model = getModelSpec('reduced-filter-cnn').build({ seed: 2, classes: 6, imageSize: 64 });
    const { files, record } = await exportForBrowser(model, data, { validation, test }, samples);
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
