/**
 * The results bundle on disk: its layout (file names, the default folder) and the one
 * reader, validated against the schema. The pipeline writes this layout and reads it
 * back to reuse unchanged models; the site renders from it; the tests check it.
 * Every read failure is one line naming the file and the field.
 *
 *   <dir>/manifest.json             Manifest
 *   <dir>/models/<id>.json          ModelResult
 *   <dir>/activations/<id>.u8.gz    gzip of the activation maps (see ActivationLayer)
 *   <dir>/samples.u8                the activation sample images, samples × 64 × 64
 *   <dir>/browser/<id>/model.json   the compact CNNs in the tfjs layers format, for the paper's
 *   <dir>/browser/<id>/weights.bin  Try-it section (ModelResult.browser: encoding, accuracies)
 *   <dir>/splits.json               SplitsFile: every image's split under each protocol
 *   <dir>/audit.u8                  the near-duplicate audit's figure images (Audit.figures), 64 × 64 each
 *   <dir>/misclassified/<id>.u8     a model's misclassified test images, images × 64 × 64 (see Misclassified)
 */
import { readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { z } from 'zod';
import { Manifest, ModelResult, type ModelId } from './results.ts';
import { UserError } from '../common/user-error.ts';

/**
 * The bundle folder when none is named: `results/` in the project. The pipeline writes
 * to `--out DIR` and the site reads `$RESULTS_DIR`; both default to this, so a run with
 * `--out X` is rendered with `RESULTS_DIR=X`.
 */
export const DEFAULT_RESULTS_DIR = 'results';
/** The environment variable naming the bundle the site renders. */
export const RESULTS_DIR_ENV = 'RESULTS_DIR';

export const MANIFEST_FILE = 'manifest.json';
/** Also a literal of the Manifest schema (manifest.samples.file); `satisfies` keeps the two equal. */
export const SAMPLES_FILE = 'samples.u8' satisfies Manifest['samples']['file'];
export const SPLITS_FILE = 'splits.json';
/** Also a literal of the Audit schema (manifest.audit.figures.file). */
export const AUDIT_FILE = 'audit.u8' satisfies NonNullable<Manifest['audit']>['figures']['file'];
export const MODELS_FOLDER = 'models';
export const ACTIVATIONS_FOLDER = 'activations';
export const MISCLASSIFIED_FOLDER = 'misclassified';

export function modelJsonPath(id: string): string {
  return `${MODELS_FOLDER}/${id}.json`;
}

export function activationsPath(id: string): string {
  return `${ACTIVATIONS_FOLDER}/${id}.u8.gz`;
}

export const BROWSER_FOLDER = 'browser';
/** The weight file of a browser export; model.json's weights manifest names it, relative to itself. */
export const BROWSER_WEIGHTS_FILE = 'weights.bin';

/** Folder of a model's browser export: model.json and weights.bin. */
export function browserModelFolder(id: string): string {
  return `${BROWSER_FOLDER}/${id}`;
}

/** Path of a model's browser export (ModelResult.browser.modelFile). */
export function browserModelPath(id: string): string {
  return `${browserModelFolder(id)}/model.json`;
}

/** A model's misclassified test images (ModelResult.misclassified), images × 64 × 64 uint8. */
export function misclassifiedPath(id: string): string {
  return `${MISCLASSIFIED_FOLDER}/${id}.u8`;
}

/** The bundle the site renders: $RESULTS_DIR (relative to `cwd`) or ./results. */
export function resultsDirFromEnv(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  const fromEnv = env[RESULTS_DIR_ENV];
  return resolve(cwd, fromEnv && fromEnv.trim() !== '' ? fromEnv : DEFAULT_RESULTS_DIR);
}

export class BundleError extends UserError {
  override name = 'BundleError';
}

/** A zod error's first issue as `field.path: message`, with a count of the others. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const first = issues[0]!;
  const path = first.path.length ? first.path.map(String).join('.') : '(top level)';
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  return `${path}: ${first.message}${more}`;
}

/** Parse `file`'s JSON with `schema`; throws a BundleError naming the file and the first bad field. */
export function readJson<S extends z.ZodType>(file: string, schema: S): z.infer<S> {
  if (!existsSync(file)) throw new BundleError(`${file}: not found (expected a results bundle file; run \`npm run pipeline\` first)`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new BundleError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new BundleError(`${file}: ${describeIssues(parsed.error.issues)}`);
  return parsed.data;
}

export interface Bundle {
  dir: string;
  manifest: Manifest;
  models: ModelResult[];
}

export function readManifest(dir: string): Manifest {
  return readJson(join(dir, MANIFEST_FILE), Manifest);
}

export function readModel(dir: string, file: string): ModelResult {
  return readJson(join(dir, file), ModelResult);
}

/** The whole bundle, with cross-file checks (model ids, class counts, sample counts). */
export function readBundle(dir: string): Bundle {
  const manifest = readManifest(dir);
  const classes = manifest.dataset.classes.length;
  const samples = manifest.samples.testIndices.length;
  const seen = new Set<string>();
  const models = manifest.models.map((entry, i) => {
    if (seen.has(entry.id)) throw new BundleError(`${join(dir, MANIFEST_FILE)}: models.${i}.id: "${entry.id}" is listed twice`);
    seen.add(entry.id);
    if (entry.file !== modelJsonPath(entry.id))
      throw new BundleError(`${join(dir, MANIFEST_FILE)}: models.${i}.file: expected "${modelJsonPath(entry.id)}", found "${entry.file}"`);
    const model = readModel(dir, entry.file);
    const where = join(dir, entry.file);
    if (model.id !== entry.id) throw new BundleError(`${where}: id: expected "${entry.id}" as listed in ${MANIFEST_FILE}, found "${model.id}"`);
    if (model.evaluation.confusion.length !== classes || model.evaluation.confusion.some((r) => r.length !== classes))
      throw new BundleError(`${where}: evaluation.confusion: expected a ${classes}×${classes} matrix`);
    if (model.softmax.length !== samples || model.softmax.some((r) => r.length !== classes))
      throw new BundleError(`${where}: softmax: expected ${samples} rows of ${classes} probabilities`);
    if (model.activations.sampleCount !== samples)
      throw new BundleError(`${where}: activations.sampleCount: expected ${samples} (manifest.samples), found ${model.activations.sampleCount}`);
    // The manifest's roster is the authority on how a model is presented, and its order is the paper's.
    return { ...model, name: entry.name ?? model.name, role: entry.role ?? model.role, colour: entry.colour ?? model.colour, studyPick: entry.studyPick ?? model.studyPick };
  });
  return { dir, manifest, models };
}

/** The activation sample images: samples × imageSize × imageSize uint8. */
export function readSamples(bundle: Bundle): Uint8Array {
  const file = join(bundle.dir, bundle.manifest.samples.file);
  const bytes = readBytes(file);
  const size = bundle.manifest.dataset.imageSize;
  const expected = bundle.manifest.samples.testIndices.length * size * size;
  if (bytes.length !== expected) throw new BundleError(`${file}: expected ${expected} bytes, found ${bytes.length}`);
  return bytes;
}

/** One model's decompressed activation bytes, length-checked against its index. */
export function readActivations(bundle: Bundle, id: ModelId): Uint8Array {
  const model = bundle.models.find((m) => m.id === id);
  if (!model) throw new BundleError(`${join(bundle.dir, MANIFEST_FILE)}: models: no model "${id}"`);
  const file = join(bundle.dir, model.activations.file);
  let bytes: Uint8Array;
  try {
    bytes = gunzipSync(readBytes(file));
  } catch (e) {
    if (e instanceof BundleError) throw e;
    throw new BundleError(`${file}: not a gzip stream (${(e as Error).message})`);
  }
  const n = model.activations.sampleCount;
  const needed = Math.max(0, ...model.activations.layers.map((l) => l.offset + n * l.shape[0] * l.shape[1] * l.shape[2]));
  if (bytes.length < needed) throw new BundleError(`${file}: expected at least ${needed} bytes for the layers indexed in ${model.id}.json, found ${bytes.length}`);
  return bytes;
}

/**
 * The whole bundle with every file read and checked (the sample images and each model's
 * activation maps too), so that a missing or truncated file stops a site build before
 * any page renders rather than halfway through them.
 */
export function checkBundle(dir: string): Bundle {
  const bundle = readBundle(dir);
  readSamples(bundle);
  for (const model of bundle.models) {
    readActivations(bundle, model.id);
    readMisclassified(bundle, model.id);
  }
  return bundle;
}

/** A model's misclassified test images, length-checked against ModelResult.misclassified; empty when it has none. */
export function readMisclassified(bundle: Bundle, id: ModelId): Uint8Array {
  const model = bundle.models.find((m) => m.id === id);
  if (!model) throw new BundleError(`${join(bundle.dir, MANIFEST_FILE)}: models: no model "${id}"`);
  const info = model.misclassified;
  if (!info || info.images.length === 0) return new Uint8Array(0);
  const file = join(bundle.dir, info.file);
  const bytes = readBytes(file);
  const size = bundle.manifest.dataset.imageSize;
  const expected = info.images.length * size * size;
  if (bytes.length !== expected) throw new BundleError(`${file}: expected ${expected} bytes (${info.images.length} images listed in ${id}.json), found ${bytes.length}`);
  return bytes;
}

/** A bundle file's bytes as they are on disk (activations stay gzipped). */
export function readBytes(file: string): Uint8Array {
  if (!existsSync(file)) throw new BundleError(`${file}: not found (expected a results bundle file)`);
  return new Uint8Array(readFileSync(file));
}
