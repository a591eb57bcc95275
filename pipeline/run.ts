/**
 * One pipeline run: data → split → backend → for each model (reuse, or train →
 * evaluate → record activations → time inference) → results bundle.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { cpus, platform, arch } from 'node:os';
import { readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs-core';
import seedrandom from 'seedrandom';
import {
  SCHEMA_VERSION,
  MODEL_IDS,
  IMAGE_SIZE,
  type BackendName,
  type Budget,
  type Manifest,
  type ModelId,
  type ModelResult,
  type ProfileName,
  type Profile,
} from '../schema/results.ts';
import { resolveDataSource } from './data/locate.ts';
import { loadDataset, type LoadedDataset } from './data/dataset.ts';
import { splitDataset, stratifiedSubset, DEFAULT_SPLIT } from './data/split.ts';
import { selectBackend, type BackendChoice, type SelectedBackend } from './backend/select.ts';
import { trainInWorkers, TrainingError } from './train/workers.ts';
import { MODELS } from './models/index.ts';
import { layerTable, countMacs, weightBytes, paramCounts } from './models/summary.ts';
import { loadImagenetWeights } from './models/imagenet-weights.ts';
import { getProfile } from './profiles.ts';
import { trainModel } from './train/train.ts';
import type { ImageSet } from './train/batches.ts';
import type { Reporter } from './train/progress.ts';
import { predictSubset } from './evaluate/predict.ts';
import { confusionMatrix, perClassMetrics, macroF1, wilsonInterval } from './evaluate/metrics.ts';
import { recordActivations } from './evaluate/activations.ts';
import { measureLatency } from './evaluate/latency.ts';
import { checkpointFile, loadFromStore, loadStored, saveToStore, type StoredModel } from './export/store.ts';
import { writeBundle, modelJsonPath, activationsPath } from './export/bundle.ts';
import { removeCheckpoint } from './train/checkpoint.ts';

/** Bump when a change to training or evaluation code should invalidate stored results. */
export const TRAINER_VERSION = 2;

export interface RunOptions {
  projectRoot: string;
  data?: string;
  out: string;
  cacheDir: string;
  profile?: ProfileName;
  backend: BackendChoice;
  threads?: number;
  models: ModelId[];
  seed: number;
  force: boolean;
  imagenetWeights?: string;
  /** Models trained at once, each in its own process (wasm and cpu use one core each). */
  jobs?: number;
  reporter: Reporter;
}

/** What every process of a run derives identically from the options: data, split, backend, profile. */
export interface Prepared {
  ds: LoadedDataset;
  data: ImageSet;
  split: { train: Int32Array; validation: Int32Array; test: Int32Array };
  samples: Int32Array;
  backend: SelectedBackend;
  profile: Profile;
  hashes: Record<ModelId, string>;
}

/** Order of training: cheap models first, so an interrupted run has the most to show. */
const TRAINING_ORDER: ModelId[] = ['tiny-cnn', 'reduced-filter-cnn', 'gap-cnn', 'basic-cnn', 'resnet50'];

const sha256 = (s: string | Uint8Array) => createHash('sha256').update(s).digest('hex');

function gitState(root: string): { commit: string | null; dirty: boolean | null } {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] }).toString();
    return { commit, dirty: status.trim().length > 0 };
  } catch {
    return { commit: null, dirty: null };
  }
}

function packageVersion(root: string, pkg: string): string | null {
  const file = join(root, 'node_modules', pkg, 'package.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version : null;
}

function versions(root: string, backend: BackendName): Record<string, string> {
  const out: Record<string, string> = { node: process.versions.node };
  const pkgs = ['@tensorflow/tfjs-core', '@tensorflow/tfjs-layers', '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-backend-wasm', 'sharp'];
  if (backend === 'tensorflow') pkgs.push('@tensorflow/tfjs-node');
  if (backend === 'tensorflow-gpu') pkgs.push('@tensorflow/tfjs-node-gpu');
  for (const p of pkgs) {
    const v = packageVersion(root, p);
    if (v) out[p] = v;
  }
  return out;
}

/** One seeded test image per class: the images every activation figure shows. */
export function chooseSamples(test: Int32Array, labels: Uint8Array, numClasses: number, seed: number): Int32Array {
  const rng = seedrandom(`${seed}:samples`);
  const picks: number[] = [];
  for (let c = 0; c < numClasses; c++) {
    const ofClass = Array.from(test).filter((i) => labels[i] === c);
    if (ofClass.length) picks.push(ofClass[Math.floor(rng() * ofClass.length)]!);
  }
  return Int32Array.from(picks);
}

function inputsHash(parts: {
  id: ModelId;
  definition: string;
  budget: Budget;
  fingerprint: string;
  split: unknown;
  seed: number;
  weights: string | null;
}): string {
  return sha256(JSON.stringify({ schema: SCHEMA_VERSION, trainer: TRAINER_VERSION, ...parts }));
}

function subset(indices: Int32Array, labels: Uint8Array, limit: number | null, seed: number): Int32Array {
  return limit !== null && limit < indices.length ? stratifiedSubset(indices, labels, limit, seed) : indices;
}

/** Trains one model, evaluates it, and saves the result in the model store. */
export async function trainAndEvaluate(id: ModelId, prep: Prepared, opts: RunOptions): Promise<StoredModel> {
  const { ds, data, split, samples } = prep;
  const backend = prep.backend.name;
  const hash = prep.hashes[id];
  const budget = prep.profile.budgets[id];
  const spec = MODELS[id];
  const { reporter } = opts;
  const model = spec.build({ seed: opts.seed });
  let initialWeights: ModelResult['initialWeights'] = { kind: 'random', source: null };
  if (id === 'resnet50' && opts.imagenetWeights) {
    const info = await loadImagenetWeights(model, opts.imagenetWeights);
    initialWeights = { kind: 'imagenet', source: info.source };
    reporter.log(`${spec.name}: ImageNet weights loaded into ${info.layersCopied} layers from ${info.source}`);
  }
  // A reduced budget sees a different stratified subset each epoch, so that across epochs
  // the model still meets most of the training split.
  const trainForEpoch = (epoch: number) => subset(split.train, data.labels, budget.trainLimit, opts.seed * 1000 + epoch);
  const trainPerEpoch = trainForEpoch(1).length;
  const validation = subset(split.validation, data.labels, budget.validationLimit, opts.seed + 1);
  const ckpt = checkpointFile(opts.cacheDir, id, hash);
  const outcome = await trainModel(model, {
    label: spec.name,
    budget,
    data,
    trainForEpoch,
    validation,
    seed: opts.seed,
    inputsHash: hash,
    checkpointFile: ckpt,
    reporter,
  });

  const testSet = subset(split.test, data.labels, budget.testLimit, opts.seed + 2);
  const evalTask = reporter.task(`${spec.name} test`, testSet.length, 'images');
  const test = await predictSubset(model, data, testSet, { progress: evalTask });
  const confusion = confusionMatrix(test.labels, test.predicted, ds.classes.length);
  const perClass = perClassMetrics(confusion, ds.classes);
  const correct = confusion.reduce((s, row, i) => s + row[i]!, 0);
  evalTask.finish(`${spec.name} test: accuracy ${(test.accuracy * 100).toFixed(2)}% on ${testSet.length} images, loss ${test.loss.toFixed(4)}`);

  const acts = await recordActivations(model, spec.activationLayers(model), data, samples);
  reporter.log(`${spec.name}: timing inference on ${backend}`);
  // The smoke profile exists for tests: one timed run per batch size is enough there.
  const latency = await measureLatency(model, prep.profile.name === 'smoke' ? { batch1Runs: 3, batch256Runs: 1, budgetMs: 1000 } : {});

  const result: ModelResult = {
    schemaVersion: SCHEMA_VERSION,
    id,
    name: spec.name,
    description: spec.description,
    inputsHash: hash,
    initialWeights,
    layers: layerTable(model),
    params: paramCounts(model),
    macs: countMacs(model),
    weightBytes: weightBytes(model),
    training: {
      budget,
      backend,
      epochsCompleted: outcome.epochsCompleted,
      trainImages: trainPerEpoch,
      validationImages: validation.length,
      seconds: outcome.seconds,
      stoppedEarly: outcome.stoppedEarly,
      history: outcome.history,
    },
    evaluation: {
      testImages: testSet.length,
      accuracy: test.accuracy,
      accuracyCI95: wilsonInterval(correct, testSet.length),
      loss: test.loss,
      confusion,
      perClass,
      macroF1: macroF1(perClass),
    },
    latency: { backend, ...latency },
    activations: { file: activationsPath(id), sampleCount: samples.length, layers: acts.layers },
    softmax: acts.softmax,
    trainedAt: new Date().toISOString(),
  };
  model.dispose();
  tf.disposeVariables();
  const stored = { result, activationsGz: gzipSync(acts.bytes, { level: 9 }) };
  saveToStore(opts.cacheDir, stored);
  removeCheckpoint(ckpt);
  return stored;
}

/** Data, split, backend, profile and inputs hashes: the same in the parent and in every worker. */
export async function prepareRun(opts: RunOptions): Promise<Prepared> {
  const { reporter } = opts;
  const source = await resolveDataSource({ cliPath: opts.data, env: process.env, projectRoot: opts.projectRoot, log: reporter.log });
  reporter.log(`data: ${source.path} (${source.how})`);
  let decode: ReturnType<Reporter['task']> | null = null;
  const ds = await loadDataset(source.path, {
    cacheDir: join(opts.cacheDir, 'datasets'),
    log: reporter.log,
    warn: reporter.warn,
    onProgress: (done: number, total: number) => {
      decode ??= reporter.task('decoding images', total, 'images');
      decode.update(done);
    },
  });
  (decode as ReturnType<Reporter['task']> | null)?.finish(`decoded ${ds.labels.length} images`);
  reporter.log(
    `dataset: ${ds.dataset.total} images in ${ds.classes.length} classes (${ds.cacheHit ? 'from cache' : 'decoded'}), fingerprint ${ds.dataset.fingerprint.slice(0, 12)}…` +
      (ds.dataset.skipped.length ? `, ${ds.dataset.skipped.length} skipped` : ''),
  );

  const split = splitDataset(ds.labels, ds.contentHashes, { seed: opts.seed, ratios: DEFAULT_SPLIT });
  reporter.log(`split (seed ${opts.seed}): ${split.train.length} train / ${split.validation.length} validation / ${split.test.length} test`);

  const backend = await selectBackend(opts.backend, { threads: opts.threads });
  reporter.log(`backend: ${backend.name}${backend.notes.length ? ` (${backend.notes.join('; ')})` : ''}`);

  const profileName: ProfileName = opts.profile ?? (backend.name === 'tensorflow-gpu' ? 'full' : 'cpu');
  const profile = getProfile(profileName, { train: split.train.length, validation: split.validation.length, test: split.test.length });
  if (opts.models.includes('resnet50') && !opts.imagenetWeights)
    profile.reductions.push('ResNet50: starts from random weights; the study fine-tuned ImageNet weights (pass --imagenet-weights to use them).');
  reporter.log(`profile: ${profileName}${opts.profile ? '' : ' (default for this backend)'}`);

  const data: ImageSet = { images: ds.images, labels: ds.labels, numClasses: ds.classes.length };
  const samples = chooseSamples(split.test, ds.labels, ds.classes.length, opts.seed);
  const splitKey = { ratios: DEFAULT_SPLIT, seed: opts.seed };
  const weightsKey = opts.imagenetWeights ? sha256(readFileSync(opts.imagenetWeights)) : null;
  const hashes = Object.fromEntries(
    opts.models.map((id) => [
      id,
      inputsHash({ id, definition: MODELS[id].definitionSource, budget: profile.budgets[id], fingerprint: ds.dataset.fingerprint, split: splitKey, seed: opts.seed, weights: id === 'resnet50' ? weightsKey : null }),
    ]),
  ) as Record<ModelId, string>;
  return { ds, data, split, samples, backend, profile, hashes };
}

export async function runPipeline(opts: RunOptions): Promise<Manifest> {
  const startedAt = new Date().toISOString();
  const { reporter } = opts;
  const prep = await prepareRun(opts);
  const { ds, split, samples, backend, profile } = prep;
  const outDir = resolve(opts.projectRoot, opts.out);

  const results = new Map<ModelId, { stored: StoredModel; status: 'trained' | 'reused' }>();
  const toTrain: ModelId[] = [];
  for (const id of TRAINING_ORDER.filter((m) => opts.models.includes(m))) {
    const hash = prep.hashes[id];
    const reused = opts.force
      ? null
      : (loadFromStore(opts.cacheDir, id, hash) ?? loadStored(join(outDir, modelJsonPath(id)), join(outDir, activationsPath(id)), hash));
    if (reused) {
      reporter.log(`${MODELS[id].name}: inputs unchanged, reusing the result trained ${reused.result.trainedAt} (--force retrains)`);
      results.set(id, { stored: reused, status: 'reused' });
    } else toTrain.push(id);
  }

  // wasm and cpu run on one core each: train models side by side, one process per core.
  // Native TensorFlow uses every core for one model already.
  const native = backend.name === 'tensorflow' || backend.name === 'tensorflow-gpu';
  const jobs = Math.max(1, Math.min(opts.jobs ?? (native ? 1 : cpus().length), toTrain.length));
  if (jobs > 1) {
    reporter.log(`training ${toTrain.length} models, ${jobs} at a time (one process each; --jobs 1 trains one at a time)`);
    // Longest first, so the long ResNet50 runs beside the short ones rather than after them.
    const longestFirst = [...toTrain].sort((a, b) => TRAINING_ORDER.indexOf(b) - TRAINING_ORDER.indexOf(a));
    // One wasm thread per worker: two workers with two threads each would oversubscribe the cores.
    const failures = await trainInWorkers(longestFirst, jobs, { ...opts, threads: opts.threads ?? 1 });
    for (const id of toTrain) {
      const stored = loadFromStore(opts.cacheDir, id, prep.hashes[id]);
      if (stored) results.set(id, { stored, status: 'trained' });
    }
    if (failures.length) throw new TrainingError(failures.join('; ') + (results.size ? ' (finished models are kept for the next run)' : ''));
  } else {
    for (const id of toTrain) results.set(id, { stored: await trainAndEvaluate(id, prep, opts), status: 'trained' });
  }

  const sampleBytes = new Uint8Array(samples.length * IMAGE_SIZE * IMAGE_SIZE);
  samples.forEach((idx, i) => sampleBytes.set(ds.images.subarray(idx * IMAGE_SIZE * IMAGE_SIZE, (idx + 1) * IMAGE_SIZE * IMAGE_SIZE), i * IMAGE_SIZE * IMAGE_SIZE));
  const perClass = (idx: Int32Array) => ds.classes.map((_, c) => Array.from(idx).filter((i) => ds.labels[i] === c).length);
  const ordered = MODEL_IDS.filter((id) => results.has(id));

  const manifest: Manifest = {
    schemaVersion: SCHEMA_VERSION,
    profile,
    seed: opts.seed,
    dataset: ds.dataset,
    split: {
      seed: opts.seed,
      ratios: DEFAULT_SPLIT,
      sizes: { train: split.train.length, validation: split.validation.length, test: split.test.length },
      perClass: { train: perClass(split.train), validation: perClass(split.validation), test: perClass(split.test) },
    },
    environment: {
      backend: backend.name,
      backendNotes: backend.notes,
      versions: versions(opts.projectRoot, backend.name),
      platform: `${platform()} ${arch()}`,
      cpu: cpus()[0]?.model.trim() ?? 'unknown',
      cpuCount: cpus().length,
    },
    git: gitState(opts.projectRoot),
    startedAt,
    finishedAt: new Date().toISOString(),
    samples: {
      file: 'samples.u8',
      testIndices: Array.from(samples, (s) => split.test.indexOf(s)),
      labels: Array.from(samples, (s) => ds.labels[s]!),
      files: Array.from(samples, (s) => ds.files[s]!),
    },
    models: ordered.map((id) => ({ id, file: modelJsonPath(id), status: results.get(id)!.status })),
  };
  writeBundle(outDir, manifest, ordered.map((id) => results.get(id)!.stored), sampleBytes);
  reporter.log(`results: ${outDir} (${ordered.map((id) => `${id} ${results.get(id)!.status}`).join(', ')})`);
  return manifest;
}
