/**
 * tfjs-backend-wasm's multithreaded build, started in Node. The package runs it only in
 * browsers (tensorflow/tfjs#3830: it hands Emscripten its pthread worker as a Blob URL,
 * which Node's worker_threads cannot load). This module registers a 'wasm' backend
 * factory that starts the same build with what Node needs: the worker script written to
 * a file, the main script given by path, and workers started without the parent's loader
 * flags (tsx's hooks cannot parse Emscripten's worker).
 *
 * What the project wants from this build is its shared memory, on which the training
 * kernels' helper threads work (./native.ts). XNNPACK's own thread pool is
 * asked for `xnnpackThreads` threads: measured here, a pool of 2 made small operations
 * (inference at batch 1, ReLU, pooling) up to 3× slower on a busy machine (every op waits
 * for its slowest thread), while the big training operations run in the project's kernels.
 * The build caps its pool at half the logical cores (assuming hyperthreads), so a pool
 * of more than one thread needs the core count doubled while it starts.
 */
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { BackendWasm, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';

const require = createRequire(import.meta.url);

type Factory = (config: Record<string, unknown>) => Promise<EmscriptenThreadedModule>;
interface EmscriptenThreadedModule {
  cwrap(name: string, ret: string | null, args: string[]): (...args: unknown[]) => unknown;
  tfjs?: unknown;
  PThread?: { runningWorkers?: { unref?: () => void }[]; unusedWorkers?: { unref?: () => void }[] };
}

function packageDir(): string {
  return path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
}

/** Writes Emscripten's pthread worker script where Node can load it; returns its path. */
function workerScript(dir: string): string {
  const { wasmWorkerContents } = require(path.join(dir, 'wasm-out/tfjs-backend-wasm-threaded-simd.worker.js')) as { wasmWorkerContents: string };
  // The package keeps the script in a template literal, whose "\n" escapes became real
  // newlines inside string literals; the browser path undoes that the same way.
  const source = wasmWorkerContents.replace(/\n/g, '\\n');
  const version = (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  const outDir = path.join(tmpdir(), 'tfjs-backend-wasm-node');
  mkdirSync(outDir, { recursive: true });
  // .cjs: the script uses require(); the tmp dir may sit below a "type": "module" package.json.
  const file = path.join(outDir, `threaded-simd-${version}.worker.cjs`);
  let current = '';
  try { current = readFileSync(file, 'utf8'); } catch { /* not written yet */ }
  if (current !== source) writeFileSync(file, source);
  return file;
}

/** Instantiates the threaded build with an XNNPACK pool of `xnnpackThreads` and wraps it as tfjs' BackendWasm. */
async function createThreadedBackend(xnnpackThreads: number): Promise<BackendWasm> {
  const dir = packageDir();
  const mainScript = path.join(dir, 'wasm-out/tfjs-backend-wasm-threaded-simd.js');
  const factory = require(mainScript) as Factory;
  const worker = workerScript(dir);
  const workerThreads = require('node:worker_threads') as { Worker: typeof import('node:worker_threads').Worker };
  const os = require('node:os') as { cpus: () => unknown[] };
  const OriginalWorker = workerThreads.Worker;
  const originalCpus = os.cpus;
  workerThreads.Worker = class extends OriginalWorker {
    constructor(file: string | URL, options: import('node:worker_threads').WorkerOptions = {}) {
      super(file, { ...options, execArgv: [] });
    }
  };
  if (xnnpackThreads > 1) os.cpus = () => Array.from({ length: 2 * xnnpackThreads }, () => originalCpus()[0]);
  let module: EmscriptenThreadedModule;
  try {
    module = await factory({
      locateFile: (file: string) => (file.endsWith('.worker.js') ? worker : path.join(dir, 'wasm-out', file)),
      mainScriptUrlOrBlob: mainScript,
    });
  } finally {
    workerThreads.Worker = OriginalWorker;
    os.cpus = originalCpus;
  }
  // What tfjs-backend-wasm's own init() attaches before constructing the backend.
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
  setThreadsCount(xnnpackThreads);
  const backend = new BackendWasm(module as unknown as ConstructorParameters<typeof BackendWasm>[0]);
  // The constructor started XNNPACK's pool threads, which wait on the workers forever; let
  // the process exit around them, as it does with the single-threaded build.
  for (const w of [...(module.PThread?.runningWorkers ?? []), ...(module.PThread?.unusedWorkers ?? [])]) w.unref?.();
  return backend;
}

interface Registry { registryFactory: Record<string, { factory: () => tf.KernelBackend | Promise<tf.KernelBackend>; priority: number } | undefined> }

/**
 * Replaces the 'wasm' backend factory (before the backend is first initialised) with one
 * that starts the threaded build, falling back to the package's own single-threaded
 * factory if that fails. `onFallback` receives the reason.
 */
export function useThreadedWasm(xnnpackThreads: number, onFallback: (reason: string) => void): void {
  const registry = tf.engine() as unknown as Registry;
  const original = registry.registryFactory['wasm'];
  if (!original) throw new Error('the wasm backend is not registered (is @tensorflow/tfjs-backend-wasm imported?)');
  tf.removeBackend('wasm');
  tf.registerBackend('wasm', async () => {
    try {
      return await createThreadedBackend(xnnpackThreads);
    } catch (e) {
      onFallback((e instanceof Error ? e.message : String(e)).split('\n')[0]!);
      return original.factory();
    }
  }, original.priority);
}
