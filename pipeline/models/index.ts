/**
 * The five models of the study, in the paper's order, behind one interface: the trainer
 * builds them, the activation recorder asks which layers to record, and the inputs hash
 * takes each one's definition.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import type { ModelId } from '../../schema/results.ts';
import { buildBasicCnn } from './basic-cnn.ts';
import { buildGapCnn } from './gap-cnn.ts';
import { buildReducedFilterCnn } from './reduced-filter-cnn.ts';
import { buildResNet50, resnet50ActivationLayers } from './resnet50.ts';
import { buildTinyCnn } from './tiny-cnn.ts';

export { INPUT_SHAPE, type BuildOptions } from './common.ts';
import type { BuildOptions } from './common.ts';

export interface ModelSpec {
  id: ModelId;
  name: string;
  description: string;
  build(opts: BuildOptions): tfl.LayersModel;
  /** Names of every conv / pooling / GAP layer whose output to record, in forward order. */
  activationLayers(model: tfl.LayersModel): string[];
  /**
   * The architecture as a stable string, for the inputs hash: the model's JSON
   * (`model.toJSON()`, no weights) as built with seed 0 for `classes` classes, so it
   * changes when the definition or the tfjs-layers version changes, never with the
   * run's seed. Computed once per class count (building ResNet50 takes a second).
   */
  definitionSource(classes: number): string;
}

const CONV_AND_POOLING = new Set(['Conv2D', 'MaxPooling2D', 'AveragePooling2D', 'GlobalAveragePooling2D', 'GlobalMaxPooling2D']);

/** For conv → batch norm → ReLU blocks: the ReLU output (the block's feature map) as well. */
const CONV_BLOCK_LAYERS = new Set(['Conv2D', 'Activation', 'MaxPooling2D', 'GlobalAveragePooling2D']);
function convBlockLayers(model: tfl.LayersModel): string[] {
  return model.layers.filter((layer) => CONV_BLOCK_LAYERS.has(layer.getClassName())).map((layer) => layer.name);
}

function convAndPoolingLayers(model: tfl.LayersModel): string[] {
  return model.layers.filter((layer) => CONV_AND_POOLING.has(layer.getClassName())).map((layer) => layer.name);
}

function spec(fields: Omit<ModelSpec, 'definitionSource'>): ModelSpec {
  const sources = new Map<number, string>();
  return {
    ...fields,
    definitionSource(classes: number): string {
      let source = sources.get(classes);
      if (source === undefined) {
        const model = fields.build({ seed: 0, classes });
        source = JSON.stringify(model.toJSON(null, false));
        model.dispose();
        sources.set(classes, source);
      }
      return source;
    },
  };
}

export const MODELS: Record<ModelId, ModelSpec> = {
  resnet50: spec({
    id: 'resnet50',
    name: 'ResNet50',
    description:
      'The baseline: the standard 50-layer residual network (bottleneck blocks in four stages of 3, 4, 6 and 3), on 64×64 grayscale input with a 6-way softmax.',
    build: buildResNet50,
    activationLayers: resnet50ActivationLayers,
  }),
  'basic-cnn': spec({
    id: 'basic-cnn',
    name: 'Basic CNN',
    description:
      'The first simplification: three 3×3 convolution blocks (32, 64, 128 filters) with max-pooling, a 128-unit dense layer and dropout.',
    build: buildBasicCnn,
    activationLayers: convAndPoolingLayers,
  }),
  'tiny-cnn': spec({
    id: 'tiny-cnn',
    name: 'TinyCNN',
    description: 'Two convolutional layers (32 and 64 filters) with max-pooling, followed by a 64-unit dense layer.',
    build: buildTinyCnn,
    activationLayers: convAndPoolingLayers,
  }),
  'reduced-filter-cnn': spec({
    id: 'reduced-filter-cnn',
    name: 'Reduced-Filter CNN',
    description: 'TinyCNN with fewer filters (8 per convolution) and a smaller dense layer (32 units).',
    build: buildReducedFilterCnn,
    activationLayers: convAndPoolingLayers,
  }),
  'gap-cnn': spec({
    id: 'gap-cnn',
    name: 'Global-Average-Pooling CNN',
    description:
      'Global average pooling in place of flattening: three 3×3 convolution blocks (32, 64, 128 filters, each with batch normalisation and max-pooling), averaged per channel, then a 64-unit dense layer.',
    build: buildGapCnn,
    activationLayers: convBlockLayers,
  }),
};

/** The paper's order: from the baseline down to the smallest variants. */
export const MODEL_ORDER: readonly ModelId[] = ['resnet50', 'basic-cnn', 'tiny-cnn', 'reduced-filter-cnn', 'gap-cnn'];
