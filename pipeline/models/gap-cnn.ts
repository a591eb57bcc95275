/**
 * GapCNN: TinyCNN with global average pooling in place of flattening.
 * 64×64 → 62×62×32 → 31×31×32 → 29×29×64 → 14×14×64 → GAP 64 → 64 → 6.
 *
 * The 64-unit dense layer is kept so that the flatten → GAP swap is the only difference
 * from TinyCNN: the comparison then measures what pooling away the spatial layout costs
 * or gains, not that combined with losing a hidden layer. (GAP straight into the softmax
 * would save a further 4,160 parameters.)
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { INPUT_SHAPE, NUM_CLASSES, seededInitializers } from './common.ts';

export function buildGapCnn({ seed }: { seed: number }): tfl.Sequential {
  const initializer = seededInitializers(seed);
  return tfl.sequential({
    name: 'gap_cnn',
    layers: [
      tfl.layers.conv2d({ inputShape: INPUT_SHAPE, filters: 32, kernelSize: 3, activation: 'relu', kernelInitializer: initializer(), name: 'conv1' }),
      tfl.layers.maxPooling2d({ poolSize: 2, name: 'pool1' }),
      tfl.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu', kernelInitializer: initializer(), name: 'conv2' }),
      tfl.layers.maxPooling2d({ poolSize: 2, name: 'pool2' }),
      tfl.layers.globalAveragePooling2d({ name: 'gap' }),
      tfl.layers.dense({ units: 64, activation: 'relu', kernelInitializer: initializer(), name: 'dense' }),
      tfl.layers.dense({ units: NUM_CLASSES, activation: 'softmax', kernelInitializer: initializer(), name: 'predictions' }),
    ],
  });
}
