/**
 * Runs the same computation on the cpu backend (the reference) and on webgpu from the same
 * seeded inputs, and compares the results. On SwiftShader where no GPU is present: the
 * adapter is found as `--backend webgpu` finds it, and a machine without one FAILS here
 * with the reason (these tests are never skipped silently).
 *
 * Reads are async (data()): the webgpu backend's dataSync needs OffscreenCanvas.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import seedrandom from 'seedrandom';
import { expect } from 'vitest';
import { enableWebgpu, type GpuAdapter } from '../../pipeline/backend/webgpu.ts';

let ready: Promise<GpuAdapter> | null = null;
/** Starts the webgpu backend once per test file; rejects with why there is no adapter. */
export function setupWebgpu(): Promise<GpuAdapter> {
  ready ??= (async () => {
    tf.enableProdMode();
    const { adapter } = await enableWebgpu({ allowSoftware: true });
    await tf.setBackend('cpu');
    return adapter;
  })();
  return ready;
}

/** Seeded values spread around zero, reproducible across runs. */
export function randomValues(n: number, seed: string): Float32Array {
  const rng = seedrandom(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng() + rng() + rng() - 1.5;
  return out;
}

export const seeded = (shape: number[], seed: string) => tf.tensor(randomValues(shape.reduce((a, b) => a * b, 1), seed), shape);

export type Result = { shape: number[]; values: Float32Array };

/** Evaluates `fn` on `backend` and returns its outputs as plain arrays (tensors disposed). */
export async function on(backend: 'cpu' | 'webgpu', fn: () => tf.Tensor[]): Promise<Result[]> {
  await tf.setBackend(backend);
  const outs = tf.tidy(fn);
  const res: Result[] = [];
  for (const t of outs) res.push({ shape: t.shape, values: Float32Array.from(await t.data()) });
  tf.dispose(outs);
  return res;
}

/** Asserts equal shapes and values within `tol` relative to the reference's largest magnitude. */
export function expectClose(actual: Result, expected: Result, label: string, tol = 1e-4): void {
  expect(actual.shape, `${label}: shape`).toEqual(expected.shape);
  let scale = 1;
  for (const v of expected.values) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  let at = -1;
  for (let i = 0; i < expected.values.length; i++) {
    const d = Math.abs(actual.values[i]! - expected.values[i]!);
    if (!(d <= worst)) {
      worst = d;
      at = i;
    }
  }
  expect(worst / scale, `${label}: worst |Δ| ${worst} at ${at} (scale ${scale})`).toBeLessThan(tol);
}

/** Runs `fn` on both backends and compares every output. */
export async function compareBackends(label: string, fn: () => tf.Tensor[], tol = 1e-4): Promise<void> {
  const ref = await on('cpu', fn);
  const got = await on('webgpu', fn);
  expect(got.length).toBe(ref.length);
  ref.forEach((r, i) => expectClose(got[i]!, r, `${label} [output ${i}]`, tol));
}

/**
 * `f`'s outputs and the gradients of sum(f(inputs) · r) with respect to every input, for
 * a fixed random r: the value then depends on every output element.
 */
export function withGradients(inputs: tf.Tensor[], f: (...xs: tf.Tensor[]) => tf.Tensor, seed: string): tf.Tensor[] {
  const y = f(...inputs);
  const r = seeded(y.shape, `${seed}:r`);
  const grads = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(f(...xs), r)))(inputs);
  return [y, ...grads];
}
