/**
 * Picks the TensorFlow.js backend to train on. `auto` takes the fastest one that
 * loads: native TensorFlow with CUDA (only when it really found a GPU), WebGPU on a
 * hardware adapter, native TensorFlow on the CPU, then wasm, then the pure-JS cpu
 * backend, and says why each better one was passed over. A software WebGPU adapter
 * (SwiftShader) is used only when asked for by name: it trains slower than wasm.
 *
 * The native packages are optional dependencies (their install downloads
 * libtensorflow, which fails without network access), so they are imported
 * dynamically and their absence is an expected outcome, not an error.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { BackendName, GpuAdapter } from '../../schema/results.ts';
import { UserError } from '../../common/user-error.ts';
import { describeAdapter, enableWebgpu } from './webgpu.ts';
import { describeGap, hasKernel, type TrainingGap } from './trainable.ts';

export type BackendChoice = BackendName | 'auto';
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'];

export interface SelectedBackend {
  name: BackendName;
  /** Why each better backend was unavailable, one line each. */
  notes: string[];
  /** The WebGPU adapter on the webgpu backend, else null. */
  adapter: GpuAdapter | null;
}

/** Whether training runs on a GPU (so the study's full budget is the sensible default). */
export function onGpu(b: SelectedBackend): boolean {
  return b.name === 'tensorflow-gpu' || (b.name === 'webgpu' && b.adapter !== null && !b.adapter.software);
}

/** The backend as one line for the log: name, and the adapter on webgpu. */
export function describeBackend(b: SelectedBackend): string {
  return b.adapter ? `${b.name} on ${describeAdapter(b.adapter)}` : b.name;
}

export class BackendError extends UserError {
  override name = 'BackendError';
}

/** Short reason from a failed import/initialisation, first line only. */
function reason(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  if (/Cannot find (package|module)/.test(msg) && /tfjs-node/.test(msg)) return 'not installed (optional dependency; its install needs network access to download libtensorflow)';
  if (/Cannot find (package|module)/.test(msg)) return `not installed (optional dependency): ${msg.split('\n')[0]!.slice(0, 160)}`;
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
    // (libtensorflow 2.9.1 needs CUDA 11.2 and cuDNN 8.1; newer CUDA fails to load or runs on the CPU.)
    if (backend.isUsingGpuDevice !== true) throw new Error('loaded, but TensorFlow found no CUDA GPU and would silently run on the CPU (it needs CUDA 11.2 and cuDNN 8.1)');
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

type Loaded = { notes?: string[]; adapter?: GpuAdapter } | string[] | void;

const ATTEMPTS: { name: BackendName; load: (threads: number | undefined, auto: boolean) => Promise<Loaded> }[] = [
  { name: 'tensorflow-gpu', load: () => tryNative('@tensorflow/tfjs-node-gpu') },
  // By name, a software adapter (SwiftShader) too; under auto, only a GPU.
  { name: 'webgpu', load: (_threads, auto) => enableWebgpu({ allowSoftware: !auto }) },
  { name: 'tensorflow', load: () => tryNative('@tensorflow/tfjs-node') },
  { name: 'wasm', load: tryWasm },
  { name: 'cpu', load: tryCpu },
];

/** The backends (other than `except`) that load here and register `kernel`; each is loaded in turn to ask its registry. */
async function backendsWith(kernel: string, except: BackendName, threads: number | undefined): Promise<BackendName[]> {
  const found: BackendName[] = [];
  for (const attempt of ATTEMPTS) {
    if (attempt.name === except) continue;
    try {
      await attempt.load(threads, false);
      // Both native packages register their kernels under the one name 'tensorflow'.
      if (hasKernel(kernel, attempt.name.startsWith('tensorflow') ? 'tensorflow' : attempt.name)) found.push(attempt.name);
    } catch {
      // Not available here: it cannot be asked.
    }
  }
  return found;
}

export interface SelectOptions {
  threads?: number;
  /**
   * Whether the loaded backend can train the run's models (./trainable.ts): `auto` passes
   * over a backend that cannot, a named backend stops with one line naming the layer and
   * the backends here that can.
   */
  canTrain?: () => Promise<TrainingGap | null>;
}

/** Loads the requested backend, or with `auto` the best available one (that can train the run's models, given `canTrain`). */
export async function selectBackend(choice: BackendChoice, opts: SelectOptions = {}): Promise<SelectedBackend> {
  // Production mode: skips tfjs' debug checks and its "install tfjs-node" banner; the
  // notes below already say why native TensorFlow was not used.
  tf.enableProdMode();
  const notes: string[] = [];
  const candidates = choice === 'auto' ? ATTEMPTS : ATTEMPTS.filter((a) => a.name === choice);
  if (candidates.length === 0) throw new BackendError(`--backend: expected one of ${BACKEND_CHOICES.join(', ')}, got "${choice}"`);
  for (const attempt of candidates) {
    let extra: Loaded;
    try {
      extra = await attempt.load(opts.threads, choice === 'auto');
      await tf.ready();
    } catch (e) {
      if (choice !== 'auto') throw new BackendError(`backend ${attempt.name}: ${reason(e)}`);
      notes.push(`${attempt.name}: ${reason(e)}`);
      continue;
    }
    const gap = opts.canTrain ? await opts.canTrain() : null;
    if (gap) {
      if (choice === 'auto') {
        notes.push(`${attempt.name}: ${describeGap(gap)}`);
        continue;
      }
      const others = await backendsWith(gap.kernel, attempt.name, opts.threads);
      throw new BackendError(
        `${describeGap(gap)}; ${others.length ? `backends here that can: ${others.join(', ')} (--backend ${others[0]})` : 'no other backend that loads here has it'}`,
      );
    }
    if (Array.isArray(extra)) notes.push(...extra);
    else if (extra?.notes) notes.push(...extra.notes);
    return { name: attempt.name, notes, adapter: (!Array.isArray(extra) && extra?.adapter) || null };
  }
  throw new BackendError(`no TensorFlow.js backend here can run this: ${notes.join('; ')}`);
}

/**
 * Runs `fn` (bulk matrix products: the near-duplicate audit) on wasm when the run trains on
 * a software WebGPU adapter, then switches back to webgpu. SwiftShader runs those products
 * far slower than wasm (the audit's first block of 512 × 58,954 × 256 took minutes there,
 * against about 40 s for the whole audit on wasm). Elsewhere, and if wasm does not load,
 * `fn` runs on the selected backend. `moved` says, for the log, where it ran when that was
 * not the selected backend (null otherwise).
 */
export async function offSoftwareAdapter<T>(b: SelectedBackend, opts: { threads?: number }, fn: () => Promise<T>): Promise<{ value: T; moved: string | null }> {
  if (b.name !== 'webgpu' || !b.adapter?.software) return { value: await fn(), moved: null };
  try {
    await tryWasm(opts.threads);
  } catch (e) {
    await tf.setBackend('webgpu');
    return { value: await fn(), moved: `on the software adapter (wasm did not load: ${reason(e)})` };
  }
  try {
    return { value: await fn(), moved: 'on wasm (faster than the software adapter at matrix products)' };
  } finally {
    // Failing to switch back must win over fn's result: every later step would run on the wrong backend.
    // oxlint-disable-next-line no-unsafe-finally
    if (!(await tf.setBackend('webgpu'))) throw new BackendError('backend webgpu: failed to switch back after running on wasm');
  }
}
