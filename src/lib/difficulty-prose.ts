/**
 * The sentences of the section "How hard is Medical MNIST?", made from the bundle through
 * difficulty.ts. Each template holds whichever way the run falls: a baseline beating the
 * networks, no separation, one seed, no comparisons (smoke runs), no grouped protocol, a
 * ResNet50 from random weights. Tested on such bundles in tests/lib/difficulty-prose.test.ts.
 */
import { PROTOCOLS, type Manifest, type ModelResult, type Protocol } from '../../schema/results.ts';
import { ALPHA, auditFacts, bestBaseline, methodRows, standing, type AuditFacts, type MethodRow, type Standing } from './difficulty.ts';
import { referenceModel } from './facts.ts';
import { dec, int, list, pct, plural, pp, sig } from './format.ts';
import { protocolName } from './protocols.ts';


export interface ProtocolVerdict {
  protocol: Protocol;
  /** The baseline with the best mean accuracy on this protocol, as a row. */
  best: MethodRow | null;
  /** Compact CNNs against the best baseline; null when the run has no comparisons for it. */
  vsBaseline: Standing | null;
  /** Compact CNNs against ResNet50; null when not compared. */
  vsResNet: Standing | null;
}

export interface Difficulty {
  audit: AuditFacts | null;
  rows: MethodRow[];
  protocols: Protocol[];
  /** Each protocol's name in running text, from the bundle ("grouped split"). */
  names: Record<Protocol, string>;
  /** Most seeds any model was trained with, per protocol shown. */
  seeds: number;
  verdicts: ProtocolVerdict[];
  resnetInit: 'imagenet' | 'random' | null;
  hasComparisons: boolean;
  /** Whether the pipeline chose the best baseline on validation accuracy (every baseline run states it). */
  bestOnValidation: boolean;
}

export function computeDifficulty(manifest: Manifest, models: readonly ModelResult[]): Difficulty {
  const rows = methodRows(manifest, models);
  const name = (id: string) => rows.find((r) => r.id === id)?.name ?? id;
  const protocols = (manifest.protocols ?? []).map((p) => p.protocol);
  const reference = referenceModel(models);
  const compact = rows.filter((r) => r.kind === 'model' && r.id !== reference?.id).map((r) => r.id);
  const verdicts = protocols.map((protocol): ProtocolVerdict => {
    // The baseline the pipeline compared the models with on this protocol (the bundle names it).
    const b = bestBaseline(manifest, protocol);
    const vs = (other: string) => {
      const s = standing(manifest.comparisons, compact, other, protocol, name);
      return s.better.length + s.worse.length + s.notSeparated.length > 0 ? s : null;
    };
    return { protocol, best: b ? rows.find((r) => r.id === b.id) ?? null : null, vsBaseline: b ? vs(b.id) : null, vsResNet: reference ? vs(reference.id) : null };
  });
  const seeds = Math.max(1, ...rows.filter((r) => r.kind === 'model').flatMap((r) => [r.image?.seeds ?? 0, r.grouped?.seeds ?? 0]));
  return {
    audit: auditFacts(manifest),
    rows,
    protocols,
    names: Object.fromEntries(PROTOCOLS.map((p) => [p, protocolName(manifest, p)])) as Record<Protocol, string>,
    seeds,
    verdicts,
    resnetInit: reference?.initialWeights.kind ?? null,
    hasComparisons: (manifest.comparisons ?? []).some((c) => c.perSeed.length > 0),
    bestOnValidation: (manifest.baselines ?? []).length > 0 && (manifest.baselines ?? []).every((b) => b.runs.every((r) => r.validationAccuracy !== undefined)),
  };
}

const share = (n: number, of: number) => (of ? pct(n / of) : '–');
const are = (xs: readonly unknown[]) => (xs.length === 1 ? 'is' : 'are');

/** The audit: representation, scale, threshold and its justification, clusters. */
export function auditText(d: Difficulty, manifest: Manifest): string | null {
  const a = d.audit;
  const audit = manifest.audit;
  if (!a || !audit) return null;
  const largest = a.largestShare;
  return (
    `The audit compared every pair of the ${int(a.images)} images (${int(a.pairs)} pairs): ${audit.representation.replace(/\.$/, '')}; it took ${sig(a.seconds)} s${audit.cacheHit ? ' when first computed (this run reused it)' : ''}. ` +
    `Two images at most ${dec(a.threshold, 2)} grey levels apart count as near-duplicates. The threshold is ${audit.thresholdRule.replace(/\.$/, '')}. ` +
    `At it, the images form ${int(a.clusters)} clusters; the largest holds ${plural(largest.size, `${largest.class} image`)} (${pct(largest.share)} of the class).` +
    chainingText(manifest)
  );
}

/** What a larger threshold would do: the largest cluster's share of its class one grid step up and at the top of the grid. */
export function chainingText(manifest: Manifest): string {
  const audit = manifest.audit;
  if (!audit) return '';
  const classes = manifest.dataset.classes;
  const largest = (c: (typeof audit.thresholdCurve)[number]) => {
    const i = c.largestClusterShare.reduce((best, x, k, xs) => (x > xs[best]! ? k : best), 0);
    return `${pct(c.largestClusterShare[i]!)} of ${classes[i] ?? `class ${i}`}`;
  };
  const above = audit.thresholdCurve.filter((c) => c.threshold > audit.threshold).sort((a, b) => a.threshold - b.threshold);
  if (above.length === 0) return '';
  const next = above[0]!;
  const top = above[above.length - 1]!;
  const s = ` One step up, at ${dec(next.threshold, 2)}, the largest cluster would hold ${largest(next)}`;
  return top === next ? `${s}.` : `${s}, and at ${dec(top.threshold, 2)} ${largest(top)}: single linkage chains runs of similar images together.`;
}

/** How many held-out images have a near-copy in training, per protocol. */
export function leakageText(d: Difficulty): string | null {
  const a = d.audit;
  if (!a) return null;
  const parts: string[] = [];
  const image = a.leaked.image;
  if (image) {
    const classes = a.leakyClasses.slice(0, 3).map((c) => `${c.class} (${int(c.count)} of ${int(c.of)})`);
    parts.push(
      image.test === 0
        ? `Under the ${d.names.image} no test image has a training image within the threshold.`
        : `Under the ${d.names.image}, ${int(image.test)} of the ${int(image.testImages)} test images (${share(image.test, image.testImages)}) have a training image within the threshold, most of them in ${list(classes)}.`,
    );
  }
  const grouped = a.leaked.grouped;
  if (grouped) {
    parts.push(
      `The ${d.names.grouped} deals whole clusters to training, validation and test, so ${grouped.test === 0 ? 'none' : int(grouped.test)} of its ${int(grouped.testImages)} test images ${grouped.test === 1 ? 'has' : 'have'} one` +
        (image ? `; the median distance from a test image to its nearest training image is ${dec(a.medianNearest.image, 2)} grey levels under the ${d.names.image} and ${dec(a.medianNearest.grouped, 2)} under the ${d.names.grouped}.` : '.'),
    );
    // What the grouped split does not do: it removes near-copies within the threshold, not near neighbours just outside it.
    if (image && a.justAbove) {
      const above = a.justAbove.grouped;
      const notFarther = a.medianNearest.grouped <= a.medianNearest.image;
      if (above > 0 || notFarther)
        parts.push(
          `That is all it removes: ${above > 0 ? `${int(above)} of its ${int(grouped.testImages)} test images (${share(above, grouped.testImages)}) have a training image within one grey level above the threshold${a.justAbove.image > 0 ? `, against ${int(a.justAbove.image)} under the per-image split` : ''}` : 'its test images are not farther from training'}` +
            `${notFarther && above > 0 ? `, and its median nearest-training distance is ${a.medianNearest.grouped < a.medianNearest.image ? 'even lower than' : 'no higher than'} the per-image split’s` : ''}, so the grouped split tests images without near-copies in training, not images unlike the training set.`,
        );
    }
  }
  return parts.join(' ') || null;
}

const accOn = (r: MethodRow, p: Protocol) => {
  const f = r[p];
  return f ? pct(f.accuracy.mean, 2) : null;
};

/** What each baseline reaches, on each protocol. */
export function baselinesText(d: Difficulty): string | null {
  const baselines = d.rows.filter((r) => r.kind === 'baseline');
  if (baselines.length === 0) return null;
  const items = baselines.map((r) => {
    const on = d.protocols.map((p) => accOn(r, p) && `${accOn(r, p)} on the ${d.names[p]}`).filter(Boolean) as string[];
    const ks = d.protocols.filter((p) => r.chosenK?.[p] !== undefined);
    const k = ks.length === 0 ? '' : new Set(ks.map((p) => r.chosenK![p])).size === 1
      ? ` (k = ${r.chosenK![ks[0]!]}, chosen on the validation images)`
      : ` (k chosen on the validation images: ${list(ks.map((p) => `${r.chosenK![p]} on the ${d.names[p]}`))})`;
    return `${r.name}${k} ${list(on)}`;
  });
  const chosen = d.bestOnValidation ? ' The one every model is tested against below is the most accurate of them on the validation images, so none is picked on the test images.' : '';
  return `Methods with little or no learning set the bar: ${items.join('; ')}.${chosen}`;
}

/** How the models' accuracy changes from the per-image to the grouped split. */
export function dropText(d: Difficulty): string | null {
  const models = d.rows.filter((r) => r.kind === 'model' && r.drop !== null);
  if (models.length === 0) return null;
  const byDrop = [...models].sort((a, b) => a.drop! - b.drop!);
  const lo = byDrop[0]!;
  const hi = byDrop[byDrop.length - 1]!;
  const change = (r: MethodRow) => `${pp(-r.drop!, 2)} for ${r.name}`;
  const lower = models.filter((r) => r.drop! > 0);
  const trend =
    lower.length === models.length ? 'lower for every model' : lower.length === 0 ? 'no lower for any model' : `lower for ${list(lower.map((r) => r.name))}, not for the others`;
  const range = models.length === 1 ? change(lo) : `from ${change(lo)} to ${change(hi)}`;
  return `From the ${d.names.image} to the ${d.names.grouped}, mean test accuracy is ${trend} (${range}). The two splits hold different test images, so these changes are not paired tests: read them against each split's intervals in the table.`;
}

const who = (s: Standing) => ({ better: list(s.better), worse: list(s.worse), tied: list(s.notSeparated) });

/** McNemar's verdicts on one protocol: the compact CNNs against the best baseline, and against ResNet50. */
export function comparisonText(d: Difficulty, v: ProtocolVerdict): string {
  const on = `On the ${d.names[v.protocol]}`;
  if (!d.hasComparisons) return `${on}, this run made no paired comparisons, so the text ranks no model above another there.`;
  const parts: string[] = [];
  if (v.best && v.vsBaseline) {
    const s = v.vsBaseline;
    const w = who(s);
    const base = `the best baseline, ${v.best.name}`;
    const clauses = [
      s.better.length > 0 && `${w.better} ${are(s.better)} more accurate than ${base}`,
      s.notSeparated.length > 0 && `${w.tied} ${s.notSeparated.length === 1 ? 'is' : 'are'} not separated from ${s.better.length ? 'it' : base}`,
      s.worse.length > 0 && `${w.worse} ${are(s.worse)} less accurate than ${s.better.length || s.notSeparated.length ? 'it' : base}`,
    ].filter(Boolean) as string[];
    parts.push(`${on}, ${clauses.join('; ')}.`);
  } else parts.push(`${on}, no compact CNN was compared with a baseline.`);
  if (v.vsResNet) {
    const s = v.vsResNet;
    const w = who(s);
    const clauses = [
      s.better.length > 0 && `${w.better} ${are(s.better)} more accurate`,
      s.notSeparated.length > 0 && `${w.tied} ${are(s.notSeparated)} not separated from it`,
      s.worse.length > 0 && `${w.worse} ${are(s.worse)} less accurate`,
    ].filter(Boolean) as string[];
    parts.push(`Against ResNet50, ${clauses.join('; ')}.`);
  }
  return parts.join(' ');
}

/** How a difference is counted, said once. */
export function testRuleText(d: Difficulty): string {
  const rule =
    d.seeds > 1
      ? `A difference is counted only where every pairing of the two methods’ runs (one per seed) has p < ${ALPHA} in the same direction, so one lucky seed cannot make it.`
      : `Each method was trained once (one seed), so a difference is counted where p < ${ALPHA}, with no seed spread to check it against.`;
  return `Two methods are compared with McNemar’s exact test on the same test images; overlapping or separate Wilson intervals alone are not read as a test. ${rule}`;
}

/** The section's conclusion: do the compact CNNs beat the best baseline, on which split; does "ResNet50 is unnecessary" hold. */
export function difficultyConclusion(d: Difficulty): string[] {
  const out: string[] = [];
  if (!d.hasComparisons) {
    out.push('This run made no paired comparisons, so it cannot say whether the compact CNNs beat the baselines or match ResNet50; the full and cpu profiles make them.');
    return out;
  }
  const on = (vs: ProtocolVerdict[]) => list(vs.map((v) => `the ${d.names[v.protocol]}`));
  const clauses = d.verdicts
    .filter((v) => v.vsBaseline && v.best)
    .map((v) => {
      const s = v.vsBaseline!;
      const base = `the best baseline, ${v.best!.name} at ${pct(v.best![v.protocol]!.accuracy.mean, 2)}`;
      const where = `on the ${d.names[v.protocol]}`;
      const all = s.better.length > 0 && s.notSeparated.length === 0 && s.worse.length === 0;
      if (all) return `${where} every compact CNN beats ${base}`;
      const worse = s.worse.length > 0 ? `, and ${list(s.worse)} ${are(s.worse)} less accurate than it` : '';
      if (s.better.length === 0) return `${where} no compact CNN beats ${base}${worse}`;
      return `${where} only ${list(s.better)} ${s.better.length === 1 ? 'beats' : 'beat'} ${base}${worse}`;
    });
  if (clauses.length > 0) {
    const nowhere = d.verdicts.filter((v) => v.vsBaseline && v.best && v.vsBaseline.better.length === 0);
    const why =
      nowhere.length === 0
        ? ''
        : ` On ${nowhere.length === 1 ? 'that split' : 'those splits'} no compact CNN is shown to do better than a method without convolutional features, so ${nowhere.length === 1 ? 'it does not show' : 'they do not show'} what the networks add.`;
    out.push(`By McNemar’s test, ${clauses.join('; ')}.${why}`);
  }
  const res = d.verdicts.filter((v) => v.vsResNet);
  if (res.length > 0) {
    const worse = res.filter((v) => v.vsResNet!.worse.length > 0);
    const imagenet = d.resnetInit === 'imagenet';
    const init = imagenet ? 'the ImageNet-initialised ResNet50' : 'ResNet50';
    const caveat = imagenet ? '' : ' This ResNet50 was trained from random weights, not from the study’s ImageNet start, so the claim is not tested against the study’s baseline.';
    if (worse.length === 0) out.push(`By McNemar’s test no compact CNN is less accurate than ${init} on ${on(res)}: in this run “ResNet50 is unnecessary” holds.${caveat}`);
    else
      out.push(
        `“ResNet50 is unnecessary” does not hold for every compact CNN: ${worse.map((v) => `on the ${d.names[v.protocol]} ${list(v.vsResNet!.worse)} ${are(v.vsResNet!.worse)} less accurate than ${init}`).join('; ')}.${caveat}`,
      );
  }
  if (d.seeds === 1) out.push('Each method was trained once, so these verdicts rest on one seed and say nothing about the spread between seeds.');
  return out;
}
