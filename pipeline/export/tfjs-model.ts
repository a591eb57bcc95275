/**
 * The browser export of a trained model: tfjs layers format (model.json + one weight
 * file), weights in the smallest encoding that costs nothing measurable. Each candidate
 * encoding is decoded by tfjs itself (`loadLayersModel` from memory, the code path the
 * browser takes) and evaluated on the validation split; the first, smallest first, whose
 * accuracy is within the tolerance of the float model's is kept. When that is plain uint8,
 * its coarsenings (quantise.ts: pruned and on a coarser grid, so that the file gzips far
 * smaller, still decoded by tfjs alone) are tried the same way, smallest gzip first.
 * Only the chosen export is then evaluated on the test split, once: no choice is made on
 * test images, so its test accuracy carries no selection effect.
 */
import * as tf from '@tensorflow/tfjs-core';
import { gzipSync } from 'node:zlib';
import { loadLayersModel, type LayersModel } from '@tensorflow/tfjs-layers';
import type { BrowserModel, Coarsening, WeightEncoding } from '../../schema/results.ts';
import { imageBatch, type ImageSet } from '../shared/tensors.ts';
import { predictSubset } from '../shared/predict.ts';
import { BROWSER_WEIGHTS_FILE } from '../../schema/bundle.ts';
import { BYTES_PER_VALUE, chooseEncoding, coarsen, encodeTensor, type Variant } from './quantise.ts';

/** At most this drop in validation accuracy (a fraction: 0.05 percentage points) counts as nothing measurable. */
export const ACCURACY_TOLERANCE = 0.0005;
/** Smallest first; uint16 before float16 (same size, finer steps over a tensor's range). */
export const ENCODING_ORDER: readonly WeightEncoding[] = ['uint8', 'uint16', 'float16', 'float32'];

/**
 * The coarsenings of plain uint8 that are tried (at most these five extra evaluations of the
 * validation split per model), each applied to the tensors holding at least COARSEN_SHARE of the
 * model's weights (the big dense kernels: the bytes that matter). Chosen on the cpu build's
 * Basic CNN and TinyCNN, whose dense kernels keep their test accuracy with 50-75 % of their
 * weights pruned; the gate decides for each model and run.
 */
export const COARSENINGS: readonly Coarsening[] = [
  { step: 4, prune: 0.9 },
  { step: 8, prune: 0.75 },
  { step: 4, prune: 0.75 },
  { step: 8, prune: 0.5 },
  { step: 1, prune: 0.5 },
];
export const COARSEN_SHARE = 0.25;

/** gzip as the site compresses the weight file the page downloads (src/components/tryit/data.ts). */
export const gzipBytes = (bytes: Uint8Array): number => gzipSync(bytes, { level: 9 }).length;

export interface ExportedFiles {
  /** model.json's text; its weights manifest names BROWSER_WEIGHTS_FILE. */
  modelJson: string;
  weights: Uint8Array;
}

interface FloatArtifacts {
  topology: object;
  tensors: { name: string; shape: number[]; values: Float32Array }[];
}

/**
 * Training-only layers become their standard equivalents, so the browser needs no custom
 * classes: SeededDropout (identity at inference, like Dropout) becomes Dropout.
 */
function portableTopology(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(portableTopology);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = portableTopology(v);
  if (out['class_name'] === 'SeededDropout' && out['config'] && typeof out['config'] === 'object') {
    out['class_name'] = 'Dropout';
    const { seed: _seed, ...config } = out['config'] as Record<string, unknown>;
    out['config'] = config;
  }
  return out;
}

async function floatArtifacts(model: LayersModel): Promise<FloatArtifacts> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!artifacts?.weightSpecs || !artifacts.weightData || !artifacts.modelTopology) throw new Error(`${model.name}: tfjs save produced no topology or weights`);
  const named = tf.io.decodeWeights(artifacts.weightData, artifacts.weightSpecs);
  const tensors = artifacts.weightSpecs.map((spec) => {
    const t = named[spec.name]!;
    if (t.dtype !== 'float32') throw new Error(`${model.name}: weight ${spec.name} is ${t.dtype}; the export handles float32 weights only`);
    return { name: spec.name, shape: spec.shape, values: t.dataSync() as Float32Array };
  });
  tf.dispose(Object.values(named));
  return { topology: portableTopology(artifacts.modelTopology) as object, tensors };
}

function encodeArtifacts(float: FloatArtifacts, variant: Variant): { specs: tf.io.WeightsManifestEntry[]; weights: Uint8Array } {
  const total = float.tensors.reduce((n, t) => n + t.values.length, 0);
  const parts = float.tensors.map((t) => {
    const enc = encodeTensor(t.values, variant.encoding, t.name);
    return { t, enc: variant.coarsening && t.values.length >= COARSEN_SHARE * total ? coarsen(t.values, enc, variant.coarsening) : enc };
  });
  const weights = new Uint8Array(parts.reduce((n, p) => n + p.enc.bytes.length, 0));
  let at = 0;
  const specs = parts.map(({ t, enc }) => {
    weights.set(enc.bytes, at);
    at += enc.bytes.length;
    const spec: tf.io.WeightsManifestEntry = { name: t.name, shape: t.shape, dtype: 'float32' };
    if (enc.quantization) spec.quantization = enc.quantization;
    return spec;
  });
  return { specs, weights };
}

/** E.g. "uint8", "uint8, 75 % pruned, every 4th code". */
export function describeVariant(v: Variant): string {
  if (!v.coarsening) return v.encoding;
  const { step, prune } = v.coarsening;
  return `${v.encoding}, ${Math.round(prune * 100)} % pruned${step > 1 ? `, every ${step}th code` : ''}`;
}

function toFiles(float: FloatArtifacts, encoded: { specs: tf.io.WeightsManifestEntry[]; weights: Uint8Array }, variant: Variant): ExportedFiles {
  const json: tf.io.ModelJSON = {
    modelTopology: float.topology,
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version_core}`,
    convertedBy: `medical-mnist-report pipeline (weights ${describeVariant(variant)})`,
    weightsManifest: [{ paths: [BROWSER_WEIGHTS_FILE], weights: encoded.specs }],
  };
  return { modelJson: JSON.stringify(json), weights: encoded.weights };
}

/** Loads exported files the way the browser does (tfjs io decodes the quantised weights). */
export function loadExported(files: ExportedFiles): Promise<LayersModel> {
  const json = JSON.parse(files.modelJson) as tf.io.ModelJSON;
  const weights = files.weights.buffer.slice(files.weights.byteOffset, files.weights.byteOffset + files.weights.byteLength) as ArrayBuffer;
  return loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0]!.weights, weightData: weights }));
}

async function countCorrect(model: LayersModel, data: ImageSet, test: Int32Array): Promise<number> {
  const p = await predictSubset(model, data, test);
  return Math.round(p.accuracy * test.length);
}

/** Softmax of `model` on the sample images, clamped to [0, 1] as ModelResult.softmax is. */
async function sampleSoftmax(model: LayersModel, data: ImageSet, samples: Int32Array): Promise<number[][]> {
  const x = imageBatch(data, samples);
  const y = model.predict(x) as tf.Tensor;
  const rows = (await y.array()) as number[][];
  tf.dispose([x, y]);
  return rows.map((row) => row.map((p) => Math.min(1, Math.max(0, p))));
}

export interface BrowserExport {
  files: ExportedFiles;
  /** The schema's record, less modelFile (the bundle's layout decides it). */
  record: Omit<BrowserModel, 'modelFile'>;
}

/** The images the export is chosen on (validation) and the images its choice is then scored on (test). */
export interface ExportImages {
  validation: Int32Array;
  test: Int32Array;
}

/**
 * Exports `model` for the browser: the encoding is chosen on `images.validation`, and only
 * the chosen export is scored on `images.test`. `floatTestCorrect`: the float model's correct
 * count on `images.test` when already known (the evaluation's own, when it covered the whole split).
 */
export async function exportForBrowser(
  model: LayersModel,
  data: ImageSet,
  images: ExportImages,
  samples: Int32Array,
  opts: { floatTestCorrect?: number; log?: (line: string) => void } = {},
): Promise<BrowserExport> {
  const { validation, test } = images;
  const float = await floatArtifacts(model);
  const floatCorrect = await countCorrect(model, data, validation);
  const n = validation.length;
  const values = float.tensors.reduce((s, t) => s + t.values.length, 0);
  const encode = (variant: Variant) => toFiles(float, encodeArtifacts(float, variant), variant);
  // Each variant is encoded and gzipped once: the ladder's order, the record and its
  // candidates all ask for the same sizes.
  const gzipSizes = new Map<string, number>();
  const gzipSize = (variant: Variant): number => {
    const key = describeVariant(variant);
    const known = gzipSizes.get(key);
    if (known !== undefined) return known;
    const size = gzipBytes(encode(variant).weights);
    gzipSizes.set(key, size);
    return size;
  };
  // Coarsenings smallest download first; only those smaller than plain uint8's.
  const plainGzip = gzipSize({ encoding: 'uint8' });
  const coarser = COARSENINGS.map((coarsening) => ({ coarsening, gzip: gzipSize({ encoding: 'uint8', coarsening }) }))
    .filter((c) => c.gzip < plainGzip)
    .sort((a, b) => a.gzip - b.gzip)
    .map((c) => c.coarsening);
  const { chosen, tried } = await chooseEncoding(
    ENCODING_ORDER,
    async (variant) => {
      const loaded = await loadExported(encode(variant));
      try {
        const correct = await countCorrect(loaded, data, validation);
        opts.log?.(`${model.name}: ${describeVariant(variant)} weights ${(correct / n * 100).toFixed(2)}% vs float ${(floatCorrect / n * 100).toFixed(2)}% on ${n} validation images`);
        return correct;
      } finally {
        loaded.dispose();
      }
    },
    floatCorrect,
    n,
    ACCURACY_TOLERANCE,
    coarser,
  );
  const files = encode(chosen);
  const exported = await loadExported(files);
  // The test split, once: the float model's (unless known) and the chosen export's.
  const floatTestCorrect = opts.floatTestCorrect ?? (await countCorrect(model, data, test));
  const testCorrect = chosen.encoding === 'float32' ? floatTestCorrect : await countCorrect(exported, data, test);
  const softmax = await sampleSoftmax(exported, data, samples);
  exported.dispose();
  return {
    files,
    record: {
      encoding: chosen.encoding,
      ...(chosen.coarsening ? { coarsening: chosen.coarsening } : {}),
      weightBytes: files.weights.length,
      gzipBytes: gzipSize(chosen),
      testImages: test.length,
      floatAccuracy: floatTestCorrect / test.length,
      accuracy: testCorrect / test.length,
      tolerance: ACCURACY_TOLERANCE,
      selection: { split: 'validation', images: n, floatAccuracy: floatCorrect / n },
      candidates: tried.map((c) => ({
        encoding: c.encoding,
        ...(c.coarsening ? { coarsening: c.coarsening } : {}),
        weightBytes: values * BYTES_PER_VALUE[c.encoding],
        gzipBytes: gzipSize(c),
        accuracy: c.correct / n,
      })),
      softmax,
    },
  };
}
