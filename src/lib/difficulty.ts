/**
 * Facts for the section on how hard Medical MNIST is: the near-duplicate audit, both
 * evaluation protocols side by side for every model and baseline, and which differences
 * McNemar's test supports. Pure functions of the bundle; the section's components and
 * sentences read everything from here, so no number is typed by hand.
 */
import type { Baseline, Comparison, Manifest, ModelResult, Protocol, Run, SeedSummary } from '../../schema/results.ts';

/** Significance level for the paired tests; a difference counts only when every seed pairing reaches it. */
export const ALPHA = 0.05;

export interface ProtocolFigures {
  protocol: Protocol;
  seeds: number;
  accuracy: SeedSummary;
  macroAuc: SeedSummary;
  macroF1: SeedSummary;
  /** Wilson 95 % interval of the first seed's run. */
  ci: [number, number];
  testImages: number;
}

export interface MethodRow {
  id: string;
  name: string;
  kind: 'model' | 'baseline';
  image: ProtocolFigures | null;
  grouped: ProtocolFigures | null;
  /** Mean accuracy on image minus mean accuracy on grouped (positive: the grouped split is harder). */
  drop: number | null;
  /** k-NN: the k used on each protocol's test images, chosen on its validation images (absent otherwise). */
  chosenK?: Partial<Record<Protocol, number>>;
}

function figures(runs: readonly Run[], summary: Partial<Record<Protocol, { accuracy: SeedSummary; macroAuc: SeedSummary; macroF1: SeedSummary }>> | undefined, protocol: Protocol): ProtocolFigures | null {
  const mine = runs.filter((r) => r.protocol === protocol);
  const s = summary?.[protocol];
  if (!mine.length || !s) return null;
  return { protocol, seeds: mine.length, accuracy: s.accuracy, macroAuc: s.macroAuc, macroF1: s.macroF1, ci: mine[0]!.evaluation.accuracyCI95, testImages: mine[0]!.evaluation.testImages };
}

function row(id: string, name: string, kind: MethodRow['kind'], runs: readonly Run[], summary: Parameters<typeof figures>[1]): MethodRow {
  const image = figures(runs, summary, 'image');
  const grouped = figures(runs, summary, 'grouped');
  return { id, name, kind, image, grouped, drop: image && grouped ? image.accuracy.mean - grouped.accuracy.mean : null };
}

/** Every model, then every baseline, with both protocols' figures. */
export function methodRows(manifest: Manifest, models: readonly ModelResult[]): MethodRow[] {
  return [
    ...models.filter((m) => m.runs?.length).map((m) => row(m.id, m.name, 'model', m.runs!, m.summary)),
    ...(manifest.baselines ?? []).map((b) => ({ ...row(b.id, b.name, 'baseline', b.runs, b.summary), ...(b.chosenK ? { chosenK: b.chosenK } : {}) })),
  ];
}

/** The baseline with the highest mean accuracy on a protocol (the one the comparisons use). */
export function bestBaseline(manifest: Manifest, protocol: Protocol): Baseline | null {
  const id = manifest.bestBaselines?.[protocol];
  if (manifest.bestBaselines) return (manifest.baselines ?? []).find((b) => b.id === id) ?? null;
  // A bundle written before the pipeline recorded it: the highest mean accuracy, as the pipeline chooses.
  const all = (manifest.baselines ?? []).filter((b) => b.summary[protocol]);
  return all.length ? all.reduce((a, b) => (b.summary[protocol]!.accuracy.mean > a.summary[protocol]!.accuracy.mean ? b : a)) : null;
}

export type Verdict =
  /** Every seed pairing significant, all favouring a. */
  | 'a'
  | 'b'
  /** No seed pairing significant. */
  | 'none'
  /** Some pairings significant, or significant in opposite directions: not a consistent difference. */
  | 'mixed';

export interface Separation {
  verdict: Verdict;
  /** Largest p over the seed pairings (the weakest evidence). */
  maxP: number;
  minP: number;
  pairings: number;
}

/** What McNemar's test says about a and b on one protocol, over all seed pairings; null when they were not compared. */
export function separation(comparisons: readonly Comparison[] | undefined, a: string, b: string, protocol: Protocol, alpha = ALPHA): Separation | null {
  const c = (comparisons ?? []).find((x) => x.protocol === protocol && ((x.a === a && x.b === b) || (x.a === b && x.b === a)));
  if (!c || !c.perSeed.length) return null;
  const flipped = c.a !== a;
  const ps = c.perSeed.map((s) => s.p);
  const significant = c.perSeed.filter((s) => s.p < alpha);
  const favoursA = significant.filter((s) => (flipped ? s.onlyB > s.onlyA : s.onlyA > s.onlyB)).length;
  const verdict: Verdict =
    significant.length === 0 ? 'none' : significant.length < c.perSeed.length ? 'mixed' : favoursA === significant.length ? 'a' : favoursA === 0 ? 'b' : 'mixed';
  return { verdict, maxP: Math.max(...ps), minP: Math.min(...ps), pairings: c.perSeed.length };
}

export interface AuditFacts {
  images: number;
  pairs: number;
  seconds: number;
  threshold: number;
  clusters: number;
  largestShare: { class: string; share: number; size: number };
  /** Held-out images of a protocol with a training image within the threshold. */
  leaked: Record<Protocol, { test: number; testImages: number; validation: number; validationImages: number }>;
  /** Median nearest-training distance of test images, per protocol. */
  medianNearest: Record<Protocol, number>;
  /** Test images whose nearest training image lies just outside the threshold (within one grey level above it), per protocol. */
  justAbove: Record<Protocol, number>;
  /** Classes holding most of the image protocol's near-copies, most first. */
  leakyClasses: { class: string; count: number; of: number }[];
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)]! : 0;
}

export function auditFacts(manifest: Manifest): AuditFacts | null {
  const audit = manifest.audit;
  const protocols = manifest.protocols;
  if (!audit || !protocols) return null;
  const n = manifest.dataset.total;
  const largest = audit.clusters.perClass.map((c) => ({ class: c.class, size: c.largestCluster, share: c.images ? c.largestCluster / c.images : 0 })).reduce((a, b) => (b.share > a.share ? b : a));
  const leaked = {} as AuditFacts['leaked'];
  const medianNearest = {} as AuditFacts['medianNearest'];
  const justAbove = {} as AuditFacts['justAbove'];
  for (const p of protocols) {
    const sum = (rows: typeof p.leakage.test) => rows.reduce((s, r) => s + r.withNearCopyInTrain, 0);
    leaked[p.protocol] = { test: sum(p.leakage.test), testImages: p.split.sizes.test, validation: sum(p.leakage.validation), validationImages: p.split.sizes.validation };
    medianNearest[p.protocol] = median(p.nearestTrainDistance);
    justAbove[p.protocol] = p.nearestTrainDistance.filter((d) => d > audit.threshold && d <= audit.threshold + 1).length;
  }
  const image = protocols.find((p) => p.protocol === 'image');
  const leakyClasses = (image?.leakage.test ?? [])
    .filter((r) => r.withNearCopyInTrain > 0)
    .map((r) => ({ class: r.class, count: r.withNearCopyInTrain, of: r.images }))
    .sort((a, b) => b.count - a.count);
  return { images: n, pairs: (n * (n - 1)) / 2, seconds: audit.seconds, threshold: audit.threshold, clusters: audit.clusters.count, largestShare: largest, leaked, medianNearest, justAbove, leakyClasses };
}

export interface Standing {
  /** Methods the test separates in favour of the first group, against the other, and not at all. */
  better: string[];
  worse: string[];
  notSeparated: string[];
  /** Largest p among the pairings behind `better` and `worse` (the weakest of the separations claimed). */
  weakestP: number | null;
}

/** Each of `ids` against `other` on one protocol, by McNemar over every seed pairing; names via `name`. */
export function standing(comparisons: readonly Comparison[] | undefined, ids: readonly string[], other: string, protocol: Protocol, name: (id: string) => string): Standing {
  const out: Standing = { better: [], worse: [], notSeparated: [], weakestP: null };
  for (const id of ids) {
    const s = separation(comparisons, id, other, protocol);
    if (!s) continue;
    if (s.verdict === 'a' || s.verdict === 'b') {
      (s.verdict === 'a' ? out.better : out.worse).push(name(id));
      out.weakestP = Math.max(out.weakestP ?? 0, s.maxP);
    } else out.notSeparated.push(name(id));
  }
  return out;
}

/**
 * The k a k-NN baseline used, per protocol, as the pipeline chose it (the first k with the
 * best validation accuracy), e.g. "k = 5, chosen on validation"; null for other baselines.
 */
export function chosenK(baseline: Pick<Baseline, 'kSelection'>): string | null {
  const sel = baseline.kSelection;
  if (!sel) return null;
  const per = (Object.entries(sel) as [Protocol, { k: number; accuracy: number }[]][])
    .filter(([, tried]) => tried.length > 0)
    .map(([p, tried]) => ({ p, k: tried.reduce((a, b) => (b.accuracy > a.accuracy ? b : a)).k }));
  if (per.length === 0) return null;
  const ks = [...new Set(per.map((x) => x.k))];
  const names: Record<Protocol, string> = { image: 'per-image', grouped: 'grouped' };
  const text = ks.length === 1 ? `k = ${ks[0]}` : per.map((x) => `k = ${x.k} (${names[x.p]})`).join(', ');
  return `${text}, chosen on validation${ks.length === 1 && ks[0] === 1 ? ': the same as 1-NN' : ''}`;
}
