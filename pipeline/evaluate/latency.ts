/** Inference latency per image on the active backend, at batch 1 and batch 256 (smaller on a software adapter). */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { median } from '../shared/stats.ts';

/** Median ms per call of `predict` on a batch, after warm-up; stops early past `budgetMs`. */
async function timeBatch(model: LayersModel, batch: number, runs: number, budgetMs: number): Promise<number> {
  const [, h, w, c] = model.inputs[0]!.shape as number[];
  const x = tf.randomUniform([batch, h!, w!, c!], 0, 1, 'float32', 7);
  const once = async () => {
    const t0 = performance.now();
    // One call of `batch` images (predict would otherwise split it into batches of 32).
    const y = model.predict(x, { batchSize: batch }) as tf.Tensor;
    await y.data();
    y.dispose();
    return performance.now() - t0;
  };
  await once(); // warm-up: kernel compilation and memory allocation
  const times: number[] = [];
  const start = performance.now();
  while (times.length < runs && (times.length < 2 || performance.now() - start < budgetMs)) times.push(await once());
  x.dispose();
  return median(times);
}

/**
 * ms per image at batch 1 and at the large batch (256; `largeBatch` where a software adapter
 * makes that too slow, and then the result says which batch it timed).
 */
export async function measureLatency(model: LayersModel, opts: { batch1Runs?: number; batch256Runs?: number; budgetMs?: number; largeBatch?: number } = {}) {
  const budget = opts.budgetMs ?? 10_000;
  const large = opts.largeBatch ?? 256;
  const batch1 = await timeBatch(model, 1, opts.batch1Runs ?? 30, budget);
  const batch256 = await timeBatch(model, large, opts.batch256Runs ?? 5, budget);
  return { batch1MsPerImage: batch1, batch256MsPerImage: batch256 / large, ...(large !== 256 ? { largeBatch: large } : {}) };
}
