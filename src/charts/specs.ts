/**
 * Every chart of the paper as a typed Vega-Lite spec built from the results bundle,
 * in one place. Builders are pure and deterministic: the same bundle gives the same
 * JSON (no random ids, no dates), so static SVGs and the live charts agree.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { Config } from 'vega-lite/types_unstable/config.js';
import { MODEL_IDS, type Manifest, type ModelResult } from '../../schema/results.ts';
import { paretoFront } from './pareto.ts';
import { CHART_FONT, CONFUSION_SCHEME, F1_SCHEME, MODEL_COLOURS } from './palette.ts';

/** What the builders read: a bundle's manifest and models (tests pass small inline objects). */
export interface ChartInput {
  manifest: { dataset: Pick<Manifest['dataset'], 'classes'> };
  models: readonly ModelResult[];
}

const SCHEMA_URL = 'https://vega.github.io/schema/vega-lite/v6.json';

/** Shared look: quiet axes, the paper's font, white background so print matches screen. */
export const CHART_CONFIG: Config = {
  font: CHART_FONT,
  background: 'white',
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', gridColor: '#e6e6e6', domainColor: '#888', tickColor: '#888' },
  legend: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', labelLimit: 240 },
  header: { labelFontSize: 13, labelFontWeight: 'bold', title: null },
  title: { fontSize: 14, fontWeight: 'normal' },
};

/** Models in the study's order, whatever order the bundle lists them in. */
function ordered(models: readonly ModelResult[]): ModelResult[] {
  if (models.length === 0) throw new Error('chart specs: expected at least one model in the results bundle');
  return [...models].sort((a, b) => MODEL_IDS.indexOf(a.id) - MODEL_IDS.indexOf(b.id));
}

/** The fixed model colour scale, restricted to the models present; the legend shows display names. */
function modelColour(models: readonly ModelResult[]) {
  return {
    field: 'model',
    type: 'nominal' as const,
    title: 'Model',
    scale: { domain: models.map((m) => m.name), range: models.map((m) => MODEL_COLOURS[m.id]) },
  };
}

// ---------------------------------------------------------------------------
// Training curves

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

/**
 * Accuracy and loss per epoch, one panel each, every model on both: colour = model,
 * solid = validation, dashed = training. Clicking a legend entry isolates a model
 * (shift-click adds more); the selection is shared by both panels.
 */
export function trainingCurvesSpec(input: ChartInput): TopLevelSpec {
  const models = ordered(input.models);
  const shown = { param: 'shownModels', empty: true };
  const fade = (on: number, off: number) => ({ condition: { ...shown, value: on }, value: off });
  return {
    $schema: SCHEMA_URL,
    description: 'Training and validation accuracy and loss per epoch for every model.',
    data: { values: curveRows(input) },
    facet: { column: { field: 'metric', type: 'nominal', sort: ['Accuracy', 'Loss'], title: null } },
    resolve: { scale: { y: 'independent' } },
    spacing: 28,
    config: CHART_CONFIG,
    spec: {
      width: 260,
      height: 220,
      encoding: {
        x: { field: 'epoch', type: 'quantitative', title: 'Epoch', scale: { nice: false }, axis: { tickMinStep: 1, format: 'd' } },
        y: { field: 'value', type: 'quantitative', title: null, scale: { zero: false } },
        color: modelColour(models),
      },
      layer: [
        {
          // Legend click (shift-click adds) or a click on a point isolates models; double-click shows all again.
          params: [{ name: 'shownModels', select: { type: 'point', fields: ['model'] }, bind: 'legend' }],
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

// ---------------------------------------------------------------------------
// Confusion matrices

export interface ConfusionCell {
  model: string;
  actual: string;
  predicted: string;
  count: number;
  /** count / row total: the share of the true class predicted as `predicted`. */
  share: number;
}

export function confusionCells(input: ChartInput): ConfusionCell[] {
  const classes = input.manifest.dataset.classes;
  const cells: ConfusionCell[] = [];
  for (const m of ordered(input.models)) {
    const matrix = m.evaluation.confusion;
    if (matrix.length !== classes.length) throw new Error(`confusion matrix of ${m.id}: expected ${classes.length} rows (dataset.classes), found ${matrix.length}`);
    matrix.forEach((row, i) => {
      const total = row.reduce((s, v) => s + v, 0);
      row.forEach((count, j) => {
        cells.push({ model: m.name, actual: classes[i]!, predicted: classes[j]!, count, share: total === 0 ? 0 : count / total });
      });
    });
  }
  return cells;
}

/**
 * One model's confusion matrix as a heatmap (rows = true class, columns = predicted),
 * a select to pick the model and radio buttons for counts or row-normalised shares.
 */
export function confusionMatrixSpec(input: ChartInput): TopLevelSpec {
  const models = ordered(input.models);
  const classes = input.manifest.dataset.classes;
  const names = models.map((m) => m.name);
  return {
    $schema: SCHEMA_URL,
    description: 'Confusion matrix of the test split for one model at a time.',
    config: CHART_CONFIG,
    params: [
      { name: 'cmModel', value: names[0], bind: { input: 'select', options: names, name: 'Model ' } },
      {
        name: 'cmScale',
        value: 'counts',
        bind: { input: 'radio', options: ['counts', 'shares'], labels: ['counts', 'row-normalised'], name: 'Cells ' },
      },
    ],
    data: { values: confusionCells(input) },
    transform: [
      { filter: 'datum.model === cmModel' },
      { calculate: "cmScale === 'counts' ? datum.count : datum.share", as: 'value' },
      { joinaggregate: [{ op: 'max', field: 'value', as: 'maxValue' }] },
      { calculate: "cmScale === 'counts' ? format(datum.count, ',d') : format(datum.share, '.1%')", as: 'label' },
    ],
    width: 330,
    height: 330,
    encoding: {
      x: { field: 'predicted', type: 'nominal', sort: classes, title: 'Predicted class', axis: { labelAngle: -35, orient: 'top' } },
      y: { field: 'actual', type: 'nominal', sort: classes, title: 'True class' },
    },
    layer: [
      {
        mark: { type: 'rect', stroke: 'white', strokeWidth: 1 },
        encoding: {
          color: {
            field: 'value',
            type: 'quantitative',
            title: 'Cell value',
            scale: { scheme: CONFUSION_SCHEME, domainMin: 0 },
            legend: { gradientLength: 200, labelExpr: "cmScale === 'counts' ? format(datum.value, ',d') : format(datum.value, '.0%')" },
          },
          tooltip: [
            { field: 'model', title: 'Model' },
            { field: 'actual', title: 'True class' },
            { field: 'predicted', title: 'Predicted' },
            { field: 'count', title: 'Images', type: 'quantitative', format: ',d' },
            { field: 'share', title: 'Share of row', type: 'quantitative', format: '.2%' },
          ],
        },
      },
      {
        mark: { type: 'text', fontSize: 11 },
        encoding: {
          text: { field: 'label' },
          color: { condition: { test: 'datum.value > 0.55 * datum.maxValue', value: 'white' }, value: '#222' },
        },
      },
    ],
  };
}

// ---------------------------------------------------------------------------
// Accuracy against cost

export type CostKind = 'Parameters' | 'FLOPs';

export interface CostRow {
  kind: CostKind;
  model: string;
  cost: number;
  accuracy: number;
  lower: number;
  upper: number;
  /** Pareto-optimal on (cost, test accuracy) within its kind. */
  front: 'Pareto-optimal' | 'Dominated';
}

/** FLOPs as the paper counts them: 2 × multiply-accumulates per image. */
export function flops(model: Pick<ModelResult, 'macs'>): number {
  return 2 * model.macs;
}

export function costRows(input: ChartInput): CostRow[] {
  const models = ordered(input.models);
  const rows: CostRow[] = [];
  for (const kind of ['Parameters', 'FLOPs'] as const) {
    const points = models.map((m) => ({ cost: kind === 'Parameters' ? m.params.total : flops(m), accuracy: m.evaluation.accuracy }));
    const onFront = paretoFront(points);
    models.forEach((m, i) => {
      const [lower, upper] = m.evaluation.accuracyCI95;
      rows.push({ kind, model: m.name, cost: points[i]!.cost, accuracy: points[i]!.accuracy, lower, upper, front: onFront[i] ? 'Pareto-optimal' : 'Dominated' });
    });
  }
  return rows;
}

/**
 * Test accuracy against parameters and against FLOPs (log x), with Wilson 95%
 * intervals as vertical bars; the Pareto front (on point estimates) is drawn as a
 * staircase through the optimal models, which are marked with a diamond.
 */
export function accuracyVsCostSpec(input: ChartInput): TopLevelSpec {
  const models = ordered(input.models);
  const x = {
    field: 'cost',
    type: 'quantitative' as const,
    title: null,
    scale: { type: 'log' as const, nice: false, padding: 24 },
    axis: { format: '~s', tickCount: 5 },
  };
  return {
    $schema: SCHEMA_URL,
    description: 'Test accuracy against parameters and against FLOPs with 95% intervals and the Pareto front.',
    config: CHART_CONFIG,
    data: { values: costRows(input) },
    facet: { column: { field: 'kind', type: 'nominal', sort: ['Parameters', 'FLOPs'], title: null } },
    resolve: { scale: { x: 'independent' } },
    spacing: 28,
    spec: {
      width: 260,
      height: 230,
      encoding: {
        x,
        y: { field: 'accuracy', type: 'quantitative', title: 'Test accuracy', scale: { zero: false }, axis: { format: '.1~%' } },
      },
      layer: [
        {
          transform: [{ filter: "datum.front === 'Pareto-optimal'" }],
          mark: { type: 'line', interpolate: 'step-after', color: '#777', strokeDash: [4, 3], strokeWidth: 1.5 },
          encoding: { order: { field: 'cost', type: 'quantitative' } },
        },
        {
          mark: { type: 'rule', strokeWidth: 2 },
          // Same title as the points' y, so the shared axis keeps one title.
          encoding: { y: { field: 'lower', type: 'quantitative', title: 'Test accuracy' }, y2: { field: 'upper' }, color: modelColour(models) },
        },
        {
          mark: { type: 'point', filled: true, size: 90, stroke: '#222', strokeWidth: 0.5, opacity: 1 },
          encoding: {
            color: modelColour(models),
            shape: {
              field: 'front',
              type: 'nominal',
              title: null,
              scale: { domain: ['Pareto-optimal', 'Dominated'], range: ['diamond', 'circle'] },
            },
            tooltip: [
              { field: 'model', title: 'Model' },
              { field: 'kind', title: 'Cost' },
              { field: 'cost', title: 'Value', type: 'quantitative', format: ',.4~s' },
              { field: 'accuracy', title: 'Test accuracy', type: 'quantitative', format: '.2%' },
              { field: 'lower', title: '95% CI low', type: 'quantitative', format: '.2%' },
              { field: 'upper', title: '95% CI high', type: 'quantitative', format: '.2%' },
              { field: 'front', title: 'Pareto' },
            ],
          },
        },
      ],
    },
  };
}

// ---------------------------------------------------------------------------
// Per-class F1

export interface F1Cell {
  model: string;
  class: string;
  f1: number;
  precision: number;
  recall: number;
  support: number;
}

export function f1Cells(input: ChartInput): F1Cell[] {
  const cells: F1Cell[] = [];
  for (const m of ordered(input.models)) {
    for (const c of m.evaluation.perClass) cells.push({ model: m.name, class: c.class, f1: c.f1, precision: c.precision, recall: c.recall, support: c.support });
  }
  return cells;
}

/**
 * Per-class F1 on the test split as a model × class heatmap with the value in each
 * cell; colour runs from the lowest F1 in the bundle to 1 so small gaps show.
 */
/** Colour domain of the F1 heatmap: the lowest score (at most 0.999, so a perfect run still has a scale) to 1. */
export function f1Domain(cells: readonly F1Cell[]): [number, number] {
  return [Math.min(0.999, ...cells.map((c) => c.f1)), 1];
}

export function perClassF1Spec(input: ChartInput): TopLevelSpec {
  const models = ordered(input.models);
  const cells = f1Cells(input);
  const [low] = f1Domain(cells);
  return {
    $schema: SCHEMA_URL,
    description: 'Per-class F1 score on the test split for every model.',
    config: CHART_CONFIG,
    data: { values: cells },
    width: { step: 64 },
    height: { step: 30 },
    encoding: {
      x: { field: 'class', type: 'nominal', sort: input.manifest.dataset.classes, title: null, axis: { orient: 'top', labelAngle: 0 } },
      y: { field: 'model', type: 'nominal', sort: models.map((m) => m.name), title: null },
    },
    layer: [
      {
        mark: { type: 'rect', stroke: 'white', strokeWidth: 1 },
        encoding: {
          color: {
            field: 'f1',
            type: 'quantitative',
            title: 'F1',
            scale: { scheme: F1_SCHEME, domain: [low, 1] },
            legend: { format: '.3f', gradientLength: 120 },
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
        mark: { type: 'text', fontSize: 11 },
        encoding: {
          text: { field: 'f1', type: 'quantitative', format: '.3f' },
          color: { condition: { test: `datum.f1 > ${(low + 1) / 2}`, value: 'white' }, value: '#222' },
        },
      },
    ],
  };
}

// ---------------------------------------------------------------------------

export const CHARTS = {
  'training-curves': trainingCurvesSpec,
  'confusion-matrix': confusionMatrixSpec,
  'accuracy-vs-cost': accuracyVsCostSpec,
  'per-class-f1': perClassF1Spec,
} as const satisfies Record<string, (input: ChartInput) => TopLevelSpec>;

export type ChartId = keyof typeof CHARTS;
export const CHART_IDS = Object.keys(CHARTS) as ChartId[];

export function chartSpec(id: ChartId, input: ChartInput): TopLevelSpec {
  const build = CHARTS[id];
  if (!build) throw new Error(`chart "${String(id)}": expected one of ${CHART_IDS.join(', ')}`);
  return build(input);
}
