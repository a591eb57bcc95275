/**
 * Figure: test accuracy against parameters and against FLOPs (log x), with Wilson 95%
 * intervals as vertical bars. The Pareto front (on point estimates) joins its models
 * with straight segments, which rise from each front model to the next: a model with
 * the same accuracy as a front model but a higher cost (a tie, hence dominated) lies
 * below the segment, never on it, as a staircase's flat step would put it. Front
 * models are filled diamonds, dominated ones hollow circles.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { ModelResult } from '../../schema/results.ts';
import { chartConfig, modelColour, NARROW_WIDTH, ordered, SCHEMA_URL, type ChartInput, type ChartLayout } from './common.ts';
import { paretoFront } from './pareto.ts';

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

export function accuracyVsCostSpec(input: ChartInput, layout: ChartLayout = 'wide'): TopLevelSpec {
  const models = ordered(input.models);
  const narrow = layout === 'narrow';
  const x = {
    field: 'cost',
    type: 'quantitative' as const,
    title: null,
    scale: { type: 'log' as const, nice: false, padding: 24 },
    axis: { format: '~s', tickCount: narrow ? 4 : 5 },
  };
  return {
    $schema: SCHEMA_URL,
    description: 'Test accuracy against parameters and against FLOPs with 95% intervals and the Pareto front.',
    config: chartConfig(layout),
    data: { values: costRows(input) },
    facet: { [narrow ? 'row' : 'column']: { field: 'kind', type: 'nominal', sort: ['Parameters', 'FLOPs'], title: null } },
    resolve: { scale: { x: 'independent' } },
    spacing: narrow ? 16 : 28,
    spec: {
      width: narrow ? NARROW_WIDTH : 260,
      height: narrow ? 190 : 230,
      encoding: {
        x,
        y: { field: 'accuracy', type: 'quantitative', title: 'Test accuracy', scale: { zero: false }, axis: { format: '.1~%' } },
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
          encoding: { y: { field: 'lower', type: 'quantitative', title: 'Test accuracy' }, y2: { field: 'upper' }, color: modelColour(models) },
        },
        {
          mark: { type: 'point', size: 90, strokeWidth: 2, opacity: 1 },
          encoding: {
            color: modelColour(models),
            // Filled diamonds on the front; hollow circles (white inside) for dominated models.
            fill: { condition: { test: "datum.front === 'Pareto-optimal'", field: 'model', type: 'nominal', scale: { domain: models.map((m) => m.name), range: modelColour(models).scale.range } }, value: 'white' },
            shape: {
              field: 'front',
              type: 'nominal',
              title: null,
              scale: { domain: ['Pareto-optimal', 'Dominated'], range: ['diamond', 'circle'] },
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
              { field: 'front', title: 'Pareto' },
            ],
          },
        },
      ],
    },
  };
}
