/**
 * Feature-map grids, one PNG per model × sample × shown layer: the activation-map
 * figure shows them whole, the propagation figure their first column.
 */
import type { APIRoute, GetStaticPaths } from 'astro';
import { featureMapParams, featureMapPng } from '../../../../../charts/feature-figures.ts';

export const getStaticPaths = (() => featureMapParams().map((params) => ({ params }))) satisfies GetStaticPaths;

export const GET: APIRoute = async ({ params }) =>
  new Response(new Uint8Array(await featureMapPng(params)), { headers: { 'Content-Type': 'image/png' } });
