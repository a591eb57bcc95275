/** The run plan (pipeline/run/plan.ts) and the scale-out arguments (pipeline/run/shard-args.ts), without data. */
import { describe, it, expect } from 'vitest';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { resolveAllJobs } from '../../pipeline/run/job.ts';
import { estimatedSeconds, formatPlan, makePlan, shardJobs } from '../../pipeline/run/plan.ts';
import { parseDuration, parseShard } from '../../pipeline/run/shard-args.ts';
import { getProfile } from '../../pipeline/profiles.ts';
import { DEFAULT_SPLIT } from '../../pipeline/data/split.ts';

await tf.setBackend('cpu');

/** The study's 30 runs (five models × two protocols × three seeds) of the full profile, on a dataset of Medical MNIST's split sizes. */
function studyJobs() {
  const n = 58_954;
  const labels = Uint8Array.from({ length: n }, (_, i) => i % 6);
  const range = (from: number, to: number) => Int32Array.from({ length: to - from }, (_, i) => from + i);
  const split = { train: range(0, 47_164), validation: range(47_164, 53_059), test: range(53_059, n) };
  const profile = getProfile('full', { train: 47_164, validation: 5_895, test: 5_895 });
  const models = ['resnet50', 'basic-cnn', 'tiny-cnn', 'reduced-filter-cnn', 'gap-cnn'];
  return resolveAllJobs(
    {
      models,
      seed: 42,
      profile,
      backend: 'wasm',
      dataset: { fingerprint: 'f'.repeat(64), classes: ['a', 'b', 'c', 'd', 'e', 'f'], labels, imageSize: 64 },
      ratios: DEFAULT_SPLIT,
      samples: Int32Array.from([53_059]),
      cacheDir: '/tmp/cache',
      resnet50Init: { kind: 'random', reason: 'test' },
    },
    [
      { protocol: 'image', split, splitKey: { seed: 42 } },
      { protocol: 'grouped', split, splitKey: { seed: 42, grouped: true } },
    ],
    profile.seeds!,
  );
}

describe('the run plan', () => {
  const jobs = studyJobs();

  it('lists every run once, with its inputs hash, estimate and shard; deterministic', () => {
    const plan = makePlan(jobs, { profile: 'full', shards: 7, lanes: 4 });
    expect(plan.runs.length).toBe(30);
    expect(new Set(plan.runs.map((r) => r.inputsHash)).size).toBe(30);
    expect(plan.runs.every((r) => r.shard >= 1 && r.shard <= 7)).toBe(true);
    expect(plan.matrix).toEqual({ shard: [1, 2, 3, 4, 5, 6, 7] });
    expect(makePlan(studyJobs(), { profile: 'full', shards: 7, lanes: 4 })).toEqual(plan);
    expect(makePlan(jobs, { profile: 'full', shards: 8, lanes: 4 }).planHash).not.toBe(plan.planHash);
    // The shards partition the jobs.
    const all = [1, 2, 3, 4, 5, 6, 7].flatMap((k) => shardJobs(plan, jobs, k).map((j) => j.inputsHash));
    expect(all.sort()).toEqual(jobs.map((j) => j.inputsHash).sort());
  });

  it('balances the shards by estimated cost, longest first onto the least loaded', () => {
    const costs = jobs.map(estimatedSeconds);
    for (const shards of [2, 3, 7, 20]) {
      const plan = makePlan(jobs, { profile: 'full', shards, lanes: 1 });
      const loads = plan.shards.map((s) => s.laneSeconds);
      // List scheduling's bound: no shard exceeds the average by more than one run.
      expect(Math.max(...loads)).toBeLessThanOrEqual(costs.reduce((a, b) => a + b, 0) / shards + Math.max(...costs) + 1);
      expect(plan.shards.reduce((s, x) => s + x.runs, 0)).toBe(30);
    }
    // ResNet50 dominates the study: with 20 shards each of its six runs has a shard alone.
    const wide = makePlan(jobs, { profile: 'full', shards: 20, lanes: 4 });
    for (const r of wide.runs.filter((x) => x.model === 'resnet50')) expect(wide.runs.filter((x) => x.shard === r.shard)).toHaveLength(1);
    const text = formatPlan(wide, { backend: 'wasm' });
    expect(text).toMatch(/^plan [0-9a-f]{16}: profile full, 30 runs in 20 shards$/m);
    expect(text).toMatch(/the longest shard takes about \d+ h \d\d min on a machine with 4 lanes/);
  });

  it('refuses more shards than a GitHub Actions matrix holds', () => {
    expect(() => makePlan(jobs, { profile: 'full', shards: 257, lanes: 1 })).toThrow(/at most 256/);
  });
});

describe('--shard and --time-limit', () => {
  it('K/N, and auto/N from the schedulers’ variables', () => {
    expect(parseShard('2/8', {})).toEqual({ index: 2, count: 8 });
    expect(parseShard('auto/8', { SHARD_INDEX: '3' })).toEqual({ index: 3, count: 8 });
    expect(parseShard('auto/8', { SLURM_ARRAY_TASK_ID: '5', SLURM_ARRAY_TASK_MIN: '1' })).toEqual({ index: 5, count: 8 });
    // An array counted from 0 (--array=0-7).
    expect(parseShard('auto/8', { SLURM_ARRAY_TASK_ID: '0', SLURM_ARRAY_TASK_MIN: '0' })).toEqual({ index: 1, count: 8 });
    // Kubernetes Indexed Jobs count from 0.
    expect(parseShard('auto/8', { JOB_COMPLETION_INDEX: '7' })).toEqual({ index: 8, count: 8 });
    expect(parseShard('auto/8', {})).toMatch(/none of SHARD_INDEX, SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX is set/);
    expect(parseShard('9/8', {})).toMatch(/K must be 1 to 8, got 9/);
    expect(parseShard('auto/8', { JOB_COMPLETION_INDEX: '8' })).toMatch(/K must be 1 to 8, got 9 \(from JOB_COMPLETION_INDEX=8/);
    expect(parseShard('1/300', {})).toMatch(/N must be 1 to 256/);
    expect(parseShard('one/8', {})).toMatch(/expected K\/N or auto\/N/);
  });

  it('durations', () => {
    expect(parseDuration('5h30m')).toBe(19_800);
    expect(parseDuration('90m')).toBe(5_400);
    expect(parseDuration('600s')).toBe(600);
    expect(parseDuration('600')).toBe(600);
    expect(parseDuration('2h')).toBe(7_200);
    expect(parseDuration('0')).toBeNull();
    expect(parseDuration('soon')).toBeNull();
    expect(parseDuration('')).toBeNull();
  });
});
