/** The model cache keeps the representation analyses' kernels with the result, so a reused model is compared without being measured again; a result that says it has them but lost them is not reused. */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFromCache, modelDir, REPRESENTATION_KERNELS_FILE, saveToCache } from '../../pipeline/cache/models.ts';
import { ModelResult } from '../../schema/results.ts';
import { modelResult } from '../helpers/study-bundle.ts';

const representations = {
  pooling: 'global-average',
  layers: [{ name: 'conv1', type: 'Conv2D', channels: 4 }],
  images: 8,
  minibatches: [4, 4],
  imagesKey: 'b'.repeat(64),
  control: 'random',
  cka: { trained: [[1]], initial: [[1]] },
  probes: { method: 'p', trainImages: 8, testImages: 8, trained: [1], initial: [0.5], trainedTrainAccuracy: [1] },
  seconds: 0.1,
};

describe('model cache and the analyses', () => {
  it('keeps the kernels beside the result and gives them back; without them the entry is incomplete', () => {
    const cache = mkdtempSync(join(tmpdir(), 'analysis-cache-'));
    const result = ModelResult.parse({ ...modelResult('resnet50'), representations });
    const kernels = new Uint8Array([1, 2, 3, 4]);
    saveToCache(cache, { result, activationsGz: new Uint8Array([1]), browser: null, representationKernels: kernels });
    const back = loadFromCache(cache, 'resnet50', result.inputsHash)!;
    expect(back.representationKernels).toEqual(kernels);
    expect(back.result.representations).toEqual(result.representations);
    rmSync(join(modelDir(cache, 'resnet50', result.inputsHash), REPRESENTATION_KERNELS_FILE));
    expect(loadFromCache(cache, 'resnet50', result.inputsHash)).toBeNull();
  });
});
