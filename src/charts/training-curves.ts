/**
 * Figure: accuracy and loss per epoch, one panel each, every model on both: colour =
 * model, solid = validation, dashed = training. A select under the chart (keyboard and
 * pointer alike) highlights one model; the others fade.
 */
import type { TopLevelSpec } from 'vega-lite';
import { chartConfig, modelColour, NARROW_WIDTH, ordered, SCHEMA_URL, type ChartInput, type ChartLayout } from './common.ts';

export interface CurveRow {
  model: string;
  epoch: number;
  split: 'Training' | 'Validation';
  metric: 'Accuracy' | 'Loss';
  value: number;
}

export function curveRows(input: ChartInput): CurveRow[] {
  const rows: CurveRow[] = [];
  for (const m of ordered(input.models)) {
    for (const h of m.training.history) {
      rows.push(
        { model: m.name, epoch: h.epoch, split: 'Training', metric: 'Accuracy', value: h.trainAccuracy },
        { model: m.name, epoch: h.epoch, split: 'Validation', metric: 'Accuracy', value: h.valAccuracy },
        { model: m.name, epoch: h.epoch, split: 'Training', metric: 'Loss', value: h.trainLoss },
        { model: m.name, epoch: h.epoch, split: 'Validation', metric: 'Loss', value: h.valLoss },
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
    data: { values: curveRows(input) },
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
