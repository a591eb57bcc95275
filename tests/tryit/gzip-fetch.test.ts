/**
 * The page's inflating of the `.gz` files tfjs fetches (weights, wasm binary): gzip bytes
 * are inflated by the platform's DecompressionStream; bytes a server already decoded
 * (Content-Encoding: gzip) and failed responses pass through unchanged.
 */
import { describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { inflated } from '../../src/components/tryit/gzip-fetch.ts';

const payload = Uint8Array.from({ length: 50_000 }, (_, i) => (i * 7) % 251);

describe('inflating gzip-compressed downloads', () => {
  it('inflates a gzip body to the original bytes', async () => {
    const r = await inflated(new Response(gzipSync(payload, { level: 9 })));
    expect(new Uint8Array(await r.arrayBuffer())).toEqual(payload);
  });

  it('passes bytes that are not gzip through unchanged (a server that decoded them already)', async () => {
    const r = await inflated(new Response(payload));
    expect(new Uint8Array(await r.arrayBuffer())).toEqual(payload);
  });

  it('leaves a failed response as it is, so tfjs reports the HTTP error', async () => {
    const failed = new Response('not found', { status: 404 });
    const r = await inflated(failed);
    expect(r.ok).toBe(false);
    expect(r.status).toBe(404);
  });

  it('fails on a truncated gzip body instead of returning partial weights', async () => {
    const gz = gzipSync(payload);
    const r = await inflated(new Response(gz.subarray(0, gz.length - 100)));
    await expect(r.arrayBuffer()).rejects.toThrow();
  });
});
