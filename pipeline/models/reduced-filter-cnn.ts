/**
 * ReducedFilterCNN: TinyCNN with 8 filters in both convolutions and a 32-unit dense
 * layer, the study's test of how few filters suffice.
 * 64×64 → 62×62×8 → 31×31×8 → 29×29×8 → 14×14×8 → 1568 → 32 → classes (6 for Medical MNIST).
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import type { BuildOptions } from './common.ts';
import { buildTwoConvCnn } from './tiny-cnn.ts';

export function buildReducedFilterCnn({ seed, classes }: BuildOptions): tfl.Sequential {
  return buildTwoConvCnn({ seed, classes, name: 'reduced_filter_cnn', filters: [8, 8], denseUnits: 32 });
}
