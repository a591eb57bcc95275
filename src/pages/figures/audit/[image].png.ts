/** The near-duplicate figure's images (test and training images side by side), from the bundle's audit.u8. */
import type { APIRoute, GetStaticPaths } from 'astro';
import { auditImageParams, auditImagePng } from '../../../charts/near-duplicates.ts';

export const getStaticPaths = (() => auditImageParams().map((params) => ({ params }))) satisfies GetStaticPaths;

export const GET: APIRoute = async ({ params }) => new Response(new Uint8Array(await auditImagePng(params.image)), { headers: { 'Content-Type': 'image/png' } });
