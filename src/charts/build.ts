/**
 * The charts of this build: each spec built from the results bundle once per layout,
 * compiled to Vega once, rendered to static SVG once, shared by the page and the
 * endpoint that serves the compiled spec to the browser.
 */
import { getBundle } from '../lib/results.ts';
import { chartSpec, CHART_IDS, LAYOUTS, type ChartId, type ChartLayout } from './specs.ts';
import { renderChart, type RenderedChart } from './render.ts';

const rendered = new Map<string, Promise<RenderedChart>>();

export function isChartId(id: string | undefined): id is ChartId {
  return CHART_IDS.includes(id as ChartId);
}

/** The chart `id` in `layout` for this build's bundle: its Vega spec and static SVG (ids prefixed `chart-<id>[-narrow]`). */
export function builtChart(id: ChartId, layout: ChartLayout = 'wide'): Promise<RenderedChart> {
  const key = layout === 'wide' ? id : `${id}-${layout}`;
  let chart = rendered.get(key);
  if (!chart) {
    chart = renderChart(chartSpec(id, getBundle(), layout), `chart-${key}`).then((c) => {
      for (const w of c.warnings) console.warn(`[charts] ${key}: ${w}`);
      return c;
    });
    rendered.set(key, chart);
  }
  return chart;
}

/** Site path of the compiled Vega spec of chart `id` in `layout` (served by src/pages/figures/vega/[chart].json.ts). */
export function chartSpecPath(id: ChartId, layout: ChartLayout = 'wide'): string {
  return `figures/vega/${layout === 'wide' ? id : `${id}-${layout}`}.json`;
}

/** Site path of the static SVG of chart `id` in `layout` (served by src/pages/figures/static/[chart].svg.ts). */
export function chartStaticPath(id: ChartId, layout: ChartLayout = 'wide'): string {
  return `figures/static/${layout === 'wide' ? id : `${id}-${layout}`}.svg`;
}

/** Every (chart, layout) the endpoint serves, as its file name stem. */
export function chartSpecNames(): { name: string; id: ChartId; layout: ChartLayout }[] {
  return CHART_IDS.flatMap((id) => LAYOUTS.map((layout) => ({ name: layout === 'wide' ? id : `${id}-${layout}`, id, layout })));
}
