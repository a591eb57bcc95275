/**
 * Writes the results bundle. Everything is validated against the schema first, then
 * written into a sibling temporary directory, which replaces the old bundle by rename:
 * a failed or interrupted run never leaves a half-written bundle, and the previous
 * good one survives until the new one is complete.
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { Manifest, ModelResult } from '../../schema/results.ts';
import type { StoredModel } from './store.ts';

export class ExportError extends Error {
  override name = 'ExportError';
}

function validate<T>(what: string, schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } } }, value: unknown): T {
  const r = schema.safeParse(value);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new ExportError(`${what}: ${i.path.map(String).join('.') || '(top level)'}: ${i.message} (the pipeline produced an invalid result; nothing was written)`);
  }
  return r.data;
}

export function modelJsonPath(id: string): string {
  return `models/${id}.json`;
}

export function activationsPath(id: string): string {
  return `activations/${id}.u8.gz`;
}

export function writeBundle(outDir: string, manifest: Manifest, models: StoredModel[], samples: Uint8Array): void {
  const out = resolve(outDir);
  validate('manifest.json', Manifest, manifest);
  for (const m of models) validate(`${modelJsonPath(m.result.id)}`, ModelResult, m.result);

  mkdirSync(dirname(out), { recursive: true });
  const tmp = join(dirname(out), `.${basename(out)}.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(join(tmp, 'models'), { recursive: true });
  mkdirSync(join(tmp, 'activations'), { recursive: true });
  for (const m of models) {
    writeFileSync(join(tmp, m.result.activations.file), m.activationsGz);
    writeFileSync(join(tmp, modelJsonPath(m.result.id)), JSON.stringify(m.result, null, 1) + '\n');
  }
  writeFileSync(join(tmp, manifest.samples.file), samples);
  writeFileSync(join(tmp, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');

  const old = join(dirname(out), `.${basename(out)}.old-${process.pid}`);
  if (existsSync(out)) renameSync(out, old);
  renameSync(tmp, out);
  rmSync(old, { recursive: true, force: true });
}
