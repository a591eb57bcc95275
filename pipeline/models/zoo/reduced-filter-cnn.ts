/**
 * ReducedFilterCNN: TinyCNN with 8 filters in both convolutions and a 32-unit dense
 * layer, the study's test of how few filters suffice.
 * 64×64 → 62×62×8 → 31×31×8 → 29×29×8 → 14×14×8 → 1568 → 32 → classes (6 for Medical MNIST).
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import type { BuildOptions } from '../common.ts';
import { buildTwoConvCnn } from './tiny-cnn.ts';
import { defineModel } from '../descriptor.ts';

export function buildReducedFilterCnn(opts: BuildOptions): tfl.Sequential {
  return buildTwoConvCnn({ ...opts, name: 'reduced_filter_cnn', filters: [8, 8], denseUnits: 32 });
}

export default defineModel({
  id: 'reduced-filter-cnn',
  name: 'Reduced-Filter CNN',
  role: 'simplification',
  order: 40,
  description: 'TinyCNN with fewer filters (8 per convolution) and a smaller dense layer (32 units).',
  build: buildReducedFilterCnn,
  imagesPerSecond: 2_450,
  budgets: { cpu: { epochs: 3 } },
  browser: true,
  colour: '#E69F00', // Okabe–Ito orange
});
