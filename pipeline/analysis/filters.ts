/**
 * First-layer filters: the kernel of each network's first trainable convolution wider than
 * 1 × 1 (ResNet50's fixed 1 × 1 preprocessing layer is not a filter), read at its initial
 * weights (random, or ImageNet's for a network started from them) and after training, for
 * the paper's figure and its question: are they edge detectors? (src/lib/filters.ts measures it.)
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import type * as tf from '@tensorflow/tfjs-core';
import type { FirstFilters } from '../../schema/results.ts';

/** The first trainable Conv2D with a kernel wider than 1 × 1; null when the network has none. */
export function firstConvLayer(model: tfl.LayersModel): tfl.layers.Layer | null {
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'Conv2D' || !layer.trainable || layer.trainableWeights.length === 0) continue;
    const size = (layer.getConfig() as { kernelSize?: number | number[] }).kernelSize;
    const [h, w] = Array.isArray(size) ? size : [size ?? 1, size ?? 1];
    if (h! > 1 || w! > 1) return layer;
  }
  return null;
}

/** The layer's kernel (h × w × in × out, row-major), rounded to 5 significant digits, read asynchronously. */
export async function readKernel(layer: tfl.layers.Layer): Promise<{ shape: [number, number, number, number]; values: number[] }> {
  const kernel = layer.getWeights()[0] as tf.Tensor4D;
  const values = (await kernel.data()) as Float32Array;
  return { shape: kernel.shape as [number, number, number, number], values: Array.from(values, (v) => Number(v.toPrecision(5))) };
}

/** The record for the bundle: the layer, and its kernel at initial weights and after training. */
export function firstFiltersRecord(layer: string, initial: { shape: [number, number, number, number]; values: number[] }, trained: { values: number[] }, source: FirstFilters['initialWeights']): FirstFilters {
  return { layer, shape: initial.shape, initialWeights: source, initial: initial.values, trained: trained.values };
}
