/**
 * The wasm backend, made able to train: loads tfjs-backend-wasm (SIMD build), then
 * registers the kernels that its 4.22 release lacks or runs slowly for training
 * (see ./register.ts).
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's Node bundle registers no gradients; tfjs-layers' bundle does (for every op,
// not only layers'), so code that calls tf.grads before importing tfjs-layers needs this.
import '@tensorflow/tfjs-layers';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from './register.ts';
import { native, startNativeHelpers } from './native.ts';
import type { BackendWasm } from './heap.ts';
import { useThreadedWasm } from './threaded.ts';


export interface WasmTrainingOptions {
  /** Threads for the training kernels; default every core. Fixed when the backend first starts. */
  threads?: number;
}

export interface WasmTrainingResult {
  /** One line each: SIMD or not, threads, the kernels registered, and any fallback taken. */
  notes: string[];
}

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
 * Sets the tfjs backend to 'wasm', ready to train the project's models. `threads` (default:
 * every core) > 1 starts tfjs-backend-wasm's multithreaded build (see ./threaded.ts)
 * so that the training kernels can split their work over that many threads; XNNPACK's own
 * operations stay on one (see there why). 1, or a failure to start the threaded build,
 * gives the single-threaded SIMD build. The notes say which. Threads are fixed when the
 * backend first starts: a later call cannot change them.
 */
export async function enableWasmTraining(opts: WasmTrainingOptions = {}): Promise<WasmTrainingResult> {
  const notes: string[] = [];
  const threads = opts.threads ?? availableParallelism();
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`wasm threads: expected a positive integer, got ${opts.threads}`);
  if (!tf.findBackend('wasm')) {
    pointAtBinaries();
    if (threads > 1) useThreadedWasm(1, (why) => notes.push(`wasm: the multithreaded build did not start (${why}); using one thread`));
    else setThreadsCount(1);
  }
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to initialise');
  await tf.ready();
  const kernels = registerWasmTrainingKernels();
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const backend = tf.backend() as BackendWasm;
  const { flavour } = native(backend);
  // Helpers need the threaded build's shared memory; otherwise this starts none.
  const helpers = await startNativeHelpers(backend, threads - 1);
  notes.push(
    `wasm: ${simd ? 'SIMD' : 'no SIMD'}, training kernels (${flavour}) on ${1 + helpers} thread${helpers ? 's' : ''}, ` +
      `XNNPACK on ${getThreadsCount()}: ${kernels.join(', ')}`,
  );
  return { notes };
}
