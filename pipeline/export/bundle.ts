/**
 * Writes the results bundle (layout: schema/bundle.ts). Everything is validated against
 * the schema first, then written into a sibling temporary directory, which replaces the
 * old bundle by rename: a failed or interrupted run never leaves a half-written bundle,
 * and the previous good one survives until the new one is complete.
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { z } from 'zod';
import { Manifest, ModelResult } from '../../schema/results.ts';
import { ACTIVATIONS_FOLDER, BROWSER_WEIGHTS_FILE, MANIFEST_FILE, MODELS_FOLDER, browserModelFolder, browserModelPath, describeIssues, modelJsonPath } from '../../schema/bundle.ts';
import { UserError } from '../../schema/errors.ts';
import type { StoredModel } from '../cache/models.ts';

export class ExportError extends UserError {
  override name = 'ExportError';
}

function validate<S extends z.ZodType>(what: string, schema: S, value: unknown): void {
  const r = schema.safeParse(value);
  if (!r.success) throw new ExportError(`${what}: ${describeIssues(r.error.issues)} (the pipeline produced an invalid result; nothing was written)`);
}

export function writeBundle(outDir: string, manifest: Manifest, models: StoredModel[], samples: Uint8Array): void {
  const out = resolve(outDir);
  validate(MANIFEST_FILE, Manifest, manifest);
  for (const m of models) validate(modelJsonPath(m.result.id), ModelResult, m.result);

  mkdirSync(dirname(out), { recursive: true });
  const tmp = join(dirname(out), `.${basename(out)}.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(join(tmp, MODELS_FOLDER), { recursive: true });
  mkdirSync(join(tmp, ACTIVATIONS_FOLDER), { recursive: true });
  for (const m of models) {
    writeFileSync(join(tmp, m.result.activations.file), m.activationsGz);
    writeFileSync(join(tmp, modelJsonPath(m.result.id)), JSON.stringify(m.result, null, 1) + '\n');
    if (m.browser || m.result.browser) {
      const id = m.result.id;
      if (!m.browser || m.result.browser?.modelFile !== browserModelPath(id))
        throw new ExportError(`${modelJsonPath(id)}: browser: expected the export at ${browserModelPath(id)} with its files (the pipeline produced an inconsistent export; nothing was written)`);
      mkdirSync(join(tmp, browserModelFolder(id)), { recursive: true });
      writeFileSync(join(tmp, browserModelPath(id)), m.browser.modelJson);
      writeFileSync(join(tmp, browserModelFolder(id), BROWSER_WEIGHTS_FILE), m.browser.weights);
    }
  }
  writeFileSync(join(tmp, manifest.samples.file), samples);
  writeFileSync(join(tmp, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');

  const old = join(dirname(out), `.${basename(out)}.old-${process.pid}`);
  if (existsSync(out)) renameSync(out, old);
  renameSync(tmp, out);
  rmSync(old, { recursive: true, force: true });
}
