/** Activation-map figure: one PNG tile grid per model × sample × recorded layer. */
import type { APIRoute, GetStaticPaths } from 'astro';
import { featureMapParams, featureMapPng } from '../../../../../charts/feature-figures.ts';

export const getStaticPaths = (() => featureMapParams('activations').map((params) => ({ params }))) satisfies GetStaticPaths;

export const GET: APIRoute = async ({ params }) =>
  new Response(new Uint8Array(await featureMapPng('activations', params)), { headers: { 'Content-Type': 'image/png' } });
