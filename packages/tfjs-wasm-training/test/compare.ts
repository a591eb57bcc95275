/**
 * Runs the same computation on the cpu backend (the reference) and on wasm with the
 * project's training kernels, from the same seeded inputs, and compares the results.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import seedrandom from 'seedrandom';
import { expect } from 'vitest';
import { enableWasmTraining } from '../src/index.ts';

let ready: Promise<unknown> | null = null;
/** Initialises both backends once per test file (wasm with every core unless told). */
export function setupBackends(opts: { threads?: number } = {}): Promise<unknown> {
  ready ??= (async () => {
    await tf.setBackend('cpu');
    await enableWasmTraining(opts);
  })();
  return ready;
}

/** Seeded standard-normal-ish values (sum of uniforms), reproducible across runs. */
export function randomValues(n: number, seed: string): Float32Array {
  const rng = seedrandom(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng() + rng() + rng() - 1.5;
  return out;
}

/** Evaluates `fn` on `backend` and returns its outputs as plain arrays (tensors disposed). */
export async function on(backend: 'cpu' | 'wasm', fn: () => tf.Tensor[]): Promise<{ shape: number[]; values: Float32Array }[]> {
  await tf.setBackend(backend);
  const outs = tf.tidy(fn);
  const res = outs.map((t) => ({ shape: t.shape, values: t.dataSync() as Float32Array }));
  tf.dispose(outs);
  return res;
}

/** Asserts equal shapes and values within `tol` relative to the reference's largest magnitude. */
export function expectClose(
  actual: { shape: number[]; values: Float32Array },
  expected: { shape: number[]; values: Float32Array },
  label: string,
  tol = 1e-4,
): void {
  expect(actual.shape, `${label}: shape`).toEqual(expected.shape);
  let scale = 1;
  for (const v of expected.values) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  let at = -1;
  for (let i = 0; i < expected.values.length; i++) {
    const d = Math.abs(actual.values[i]! - expected.values[i]!);
    if (!(d <= worst)) { worst = d; at = i; }
  }
  expect(worst / scale, `${label}: worst |Δ| ${worst} at ${at} (scale ${scale})`).toBeLessThan(tol);
}

/** Runs `fn` on both backends and compares every output. */
export async function compareBackends(label: string, fn: () => tf.Tensor[], tol = 1e-4): Promise<void> {
  const ref = await on('cpu', fn);
  const got = await on('wasm', fn);
  expect(got.length).toBe(ref.length);
  ref.forEach((r, i) => expectClose(got[i]!, r, `${label} [output ${i}]`, tol));
}
