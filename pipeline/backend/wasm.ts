/**
 * The wasm backend, made able to train: loads tfjs-backend-wasm (SIMD build), then
 * registers the kernels that its 4.22 release lacks or runs slowly for training
 * (see ./wasm-kernels/).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's Node bundle registers no gradients; tfjs-layers' bundle does (for every op,
// not only layers'), so code that calls tf.grads before importing tfjs-layers needs this.
import '@tensorflow/tfjs-layers';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from './wasm-kernels/index.ts';

export { registerWasmTrainingKernels };

let pathsSet = false;

/**
 * Tells tfjs-backend-wasm where its .wasm binaries are. Its Node build finds them next to
 * its own script, but a bundler or a test runner that inlines the package breaks that, so
 * point it at the installed package explicitly (must happen before the first init).
 */
function pointAtBinaries(): void {
  if (pathsSet || tf.findBackend('wasm')) return;
  const require = createRequire(import.meta.url);
  const main = require.resolve('@tensorflow/tfjs-backend-wasm');
  setWasmPaths(path.dirname(main) + path.sep);
  pathsSet = true;
}

/**
 * Sets the tfjs backend to 'wasm', ready to train the project's models. `threads` is passed
 * to XNNPACK; tfjs-backend-wasm 4.22 runs single-threaded in Node regardless (its
 * multithreaded build is browser-only, tensorflow/tfjs#3830), which the notes say.
 */
export async function initWasmBackend(opts: { threads?: number } = {}): Promise<{ notes: string[] }> {
  const notes: string[] = [];
  if (opts.threads !== undefined) {
    if (!Number.isInteger(opts.threads) || opts.threads < 1) throw new Error(`wasm threads: expected a positive integer, got ${opts.threads}`);
    setThreadsCount(opts.threads);
  }
  pointAtBinaries();
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to initialise');
  await tf.ready();
  const kernels = registerWasmTrainingKernels();
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threads = getThreadsCount();
  notes.push(`wasm: ${simd ? 'SIMD' : 'no SIMD'}, ${threads} thread${threads === 1 ? '' : 's'}; training kernels added: ${kernels.join(', ')}`);
  if (opts.threads !== undefined && opts.threads > threads) {
    notes.push(`wasm: ${opts.threads} threads requested, ${threads} available (tfjs-backend-wasm runs single-threaded in Node)`);
  }
  return { notes };
}
