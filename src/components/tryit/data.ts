/**
 * Build time: what the Try-it section serves from the results bundle (the compact CNNs'
 * browser exports, the sample images, and the static activation figure's layers,
 * channel order and colour scale, so that live maps look like the static ones).
 */
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { ModelResult } from '../../../schema/results.ts';
import { BROWSER_WEIGHTS_FILE, BundleError, browserModelFolder, readBytes } from '../../../schema/bundle.ts';
import { getBundle, getSamples } from '../../lib/results.ts';
import { url } from '../../lib/paths.ts';
import { COLOUR_LUT } from '../../charts/feature-maps.ts';
import { GRID_ROWS, propagationStages, shownChannels } from '../../charts/feature-figures.ts';
import type { TryItMeta } from './types.ts';

type Exported = ModelResult & { browser: NonNullable<ModelResult['browser']> };

/** The models the page runs: those the pipeline exported for the browser, in the study's order. */
export function browserModels(): Exported[] {
  return getBundle().models.filter((m): m is Exported => m.browser !== null);
}

export function tryItMeta(): TryItMeta {
  const { manifest } = getBundle();
  return {
    classes: manifest.dataset.classes,
    imageSize: manifest.dataset.imageSize,
    kinds: manifest.dataset.info.kinds,
    samples: manifest.samples.labels.map((label, i) => ({ label, file: manifest.samples.files[i] ?? '' })),
    samplesUrl: url('tryit/samples.u8'),
    lut: Array.from(COLOUR_LUT),
    gridRows: GRID_ROWS,
    models: browserModels().map((m) => ({
      id: m.id,
      name: m.name,
      modelUrl: url(`tryit/${m.id}/model.json`),
      encoding: m.browser.encoding,
      weightBytes: m.browser.weightBytes,
      downloadBytes: m.browser.gzipBytes ?? gzipWeights(m.id).length,
      floatAccuracy: m.browser.floatAccuracy,
      accuracy: m.browser.accuracy,
      testImages: m.browser.testImages,
      expected: m.browser.softmax,
      layers: m.activations.layers.map((l, i) => ({ name: l.name, type: l.type, shape: l.shape, min: l.min, max: l.max, channels: shownChannels(m.id, i) })),
      stages: propagationStages(m),
    })),
  };
}

/** One file of a model's browser export, read from the bundle (a missing or short file stops the build naming it). */
export function exportFile(id: string, file: 'model.json' | typeof BROWSER_WEIGHTS_FILE): Uint8Array {
  const model = browserModels().find((m) => m.id === id);
  if (!model) throw new RangeError(`tryit: no browser export for model "${id}"`);
  const path = join(getBundle().dir, browserModelFolder(id), file);
  const bytes = readBytes(path);
  if (file === BROWSER_WEIGHTS_FILE && bytes.length !== model.browser.weightBytes)
    throw new BundleError(`${path}: expected ${model.browser.weightBytes} bytes (models/${id}.json browser.weightBytes), found ${bytes.length}`);
  return bytes;
}

/** The weight file as the page downloads it: gzip level 9, as the pipeline measured it (browser.gzipBytes). */
export const WEIGHTS_GZ_FILE = `${BROWSER_WEIGHTS_FILE}.gz`;

export function gzipWeights(id: string): Uint8Array {
  return gzipSync(exportFile(id, BROWSER_WEIGHTS_FILE), { level: 9 });
}

export { getSamples };
