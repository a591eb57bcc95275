/**
 * Training budgets. A profile gives every model its epochs, batch size, learning rate
 * and any reduction (training subset, validation subset, time limit); everything that
 * falls short of the study's budget is written into the manifest as a sentence, so the
 * paper states it rather than hiding it.
 */
import type { Budget, ModelId, Profile, ProfileName } from '../schema/results.ts';
import { MODEL_IDS } from '../schema/results.ts';
import { MODELS } from './models/index.ts';

/** The study's budget, which `full` reproduces: all training images, 10 epochs, Adam 1e-3, batch 64. */
export const STUDY_BUDGET: Budget = {
  epochs: 10,
  batchSize: 64,
  learningRate: 1e-3,
  trainLimit: null,
  validationLimit: null,
  testLimit: null,
  timeLimitSeconds: null,
};

const STUDY_DESCRIPTION =
  'every model trained for 10 epochs on the whole training split with Adam (learning rate 0.001, batch 64), validated on the whole validation split after each epoch';

const all = (budget: Budget): Record<ModelId, Budget> =>
  Object.fromEntries(MODEL_IDS.map((id) => [id, budget])) as Record<ModelId, Budget>;

/** How long inference is timed (see evaluate/latency.ts); not part of a model's inputs. */
export interface LatencyRuns {
  batch1Runs?: number;
  batch256Runs?: number;
  budgetMs?: number;
}

const DEFINITIONS: Record<ProfileName, { description: string; budgets: Record<ModelId, Budget>; latency: LatencyRuns }> = {
  smoke: {
    description: 'A seconds-long run for tests: a few hundred images, one epoch, ResNet50 on a handful of images.',
    // The smoke profile exists for tests: one timed run per batch size is enough there.
    latency: { batch1Runs: 3, batch256Runs: 1, budgetMs: 1000 },
    budgets: {
      ...all({ epochs: 1, batchSize: 32, learningRate: 2e-3, trainLimit: 240, validationLimit: 120, testLimit: 240, timeLimitSeconds: null }),
      resnet50: { epochs: 1, batchSize: 8, learningRate: 1e-3, trainLimit: 16, validationLimit: 16, testLimit: 24, timeLimitSeconds: null },
    },
  },
  cpu: {
    latency: {},
    description:
      'The default without native TensorFlow: sized so that npm run build finishes in about 45 minutes on a 2-core machine with the wasm backend, two models training side by side (one core each). ' +
      'Reduced-Filter CNN gets the study\'s full budget; TinyCNN and GAP CNN see the whole training split each epoch for 3 epochs; Basic CNN a fresh stratified half of it each epoch; ResNet50 a small subset.',
    // Sized from `npm run bench -- --threads 1` run twice side by side (the pipeline's two
    // lanes) on the 2-core build machine, images/s at batch 64 (ResNet50: 32): ReducedFilter
    // 2100, TinyCNN 260, BasicCNN 158, GapCNN 153, ResNet50 9.1 (inference 30.5). One lane
    // trains ResNet50 (2 × 8,000 images ≈ 1,950 s, plus ~200 s for the full test split);
    // the other the four compact CNNs (≈ 270 + 600 + 1,030 + 340 s, plus validation).
    budgets: {
      'reduced-filter-cnn': { ...STUDY_BUDGET },
      'tiny-cnn': { ...STUDY_BUDGET, epochs: 3 },
      'gap-cnn': { ...STUDY_BUDGET, epochs: 3 },
      'basic-cnn': { ...STUDY_BUDGET, epochs: 2, trainLimit: 24_000 },
      resnet50: { ...STUDY_BUDGET, epochs: 2, trainLimit: 8_000, validationLimit: 600, batchSize: 32, timeLimitSeconds: 2_100 },
    },
  },
  full: {
    latency: {},
    description: `The study's budget: ${STUDY_DESCRIPTION}. The default when TensorFlow with a GPU is found.`,
    budgets: all(STUDY_BUDGET),
  },
};

/** One sentence per way a budget falls short of the study's. */
export function describeReductions(budgets: Record<ModelId, Budget>, trainSize: number, validationSize: number, testSize: number): string[] {
  const out: string[] = [];
  const fmt = (n: number) => n.toLocaleString('en-US');
  for (const id of MODEL_IDS) {
    const b = budgets[id];
    const name = MODELS[id].name;
    if (b.epochs < STUDY_BUDGET.epochs) out.push(`${name}: ${b.epochs} epoch${b.epochs === 1 ? '' : 's'} instead of ${STUDY_BUDGET.epochs}.`);
    if (b.trainLimit !== null && b.trainLimit < trainSize)
      out.push(`${name}: trained on ${fmt(b.trainLimit)} of the ${fmt(trainSize)} training images per epoch (a fresh stratified subset each epoch).`);
    if (b.validationLimit !== null && b.validationLimit < validationSize)
      out.push(`${name}: validated on ${fmt(b.validationLimit)} of the ${fmt(validationSize)} validation images after each epoch.`);
    if (b.testLimit !== null && b.testLimit < testSize)
      out.push(`${name}: tested on a stratified subset of ${fmt(b.testLimit)} of the ${fmt(testSize)} test images.`);
    if (b.timeLimitSeconds !== null) out.push(`${name}: training stops after the epoch in which ${fmt(b.timeLimitSeconds)} s have passed.`);
    if (b.batchSize !== STUDY_BUDGET.batchSize) out.push(`${name}: batch size ${b.batchSize} instead of ${STUDY_BUDGET.batchSize}.`);
    if (b.learningRate !== STUDY_BUDGET.learningRate) out.push(`${name}: learning rate ${b.learningRate} instead of ${STUDY_BUDGET.learningRate}.`);
  }
  return out;
}

export function getProfile(name: ProfileName, sizes: { train: number; validation: number; test: number }): Profile {
  const def = DEFINITIONS[name];
  return {
    name,
    description: def.description,
    studyBudget: STUDY_DESCRIPTION,
    budgets: def.budgets,
    reductions: describeReductions(def.budgets, sizes.train, sizes.validation, sizes.test),
  };
}

/** How long each model's inference is timed under profile `name`. */
export function latencyRuns(name: ProfileName): LatencyRuns {
  return DEFINITIONS[name].latency;
}
