/** Turning the decoded uint8 dataset into float tensors, one batch at a time. */
import * as tf from '@tensorflow/tfjs-core';

/**
 * What imageBatch does to an image, in words, for the paper's methods (kept beside the
 * code that does it). A model may normalise further inside itself (ResNet50's fixed
 * ImageNet preprocessing layer does): that is part of its layers, not of this step.
 */
export function preprocessingText(imageSize: number): string {
  return `each image as one ${imageSize} × ${imageSize} grayscale channel, pixel values divided by 255 to [0, 1]; no other normalisation before the network's first layer`;
}

export interface ImageSet {
  /** N × imageSize × imageSize, uint8. */
  images: Uint8Array;
  labels: Uint8Array; // N
  numClasses: number;
  imageSize: number;
}

/** Images `indices[from..to)` as a [b, size, size, 1] float tensor scaled to [0, 1]. */
export function imageBatch(data: ImageSet, indices: ArrayLike<number>, from = 0, to = indices.length): tf.Tensor4D {
  const n = to - from;
  const PIXELS = data.imageSize * data.imageSize;
  const buf = new Float32Array(n * PIXELS);
  for (let i = 0; i < n; i++) {
    const src = indices[from + i]! * PIXELS;
    for (let p = 0; p < PIXELS; p++) buf[i * PIXELS + p] = data.images[src + p]! / 255;
  }
  return tf.tensor4d(buf, [n, data.imageSize, data.imageSize, 1]);
}

/** One-hot labels for `indices[from..to)`. */
export function labelBatch(data: ImageSet, indices: ArrayLike<number>, from = 0, to = indices.length): tf.Tensor2D {
  const n = to - from;
  const buf = new Float32Array(n * data.numClasses);
  for (let i = 0; i < n; i++) buf[i * data.numClasses + data.labels[indices[from + i]!]!] = 1;
  return tf.tensor2d(buf, [n, data.numClasses]);
}
