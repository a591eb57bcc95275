/** The misclassified test images of each model, for the confusion matrix's click-through. */
import type { APIRoute, GetStaticPaths } from 'astro';
import { errorImageParams, errorImagePng } from '../../../../charts/misclassified.ts';

export const getStaticPaths = (() => errorImageParams().map((params) => ({ params }))) satisfies GetStaticPaths;

export const GET: APIRoute = async ({ params }) =>
  new Response(new Uint8Array(await errorImagePng(params.model, params.index)), { headers: { 'Content-Type': 'image/png' } });
