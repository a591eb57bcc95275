/**
 * Tile for the wasm backend when it repeats a whole tensor along new leading axes, e.g.
 * [1,1,1,C] → [B,H,W,C]: the batch-norm gradient builds exactly this to broadcast
 * 1/√(var+ε) over dy, in every batch norm of ResNet50 (a quarter of its training step
 * went to tfjs-backend-wasm 4.22's element-by-element Tile). Here it is one copy of the
 * block and log₂(repeats) doubling copies. Other tilings use the backend's own kernel.
 */
import { Tile, util, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { alloc, f32, wasmKernel, type BackendWasm } from './heap.ts';

const kernelFunc: KernelFunc = (args) => {
  const { x } = args.inputs as { x: TensorInfo };
  const { reps } = args.attrs as unknown as { reps: number[] };
  const backend = args.backend as BackendWasm;
  // Leading axes that are tiled must have size 1; the rest must not be tiled.
  let k = 0;
  while (k < reps.length && x.shape[k] === 1 && reps[k]! >= 1) k++;
  const wholeRepeat = x.dtype === 'float32' && reps.length === x.shape.length && reps.slice(k).every((r) => r === 1);
  if (!wholeRepeat) return wasmKernel(Tile)(args);
  const outShape = x.shape.map((d, i) => d * reps[i]!);
  const out = alloc(backend, outShape);
  const block = util.sizeFromShape(x.shape);
  const total = util.sizeFromShape(outShape);
  const dst = f32(backend, out);
  dst.set(f32(backend, x));
  for (let filled = block; filled < total; filled *= 2) dst.copyWithin(filled, 0, Math.min(filled, total - filled));
  return out;
};

export const tileConfig: KernelConfig = { kernelName: Tile, backendName: 'wasm', kernelFunc };
