/**
 * Multinomial logistic regression on the raw pixels: one softmax layer over the grey
 * levels (4,096 for 64 × 64 images) (scaled to 0–1), trained with the same loop, optimiser and budget rules as
 * the CNNs. It is the linear baseline: what a CNN adds beyond a linear read-out of pixels.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { inputShape, seededInitializers } from '../models/common.ts';

export function buildLogisticRegression({ seed, numClasses, imageSize }: { seed: number; numClasses: number; imageSize: number }): tfl.Sequential {
  const initializer = seededInitializers(seed);
  return tfl.sequential({
    name: 'logistic_regression',
    layers: [
      tfl.layers.flatten({ inputShape: inputShape({ imageSize }), name: 'flatten' }),
      tfl.layers.dense({ units: numClasses, activation: 'softmax', kernelInitializer: initializer(), name: 'predictions' }),
    ],
  });
}
