/**
 * Writes the results bundle (layout: schema/bundle.ts). Everything is validated against
 * the schema first, then written into a sibling temporary directory, which replaces the
 * old bundle by rename: a failed or interrupted run never leaves a half-written bundle,
 * and the previous good one survives until the new one is complete.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { z } from 'zod';
import { describeFsError, makeFolder, markOwnedFolder, PathError, replaceFolder, stagingFolder } from '../../common/owned-folder.ts';
import { Manifest, ModelResult } from '../../schema/results.ts';
import { ACTIVATIONS_FOLDER, BROWSER_WEIGHTS_FILE, MANIFEST_FILE, MISCLASSIFIED_FOLDER, MODELS_FOLDER, browserModelFolder, browserModelPath, describeIssues, modelJsonPath } from '../../schema/bundle.ts';
import { UserError } from '../../common/user-error.ts';
import type { StoredModel } from '../cache/models.ts';

export class ExportError extends UserError {
  override name = 'ExportError';
}

function validate<S extends z.ZodType>(what: string, schema: S, value: unknown): void {
  const r = schema.safeParse(value);
  if (!r.success) throw new ExportError(`${what}: ${describeIssues(r.error.issues)} (the pipeline produced an invalid result; nothing was written)`);
}

/** `extras`: further files of the bundle (splits.json, audit.u8), written with the rest. */
export function writeBundle(outDir: string, manifest: Manifest, models: StoredModel[], samples: Uint8Array, extras: { file: string; data: string | Uint8Array }[] = []): void {
  const out = resolve(outDir);
  validate(MANIFEST_FILE, Manifest, manifest);
  for (const m of models) validate(modelJsonPath(m.result.id), ModelResult, m.result);

  // Staged beside the target, then renamed into place. A failure (a full disk) removes
  // the staged folder and says what went wrong; a killed run's is removed on the next start.
  const tmp = stagingFolder(out, 'tmp');
  try {
    rmSync(tmp, { recursive: true, force: true });
    makeFolder(join(tmp, MODELS_FOLDER), out);
    makeFolder(join(tmp, ACTIVATIONS_FOLDER), out);
    makeFolder(join(tmp, MISCLASSIFIED_FOLDER), out);
    for (const m of models) {
      writeFileSync(join(tmp, m.result.activations.file), m.activationsGz);
      if (m.result.misclassified && m.misclassified) writeFileSync(join(tmp, m.result.misclassified.file), m.misclassified);
      writeFileSync(join(tmp, modelJsonPath(m.result.id)), JSON.stringify(m.result, null, 1) + '\n');
      if (m.browser || m.result.browser) {
        const id = m.result.id;
        if (!m.browser || m.result.browser?.modelFile !== browserModelPath(id))
          throw new ExportError(`${modelJsonPath(id)}: browser: expected the export at ${browserModelPath(id)} with its files (the pipeline produced an inconsistent export; nothing was written)`);
        makeFolder(join(tmp, browserModelFolder(id)), out);
        writeFileSync(join(tmp, browserModelPath(id)), m.browser.modelJson);
        writeFileSync(join(tmp, browserModelFolder(id), BROWSER_WEIGHTS_FILE), m.browser.weights);
      }
    }
    writeFileSync(join(tmp, manifest.samples.file), samples);
    for (const e of extras) writeFileSync(join(tmp, e.file), e.data);
    writeFileSync(join(tmp, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
    markOwnedFolder(tmp, 'results');
    replaceFolder(tmp, out);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    if (e instanceof PathError || e instanceof ExportError) throw e;
    throw new PathError(`${out}: cannot write the results bundle: ${describeFsError(e, out)} (the previous bundle is unchanged)`);
  }
}
