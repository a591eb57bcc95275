/**
 * What the paper says about a run, computed from the bundle so that every claim in
 * the prose follows the data: which models pass a threshold, which sit on the Pareto
 * front, which classes get confused, where a validation curve dipped. Pure functions
 * of ModelResult / Manifest; `computeFacts` gathers them for one bundle and
 * `getFacts()` applies it to the bundle this build reads. The paper's sentences are
 * made from these in prose.ts; the MDX only places them.
 */
import type { Budget, Manifest, ModelResult } from '../../schema/results.ts';
import { getBundle } from './results.ts';
import { paretoFront as frontFlags } from '../charts/pareto.ts';
import { summarize } from './architecture.ts';
import { separation } from './difficulty.ts';

/** The network the others are measured against: the first model whose file gives it the role `reference` (the study's ResNet50). */
export function referenceModel<T extends { role: ModelResult['role'] }>(models: readonly T[]): T | undefined {
  return models.find((m) => m.role === 'reference');
}
/** The study's own claim being tested: every compact CNN "above 99% accuracy". */
export const CLAIM = 0.99;
/** A drop in validation accuracy from one epoch to the next at least this large is worth a sentence. */
export const DIP = 0.005;

/** Whether two closed intervals share a point. */
export function overlaps([a0, a1]: readonly [number, number], [b0, b1]: readonly [number, number]): boolean {
  return a0 <= b1 && b0 <= a1;
}

/**
 * Models on the Pareto front of (cost ↓, accuracy ↑), in increasing cost. The front is
 * the one the accuracy-vs-cost chart draws (src/charts/pareto.ts), so prose and figure agree.
 */
export function paretoFront(models: readonly ModelResult[], cost: (m: ModelResult) => number): ModelResult[] {
  const onFront = frontFlags(models.map((m) => ({ cost: cost(m), accuracy: m.evaluation.accuracy })));
  return models.filter((_, i) => onFront[i]).sort((a, b) => cost(a) - cost(b));
}

/** Highest test accuracy first; ties go to the smaller model. */
export function byAccuracy(models: readonly ModelResult[]): ModelResult[] {
  return [...models].sort((a, b) => b.evaluation.accuracy - a.evaluation.accuracy || a.params.total - b.params.total);
}

export interface Confusion {
  actual: string;
  predicted: string;
  count: number;
  /** Test images of the true class. */
  ofSupport: number;
}

/** The largest off-diagonal cell of a model's confusion matrix, or null when it made no mistake. */
export function mostConfused(model: ModelResult, classes: readonly string[]): Confusion | null {
  let best: { i: number; j: number; count: number } | null = null;
  model.evaluation.confusion.forEach((row, i) =>
    row.forEach((count, j) => {
      if (i !== j && count > 0 && (!best || count > best.count)) best = { i, j, count };
    }),
  );
  if (!best) return null;
  const { i, j, count } = best as { i: number; j: number; count: number };
  const support = model.evaluation.confusion[i]!.reduce((a, b) => a + b, 0);
  return { actual: classes[i]!, predicted: classes[j]!, count, ofSupport: support };
}

/** Test errors in total (off-diagonal sum). */
export function errors(model: ModelResult): number {
  return model.evaluation.confusion.reduce((sum, row, i) => sum + row.reduce((a, c, j) => a + (i === j ? 0 : c), 0), 0);
}

/** First epoch whose validation accuracy reached `threshold`, or null. */
export function epochReaching(model: ModelResult, threshold: number): number | null {
  return model.training.history.find((e) => e.valAccuracy >= threshold)?.epoch ?? null;
}

/** Best validation accuracy over the recorded epochs (0 when nothing was recorded). */
export function bestValAccuracy(model: ModelResult): number {
  return Math.max(0, ...model.training.history.map((e) => e.valAccuracy));
}

/** Whether every model listed got the same training budget. */
export function sameBudget(models: readonly ModelResult[]): boolean {
  const key = (m: ModelResult) => JSON.stringify(m.training.budget);
  return models.every((m) => key(m) === key(models[0]!));
}

export interface Dip {
  model: ModelResult;
  /** The epoch at which validation accuracy fell. */
  epoch: number;
  from: number;
  to: number;
  /** Validation accuracy at the last epoch. */
  last: number;
}

/** The largest epoch-to-epoch fall in validation accuracy of at least `min`, or null. */
export function largestDip(model: ModelResult, min = DIP): Dip | null {
  const h = model.training.history;
  let dip: Dip | null = null;
  for (let k = 1; k < h.length; k++) {
    const drop = h[k - 1]!.valAccuracy - h[k]!.valAccuracy;
    if (drop >= min && (!dip || drop > dip.from - dip.to)) dip = { model, epoch: h[k]!.epoch, from: h[k - 1]!.valAccuracy, to: h[k]!.valAccuracy, last: h[h.length - 1]!.valAccuracy };
  }
  return dip;
}

/** Convolution layers of a model (its depth, as the architecture table counts it). */
export function depth(model: ModelResult): number {
  return summarize(model).convLayers;
}

export interface Facts {
  manifest: Manifest;
  models: ModelResult[];
  /** The reference network (role `reference`: the study's ResNet50), when this run trained one. */
  baseline: ModelResult | undefined;
  /** Every other model, in the paper's order. */
  compact: ModelResult[];
  /** The first simplification (the study's Basic CNN): the first model of role `simplification`. */
  basic: ModelResult | undefined;
  /** The other compact models: the later simplifications and the models a user added. */
  variants: ModelResult[];
  /** Models a user added (role `added`). */
  added: ModelResult[];
  ranked: ModelResult[];
  best: ModelResult;
  /** Every model with the best model's test accuracy (more than one on a tie). */
  bestTied: ModelResult[];
  bestCompact: ModelResult | undefined;
  smallest: ModelResult;
  /** Models on the accuracy–parameters and accuracy–FLOPs Pareto fronts. */
  paretoParams: ModelResult[];
  paretoFlops: ModelResult[];
  /** The smallest model whose 95% interval overlaps the best model's: the cheapest "as good as the best" in this run. */
  smallestMatchingBest: ModelResult;
  /** Whether this run is the study's full budget (no reductions). */
  fullBudget: boolean;
  /** Compact models at or above the study's claim (CLAIM). */
  compactAbove: ModelResult[];
  /**
   * Compact models against ResNet50: more accurate, not separated, less accurate. By McNemar's
   * test on the primary protocol over every seed pairing where the bundle has it (`by`), else by
   * whether the 95% intervals overlap.
   */
  versusBaseline: { better: ModelResult[]; tied: ModelResult[]; worse: ModelResult[]; by: 'mcnemar' | 'intervals' };
  /** The budget every compact model shared, or null when they differ. */
  compactBudget: Budget | null;
  /** Epochs at which validation accuracy first reached CLAIM, with the models that did, earliest first. */
  reaching: { epoch: number; models: ModelResult[] }[];
  /** Models whose validation accuracy never reached CLAIM. */
  neverReached: ModelResult[];
  /** Validation dips (see DIP), largest first. */
  dips: Dip[];
  /** Classes by mean F1 over the models, hardest first. */
  classF1: { name: string; mean: number }[];
  /** Models with no test error. */
  perfect: ModelResult[];
  /** Whether every model was tested on the whole test split. */
  testSame: boolean;
  /** The deepest compact model (most convolutions; ties to the more accurate). */
  deepestCompact: ModelResult | undefined;
  byId: (id: string) => ModelResult | undefined;
}

export function computeFacts(manifest: Manifest, models: ModelResult[]): Facts {
  if (models.length === 0) throw new Error('facts: expected at least one model in the results bundle');
  const baseline = referenceModel(models);
  const compact = models.filter((m) => m !== baseline);
  const basic = compact.find((m) => m.role === 'simplification');
  const ranked = byAccuracy(models);
  const best = ranked[0]!;
  const smallest = [...models].sort((a, b) => a.params.total - b.params.total)[0]!;
  const matching = models.filter((m) => overlaps(m.evaluation.accuracyCI95, best.evaluation.accuracyCI95));

  const reachingEpochs = new Map<number, ModelResult[]>();
  for (const m of models) {
    const e = epochReaching(m, CLAIM);
    if (e !== null) reachingEpochs.set(e, [...(reachingEpochs.get(e) ?? []), m]);
  }
  const classes = manifest.dataset.classes;
  const classF1 = classes
    .map((name, i) => ({ name, mean: models.reduce((s, m) => s + (m.evaluation.perClass[i]?.f1 ?? 0), 0) / models.length }))
    .sort((a, b) => a.mean - b.mean);

  return {
    manifest,
    models,
    baseline,
    compact,
    basic,
    variants: compact.filter((m) => m !== basic),
    added: models.filter((m) => m.role === 'added'),
    ranked,
    best,
    bestTied: ranked.filter((m) => m.evaluation.accuracy === best.evaluation.accuracy),
    bestCompact: byAccuracy(compact)[0],
    smallest,
    paretoParams: paretoFront(models, (m) => m.params.total),
    paretoFlops: paretoFront(models, (m) => m.macs),
    smallestMatchingBest: [...matching].sort((a, b) => a.params.total - b.params.total)[0]!,
    fullBudget: manifest.profile.reductions.length === 0,
    compactAbove: compact.filter((m) => m.evaluation.accuracy >= CLAIM),
    versusBaseline: versus(manifest, compact, baseline),
    compactBudget: compact.length > 0 && sameBudget(compact) ? compact[0]!.training.budget : null,
    reaching: [...reachingEpochs.entries()].sort(([a], [b]) => a - b).map(([epoch, ms]) => ({ epoch, models: ms })),
    neverReached: models.filter((m) => epochReaching(m, CLAIM) === null),
    dips: models
      .map((m) => largestDip(m))
      .filter((d): d is Dip => d !== null)
      .sort((a, b) => b.from - b.to - (a.from - a.to)),
    classF1,
    perfect: models.filter((m) => errors(m) === 0),
    testSame: models.every((m) => m.evaluation.testImages === manifest.split.sizes.test),
    deepestCompact: [...compact].sort((a, b) => depth(b) - depth(a) || b.evaluation.accuracy - a.evaluation.accuracy)[0],
    byId: (id) => models.find((m) => m.id === id),
  };
}

/** Compact models against ResNet50 (see Facts.versusBaseline). */
function versus(manifest: Manifest, compact: readonly ModelResult[], baseline: ModelResult | undefined): Facts['versusBaseline'] {
  if (!baseline) return { better: [], tied: [], worse: [], by: 'intervals' };
  const protocol = manifest.protocols?.[0]?.protocol ?? 'image';
  const tests = compact.map((m) => separation(manifest.comparisons, m.id, baseline.id, protocol));
  if (compact.length > 0 && tests.every((t) => t !== null)) {
    return {
      better: compact.filter((_, i) => tests[i]!.verdict === 'a'),
      tied: compact.filter((_, i) => tests[i]!.verdict === 'none' || tests[i]!.verdict === 'mixed'),
      worse: compact.filter((_, i) => tests[i]!.verdict === 'b'),
      by: 'mcnemar',
    };
  }
  const ci = (m: ModelResult) => m.evaluation.accuracyCI95;
  return {
    better: compact.filter((m) => ci(m)[0] > ci(baseline)[1]),
    tied: compact.filter((m) => overlaps(ci(m), ci(baseline))),
    worse: compact.filter((m) => ci(m)[1] < ci(baseline)[0]),
    by: 'intervals',
  };
}

let cached: Facts | undefined;

/** Facts about the bundle this build reads. */
export function getFacts(): Facts {
  if (!cached) {
    const { manifest, models } = getBundle();
    cached = computeFacts(manifest, models);
  }
  return cached;
}
