/**
 * Robustness to corrupted images, from the bundle: each method's balanced error (1 −
 * balanced accuracy) clean and under MedMNIST-C's corruptions (manifest.corruptions,
 * pipeline/analysis/), summarised as MedMNIST-C does, against the reference network, with
 * 95 % intervals from resampling the corrupted test images (every method was measured on
 * the same images, so the differences are paired). Pure functions; the section's table,
 * chart and sentences read everything from here.
 */
import seedrandom from 'seedrandom';
import { decodePredictions, type Manifest, type ModelResult, type Robustness } from '../../schema/results.ts';
import { referenceModel } from './facts.ts';
import { balancedError } from '../../common/balanced-error.ts';

/** Bootstrap resamples of the test images behind every interval. */
export const RESAMPLES = 1000;

export interface RobustnessMethod {
  id: string;
  name: string;
  kind: 'model' | 'baseline';
  record: Robustness;
}

export interface RobustnessRow {
  id: string;
  name: string;
  kind: 'model' | 'baseline';
  /** Balanced error on the clean images. */
  clean: number;
  /** Mean over corruptions of the mean over severities (MedMNIST-C's BE, before normalising), with its 95 % interval. */
  mean: number;
  meanCI: [number, number];
  /** mean / the reference's (MedMNIST-C's normalised BE), and the rise over clean / the reference's rise (relative BE); null for the reference or without one. */
  normalised: number | null;
  relative: number | null;
  /** This method's mean minus the reference's, on the same resamples (paired), with its 95 % interval; null for the reference itself or without one. */
  vsReference: { difference: number; ci: [number, number] } | null;
  /** Per corruption family and severity (0 = clean), the mean balanced error, for the chart. */
  byFamily: { family: string; severity: number; balancedError: number }[];
}

export interface RobustnessSummary {
  images: number;
  corruptions: number;
  /** The reference network's id, when it was measured. */
  reference: string | null;
  rows: RobustnessRow[];
}

/** Every method with a robustness record on the same images: the models in the bundle's order, then the baselines. */
export function robustnessMethods(manifest: Pick<Manifest, 'baselines'>, models: readonly ModelResult[]): RobustnessMethod[] {
  const all: RobustnessMethod[] = [
    ...models.filter((m) => m.robustness).map((m) => ({ id: m.id, name: m.name, kind: 'model' as const, record: m.robustness! })),
    ...(manifest.baselines ?? []).filter((b) => b.robustness).map((b) => ({ id: b.id, name: b.name, kind: 'baseline' as const, record: b.robustness! })),
  ];
  // Only methods measured on the first one's images are comparable.
  const first = all[0]?.record;
  return all.filter((m) => m.record.images === first!.images && m.record.seed === first!.seed && String(m.record.labels) === String(first!.labels));
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const interval = (xs: number[]): [number, number] => {
  const s = [...xs].sort((a, b) => a - b);
  return [s[Math.floor(0.025 * (s.length - 1))]!, s[Math.ceil(0.975 * (s.length - 1))]!];
};

/** MedMNIST-C's mean BE of one method under `weight`: the mean over corruptions of the mean over severities. */
function meanError(labels: number[], settings: number[][][], weight: ArrayLike<number>, classes: number): number {
  return mean(settings.map((severities) => mean(severities.map((p) => balancedError(labels, p, classes, weight)))));
}

export function robustnessSummary(manifest: Pick<Manifest, 'baselines' | 'corruptions' | 'dataset'>, models: readonly ModelResult[], resamples = RESAMPLES): RobustnessSummary | null {
  const methods = robustnessMethods(manifest, models);
  if (!manifest.corruptions || methods.length === 0) return null;
  const classes = manifest.dataset.classes.length;
  const labels = decodePredictions(methods[0]!.record.labels);
  const n = labels.length;
  const familyOf = new Map(manifest.corruptions.list.map((c) => [c.id, c.family]));
  const decoded = methods.map((m) => m.record.corruptions.map((c) => c.predictions.map(decodePredictions)));
  const ones = new Float64Array(n).fill(1);
  const means = decoded.map((d) => meanError(labels, d, ones, classes));
  const refIndex = methods.findIndex((m) => m.id === referenceModel(models.filter((x) => x.robustness))?.id);

  // Paired resamples: one draw of images per resample, used for every method.
  const rng = seedrandom(`robustness-bootstrap:${methods[0]!.record.seed}`);
  const draws: number[][] = methods.map(() => []);
  const weight = new Float64Array(n);
  for (let r = 0; r < resamples; r++) {
    weight.fill(0);
    for (let i = 0; i < n; i++) weight[Math.floor(rng() * n)]!++;
    decoded.forEach((d, k) => draws[k]!.push(meanError(labels, d, weight, classes)));
  }

  const ref = refIndex >= 0 ? methods[refIndex]! : null;
  const rows = methods.map((m, k): RobustnessRow => {
    const families = [...new Set(m.record.corruptions.map((c) => familyOf.get(c.id) ?? 'other'))];
    const byFamily = families.flatMap((family) => {
      const mine = m.record.corruptions.filter((c) => (familyOf.get(c.id) ?? 'other') === family);
      return [{ family, severity: 0, balancedError: m.record.clean }, ...[0, 1, 2, 3, 4].map((s) => ({ family, severity: s + 1, balancedError: mean(mine.map((c) => c.balancedError[s]!)) }))];
    });
    const isRef = ref !== null && k === refIndex;
    const refMean = ref ? means[refIndex]! : null;
    return {
      id: m.id,
      name: m.name,
      kind: m.kind,
      clean: m.record.clean,
      mean: means[k]!,
      meanCI: interval(draws[k]!),
      normalised: ref && !isRef && refMean! > 0 ? means[k]! / refMean! : null,
      relative: ref && !isRef && refMean! - ref.record.clean > 0 ? (means[k]! - m.record.clean) / (refMean! - ref.record.clean) : null,
      vsReference: ref && !isRef ? { difference: means[k]! - refMean!, ci: interval(draws[k]!.map((v, r) => v - draws[refIndex]![r]!)) } : null,
      byFamily,
    };
  });
  return { images: n, corruptions: manifest.corruptions.list.length, reference: ref?.id ?? null, rows };
}

const pctOf = (x: number) => `${(x * 100).toFixed(1)}%`;
const ppOf = (x: number) => `${x > 0 ? '+' : x < 0 ? '−' : '±'}${Math.abs(x * 100).toFixed(1)} pp`;
const range = ([lo, hi]: [number, number]) => `${(lo * 100).toFixed(1)}–${(hi * 100).toFixed(1)}%`;
const join = (xs: readonly string[]) => (xs.length <= 1 ? (xs[0] ?? '') : `${xs.slice(0, -1).join(', ')} and ${xs.at(-1)}`);

/** The section's sentences, worded from whichever way the intervals fall. */
export function robustnessText(s: RobustnessSummary, models: readonly Pick<ModelResult, 'id' | 'studyPick'>[] = []): string[] {
  const ref = s.rows.find((r) => r.id === s.reference) ?? null;
  const out: string[] = [];
  const measured = `On the same ${s.images} test images, under ${s.corruptions} corruptions at five severities each`;
  if (!ref) {
    out.push(`${measured}, the mean balanced error of each method is ${join(s.rows.map((r) => `${pctOf(r.mean)} for ${r.name} (95% interval ${range(r.meanCI)})`))}. No reference network was measured, so nothing is normalised.`);
    return out;
  }
  out.push(
    `${measured}, ${ref.name}'s mean balanced error rises from ${pctOf(ref.clean)} on the clean images to ${pctOf(ref.mean)} (95% interval ${range(ref.meanCI)}).`,
  );
  const others = s.rows.filter((r) => r.vsReference);
  const lower = others.filter((r) => r.vsReference!.ci[1] < 0);
  const higher = others.filter((r) => r.vsReference!.ci[0] > 0);
  const unseparated = others.filter((r) => !lower.includes(r) && !higher.includes(r));
  const detail = (r: RobustnessRow) => `${r.name} ${ppOf(r.vsReference!.difference)} (${ppOf(r.vsReference!.ci[0])} to ${ppOf(r.vsReference!.ci[1])})`;
  const parts: string[] = [];
  if (lower.length) parts.push(`${join(lower.map(detail))} ${lower.length === 1 ? 'errs' : 'err'} less under corruption than ${ref.name}`);
  if (higher.length) parts.push(`${join(higher.map(detail))} ${higher.length === 1 ? 'errs' : 'err'} more`);
  if (unseparated.length) parts.push(`for ${join(unseparated.map(detail))} the interval of the difference includes zero, so this test does not separate ${unseparated.length === 1 ? 'it' : 'them'} from ${ref.name}`);
  if (parts.length)
    out.push(`Against ${ref.name}, as the difference in mean balanced error with a paired 95% bootstrap interval over the images (${RESAMPLES} resamples): ${parts.join('; ')}.`);
  const networks = s.rows.filter((r) => r.kind === 'model').sort((a, b) => a.mean - b.mean);
  const pick = networks.find((r) => models.find((m) => m.id === r.id)?.studyPick);
  if (pick && networks.length > 1) {
    const rank = networks.indexOf(pick) + 1;
    out.push(
      `The study called ${pick.name} the best balance of accuracy, efficiency and generalisation; under corruption its mean balanced error ranks ${rank === 1 ? 'first' : `${rank} of ${networks.length}`} among the networks (lowest first)${rank === 1 ? '' : `, behind ${join(networks.slice(0, rank - 1).map((r) => r.name))}`}. Ranks themselves are not tested.`,
    );
  }
  return out;
}
