/**
 * Robustness to realistic corruptions (corruptions.ts): a model's accuracy and balanced
 * error (1 − mean per-class recall) on a fixed seeded subset of test images, clean and under
 * every corruption at severities 1–5. The corrupted images are made here, in memory, and
 * never stored. Run in the model's primary job on the trained model.
 */
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { Robustness } from '../../schema/results.ts';
import { predictSubset } from '../shared/predict.ts';
import type { ImageSet } from '../shared/tensors.ts';
import { CORRUPTIONS, SEVERITIES, corrupt } from './corruptions.ts';

/** 1 − the mean over classes (those present) of recall. */
export function balancedError(labels: ArrayLike<number>, predicted: ArrayLike<number>, classes: number): number {
  const support = new Array<number>(classes).fill(0);
  const hits = new Array<number>(classes).fill(0);
  for (let i = 0; i < labels.length; i++) {
    support[labels[i]!]!++;
    if (predicted[i] === labels[i]) hits[labels[i]!]!++;
  }
  const present = support.map((n, c) => (n ? hits[c]! / n : null)).filter((r): r is number => r !== null);
  return present.length ? 1 - present.reduce((a, b) => a + b, 0) / present.length : 0;
}

function score(labels: Uint8Array, predicted: Uint8Array, classes: number) {
  let correct = 0;
  labels.forEach((y, i) => {
    if (predicted[i] === y) correct++;
  });
  return { accuracy: labels.length ? correct / labels.length : 0, balancedError: balancedError(labels, predicted, classes) };
}

/** `model`'s scores on `images` (indices into `data`), clean and under each corruption and severity; noise seeded with `seed`. */
export async function measureRobustness(model: LayersModel, data: ImageSet, images: Int32Array, seed: number): Promise<Robustness> {
  const started = Date.now();
  const size = data.imageSize;
  const pixels = size * size;
  const n = images.length;
  const labels = Uint8Array.from(images, (i) => data.labels[i]!);
  const clean = await predictSubset(model, data, images);
  const corruptions: Robustness['corruptions'] = [];
  for (const c of CORRUPTIONS) {
    // The five severities of this corruption as one image set: severity-major, images in order.
    const set: ImageSet = { images: new Uint8Array(SEVERITIES.length * n * pixels), labels: new Uint8Array(SEVERITIES.length * n), numClasses: data.numClasses, imageSize: size };
    for (const [s, severity] of SEVERITIES.entries())
      for (let i = 0; i < n; i++) {
        const src = data.images.subarray(images[i]! * pixels, (images[i]! + 1) * pixels);
        set.images.set(await corrupt(src, size, c, severity, seed, images[i]!), (s * n + i) * pixels);
        set.labels[s * n + i] = labels[i]!;
      }
    const p = await predictSubset(model, set, Int32Array.from({ length: SEVERITIES.length * n }, (_, i) => i));
    const per = SEVERITIES.map((_, s) => score(labels, p.predicted.subarray(s * n, (s + 1) * n), data.numClasses));
    corruptions.push({ id: c.id, name: c.name, family: c.family, parameter: c.parameter, levels: [...c.levels], accuracy: per.map((x) => x.accuracy), balancedError: per.map((x) => x.balancedError) });
  }
  return { images: n, seed, clean: score(labels, clean.predicted, data.numClasses), corruptions, seconds: (Date.now() - started) / 1000 };
}
