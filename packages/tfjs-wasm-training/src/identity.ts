/**
 * Identity and same-dtype Cast for the wasm backend, as aliases of their input (what the
 * cpu and webgl backends do) instead of tfjs-backend-wasm 4.22's copies. A training step
 * runs several: the ReLU gradient casts its step mask to float32, and the layers API
 * clones tensors it keeps; on TinyCNN they copied ~100 MB per step.
 * Tensors are immutable and the backend reference-counts data, so sharing is safe.
 */
import { Cast, Identity, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { wasmKernel, type BackendWasm } from './heap.ts';

function alias(backend: BackendWasm, x: TensorInfo): TensorInfo {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

const identity: KernelFunc = ({ inputs, backend }) => alias(backend as BackendWasm, (inputs as { x: TensorInfo }).x);

const cast: KernelFunc = (args) => {
  const { x } = args.inputs as { x: TensorInfo };
  const { dtype } = args.attrs as unknown as { dtype: string };
  return x.dtype === dtype && dtype !== 'string' ? alias(args.backend as BackendWasm, x) : wasmKernel(Cast)(args);
};

export const identityConfig: KernelConfig = { kernelName: Identity, backendName: 'wasm', kernelFunc: identity };
export const castConfig: KernelConfig = { kernelName: Cast, backendName: 'wasm', kernelFunc: cast };
