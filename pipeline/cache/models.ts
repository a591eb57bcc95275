/**
 * The model cache: each finished model's result and activations, kept under the cache
 * directory by model id and inputs hash, with its training checkpoint beside them.
 * A model whose inputs are unchanged is taken from here (or from the previous bundle)
 * instead of being retrained, and a run that dies after some models finished keeps
 * them for the next run.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ModelResult, type ModelId } from '../../schema/results.ts';
import { BundleError, readBytes, readModel, modelJsonPath } from '../../schema/bundle.ts';
import { writeFileAtomic } from '../shared/atomic-write.ts';

export interface StoredModel {
  result: ModelResult;
  /** gzip of the uint8 activation maps. */
  activationsGz: Uint8Array;
}

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
  if (!existsSync(jsonFile) || !existsSync(activationsFile)) return null;
  try {
    const parsed = ModelResult.safeParse(JSON.parse(readFileSync(jsonFile, 'utf8')));
    if (!parsed.success || parsed.data.inputsHash !== inputsHash) return null;
    return { result: parsed.data, activationsGz: new Uint8Array(readFileSync(activationsFile)) };
  } catch {
    return null;
  }
}

/** A model of the previous bundle in `bundleDir`, read by the bundle's own reader, if made from the same inputs. */
export function loadFromBundle(bundleDir: string, id: ModelId, inputsHash: string): StoredModel | null {
  try {
    const result = readModel(bundleDir, modelJsonPath(id));
    if (result.id !== id || result.inputsHash !== inputsHash) return null;
    return { result, activationsGz: readBytes(join(bundleDir, result.activations.file)) };
  } catch (e) {
    if (e instanceof BundleError) return null;
    throw e;
  }
}

export function saveToCache(cacheDir: string, stored: StoredModel): void {
  const dir = modelDir(cacheDir, stored.result.id, stored.result.inputsHash);
  // Activations first, result last: result.json's presence marks a complete entry.
  writeFileAtomic(join(dir, 'activations.u8.gz'), stored.activationsGz);
  writeFileAtomic(join(dir, 'result.json'), JSON.stringify(stored.result, null, 1));
}
