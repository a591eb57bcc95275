/**
 * What a software WebGPU adapter (SwiftShader) changes, and what it must not: `smoke` shrinks
 * and says so, inference is timed at a small batch with a note in the bundle, the browser
 * export is judged on the test subset; every other backend's profile, jobs and latency
 * settings stay as they were.
 */
import { describe, it, expect } from 'vitest';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { getProfile, latencyRuns, SOFTWARE_ADAPTER_LATENCY } from '../../pipeline/profiles.ts';
import { resolveJobs, type RunFacts } from '../../pipeline/run/job.ts';
import { measureLatency } from '../../pipeline/evaluate/latency.ts';
import { offSoftwareAdapter } from '../../pipeline/backend/select.ts';
import { DEFAULT_SPLIT } from '../../pipeline/data/split.ts';
import { MODEL_IDS } from '../../pipeline/models/registry.ts';

tf.enableProdMode(); // no "install tfjs-node" banner
await tf.setBackend('cpu');

const sizes = { train: 47_164, validation: 5_895, test: 5_895 };
const swiftshader = { vendor: 'google', architecture: 'swiftshader', device: 'swiftshader-device-subzero-', description: 'SwiftShader driver 5.0.0', software: true };
const hardware = { vendor: 'nvidia', architecture: 'hopper', device: '', description: 'NVIDIA H200', software: false };

function facts(adapter: typeof swiftshader | null): RunFacts {
  const n = 600;
  const labels = Uint8Array.from({ length: n }, (_, i) => i % 4);
  const range = (from: number, to: number) => Int32Array.from({ length: to - from }, (_, i) => from + i);
  return {
    models: ['tiny-cnn'],
    seed: 42,
    profile: getProfile('smoke', { train: 480, validation: 60, test: 60 }, { softwareAdapter: adapter?.software === true }),
    backend: adapter ? 'webgpu' : 'wasm',
    adapter,
    dataset: { fingerprint: 'f'.repeat(64), classes: ['a', 'b', 'c', 'd'], labels, imageSize: 64 },
    split: { train: range(0, 480), validation: range(480, 540), test: range(540, 600) },
    ratios: DEFAULT_SPLIT,
    samples: Int32Array.from([540, 541, 542, 543]),
    cacheDir: '/tmp/cache',
    resnet50Init: { kind: 'random', reason: 'test' },
  };
}

describe('a software WebGPU adapter', () => {
  it('shrinks smoke, first among the stated reductions, and nothing else', () => {
    const plain = getProfile('smoke', sizes);
    const soft = getProfile('smoke', sizes, { softwareAdapter: true });
    expect(soft.reductions[0]).toEqual({ kind: 'software-adapter' });
    expect(plain.reductions.some((r) => typeof r !== 'string' && r.kind === 'software-adapter')).toBe(false);
    for (const id of MODEL_IDS) {
      expect(soft.budgets[id].trainLimit!).toBeLessThan(plain.budgets[id].trainLimit!);
      expect(soft.budgets[id].testLimit!).toBeLessThan(plain.budgets[id].testLimit!);
    }
    // The reductions follow the smaller budget.
    expect(soft.reductions).toContainEqual({ kind: 'budget', subject: 'tiny-cnn', field: 'trainLimit', value: 32, study: 47_164 });
    // cpu and full are the same with or without it (a software adapter runs them as they are, slowly).
    for (const name of ['cpu', 'full'] as const) expect(getProfile(name, sizes, { softwareAdapter: true })).toEqual(getProfile(name, sizes));
  });

  it('times inference at a small batch with a note; other backends keep batch 256', () => {
    expect(latencyRuns('smoke', true)).toEqual({ batch1Runs: 1, batch256Runs: 1, budgetMs: 0, largeBatch: 16 });
    expect(latencyRuns('cpu').largeBatch).toBeUndefined();
    expect(SOFTWARE_ADAPTER_LATENCY.note).toMatch(/not a GPU latency/);
    const soft = resolveJobs(facts(swiftshader))['tiny-cnn'];
    const gpu = resolveJobs(facts(hardware))['tiny-cnn'];
    const wasm = resolveJobs(facts(null))['tiny-cnn'];
    expect(soft.latency.largeBatch).toBe(16);
    expect(gpu.latency).toEqual(latencyRuns('smoke'));
    expect(wasm.latency).toEqual(latencyRuns('smoke'));
    // The browser export is chosen on the validation subset and scored on the test subset there, on the whole splits elsewhere.
    expect(Array.from(soft.testSplit)).toEqual(Array.from(soft.test));
    expect(Array.from(soft.validationSplit)).toEqual(Array.from(soft.validation));
    expect(wasm.validationSplit.length).toBeGreaterThanOrEqual(wasm.validation.length);
    // The representation and corruption analyses are not run there.
    expect(soft.analysis).toBeNull();
    expect(wasm.analysis).not.toBeNull();
    expect(soft.test.length).toBe(24);
    expect(wasm.testSplit.length).toBe(60);
    expect(gpu.testSplit.length).toBe(60);
  });

  it('measureLatency reports the batch it timed only when it is not 256', async () => {
    const model = tfl.sequential({ layers: [tfl.layers.flatten({ inputShape: [64, 64, 1] }), tfl.layers.dense({ units: 2 })] });
    const small = await measureLatency(model, { batch1Runs: 1, batch256Runs: 1, budgetMs: 0, largeBatch: 4 });
    expect(small.largeBatch).toBe(4);
    expect(small.batch256MsPerImage).toBeGreaterThan(0);
    const usual = await measureLatency(model, { batch1Runs: 1, batch256Runs: 1, budgetMs: 0 });
    expect(usual).not.toHaveProperty('largeBatch');
    model.dispose();
  });

  it('offSoftwareAdapter leaves every other backend where it is', async () => {
    const seen: string[] = [];
    const r = await offSoftwareAdapter({ name: 'cpu', notes: [], adapter: null }, {}, async () => (seen.push(tf.getBackend()), 7));
    expect(r).toEqual({ value: 7, moved: null });
    expect(seen).toEqual(['cpu']);
  });
});
