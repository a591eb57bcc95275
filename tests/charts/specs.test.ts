import { describe, expect, it } from 'vitest';
import { compile } from 'vega-lite';
import { CHART_IDS, chartSpec } from '../../src/charts/specs.ts';
import { curveRows } from '../../src/charts/training-curves.ts';
import { confusionCells } from '../../src/charts/confusion-matrix.ts';
import { accuracyVsCostSpec, costRows, errorTicks, flops } from '../../src/charts/accuracy-vs-cost.ts';
import { f1Cells, f1Domain } from '../../src/charts/per-class-f1.ts';
import { CLASSES, chartInput, modelResult } from '../helpers/study-bundle.ts';

// In the order a bundle lists them (the charts keep it).
const models = [
  modelResult('gap-cnn', { params: 20_000, macs: 2_000_000, correct: 9, epochs: 4 }),
  modelResult('resnet50', { params: 23_000_000, macs: 400_000_000, correct: 10, epochs: 2 }),
  modelResult('tiny-cnn', { params: 50_000, macs: 1_000_000, correct: 8, epochs: 3 }),
];
const input = chartInput(models);

describe('chart specs', () => {
  it.each(CHART_IDS)('%s compiles to Vega without warnings and is deterministic', (id) => {
    const warnings: unknown[] = [];
    const logger = { level: () => logger, error: (...a: unknown[]) => warnings.push(a), warn: (...a: unknown[]) => warnings.push(a), info: () => logger, debug: () => logger };
    const spec = chartSpec(id, input);
    const vega = compile(spec, { logger: logger as never }).spec;
    expect(warnings).toEqual([]);
    expect(vega.marks?.length).toBeGreaterThan(0);
    expect(JSON.stringify(chartSpec(id, chartInput([...models])))).toBe(JSON.stringify(spec));
  });

  it('takes each model colour from the bundle, in the bundle order', () => {
    const spec = chartSpec('training-curves', input) as { spec: { encoding: { color: { scale: { domain: string[]; range: string[] } } } } };
    const { domain, range } = spec.spec.encoding.color.scale;
    expect(domain).toEqual(models.map((m) => m.name));
    expect(range).toEqual(models.map((m) => m.colour));
    expect(new Set(range).size).toBe(models.length);
  });

  it('has four curve rows per epoch per model', () => {
    const rows = curveRows(input);
    expect(rows).toHaveLength(4 * (4 + 2 + 3));
    const gapValAcc = rows.filter((r) => r.model === 'GAP CNN' && r.metric === 'Accuracy' && r.split === 'Validation').map((r) => r.value);
    expect(gapValAcc).toEqual(models[0]!.training.history.map((h) => h.valAccuracy));
  });

  it('row-normalised confusion shares sum to one per true class', () => {
    const cells = confusionCells(input);
    expect(cells).toHaveLength(models.length * CLASSES.length ** 2);
    for (const m of models) {
      for (const actual of CLASSES) {
        const row = cells.filter((c) => c.model === m.name && c.actual === actual);
        expect(row.reduce((s, c) => s + c.share, 0)).toBeCloseTo(1, 12);
        expect(row.reduce((s, c) => s + c.count, 0)).toBe(10);
      }
    }
  });

  it('marks the Pareto front per cost kind and counts FLOPs as 2 × MACs', () => {
    const rows = costRows(input);
    const front = (kind: string) => rows.filter((r) => r.kind === kind && r.front === 'Pareto-optimal').map((r) => r.model).sort();
    // By parameters: GAP (cheapest), TinyCNN is dominated by GAP (more params, lower accuracy), ResNet50 (most accurate).
    expect(front('Parameters')).toEqual(['GAP CNN', 'ResNet50']);
    // By FLOPs TinyCNN is the cheapest, so it joins the front.
    expect(front('FLOPs')).toEqual(['GAP CNN', 'ResNet50', 'TinyCNN']);
    const tiny = rows.find((r) => r.kind === 'FLOPs' && r.model === 'TinyCNN')!;
    expect(tiny.cost).toBe(flops(models[2]!));
    expect(tiny.cost).toBe(2_000_000);
    expect([tiny.lower, tiny.upper]).toEqual(models[2]!.evaluation.accuracyCI95);
  });

  it('plots test error on an upside-down symmetric-log axis, ticked from 0 to just past the largest interval end', () => {
    const rows = costRows(input);
    const top = Math.max(...rows.map((r) => 1 - r.lower));
    const ticks = errorTicks(rows);
    expect(ticks[0]).toBe(0);
    expect(ticks.at(-1)!).toBeGreaterThanOrEqual(top);
    expect(ticks.at(-2)!).toBeLessThan(top);
    // A perfect score (error 0) still has a place: symlog, not log.
    expect(errorTicks(rows.map((r) => ({ ...r, accuracy: 1, lower: 1, upper: 1 })))).toEqual([0]);
    const spec = accuracyVsCostSpec(input) as unknown as { spec: { encoding: { y: { field: string; scale: Record<string, unknown>; axis: { values: number[] } } } } };
    expect(spec.spec.encoding.y.field).toBe('error');
    expect(spec.spec.encoding.y.scale).toMatchObject({ type: 'symlog', reverse: true, domain: [0, ticks.at(-1)] });
    expect(spec.spec.encoding.y.axis.values).toEqual(ticks);
  });

  it('lays out per-class F1 for every model and class, on a domain from the lowest score to 1', () => {
    const cells = f1Cells(input);
    expect(cells).toHaveLength(models.length * CLASSES.length);
    expect(f1Domain(cells)).toEqual([0.8, 1]);
    expect(f1Domain(cells.map((c) => ({ ...c, f1: 1 })))).toEqual([0.999, 1]);
  });

  it('refuses an empty model list with a clear message', () => {
    expect(() => chartSpec('training-curves', chartInput([]))).toThrow(/at least one model/);
  });
});
