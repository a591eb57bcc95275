/**
 * Faithful saliency: Grad-CAM (Selvaraju et al. 2017) from the logits, in inference mode,
 * on the last layer with a spatial output, and how well its maps point at what the model
 * uses, by deletion and insertion (Petsiuk, Das and Saenko 2018): pixels removed from the
 * image (set to black), or revealed on a blurred copy, in order of saliency, the predicted
 * class's probability read after each step; the area under that curve (deletion: lower is
 * more faithful; insertion: higher). The same curves in a seeded random pixel order are
 * the control: a map is faithful only as far as it beats random.
 *
 * Hand-written: tfjs has no Grad-CAM or deletion metric, and both are a few tensor ops
 * on the trained model.
 */
import * as tf from '@tensorflow/tfjs-core';
import { model as functionalModel, type LayersModel, type SymbolicTensor } from '@tensorflow/tfjs-layers';
import seedrandom from 'seedrandom';
import { gaussianBlurFloat } from './corruptions.ts';
import type { ProfileName, Saliency } from '../../schema/results.ts';

/** Bump when what is measured changes: primary runs are redone. */
export const SALIENCY_VERSION = 1;
/** Deletion and insertion steps per image: each step removes or reveals 1/STEPS of the pixels. */
export const STEPS = 16;
/** Test images scored per profile (the same class-balanced subset as robustness, its first N). */
export const SALIENCY_IMAGES: Record<ProfileName, number> = { smoke: 6, cpu: 48, full: 500 };
/** The insertion canvas: the image blurred with this sigma (pixels at 224 px, scaled with the image, as for the corruptions). */
const CANVAS_SIGMA_AT_224 = 10;

export interface GradCamSetup {
  /** The last layer with a spatial output: the maps' resolution is its own. */
  layer: string;
  /** Inputs → that layer's output. */
  features: LayersModel;
  /** That output → logits (the final softmax layer's pre-activation). */
  logits: (a: tf.Tensor4D) => tf.Tensor2D;
}

/**
 * Grad-CAM's two halves for `model`: a model ending in a Dense softmax after a spatial
 * layer through layers that take one input each (flatten, pooling, dropout, dense).
 * Null, with why, for any other shape of head.
 */
export function gradCamSetup(model: LayersModel): GradCamSetup | { reason: string } {
  const layers = model.layers;
  const last = layers.at(-1)!;
  const config = last.getConfig() as { activation?: string };
  if (last.getClassName() !== 'Dense' || config.activation !== 'softmax') return { reason: 'its last layer is not a Dense softmax' };
  let at = -1;
  for (let i = layers.length - 2; i >= 0; i--) {
    const shape = layers[i]!.outputShape as (number | null)[];
    if (Array.isArray(shape) && shape.length === 4) {
      at = i;
      break;
    }
  }
  if (at < 0) return { reason: 'it has no layer with a spatial output' };
  const head = layers.slice(at + 1, -1);
  for (const l of head) {
    const inbound = (l as unknown as { inboundNodes: { inboundLayers: unknown[] }[] }).inboundNodes;
    if (inbound.length !== 1 || inbound[0]!.inboundLayers.length !== 1) return { reason: `layer ${l.name} after the last spatial layer does not take exactly one input` };
  }
  const spatial = layers[at]!;
  const features = functionalModel({ inputs: model.inputs, outputs: spatial.output as SymbolicTensor });
  const [kernel, bias] = last.getWeights() as [tf.Tensor2D, tf.Tensor1D?];
  const logits = (a: tf.Tensor4D): tf.Tensor2D => {
    let h: tf.Tensor = a;
    for (const l of head) h = l.apply(h, { training: false }) as tf.Tensor;
    const z = tf.matMul(h as tf.Tensor2D, kernel);
    return (bias ? tf.add(z, bias) : z) as tf.Tensor2D;
  };
  return { layer: spatial.name, features, logits };
}

/**
 * Grad-CAM maps of `x` for the class each image is predicted as: per image the ReLU of
 * the feature channels weighted by the mean gradient of that class's logit, at the
 * layer's resolution (h × w), scaled to a maximum of 1 (all zero when nothing is positive).
 */
export async function gradCam(setup: GradCamSetup, x: tf.Tensor4D): Promise<{ maps: Float32Array; height: number; width: number; predicted: Int32Array }> {
  const a = setup.features.predict(x) as tf.Tensor4D;
  const [, h, w] = a.shape;
  const logits = setup.logits(a);
  const best = tf.argMax(logits, 1);
  const predicted = (await best.data()) as Int32Array;
  const chosen = tf.oneHot(best as tf.Tensor1D, logits.shape[1]);
  const grads = tf.grad((feat: tf.Tensor) => tf.sum(tf.mul(setup.logits(feat as tf.Tensor4D), chosen)))(a);
  const weights = tf.mean(grads, [1, 2], true);
  const cam = tf.relu(tf.sum(tf.mul(weights, a), 3));
  const peak = tf.max(cam, [1, 2], true);
  const scaled = tf.div(cam, tf.maximum(peak, 1e-12));
  const maps = (await scaled.data()) as Float32Array;
  tf.dispose([a, logits, best, chosen, grads, weights, cam, peak, scaled]);
  return { maps: Float32Array.from(maps), height: h, width: w, predicted: Int32Array.from(predicted) };
}

/** A map of h × w upsampled bilinearly to size × size (align-corners false, as tf.image.resizeBilinear). */
export function upsample(map: Float32Array, h: number, w: number, size: number): Float32Array {
  const out = new Float32Array(size * size);
  for (let y = 0; y < size; y++) {
    const sy = Math.min(h - 1, Math.max(0, ((y + 0.5) * h) / size - 0.5));
    const y0 = Math.floor(sy);
    const y1 = Math.min(h - 1, y0 + 1);
    const fy = sy - y0;
    for (let x = 0; x < size; x++) {
      const sx = Math.min(w - 1, Math.max(0, ((x + 0.5) * w) / size - 0.5));
      const x0 = Math.floor(sx);
      const x1 = Math.min(w - 1, x0 + 1);
      const fx = sx - x0;
      const top = map[y0 * w + x0]! * (1 - fx) + map[y0 * w + x1]! * fx;
      const bottom = map[y1 * w + x0]! * (1 - fx) + map[y1 * w + x1]! * fx;
      out[y * size + x] = top * (1 - fy) + bottom * fy;
    }
  }
  return out;
}

/** Pixel indices from most to least salient (ties by a seeded shuffle, so flat maps are not read top-left first). */
export function saliencyOrder(map: Float32Array, rng: () => number): Int32Array {
  const jitter = Float64Array.from(map, () => rng());
  return Int32Array.from(map.keys()).sort((p, q) => map[q]! - map[p]! || jitter[q]! - jitter[p]!);
}

/** A seeded random pixel order: the control. */
export function randomOrder(pixels: number, rng: () => number): Int32Array {
  const order = Int32Array.from({ length: pixels }, (_, i) => i);
  for (let i = pixels - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/** Area under a curve of STEPS + 1 equally spaced points on [0, 1] (trapezoids). */
export function curveArea(ys: ArrayLike<number>): number {
  let s = 0;
  for (let i = 1; i < ys.length; i++) s += (ys[i - 1]! + ys[i]!) / 2;
  return s / (ys.length - 1);
}

/**
 * Deletion and insertion areas for one image (values in [0, 1], size × size) and one
 * pixel order, for class `c`: STEPS + 1 images per curve, classified in one batch.
 */
export async function deletionInsertion(model: LayersModel, img: Float32Array, size: number, order: Int32Array, c: number): Promise<{ deletion: number; insertion: number }> {
  const n = size * size;
  const canvas = gaussianBlurFloat(img, size, Math.max(0.5, (CANVAS_SIGMA_AT_224 * size) / 224));
  const batch = new Float32Array(2 * (STEPS + 1) * n);
  for (let step = 0; step <= STEPS; step++) {
    const del = batch.subarray(step * n, (step + 1) * n);
    const ins = batch.subarray((STEPS + 1 + step) * n, (STEPS + 2 + step) * n);
    del.set(img);
    ins.set(canvas);
    const upto = Math.round((step * n) / STEPS);
    for (let i = 0; i < upto; i++) {
      const p = order[i]!;
      del[p] = 0;
      ins[p] = img[p]!;
    }
  }
  const x = tf.tensor4d(batch, [2 * (STEPS + 1), size, size, 1]);
  const y = model.predict(x, { batchSize: 2 * (STEPS + 1) }) as tf.Tensor2D;
  const probs = (await y.data()) as Float32Array;
  const classes = y.shape[1];
  tf.dispose([x, y]);
  const curve = (from: number) => Array.from({ length: STEPS + 1 }, (_, s) => probs[(from + s) * classes + c]!);
  return { deletion: curveArea(curve(0)), insertion: curveArea(curve(STEPS + 1)) };
}

export interface SaliencyScores {
  layer: string;
  /** Grad-CAM's resolution (the layer's). */
  height: number;
  width: number;
  /** Per image: deletion and insertion areas with the Grad-CAM order and with the random control's. */
  deletion: number[];
  insertion: number[];
  randomDeletion: number[];
  randomInsertion: number[];
  /** Grad-CAM maps of the first `sampleMaps` images at the layer's resolution, scaled 0–255. */
  sampleMaps: number[][];
}

/**
 * Grad-CAM and its deletion/insertion scores on `pixels` (count images, uint8), the
 * first `samples` of which also keep their maps for the figure. Null, with why, when the
 * model's head has another shape (gradCamSetup).
 */
export async function saliencyScores(model: LayersModel, pixels: Uint8Array, count: number, size: number, seed: number, sampleImages: Uint8Array | null): Promise<SaliencyScores | { reason: string }> {
  const setup = gradCamSetup(model);
  if ('reason' in setup) return setup;
  const n = size * size;
  const rng = seedrandom(`saliency:${seed}`);
  const out: SaliencyScores = { layer: setup.layer, height: 0, width: 0, deletion: [], insertion: [], randomDeletion: [], randomInsertion: [], sampleMaps: [] };
  const toUnit = (bytes: Uint8Array) => Float32Array.from(bytes, (v) => v / 255);
  if (sampleImages) {
    const k = sampleImages.length / n;
    const x = tf.tensor4d(toUnit(sampleImages), [k, size, size, 1]);
    const cam = await gradCam(setup, x);
    x.dispose();
    const m = cam.height * cam.width;
    for (let i = 0; i < k; i++) out.sampleMaps.push(Array.from(cam.maps.subarray(i * m, (i + 1) * m), (v) => Math.round(v * 255)));
  }
  const BATCH = 32;
  for (let from = 0; from < count; from += BATCH) {
    const to = Math.min(count, from + BATCH);
    const images = toUnit(pixels.subarray(from * n, to * n));
    const x = tf.tensor4d(images, [to - from, size, size, 1]);
    const cam = await gradCam(setup, x);
    x.dispose();
    out.height = cam.height;
    out.width = cam.width;
    const m = cam.height * cam.width;
    for (let i = 0; i < to - from; i++) {
      const img = images.subarray(i * n, (i + 1) * n);
      const map = upsample(cam.maps.subarray(i * m, (i + 1) * m), cam.height, cam.width, size);
      const c = cam.predicted[i]!;
      const guided = await deletionInsertion(model, img, size, saliencyOrder(map, rng), c);
      const random = await deletionInsertion(model, img, size, randomOrder(n, rng), c);
      out.deletion.push(guided.deletion);
      out.insertion.push(guided.insertion);
      out.randomDeletion.push(random.deletion);
      out.randomInsertion.push(random.insertion);
    }
  }
  return out;
}

/** A trained model's saliency record for the bundle: scores on `images` (indices into `data`) and the maps of `samples`. */
export async function modelSaliency(model: LayersModel, data: { images: Uint8Array; imageSize: number }, images: Int32Array, samples: Int32Array, seed: number): Promise<Saliency> {
  const n = data.imageSize * data.imageSize;
  const gather = (idx: Int32Array) => {
    const out = new Uint8Array(idx.length * n);
    idx.forEach((i, k) => out.set(data.images.subarray(i * n, (i + 1) * n), k * n));
    return out;
  };
  const scores = await saliencyScores(model, gather(images), images.length, data.imageSize, seed, gather(samples));
  if ('reason' in scores) return { unavailable: scores.reason };
  return { ...scores, steps: STEPS };
}
