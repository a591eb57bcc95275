/**
 * Robustness to realistic corruptions (./corruptions.ts), measured as MedMNIST-C measures
 * it (its eval.py): balanced error (1 − balanced accuracy) on the same test images under
 * each corruption at severities 1–5; per corruption the mean over severities (BE), that
 * mean over the reference method's (normalised BE), and the rise over the clean error
 * over the reference's rise (relative BE); per method the mean of both over corruptions.
 * MedMNIST-C normalises by AlexNet; here the reference is a method of the same run (the
 * paper says which and why), so the ratios need no outside numbers.
 */
import seedrandom from 'seedrandom';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { encodePredictions, type Corruptions, type ProfileName, type Robustness } from '../../schema/results.ts';
import { predictSubset } from '../shared/predict.ts';
import type { ImageSet } from '../shared/tensors.ts';
import type { Reporter } from '../shared/progress.ts';
import { CORRUPTIONS, corruptImages, RESCALING, SEVERITIES } from './corruptions.ts';
import { SALIENCY_IMAGES } from './saliency.ts';
import { balancedError } from '../../common/balanced-error.ts';

/**
 * Test images corrupted per profile (null: the whole test split). Each is classified 66
 * times (clean, 13 corruptions × 5 severities): at cpu's 150, ResNet50 adds about 9,900
 * inferences to its primary run (a few minutes on one wasm core), a compact CNN seconds.
 */
export const ROBUSTNESS_IMAGES: Record<ProfileName, number | null> = { smoke: 24, cpu: 150, full: null };
/** On a software WebGPU adapter (SwiftShader), smoke's few dozen images shrink to one per class and a little more. */
export const SOFTWARE_ADAPTER_SMOKE_IMAGES = 8;
/** How many test images a run corrupts (null: all). */
export function robustnessCount(profile: ProfileName, softwareAdapter: boolean): number | null {
  return softwareAdapter && profile === 'smoke' ? SOFTWARE_ADAPTER_SMOKE_IMAGES : ROBUSTNESS_IMAGES[profile];
}

/** The run's corrupted images: the same for every model and baseline (the primary protocol's test split, the run's seed). */
export function robustnessImages(profile: ProfileName, softwareAdapter: boolean, test: Int32Array, labels: Uint8Array, classes: number, seed: number): { images: Int32Array; seed: number; saliency: number } {
  const images = robustnessSubset(test, labels, classes, robustnessCount(profile, softwareAdapter) ?? test.length, seed);
  // Saliency scores the first of them (the subset is class-balanced in every prefix).
  return { images, seed, saliency: Math.min(images.length, SALIENCY_IMAGES[profile]) };
}

/** Bump when what is measured changes: primary runs are redone. */
export const ROBUSTNESS_VERSION = 1;

/** The manifest's record of the corruptions applied. */
export function corruptionsRecord(): Corruptions {
  return {
    source: 'MedMNIST-C (Di Salvo, Doerrich and Ledig 2024)',
    parameters: 'OrganAMNIST (axial CT)',
    rescaling: RESCALING,
    list: CORRUPTIONS.map((c) => ({ id: c.id, name: c.name, family: c.family, params: [...c.params] })),
  };
}

/** What schema/results.ts Robustness holds: balanced errors, and the predictions behind them (for resampled intervals). */
export type RobustnessRecord = Robustness;

/** `count` test images, the same number from each class as far as the classes allow, in a seeded order. */
export function robustnessSubset(test: ArrayLike<number>, labels: ArrayLike<number>, classes: number, count: number, seed: number): Int32Array {
  const rng = seedrandom(`robustness:${seed}`);
  const byClass: number[][] = Array.from({ length: classes }, () => []);
  // (A label beyond `classes` gets its own group rather than being lost.)
  for (let i = 0; i < test.length; i++) (byClass[labels[test[i]!]!] ??= []).push(test[i]!);
  for (const list of byClass)
    for (let i = list.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [list[i], list[j]] = [list[j]!, list[i]!];
    }
  // Round-robin over the classes: every prefix is as balanced as the data allows.
  const out: number[] = [];
  for (let round = 0; out.length < Math.min(count, test.length); round++)
    for (const list of byClass) if (round < list.length && out.length < count) out.push(list[round]!);
  return Int32Array.from(out);
}

/**
 * Every corruption at every severity on `pixels` (count images of size × size), each
 * batch classified by `predict` (the predicted class per image).
 */
export async function measureRobustness(opts: {
  pixels: Uint8Array;
  labels: Uint8Array;
  size: number;
  classes: number;
  seed: number;
  predict: (pixels: Uint8Array, count: number) => Promise<ArrayLike<number>>;
  onProgress?: (done: number, total: number) => void;
}): Promise<RobustnessRecord> {
  const count = opts.labels.length;
  const total = CORRUPTIONS.length * SEVERITIES.length;
  const encode = (p: ArrayLike<number>) => encodePredictions(opts.classes, p);
  const cleanPredicted = await opts.predict(opts.pixels, count);
  const corruptions: RobustnessRecord['corruptions'] = [];
  let done = 0;
  for (const c of CORRUPTIONS) {
    const balanced: number[] = [];
    const predictions: RobustnessRecord['corruptions'][number]['predictions'] = [];
    for (const s of SEVERITIES) {
      const corrupted = await corruptImages(opts.pixels, count, opts.size, c.id, s, opts.seed);
      const predicted = await opts.predict(corrupted, count);
      balanced.push(balancedError(opts.labels, predicted, opts.classes));
      predictions.push(encode(predicted));
      opts.onProgress?.(++done, total);
    }
    corruptions.push({ id: c.id, balancedError: balanced, predictions });
  }
  return {
    images: count,
    seed: opts.seed,
    labels: encode(opts.labels),
    clean: balancedError(opts.labels, cleanPredicted, opts.classes),
    cleanPredictions: encode(cleanPredicted),
    corruptions,
  };
}

/** A trained model's robustness on `images` (indices into `data`), classified in batches by the backend in use. */
export async function modelRobustness(model: LayersModel, data: ImageSet, images: Int32Array, seed: number, label: string, reporter: Reporter): Promise<RobustnessRecord> {
  const n = data.imageSize * data.imageSize;
  const pixels = new Uint8Array(images.length * n);
  images.forEach((idx, k) => pixels.set(data.images.subarray(idx * n, (idx + 1) * n), k * n));
  const labels = Uint8Array.from(images, (i) => data.labels[i]!);
  const order = Int32Array.from(labels, (_, i) => i);
  const task = reporter.task(`${label} under corruptions`, CORRUPTIONS.length * SEVERITIES.length, 'settings');
  const record = await measureRobustness({
    pixels,
    labels,
    size: data.imageSize,
    classes: data.numClasses,
    seed,
    predict: async (p) => (await predictSubset(model, { images: p, labels, numClasses: data.numClasses, imageSize: data.imageSize }, order)).predicted,
    onProgress: (done) => task.update(done),
  });
  const worst = record.corruptions.reduce((a, b) => (Math.max(...b.balancedError) > Math.max(...a.balancedError) ? b : a));
  task.finish(`${label} under corruptions: balanced error ${(record.clean * 100).toFixed(1)} % clean, worst ${worst.id} ${(Math.max(...worst.balancedError) * 100).toFixed(1)} % (${images.length} test images)`);
  return record;
}
