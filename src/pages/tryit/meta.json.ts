/** The Try-it section's data: fetched by the page only once the section is on screen. */
import type { APIRoute } from 'astro';
import { tryItMeta } from '../../components/tryit/data.ts';

export const GET: APIRoute = () => new Response(JSON.stringify(tryItMeta()), { headers: { 'Content-Type': 'application/json' } });
