/**
 * The model store: each finished model's result and activations, kept under the cache
 * directory by model id and inputs hash. A model whose inputs are unchanged is taken
 * from here instead of being retrained, and a run that dies after some models finished
 * keeps them for the next run.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ModelResult, type ModelId } from '../../schema/results.ts';

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

/** Reads a stored result if it is valid and was made from the same inputs; null otherwise. */
export function loadStored(jsonFile: string, activationsFile: string, inputsHash: string): StoredModel | null {
  if (!existsSync(jsonFile) || !existsSync(activationsFile)) return null;
  try {
    const parsed = ModelResult.safeParse(JSON.parse(readFileSync(jsonFile, 'utf8')));
    if (!parsed.success || parsed.data.inputsHash !== inputsHash) return null;
    return { result: parsed.data, activationsGz: new Uint8Array(readFileSync(activationsFile)) };
  } catch {
    return null;
  }
}

export function loadFromStore(cacheDir: string, id: ModelId, inputsHash: string): StoredModel | null {
  const dir = modelDir(cacheDir, id, inputsHash);
  return loadStored(join(dir, 'result.json'), join(dir, 'activations.u8.gz'), inputsHash);
}

export function saveToStore(cacheDir: string, stored: StoredModel): void {
  const dir = modelDir(cacheDir, stored.result.id, stored.result.inputsHash);
  mkdirSync(dir, { recursive: true });
  // Activations first, result last: result.json's presence marks a complete entry.
  writeAtomic(join(dir, 'activations.u8.gz'), stored.activationsGz);
  writeAtomic(join(dir, 'result.json'), JSON.stringify(stored.result, null, 1));
}

export function writeAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
