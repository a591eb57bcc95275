/**
 * Picks the TensorFlow.js backend to train on. `auto` takes the fastest one that
 * loads: native TensorFlow with CUDA, native TensorFlow on the CPU, then wasm, then
 * the pure-JS cpu backend, and says why each better one was passed over.
 *
 * The native packages are optional dependencies (their install downloads
 * libtensorflow, which fails without network access), so they are imported
 * dynamically and their absence is an expected outcome, not an error.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { BackendName } from '../../schema/results.ts';
import { UserError } from '../../schema/errors.ts';

export type BackendChoice = BackendName | 'auto';
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

export interface SelectedBackend {
  name: BackendName;
  /** Why each better backend was unavailable, one line each. */
  notes: string[];
}

export class BackendError extends UserError {
  override name = 'BackendError';
}

/** Short reason from a failed import/initialisation, first line only. */
function reason(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  if (/Cannot find (package|module)/.test(msg)) return 'not installed (optional dependency; its install needs network access to download libtensorflow)';
  return msg.split('\n')[0]!.slice(0, 200);
}

async function tryNative(pkg: '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node'): Promise<void> {
  // The native packages register the 'tensorflow' backend on import; they bundle their
  // own copy of @tensorflow/tfjs, which shares tfjs-core with us when versions match.
  await import(pkg);
  if (!(await tf.setBackend('tensorflow'))) throw new Error('the tensorflow backend failed to initialise');
  if (pkg === '@tensorflow/tfjs-node-gpu') {
    // tfjs-node-gpu falls back to the CPU silently when CUDA is missing; check for a GPU device.
    const backend = tf.backend() as unknown as { isUsingGpuDevice?: boolean };
    if (backend.isUsingGpuDevice === false) throw new Error('loaded, but found no CUDA GPU');
  }
}

async function tryWasm(threads?: number): Promise<string[]> {
  const { enableWasmTraining: initWasmBackend } = await import('tfjs-wasm-training');
  const { notes } = await initWasmBackend(threads ? { threads } : undefined);
  return notes;
}

async function tryCpu(): Promise<void> {
  if (!(await tf.setBackend('cpu'))) throw new Error('the cpu backend failed to initialise');
}

const ATTEMPTS: { name: BackendName; load: (threads?: number) => Promise<string[] | void> }[] = [
  { name: 'tensorflow-gpu', load: () => tryNative('@tensorflow/tfjs-node-gpu') },
  { name: 'tensorflow', load: () => tryNative('@tensorflow/tfjs-node') },
  { name: 'wasm', load: tryWasm },
  { name: 'cpu', load: tryCpu },
];

/** Loads the requested backend, or with `auto` the best available one. */
export async function selectBackend(choice: BackendChoice, opts: { threads?: number } = {}): Promise<SelectedBackend> {
  // Production mode: skips tfjs' debug checks and its "install tfjs-node" banner; the
  // notes below already say why native TensorFlow was not used.
  tf.enableProdMode();
  const notes: string[] = [];
  const candidates = choice === 'auto' ? ATTEMPTS : ATTEMPTS.filter((a) => a.name === choice);
  if (candidates.length === 0) throw new BackendError(`--backend: expected one of ${BACKEND_CHOICES.join(', ')}, got "${choice}"`);
  for (const attempt of candidates) {
    try {
      const extra = await attempt.load(opts.threads);
      if (Array.isArray(extra)) notes.push(...extra);
      await tf.ready();
      return { name: attempt.name, notes };
    } catch (e) {
      if (choice !== 'auto') throw new BackendError(`backend ${attempt.name}: ${reason(e)}`);
      notes.push(`${attempt.name}: ${reason(e)}`);
    }
  }
  throw new BackendError(`no TensorFlow.js backend could be loaded: ${notes.join('; ')}`);
}
