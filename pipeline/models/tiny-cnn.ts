/**
 * TinyCNN, the study's first comparison model: two 3×3 ReLU convolutions (32 and 64
 * filters, Keras' default 'valid' padding), each followed by 2×2 max-pooling, then
 * flatten, a 64-unit ReLU dense layer and the 6-way softmax.
 * 64×64 → 62×62×32 → 31×31×32 → 29×29×64 → 14×14×64 → 12544 → 64 → 6.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { INPUT_SHAPE, seededInitializers, type BuildOptions } from './common.ts';

/** The TinyCNN shape with its widths as parameters; ReducedFilterCNN shares it. */
export function buildTwoConvCnn(opts: BuildOptions & { name: string; filters: [number, number]; denseUnits: number }): tfl.Sequential {
  const initializer = seededInitializers(opts.seed);
  return tfl.sequential({
    name: opts.name,
    layers: [
      tfl.layers.conv2d({ inputShape: INPUT_SHAPE, filters: opts.filters[0], kernelSize: 3, activation: 'relu', kernelInitializer: initializer(), name: 'conv1' }),
      tfl.layers.maxPooling2d({ poolSize: 2, name: 'pool1' }),
      tfl.layers.conv2d({ filters: opts.filters[1], kernelSize: 3, activation: 'relu', kernelInitializer: initializer(), name: 'conv2' }),
      tfl.layers.maxPooling2d({ poolSize: 2, name: 'pool2' }),
      tfl.layers.flatten({ name: 'flatten' }),
      tfl.layers.dense({ units: opts.denseUnits, activation: 'relu', kernelInitializer: initializer(), name: 'dense' }),
      tfl.layers.dense({ units: opts.classes, activation: 'softmax', kernelInitializer: initializer(), name: 'predictions' }),
    ],
  });
}

export function buildTinyCnn({ seed, classes }: BuildOptions): tfl.Sequential {
  return buildTwoConvCnn({ seed, classes, name: 'tiny_cnn', filters: [32, 64], denseUnits: 64 });
}
