/**
 * The site's one door to the results bundle. Everything on the page that is a
 * number, a chart or an image is read through here, at build time, from the
 * directory named by RESULTS_DIR (default: `results/` in the project).
 *
 * A bundle that fails the schema throws the BundleError from schema/bundle.ts,
 * which names the file and the field; Astro then stops the build with that message.
 */
import { resolve } from 'node:path';
import { readBundle, readSamples, readActivations, readMisclassified, resultsDirFromEnv, BundleError, MANIFEST_FILE, type Bundle } from '../../schema/bundle.ts';
import type { ModelId, ModelResult, Manifest } from '../../schema/results.ts';

export { BundleError };
export type { Bundle, ModelId, ModelResult, Manifest };

/** The bundle directory: RESULTS_DIR (relative to the working directory) or ./results. */
export function resultsDir(): string {
  return resultsDirFromEnv();
}

let bundle: Bundle | undefined;

/**
 * The build validates the bundle once, in the integration (bundle-integration.ts), before
 * anything renders. The pages load this module again through Vite, as a separate module
 * instance in the same process, so the integration hands its validated copy over through
 * a global instead of the pages reading and validating the bundle a second time.
 */
const SHARED = Symbol.for('medical-mnist-report.validated-bundle');
type Shared = { [SHARED]?: Bundle };

export function shareValidatedBundle(b: Bundle): void {
  (globalThis as Shared)[SHARED] = b;
}

const activationCache = new Map<ModelId, Uint8Array>();
let samplesCache: Uint8Array | undefined;

/** The validated bundle, read once per build. Models come in the bundle's order (manifest.models). */
export function getBundle(): Bundle {
  if (!bundle) {
    const dir = resultsDir();
    const shared = (globalThis as Shared)[SHARED];
    bundle = shared && shared.dir === dir ? shared : readBundle(dir);
  }
  return bundle;
}

/** Side of the square images the models saw (the dataset's image size). */
export function imageSize(): number {
  return getBundle().manifest.dataset.imageSize;
}

/** Every model in the bundle, in the paper's order. */
export function getModels(): ModelResult[] {
  return getBundle().models;
}

/** One model's result; throws a BundleError naming manifest.json when the run did not produce it. */
export function getModel(id: ModelId): ModelResult {
  const b = getBundle();
  const model = b.models.find((m) => m.id === id);
  if (!model) throw new BundleError(`${resolve(b.dir, MANIFEST_FILE)}: models: no model "${id}" in this run`);
  return model;
}

/** The activation sample images, samples × 64 × 64 uint8 (see manifest.samples). */
export function getSamples(): Uint8Array {
  samplesCache ??= readSamples(getBundle());
  return samplesCache;
}

/** One model's decompressed activation maps; index them with `getModel(id).activations.layers`. */
export function getActivations(id: ModelId): Uint8Array {
  let bytes = activationCache.get(id);
  if (!bytes) {
    bytes = readActivations(getBundle(), id);
    activationCache.set(id, bytes);
  }
  return bytes;
}

const misclassifiedCache = new Map<ModelId, Uint8Array>();

/** A model's misclassified test images (ModelResult.misclassified), images × 64 × 64 uint8; empty when the bundle has none. */
export function getMisclassifiedPixels(id: ModelId): Uint8Array {
  let bytes = misclassifiedCache.get(id);
  if (!bytes) {
    bytes = readMisclassified(getBundle(), id);
    misclassifiedCache.set(id, bytes);
  }
  return bytes;
}
