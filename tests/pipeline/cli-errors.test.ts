/**
 * Bad options end in one readable line, checked before any data is read (the runs below
 * name data that does not exist: had it been read first, the error would be about it).
 */
import { describe, it, expect } from 'vitest';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runNode } from '../helpers/site-build.ts';

const work = mkdtempSync(join(tmpdir(), 'cli-errors-'));

function pipeline(...args: string[]) {
  return runNode('node_modules/tsx/dist/cli.mjs', ['pipeline/cli.ts', 'run', '--profile', 'smoke', '--data', join(work, 'no-data'), '--out', join(work, 'results'), '--cache-dir', join(work, 'cache'), ...args], { MEDICAL_MNIST_DATA: '' }, 60_000);
}

const lines = (output: string) => output.trim().split('\n').filter((l) => !/EBADENGINE|^npm warn/i.test(l));

describe('pipeline options', () => {
  it.each([
    ['1e3', '--seed: expected a whole number from 0 to 2147483647 in digits, got "1e3"'],
    ['99999999999', '--seed: expected a whole number from 0 to 2147483647 in digits, got "99999999999"'],
    ['-1', '--seed: expected a whole number from 0 to 2147483647 in digits, got "-1"'],
  ])('--seed %s is one line, before the data', async (seed, message) => {
    const r = await pipeline(`--seed=${seed}`);
    expect(r.code).not.toBe(0);
    expect(lines(r.output)).toEqual([`error: ${message}`]);
  });

  it('a parse error is one line too', async () => {
    const r = await pipeline('--seed', '-1');
    expect(lines(r.output)).toHaveLength(1);
    expect(lines(r.output)[0]).toMatch(/^error: Option '--seed' argument is ambiguous\. .* \(see --help\)$/);
  });

  it('a missing --imagenet-weights file is one line, before the data', async () => {
    const file = join(work, 'weights', 'model.json');
    const r = await pipeline('--imagenet-weights', file);
    expect(r.code).not.toBe(0);
    expect(lines(r.output)).toEqual([`error: --imagenet-weights ${file}: no such file (expected the model.json of a tfjs-layers export of Keras' ResNet50 ImageNet weights)`]);
    mkdirSync(file, { recursive: true });
    const dir = await pipeline('--imagenet-weights', file);
    expect(lines(dir.output)).toEqual([`error: --imagenet-weights ${file}: not a file (expected the model.json of a tfjs-layers export of Keras' ResNet50 ImageNet weights)`]);
  });

  it.each([
    [['--shard', '4/3'], '--shard: K must be 1 to 3, got 4'],
    [['--shard', 'two/3'], '--shard: expected K/N or auto/N (e.g. 2/8), got "two/3"'],
    [['--shard', 'auto/3'], '--shard auto/N: none of SHARD_INDEX, SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX is set'],
    [['--time-limit', 'soon'], '--time-limit: expected a duration such as 5h30m, 90m or 600s, got "soon"'],
    [['--shards', '4'], '--shards, --lanes and --json: only with "plan"'],
    [['--no-train', '--force'], '--no-train and --force contradict each other: pass one'],
    [['--no-train', '--shard', '1/2'], '--no-train: only with a plain "run" (it writes the bundle from the store)'],
  ])('scale-out option %j is one line, before the data', async (args, message) => {
    const r = await runNode('node_modules/tsx/dist/cli.mjs', ['pipeline/cli.ts', 'run', '--profile', 'smoke', '--data', join(work, 'no-data'), '--cache-dir', join(work, 'cache'), ...args], { MEDICAL_MNIST_DATA: '', SLURM_ARRAY_TASK_ID: '', JOB_COMPLETION_INDEX: '', SHARD_INDEX: '' }, 60_000);
    expect(r.code).toBe(1);
    expect(lines(r.output)).toEqual([`error: ${message}`]);
  });
});
