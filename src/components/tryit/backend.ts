/**
 * The tfjs backend for the Try-it section: WebAssembly first, because it computes in
 * float32 on every device, like the pipeline (WebGL computes in float16 on many phones,
 * which would move probabilities by more than the 1e-4 the page promises); WebGL when
 * WebAssembly is unavailable. Each backend's code is fetched only if it is tried. The
 * WebAssembly binary comes gzip-compressed from `wasmBase` and is inflated by ./gzip-fetch.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import { inflateGzipFetches } from './gzip-fetch.ts';
import { WASM_BINARIES } from './wasm-files.ts';

export interface Backend {
  name: 'wasm' | 'webgl';
  /** For the page, e.g. "WebAssembly (SIMD, 1 thread)". */
  description: string;
  /** Why a better backend was not used. */
  notes: string[];
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** `wasmBase`: the URL of the folder holding the WebAssembly binaries as `<name>.gz` (ending in /). */
export async function pickBackend(wasmBase: string): Promise<Backend> {
  const notes: string[] = [];
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    inflateGzipFetches();
    // `true`: fetch the binary through tfjs's platform fetch, which inflates it.
    wasm.setWasmPaths(Object.fromEntries(WASM_BINARIES.map((name) => [name, `${wasmBase}${name}.gz`])), true);
    if (await tf.setBackend('wasm')) {
      await tf.ready();
      const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
      const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
      return { name: 'wasm', description: `WebAssembly (tfjs-backend-wasm${simd ? ', SIMD' : ''}${threads ? ', threads' : ', one thread'})`, notes };
    }
    notes.push('WebAssembly: the backend did not start');
  } catch (e) {
    notes.push(`WebAssembly: ${message(e)}`);
  }
  try {
    await import('@tensorflow/tfjs-backend-webgl');
    if (await tf.setBackend('webgl')) {
      await tf.ready();
      return { name: 'webgl', description: 'WebGL (tfjs-backend-webgl)', notes };
    }
    notes.push('WebGL: the backend did not start');
  } catch (e) {
    notes.push(`WebGL: ${message(e)}`);
  }
  throw new Error(`this browser offers neither WebAssembly nor WebGL to TensorFlow.js (${notes.join('; ')})`);
}
