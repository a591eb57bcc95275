/**
 * Per-epoch training checkpoints: model weights, Adam's state and the history so far,
 * in one file written atomically, so a killed run resumes at the last finished epoch.
 *
 * The tensors are packed by tfjs' own tf.io.encodeWeights (and read by decodeWeights);
 * tf.io has no file container in Node without tfjs-node (its file:// handler lives
 * there), and a model's save handlers do not restore optimizer state into an existing
 * model, so the file is: 4-byte little-endian header length, UTF-8 JSON header (state
 * and weight specs), then encodeWeights' data.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import type { EpochRecord } from '../../schema/results.ts';
import { writeFileAtomic } from '../shared/atomic-write.ts';

const VERSION = 2;

interface Header {
  version: typeof VERSION;
  inputsHash: string;
  epochsCompleted: number;
  seconds: number;
  history: EpochRecord[];
  /** Model weights are named `model/<index>`, optimizer weights `optimizer/<name>`. */
  specs: tf.io.WeightsManifestEntry[];
}

export interface CheckpointState {
  epochsCompleted: number;
  seconds: number;
  history: EpochRecord[];
}

const MODEL = 'model/';
const OPTIMIZER = 'optimizer/';

export async function saveCheckpoint(file: string, inputsHash: string, model: LayersModel, state: CheckpointState): Promise<void> {
  const tensors: { name: string; tensor: tf.Tensor }[] = model.getWeights().map((tensor, i) => ({ name: `${MODEL}${i}`, tensor }));
  const optimizerWeights = model.optimizer ? await model.optimizer.getWeights() : [];
  for (const w of optimizerWeights) tensors.push({ name: `${OPTIMIZER}${w.name}`, tensor: w.tensor });
  const { data, specs } = await tf.io.encodeWeights(tensors);
  const header: Header = { version: VERSION, inputsHash, ...state, specs };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(json.length, 0);
  writeFileAtomic(file, Buffer.concat([len, json, Buffer.from(data)]));
}

/**
 * Restores weights and optimizer state into a freshly built and compiled `model`.
 * Returns null (and leaves the model untouched) when there is no usable checkpoint; one
 * that exists but cannot be used (cut short, damaged, of another format or shape) is
 * reported through `warn` and removed, and training starts over.
 */
export async function loadCheckpoint(
  file: string,
  inputsHash: string,
  model: LayersModel,
  warn: (line: string) => void = () => {},
): Promise<CheckpointState | null> {
  if (!existsSync(file)) return null;
  const drop = (why: string): null => {
    warn(`checkpoint ${file} dropped (${why}); training starts from the first epoch`);
    removeCheckpoint(file);
    return null;
  };
  let header: Header;
  let named: tf.NamedTensorMap;
  try {
    const buf = readFileSync(file);
    const len = buf.readUInt32LE(0);
    header = JSON.parse(buf.subarray(4, 4 + len).toString('utf8')) as Header;
    if (header?.version !== VERSION) return drop(`format version ${header?.version}, expected ${VERSION}`);
    if (header.inputsHash !== inputsHash) return drop('made from other inputs');
    const body = buf.subarray(4 + len);
    const needed = header.specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1) * (s.dtype === 'bool' ? 1 : 4), 0);
    if (body.byteLength < needed) return drop(`cut short: ${body.byteLength} bytes of weights, expected ${needed}`);
    named = tf.io.decodeWeights(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength), header.specs);
  } catch (e) {
    return drop(`unreadable: ${String((e as Error)?.message ?? e).split('\n')[0]}`);
  }
  const weights = model.getWeights();
  const restored = weights.map((_, i) => named[`${MODEL}${i}`]);
  const optimizer = Object.entries(named)
    .filter(([name]) => name.startsWith(OPTIMIZER))
    .map(([name, tensor]) => ({ name: name.slice(OPTIMIZER.length), tensor }));
  const mismatch = restored.findIndex((t, i) => t === undefined || t.shape.join('x') !== weights[i]!.shape.join('x'));
  if (mismatch >= 0 || Object.keys(named).length !== weights.length + optimizer.length) {
    const t = mismatch >= 0 ? restored[mismatch] : undefined;
    tf.dispose(Object.values(named));
    return drop(
      mismatch < 0
        ? `${Object.keys(named).length} tensors, expected ${weights.length} weights and their optimizer state`
        : t
          ? `weight ${mismatch} has shape [${t.shape}], the model expects [${weights[mismatch]!.shape}]`
          : `weight ${mismatch} is missing`,
    );
  }
  model.setWeights(restored as tf.Tensor[]);
  tf.dispose(restored as tf.Tensor[]);
  if (model.optimizer && optimizer.length) await model.optimizer.setWeights(optimizer);
  return { epochsCompleted: header.epochsCompleted, seconds: header.seconds, history: header.history };
}

export function removeCheckpoint(file: string): void {
  rmSync(file, { force: true });
}

/** How many epochs a checkpoint holds (its header only), or null when there is none or it cannot be read. */
export function checkpointEpochs(file: string): number | null {
  try {
    const buf = readFileSync(file);
    const header = JSON.parse(buf.subarray(4, 4 + buf.readUInt32LE(0)).toString('utf8')) as Partial<Header>;
    return typeof header.epochsCompleted === 'number' ? header.epochsCompleted : null;
  } catch {
    return null;
  }
}
