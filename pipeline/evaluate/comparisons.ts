/**
 * Paired comparisons on the same test images: McNemar's exact test between every pair of
 * models, and between every model and the best baseline, per protocol. Runs are paired
 * seed by seed (a model's i-th seed with the other's i-th; a method with one run, such as
 * the nearest-neighbour baselines, pairs with every seed), so the paper can say whether
 * a difference holds on every seed rather than on one lucky draw.
 */
import { decodePredictions, PROTOCOLS, type Comparison, type Protocol, type Run } from '../../schema/results.ts';
import { mcnemarExact } from './metrics.ts';

export interface Method {
  /** Model or baseline id. */
  id: string;
  runs: Run[];
}

const classesOf = (r: Run) => Uint16Array.from(decodePredictions(r.evaluation.predictions));

function pairRuns(a: Run[], b: Run[]): [Run, Run][] {
  if (a.length === 1) return b.map((r) => [a[0]!, r]);
  if (b.length === 1) return a.map((r) => [r, b[0]!]);
  return a.slice(0, Math.min(a.length, b.length)).map((r, i) => [r, b[i]!]);
}

/**
 * Per protocol, the baseline with the highest mean validation accuracy over its runs (test accuracy for runs recorded without it): the one
 * every model is tested against, and the one the paper names (the bundle records it, so
 * the site never recomputes it).
 */
export function bestBaselines(baselines: Method[], testLabels: Partial<Record<Protocol, Uint8Array>>): Partial<Record<Protocol, string>> {
  const out: Partial<Record<Protocol, string>> = {};
  for (const protocol of PROTOCOLS) {
    const labels = testLabels[protocol];
    if (!labels) continue;
    const candidates = baselines
      .map((m) => ({ id: m.id, runs: m.runs.filter((r) => r.protocol === protocol && r.evaluation.predictions.length === labels.length) }))
      .filter((m) => m.runs.length);
    // Chosen on the validation split where every candidate run states its validation accuracy (no choice on test images); else, as before it was recorded, on test accuracy.
    const onValidation = candidates.every((m) => m.runs.every((r) => r.validationAccuracy !== undefined));
    const mean = (m: Method) => m.runs.reduce((s, r) => s + (onValidation ? r.validationAccuracy! : r.evaluation.accuracy), 0) / m.runs.length;
    if (candidates.length) out[protocol] = candidates.reduce((x, y) => (mean(y) > mean(x) ? y : x)).id;
  }
  return out;
}

export function comparisons(opts: {
  models: Method[];
  baselines: Method[];
  /** True labels of each protocol's test split, in the split's index order. */
  testLabels: Record<Protocol, Uint8Array>;
}): Comparison[] {
  const out: Comparison[] = [];
  const bests = bestBaselines(opts.baselines, opts.testLabels);
  for (const protocol of PROTOCOLS) {
    const labels = opts.testLabels[protocol];
    const of = (m: Method) => ({ id: m.id, runs: m.runs.filter((r) => r.protocol === protocol && r.evaluation.predictions.length === labels.length) });
    const models = opts.models.map(of).filter((m) => m.runs.length);
    const baselines = opts.baselines.map(of).filter((m) => m.runs.length);
    const best = baselines.find((b) => b.id === bests[protocol]) ?? null;
    const pairs: [Method, Method][] = [];
    for (let i = 0; i < models.length; i++) for (let j = i + 1; j < models.length; j++) pairs.push([models[i]!, models[j]!]);
    if (best) for (const m of models) pairs.push([m, best]);
    for (const [a, b] of pairs) {
      out.push({
        protocol,
        a: a.id,
        b: b.id,
        perSeed: pairRuns(a.runs, b.runs).map(([ra, rb]) => {
          const t = mcnemarExact(labels, classesOf(ra), classesOf(rb));
          return { seedA: ra.seed, seedB: rb.seed, onlyA: t.onlyFirst, onlyB: t.onlySecond, p: t.p };
        }),
      });
    }
  }
  return out;
}
