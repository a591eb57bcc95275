/**
 * A model's job, resolved once in the parent process as plain data: which model, its
 * inputs hash, budget, seeds, the exact images it trains, validates and is tested on,
 * where its checkpoint goes and how long its inference is timed. A training worker
 * receives this object and derives nothing on its own, so the parent and the worker
 * cannot disagree about a job's identity.
 */
import { createHash } from 'node:crypto';
import seedrandom from 'seedrandom';
import { SCHEMA_VERSION, type BackendName, type Budget, type GpuAdapter, type ModelId, type Profile, type Protocol } from '../../schema/results.ts';
import { stratifiedSubset, type SplitIndices, type SplitRatios } from '../data/split.ts';
import { getModelSpec } from '../models/registry.ts';
import { latencyRuns, type LatencyRuns } from '../profiles.ts';
import { robustnessCount, robustnessImages, ROBUSTNESS_VERSION } from '../analysis/robustness.ts';
import { SALIENCY_VERSION } from '../analysis/saliency.ts';
import { checkpointFile, type InputsRecord } from '../cache/models.ts';
import type { ResNet50Init } from '../models/imagenet-init.ts';
import { ANALYSIS_VERSION, analysisSeeds, analysisSizes as sizesFor } from '../analysis/settings.ts';
import type { AnalysisImages } from '../analysis/representations.ts';

/** Bump when a change to training or evaluation code should invalidate stored results. */
export const TRAINER_VERSION = 2;

/**
 * One seed per random stream of a model's job, all derived from the run's `--seed`, so
 * that no two streams draw the same numbers. The derivations are part of every stored
 * model's identity (they decide which images it sees): changing one changes results.
 */
export interface JobSeeds {
  /** Initial weights and dropout masks. */
  init: number;
  /** Each epoch's shuffle (with the model's name and the epoch number). */
  shuffle: number;
  /** A reduced budget's training subset of epoch e uses seed `trainSubsetBase + e`. */
  trainSubsetBase: number;
  validationSubset: number;
  testSubset: number;
}

export function jobSeeds(seed: number): JobSeeds {
  return { init: seed, shuffle: seed, trainSubsetBase: seed * 1000, validationSubset: seed + 1, testSubset: seed + 2 };
}

export interface ModelJob {
  id: ModelId;
  /** Which split the job trains and tests on (see data/protocols.ts). */
  protocol: Protocol;
  /** The run's seed (initialisation and shuffling derive from it; the split does not). */
  seed: number;
  /**
   * The primary run (image protocol, first seed) is the model's full record: activations,
   * latency, the per-model fields of the bundle. Other runs record their training and test metrics.
   */
  primary: boolean;
  inputsHash: string;
  budget: Budget;
  seeds: JobSeeds;
  /** The dataset's class names, in label order (the models' softmax width). */
  classes: string[];
  /** Side of the square input images. */
  imageSize: number;
  /** The whole training split; each epoch trains on `trainImagesOf(job, epoch)`. */
  trainSplit: Int32Array;
  /** The validation images after each epoch, and the test images (budget limits applied). */
  validation: Int32Array;
  test: Int32Array;
  /** The whole test split: the chosen browser export is scored on it, once (the test subset in smoke on a software adapter). */
  testSplit: Int32Array;
  /** The whole validation split: the browser export's encodings are chosen on it (the validation subset in smoke on a software adapter). */
  validationSplit: Int32Array;
  /** `<Class>/<file>` of each image in `test`, in the same order (empty when the dataset's file names were not given). */
  testFiles: string[];
  /** The activation samples: one test image per class. */
  samples: Int32Array;
  /** The primary run's representation analyses (CKA, linear probes): their images, the same for every model; null in other runs. */
  analysis: AnalysisImages | null;
  /** Keras' ImageNet ResNet50 to start from (only a model whose file asks for it): its model.json and how the bundle names it. */
  imagenetWeights: { modelJson: string; source: string } | null;
  checkpointFile: string;
  /**
   * What the inputs hash was made of, in short (stored beside the run, so that a stored run
   * from other code or data can say what differs: see cache/models.ts InputsRecord).
   */
  inputs: InputsRecord;
  /**
   * A wall-clock limit for this process (`--time-limit`): training stops at the epoch
   * boundary before it would pass `at` (ms since the epoch), its checkpoint kept. Not an input.
   */
  deadline?: { at: number; firstEpochSeconds: number } | null;
  cacheDir: string;
  backend: BackendName;
  /** The WebGPU adapter on the webgpu backend, else null. */
  adapter: GpuAdapter | null;
  latency: LatencyRuns;
  /** The primary run's corrupted test images (analysis/robustness.ts) and their seed; null for the other runs. */
  robustness: { images: Int32Array; seed: number; saliency: number } | null;
}

const sha256 = (s: string | Uint8Array) => createHash('sha256').update(s).digest('hex');

function subset(indices: Int32Array, labels: Uint8Array, limit: number | null, seed: number): Int32Array {
  return limit !== null && limit < indices.length ? stratifiedSubset(indices, labels, limit, seed) : indices;
}

/**
 * The training images of `epoch` (1-based). A reduced budget sees a different stratified
 * subset each epoch, so that across epochs the model still meets most of the training split.
 */
export function trainImagesOf(job: ModelJob, labels: Uint8Array, epoch: number): Int32Array {
  return subset(job.trainSplit, labels, job.budget.trainLimit, job.seeds.trainSubsetBase + epoch);
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

type HashParts = {
  id: ModelId;
  definition: string;
  budget: Budget;
  fingerprint: string;
  split: unknown;
  seed: number;
  weights: string | null;
  protocol?: Protocol;
  /** The primary run's analyses (robustness, saliency): their versions and image counts. */
  analyses?: unknown;
};

function inputsHash(parts: HashParts): string {
  return sha256(JSON.stringify({ schema: SCHEMA_VERSION, trainer: TRAINER_VERSION, ...parts }));
}

/** The hash's parts in short: long ones (the definition, the split) by their own hash. */
function inputsRecord(parts: HashParts, hash: string): InputsRecord {
  return {
    inputsHash: hash,
    id: parts.id,
    protocol: parts.protocol ?? 'image',
    seed: parts.seed,
    schema: SCHEMA_VERSION,
    trainer: TRAINER_VERSION,
    definition: sha256(parts.definition),
    budget: parts.budget,
    fingerprint: parts.fingerprint,
    split: sha256(JSON.stringify(parts.split)),
    weights: parts.weights,
  };
}

export interface RunFacts {
  models: ModelId[];
  /** The run's seed: initialisation and shuffling (and the split's, unless splitKey says otherwise). */
  seed: number;
  /** Default image. */
  protocol?: Protocol;
  /** What identifies the split in the inputs hash; default { ratios, seed }. */
  splitKey?: unknown;
  /** Default true; see ModelJob.primary. */
  primary?: boolean;
  profile: Profile;
  backend: BackendName;
  /** The WebGPU adapter on the webgpu backend (absent or null elsewhere). */
  adapter?: GpuAdapter | null;
  /** `files`: each image's `<Class>/<file>`, to name misclassified test images (optional: they are then numbered). */
  dataset: { fingerprint: string; classes: string[]; labels: Uint8Array; imageSize: number; files?: readonly string[] };
  split: SplitIndices;
  ratios: SplitRatios;
  samples: Int32Array;
  cacheDir: string;
  /** Where the models that ask for ImageNet weights start, resolved once (models/imagenet-init.ts); the weights' hash enters their inputs hash. */
  resnet50Init: ResNet50Init;
}

/** Every selected model's job, from the run's data, split, backend and profile. */
export function resolveJobs(run: RunFacts): Record<ModelId, ModelJob> {
  const { seed, dataset, split } = run;
  const protocol = run.protocol ?? 'image';
  const seeds = jobSeeds(seed);
  const splitKey = run.splitKey ?? { ratios: run.ratios, seed };
  const init = run.resnet50Init;
  const weightsKey = init.kind === 'imagenet' ? init.sha256 : null;
  const jobs = {} as Record<ModelId, ModelJob>;
  const primary = run.primary ?? true;
  const analysisSizes = sizesFor(run.profile.name, run.adapter?.software === true);
  const aSeeds = analysisSeeds(seed);
  // The same images for every model (they depend on the run's seed and the split only), so that models are compared on them.
  const analysis: AnalysisImages | null = primary && analysisSizes
    ? {
        images: subset(split.test, dataset.labels, analysisSizes.images, aSeeds.images),
        probeTrain: subset(split.train, dataset.labels, analysisSizes.probeTrain, aSeeds.probeTrain),
        batch: analysisSizes.batch,
      }
    : null;
  for (const id of run.models) {
    const budget = run.profile.budgets[id];
    const spec = getModelSpec(id);
    const weights = spec.imagenetWeights ? weightsKey : null;
    const parts: HashParts = {
      id,
      definition: spec.definitionSource(dataset.classes.length, dataset.imageSize),
      budget,
      fingerprint: dataset.fingerprint,
      split: splitKey,
      seed,
      weights,
      // The image protocol's hashes are those of the single-split pipeline before protocols.
      ...(protocol === 'image' ? {} : { protocol }),
      // The primary run also measures its representations, robustness and saliency: what they are measured on is part of its identity.
      ...(primary
        ? {
            analyses: {
              ...(analysisSizes ? { version: ANALYSIS_VERSION, sizes: analysisSizes, layers: spec.representationLayers.toString() } : {}),
              robustness: ROBUSTNESS_VERSION,
              images: robustnessCount(run.profile.name, run.adapter?.software === true),
              saliency: SALIENCY_VERSION,
              firstFilters: 1,
            },
          }
        : {}),
    };
    const hash = inputsHash(parts);
    const test = subset(split.test, dataset.labels, budget.testLimit, seeds.testSubset);
    const validation = subset(split.validation, dataset.labels, budget.validationLimit, seeds.validationSubset);
    const softwareSmoke = run.adapter?.software === true && run.profile.name === 'smoke';
    jobs[id] = {
      id,
      protocol,
      seed,
      primary,
      inputsHash: hash,
      budget,
      seeds,
      classes: dataset.classes,
      imageSize: dataset.imageSize,
      trainSplit: split.train,
      validation,
      test,
      // On a software adapter the browser export is chosen and scored on the subsets: see profiles.ts.
      testSplit: softwareSmoke ? test : split.test,
      validationSplit: softwareSmoke ? validation : split.validation,
      testFiles: dataset.files ? Array.from(test, (i) => dataset.files![i] ?? '') : [],
      samples: run.samples,
      analysis,
      imagenetWeights: weights && init.kind === 'imagenet' ? { modelJson: init.modelJson, source: init.source } : null,
      checkpointFile: checkpointFile(run.cacheDir, id, hash),
      inputs: inputsRecord({ ...parts, protocol }, hash),
      cacheDir: run.cacheDir,
      backend: run.backend,
      adapter: run.adapter ?? null,
      latency: latencyRuns(run.profile.name, run.adapter?.software === true),
      robustness: primary && !softwareSmoke ? robustnessImages(run.profile.name, run.adapter?.software === true, split.test, dataset.labels, dataset.classes.length, seed) : null,
    };
  }
  return jobs;
}

/**
 * Every run of every model: each protocol's split × the profile's seeds for the model
 * (seed, seed + 1, …; the split stays the one of `--seed`). The first protocol's first
 * seed is the primary run.
 */
export function resolveAllJobs(
  run: Omit<RunFacts, 'protocol' | 'split' | 'splitKey' | 'primary'>,
  protocols: { protocol: Protocol; split: SplitIndices; splitKey: unknown }[],
  seedsPerModel: Record<ModelId, number>,
): ModelJob[] {
  const out: ModelJob[] = [];
  for (const p of protocols) {
    const first = p === protocols[0];
    const most = Math.max(...run.models.map((id) => seedsPerModel[id]));
    for (let k = 0; k < most; k++) {
      const models = run.models.filter((id) => k < seedsPerModel[id]);
      const primary = first && k === 0;
      const jobs = resolveJobs({ ...run, models, seed: run.seed + k, protocol: p.protocol, split: p.split, splitKey: p.splitKey, primary });
      for (const id of models) out.push(primary ? jobs[id] : { ...jobs[id], samples: new Int32Array(0) });
    }
  }
  return out;
}
