/** The compiled Vega spec of each chart and layout, fetched by the browser when the chart scrolls into view. */
import type { APIRoute, GetStaticPaths } from 'astro';
import { builtChart, chartSpecNames } from '../../../charts/build.ts';

export const getStaticPaths = (() => chartSpecNames().map(({ name }) => ({ params: { chart: name } }))) satisfies GetStaticPaths;

export const GET: APIRoute = async ({ params }) => {
  const entry = chartSpecNames().find((c) => c.name === params.chart);
  if (!entry) throw new Error(`figures/vega/${params.chart}.json: expected one of ${chartSpecNames().map((c) => c.name).join(', ')}`);
  const { vega } = await builtChart(entry.id, entry.layout);
  return new Response(JSON.stringify(vega), { headers: { 'Content-Type': 'application/json' } });
};
