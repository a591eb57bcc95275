/**
 * The model cache: each finished model's result and activations, kept under the cache
 * directory by model id and inputs hash, with its training checkpoint beside them.
 * A model whose inputs are unchanged is taken from here (or from the previous bundle)
 * instead of being retrained, and a run that dies after some models finished keeps
 * them for the next run.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ModelResult, Run, RunProvenance, type Budget, type ModelId, type Protocol } from '../../schema/results.ts';
import { BROWSER_WEIGHTS_FILE, BundleError, browserModelFolder, readBytes, readModel, modelJsonPath } from '../../schema/bundle.ts';
import { writeFileAtomic } from '../shared/atomic-write.ts';
import type { ExportedFiles } from '../export/tfjs-model.ts';
import { MODEL_LIST } from '../models/registry.ts';

export interface StoredModel {
  result: ModelResult;
  /** gzip of the uint8 activation maps. */
  activationsGz: Uint8Array;
  /** The browser export (model.json and its weights), for the models that have one. */
  browser: ExportedFiles | null;
  /** The misclassified test images' pixels (result.misclassified), absent for models stored before they were kept. */
  misclassified?: Uint8Array;
  /**
   * gzip of the linear kernels of result.representations' layers (pipeline/analysis/representations.ts):
   * kept in the cache only, for cross-model CKA when the bundle is assembled; absent for a model taken from a bundle.
   */
  representationKernels?: Uint8Array;
}

/**
 * The browser export stored in `folder` for `result`: null when the model has none (its
 * file does not ask for one). A model whose export is missing or does not match its result is incomplete
 * (undefined): it is retrained, since no weights are kept to export from.
 */
function readExport(folder: string, result: ModelResult): ExportedFiles | null | undefined {
  // Whether the model's file asks for an export (a model no longer in the zoo: as its record says).
  const wanted = MODEL_LIST.find((m) => m.id === result.id)?.browser ?? result.browser !== null;
  if (!wanted) return null;
  const model = join(folder, 'model.json');
  const weights = join(folder, BROWSER_WEIGHTS_FILE);
  if (!result.browser || !existsSync(model) || !existsSync(weights)) return undefined;
  const files = { modelJson: readFileSync(model, 'utf8'), weights: new Uint8Array(readFileSync(weights)) };
  return files.weights.length === result.browser.weightBytes ? files : undefined;
}

/** The representation analyses' kernels beside a cached result (see StoredModel.representationKernels). */
export const REPRESENTATION_KERNELS_FILE = 'representation-kernels.f32.gz';

export function modelDir(cacheDir: string, id: ModelId, inputsHash: string): string {
  return join(cacheDir, 'models', `${id}-${inputsHash.slice(0, 16)}`);
}

export function checkpointFile(cacheDir: string, id: ModelId, inputsHash: string): string {
  return join(modelDir(cacheDir, id, inputsHash), 'checkpoint.bin');
}

/** A cached result if it is valid and was made from the same inputs; null otherwise. */
export function loadFromCache(cacheDir: string, id: ModelId, inputsHash: string): StoredModel | null {
  const dir = modelDir(cacheDir, id, inputsHash);
  const jsonFile = join(dir, 'result.json');
  const activationsFile = join(dir, 'activations.u8.gz');
  const misclassifiedFile = join(dir, 'misclassified.u8');
  const kernelsFile = join(dir, REPRESENTATION_KERNELS_FILE);
  if (!existsSync(jsonFile) || !existsSync(activationsFile)) return null;
  try {
    const parsed = ModelResult.safeParse(JSON.parse(readFileSync(jsonFile, 'utf8')));
    if (!parsed.success || parsed.data.inputsHash !== inputsHash) return null;
    const browser = readExport(join(dir, 'browser'), parsed.data);
    if (browser === undefined) return null;
    if (parsed.data.misclassified && !existsSync(misclassifiedFile)) return null;
    const stored: StoredModel = { result: parsed.data, activationsGz: new Uint8Array(readFileSync(activationsFile)), browser };
    if (parsed.data.misclassified) stored.misclassified = new Uint8Array(readFileSync(misclassifiedFile));
    if (parsed.data.representations) {
      if (!existsSync(kernelsFile)) return null;
      stored.representationKernels = new Uint8Array(readFileSync(kernelsFile));
    }
    return stored;
  } catch {
    return null;
  }
}

/** A model of the previous bundle in `bundleDir`, read by the bundle's own reader, if made from the same inputs (null: whatever inputs). */
export function loadFromBundle(bundleDir: string, id: ModelId, inputsHash: string | null): StoredModel | null {
  try {
    const result = readModel(bundleDir, modelJsonPath(id));
    if (result.id !== id || (inputsHash !== null && result.inputsHash !== inputsHash)) return null;
    const browser = readExport(join(bundleDir, browserModelFolder(id)), result);
    if (browser === undefined) return null;
    const stored: StoredModel = { result, activationsGz: readBytes(join(bundleDir, result.activations.file)), browser };
    if (result.misclassified) stored.misclassified = readBytes(join(bundleDir, result.misclassified.file));
    return stored;
  } catch (e) {
    if (e instanceof BundleError) return null;
    throw e;
  }
}

export function saveToCache(cacheDir: string, stored: StoredModel): void {
  const dir = modelDir(cacheDir, stored.result.id, stored.result.inputsHash);
  // Activations and browser export first, result last: result.json's presence marks a complete entry.
  writeFileAtomic(join(dir, 'activations.u8.gz'), stored.activationsGz);
  if (stored.browser) {
    writeFileAtomic(join(dir, 'browser', BROWSER_WEIGHTS_FILE), stored.browser.weights);
    writeFileAtomic(join(dir, 'browser', 'model.json'), stored.browser.modelJson);
  }
  if (stored.misclassified) writeFileAtomic(join(dir, 'misclassified.u8'), stored.misclassified);
  if (stored.representationKernels) writeFileAtomic(join(dir, REPRESENTATION_KERNELS_FILE), stored.representationKernels);
  writeFileAtomic(join(dir, 'result.json'), JSON.stringify(stored.result, null, 1));
}

/** Every finished job's run record (each protocol and seed), beside the primary run's result. */
export function saveRunToCache(cacheDir: string, id: ModelId, run: Run): void {
  writeFileAtomic(join(modelDir(cacheDir, id, run.inputsHash), 'run.json'), JSON.stringify(run));
}

export function loadRunFromCache(cacheDir: string, id: ModelId, inputsHash: string): Run | null {
  const file = join(modelDir(cacheDir, id, inputsHash), 'run.json');
  if (!existsSync(file)) return null;
  try {
    const parsed = Run.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    return parsed.success && parsed.data.inputsHash === inputsHash ? parsed.data : null;
  } catch {
    return null;
  }
}

/**
 * What a stored run's inputs hash was made of (run/job.ts), kept beside it as inputs.json,
 * so that a run from other code or data, found in a merged store, can say what differs.
 * Every store entry is its own folder named by model id and inputs hash, so copying the
 * stores of several machines into one folder merges them without a collision.
 */
export interface InputsRecord {
  inputsHash: string;
  id: ModelId;
  protocol: Protocol;
  seed: number;
  schema: number;
  /** run/job.ts TRAINER_VERSION. */
  trainer: number;
  /** sha256 of the model's definition (its tfjs-layers JSON). */
  definition: string;
  budget: Budget;
  /** The dataset's content fingerprint. */
  fingerprint: string;
  /** sha256 of the split's key. */
  split: string;
  /** The initial weights' hash (ImageNet), or null. */
  weights: string | null;
}

export function saveInputsRecord(cacheDir: string, record: InputsRecord): void {
  writeFileAtomic(join(modelDir(cacheDir, record.id, record.inputsHash), 'inputs.json'), JSON.stringify(record, null, 1));
}

/** One folder of the store: a finished run (run.json), a run in progress (checkpoint.bin), and what it was made of if recorded. */
export interface StoreEntry {
  dir: string;
  id: ModelId;
  inputs: InputsRecord | null;
  run: Run | null;
  checkpoint: boolean;
}

/** Every entry of model `id` in the store (any inputs), for saying why none matches. */
export function storeEntries(cacheDir: string, id: ModelId): StoreEntry[] {
  const root = join(cacheDir, 'models');
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  const out: StoreEntry[] = [];
  for (const name of names.sort()) {
    const m = /^(.+)-([0-9a-f]{16})$/.exec(name);
    if (!m || m[1] !== id) continue;
    const dir = join(root, name);
    const read = <T>(file: string): T | null => {
      try {
        return JSON.parse(readFileSync(join(dir, file), 'utf8')) as T;
      } catch {
        return null;
      }
    };
    const inputs = read<InputsRecord>('inputs.json');
    const parsedRun = Run.safeParse(read('run.json'));
    out.push({ dir, id, inputs: inputs && typeof inputs.inputsHash === 'string' ? inputs : null, run: parsedRun.success ? parsedRun.data : null, checkpoint: existsSync(join(dir, 'checkpoint.bin')) });
  }
  return out;
}

/** Where a finished run was made (made.json beside run.json), written by the process that trained it. */
export function saveProvenance(cacheDir: string, id: ModelId, inputsHash: string, made: RunProvenance): void {
  writeFileAtomic(join(modelDir(cacheDir, id, inputsHash), 'made.json'), JSON.stringify(made));
}

export function loadProvenance(cacheDir: string, id: ModelId, inputsHash: string): RunProvenance | null {
  try {
    const parsed = RunProvenance.safeParse(JSON.parse(readFileSync(join(modelDir(cacheDir, id, inputsHash), 'made.json'), 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
