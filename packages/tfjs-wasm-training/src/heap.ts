/**
 * Access to the wasm backend's heap and to its own (XNNPACK-backed) kernels, for the
 * training kernels in this folder. Each kernel here reads and writes tensors in place on
 * the wasm heap and calls the backend's compiled kernels for the heavy arithmetic, so no
 * tensor crosses into JS arrays and back.
 */
import { engine, getKernel, util, type KernelFunc, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export type { BackendWasm };

/**
 * A float32 view of a tensor's data on the wasm heap. Valid until the heap grows (any
 * allocation). Made from the memory itself: in the threaded build the module's HEAP views
 * can lag behind a growth that happened on a worker thread.
 */
export function f32(backend: BackendWasm, t: TensorInfo): Float32Array {
  const { memoryOffset } = backend.dataIdMap.get(t.dataId)!;
  return new Float32Array(memoryOf(backend).buffer, memoryOffset, util.sizeFromShape(t.shape));
}

/** Allocates an uninitialised float32 tensor on the wasm heap. */
export function alloc(backend: BackendWasm, shape: number[]): TensorInfo {
  return backend.makeOutput(shape, 'float32');
}

export function free(backend: BackendWasm, ...ts: TensorInfo[]): void {
  for (const t of ts) backend.disposeData(t.dataId);
}

/** The same data seen with another shape (shares the buffer; free it like any tensor). */
export function view(backend: BackendWasm, t: TensorInfo, shape: number[]): TensorInfo {
  backend.incRef(t.dataId);
  return { dataId: t.dataId, shape, dtype: t.dtype };
}

interface EmscriptenModule {
  /** The single-threaded build exports its memory; the threaded build creates it in JS. */
  asm?: { memory?: WebAssembly.Memory };
  wasmMemory?: WebAssembly.Memory;
}

/** The backend's WebAssembly.Memory. */
export function memoryOf(backend: BackendWasm): WebAssembly.Memory {
  const module = backend.wasm as unknown as EmscriptenModule;
  const memory = module.wasmMemory ?? module.asm?.memory;
  if (!(memory instanceof WebAssembly.Memory)) throw new Error('wasm backend: its WebAssembly.Memory is not reachable; did tfjs-backend-wasm change?');
  return memory;
}

const originals = new Map<string, KernelFunc>();

/**
 * The wasm backend's own kernel for `name`, captured the first time it is asked for, so
 * that our kernels keep calling the compiled one after we register a replacement.
 */
export function wasmKernel(name: string): KernelFunc {
  let fn = originals.get(name);
  if (!fn) {
    const config = getKernel(name, 'wasm');
    if (!config) throw new Error(`wasm backend: kernel ${name} is not registered`);
    fn = config.kernelFunc;
    originals.set(name, fn);
  }
  return fn;
}

/** Runs a compiled wasm kernel that returns one tensor. */
export function run(backend: BackendWasm, name: string, inputs: Record<string, TensorInfo>, attrs: NamedAttrMap = {}): TensorInfo {
  const out = wasmKernel(name)({ inputs, backend, attrs });
  if (Array.isArray(out)) throw new Error(`wasm kernel ${name}: expected one output, got ${out.length}`);
  return out;
}

/**
 * C = A·B for A [m,k] and B [k,n] through XNNPACK's fully-connected GEMM, the only
 * matmul path of tfjs-backend-wasm that is not a scalar loop (it is taken when neither
 * operand is transposed and the batch is 1). B is packed by XNNPACK on each call.
 */
export function gemm(backend: BackendWasm, a: TensorInfo, b: TensorInfo): TensorInfo {
  const m = a.shape[a.shape.length - 2]!;
  const n = b.shape[b.shape.length - 1]!;
  const a3 = view(backend, a, [1, m, a.shape[a.shape.length - 1]!]);
  const b3 = view(backend, b, [1, b.shape[b.shape.length - 2]!, n]);
  const out = run(backend, 'BatchMatMul', { a: a3, b: b3 }, { transposeA: false, transposeB: false });
  free(backend, a3, b3);
  return { dataId: out.dataId, shape: [m, n], dtype: 'float32' };
}

/**
 * Whether a gradient is being recorded (a training step). Inference keeps a layer's weights
 * between calls, which lets XNNPACK reuse its packed copy of them; training changes them
 * every step, so every call repacks and the native kernels win.
 */
export function recordingGradients(): boolean {
  return (engine() as unknown as { state: { gradientDepth: number } }).state.gradientDepth > 0;
}
