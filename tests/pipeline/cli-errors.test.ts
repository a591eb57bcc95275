/**
 * Bad options end in one readable line, checked before any data is read (the runs below
 * name data that does not exist: had it been read first, the error would be about it).
 */
import { describe, it, expect } from 'vitest';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runNode } from '../site/fixture.ts';

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
});
