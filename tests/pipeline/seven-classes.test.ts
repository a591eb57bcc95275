/**
 * The class count comes from the data: a dataset with a seventh class folder trains and
 * evaluates end to end (nothing in the models assumes six), instead of getting through
 * decoding and the cache and then failing inside TensorFlow with a shape error.
 */
import { describe, it, expect } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanFiles, writeFolder } from '../helpers/data-files.ts';
import { runNode } from '../helpers/site-build.ts';
import { readBundle } from '../../schema/bundle.ts';

const CLASSES = ['AbdomenCT', 'BreastMRI', 'CXR', 'ChestCT', 'Hand', 'HeadCT', 'KneeMRI'];

describe('a dataset with seven classes', () => {
  it('runs the pipeline end to end with a seven-way softmax', async () => {
    const work = mkdtempSync(join(tmpdir(), 'seven-'));
    const data = writeFolder(join(work, 'data'), await cleanFiles(CLASSES, 10));
    const out = join(work, 'results');
    const r = await runNode(
      'node_modules/tsx/dist/cli.mjs',
      ['pipeline/cli.ts', 'run', '--profile', 'smoke', '--models', 'tiny-cnn', '--jobs', '1', '--data', data, '--out', out, '--cache-dir', join(work, 'cache'), '--quiet'],
      { MEDICAL_MNIST_DATA: '' },
      300_000,
    );
    expect(r.output.split('\n').filter((l) => l.startsWith('error:'))).toEqual([]);
    expect(r.code).toBe(0);
    const bundle = readBundle(out);
    expect(bundle.manifest.dataset.classes).toEqual(CLASSES);
    const model = bundle.models[0]!;
    expect(model.evaluation.confusion).toHaveLength(7);
    expect(model.softmax.every((row) => row.length === 7)).toBe(true);
    expect(model.layers.at(-1)!.outputShape).toEqual([7]);
  });
});
