/**
 * The charts of this build: each spec built from the results bundle once, compiled
 * to Vega once, rendered to static SVG once, shared by the page and the endpoint
 * that serves the compiled spec to the browser.
 */
import { getBundle } from '../lib/results.ts';
import { chartSpec, CHART_IDS, type ChartId } from './specs.ts';
import { renderChart, type RenderedChart } from './render.ts';

const rendered = new Map<ChartId, Promise<RenderedChart>>();

export function isChartId(id: string | undefined): id is ChartId {
  return CHART_IDS.includes(id as ChartId);
}

/** The chart `id` for this build's bundle: its Vega spec and static SVG (ids prefixed `chart-<id>`). */
export function builtChart(id: ChartId): Promise<RenderedChart> {
  let chart = rendered.get(id);
  if (!chart) {
    chart = renderChart(chartSpec(id, getBundle()), `chart-${id}`).then((c) => {
      for (const w of c.warnings) console.warn(`[charts] ${id}: ${w}`);
      return c;
    });
    rendered.set(id, chart);
  }
  return chart;
}

/** Site path of the compiled Vega spec of chart `id` (served by src/pages/figures/vega/[chart].json.ts). */
export function chartSpecPath(id: ChartId): string {
  return `figures/vega/${id}.json`;
}
