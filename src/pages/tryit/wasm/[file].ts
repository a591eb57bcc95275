/**
 * TensorFlow.js's WebAssembly binaries (plain, SIMD, SIMD with threads), gzip-compressed:
 * the page fetches the one the browser supports and inflates it itself
 * (components/tryit/gzip-fetch.ts), so it downloads the compressed size on any server.
 */
import type { APIRoute, GetStaticPaths } from 'astro';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import { WASM_BINARIES } from '../../../components/tryit/wasm-files.ts';

const require = createRequire(import.meta.url);

export const getStaticPaths = (() => WASM_BINARIES.map((name) => ({ params: { file: `${name}.gz` } }))) satisfies GetStaticPaths;

export const GET: APIRoute = ({ params }) => {
  const name = WASM_BINARIES.find((n) => `${n}.gz` === params.file);
  if (!name) throw new RangeError(`tryit: unexpected wasm file ${params.file}`);
  const binary = readFileSync(require.resolve(`@tensorflow/tfjs-backend-wasm/dist/${name}`));
  return new Response(gzipSync(binary, { level: 9 }).slice(), { headers: { 'Content-Type': 'application/gzip' } });
};
