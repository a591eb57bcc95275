/**
 * Training budgets. A profile gives every model its epochs, batch size, learning rate
 * and any reduction (training subset, validation subset, time limit); everything that
 * falls short of the study's budget is written into the manifest as a sentence, so the
 * paper states it rather than hiding it.
 */
import { BUDGET_FIELDS, type Budget, type Profile, type ProfileName, type Reduction } from '../schema/results.ts';
import { MODEL_LIST, type ModelSpec } from './models/registry.ts';
import { analysisReductions } from './analysis/settings.ts';

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

/** How long inference is timed (see evaluate/latency.ts); not part of a model's inputs. */
export interface LatencyRuns {
  batch1Runs?: number;
  batch256Runs?: number;
  budgetMs?: number;
  /** The large batch timed (256 unless a software adapter makes that too slow: see latencyRuns). */
  largeBatch?: number;
}

/**
 * On a software WebGPU adapter (SwiftShader) one predict of 256 images takes minutes, and its
 * figure measures a CPU emulating a GPU, not a GPU: a batch of 16, timed once after the
 * warm-up, is enough to show the path works. The bundle says so (latency.largeBatch, .note),
 * so the paper never presents it as a GPU's latency.
 */
export const SOFTWARE_ADAPTER_LATENCY = {
  batch1Runs: 1,
  batch256Runs: 1,
  budgetMs: 0,
  largeBatch: 16,
  note: 'timed on a software WebGPU adapter (a CPU emulating a GPU), at batch 1 and 16 with one run each: not a GPU latency',
} as const;

/** The seeds a model is trained with per protocol in `full`; fewer elsewhere is a stated reduction. */
export const STUDY_SEEDS = 3;

/**
 * The cpu profile's budget for a model whose file states none, sized from its measured
 * speed (ModelDescriptor.imagesPerSecond): two epochs of as many images as one lane trains
 * in CPU_RUN_SECONDS (whole thousands, at least 1,000), validation on 2,000 images. The
 * study's models state theirs (their files), sized by hand from a timed build.
 */
export const CPU_RUN_SECONDS = 80;

interface Definition {
  description: string;
  /** Every model's budget unless its file says otherwise. */
  budget: Budget;
  /** The budget of a model without its own, from its speed (the cpu profile sizes it); default `budget`. */
  sized?: (model: ModelSpec) => Partial<Budget>;
  latency: LatencyRuns;
  /** Runs per model and protocol unless its file says otherwise. */
  seeds: number;
  logisticRegression: Budget;
}

const DEFINITIONS: Record<ProfileName, Definition> = {
  smoke: {
    description: 'A seconds-long run for tests: a few hundred images, one epoch, the largest models on a handful of images.',
    // The smoke profile exists for tests: one timed run per batch size is enough there.
    latency: { batch1Runs: 3, batch256Runs: 1, budgetMs: 1000 },
    budget: { epochs: 1, batchSize: 32, learningRate: 2e-3, trainLimit: 240, validationLimit: 120, testLimit: 240, timeLimitSeconds: null },
    seeds: 1,
    logisticRegression: { epochs: 1, batchSize: 32, learningRate: 2e-3, trainLimit: 240, validationLimit: 120, testLimit: null, timeLimitSeconds: null },
  },
  cpu: {
    latency: {},
    description:
      'The default without native TensorFlow: sized so that npm run build finishes within 45 minutes on a 2-core machine with the wasm backend, two models training side by side (one core each), ' +
      'with every model trained on both protocols (per-image and grouped split); each model’s epochs, training images and seeds are in the budget table.',
    // Sized from a clean `npm ci && npm run build` on the idle 2-core build machine
    // (2026-12-06, commit 227e532: 25 min 49 s with ResNet50 on 1 seed). Training images/s
    // per lane, from that build's log: Reduced-Filter 2,450, TinyCNN 290–340, GAP CNN 270,
    // Basic CNN 240, ResNet50 14–15 at batch 32 (test inference ~40). Per run (one protocol,
    // one seed), training + validation + test + starting a worker:
    //   Reduced-Filter 3 × 47,164 / 2,450 ≈ 58 s + test ≈  65 s
    //   TinyCNN        2 × 12,000 / 300   ≈ 80 s + test ≈  90 s
    //   Basic CNN      2 ×  8,000 / 240   ≈ 67 s + test ≈  80 s
    //   GAP CNN        2 ×  8,000 / 270   ≈ 60 s + test ≈  75 s
    //   ResNet50       2 ×  2,000 / 14.5  ≈ 276 s + test 150 s + ~20 ≈ 450 s
    // These budgets are in the model files (budgets.cpu). The time the wasm kernels saved
    // since the last sizing (ResNet50 9.1 → 14.5 images/s) went to a second ResNet50 seed
    // rather than a larger ResNet50 budget: on the grouped split the compact CNNs' accuracy
    // spreads by up to 8 points between seeds (TinyCNN 91.8–99.8 % in that build), so
    // ResNet50's single run per protocol was the comparison's weakest number. Four ResNet50
    // runs fill both lanes twice (~900 s), the 24 compact-CNN runs ~1,860 lane-seconds; with
    // decoding (52 s), the audit (43 s), the ImageNet weights (5 s), the primary runs'
    // activations, latency and browser export, the logistic-regression baseline in the
    // parent, and the site (~1 min): about 33 minutes. A model added by a user gets
    // CPU_RUN_SECONDS of training per run from its measured speed.
    budget: STUDY_BUDGET,
    sized: (m) => ({ epochs: 2, trainLimit: Math.max(1_000, Math.floor((m.imagesPerSecond * CPU_RUN_SECONDS) / 2 / 1_000) * 1_000), validationLimit: 2_000 }),
    seeds: STUDY_SEEDS,
    // In the parent process while the lanes train: 3 seeds × 2 protocols × 2 × 16,000
    // images ≈ 190,000 images, about 100 s of one core.
    logisticRegression: { ...STUDY_BUDGET, epochs: 2, trainLimit: 16_000 },
  },
  full: {
    latency: {},
    description: `The study's budget: ${STUDY_DESCRIPTION}. The default when TensorFlow with a GPU is found.`,
    budget: STUDY_BUDGET,
    seeds: STUDY_SEEDS,
    logisticRegression: STUDY_BUDGET,
  },
};

/** One model's budget under a profile: the profile's, then what the profile sizes from its speed, then what its file says. */
export function modelBudget(name: ProfileName, model: ModelSpec): Budget {
  const def = DEFINITIONS[name];
  const own = model.budgets?.[name];
  return { ...def.budget, ...(own ? {} : (def.sized?.(model) ?? {})), ...own };
}

/**
 * The smoke profile on a software WebGPU adapter (SwiftShader): on a busy 2-core machine it
 * trains TinyCNN at about one image per second (wasm: hundreds), so `smoke`'s few hundred
 * images per model would take the better part of an hour. This checks the same machinery
 * (every model, both protocols, evaluation, activations, latency, the browser export) on
 * a few dozen images; the browser export is then judged on each model's test subset.
 */
function onSoftwareAdapter(b: Budget): Budget {
  const cut = (v: number | null, most: number) => (v === null ? most : Math.min(most, Math.ceil(v / 2)));
  return { ...b, batchSize: Math.min(b.batchSize, 16), trainLimit: cut(b.trainLimit, 32), validationLimit: cut(b.validationLimit, 16), testLimit: cut(b.testLimit, 24) };
}
const SOFTWARE_ADAPTER_LOGISTIC: Budget = { epochs: 1, batchSize: 32, learningRate: 2e-3, trainLimit: 96, validationLimit: 48, testLimit: null, timeLimitSeconds: null };

/** Every field of a budget that falls short of the study's, as data. */
export function budgetReductions(subject: string, b: Budget, sizes: { train: number; validation: number; test: number }): Reduction[] {
  const out: Reduction[] = [];
  const of = { trainLimit: sizes.train, validationLimit: sizes.validation, testLimit: sizes.test } as const;
  for (const field of BUDGET_FIELDS) {
    const value = b[field];
    const study = STUDY_BUDGET[field];
    if (value === null || value === study) continue;
    if (field === 'epochs' && value >= STUDY_BUDGET.epochs) continue;
    if (field === 'trainLimit' || field === 'validationLimit' || field === 'testLimit') {
      if (value < of[field]) out.push({ kind: 'budget', subject, field, value, study: of[field] });
    } else out.push({ kind: 'budget', subject, field, value, study });
  }
  return out;
}

/** The baseline a profile trains besides the models (id as in the bundle's baselines). */
export const LOGISTIC_ID = 'logistic-regression';

/**
 * `--seeds N` replaces the profile's seeds for every model. `softwareAdapter`: the run trains
 * on a software WebGPU adapter, which shrinks `smoke` (see onSoftwareAdapter).
 * `models`: the models to budget (default every model file).
 */
export function getProfile(
  name: ProfileName,
  sizes: { train: number; validation: number; test: number },
  opts: { seeds?: number; softwareAdapter?: boolean; models?: readonly ModelSpec[] } = {},
): Profile {
  const shrink = name === 'smoke' && opts.softwareAdapter === true;
  const def = DEFINITIONS[name];
  const models = opts.models ?? MODEL_LIST;
  const budgets = Object.fromEntries(models.map((m) => [m.id, shrink ? onSoftwareAdapter(modelBudget(name, m)) : modelBudget(name, m)]));
  const seeds = Object.fromEntries(models.map((m) => [m.id, opts.seeds ?? m.seeds?.[name] ?? def.seeds]));
  const reductions: Reduction[] = shrink ? [{ kind: 'software-adapter' }] : [];
  for (const m of models) reductions.push(...budgetReductions(m.id, budgets[m.id]!, sizes));
  for (const m of models) if (seeds[m.id]! < STUDY_SEEDS) reductions.push({ kind: 'seeds', subject: m.id, value: seeds[m.id]!, study: STUDY_SEEDS });
  const lr = shrink ? SOFTWARE_ADAPTER_LOGISTIC : def.logisticRegression;
  reductions.push(...budgetReductions(LOGISTIC_ID, lr, sizes).filter((r) => r.kind === 'budget' && (r.field === 'epochs' || r.field === 'trainLimit')));
  reductions.push(...analysisReductions(name, sizes, shrink));
  return { name, description: def.description, studyBudget: STUDY_DESCRIPTION, budgets, reductions, seeds, logisticRegression: lr };
}

/** How long each model's inference is timed under profile `name` (on a software adapter: see SOFTWARE_ADAPTER_LATENCY). */
export function latencyRuns(name: ProfileName, softwareAdapter = false): LatencyRuns {
  if (softwareAdapter) {
    const { note: _note, ...runs } = SOFTWARE_ADAPTER_LATENCY;
    return runs;
  }
  return DEFINITIONS[name].latency;
}
