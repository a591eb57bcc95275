/**
 * The baselines on both protocols, evaluated like the models (evaluateRun): majority
 * class, 1-NN and k-NN on 16×16 pooled pixels (the training split as memory; the
 * neighbours come from the audit's exact search), and logistic regression trained with
 * the models' loop, once per seed. Logistic-regression runs are kept in the cache by
 * inputs hash like the models, so an unchanged second build retrains nothing.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { PROTOCOLS, Robustness, Run, SCHEMA_VERSION, type Baseline, type Budget, type Protocol } from '../../schema/results.ts';
import type { HeldOutNeighbours } from '../data/protocols.ts';
import { stratifiedSubset, type SplitIndices } from '../data/split.ts';
import { nearestAmong, pooledFeatures, POOLED_DIM } from '../data/neighbours.ts';
import { evaluateRun } from '../evaluate/run-evaluation.ts';
import { summarise } from '../evaluate/metrics.ts';
import { predictSubset } from '../shared/predict.ts';
import type { ImageSet } from '../shared/tensors.ts';
import type { Reporter } from '../shared/progress.ts';
import { trainModel } from '../train/train.ts';
import { removeCheckpoint } from '../train/checkpoint.ts';
import { chooseK, K_CANDIDATES, knnVote, majorityClass } from './knn.ts';
import { buildLogisticRegression } from './logistic.ts';
import { measureRobustness, modelRobustness, ROBUSTNESS_VERSION, type RobustnessRecord } from '../analysis/robustness.ts';
import { CORRUPTIONS, corruptImages, SEVERITIES } from '../analysis/corruptions.ts';

/** Bump when a change here should invalidate cached logistic-regression runs. */
const BASELINE_VERSION = 1;

export interface BaselineInputs {
  data: ImageSet;
  classes: string[];
  fingerprint: string;
  splits: Record<Protocol, SplitIndices>;
  neighbours: Record<Protocol, HeldOutNeighbours>;
  seeds: number[];
  logisticBudget: Budget;
  cacheDir: string;
  reporter: Reporter;
  /** The run's corrupted test images (the models' own), for the baselines that learn or remember; null: not measured. */
  robustness?: { images: Int32Array; seed: number; protocol: Protocol } | null;
}

/**
 * 1-NN and k-NN under corruptions: each corrupted image is pooled like the clean ones and
 * its nearest training images (the primary protocol's training split) searched exactly.
 * One search per corrupted batch serves both baselines.
 */
async function neighbourRobustness(inp: BaselineInputs, k: number): Promise<{ nn: RobustnessRecord; knn: RobustnessRecord }> {
  const { data } = inp;
  const { images, seed, protocol } = inp.robustness!;
  const size = data.imageSize;
  const n = data.labels.length;
  const train = inp.splits[protocol].train;
  const features = pooledFeatures(data.images, n, size);
  const px = size * size;
  const pixels = new Uint8Array(images.length * px);
  images.forEach((idx, i) => pixels.set(data.images.subarray(idx * px, (idx + 1) * px), i * px));
  const labels = Uint8Array.from(images, (i) => data.labels[i]!);
  const count = images.length;
  const keyOf = (p: Uint8Array) => createHash('sha256').update(p).digest('hex');
  // Every setting's images (clean, then each corruption and severity, as measureRobustness makes them),
  // searched in one pass, so the training split's features are laid out for the search once, not 66 times.
  const settings: Uint8Array[] = [pixels];
  for (const c of CORRUPTIONS) for (const s of SEVERITIES) settings.push(await corruptImages(pixels, count, size, c.id, s, seed));
  // The corrupted images' features after every dataset image's, so indices below n are the dataset's.
  const all = new Float32Array(features.length + settings.length * count * POOLED_DIM);
  all.set(features);
  settings.forEach((p, j) => all.set(pooledFeatures(p, count, size), features.length + j * count * POOLED_DIM));
  const found = await nearestAmong(all, Int32Array.from({ length: settings.length * count }, (_, i) => n + i), train, k);
  const stride = found.index.length / (settings.length * count);
  const searched = new Map(settings.map((p, j) => [keyOf(p), found.index.subarray(j * count * stride, (j + 1) * count * stride)] as const));
  const neighbours = (p: Uint8Array) => {
    const index = searched.get(keyOf(p));
    if (!index) throw new Error('baselines under corruptions: a corrupted batch that was not searched (corruptions.ts and this list disagree)');
    return index;
  };
  const measure = (votes: number) =>
    measureRobustness({ pixels, labels, size, classes: data.numClasses, seed, predict: async (p) => knnVote(neighbours(p), stride, votes, data.labels, data.numClasses).predicted });
  const nn = await measure(1);
  const knn = await measure(k);
  return { nn, knn };
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

function oneHot(classes: ArrayLike<number>, numClasses: number): Float32Array {
  const out = new Float32Array(classes.length * numClasses);
  for (let i = 0; i < classes.length; i++) out[i * numClasses + classes[i]!] = 1;
  return out;
}

function labelsOf(indices: Int32Array, labels: Uint8Array): Uint8Array {
  return Uint8Array.from(indices, (i) => labels[i]!);
}

function summaries(runs: Run[]): Baseline['summary'] {
  return Object.fromEntries(
    PROTOCOLS.map((p) => {
      const of = runs.filter((r) => r.protocol === p).map((r) => r.evaluation);
      return [p, { accuracy: summarise(of.map((e) => e.accuracy)), macroAuc: summarise(of.map((e) => e.macroAuc)), macroF1: summarise(of.map((e) => e.macroF1)) }];
    }),
  ) as Baseline['summary'];
}

/** A deterministic (untrained) baseline's run: seed is the run's first seed, for pairing. */
function fixedRun(protocol: Protocol, seed: number, key: string, labels: Uint8Array, probs: Float32Array, predicted: Uint8Array, classes: string[]): Run {
  return {
    protocol,
    seed,
    inputsHash: sha256(key),
    training: null,
    evaluation: evaluateRun({ labels, probs, predicted, classes, loss: null }),
  };
}

/**
 * One logistic-regression run, from the cache when its inputs are unchanged. The run the
 * models' robustness is measured on (the primary protocol's first seed) also classifies the
 * same corrupted images, kept with the run in the cache.
 */
async function logisticRun(inp: BaselineInputs, protocol: Protocol, seed: number): Promise<{ run: Run; robustness?: RobustnessRecord }> {
  const { data, classes, reporter } = inp;
  const split = inp.splits[protocol];
  const robust = inp.robustness && inp.robustness.protocol === protocol && inp.robustness.seed === seed ? inp.robustness : null;
  const hash = sha256(
    JSON.stringify({
      schema: SCHEMA_VERSION,
      baseline: BASELINE_VERSION,
      id: 'logistic-regression',
      protocol,
      seed,
      budget: inp.logisticBudget,
      fingerprint: inp.fingerprint,
      train: split.train.length,
      test: split.test.length,
      firstTest: split.test[0],
      robustness: robust ? { version: ROBUSTNESS_VERSION, images: sha256(Array.from(robust.images).join(',')) } : null,
    }),
  );
  const dir = join(inp.cacheDir, 'baselines');
  const file = join(dir, `logistic-regression-${hash.slice(0, 16)}.json`);
  if (existsSync(file)) {
    const raw = JSON.parse(readFileSync(file, 'utf8')) as { robustness?: unknown };
    const parsed = Run.safeParse(raw);
    const kept = robust ? Robustness.safeParse(raw.robustness) : null;
    if (parsed.success && parsed.data.inputsHash === hash && (!kept || kept.success)) return { run: parsed.data, ...(kept?.success ? { robustness: kept.data } : {}) };
  }
  const model = buildLogisticRegression({ seed, numClasses: classes.length, imageSize: data.imageSize });
  const label = `Logistic regression (${protocol}, seed ${seed})`;
  const checkpointFile = join(dir, `logistic-regression-${hash.slice(0, 16)}.ckpt`);
  mkdirSync(dir, { recursive: true });
  const outcome = await trainModel(model, {
    label,
    budget: inp.logisticBudget,
    data,
    // A reduced budget draws a fresh stratified subset each epoch, as the models' jobs do.
    trainForEpoch: (epoch) =>
      inp.logisticBudget.trainLimit !== null && inp.logisticBudget.trainLimit < split.train.length
        ? stratifiedSubset(split.train, data.labels, inp.logisticBudget.trainLimit, seed * 1000 + epoch)
        : split.train,
    validation: split.validation,
    seed,
    inputsHash: hash,
    checkpointFile,
    reporter,
  });
  const test = await predictSubset(model, data, split.test);
  const robustness = robust ? await modelRobustness(model, data, robust.images, robust.seed, label, reporter) : undefined;
  model.dispose();
  tf.disposeVariables();
  const run: Run = {
    protocol,
    seed,
    inputsHash: hash,
    training: {
      budget: inp.logisticBudget,
      epochsCompleted: outcome.epochsCompleted,
      trainImages: Math.min(split.train.length, inp.logisticBudget.trainLimit ?? Infinity),
      validationImages: split.validation.length,
      seconds: outcome.seconds,
      stoppedEarly: outcome.stoppedEarly,
      history: outcome.history,
    },
    evaluation: evaluateRun({ labels: test.labels, probs: test.probs, predicted: test.predicted, classes, loss: test.loss }),
  };
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(robustness ? { ...run, robustness } : run));
  renameSync(tmp, file);
  removeCheckpoint(checkpointFile);
  reporter.log(`${label}: test accuracy ${(run.evaluation.accuracy * 100).toFixed(2)} %`);
  return { run, ...(robustness ? { robustness } : {}) };
}

export async function runBaselines(inp: BaselineInputs): Promise<Baseline[]> {
  const { data, classes, splits, neighbours } = inp;
  const c = classes.length;
  const seed = inp.seeds[0]!;
  const trainSize = splits.image.train.length;
  const majority: Run[] = [];
  const nn: Run[] = [];
  const knn: Run[] = [];
  const kSelection = {} as Record<Protocol, { k: number; accuracy: number }[]>;
  const chosenK = {} as Record<Protocol, number>;
  for (const protocol of PROTOCOLS) {
    const s = splits[protocol];
    const testLabels = labelsOf(s.test, data.labels);
    const key = `${inp.fingerprint}:${protocol}:${seed}`;
    const m = majorityClass(labelsOf(s.train, data.labels), c);
    const constant = new Uint8Array(s.test.length).fill(m);
    const validationLabels = labelsOf(s.validation, data.labels);
    const majorityValidation = validationLabels.length ? validationLabels.filter((y) => y === m).length / validationLabels.length : 0;
    majority.push({ ...fixedRun(protocol, seed, `majority:${key}`, testLabels, oneHot(constant, c), constant, classes), validationAccuracy: majorityValidation });

    const nb = neighbours[protocol];
    // Every k's validation accuracy (1-NN's is k = 1's): the best baseline is chosen on them.
    const tried = chooseK(nb.validation.index, nb.k, validationLabels, data.labels, c);
    const one = knnVote(nb.test.index, nb.k, 1, data.labels, c);
    nn.push({ ...fixedRun(protocol, seed, `1-nn:${key}`, testLabels, one.probs, one.predicted, classes), validationAccuracy: tried.find((t) => t.k === 1)!.accuracy });

    kSelection[protocol] = tried;
    const best = tried.reduce((a, b) => (b.accuracy > a.accuracy ? b : a));
    chosenK[protocol] = best.k;
    const voted = knnVote(nb.test.index, nb.k, best.k, data.labels, c);
    knn.push({ ...fixedRun(protocol, seed, `k-nn:${best.k}:${key}`, testLabels, voted.probs, voted.predicted, classes), validationAccuracy: best.accuracy });
    inp.reporter.log(
      `baselines (${protocol}): majority ${(majority.at(-1)!.evaluation.accuracy * 100).toFixed(2)} %, 1-NN ${(nn.at(-1)!.evaluation.accuracy * 100).toFixed(2)} %, ` +
        `k-NN (k = ${best.k}, chosen on validation) ${(knn.at(-1)!.evaluation.accuracy * 100).toFixed(2)} %`,
    );
  }
  let robust: { nn: RobustnessRecord; knn: RobustnessRecord } | null = null;
  if (inp.robustness) {
    const t0 = performance.now();
    robust = await neighbourRobustness(inp, chosenK[inp.robustness.protocol]!);
    inp.reporter.log(`baselines under corruptions (1-NN, k-NN) on ${inp.robustness.images.length} test images: ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
  const logistic: Run[] = [];
  let logisticRobust: RobustnessRecord | undefined;
  for (const protocol of PROTOCOLS)
    for (const s of inp.seeds) {
      const { run, robustness } = await logisticRun(inp, protocol, s);
      logisticRobust ??= robustness;
      // The tested weights are the last epoch's (TESTED_CHECKPOINT): their validation accuracy is the last epoch's.
      const last = run.training?.history.at(-1);
      logistic.push(last ? { ...run, validationAccuracy: last.valAccuracy } : run);
    }

  const nnCost = {
    storedNumbers: trainSize * POOLED_DIM,
    macs: trainSize * POOLED_DIM,
    note: `stores the ${trainSize.toLocaleString('en-US')} training images as 16×16 pooled pixels and compares every test image with all of them`,
  };
  const pixels = data.images.length / data.labels.length;
  return [
    {
      id: 'majority-class',
      name: 'Majority class',
      description: 'Predicts the most frequent class of the training split for every image: the floor any method must clear.',
      cost: { storedNumbers: 1, macs: 0, note: 'one class index' },
      kSelection: null,
      runs: majority,
      summary: summaries(majority),
    },
    {
      id: 'nearest-neighbour',
      name: '1-NN (pooled pixels)',
      description: 'No learning: each test image takes the class of the nearest training image, by RMSE between 16×16 average-pooled images.',
      cost: nnCost,
      kSelection: null,
      runs: nn,
      summary: summaries(nn),
      ...(robust ? { robustness: robust.nn } : {}),
    },
    {
      id: 'k-nearest-neighbours',
      name: 'k-NN (pooled pixels)',
      description: `The majority class of the k nearest training images (k from ${K_CANDIDATES.join(', ')}, chosen by validation accuracy; ties go to the nearer image's class).`,
      cost: nnCost,
      kSelection,
      chosenK,
      runs: knn,
      summary: summaries(knn),
      ...(robust ? { robustness: robust.knn } : {}),
    },
    {
      id: 'logistic-regression',
      name: 'Logistic regression (pixels)',
      description: 'Multinomial logistic regression on the 4,096 raw pixels: one softmax layer, trained with the models\' loop (Adam, seeded shuffling).',
      cost: { storedNumbers: pixels * c + c, macs: pixels * c, note: 'one weight per pixel and class' },
      kSelection: null,
      runs: logistic,
      summary: summaries(logistic),
      ...(logisticRobust ? { robustness: logisticRobust } : {}),
    },
  ];
}
