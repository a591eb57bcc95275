/**
 * The representation analyses of one model (pipeline/analysis/representations.ts) and the
 * cross-model CKA assembled from their stored kernels (similarity.ts), on untrained models
 * and generated images: a network compared with an identical copy of itself has CKA 1
 * layer for layer, the stored kernels give back the same numbers, and models measured on
 * other images are not compared.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import seedrandom from 'seedrandom';
import { getModelSpec } from '../../pipeline/models/registry.ts';
import { analyseRepresentations, imagesKey, kernelsFromBytes } from '../../pipeline/analysis/representations.ts';
import { crossModelSimilarity } from '../../pipeline/analysis/similarity.ts';
import { ckaMatrix } from '../../pipeline/analysis/cka.ts';
import { Representations, type ModelResult } from '../../schema/results.ts';
import type { ImageSet } from '../../pipeline/shared/tensors.ts';

let data: ImageSet;
const N = 96;
const images = Int32Array.from({ length: 32 }, (_, i) => i);
const probeTrain = Int32Array.from({ length: 64 }, (_, i) => 32 + i);

beforeAll(async () => {
  await tf.setBackend('cpu');
  // Three classes of brightness, with noise: the classes are linearly separable in any layer's pooled features.
  const rng = seedrandom('representations');
  const labels = Uint8Array.from({ length: N }, (_, i) => i % 3);
  const images = new Uint8Array(N * 32 * 32);
  for (let i = 0; i < N; i++) for (let p = 0; p < 32 * 32; p++) images[i * 1024 + p] = Math.min(255, 40 + labels[i]! * 80 + Math.floor(rng() * 30));
  data = { images, labels, numClasses: 3, imageSize: 32 };
});

const build = (id: string, seed: number) => getModelSpec(id).build({ seed, classes: 3, imageSize: 32 });

describe('representation analyses', () => {
  it('measure a model and its control; the same weights give the same numbers, and the stored kernels give them back', async () => {
    const spec = getModelSpec('tiny-cnn');
    const trained = build('tiny-cnn', 5);
    const initial = build('tiny-cnn', 5);
    const layers = spec.representationLayers(trained);
    expect(layers).toEqual(['conv1', 'pool1', 'conv2', 'pool2', 'dense']);
    const { record, kernelsGz } = await analyseRepresentations(trained, initial, layers, data, { images, probeTrain, batch: 16 }, 'random');
    expect(Representations.safeParse(record).success).toBe(true);
    expect(record.minibatches).toEqual([16, 16]);
    expect(record.layers.map((l) => l.channels)).toEqual([32, 32, 64, 64, 64]);
    expect(record.imagesKey).toBe(imagesKey(images, 16));
    // Untrained and rebuilt with the same seed: the control is the same network.
    expect(record.cka.initial).toEqual(record.cka.trained);
    expect(record.probes.initial).toEqual(record.probes.trained);
    // CKA matrices are symmetric with 1 on the diagonal.
    record.cka.trained.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(record.cka.trained[j]![i]!, 5)));
    record.cka.trained.forEach((row, i) => expect(row[i]).toBe(1));
    // Brightness separates the classes in every layer's pooled features.
    expect(Math.min(...record.probes.trained)).toBeGreaterThan(0.9);
    const k = kernelsFromBytes(kernelsGz, record);
    expect(ckaMatrix(k.trained, k.trained).map((r) => r.map((v) => Math.round(v * 1e6) / 1e6))).toEqual(record.cka.trained);
    trained.dispose();
    initial.dispose();
  });

  it('compares each model with the reference (by role) from the stored kernels, a copy of the reference scoring 1 layer for layer', async () => {
    const measure = async (id: string, seed: number, imgs = images) => {
      const m = build(id, seed);
      const c = build(id, seed + 100);
      const r = await analyseRepresentations(m, c, getModelSpec(id).representationLayers(m), data, { images: imgs, probeTrain, batch: 16 }, 'random');
      m.dispose();
      c.dispose();
      return r;
    };
    const ref = await measure('reduced-filter-cnn', 1);
    const copy = await measure('reduced-filter-cnn', 1);
    const tiny = await measure('tiny-cnn', 2);
    const elsewhere = await measure('tiny-cnn', 2, Int32Array.from({ length: 32 }, (_, i) => 64 + i));
    const as = (id: string, role: ModelResult['role'], r: Awaited<ReturnType<typeof measure>> | null) =>
      ({ result: { id, role, representations: r?.record } as ModelResult, ...(r ? { representationKernels: r.kernelsGz } : {}) });
    const sim = crossModelSimilarity([as('tiny-cnn', 'simplification', tiny), as('reference-net', 'reference', ref), as('copy-net', 'added', copy), as('elsewhere', 'added', elsewhere), as('old', 'added', null)])!;
    expect(sim.reference).toBe('reference-net');
    expect(sim.pairs.map((p) => p.model)).toEqual(['tiny-cnn', 'copy-net']);
    expect(sim.missing.map((m) => m.model)).toEqual(['elsewhere', 'old']);
    const tinyPair = sim.pairs[0]!;
    expect(tinyPair.trained.length).toBe(5);
    expect(tinyPair.trained[0]!.length).toBe(ref.record.layers.length);
    const copyPair = sim.pairs[1]!;
    copyPair.trained.forEach((row, i) => expect(row[i]).toBeCloseTo(1, 5));
    // Its control (other initial weights) is another network: not 1 everywhere.
    expect(copyPair.initial.some((row, i) => Math.abs(row[i]! - 1) > 1e-3)).toBe(true);
    // No reference, no comparison.
    expect(crossModelSimilarity([as('tiny-cnn', 'simplification', tiny)])).toBeNull();
  });
});
