/**
 * `npm run profile -- <model> [batch] [options]`: where one training step's time goes on
 * the wasm backend, per kernel: tf.profile around model.trainOnBatch (random images, Adam),
 * after three warm-up steps. Kernel times are the wall time of each kernel call.
 * By default, summed by kernel name and averaged over the steps; with --calls, every call
 * of a step in order with its input shapes, the minimum over the steps (steadier on a busy
 * machine). The figures in bench/NOTES.md were taken with this.
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import type { ModelId } from '../schema/results.ts';
import { getModelSpec, MODEL_IDS } from '../pipeline/models/registry.ts';
import { enableWasmTraining as initWasmBackend } from 'tfjs-wasm-training';

const HELP = `npm run profile -- <model> [batch] [options]

  model            one of ${MODEL_IDS.join(', ')}
  batch            training batch size (default 64)
  --steps n        profiled steps (default 5)
  --threads n      wasm threads (default: every core)
  --top n          kernels listed (default 20)
  --calls          every kernel call of a step with its shapes (calls under --min-ms hidden)
  --min-ms t       with --calls: hide calls faster than this (default 0.5)`;

function fail(message: string): never {
  console.error(`profile: ${message}`);
  process.exit(2);
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    steps: { type: 'string', default: '5' },
    threads: { type: 'string' },
    top: { type: 'string', default: '20' },
    calls: { type: 'boolean', default: false },
    'min-ms': { type: 'string', default: '0.5' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const id = positionals[0] as ModelId | undefined;
if (!id || !MODEL_IDS.includes(id)) fail(`expected a model (${MODEL_IDS.join(', ')}), got ${id ?? 'nothing'}; --help for usage`);
const count = (v: string | undefined, what: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) fail(`${what}: expected a positive integer, got "${v}"`);
  return n;
};
const batch = positionals[1] === undefined ? 64 : count(positionals[1], 'batch');
const steps = count(values.steps, '--steps');
const top = count(values.top, '--top');
const minMs = Number(values['min-ms']);

const { notes } = await initWasmBackend(values.threads ? { threads: count(values.threads, '--threads') } : {});
console.log(notes.join('\n'));
const model = getModelSpec(id).build({ seed: 1, classes: 6, imageSize: 64 });
model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
const x = tf.randomUniform([batch, 64, 64, 1], 0, 1, 'float32', 1);
const y = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(Array.from({ length: batch }, (_, i) => i % 6), 'int32'), 6), 'float32'));
for (let i = 0; i < 3; i++) await model.trainOnBatch(x, y);

const byName = new Map<string, { ms: number; calls: number }>();
const byCall: { label: string; ms: number[] }[] = [];
let callsPerStep = 0;
for (let s = 0; s < steps; s++) {
  const info = await tf.profile(async () => { await model.trainOnBatch(x, y); });
  callsPerStep = info.kernels.length;
  for (const [i, k] of info.kernels.entries()) {
    const ms = (await k.kernelTimeMs) as number;
    const e = byName.get(k.name) ?? { ms: 0, calls: 0 };
    e.ms += ms;
    e.calls++;
    byName.set(k.name, e);
    byCall[i] ??= { label: `${String(i).padStart(4)}  ${k.name.padEnd(34)} ${JSON.stringify(k.inputShapes)}`, ms: [] };
    byCall[i]!.ms.push(ms);
  }
}
// Steps without the profiler's bookkeeping, for the real wall time.
const t0 = performance.now();
for (let s = 0; s < steps; s++) await model.trainOnBatch(x, y);
const step = (performance.now() - t0) / steps;
// Nested ops (fusedConv2d__op around FusedConv2D) would be counted twice: only kernels.
const isOp = (name: string) => name.endsWith('__op');
const total = [...byName.entries()].filter(([n]) => !isOp(n)).reduce((a, [, e]) => a + e.ms, 0) / steps;
console.log(`${id}, batch ${batch}: ${step.toFixed(1)} ms per step (${((batch / step) * 1000).toFixed(0)} images/s); ` +
  `kernels ${total.toFixed(1)} ms per profiled step, ${callsPerStep} kernel calls`);
if (values.calls) {
  for (const c of byCall) {
    const m = Math.min(...c.ms);
    if (m >= minMs) console.log(`${c.label.padEnd(120)} ${m.toFixed(2).padStart(8)} ms`);
  }
} else {
  const rows = [...byName.entries()].filter(([n]) => !isOp(n)).sort((a, b) => b[1].ms - a[1].ms).slice(0, top);
  for (const [name, e] of rows)
    console.log(`${name.padEnd(34)} ${(e.ms / steps).toFixed(2).padStart(9)} ms ${((100 * e.ms) / steps / total).toFixed(1).padStart(5)} %  ${String(e.calls / steps).padStart(4)} calls`);
}
process.exit(0);
