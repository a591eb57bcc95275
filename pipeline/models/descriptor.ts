/**
 * What a model file declares. A model is one module in ./zoo/ whose default export is
 * `defineModel({...})`: the registry (./registry.ts) finds it there, and the pipeline, the
 * bundle and the paper take everything about the model from this descriptor. Nothing
 * else in the project lists model ids. docs/adding-a-model.md walks through one.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { MODEL_ID_PATTERN, type Budget, type ModelRole, type ProfileName } from '../../schema/results.ts';
import type { BuildOptions } from './common.ts';

export type { BuildOptions, ModelRole };

/** What the description of a model may depend on: the data it is built for. */
export interface DescribeOptions {
  classes: number;
  imageSize: number;
}

export interface ModelDescriptor {
  /** Lowercase letters, digits and hyphens (MODEL_ID_PATTERN): the bundle's file names and the page's anchors use it. */
  id: string;
  /** The display name the paper uses. */
  name: string;
  /**
   * The model's part in the study: `reference` is the network the others are measured
   * against (the study's ResNet50), `simplification` one of the study's cut-down networks,
   * `added` a model the user brought. The paper's sections follow the roles, not the ids.
   */
  role: ModelRole;
  /** Position in the paper's tables and charts (ascending; ties by id). */
  order: number;
  /** One or two sentences for the paper, from the data the model is built for. */
  description: string | ((d: DescribeOptions) => string);
  build(opts: BuildOptions): tfl.LayersModel;
  /** Layers whose outputs the activation and propagation figures show, in forward order (default: every convolution and pooling layer). */
  activationLayers?(model: tfl.LayersModel): string[];
  /**
   * Layers whose pooled outputs the representation analyses compare (linear CKA, linear
   * probes: pipeline/analysis/), in forward order. Default: the activation layers and every
   * hidden dense layer (all but the output layer). A deep model names its stage outputs here.
   */
  representationLayers?(model: tfl.LayersModel): string[];
  /**
   * Training images per second on one wasm lane (one core) at the profile's batch size,
   * measured (`npm run bench -- --models <id>`). The pipeline orders work by it, and a
   * profile that sizes budgets (cpu) sizes this model's from it unless `budgets` says otherwise.
   */
  imagesPerSecond: number;
  /** Per profile, what differs from that profile's default budget for a model. */
  budgets?: Partial<Record<ProfileName, Partial<Budget>>>;
  /** Per profile, training runs per protocol when not the profile's default. */
  seeds?: Partial<Record<ProfileName, number>>;
  /** Exported for the paper's Try-it section (runs in the reader's browser: keep it small). */
  browser: boolean;
  /** Its colour in every chart (#rrggbb); default: the next free colour of the paper's palette. */
  colour?: string;
  /** The study named this model the best balance of accuracy, efficiency and generalisation (the paper tests that verdict). */
  studyPick?: boolean;
  /** Starts from ImageNet ResNet50 weights matched by layer name (./imagenet-weights.ts), where the run has them. */
  imagenetWeights?: boolean;
}

const COLOUR = /^#[0-9a-fA-F]{6}$/;

/** Checks a descriptor's fields (a model file is user code: its mistakes get one line naming the file). */
export function defineModel(d: ModelDescriptor): ModelDescriptor {
  const problems: string[] = [];
  if (!MODEL_ID_PATTERN.test(d.id)) problems.push(`id "${d.id}" must match ${MODEL_ID_PATTERN} (lowercase letters, digits, hyphens)`);
  if (!d.name?.trim()) problems.push('name is empty');
  if (!['reference', 'simplification', 'added'].includes(d.role)) problems.push(`role "${String(d.role)}" must be reference, simplification or added`);
  if (!Number.isFinite(d.order)) problems.push('order must be a number');
  if (!(d.imagesPerSecond > 0)) problems.push('imagesPerSecond must be a positive number (measure it with npm run bench)');
  if (typeof d.build !== 'function') problems.push('build must be a function');
  if (d.colour !== undefined && !COLOUR.test(d.colour)) problems.push(`colour "${d.colour}" must be #rrggbb`);
  if (problems.length) throw new Error(`model "${d.id}": ${problems.join('; ')}`);
  return d;
}

const CONV_AND_POOLING = new Set(['Conv2D', 'DepthwiseConv2D', 'SeparableConv2D', 'MaxPooling2D', 'AveragePooling2D', 'GlobalAveragePooling2D', 'GlobalMaxPooling2D']);

/** The default activation layers: every convolution and pooling layer. */
export function convAndPoolingLayers(model: tfl.LayersModel): string[] {
  return model.layers.filter((layer) => CONV_AND_POOLING.has(layer.getClassName())).map((layer) => layer.name);
}

/** For conv → batch norm → ReLU blocks: the ReLU output (the block's feature map) as well. */
const CONV_BLOCK_LAYERS = new Set(['Conv2D', 'Activation', 'MaxPooling2D', 'GlobalAveragePooling2D']);
export function convBlockLayers(model: tfl.LayersModel): string[] {
  return model.layers.filter((layer) => CONV_BLOCK_LAYERS.has(layer.getClassName())).map((layer) => layer.name);
}
