import { describe, expect, it } from 'vitest';
import { curveRows, trainingCurvesSpec } from '../../src/charts/training-curves.ts';
import { renderChart } from '../../src/charts/render.ts';
import { chartInput, modelResult } from '../helpers/study-bundle.ts';
import type { Run } from '../../schema/results.ts';

const history = (acc: number[]) => acc.map((a, i) => ({ epoch: i + 1, trainAccuracy: a, valAccuracy: a, trainLoss: 1 - a, valLoss: 1 - a }));
const run = (protocol: 'image' | 'grouped', seed: number, acc: number[]) => ({ protocol, seed, training: { history: history(acc) } }) as unknown as Run;

describe('seed bands on the training curves', () => {
  it('spans the lowest to highest validation value over the primary protocol’s seeds, and is absent with one seed', () => {
    const seeded = modelResult('gap-cnn', { params: 20_000, macs: 2_000_000, correct: 8 });
    seeded.runs = [run('image', 42, [0.8, 0.9]), run('image', 43, [0.7, 0.95]), run('image', 44, [0.75, 0.92]), run('grouped', 42, [0.1, 0.1])];
    const single = modelResult('tiny-cnn', { params: 10_000, macs: 1_000_000, correct: 8 });
    single.runs = [run('image', 42, [0.8, 0.9])];
    const rows = curveRows(chartInput([seeded, single]));
    const band = rows.filter((r) => r.lo !== undefined);
    expect(band.every((r) => r.split === 'Validation' && r.model === seeded.name)).toBe(true);
    expect(band.find((r) => r.metric === 'Accuracy' && r.epoch === 2)).toMatchObject({ lo: 0.9, hi: 0.95 });
    expect(band.find((r) => r.metric === 'Loss' && r.epoch === 1)!.lo).toBeCloseTo(0.2, 9);
  });

  it('renders with the band layer', async () => {
    const seeded = modelResult('gap-cnn', { params: 20_000, macs: 2_000_000, correct: 8 });
    seeded.runs = [run('image', 42, [0.8, 0.9]), run('image', 43, [0.7, 0.95])];
    const chart = await renderChart(trainingCurvesSpec(chartInput([seeded])), 'b');
    expect(chart.warnings).toEqual([]);
    expect(chart.svg).toContain('area mark');
  });
});
