/**
 * Figure: per-class F1 on the test split as a model × class heatmap with the value in
 * each cell (printed so that a score below 1 never reads "1.000"); colour runs from
 * the lowest F1 in the bundle to 1 so small gaps show. Narrow layout: classes down,
 * models across.
 */
import type { TopLevelSpec } from 'vega-lite';
import { dec } from '../lib/format.ts';
import { chartConfig, ordered, SCHEMA_URL, type ChartInput, type ChartLayout } from './common.ts';
import { F1_SCHEME } from './palette.ts';

export interface F1Cell {
  model: string;
  class: string;
  f1: number;
  precision: number;
  recall: number;
  support: number;
  /** F1 as printed in the cell. */
  label: string;
}

export function f1Cells(input: ChartInput): F1Cell[] {
  const cells: F1Cell[] = [];
  for (const m of ordered(input.models)) {
    for (const c of m.evaluation.perClass) cells.push({ model: m.name, class: c.class, f1: c.f1, precision: c.precision, recall: c.recall, support: c.support, label: dec(c.f1, 3) });
  }
  return cells;
}

/**
 * Colour domain of the F1 heatmap: [lowest score, 1]. When every score is 1 the
 * domain is [0.999, 1] so the scale still has a width.
 */
export function f1Domain(cells: readonly Pick<F1Cell, 'f1'>[]): [number, number] {
  return [Math.min(0.999, ...cells.map((c) => c.f1)), 1];
}

export function perClassF1Spec(input: ChartInput, layout: ChartLayout = 'wide'): TopLevelSpec {
  const models = ordered(input.models);
  const cells = f1Cells(input);
  const [low] = f1Domain(cells);
  const narrow = layout === 'narrow';
  const classAxis = { field: 'class', type: 'nominal' as const, sort: input.manifest.dataset.classes, title: null };
  const modelAxis = { field: 'model', type: 'nominal' as const, sort: models.map((m) => m.name), title: null };
  return {
    $schema: SCHEMA_URL,
    description: 'Per-class F1 score on the test split for every model.',
    config: chartConfig(layout),
    data: { values: cells },
    width: { step: narrow ? 40 : 64 },
    height: { step: 30 },
    encoding: narrow
      ? // Upright model names: whole (no truncation) without widening the chart past a phone.
        { x: { ...modelAxis, axis: { orient: 'top', labelAngle: -90, labelLimit: 220 } }, y: classAxis }
      : { x: { ...classAxis, axis: { orient: 'top', labelAngle: 0 } }, y: { ...modelAxis, axis: { labelLimit: 260 } } },
    layer: [
      {
        mark: { type: 'rect', stroke: 'white', strokeWidth: 1 },
        encoding: {
          color: {
            field: 'f1',
            type: 'quantitative',
            title: 'F1',
            scale: { scheme: F1_SCHEME, domain: [low, 1] },
            legend: { format: '.3~f', gradientLength: 120, ...(narrow ? { direction: 'horizontal' as const } : {}) },
          },
          tooltip: [
            { field: 'model', title: 'Model' },
            { field: 'class', title: 'Class' },
            { field: 'f1', title: 'F1', type: 'quantitative', format: '.4f' },
            { field: 'precision', title: 'Precision', type: 'quantitative', format: '.4f' },
            { field: 'recall', title: 'Recall', type: 'quantitative', format: '.4f' },
            { field: 'support', title: 'Test images', type: 'quantitative', format: ',d' },
          ],
        },
      },
      {
        mark: { type: 'text', fontSize: narrow ? 11 : 11 },
        encoding: {
          text: { field: 'label' },
          color: { condition: { test: `datum.f1 > ${(low + 1) / 2}`, value: 'white' }, value: '#222' },
        },
      },
    ],
  };
}
