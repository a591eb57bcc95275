/**
 * `npm run profile -- <model> [batch]`: where one training step's time goes, per kernel,
 * on the wasm backend (tf.profile around model.trainOnBatch, after warm-up steps).
 * Kernel times are wall time of each kernel call, summed by kernel name, over --steps steps.
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { MODEL_IDS, type ModelId } from '../schema/results.ts';
import { MODELS } from '../pipeline/models/index.ts';
import { initWasmBackend } from '../pipeline/backend/wasm.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { steps: { type: 'string', default: '5' }, threads: { type: 'string' }, top: { type: 'string', default: '20' } },
});
const id = positionals[0] as ModelId | undefined;
if (!id || !MODEL_IDS.includes(id)) {
  console.error(`profile: expected a model (${MODEL_IDS.join(', ')}), got ${id ?? 'nothing'}`);
  process.exit(2);
}
const batch = Number(positionals[1] ?? 64);
const steps = Number(values.steps);
const { notes } = await initWasmBackend(values.threads ? { threads: Number(values.threads) } : {});
console.log(notes.join('\n'));
const model = MODELS[id].build({ seed: 1 });
model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
const x = tf.randomUniform([batch, 64, 64, 1], 0, 1, 'float32', 1);
const y = tf.cast(tf.oneHot(tf.tensor1d(Array.from({ length: batch }, (_, i) => i % 6), "int32"), 6), "float32");
for (let i = 0; i < 3; i++) await model.trainOnBatch(x, y);
const byName = new Map<string, { ms: number; calls: number }>();
let wall = 0;
let calls = 0;
for (let s = 0; s < steps; s++) {
  const t0 = performance.now();
  const info = await tf.profile(async () => { await model.trainOnBatch(x, y); });
  wall += performance.now() - t0;
  for (const k of info.kernels) {
    const e = byName.get(k.name) ?? { ms: 0, calls: 0 };
    e.ms += await k.kernelTimeMs as number;
    e.calls++;
    calls++;
    byName.set(k.name, e);
  }
}
// A step without the profiler's bookkeeping, for the real wall time.
const t1 = performance.now();
for (let s = 0; s < steps; s++) await model.trainOnBatch(x, y);
const plain = (performance.now() - t1) / steps;
const total = [...byName.values()].reduce((a, e) => a + e.ms, 0) / steps;
console.log(`${id}, batch ${batch}: ${plain.toFixed(1)} ms per step (${(batch / plain * 1000).toFixed(0)} images/s); ` +
  `kernels ${total.toFixed(1)} ms, ${calls / steps} kernel calls per step (profiled step ${(wall / steps).toFixed(1)} ms)`);
const rows = [...byName.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, Number(values.top));
for (const [name, e] of rows)
  console.log(`${name.padEnd(28)} ${(e.ms / steps).toFixed(2).padStart(9)} ms ${(100 * e.ms / steps / total).toFixed(1).padStart(5)} %  ${String(e.calls / steps).padStart(4)} calls`);
process.exit(0);
