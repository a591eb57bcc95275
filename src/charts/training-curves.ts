/**
 * Figure: accuracy and loss per epoch, one panel each, every model on both: colour =
 * model, solid = validation, dashed = training. A select under the chart (keyboard and
 * pointer alike) highlights one model; the others fade. Where a model was trained with
 * several seeds, a shaded band spans the lowest to highest value over its seeds (same
 * protocol as the lines) at each epoch.
 */
import type { TopLevelSpec } from 'vega-lite';
import { chartConfig, modelColour, NARROW_WIDTH, ordered, SCHEMA_URL, type ChartInput, type ChartLayout } from './common.ts';

export interface CurveRow {
  model: string;
  epoch: number;
  split: 'Training' | 'Validation';
  metric: 'Accuracy' | 'Loss';
  value: number;
  /** Lowest and highest value over the model's seeds at this epoch (only with more than one seed). */
  lo?: number;
  hi?: number;
}

type Metric = 'trainAccuracy' | 'valAccuracy' | 'trainLoss' | 'valLoss';

/** Per epoch, the lowest and highest of `metric` over the runs of the model's primary protocol; null with fewer than two runs. */
function seedRange(m: ChartInput['models'][number], metric: Metric): Map<number, [number, number]> | null {
  const protocol = m.runs?.[0]?.protocol;
  const runs = (m.runs ?? []).filter((r) => r.protocol === protocol && r.training && r.training.history.length > 0);
  if (runs.length < 2) return null;
  const range = new Map<number, [number, number]>();
  for (const r of runs)
    for (const h of r.training!.history) {
      const v = h[metric];
      const [lo, hi] = range.get(h.epoch) ?? [v, v];
      range.set(h.epoch, [Math.min(lo, v), Math.max(hi, v)]);
    }
  return range;
}

export function curveRows(input: ChartInput): CurveRow[] {
  const rows: CurveRow[] = [];
  for (const m of ordered(input.models)) {
    const ranges = { valAccuracy: seedRange(m, 'valAccuracy'), valLoss: seedRange(m, 'valLoss') };
    const band = (metric: keyof typeof ranges, epoch: number) => {
      const r = ranges[metric]?.get(epoch);
      return r ? { lo: r[0], hi: r[1] } : {};
    };
    for (const h of m.training.history) {
      rows.push(
        { model: m.name, epoch: h.epoch, split: 'Training', metric: 'Accuracy', value: h.trainAccuracy },
        { model: m.name, epoch: h.epoch, split: 'Validation', metric: 'Accuracy', value: h.valAccuracy, ...band('valAccuracy', h.epoch) },
        { model: m.name, epoch: h.epoch, split: 'Training', metric: 'Loss', value: h.trainLoss },
        { model: m.name, epoch: h.epoch, split: 'Validation', metric: 'Loss', value: h.valLoss, ...band('valLoss', h.epoch) },
      );
    }
  }
  return rows;
}

/** The select's first option: no model highlighted. */
export const ALL_MODELS = 'All models';

export function trainingCurvesSpec(input: ChartInput, layout: ChartLayout = 'wide'): TopLevelSpec {
  const models = ordered(input.models);
  const narrow = layout === 'narrow';
  const shown = "focusModel === '" + ALL_MODELS + "' || datum.model === focusModel";
  const fade = (on: number, off: number) => ({ condition: { test: shown, value: on }, value: off });
  const rows = curveRows(input);
  return {
    $schema: SCHEMA_URL,
    description: 'Training and validation accuracy and loss per epoch for every model.',
    params: [
      {
        name: 'focusModel',
        value: ALL_MODELS,
        bind: { input: 'select', options: [ALL_MODELS, ...models.map((m) => m.name)], name: 'Highlight ' },
      },
    ],
    data: { values: rows },
    facet: { [narrow ? 'row' : 'column']: { field: 'metric', type: 'nominal', sort: ['Accuracy', 'Loss'], title: null } },
    resolve: { scale: { y: 'independent' } },
    spacing: narrow ? 16 : 28,
    config: chartConfig(layout),
    spec: {
      width: narrow ? NARROW_WIDTH : 260,
      height: narrow ? 170 : 220,
      encoding: {
        x: { field: 'epoch', type: 'quantitative', title: 'Epoch', scale: { nice: false }, axis: { tickMinStep: 1, format: 'd' } },
        y: { field: 'value', type: 'quantitative', title: null, scale: { zero: false } },
        color: modelColour(models),
      },
      layer: [
        // Seed band of the validation curve, lowest to highest over the seeds (only when some model has several).
        ...(rows.some((r) => r.lo !== undefined)
          ? [
              {
                transform: [{ filter: 'isValid(datum.lo)' }],
                mark: { type: 'area' as const },
                encoding: { y: { field: 'lo', type: 'quantitative' as const, title: null }, y2: { field: 'hi' }, opacity: fade(0.18, 0.03) },
              },
            ]
          : []),
        {
          mark: { type: 'line', strokeWidth: 2 },
          encoding: {
            strokeDash: {
              field: 'split',
              type: 'nominal',
              title: 'Split',
              scale: { domain: ['Validation', 'Training'], range: [[1, 0], [5, 3]] },
            },
            opacity: fade(1, 0.1),
          },
        },
        {
          // Points carry the split too (circle = validation, triangle = training), so a
          // one-epoch run, which has no lines, still reads.
          mark: { type: 'point', filled: true, size: 30 },
          encoding: {
            shape: {
              field: 'split',
              type: 'nominal',
              title: 'Split',
              scale: { domain: ['Validation', 'Training'], range: ['circle', 'triangle-up'] },
            },
            opacity: fade(1, 0.05),
            tooltip: [
              { field: 'model', title: 'Model' },
              { field: 'split', title: 'Split' },
              { field: 'epoch', title: 'Epoch', type: 'quantitative' },
              { field: 'metric', title: 'Metric' },
              { field: 'value', title: 'Value', type: 'quantitative', format: '.4f' },
            ],
          },
        },
      ],
    },
  };
}
