import { describe, expect, it } from 'vitest';
import { nearestTrainBars, nearestTrainSpec, SHOWN_MAX } from '../../src/charts/nearest-train.ts';
import type { ChartInput } from '../../src/charts/common.ts';

const input = (hist: Partial<Record<'image' | 'grouped', number[]>>, audit = true) =>
  ({
    manifest: {
      dataset: { classes: ['A', 'B'] },
      audit: audit ? { histogramBinWidth: 0.5, threshold: 2.25 } : undefined,
      protocols: (Object.keys(hist) as ('image' | 'grouped')[]).map((p) => ({ protocol: p, name: p === 'image' ? 'per-image split' : 'grouped split', nearestTrainHistogram: hist[p] })),
    },
    models: [],
  }) as unknown as ChartInput;

describe('nearest-train histogram figure', () => {
  it('keeps every test image: a protocol’s bars add up to its histogram, the tail pooled at the axis end', () => {
    const long = new Array(81).fill(0);
    long[0] = 5;
    long[70] = 4;
    long[80] = 7; // both beyond SHOWN_MAX
    const bars = nearestTrainBars(input({ image: long, grouped: [0, 0, 0, 0, 0, 3, 4] }));
    const image = bars.filter((b) => b.protocol === 'Per-image split');
    expect(image.reduce((s, b) => s + b.images, 0)).toBe(16);
    expect(image.at(-1)).toMatchObject({ from: SHOWN_MAX, images: 11 });
    expect(image.filter((b) => b.from === SHOWN_MAX)).toHaveLength(1);
    expect(bars.filter((b) => b.protocol === 'Grouped split').reduce((s, b) => s + b.share, 0)).toBeCloseTo(1, 9);
    expect(bars.every((b) => b.threshold === 2.25)).toBe(true);
  });

  it('has no bars for a bundle without the audit', () => {
    expect(nearestTrainBars(input({ image: [1, 2] }, false))).toEqual([]);
  });

  it('puts the protocols side by side when wide and stacked when narrow', () => {
    const i = input({ image: [1, 2], grouped: [0, 3] });
    const wide = nearestTrainSpec(i, "wide") as unknown as { facet: Record<string, unknown> };
    const narrow = nearestTrainSpec(i, "narrow") as unknown as { facet: Record<string, unknown> };
    expect(Object.keys(wide.facet)).toEqual(['column']);
    expect(Object.keys(narrow.facet)).toEqual(['row']);
    expect(JSON.stringify(wide)).toContain('Grouped split');
  });
});
