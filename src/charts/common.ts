/**
 * What every chart spec shares: the input it reads, the two layouts, the look, the
 * study's model order and the fixed model colours. One module per figure builds on
 * this (training-curves.ts, confusion-matrix.ts, accuracy-vs-cost.ts, per-class-f1.ts);
 * specs.ts lists them.
 */
import type { Config } from 'vega-lite/types_unstable/config.js';
import type { Manifest, ModelResult } from '../../schema/results.ts';
import { CHART_FONT } from './palette.ts';

/** What the builders read: a bundle's manifest and models (tests pass small inline objects). */
export interface ChartInput {
  manifest: { dataset: Pick<Manifest['dataset'], 'classes'>; similarity?: Manifest['similarity'] };
  models: readonly ModelResult[];
}

/**
 * `wide`: panels side by side, for the page column (about 640–900 px).
 * `narrow`: one panel per row and the legend underneath, for phones (about 340 px),
 * so the text keeps its size instead of the whole chart shrinking.
 */
export type ChartLayout = 'wide' | 'narrow';
export const LAYOUTS: readonly ChartLayout[] = ['wide', 'narrow'];
/** Drawing width of a narrow chart's panel: fits a 390 px phone with the page margins. */
export const NARROW_WIDTH = 250;

export const SCHEMA_URL = 'https://vega.github.io/schema/vega-lite/v6.json';

/** Shared look: quiet axes, the paper's font, white background so print matches screen. */
export function chartConfig(layout: ChartLayout = 'wide'): Config {
  // Narrow charts are drawn at their real size on a phone, so slightly larger type.
  const label = layout === 'narrow' ? 12 : 11;
  return {
    font: CHART_FONT,
    background: 'white',
    view: { stroke: null },
    axis: { labelFontSize: label, titleFontSize: label + 1, titleFontWeight: 'normal', gridColor: '#e6e6e6', domainColor: '#888', tickColor: '#888' },
    legend: {
      labelFontSize: label,
      titleFontSize: label + 1,
      titleFontWeight: 'normal',
      labelLimit: 240,
      // Below the plot, one legend under the other (Vega's legend layout; Vega-Lite passes it through).
      ...(layout === 'narrow' ? { orient: 'bottom', direction: 'vertical', columns: 1, layout: { bottom: { anchor: 'start', direction: 'vertical', margin: 6 } } } : {}),
    } as Config['legend'],
    header: { labelFontSize: label + 2, labelFontWeight: 'bold', title: null },
    title: { fontSize: 14, fontWeight: 'normal' },
  };
}

/** The wide look, for callers that need the config object itself. */
export const CHART_CONFIG: Config = chartConfig('wide');

/** The models in the bundle's order (manifest.models: the order their files set). */
export function ordered(models: readonly ModelResult[]): ModelResult[] {
  if (models.length === 0) throw new Error('chart specs: expected at least one model in the results bundle');
  return [...models];
}

/** The fixed model colour scale, restricted to the models present; the legend shows display names. */
export function modelColour(models: readonly ModelResult[]) {
  return {
    field: 'model',
    type: 'nominal' as const,
    title: 'Model',
    scale: { domain: models.map((m) => m.name), range: models.map((m) => m.colour) },
  };
}
