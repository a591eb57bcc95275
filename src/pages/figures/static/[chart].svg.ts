/**
 * Each chart's static SVG in each layout, as a file: the page shows it as an <img> until
 * the live chart replaces it (one element per layout instead of hundreds of inline SVG
 * nodes), and it is what a reader without JavaScript, and the printed page, see.
 */
import type { APIRoute, GetStaticPaths } from 'astro';
import { builtChart, chartSpecNames } from '../../../charts/build.ts';

export const getStaticPaths = (() => chartSpecNames().map(({ name }) => ({ params: { chart: name } }))) satisfies GetStaticPaths;

export const GET: APIRoute = async ({ params }) => {
  const entry = chartSpecNames().find((c) => c.name === params.chart);
  if (!entry) throw new Error(`figures/static/${params.chart}.svg: expected one of ${chartSpecNames().map((c) => c.name).join(', ')}`);
  const { svg } = await builtChart(entry.id, entry.layout);
  const standalone = /\sxmlns=/.test(svg.slice(0, 400)) ? svg : svg.replace(/^<svg/, '<svg xmlns="http://www.w3.org/2000/svg"');
  return new Response(standalone, { headers: { 'Content-Type': 'image/svg+xml' } });
};
