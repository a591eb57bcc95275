/** Propagation figure: one PNG strip of a few channels per model × sample × stage. */
import type { APIRoute, GetStaticPaths } from 'astro';
import { featureMapParams, featureMapPng } from '../../../../../charts/feature-figures.ts';

export const getStaticPaths = (() => featureMapParams('propagation').map((params) => ({ params }))) satisfies GetStaticPaths;

export const GET: APIRoute = async ({ params }) =>
  new Response(new Uint8Array(await featureMapPng('propagation', params)), { headers: { 'Content-Type': 'image/png' } });
