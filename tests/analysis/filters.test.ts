/** First-layer filters: which layer, and the edge-likeness measure on kernels whose answer is known. */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import seedrandom from 'seedrandom';
import { firstConvLayer, readKernel } from '../../pipeline/analysis/filters.ts';
import { edgeLikeness, edgeTemplates, filterRows, filtersText } from '../../src/lib/filters.ts';
import type { ModelResult } from '../../schema/results.ts';

describe('first-layer filters', () => {
  it('skip a fixed 1 × 1 preprocessing convolution and read the first real filter bank', async () => {
    await tf.setBackend('cpu');
    const m = tfl.sequential({
      layers: [
        tfl.layers.conv2d({ inputShape: [8, 8, 1], filters: 3, kernelSize: 1, trainable: false, name: 'preprocess' }),
        tfl.layers.conv2d({ filters: 4, kernelSize: 3, name: 'conv1' }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 2, activation: 'softmax' }),
      ],
    });
    const layer = firstConvLayer(m)!;
    expect(layer.name).toBe('conv1');
    const k = await readKernel(layer);
    expect(k.shape).toEqual([3, 3, 3, 4]);
    expect(k.values).toHaveLength(3 * 3 * 3 * 4);
    expect(firstConvLayer(tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [4], units: 2, activation: 'softmax' })] }))).toBeNull();
  });

  it('scores an oriented edge 1 whatever its sign, contrast or channel split, a flat kernel 0, and random kernels well below 1', () => {
    for (const [h, w] of [[3, 3], [7, 7]] as const) {
      const [t0, , t90] = edgeTemplates(h, w);
      // A 90° edge (scaled, negated, split over two input channels) in the out-channel 1 slot of a 2-output kernel.
      const values = new Float64Array(h * w * 2 * 2);
      for (let p = 0; p < h * w; p++) {
        values[(p * 2 + 0) * 2 + 1] = -3 * t90![p]! * 0.25;
        values[(p * 2 + 1) * 2 + 1] = -3 * t90![p]! * 0.75 + 5; // an offset the measure removes
        values[(p * 2 + 0) * 2 + 0] = 2; // out-channel 0: flat
      }
      const [flat, edge] = edgeLikeness(values, [h, w, 2, 2]);
      expect(flat).toBe(0);
      expect(edge).toBeCloseTo(1, 10);
      expect(Math.abs(t0!.reduce((s, v) => s + v, 0))).toBeLessThan(1e-12);
    }
    const rng = seedrandom('r');
    const random = edgeLikeness(Float64Array.from({ length: 3 * 3 * 64 }, () => rng() - 0.5), [3, 3, 1, 64]);
    const mean = random.reduce((a, b) => a + b, 0) / random.length;
    expect(mean).toBeGreaterThan(0.3);
    expect(mean).toBeLessThan(0.75);
  });

  it('words the change from the initial weights either way, and states ImageNet\'s filters', () => {
    const [t0] = edgeTemplates(3, 3);
    const edges = Array.from({ length: 9 * 8 }, (_, i) => t0![Math.floor(i / 8)]! * (1 + (i % 8) * 0.1));
    const rng = seedrandom('n');
    const noise = Array.from({ length: 9 * 8 }, () => rng() - 0.5);
    const model = (id: string, name: string, initial: number[], trained: number[], init: 'random' | 'imagenet' = 'random') =>
      ({ id, name, firstFilters: { layer: 'conv1', shape: [3, 3, 1, 8], initialWeights: init, initial, trained } }) as unknown as ModelResult;
    const rows = filterRows([model('a', 'Learner', noise, edges), model('b', 'Unlearner', edges, noise), model('c', 'Still', noise, noise), model('r', 'Deep', edges, edges, 'imagenet')]);
    expect(rows[0]!.trained).toBeCloseTo(1, 10);
    expect(rows[0]!.differenceCI[0]).toBeGreaterThan(0);
    expect(rows[1]!.differenceCI[1]).toBeLessThan(0);
    expect(rows[2]!.differenceCI).toEqual([0, 0]);
    const text = filtersText(rows).join(' ');
    expect(text).toContain("Deep's first filters as ImageNet left them (3 × 3, 8 of them) score 1.00; after fine-tuning here, 1.00.");
    expect(text).toContain('training made the first filters of Learner');
    expect(text).toContain('those of Unlearner');
    expect(text).toContain('less edge-like');
    expect(text).toContain('for Still');
    expect(filtersText([])).toEqual([]);
  });
});
