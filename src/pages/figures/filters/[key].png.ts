/** Each network's first-layer filters (and ImageNet's starting ones), one grid per image. */
import type { APIRoute, GetStaticPaths } from 'astro';
import { filterImages, filterPng } from '../../../charts/filters.ts';

export const getStaticPaths = (() => filterImages().map((i) => ({ params: { key: i.key } }))) satisfies GetStaticPaths;

export const GET: APIRoute = async ({ params }) => new Response(new Uint8Array(await filterPng(params.key!)), { headers: { 'Content-Type': 'image/png' } });
