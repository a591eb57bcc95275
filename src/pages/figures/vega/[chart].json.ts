/** The compiled Vega spec of each chart, fetched by the browser when the chart scrolls into view. */
import type { APIRoute, GetStaticPaths } from 'astro';
import { CHART_IDS } from '../../../charts/specs.ts';
import { builtChart, isChartId } from '../../../charts/build.ts';

export const getStaticPaths = (() => CHART_IDS.map((chart) => ({ params: { chart } }))) satisfies GetStaticPaths;

export const GET: APIRoute = async ({ params }) => {
  if (!isChartId(params.chart)) throw new Error(`figures/vega/${params.chart}.json: expected one of ${CHART_IDS.join(', ')}`);
  const { vega } = await builtChart(params.chart);
  return new Response(JSON.stringify(vega), { headers: { 'Content-Type': 'application/json' } });
};
