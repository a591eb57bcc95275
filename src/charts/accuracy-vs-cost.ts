/**
 * Figure: test error against parameters and against FLOPs (log x), with Wilson 95%
 * intervals as vertical bars. Error, not accuracy, on a log scale drawn upside down
 * (better is higher): near the ceiling, accuracies of 99.2 % and 99.9 % are a 7-fold
 * difference in errors that a linear accuracy axis squeezes into its top, next to a
 * baseline at 96 %. The scale is symmetric-log, linear below 0.1 %, so that a perfect
 * score (error 0) still has a place. The Pareto front (on point estimates) joins its models
 * with straight segments, which rise from each front model to the next: a model with
 * the same accuracy as a front model but a higher cost (a tie, hence dominated) lies
 * below the segment, never on it, as a staircase's flat step would put it. Front
 * models are filled diamonds, dominated ones hollow circles.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { Baseline, Manifest, ModelResult } from '../../schema/results.ts';
import { chartConfig, modelColour, NARROW_WIDTH, ordered, SCHEMA_URL, type ChartInput, type ChartLayout } from './common.ts';
import { BASELINE_COLOURS } from './palette.ts';
import { paretoFront } from './pareto.ts';

export type CostKind = 'Parameters' | 'FLOPs';

export interface CostRow {
  kind: CostKind;
  model: string;
  cost: number;
  accuracy: number;
  lower: number;
  upper: number;
  /** Pareto-optimal on (cost, test accuracy) within its kind, among the models; baselines are drawn apart and not on the front. */
  front: 'Pareto-optimal' | 'Dominated' | 'Baseline';
}

/**
 * Baselines drawn on the chart: every baseline with some cost. The majority class stores one
 * number and computes nothing, so it has no place on a log axis (and its accuracy would squash
 * the models' range); the table and the caption give it.
 */
export function chartedBaselines(input: ChartInput): Baseline[] {
  return ((input.manifest as ChartInput['manifest'] & Partial<Pick<Manifest, 'baselines'>>).baselines ?? []).filter((b) => b.cost.macs > 0);
}

/** A baseline's primary run: the first protocol's first seed, as for the models' own figures. */
export function primaryRun(b: Baseline): Baseline['runs'][number] {
  return b.runs[0]!;
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
    // Honest costs: a nearest-neighbour "model" keeps the whole training set and compares against all of it.
    for (const b of chartedBaselines(input)) {
      const e = primaryRun(b).evaluation;
      rows.push({ kind, model: b.name, cost: kind === 'Parameters' ? b.cost.storedNumbers : 2 * b.cost.macs, accuracy: e.accuracy, lower: e.accuracyCI95[0], upper: e.accuracyCI95[1], front: 'Baseline' });
    }
  }
  return rows;
}

/** Models' colours, then the baselines' greys, as one scale. */
function colour(input: ChartInput) {
  const models = ordered(input.models);
  const base = modelColour(models);
  const baselines = chartedBaselines(input);
  return { ...base, title: 'Model or baseline', scale: { domain: [...base.scale.domain, ...baselines.map((b) => b.name)], range: [...base.scale.range, ...baselines.map((b) => BASELINE_COLOURS[b.id])] } };
}

/** Where the error scale turns from linear to logarithmic: 0.1 % error. */
const ERROR_LINEAR_BELOW = 0.001;
/** Error ticks a reader can read off a log axis (d3's symlog scale would space its ticks linearly). */
const ERROR_TICKS = [0, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1];

/** The ticks up to the first at or above the largest error drawn (an interval's upper end). */
export function errorTicks(rows: readonly CostRow[]): number[] {
  const top = Math.max(0, ...rows.map((r) => 1 - r.lower));
  const last = ERROR_TICKS.findIndex((t) => t >= top);
  return ERROR_TICKS.slice(0, last === -1 ? undefined : last + 1);
}

export function accuracyVsCostSpec(input: ChartInput, layout: ChartLayout = 'wide'): TopLevelSpec {
  const colours = colour(input);
  const narrow = layout === 'narrow';
  const rows = costRows(input);
  const ticks = errorTicks(rows);
  const x = {
    field: 'cost',
    type: 'quantitative' as const,
    title: null,
    scale: { type: 'log' as const, nice: false, padding: 24 },
    axis: { format: '~s', tickCount: narrow ? 4 : 5 },
  };
  return {
    $schema: SCHEMA_URL,
    description: 'Test error (log scale, better higher) against parameters and against FLOPs with 95% intervals and the Pareto front.',
    config: chartConfig(layout),
    data: { values: rows },
    transform: [
      { calculate: '1 - datum.accuracy', as: 'error' },
      { calculate: '1 - datum.upper', as: 'errorLow' },
      { calculate: '1 - datum.lower', as: 'errorHigh' },
    ],
    facet: { [narrow ? 'row' : 'column']: { field: 'kind', type: 'nominal', sort: ['Parameters', 'FLOPs'], title: null } },
    resolve: { scale: { x: 'independent' } },
    spacing: narrow ? 16 : 28,
    spec: {
      width: narrow ? NARROW_WIDTH : 260,
      // Tall enough that models a fraction of a point apart near the top stay apart.
      height: narrow ? 240 : 320,
      encoding: {
        x,
        y: {
          field: 'error',
          type: 'quantitative',
          title: 'Test error (log scale)',
          scale: { type: 'symlog', constant: ERROR_LINEAR_BELOW, domain: [0, ticks.at(-1)!], reverse: true, nice: false },
          axis: { values: ticks, format: '.1~%' },
        },
      },
      layer: [
        {
          transform: [{ filter: "datum.front === 'Pareto-optimal'" }],
          mark: { type: 'line', color: '#666', strokeDash: [4, 3], strokeWidth: 1.5 },
          encoding: { order: { field: 'cost', type: 'quantitative' } },
        },
        {
          mark: { type: 'rule', strokeWidth: 2 },
          // Same title as the points' y, so the shared axis keeps one title.
          encoding: { y: { field: 'errorLow', type: 'quantitative', title: 'Test error (log scale)' }, y2: { field: 'errorHigh' }, color: colours },
        },
        {
          mark: { type: 'point', size: 90, strokeWidth: 2, opacity: 1 },
          encoding: {
            color: colours,
            // Filled diamonds on the front; hollow circles (white inside) for dominated models; hollow squares for baselines.
            fill: { condition: { test: "datum.front === 'Pareto-optimal'", field: 'model', type: 'nominal', scale: colours.scale }, value: 'white' },
            shape: {
              field: 'front',
              type: 'nominal',
              title: null,
              scale: { domain: chartedBaselines(input).length ? ['Pareto-optimal', 'Dominated', 'Baseline'] : ['Pareto-optimal', 'Dominated'], range: ['diamond', 'circle', 'square'] },
              // The legend draws its symbols as the points are drawn: filled on the front, hollow off it.
              legend: {
                encoding: { symbols: { fill: { condition: { test: "datum.value === 'Pareto-optimal'", value: '#444' }, value: 'white' }, stroke: { value: '#444' }, strokeWidth: { value: 1.5 } } },
              },
            },
            tooltip: [
              { field: 'model', title: 'Model' },
              { field: 'kind', title: 'Cost' },
              { field: 'cost', title: 'Value', type: 'quantitative', format: ',.4~s' },
              { field: 'accuracy', title: 'Test accuracy', type: 'quantitative', format: '.2%' },
              { field: 'lower', title: '95% CI low', type: 'quantitative', format: '.2%' },
              { field: 'upper', title: '95% CI high', type: 'quantitative', format: '.2%' },
              { field: 'front', title: 'Pareto (among models)' },
            ],
          },
        },
      ],
    },
  };
}
