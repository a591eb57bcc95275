/** Turning the decoded uint8 dataset into float tensors, one batch at a time. */
import * as tf from '@tensorflow/tfjs-core';
import { IMAGE_SIZE } from '../../schema/results.ts';

const PIXELS = IMAGE_SIZE * IMAGE_SIZE;

/** What imageBatch does to an image, in words, for the paper's methods (kept beside the code that does it). */
export const PREPROCESSING = 'each image as one 64 × 64 grayscale channel, pixel values divided by 255 to [0, 1]; no mean or standard-deviation normalisation';

export interface ImageSet {
  images: Uint8Array; // N × 64 × 64
  labels: Uint8Array; // N
  numClasses: number;
}

/** Images `indices[from..to)` as a [b, 64, 64, 1] float tensor scaled to [0, 1]. */
export function imageBatch(data: ImageSet, indices: ArrayLike<number>, from = 0, to = indices.length): tf.Tensor4D {
  const n = to - from;
  const buf = new Float32Array(n * PIXELS);
  for (let i = 0; i < n; i++) {
    const src = indices[from + i]! * PIXELS;
    for (let p = 0; p < PIXELS; p++) buf[i * PIXELS + p] = data.images[src + p]! / 255;
  }
  return tf.tensor4d(buf, [n, IMAGE_SIZE, IMAGE_SIZE, 1]);
}

/** One-hot labels for `indices[from..to)`. */
export function labelBatch(data: ImageSet, indices: ArrayLike<number>, from = 0, to = indices.length): tf.Tensor2D {
  const n = to - from;
  const buf = new Float32Array(n * data.numClasses);
  for (let i = 0; i < n; i++) buf[i * data.numClasses + data.labels[indices[from + i]!]!] = 1;
  return tf.tensor2d(buf, [n, data.numClasses]);
}
