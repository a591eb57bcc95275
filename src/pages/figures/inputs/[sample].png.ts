/** The activation sample images (test images, one or more per class) as PNGs. */
import type { APIRoute, GetStaticPaths } from 'astro';
import { inputImagePng, samples } from '../../../charts/feature-figures.ts';

export const getStaticPaths = (() => samples().map((s) => ({ params: { sample: String(s.index) } }))) satisfies GetStaticPaths;

export const GET: APIRoute = async ({ params }) =>
  new Response(new Uint8Array(await inputImagePng(params.sample)), { headers: { 'Content-Type': 'image/png' } });
