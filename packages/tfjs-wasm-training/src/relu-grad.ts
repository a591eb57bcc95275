/**
 * ReLU's gradient as one pass on the wasm backend. tfjs-core differentiates relu(x) as
 * dy · cast(step(x)): two full passes over the activation (Step, then Multiply), once per
 * ReLU per step. Gradients are registered for every backend, so the override keeps
 * tfjs-core's own for the others and for non-float32 tensors.
 */
import * as tf from '@tensorflow/tfjs-core';
import { getGradient, registerGradient, Relu, type GradConfig, type KernelConfig, type KernelFunc, type Tensor, type TensorInfo } from '@tensorflow/tfjs-core';
import { alloc, type BackendWasm } from './heap.ts';
import { native, ptr, split, threadsFor } from './native.ts';

export const RELU_GRAD = 'ProjectWasmReluGrad';

const kernelFunc: KernelFunc = ({ inputs, backend: b0 }) => {
  const backend = b0 as BackendWasm;
  const { dy, x } = inputs as { dy: TensorInfo; x: TensorInfo };
  const size = tf.util.sizeFromShape(x.shape);
  const out = alloc(backend, [...x.shape]);
  const n = native(backend);
  const [pdy, px, po] = [ptr(backend, dy), ptr(backend, x), ptr(backend, out)];
  n.parallel(split(size, threadsFor(n, size)).map(([i0, i1]) => ({ fn: 'relu_grad' as const, args: [pdy + i0 * 4, px + i0 * 4, po + i0 * 4, i1 - i0] })));
  return out;
};

export const reluGradConfig: KernelConfig = { kernelName: RELU_GRAD, backendName: 'wasm', kernelFunc };

let patched = false;

/** Routes Relu's gradient through the one-pass kernel while the backend is wasm. */
export function patchReluGradientForWasm(): void {
  if (patched) return;
  const original = getGradient(Relu);
  if (!original) throw new Error('tfjs-core registers no gradient for Relu; import @tensorflow/tfjs-layers (which registers them) first');
  patched = true;
  const config: GradConfig = {
    ...original,
    gradFunc: (dy, saved, attrs) => {
      const x = saved[0]!;
      const g = dy as Tensor;
      if (tf.getBackend() !== 'wasm' || g.dtype !== 'float32' || x.dtype !== 'float32') return original.gradFunc(dy, saved, attrs);
      return { x: () => tf.engine().runKernel(RELU_GRAD, { dy: g, x }) as Tensor };
    },
  };
  registerGradient(config);
}
