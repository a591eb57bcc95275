/**
 * BasicCNN, the study's first step down from ResNet50 (the notebook's own layers are not
 * published, so this is our design): a conventional small VGG-style network.
 *
 * Three blocks of a 3×3 ReLU convolution ('same' padding) and 2×2 max-pooling, with
 * 32, 64 and 128 filters, so each block halves the resolution exactly:
 * 64×64 → 32×32×32 → 16×16×64 → 8×8×128; then flatten (8192), a 128-unit ReLU dense
 * layer, dropout 0.5 and the 6-way softmax. About 1.1 M parameters: a twentieth of
 * ResNet50 at this input size, and still above TinyCNN, so the models shrink in the
 * order the study took them.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { inputShape, layerSeed, seededInitializers, type BuildOptions } from '../common.ts';
import { SeededDropout } from '../seeded-dropout.ts';
import { defineModel } from '../descriptor.ts';

export function buildBasicCnn({ seed, classes, imageSize }: BuildOptions): tfl.Sequential {
  const initializer = seededInitializers(seed);
  const block = (n: number, filters: number, first = false): tfl.layers.Layer[] => [
    tfl.layers.conv2d({
      ...(first ? { inputShape: inputShape({ imageSize }) } : {}),
      filters,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
      kernelInitializer: initializer(),
      name: `conv${n}`,
    }),
    tfl.layers.maxPooling2d({ poolSize: 2, name: `pool${n}` }),
  ];
  return tfl.sequential({
    name: 'basic_cnn',
    layers: [
      ...block(1, 32, true),
      ...block(2, 64),
      ...block(3, 128),
      tfl.layers.flatten({ name: 'flatten' }),
      tfl.layers.dense({ units: 128, activation: 'relu', kernelInitializer: initializer(), name: 'dense' }),
      // A seed stream apart from the initializers' (which count up from layer 0).
      new SeededDropout({ rate: 0.5, seed: layerSeed(seed, 1000), name: 'dropout' }),
      tfl.layers.dense({ units: classes, activation: 'softmax', kernelInitializer: initializer(), name: 'predictions' }),
    ],
  });
}

export default defineModel({
  id: 'basic-cnn',
  name: 'Basic CNN',
  role: 'simplification',
  order: 20,
  description:
    'The first simplification: three 3×3 convolution blocks (32, 64, 128 filters) with max-pooling, a 128-unit dense layer and dropout.',
  build: buildBasicCnn,
  imagesPerSecond: 240,
  budgets: { cpu: { epochs: 2, trainLimit: 8_000, validationLimit: 2_000 } },
  browser: true,
  colour: '#0072B2', // Okabe–Ito blue
});
