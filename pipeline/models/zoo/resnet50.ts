/**
 * ResNet50 (He et al. 2016), the study's baseline, built exactly as Keras'
 * `keras.applications.ResNet50` builds it, layer names included, so that a tfjs-layers
 * export of the Keras ImageNet weights can be matched layer by layer
 * (see ./imagenet-weights.ts).
 *
 * First a fixed, untrainable 1×1 convolution, `imagenet_preprocess`, turns the grayscale
 * input (scaled to [0, 1] by pipeline/shared/tensors.ts) into the input the ImageNet
 * weights expect: Keras' "caffe" preprocessing of the RGB image (g, g, g), i.e. BGR order,
 * values 0-255, the ImageNet channel means subtracted, no scaling. Doing it inside the
 * model, before conv1's zero padding, is what makes the 1-channel model equal the
 * 3-channel ImageNet model on the gray image replicated to RGB, borders included: the
 * padding then pads zeros in the mean-subtracted space, as in Keras. (Folding the means
 * into conv1's bias would be wrong at the borders, where the padded zeros would stand for
 * the mean rather than for black.) Random and ImageNet initialisation share the
 * architecture, so they differ only in where training starts.
 *
 * conv1: 3-pixel zero padding, 7×7/2 conv, batch norm, ReLU; pool1: 1-pixel padding,
 * 3×3/2 max-pool; then four stages of bottleneck blocks (3, 4, 6, 3 blocks with
 * 64, 128, 256, 512 bottleneck filters, 4× that out). Each block is 1×1 → 3×3 → 1×1
 * convolutions with batch norm, added to a shortcut and passed through ReLU; the first
 * block of a stage has a projection shortcut (1×1 conv + batch norm), and in stages
 * 3-5 it downsamples with stride 2 on its first 1×1 conv (Keras' "v1" placement, not
 * the "v1.5" 3×3 placement). Global average pooling and a 6-way softmax finish it.
 *
 * On 64×64 input the stages run at 16×16, 8×8, 4×4 and 2×2.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { inputShape, seededInitializers, type BuildOptions } from '../common.ts';
import { defineModel } from '../descriptor.ts';

export { loadImagenetWeights } from '../imagenet-weights.ts';

type Symbolic = tfl.SymbolicTensor;

export type ResNet50Options = BuildOptions;

/**
 * Keras' "caffe" preprocessing (keras_applications imagenet_utils.preprocess_input, the
 * one keras.applications.resnet50.preprocess_input uses): RGB → BGR, then these channel
 * means, in BGR order, subtracted from values in 0-255.
 */
export const IMAGENET_BGR_MEANS: readonly [number, number, number] = [103.939, 116.779, 123.68];
/** The dataset's pixels arrive scaled to [0, 1] (pipeline/shared/tensors.ts); caffe mode wants 0-255. */
const PIXEL_SCALE = 255;
export const PREPROCESS_LAYER = 'imagenet_preprocess';

/** Keras' stack_fn for ResNet50: [stage name, bottleneck filters, blocks, first stride]. */
export const RESNET50_STAGES: ReadonlyArray<readonly [string, number, number, number]> = [
  ['conv2', 64, 3, 1],
  ['conv3', 128, 4, 2],
  ['conv4', 256, 6, 2],
  ['conv5', 512, 3, 2],
];

/** Keras uses this epsilon in every ResNet batch norm. */
const BN_EPSILON = 1.001e-5;
/**
 * Momentum of the batch norms' moving mean and variance: 0.9 (PyTorch's default) rather
 * than Keras' 0.99. Reduced budgets give ResNet50 a few hundred steps; with 0.99 the
 * moving statistics still carry a third of their initial values after 100 steps, and
 * inference-mode accuracy collapses to chance while training accuracy looks fine.
 */
const BN_MOMENTUM = 0.9;

export function buildResNet50({ seed, classes, imageSize }: ResNet50Options): tfl.LayersModel {
  const initializer = seededInitializers(seed);
  const conv = (x: Symbolic, filters: number, kernelSize: number, name: string, strides = 1, padding: 'valid' | 'same' = 'valid'): Symbolic =>
    tfl.layers.conv2d({ filters, kernelSize, strides, padding, kernelInitializer: initializer(), name }).apply(x) as Symbolic;
  const batchNorm = (x: Symbolic, name: string): Symbolic =>
    tfl.layers.batchNormalization({ axis: 3, epsilon: BN_EPSILON, momentum: BN_MOMENTUM, name }).apply(x) as Symbolic;
  const relu = (x: Symbolic, name: string): Symbolic => tfl.layers.activation({ activation: 'relu', name }).apply(x) as Symbolic;

  /** Keras' block1: a bottleneck block, with a projection shortcut when `project`. */
  const block = (x: Symbolic, filters: number, strides: number, project: boolean, name: string): Symbolic => {
    const shortcut = project ? batchNorm(conv(x, 4 * filters, 1, `${name}_0_conv`, strides), `${name}_0_bn`) : x;
    let y = relu(batchNorm(conv(x, filters, 1, `${name}_1_conv`, strides), `${name}_1_bn`), `${name}_1_relu`);
    y = relu(batchNorm(conv(y, filters, 3, `${name}_2_conv`, 1, 'same'), `${name}_2_bn`), `${name}_2_relu`);
    y = batchNorm(conv(y, 4 * filters, 1, `${name}_3_conv`), `${name}_3_bn`);
    const sum = tfl.layers.add({ name: `${name}_add` }).apply([shortcut, y]) as Symbolic;
    return relu(sum, `${name}_out`);
  };

  const input = tfl.input({ shape: inputShape({ imageSize }), name: 'input' });
  // gray g in [0, 1] → (255 g − 103.939, 255 g − 116.779, 255 g − 123.68): BGR, caffe mode.
  let x = tfl.layers
    .conv2d({
      filters: 3,
      kernelSize: 1,
      name: PREPROCESS_LAYER,
      trainable: false,
      kernelInitializer: tfl.initializers.constant({ value: PIXEL_SCALE }),
      biasInitializer: tfl.initializers.zeros(),
    })
    .apply(input) as Symbolic;
  x = tfl.layers.zeroPadding2d({ padding: 3, name: 'conv1_pad' }).apply(x) as Symbolic;
  x = relu(batchNorm(conv(x, 64, 7, 'conv1_conv', 2), 'conv1_bn'), 'conv1_relu');
  x = tfl.layers.zeroPadding2d({ padding: 1, name: 'pool1_pad' }).apply(x) as Symbolic;
  x = tfl.layers.maxPooling2d({ poolSize: 3, strides: 2, name: 'pool1_pool' }).apply(x) as Symbolic;
  for (const [stage, filters, blocks, strides] of RESNET50_STAGES) {
    x = block(x, filters, strides, true, `${stage}_block1`);
    for (let b = 2; b <= blocks; b++) x = block(x, filters, 1, false, `${stage}_block${b}`);
  }
  x = tfl.layers.globalAveragePooling2d({ name: 'avg_pool' }).apply(x) as Symbolic;
  const output = tfl.layers
    .dense({ units: classes, activation: 'softmax', kernelInitializer: initializer(), name: 'predictions' })
    .apply(x) as Symbolic;
  const model = tfl.model({ inputs: input, outputs: output, name: 'resnet50' });
  // tfjs-layers' constant initializer takes one value: the per-channel bias is set here.
  const preprocess = model.getLayer(PREPROCESS_LAYER);
  const bias = tf.tensor1d(IMAGENET_BGR_MEANS.map((mean) => -mean));
  preprocess.setWeights([preprocess.getWeights()[0]!, bias]);
  bias.dispose();
  return model;
}

/** Every Conv2D but the fixed preprocessing, both poolings and each block's output, in forward order. */
export function resnet50ActivationLayers(model: tfl.LayersModel): string[] {
  const recorded = new Set(['Conv2D', 'MaxPooling2D', 'GlobalAveragePooling2D']);
  return model.layers
    .filter((layer) => layer.name !== PREPROCESS_LAYER)
    .filter((layer) => recorded.has(layer.getClassName()) || /_block\d+_out$/.test(layer.name))
    .map((layer) => layer.name);
}

/** The stem (conv1's ReLU and pool1), every residual block's output and the global average pool: the network's stages, for the representation analyses. */
export function resnet50RepresentationLayers(model: tfl.LayersModel): string[] {
  return model.layers.filter((layer) => ['conv1_relu', 'pool1_pool', 'avg_pool'].includes(layer.name) || /_block\d+_out$/.test(layer.name)).map((layer) => layer.name);
}

export default defineModel({
  id: 'resnet50',
  name: 'ResNet50',
  role: 'reference',
  order: 10,
  description: ({ classes, imageSize }) =>
    `The baseline: the standard 50-layer residual network (bottleneck blocks in four stages of 3, 4, 6 and 3), on ${imageSize}×${imageSize} grayscale input with a ${classes}-way softmax.`,
  build: buildResNet50,
  activationLayers: resnet50ActivationLayers,
  representationLayers: resnet50RepresentationLayers,
  // At batch 32 on one wasm lane (test inference ~40 images/s).
  imagesPerSecond: 14.5,
  budgets: {
    smoke: { batchSize: 8, learningRate: 1e-3, trainLimit: 16, validationLimit: 16, testLimit: 24 },
    cpu: { epochs: 2, trainLimit: 2_000, validationLimit: 300, batchSize: 32, timeLimitSeconds: 900 },
  },
  // Four ResNet50 runs fill both lanes of the cpu profile twice (see pipeline/profiles.ts).
  seeds: { cpu: 2 },
  browser: false,
  colour: '#D55E00', // Okabe–Ito vermillion: the heavy reference stands apart
  imagenetWeights: true,
});
