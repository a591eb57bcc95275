/**
 * ImageNet initialisation for ResNet50 from a tfjs-layers export of Keras'
 * `ResNet50(weights='imagenet')` (e.g. `tensorflowjs_converter --input_format keras`).
 *
 * The export is read from disk (model.json plus its weight shards) through a custom
 * IOHandler, because the file:// handler lives in tfjs-node, which is optional here.
 * Weights are copied layer by layer by Keras layer name. The first convolution sees
 * 3-channel RGB in the export and 1-channel grayscale here: its kernel is summed over the
 * input channels, so a grayscale image g gives the same response as the RGB image
 * (g, g, g) did. The classifier head (1000 ImageNet classes) is never copied.
 * Everything is checked before anything is written: a bad export leaves the model as it was.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/** Layers that belong to the task, not the backbone. */
const HEAD_LAYERS = new Set(['predictions']);
const FIRST_CONV = 'conv1_conv';

export interface ImagenetWeightsInfo {
  /** The model.json that was read, as an absolute path. */
  source: string;
  /** Layers whose weights were replaced. */
  layersCopied: number;
}

export async function loadImagenetWeights(model: tfl.LayersModel, modelJsonPath: string): Promise<ImagenetWeightsInfo> {
  const file = path.resolve(modelJsonPath.startsWith('file://') ? fileURLToPath(modelJsonPath) : modelJsonPath);
  const what = `ImageNet weights ${file}`;
  const exported = await readLayersExport(file, what);
  const exportedLayers = new Map(exported.layers.map((layer) => [layer.name, layer]));
  const plan: Array<[tfl.layers.Layer, tf.Tensor[]]> = [];
  const converted: tf.Tensor[] = []; // getWeights() returns the export's own variables: only these are ours to dispose
  try {
    for (const layer of model.layers) {
      if (layer.weights.length === 0 || HEAD_LAYERS.has(layer.name)) continue;
      const from = exportedLayers.get(layer.name);
      if (from === undefined) throw new Error(`${what}: no layer named ${layer.name}; expected a Keras ResNet50 export`);
      const weights = from.getWeights();
      if (layer.name === FIRST_CONV && weights.length > 0 && weights[0].rank === 4 && weights[0].shape[2] === 3 && layer.weights[0].shape[2] === 1) {
        weights[0] = tf.sum(weights[0], 2, true);
        converted.push(weights[0]);
      }
      const expected = layer.weights.map((w) => `[${w.shape.join(',')}]`).join(' ');
      const found = weights.map((w) => `[${w.shape.join(',')}]`).join(' ');
      if (expected !== found) throw new Error(`${what}: layer ${layer.name} has weights ${found}, expected ${expected}`);
      plan.push([layer, weights]);
    }
    for (const [layer, weights] of plan) layer.setWeights(weights);
    return { source: file, layersCopied: plan.length };
  } finally {
    tf.dispose(converted);
    exported.dispose();
  }
}

async function readLayersExport(file: string, what: string): Promise<tfl.LayersModel> {
  let json: tf.io.ModelJSON;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new Error(`${what}: cannot read a model.json (${message(error)})`);
  }
  if (json === null || typeof json !== 'object' || json.modelTopology == null || !Array.isArray(json.weightsManifest)) {
    throw new Error(`${what}: not a tfjs-layers model.json (expected modelTopology and weightsManifest)`);
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
        throw new Error(`${what}: cannot read weight shard ${shard} (${message(error)})`);
      }
      shards.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    }
    const held = shards.reduce((sum, shard) => sum + shard.byteLength, 0);
    const described = specs.reduce((sum, spec) => sum + specBytes(spec, what), 0);
    if (held !== described) throw new Error(`${what}: weight shards hold ${held} bytes, the weightsManifest describes ${described}`);
    return [specs, shards];
  };
  const artifacts = await tf.io.getModelArtifactsForJSON(json, loadWeights);
  try {
    return await tfl.loadLayersModel(tf.io.fromMemory(artifacts));
  } catch (error) {
    throw new Error(`${what}: tfjs-layers cannot load it (${message(error)})`);
  }
}

const BYTES_PER_VALUE: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

function specBytes(spec: tf.io.WeightsManifestEntry, what: string): number {
  const dtype = spec.quantization?.dtype ?? spec.dtype;
  const size = spec.shape.reduce((product, dim) => product * dim, 1);
  const bytes = BYTES_PER_VALUE[dtype];
  if (bytes === undefined) throw new Error(`${what}: weight ${spec.name} has unsupported dtype ${dtype}`);
  return size * bytes;
}

function message(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}
