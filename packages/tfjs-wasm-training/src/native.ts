/**
 * Loads ./native/kernels.c's WebAssembly build onto the wasm backend's heap: the module
 * imports the backend's memory, so its functions take tensors' heap offsets and work in
 * place, with no copies. The relaxed-SIMD build (fused multiply-add) is used where the
 * runtime validates it (Node 22+), the plain SIMD128 build elsewhere (Node 20).
 *
 * With the threaded backend the memory is shared, and helper worker threads each
 * instantiate the same module on it: `parallel` runs one call per thread (say, per half
 * of a batch) and returns when all are done. The helpers sleep in Atomics.wait between
 * calls, so an idle helper costs nothing; a call hands over a few integers.
 */
import { Worker } from 'node:worker_threads';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { memoryOf, type BackendWasm } from './heap.ts';
import { RELAXED_SIMD_SHARED_WASM, RELAXED_SIMD_WASM, SIMD_SHARED_WASM, SIMD_WASM } from '../native/kernels.generated.ts';

export interface NativeKernels {
  conv2d_filter_grad(
    x: number, dy: number, dw: number, scratch: number, scratchFloats: number,
    B: number, H: number, W: number, CI: number, OH: number, OW: number, CO: number,
    KH: number, KW: number, sh: number, sw: number, pt: number, pl: number,
  ): void;
  max_pool_grad(
    dy: number, x: number, y: number, dx: number, B: number, H: number, W: number, C: number,
    OH: number, OW: number, KH: number, KW: number, sh: number, sw: number, pt: number, pl: number,
  ): void;
  column_sum(x: number, out: number, rows: number, cols: number): void;
  mul_row_vector(x: number, v: number, out: number, rows: number, cols: number): void;
  add_row_vector(x: number, v: number, out: number, rows: number, cols: number): void;
  winograd_filter(g: number, u: number, CI: number, CO: number): void;
  bias_relu(x: number, bias: number, rows: number, cols: number, relu: number): void;
  sub_row_vector(x: number, v: number, out: number, rows: number, cols: number, vFirst: number): void;
  scale(out: number, n: number, s: number): void;
  gemm(a: number, lda: number, b: number, ldb: number, c: number, ldc: number, m: number, n: number, k: number, pack: number): void;
  conv2d_im2col(
    x: number, w: number, out: number, scratch: number, scratchFloats: number, p0: number, p1: number,
    H: number, W: number, CI: number, OH: number, OW: number, CO: number, KH: number, KW: number, sh: number, sw: number, pt: number, pl: number,
  ): void;
  binary_same(a: number, b: number, out: number, n: number, op: number): void;
  gemm_abt(a: number, lda: number, b: number, ldb: number, c: number, ldc: number, m: number, n: number, k: number): void;
  gemm_at_b(a: number, lda: number, b: number, ldb: number, c: number, m: number, n: number, np: number): void;
  gemm_at_b_packed(a: number, lda: number, b: number, ldb: number, c: number, m: number, n: number, np: number, scratch: number, scratchFloats: number): void;
  gather_strided(x: number, out: number, B: number, H: number, W: number, C: number, OH: number, OW: number, sh: number, sw: number): void;
  winograd_filter_grad_tiles(
    x: number, dy: number, du: number, scratch: number, scratchFloats: number, t0: number, t1: number,
    H: number, W: number, CI: number, OH: number, OW: number, CO: number, pt: number, pl: number,
  ): void;
  winograd_filter_grad_finish(du: number, dw: number, CI: number, CO: number): void;
  // ./native/winograd43.c
  winograd43_filter(g: number, u: number, CI: number, CO: number): void;
  winograd43_conv3x3(
    x: number, u: number, out: number, scratch: number, scratchFloats: number, t0: number, t1: number,
    H: number, W: number, CI: number, OH: number, OW: number, CO: number, pt: number, pl: number,
  ): void;
  winograd43_filter_grad_tiles(
    x: number, dy: number, du: number, scratch: number, scratchFloats: number, t0: number, t1: number,
    H: number, W: number, CI: number, OH: number, OW: number, CO: number, pt: number, pl: number,
  ): void;
  winograd43_filter_grad_finish(du: number, dw: number, CI: number, CO: number): void;
  winograd_conv3x3(
    x: number, u: number, out: number, scratch: number, scratchFloats: number, t0: number, t1: number,
    H: number, W: number, CI: number, OH: number, OW: number, CO: number, pt: number, pl: number,
  ): void;
  flip_filter(w: number, out: number, KH: number, KW: number, CI: number, CO: number): void;
  accumulate(dst: number, src: number, n: number): void;
  // ./native/small-channels.c
  sc_conv2d(
    x: number, w: number, out: number, r0: number, r1: number, H: number, W: number, CI: number, OH: number, OW: number, CO: number,
    KH: number, KW: number, sh: number, sw: number, pt: number, pl: number,
  ): void;
  sc_conv2d_filter_grad(
    x: number, dy: number, dw: number, r0: number, r1: number, H: number, W: number, CI: number, OH: number, OW: number, CO: number,
    KH: number, KW: number, sh: number, sw: number, pt: number, pl: number,
  ): void;
  sc_column_sum(x: number, out: number, rows: number, cols: number): void;
  sc_max_pool(
    x: number, y: number, b0: number, b1: number, H: number, W: number, C: number, OH: number, OW: number,
    KH: number, KW: number, sh: number, sw: number, pt: number, pl: number,
  ): void;
  sc_max_pool_grad_disjoint(
    dy: number, x: number, y: number, dx: number, b0: number, b1: number, H: number, W: number, C: number, OH: number, OW: number, KH: number, KW: number,
  ): void;
  adam_update(
    w: number, g: number, m: number, v: number, w2: number, m2: number, v2: number, n: number,
    beta1: number, oneMinusBeta1: number, beta2: number, oneMinusBeta2: number, c1: number, c2: number, eps: number, negLr: number,
  ): void;
  // ./native/batch-norm.c (pointers to float64 sums are byte offsets, 8-aligned)
  bn_moment(x: number, rows: number, C: number, mean: number, out: number): void;
  bn_apply(x: number, y: number, rows: number, C: number, mean: number, a: number, beta: number): void;
  bn_grad_sums(dy: number, x: number, rows: number, C: number, mean: number, sums: number): void;
  bn_grad_apply(dy: number, x: number, dx: number, rows: number, C: number, coef: number): void;
  relu_grad(dy: number, x: number, out: number, n: number): void;
}

export type KernelName = keyof NativeKernels;
const KERNEL_NAMES: readonly KernelName[] = ['conv2d_filter_grad', 'max_pool_grad', 'column_sum', 'mul_row_vector', 'flip_filter', 'accumulate', 'adam_update', 'add_row_vector', 'winograd_filter', 'winograd_conv3x3', 'winograd_filter_grad_tiles', 'winograd_filter_grad_finish', 'bias_relu', 'sub_row_vector', 'scale', 'gemm', 'gemm_at_b', 'gemm_at_b_packed', 'gather_strided', 'gemm_abt', 'conv2d_im2col', 'binary_same',
  'sc_conv2d', 'sc_conv2d_filter_grad', 'sc_column_sum', 'sc_max_pool', 'sc_max_pool_grad_disjoint',
  'bn_moment', 'bn_apply', 'bn_grad_sums', 'bn_grad_apply', 'relu_grad',
  'winograd43_filter', 'winograd43_conv3x3', 'winograd43_filter_grad_tiles', 'winograd43_filter_grad_finish'];

export interface Job {
  fn: KernelName;
  args: number[];
}

export interface Native {
  kernels: NativeKernels;
  /** Which build loaded: 'relaxed-simd' or 'simd'. */
  flavour: 'relaxed-simd' | 'simd';
  /** Per-thread heap buffers for temporaries (im2col blocks), `scratchFloats` floats each; [0] is this thread's. */
  scratch: number[];
  scratchFloats: number;
  /** This thread plus the helpers. */
  threads: number;
  /** Runs jobs[0] on this thread and jobs[i] on helper i at the same time; returns when all are done. */
  parallel(jobs: Job[]): void;
}

/** 512 KiB: an im2col block, or a block of Winograd tiles, that stays in L2 with what it is multiplied by. */
const SCRATCH_FLOATS = 128 * 1024;
const STACK_BYTES = 64 * 1024;
/** Control block of one helper (Int32): [0] jobs posted, [1] jobs done, [2] kernel, [3] argc, [4] failed, [8..] args. */
const CTRL_INTS = 64;
const ARGS_AT = 8;
/** How long a waiting thread polls (ms) before it sleeps in Atomics.wait. */
const SPIN_MS = 1;

interface EmscriptenModule {
  _malloc(bytes: number): number;
}

interface Helper {
  worker: Worker;
  ctrl: Int32Array;
}

interface State extends Native {
  bytes: Uint8Array<ArrayBuffer>;
  memory: WebAssembly.Memory;
  helpers: Helper[];
  module: EmscriptenModule;
}

const loaded = new WeakMap<BackendWasm, State>();

function decode(base64: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(Buffer.from(base64, 'base64'));
}

function stackTop(module: EmscriptenModule): number {
  // Each instance's shadow stack must live in heap memory the backend gave us, not at the
  // address the linker chose (which belongs to the backend).
  return ((module._malloc(STACK_BYTES) >>> 0) + STACK_BYTES) & ~15;
}

export function native(backend: BackendWasm): Native {
  const existing = loaded.get(backend);
  if (existing) return existing;
  const module = backend.wasm as unknown as EmscriptenModule;
  const memory = memoryOf(backend);
  const shared = memory.buffer instanceof SharedArrayBuffer;
  const relaxed = decode(shared ? RELAXED_SIMD_SHARED_WASM : RELAXED_SIMD_WASM);
  const flavour = WebAssembly.validate(relaxed) ? 'relaxed-simd' : 'simd';
  const bytes = flavour === 'relaxed-simd' ? relaxed : decode(shared ? SIMD_SHARED_WASM : SIMD_WASM);
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
  const exports = instance.exports as unknown as NativeKernels & { __stack_pointer: WebAssembly.Global };
  exports.__stack_pointer.value = stackTop(module);
  const state: State = {
    kernels: exports,
    flavour,
    scratch: [module._malloc(SCRATCH_FLOATS * 4) >>> 0],
    scratchFloats: SCRATCH_FLOATS,
    threads: 1,
    bytes,
    memory,
    helpers: [],
    module,
    parallel: (jobs) => runParallel(state, jobs),
  };
  loaded.set(backend, state);
  return state;
}

// The helper: instantiate the module on the shared memory, then run posted calls forever.
const HELPER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { memory, bytes, stackTop, ctrl, names, argsAt, spinMs } = workerData;
const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
instance.exports.__stack_pointer.value = stackTop;
const c = new Int32Array(ctrl);
parentPort.postMessage('ready');
let seen = 0;
for (;;) {
  // Poll for a while before sleeping: a training step posts a call every few hundred
  // microseconds, and waking a sleeping thread costs ~0.1 ms (at times over 1 ms).
  const t0 = performance.now();
  for (let k = 1; Atomics.load(c, 0) === seen; k++) {
    if ((k & 255) === 0 && performance.now() - t0 > spinMs) {
      Atomics.wait(c, 0, seen);
      break;
    }
  }
  const posted = Atomics.load(c, 0);
  if (posted === seen) continue;
  seen = posted;
  try {
    const args = [];
    for (let i = 0; i < c[3]; i++) args.push(c[argsAt + i]);
    instance.exports[names[c[2]]](...args);
  } catch (e) {
    Atomics.store(c, 4, 1);
  }
  Atomics.store(c, 1, posted);
  Atomics.notify(c, 1);
}
`;

/**
 * Starts `count` helper threads for the native kernels (threaded backend only; with an
 * unshared memory this does nothing). Idempotent.
 */
export async function startNativeHelpers(backend: BackendWasm, count: number): Promise<number> {
  const state = native(backend) as State;
  if (!(state.memory.buffer instanceof SharedArrayBuffer)) return 0;
  while (state.helpers.length < count) {
    const ctrl = new SharedArrayBuffer(CTRL_INTS * 4);
    const worker = new Worker(HELPER_SOURCE, {
      eval: true,
      // Plain Node: the parent's loader flags (tsx) are not needed to run this script.
      execArgv: [],
      workerData: { memory: state.memory, bytes: state.bytes, stackTop: stackTop(state.module), ctrl, names: KERNEL_NAMES, argsAt: ARGS_AT, spinMs: SPIN_MS },
    });
    await new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
    });
    // It waits for work forever; let the process exit around it.
    worker.unref();
    state.helpers.push({ worker, ctrl: new Int32Array(ctrl) });
    state.scratch.push(state.module._malloc(SCRATCH_FLOATS * 4) >>> 0);
  }
  state.threads = 1 + state.helpers.length;
  return state.helpers.length;
}

function runParallel(state: State, jobs: Job[]): void {
  if (jobs.length - 1 > state.helpers.length) throw new Error(`native kernels: ${jobs.length} jobs for ${state.threads} threads`);
  const posted: [Helper, number][] = [];
  for (let i = 1; i < jobs.length; i++) {
    const helper = state.helpers[i - 1]!;
    const { fn, args } = jobs[i]!;
    const c = helper.ctrl;
    c[2] = KERNEL_NAMES.indexOf(fn);
    c[3] = args.length;
    for (let k = 0; k < args.length; k++) c[ARGS_AT + k] = args[k]! | 0;
    const n = Atomics.add(c, 0, 1) + 1;
    Atomics.notify(c, 0);
    posted.push([helper, n]);
  }
  const first = jobs[0];
  if (first) (state.kernels[first.fn] as (...a: number[]) => void)(...first.args);
  for (const [helper, n] of posted) {
    const c = helper.ctrl;
    // The helper's share is usually done within microseconds of this thread's: poll first.
    const t0 = performance.now();
    for (let k = 1, done = Atomics.load(c, 1); done !== n; k++, done = Atomics.load(c, 1)) {
      if ((k & 255) === 0 && performance.now() - t0 > SPIN_MS) Atomics.wait(c, 1, done);
    }
    if (Atomics.exchange(c, 4, 0) !== 0) throw new Error('native kernels: a helper thread failed');
  }
}

/** A tensor's heap offset (bytes). */
export function ptr(backend: BackendWasm, t: TensorInfo): number {
  return backend.dataIdMap.get(t.dataId)!.memoryOffset;
}

/**
 * How many threads a job of `work` elements (or multiply-adds) is worth: handing work to a
 * helper costs tens of microseconds, more than small jobs take.
 */
export function threadsFor(n: Native, work: number): number {
  return work >= 1 << 16 ? n.threads : 1;
}

/** Splits [0, n) into `parts` contiguous ranges as equal as possible (empty ones dropped). */
export function split(n: number, parts: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < parts; i++) {
    const a = Math.floor((n * i) / parts);
    const b = Math.floor((n * (i + 1)) / parts);
    if (b > a) out.push([a, b]);
  }
  return out;
}
