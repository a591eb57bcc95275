/** The corruption benchmark (pipeline/analysis/robustness.ts): balanced error on known answers; every corruption at five severities, deterministic. */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { balancedError, measureRobustness } from '../../pipeline/analysis/robustness.ts';
import { CORRUPTIONS } from '../../pipeline/analysis/corruptions.ts';
import { getModelSpec } from '../../pipeline/models/registry.ts';
import { Robustness } from '../../schema/results.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('robustness', () => {
  it('balanced error is 1 − mean per-class recall over the classes present', () => {
    expect(balancedError([0, 0, 1, 1], [0, 1, 1, 1], 3)).toBeCloseTo(0.25, 12);
    // 9 of class 0 right, class 1's one image wrong: accuracy 90 %, balanced error 50 %.
    expect(balancedError([0, 0, 0, 0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 2)).toBeCloseTo(0.5, 12);
    expect(balancedError([2, 2], [2, 2], 3)).toBe(0);
  });

  it('scores a model clean and under every corruption at severities 1–5, the same on a second run', async () => {
    const n = 6;
    const data = { images: Uint8Array.from({ length: n * 32 * 32 }, (_, i) => (i * 37) % 256), labels: Uint8Array.from({ length: n }, (_, i) => i % 3), numClasses: 3, imageSize: 32 };
    const model = getModelSpec('reduced-filter-cnn').build({ seed: 1, classes: 3, imageSize: 32 });
    const images = Int32Array.from([0, 1, 2, 3, 4, 5]);
    const r = await measureRobustness(model, data, images, 9);
    expect(Robustness.safeParse(r).success).toBe(true);
    expect(r.images).toBe(6);
    expect(r.corruptions.map((c) => c.id)).toEqual(CORRUPTIONS.map((c) => c.id));
    for (const c of r.corruptions) expect(c.accuracy).toHaveLength(5);
    const again = await measureRobustness(model, data, images, 9);
    expect(again.corruptions).toEqual(r.corruptions);
    expect(again.clean).toEqual(r.clean);
    model.dispose();
  });
});
