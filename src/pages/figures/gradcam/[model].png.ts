/** Each model's Grad-CAM maps over the activation samples, one strip per model. */
import type { APIRoute, GetStaticPaths } from 'astro';
import { gradCamModels, gradCamPng } from '../../../charts/grad-cam.ts';

export const getStaticPaths = (() => gradCamModels().map((model) => ({ params: { model } }))) satisfies GetStaticPaths;

export const GET: APIRoute = async ({ params }) => new Response(new Uint8Array(await gradCamPng(params.model!)), { headers: { 'Content-Type': 'image/png' } });
