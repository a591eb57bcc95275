/**
 * Statements the paper makes about a run, computed from the bundle so that every
 * claim in the prose follows the data: which models pass a threshold, which sit on
 * the Pareto front, which classes get confused. Pure functions of ModelResult /
 * Manifest; `getFacts()` applies them to the bundle this build reads.
 */
import type { Manifest, ModelResult } from '../../schema/results.ts';
import { getBundle } from './results.ts';
import { paretoFront as frontFlags } from '../charts/pareto.ts';

export const BASELINE_ID = 'resnet50';

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

/** The largest off-diagonal cell of a model's confusion matrix, or null when it made no mistake. */
export function mostConfused(model: ModelResult, classes: readonly string[]): { actual: string; predicted: string; count: number; ofSupport: number } | null {
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

/** The class with the lowest F1 for a model. */
export function weakestClass(model: ModelResult) {
  return [...model.evaluation.perClass].sort((a, b) => a.f1 - b.f1)[0]!;
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

export interface Facts {
  manifest: Manifest;
  models: ModelResult[];
  /** ResNet50, when this run trained it. */
  baseline: ModelResult | undefined;
  /** The compact CNNs (everything but the baseline), in the study's order. */
  compact: ModelResult[];
  ranked: ModelResult[];
  best: ModelResult;
  bestCompact: ModelResult | undefined;
  smallest: ModelResult;
  /** Models on the accuracy–parameters and accuracy–FLOPs Pareto fronts. */
  paretoParams: ModelResult[];
  paretoFlops: ModelResult[];
  /** The smallest model whose 95% interval overlaps the best model's: the cheapest "as good as the best" in this run. */
  smallestMatchingBest: ModelResult;
  /** Whether this run is the study's full budget (no reductions). */
  fullBudget: boolean;
  /** Compact models at or above a test accuracy. */
  compactAtLeast: (threshold: number) => ModelResult[];
  byId: (id: string) => ModelResult | undefined;
}

export function computeFacts(manifest: Manifest, models: ModelResult[]): Facts {
  const baseline = models.find((m) => m.id === BASELINE_ID);
  const compact = models.filter((m) => m.id !== BASELINE_ID);
  const ranked = byAccuracy(models);
  const best = ranked[0]!;
  const smallest = [...models].sort((a, b) => a.params.total - b.params.total)[0]!;
  const matching = models.filter((m) => overlaps(m.evaluation.accuracyCI95, best.evaluation.accuracyCI95));
  return {
    manifest,
    models,
    baseline,
    compact,
    ranked,
    best,
    bestCompact: byAccuracy(compact)[0],
    smallest,
    paretoParams: paretoFront(models, (m) => m.params.total),
    paretoFlops: paretoFront(models, (m) => m.macs),
    smallestMatchingBest: [...matching].sort((a, b) => a.params.total - b.params.total)[0]!,
    fullBudget: manifest.profile.reductions.length === 0,
    compactAtLeast: (threshold) => compact.filter((m) => m.evaluation.accuracy >= threshold),
    byId: (id) => models.find((m) => m.id === id),
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
