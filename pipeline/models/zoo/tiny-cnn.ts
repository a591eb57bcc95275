/**
 * TinyCNN, the study's first comparison model: two 3×3 ReLU convolutions (32 and 64
 * filters, Keras' default 'valid' padding), each followed by 2×2 max-pooling, then
 * flatten, a 64-unit ReLU dense layer and the 6-way softmax.
 * 64×64 → 62×62×32 → 31×31×32 → 29×29×64 → 14×14×64 → 12544 → 64 → 6.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { inputShape, seededInitializers, type BuildOptions } from '../common.ts';
import { defineModel } from '../descriptor.ts';

/** The TinyCNN shape with its widths as parameters; ReducedFilterCNN shares it. */
export function buildTwoConvCnn(opts: BuildOptions & { name: string; filters: [number, number]; denseUnits: number }): tfl.Sequential {
  const initializer = seededInitializers(opts.seed);
  return tfl.sequential({
    name: opts.name,
    layers: [
      tfl.layers.conv2d({ inputShape: inputShape(opts), filters: opts.filters[0], kernelSize: 3, activation: 'relu', kernelInitializer: initializer(), name: 'conv1' }),
      tfl.layers.maxPooling2d({ poolSize: 2, name: 'pool1' }),
      tfl.layers.conv2d({ filters: opts.filters[1], kernelSize: 3, activation: 'relu', kernelInitializer: initializer(), name: 'conv2' }),
      tfl.layers.maxPooling2d({ poolSize: 2, name: 'pool2' }),
      tfl.layers.flatten({ name: 'flatten' }),
      tfl.layers.dense({ units: opts.denseUnits, activation: 'relu', kernelInitializer: initializer(), name: 'dense' }),
      tfl.layers.dense({ units: opts.classes, activation: 'softmax', kernelInitializer: initializer(), name: 'predictions' }),
    ],
  });
}

export function buildTinyCnn(opts: BuildOptions): tfl.Sequential {
  return buildTwoConvCnn({ ...opts, name: 'tiny_cnn', filters: [32, 64], denseUnits: 64 });
}

export default defineModel({
  id: 'tiny-cnn',
  name: 'TinyCNN',
  role: 'simplification',
  order: 30,
  description: 'Two convolutional layers (32 and 64 filters) with max-pooling, followed by a 64-unit dense layer.',
  build: buildTinyCnn,
  // Measured on the 2-core build machine (pipeline/profiles.ts has the sizing).
  imagesPerSecond: 300,
  budgets: { cpu: { epochs: 2, trainLimit: 12_000, validationLimit: 2_000 } },
  browser: true,
  colour: '#009E73', // Okabe–Ito bluish green
});
