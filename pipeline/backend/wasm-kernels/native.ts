/**
 * Loads ./native/kernels.c's WebAssembly build onto the wasm backend's heap: the module
 * imports the backend's memory, so its functions take tensors' heap offsets and work in
 * place, with no copies. The relaxed-SIMD build (fused multiply-add) is used where the
 * runtime validates it (Node 22+), the plain SIMD128 build elsewhere (Node 20).
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { memoryOf, type BackendWasm } from './heap.ts';
import { RELAXED_SIMD_SHARED_WASM, RELAXED_SIMD_WASM, SIMD_SHARED_WASM, SIMD_WASM } from './native/kernels.generated.ts';

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
  flip_filter(w: number, out: number, KH: number, KW: number, CI: number, CO: number): void;
}

export interface Native {
  kernels: NativeKernels;
  /** Which build loaded: 'relaxed-simd' or 'simd'. */
  flavour: 'relaxed-simd' | 'simd';
  /** A heap buffer for per-call temporaries (im2col blocks), `scratchFloats` floats long. */
  scratch: number;
  scratchFloats: number;
}

/** 256 KiB: an im2col block that stays in L2 together with its dy rows. */
const SCRATCH_FLOATS = 64 * 1024;
const STACK_BYTES = 64 * 1024;

interface EmscriptenModule {
  _malloc(bytes: number): number;
}

const loaded = new WeakMap<BackendWasm, Native>();

function decode(base64: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(Buffer.from(base64, 'base64'));
}

export function native(backend: BackendWasm): Native {
  let n = loaded.get(backend);
  if (n) return n;
  const module = backend.wasm as unknown as EmscriptenModule;
  const memory = memoryOf(backend);
  const shared = memory.buffer instanceof SharedArrayBuffer;
  const relaxed = decode(shared ? RELAXED_SIMD_SHARED_WASM : RELAXED_SIMD_WASM);
  const flavour = WebAssembly.validate(relaxed) ? 'relaxed-simd' : 'simd';
  const bytes = flavour === 'relaxed-simd' ? relaxed : decode(shared ? SIMD_SHARED_WASM : SIMD_WASM);
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
  const exports = instance.exports as unknown as NativeKernels & { __stack_pointer: WebAssembly.Global };
  // The module's shadow stack must live in heap memory the backend gave us, not at the
  // address the linker chose (which belongs to the backend).
  const stack = module._malloc(STACK_BYTES) >>> 0;
  exports.__stack_pointer.value = (stack + STACK_BYTES) & ~15;
  const scratch = module._malloc(SCRATCH_FLOATS * 4) >>> 0;
  n = { kernels: exports, flavour, scratch, scratchFloats: SCRATCH_FLOATS };
  loaded.set(backend, n);
  return n;
}

/** A tensor's heap offset (bytes). */
export function ptr(backend: BackendWasm, t: TensorInfo): number {
  return backend.dataIdMap.get(t.dataId)!.memoryOffset;
}
