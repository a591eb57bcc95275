/**
 * Adam's update as one fused kernel per variable on the wasm backend. tfjs-core's
 * AdamOptimizer runs ~13 kernels per variable per step, and for a small net the per-kernel
 * overhead of the engine outweighs the arithmetic (ReducedFilterCNN: a third of its step
 * went to JS bookkeeping). The math and its order are tfjs-core's (see adam_update in
 * ./native/kernels.c); the optimizer's state (moments, β powers, iterations) stays where
 * AdamOptimizer keeps it, so getWeights/setWeights and checkpoints are unchanged.
 * Other backends, and variables that are not float32, take the original code.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { alloc, type BackendWasm } from './heap.ts';
import { native, ptr } from './native.ts';

export const ADAM_UPDATE = 'ProjectWasmAdamUpdate';

const kernelFunc: KernelFunc = ({ inputs, backend: b0, attrs }) => {
  const backend = b0 as BackendWasm;
  const { w, g, m, v } = inputs as { w: TensorInfo; g: TensorInfo; m: TensorInfo; v: TensorInfo };
  const a = attrs as unknown as { beta1: number; beta2: number; c1: number; c2: number; epsilon: number; learningRate: number };
  const size = tf.util.sizeFromShape(w.shape);
  const w2 = alloc(backend, [...w.shape]);
  const m2 = alloc(backend, [...w.shape]);
  const v2 = alloc(backend, [...w.shape]);
  native(backend).kernels.adam_update(
    ptr(backend, w), ptr(backend, g), ptr(backend, m), ptr(backend, v), ptr(backend, w2), ptr(backend, m2), ptr(backend, v2), size,
    a.beta1, 1 - a.beta1, a.beta2, 1 - a.beta2, a.c1, a.c2, a.epsilon, -a.learningRate,
  );
  return [w2, m2, v2];
};

export const adamUpdateConfig: KernelConfig = { kernelName: ADAM_UPDATE, backendName: 'wasm', kernelFunc };

interface AdamInternals {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: { originalName: string; variable: tf.Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: tf.Variable }[];
  incrementIterations(): void;
}

type Gradients = tf.NamedTensorMap | { name: string; tensor: tf.Tensor }[];

let patched = false;

/** Routes AdamOptimizer.applyGradients through the fused kernel while the backend is wasm. */
export function patchAdamForWasm(): void {
  if (patched) return;
  patched = true;
  const proto = tf.AdamOptimizer.prototype as unknown as { applyGradients(this: AdamInternals, g: Gradients): void };
  const original = proto.applyGradients;
  proto.applyGradients = function (this: AdamInternals, variableGradients: Gradients): void {
    if (tf.getBackend() !== 'wasm') return original.call(this, variableGradients);
    const names = Array.isArray(variableGradients) ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
    const variables = names.map((name) => tf.engine().registeredVariables[name]!);
    if (variables.some((v) => v.dtype !== 'float32')) return original.call(this, variableGradients);
    tf.tidy(() => {
      // 1 − βᵗ as float32 scalars, as tfjs-core computes them on the backend.
      const c1 = Math.fround(1 - this.accBeta1.dataSync()[0]!);
      const c2 = Math.fround(1 - this.accBeta2.dataSync()[0]!);
      names.forEach((name, i) => {
        const value = variables[i]!;
        this.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        this.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        const gradient = Array.isArray(variableGradients) ? variableGradients[i]!.tensor : variableGradients[name];
        if (gradient == null) return;
        const m = this.accumulatedFirstMoment[i]!.variable;
        const v = this.accumulatedSecondMoment[i]!.variable;
        const [w2, m2, v2] = tf.engine().runKernel(ADAM_UPDATE, { w: value, g: gradient, m, v }, {
          beta1: this.beta1, beta2: this.beta2, c1, c2, epsilon: this.epsilon, learningRate: this.learningRate,
        }) as tf.Tensor[];
        m.assign(m2!);
        v.assign(v2!);
        value.assign(w2!);
      });
      this.accBeta1.assign(tf.mul(this.accBeta1, this.beta1));
      this.accBeta2.assign(tf.mul(this.accBeta2, this.beta2));
    });
    this.incrementIterations();
  };
}
