/**
 * The page's finding in one sentence, for its first screen and its description: the most
 * accurate network against the reference network, each with its spread over seeds, what
 * McNemar's test says of the two, and the best baseline with whether any network beats it
 * by that test. Everything comes from the bundle (seed summaries, the comparisons, the
 * baselines); a bundle written before seed summaries falls back to each model's one run.
 * Tested on bundles that fall every way in tests/lib/finding.test.ts.
 */
import type { Manifest, ModelResult, Protocol } from '../../schema/results.ts';
import { bestBaseline, methodRows, separation, standing, type Verdict } from './difficulty.ts';
import { referenceModel } from './facts.ts';
import { protocolName } from './protocols.ts';
import { compact, list, pct, pctRange, times } from './format.ts';


export interface FindingMethod {
  id: string;
  name: string;
  /** Mean test accuracy over seeds, and its lowest and highest seed. */
  mean: number;
  min: number;
  max: number;
  seeds: number;
}

export interface Finding {
  /** The protocol the finding is on (the bundle's first); null for a bundle without protocols. */
  protocol: Protocol | null;
  /** Its name, as the bundle gives it ("per-image split"). */
  protocolName: string | null;
  /** The most accurate network by mean accuracy (ties to the smaller). */
  best: FindingMethod;
  reference: FindingMethod | null;
  /** The most accurate network other than the reference, when the reference is the most accurate. */
  runnerUp: FindingMethod | null;
  /** McNemar's test over every seed pairing, best (or reference) first; null when not compared. */
  verdict: Verdict | null;
  /** Seed pairings behind the verdict. */
  pairings: number;
  baseline: FindingMethod | null;
  /** Networks McNemar's test finds more accurate than the best baseline in every seed pairing; null when none was compared. */
  beatBaseline: string[] | null;
  /** How many networks the bundle holds. */
  networks: number;
  sentence: string;
  numbers: { value: string; label: string }[];
}

/** "99.87% (mean of 3 seeds, 99.80–99.93%)" / "99.40% (one seed)". */
export function accuracyWithSpread(m: FindingMethod): string {
  return `${pct(m.mean, 2)} (${spread(m)})`;
}

function spread(m: FindingMethod): string {
  return m.seeds > 1 ? `mean of ${m.seeds} seeds, ${pctRange([m.min, m.max], 2)}` : 'one seed';
}

export function computeFinding(manifest: Manifest, models: readonly ModelResult[]): Finding {
  if (models.length === 0) throw new Error('finding: expected at least one model in the results bundle');
  const protocol = manifest.protocols?.[0]?.protocol ?? null;
  const rows = protocol ? methodRows(manifest, models) : [];
  const figures = (id: string, name: string): FindingMethod | null => {
    const r = rows.find((x) => x.id === id);
    const f = protocol && r ? r[protocol] : null;
    return f ? { id, name, mean: f.accuracy.mean, min: f.accuracy.min, max: f.accuracy.max, seeds: f.seeds } : null;
  };
  const networks: (FindingMethod & { params: number })[] = models.map((m) => ({
    ...(figures(m.id, m.name) ?? { id: m.id, name: m.name, mean: m.evaluation.accuracy, min: m.evaluation.accuracy, max: m.evaluation.accuracy, seeds: 1 }),
    params: m.params.total,
  }));
  const ranked = [...networks].sort((a, b) => b.mean - a.mean || a.params - b.params);
  const best = ranked[0]!;
  const ref = referenceModel(models);
  const reference = ref ? networks.find((n) => n.id === ref.id)! : null;
  const runnerUp = reference && reference === best ? (ranked.find((n) => n !== reference) ?? null) : null;
  const other = reference === best ? runnerUp : reference;
  const tested = protocol && other ? separation(manifest.comparisons, best.id, other.id, protocol) : null;
  const verdict = tested?.verdict ?? null;

  const bb = protocol ? bestBaseline(manifest, protocol) : null;
  const baseline = bb ? figures(bb.id, bb.name) : null;
  let beatBaseline: string[] | null = null;
  if (protocol && baseline) {
    const s = standing(manifest.comparisons, networks.map((n) => n.id), baseline.id, protocol, (id) => networks.find((n) => n.id === id)?.name ?? id);
    beatBaseline = s.better.length + s.worse.length + s.notSeparated.length > 0 ? s.better : null;
  }

  const finding = { protocol, protocolName: protocol ? protocolName(manifest, protocol) : null, best, reference, runnerUp, verdict, pairings: tested?.pairings ?? 0, baseline, beatBaseline, networks: networks.length };
  const refParams = ref?.params.total;
  const numbers: Finding['numbers'] = [{ value: pct(best.mean, 2), label: `${best.name}, the most accurate network (${spread(best)})` }];
  if (reference && reference !== best) {
    const init = ref!.initialWeights.kind === 'imagenet' ? 'ImageNet init' : 'random init';
    numbers.push({ value: pct(reference.mean, 2), label: `${reference.name} (${init}; ${spread(reference)})` });
  } else if (runnerUp) numbers.push({ value: pct(runnerUp.mean, 2), label: `${runnerUp.name}, the next network (${spread(runnerUp)})` });
  if (baseline) numbers.push({ value: pct(baseline.mean, 2), label: `${baseline.name}, the best baseline (${spread(baseline)})` });
  if (reference && reference !== best && refParams) numbers.push({ value: times(refParams, best.params), label: `fewer parameters than ${reference.name} (${best.name}: ${compact(best.params)})` });
  else numbers.push({ value: compact(best.params), label: `parameters, ${best.name}` });
  return { ...finding, sentence: findingSentence(finding), numbers };
}

const networksWord = (xs: readonly string[]) => (xs.length === 1 ? 'beats' : 'beat');

/** The finding as one sentence (see computeFinding). */
export function findingSentence(f: Omit<Finding, 'sentence' | 'numbers'>): string {
  const on = f.protocol ? `On the ${f.protocolName ?? `${f.protocol} split`}` : 'On the test split';
  const { best, reference, runnerUp } = f;
  let s: string;
  if (reference && reference !== best) s = `${on}, the most accurate network, ${best.name}, reached ${accuracyWithSpread(best)} against ${reference.name}’s ${accuracyWithSpread(reference)}`;
  else if (reference && runnerUp) s = `${on}, ${reference.name} was the most accurate network, ${accuracyWithSpread(reference)}, against ${runnerUp.name}’s ${accuracyWithSpread(runnerUp)}, the next best`;
  else s = `${on}, the most accurate network was ${best.name}, ${accuracyWithSpread(best)}`;
  const other = reference && reference !== best ? reference : runnerUp;
  if (other) {
    const test = 'McNemar’s test on the same test images';
    const every = f.pairings === 1 ? 'in its one seed pairing' : 'in every seed pairing';
    s +=
      f.verdict === null
        ? '; no paired test compared the two'
        : f.verdict === 'a'
          ? `; ${test} finds ${best.name} more accurate ${every}`
          : f.verdict === 'b'
            ? `; ${test} finds ${other.name} more accurate ${every}`
            : f.verdict === 'mixed'
              ? `; ${test} separates the two in only some seed pairings, so not consistently`
              : `; ${test} does not separate the two`;
  }
  const b = f.baseline;
  if (b) {
    const head = `; the best baseline, ${b.name}, reached ${accuracyWithSpread(b)}`;
    if (f.beatBaseline === null) s += `${head}, and no paired test compared it with the networks`;
    else if (f.beatBaseline.length === 0) s += `${head}, and by McNemar’s test no network is more accurate than it, so this run does not show what the networks add`;
    else if (f.beatBaseline.length === f.networks) s += `${head}, and by McNemar’s test ${f.networks === 1 ? `${best.name} beats it` : 'every network beats it'}`;
    else s += `${head}, and by McNemar’s test only ${list(f.beatBaseline)} ${networksWord(f.beatBaseline)} it`;
  }
  return `${s}.`;
}
