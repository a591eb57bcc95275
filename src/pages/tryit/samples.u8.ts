/** The sample test images (samples × 64 × 64 uint8), exactly as the pipeline fed them to the models. */
import type { APIRoute } from 'astro';
import { getSamples } from '../../components/tryit/data.ts';

export const GET: APIRoute = () => new Response(getSamples().slice(), { headers: { 'Content-Type': 'application/octet-stream' } });
