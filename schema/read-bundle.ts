/**
 * Reading a results bundle from disk, validated against the schema. Used by the
 * site at build time, by the pipeline (to reuse unchanged models) and by tests.
 * Every failure is one line naming the file and the field.
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { z } from 'zod';
import { Manifest, ModelResult, IMAGE_SIZE, type ModelId } from './results.ts';

export class BundleError extends Error {
  override name = 'BundleError';
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.length ? issue.path.map(String).join('.') : '(top level)';
  return `${path}: ${issue.message}`;
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
  if (!parsed.success) {
    const issues = parsed.error.issues;
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
    throw new BundleError(`${file}: ${describeIssue(issues[0]!)}${more}`);
  }
  return parsed.data;
}

export interface Bundle {
  dir: string;
  manifest: Manifest;
  models: ModelResult[];
}

export function readManifest(dir: string): Manifest {
  return readJson(join(dir, 'manifest.json'), Manifest);
}

export function readModel(dir: string, file: string): ModelResult {
  return readJson(join(dir, file), ModelResult);
}

/** The whole bundle, with cross-file checks (model ids, class counts, sample counts). */
export function readBundle(dir: string): Bundle {
  const manifest = readManifest(dir);
  const classes = manifest.dataset.classes.length;
  const samples = manifest.samples.testIndices.length;
  const models = manifest.models.map((entry) => {
    const model = readModel(dir, entry.file);
    const where = join(dir, entry.file);
    if (model.id !== entry.id) throw new BundleError(`${where}: id: expected "${entry.id}" as listed in manifest.json, found "${model.id}"`);
    if (model.evaluation.confusion.length !== classes || model.evaluation.confusion.some((r) => r.length !== classes))
      throw new BundleError(`${where}: evaluation.confusion: expected a ${classes}×${classes} matrix`);
    if (model.softmax.length !== samples || model.softmax.some((r) => r.length !== classes))
      throw new BundleError(`${where}: softmax: expected ${samples} rows of ${classes} probabilities`);
    if (model.activations.sampleCount !== samples)
      throw new BundleError(`${where}: activations.sampleCount: expected ${samples} (manifest.samples), found ${model.activations.sampleCount}`);
    return model;
  });
  return { dir, manifest, models };
}

/** The activation sample images: samples × 64 × 64 uint8. */
export function readSamples(bundle: Bundle): Uint8Array {
  const file = join(bundle.dir, bundle.manifest.samples.file);
  const bytes = readBytes(file);
  const expected = bundle.manifest.samples.testIndices.length * IMAGE_SIZE * IMAGE_SIZE;
  if (bytes.length !== expected) throw new BundleError(`${file}: expected ${expected} bytes, found ${bytes.length}`);
  return bytes;
}

/** One model's decompressed activation bytes, length-checked against its index. */
export function readActivations(bundle: Bundle, id: ModelId): Uint8Array {
  const model = bundle.models.find((m) => m.id === id);
  if (!model) throw new BundleError(`${join(bundle.dir, 'manifest.json')}: models: no model "${id}"`);
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

function readBytes(file: string): Uint8Array {
  if (!existsSync(file)) throw new BundleError(`${file}: not found (expected a results bundle file)`);
  return new Uint8Array(readFileSync(file));
}
