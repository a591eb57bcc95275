/**
 * The representation analyses of one trained model, run inside its primary job while the
 * model is in memory (the weights are not kept afterwards): on a fixed seeded set of test
 * images, linear CKA between every pair of its representation layers (cka.ts), and a
 * linear probe per layer (probes.ts), trained on training images and scored on those test
 * images. The control is the same network at its initial weights (rebuilt with the run's
 * seed, ImageNet weights loaded again where training started from them): the same
 * measurements on it say what the architecture gives before any learning.
 *
 * Each layer's linear kernels on the CKA minibatches (trained and initial weights) are kept
 * with the model's cached result, so that models trained in other processes, or reused from
 * the cache, are compared with each other when the bundle is assembled (similarity.ts).
 */
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { Representations } from '../../schema/results.ts';
import type { ImageSet } from '../shared/tensors.ts';
import { ckaMatrix, MIN_BATCH, type LayerKernels } from './cka.ts';
import { pooledFeatures } from './features.ts';
import { PROBE, trainProbes } from './probes.ts';

export interface AnalysisImages {
  /** Test images: the CKA minibatches and the probes' test set (the same for every model). */
  images: Int32Array;
  /** Training images the probes learn from. */
  probeTrain: Int32Array;
  /** Images per CKA minibatch. */
  batch: number;
}

/** Identifies the image set, so that only models measured on the same images are compared. */
export function imagesKey(images: Int32Array, batch: number): string {
  return createHash('sha256').update(`${batch}:${images.join(',')}`).digest('hex');
}

export interface AnalysedRepresentations {
  record: Representations;
  /** gzip of the float32 kernels: trained then initial weights, each layer by layer, each minibatch's n × n matrix (see kernelsFromBytes). */
  kernelsGz: Uint8Array;
}

const labelsOf = (data: ImageSet, idx: Int32Array) => Uint8Array.from(idx, (i) => data.labels[i]!);

/**
 * Measures `trained` and its control `initial` (same architecture, initial weights) on
 * `layers`. `controlWeights`: what the control's weights are, for the record.
 */
export async function analyseRepresentations(
  trained: LayersModel,
  initial: LayersModel,
  layers: readonly string[],
  data: ImageSet,
  inp: AnalysisImages,
  controlWeights: 'random' | 'imagenet',
): Promise<AnalysedRepresentations> {
  const started = Date.now();
  if (inp.images.length < MIN_BATCH) throw new Error(`representation analyses need at least ${MIN_BATCH} test images, got ${inp.images.length}`);
  const testLabels = labelsOf(data, inp.images);
  const trainLabels = labelsOf(data, inp.probeTrain);
  const measure = async (model: LayersModel) => {
    const test = await pooledFeatures(model, layers, data, inp.images, inp.batch);
    const train = await pooledFeatures(model, layers, data, inp.probeTrain);
    const probes = await trainProbes(
      layers.map((_, l) => ({ train: train.features[l]!, test: test.features[l]!, channels: test.channels[l]! })),
      trainLabels,
      testLabels,
      data.numClasses,
    );
    return { kernels: test.kernels!, channels: test.channels, cka: ckaMatrix(test.kernels!, test.kernels!), probes };
  };
  const t = await measure(trained);
  const c = await measure(initial);
  const round = (v: number) => Math.round(v * 1e6) / 1e6;
  const record: Representations = {
    pooling: 'global-average',
    layers: layers.map((name, l) => ({ name, type: trained.getLayer(name).getClassName(), channels: t.channels[l]! })),
    images: inp.images.length,
    minibatches: t.kernels[0]!.sizes,
    imagesKey: imagesKey(inp.images, inp.batch),
    control: controlWeights,
    cka: { trained: t.cka.map((r) => r.map(round)), initial: c.cka.map((r) => r.map(round)) },
    probes: {
      method: PROBE.text,
      trainImages: inp.probeTrain.length,
      testImages: inp.images.length,
      trained: t.probes.map((p) => p.testAccuracy),
      initial: c.probes.map((p) => p.testAccuracy),
      trainedTrainAccuracy: t.probes.map((p) => p.trainAccuracy),
    },
    seconds: (Date.now() - started) / 1000,
  };
  return { record, kernelsGz: kernelsToBytes([...t.kernels, ...c.kernels]) };
}

function kernelsToBytes(all: readonly LayerKernels[]): Uint8Array {
  const total = all.reduce((s, k) => s + k.grams.reduce((a, g) => a + g.length, 0), 0);
  const out = new Float32Array(total);
  let at = 0;
  for (const k of all)
    for (const g of k.grams) {
      out.set(g, at);
      at += g.length;
    }
  return gzipSync(new Uint8Array(out.buffer), { level: 6 });
}

/** The kernels of a model's layers, trained and initial weights, as stored by analyseRepresentations. */
export function kernelsFromBytes(gz: Uint8Array, record: Representations): { trained: LayerKernels[]; initial: LayerKernels[] } {
  const raw = gunzipSync(gz);
  const floats = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  const sizes = record.minibatches;
  const perLayer = sizes.reduce((s, n) => s + n * n, 0);
  const layers = record.layers.length;
  if (floats.length !== 2 * layers * perLayer) throw new Error(`stored kernels: expected ${2 * layers * perLayer} values, found ${floats.length}`);
  const read = (v: number): LayerKernels[] =>
    Array.from({ length: layers }, (_, l) => {
      let at = (v * layers + l) * perLayer;
      const grams = sizes.map((n) => {
        const g = floats.subarray(at, at + n * n);
        at += n * n;
        return g;
      });
      return { grams, sizes: [...sizes] };
    });
  return { trained: read(0), initial: read(1) };
}
