/**
 * Per-epoch training checkpoints: model weights, Adam's state and the history so far,
 * in one file written atomically, so a killed run resumes at the last finished epoch.
 *
 * Format: 4-byte little-endian header length, UTF-8 JSON header, then float32 data.
 * (tfjs' own save handlers need tfjs-node for file://, and they do not cover optimizer
 * state; this small format does both with the one backend-independent API, getWeights.)
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import type { EpochRecord } from '../../schema/results.ts';
import { writeFileAtomic } from '../shared/atomic-write.ts';

interface TensorEntry {
  name: string;
  shape: number[];
  offset: number; // in float32 elements
  dtype: 'float32' | 'int32';
}

interface Header {
  version: 1;
  inputsHash: string;
  epochsCompleted: number;
  seconds: number;
  history: EpochRecord[];
  model: TensorEntry[];
  optimizer: TensorEntry[];
}

export interface CheckpointState {
  epochsCompleted: number;
  seconds: number;
  history: EpochRecord[];
}

export async function saveCheckpoint(file: string, inputsHash: string, model: LayersModel, state: CheckpointState): Promise<void> {
  const chunks: Float32Array[] = [];
  let offset = 0;
  const add = async (name: string, t: tf.Tensor): Promise<TensorEntry> => {
    const data = t.dtype === 'float32' ? (await t.data()) as Float32Array : Float32Array.from(await t.data());
    const entry: TensorEntry = { name, shape: t.shape, offset, dtype: t.dtype === 'int32' ? 'int32' : 'float32' };
    chunks.push(data);
    offset += data.length;
    return entry;
  };
  const modelEntries: TensorEntry[] = [];
  for (const [i, w] of model.getWeights().entries()) modelEntries.push(await add(String(i), w));
  const optimizerEntries: TensorEntry[] = [];
  const optWeights = model.optimizer ? await model.optimizer.getWeights() : [];
  for (const w of optWeights) optimizerEntries.push(await add(w.name, w.tensor));
  const header: Header = { version: 1, inputsHash, ...state, model: modelEntries, optimizer: optimizerEntries };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(json.length, 0);
  const body = Buffer.concat([len, json, ...chunks.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength))]);
  writeFileAtomic(file, body);
}

/**
 * Restores weights and optimizer state into a freshly built and compiled `model`.
 * Returns null (and leaves the model untouched) when there is no usable checkpoint.
 */
export async function loadCheckpoint(file: string, inputsHash: string, model: LayersModel): Promise<CheckpointState | null> {
  if (!existsSync(file)) return null;
  let header: Header;
  let data: Float32Array;
  try {
    const buf = readFileSync(file);
    const len = buf.readUInt32LE(0);
    header = JSON.parse(buf.subarray(4, 4 + len).toString('utf8')) as Header;
    const body = buf.subarray(4 + len);
    data = new Float32Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
  } catch {
    return null; // unreadable: start over rather than fail
  }
  if (header.version !== 1 || header.inputsHash !== inputsHash) return null;
  const weights = model.getWeights();
  if (header.model.length !== weights.length) return null;
  const toTensor = (e: TensorEntry) => {
    const size = e.shape.reduce((a, b) => a * b, 1);
    const values = data.subarray(e.offset, e.offset + size);
    return e.dtype === 'int32' ? tf.tensor(Int32Array.from(values), e.shape, 'int32') : tf.tensor(values, e.shape);
  };
  const restored = header.model.map(toTensor);
  model.setWeights(restored);
  tf.dispose(restored);
  if (model.optimizer && header.optimizer.length) {
    await model.optimizer.setWeights(header.optimizer.map((e) => ({ name: e.name, tensor: toTensor(e) })));
  }
  return { epochsCompleted: header.epochsCompleted, seconds: header.seconds, history: header.history };
}

export function removeCheckpoint(file: string): void {
  rmSync(file, { force: true });
}
