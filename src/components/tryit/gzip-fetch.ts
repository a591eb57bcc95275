/**
 * The section's big binaries (the model weights and TensorFlow.js's WebAssembly binary)
 * are stored gzip-compressed (`*.gz`) and inflated here by the browser's own
 * DecompressionStream, so what a reader downloads is their gzip size whatever the server
 * does: GitHub Pages' compression of binary types cannot be relied on.
 *
 * TensorFlow.js fetches both through its platform's `fetch` (tfjs io's http loader, and
 * the wasm backend when `setWasmPaths(…, true)`), so that is where the inflating goes:
 * a response for a `.gz` URL that starts with gzip's magic bytes is inflated; anything
 * else (a server that already decoded it, every other file) passes through unchanged.
 */
import * as tf from '@tensorflow/tfjs-core';

const GZIP_MAGIC = [0x1f, 0x8b];

/** `response` with its body inflated when it is gzip (by its magic bytes); otherwise the same bytes. */
export async function inflated(response: Response): Promise<Response> {
  if (!response.ok) return response;
  const bytes = new Uint8Array(await response.arrayBuffer());
  const headers = { 'Content-Type': 'application/octet-stream' };
  if (bytes[0] !== GZIP_MAGIC[0] || bytes[1] !== GZIP_MAGIC[1]) return new Response(bytes, { headers });
  return new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip')), { headers });
}

let installed = false;

/** Makes TensorFlow.js inflate the `.gz` files it fetches (once per page). */
export function inflateGzipFetches(): void {
  if (installed) return;
  installed = true;
  const platform = tf.env().platform;
  const fetchRaw = platform.fetch.bind(platform);
  platform.fetch = async (path: string, init?: RequestInit) => {
    const response = await fetchRaw(path, init);
    return new URL(path, location.href).pathname.endsWith('.gz') ? inflated(response) : response;
  };
}
