/**
 * Figures for the representation analyses (pipeline/analysis/):
 *
 * - `cka-reference`: linear CKA between each other model's layers (rows) and the reference
 *   model's layers (columns), one panel per model, colour 0 → 1; the tooltip also gives the
 *   control (the model at its initial weights against the trained reference).
 * - `probes-by-depth`: linear-probe test accuracy against relative depth (a layer's position
 *   among the model's representation layers, 0 = first, 1 = last), colour = model,
 *   solid = trained, dashed = the same network at its initial weights.
 *
 * Both read manifest.similarity and ModelResult.representations; a bundle without them
 * gives an empty chart (the paper then leaves the section out).
 */
import type { TopLevelSpec } from 'vega-lite';
import { chartConfig, modelColour, ordered, SCHEMA_URL, type ChartInput, type ChartLayout } from './common.ts';

export const CKA_SCHEME = 'blues';

export interface CkaCell {
  model: string;
  layer: string;
  reference: string;
  /** Positions, for sorting. */
  row: number;
  col: number;
  cka: number;
  control: number;
}

/** At most this many reference layers are drawn as columns; a deeper reference is drawn by stage (see stageColumns). */
export const MAX_CKA_COLUMNS = 12;

/**
 * The reference layers drawn as columns: all of them when few, else the first layer and the
 * last layer of each run of layers of equal width (a stage of a network that widens as it
 * deepens, e.g. ResNet50's stem and each stage's last block), so that the figure stays
 * small; the text compares with every layer.
 */
export function stageColumns(layers: readonly { channels: number }[]): number[] {
  if (layers.length <= MAX_CKA_COLUMNS) return layers.map((_, j) => j);
  return layers.map((_, j) => j).filter((j) => j === 0 || j === layers.length - 1 || layers[j + 1]!.channels !== layers[j]!.channels);
}

/** The drawn (model layer, reference layer) cells of manifest.similarity, models in bundle order. */
export function ckaCells(input: ChartInput): CkaCell[] {
  const sim = input.manifest.similarity;
  if (!sim) return [];
  const ref = input.models.find((m) => m.id === sim.reference)?.representations;
  if (!ref) return [];
  const columns = stageColumns(ref.layers);
  const cells: CkaCell[] = [];
  for (const m of input.models) {
    const pair = sim.pairs.find((p) => p.model === m.id);
    const rep = m.representations;
    if (!pair || !rep) continue;
    rep.layers.forEach((layer, i) =>
      columns.forEach((j) => cells.push({ model: m.name, layer: layer.name, reference: ref.layers[j]!.name, row: i, col: j, cka: pair.trained[i]![j]!, control: pair.initial[i]![j]! })),
    );
  }
  return cells;
}

export function ckaReferenceSpec(input: ChartInput, layout: ChartLayout = 'wide'): TopLevelSpec {
  const cells = ckaCells(input);
  const narrow = layout === 'narrow';
  const refName = input.models.find((m) => m.id === input.manifest.similarity?.reference)?.name ?? 'reference';
  const models = [...new Set(cells.map((c) => c.model))];
  const refLayers = [...new Map(cells.map((c) => [c.col, c.reference])).entries()].sort((a, b) => a[0] - b[0]).map(([, n]) => n);
  return {
    $schema: SCHEMA_URL,
    description: `Linear CKA between each model's layers and ${refName}'s layers on the same test images.`,
    config: chartConfig(layout),
    data: { values: cells },
    facet: { row: { field: 'model', type: 'nominal', sort: models, title: null, header: { labelAngle: 0, labelAlign: 'left', labelAnchor: 'start', labelOrient: 'top', ...(narrow ? { labelFontSize: 12 } : {}) } } },
    spec: {
      width: narrow ? 170 : { step: 22 },
      height: { step: narrow ? 14 : 16 },
      // One rect per pair of layers: no per-cell ARIA text in the static SVG (the figure has its label, the caption and the text give the numbers).
      mark: { type: 'rect', stroke: 'white', strokeWidth: 0.5, aria: false },
      encoding: {
        x: { field: 'reference', type: 'nominal', sort: refLayers, title: `${refName} layer`, axis: { labelAngle: -60, labelLimit: 240, labelFontSize: narrow ? 11 : 10 } },
        y: { field: 'layer', type: 'nominal', sort: { field: 'row', order: 'ascending' }, title: null },
        color: { field: 'cka', type: 'quantitative', title: 'CKA', scale: { scheme: CKA_SCHEME, domain: [0, 1] }, legend: { format: '.1f', gradientLength: 120, ...(narrow ? { direction: 'horizontal' as const, orient: 'bottom' as const } : {}) } },
        tooltip: [
          { field: 'model', title: 'Model' },
          { field: 'layer', title: 'Layer' },
          { field: 'reference', title: `${refName} layer` },
          { field: 'cka', title: 'CKA (trained)', type: 'quantitative', format: '.3f' },
          { field: 'control', title: 'CKA (initial weights)', type: 'quantitative', format: '.3f' },
        ],
      },
    },
    resolve: { scale: { y: 'independent' } },
  };
}

export interface ProbeRow {
  model: string;
  layer: string;
  /** Position among the model's representation layers, 0 (first) to 1 (last). */
  depth: number;
  weights: 'Trained' | 'Initial weights';
  accuracy: number;
}

export function probeRows(input: ChartInput): ProbeRow[] {
  const rows: ProbeRow[] = [];
  for (const m of ordered(input.models)) {
    const rep = m.representations;
    if (!rep) continue;
    const last = Math.max(1, rep.layers.length - 1);
    rep.layers.forEach((l, i) => {
      rows.push({ model: m.name, layer: l.name, depth: i / last, weights: 'Trained', accuracy: rep.probes.trained[i]! });
      rows.push({ model: m.name, layer: l.name, depth: i / last, weights: 'Initial weights', accuracy: rep.probes.initial[i]! });
    });
  }
  return rows;
}

export function probesByDepthSpec(input: ChartInput, layout: ChartLayout = 'wide'): TopLevelSpec {
  const rows = probeRows(input);
  const models = ordered(input.models).filter((m) => m.representations);
  const narrow = layout === 'narrow';
  const low = Math.min(0.5, ...rows.map((r) => r.accuracy));
  const encoding = {
    x: { field: 'depth', type: 'quantitative' as const, title: narrow ? 'Relative depth' : 'Relative depth (first layer 0, last 1)', scale: { domain: [0, 1] }, axis: { format: '.1f' } },
    y: { field: 'accuracy', type: 'quantitative' as const, title: 'Linear-probe test accuracy', scale: { domain: [Math.floor(low * 10) / 10, 1] }, axis: { format: '.0%' } },
    color: { ...modelColour(models), ...(narrow ? { legend: { orient: 'bottom' as const, direction: 'vertical' as const, labelLimit: 170 } } : {}) },
    strokeDash: {
      field: 'weights',
      type: 'nominal' as const,
      title: 'Weights',
      sort: ['Trained', 'Initial weights'],
      scale: { domain: ['Trained', 'Initial weights'], range: [[1, 0], [4, 3]] },
      ...(narrow ? { legend: { orient: 'bottom' as const, direction: 'vertical' as const, labelLimit: 170 } } : {}),
    },
    detail: { field: 'weights', type: 'nominal' as const },
  };
  return {
    $schema: SCHEMA_URL,
    description: 'Linear-probe test accuracy on each layer against its relative depth, per model, trained and at initial weights.',
    config: chartConfig(layout),
    data: { values: rows },
    width: narrow ? 200 : 560,
    height: narrow ? 220 : 280,
    mark: { type: 'line', strokeWidth: 2, aria: false },
    encoding: {
      ...encoding,
      tooltip: [
        { field: 'model', title: 'Model' },
        { field: 'layer', title: 'Layer' },
        { field: 'weights', title: 'Weights' },
        { field: 'accuracy', title: 'Test accuracy', type: 'quantitative', format: '.2%' },
      ],
    },
  };
}
