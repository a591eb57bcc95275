/**
 * The paper's data-dependent sentences, as plain strings made from Facts. Each
 * template handles the run going either way (ties, a loss to the baseline, one model,
 * a perfect model) and is tested on such bundles (tests/site/prose.test.ts); the MDX
 * places them between the author's fixed text.
 */
import type { ModelResult } from '../../schema/results.ts';
import { reductionsByModel } from './reductions.ts';
import { protocolClause } from './protocols.ts';
import { CLAIM, depth, errors, mostConfused, overlaps, type Facts } from './facts.ts';
import { compact, dec, int, list, pct, pctRange, plural, pp, sig, spell, times } from './format.ts';

const names = (ms: readonly ModelResult[]) => list(ms.map((m) => m.name));
const was = (ms: readonly unknown[]) => (ms.length === 1 ? 'was' : 'were');
const acc = (m: ModelResult) => m.evaluation.accuracy;
const ci = (m: ModelResult) => m.evaluation.accuracyCI95;
/** "98.7% (95% CI 98.1–99.1%)" */
export const accuracyText = (m: ModelResult) => `${pct(acc(m))} (95% CI ${pctRange(ci(m))})`;
/** "98.7%, 95% CI 98.1–99.1%", for use inside parentheses. */
const accuracyAside = (m: ModelResult) => `${pct(acc(m))}, 95% CI ${pctRange(ci(m))}`;
/** The test behind a comparison with the reference network: McNemar's where the bundle has it, else only the intervals. */
const tiedBecause = (f: Facts) => (f.versusBaseline.by === 'mcnemar' ? 'by McNemar’s test on the same test images, over every seed pairing' : 'their 95% intervals overlap; no paired test was run');
/** "more accurate by McNemar's test" / "more accurate (its 95% interval entirely above; no paired test was run)". */
const byTest = (f: Facts, more: 'more' | 'less') =>
  f.versusBaseline.by === 'mcnemar' ? `${more} accurate by McNemar’s test` : `${more} accurate (95% intervals apart; no paired test was run)`;

/** What a model trained on: "2 epochs on 8,000 training images per epoch" / "3 epochs on all 47,163 training images". */
export function trainingText(m: ModelResult, trainSplit: number): string {
  const images = m.training.trainImages >= trainSplit ? `all ${int(trainSplit)} training images` : `${int(m.training.trainImages)} of the ${int(trainSplit)} training images per epoch`;
  return `${plural(m.training.epochsCompleted, 'epoch')} on ${images}`;
}

/**
 * The conditions a headline number holds under: initialisation and budgets, in one clause,
 * for the models `shown` (default: the smallest model matching the best, and the reference network).
 */
export function conditions(f: Facts, models?: readonly ModelResult[]): string {
  const pick = f.smallestMatchingBest;
  const base = f.baseline;
  const shown = models?.length ? [...new Set(models)] : base && base !== pick ? [pick, base] : [pick];
  const init = (m: ModelResult) => (m.initialWeights.kind === 'imagenet' ? 'from ImageNet weights' : 'from random weights');
  const inits = new Set(shown.map(init));
  // Names the models, so the clause stands on its own (the social card prints it alone).
  const initText = inits.size === 1 ? `${list(shown.map((m) => m.name))} ${shown.length === 1 ? '' : 'both '}trained ${init(shown[0]!)}` : list(shown.map((m) => `${m.name} trained ${init(m)}`));
  // The budgets themselves are stated once, in the appendix's budget table (the run notice links it).
  const budget = f.fullBudget ? 'the study’s full budget' : `the reduced “${f.manifest.profile.name}” budget`;
  return `${initText}, under ${budget}`;
}

/**
 * The training design in one clause: which splits, and how many seeds per model, e.g.
 * "on two seeded splits (one per image and one that keeps near-duplicate images together)
 * with 3 seeds per split for every model but ResNet50 (1 seed)".
 */
export function designText(f: Facts): string {
  const protocols = f.manifest.protocols?.map((p) => p.protocol) ?? ['image'];
  const splits =
    protocols.length === 1
      ? protocols[0] === 'grouped'
        ? `on one seeded split, ${protocolClause(f.manifest, 'grouped')}`
        : 'on one seeded split'
      : `on ${spell(protocols.length)} seeded splits (${list(protocols.map((p) => protocolClause(f.manifest, p)))})`;
  const seeds = f.manifest.profile.seeds;
  if (!seeds) return splits;
  const counts = f.models.map((m) => ({ name: m.name, n: seeds[m.id] ?? 1 }));
  const usual = mode(counts.map((c) => c.n));
  const others = counts.filter((c) => c.n !== usual);
  const per = protocols.length === 1 ? '' : ' per split';
  const head = `with ${plural(usual, 'seed')}${per}`;
  if (counts.length === 1) return `${splits} ${head}`;
  return others.length === 0 ? `${splits} ${head} for every model` : `${splits} ${head} for every model but ${list(others.map((c) => `${c.name} (${plural(c.n, 'seed')})`))}`;
}

/** The most common value (the first of equals). */
function mode(xs: number[]): number {
  const tally = new Map<number, number>();
  for (const x of xs) tally.set(x, (tally.get(x) ?? 0) + 1);
  return [...tally].sort((a, b) => b[1] - a[1])[0]![0];
}

/** Which test images the models were scored on. */
export function testSetText(f: Facts): string {
  const test = f.manifest.split.sizes.test;
  const protocols = f.manifest.protocols ?? [];
  if (protocols.length > 1) {
    const kind = { image: 'per-image', grouped: 'grouped' } as const;
    const sizes = protocols.map((p) => `${int(p.split.sizes.test)} ${kind[p.protocol]}`);
    return `the held-out test images of each split (${list(sizes)})${f.testSame ? '' : ', some models on a stratified subset'}`;
  }
  return f.testSame ? `the same ${int(test)} held-out images` : `held-out images of the same test split (${int(test)} in all; some models on a stratified subset)`;
}

/**
 * The notice at the top of a reduced run, for a reader: what was cut, for which
 * models, and what that means for reading the numbers.
 */
export function runNotice(f: Facts): { reduced: string[] | null; baseline: string | null } {
  const { profile } = f.manifest;
  const base = f.baseline;
  const randomBaseline = base?.initialWeights.kind === 'random';
  let reduced: string[] | null = null;
  if (profile.reductions.length > 0) {
    // Group the reductions by model, then models with the same reductions together; leave
    // out what the baseline notice below says anyway (a random start).
    const byModel = reductionsByModel(f.manifest, { omitRandomInit: randomBaseline });
    // Who was cut, not by how much: the budget table in the appendix states every budget once.
    const cut = f.models.filter((m) => byModel.has(m.name));
    const others = [...byModel.keys()].filter((who) => who && !f.models.some((m) => m.name === who));
    const full = f.models.filter((m) => !byModel.has(m.name));
    const whom = [...cut.map((m) => m.name), ...others];
    reduced = [
      `These results come from a shorter run than the study’s: ${whom.length > 0 ? `${list(whom)} trained on less than its budget` : 'the run as a whole was cut'}.` +
        (full.length > 0 ? ` ${names(full)} got the study’s full budget.` : ''),
      'A model given less training may fall short of what it would reach with the full budget, so where budgets differ, so may the comparison: ' +
        'read a gap between two models as a gap under these budgets, not between the architectures as such. Every budget is in the appendix’s budget table.',
    ];
  }
  const baseline = randomBaseline
    ? `${base!.name} started from random weights, not from ImageNet weights as in the study, so its row is not the study’s fine-tuned baseline: it measures what ${base!.name} learns from ${f.manifest.dataset.info.name} alone.`
    : null;
  return { reduced, baseline };
}

/** The first simplification (the study's Basic CNN) against the reference network. */
export function basicText(f: Facts): string | null {
  const { basic, baseline: base } = f;
  if (!basic) return null;
  let s = `It reached ${accuracyText(basic)} test accuracy`;
  if (base) {
    const d = acc(basic) - acc(base);
    const v = f.versusBaseline;
    if (v.by === 'mcnemar') {
      s += `, ${pp(d)} against ${base.name}; on the same test images McNemar’s test `;
      s += v.better.includes(basic)
        ? `finds ${basic.name} more accurate`
        : v.worse.includes(basic)
          ? `finds ${base.name} more accurate`
          : 'does not separate the two in every seed pairing, so this run does not show a difference';
      return `${s}.`;
    }
    s += `, ${pp(d)} against ${base.name}; no paired test compared them, and the two 95% intervals `;
    s += overlaps(ci(basic), ci(base))
      ? 'overlap, so this run does not show a difference'
      : d > 0
        ? `do not overlap, a sign (not a test) that ${basic.name} is more accurate here`
        : `do not overlap, a sign (not a test) that ${base.name} is more accurate here`;
  }
  return `${s}.`;
}

/** Introduces the lighter variants, saying whether they shared a budget. */
export function variantsIntro(f: Facts): string {
  const v = f.variants;
  if (v.length === 0) return 'This run trained none of the study’s lighter variants.';
  const shared = v.every((m) => JSON.stringify(m.training.budget) === JSON.stringify(v[0]!.training.budget));
  const what = `${spell(v.length)} lighter ${v.length === 1 ? 'variant' : 'variants'}`;
  if (v.length === 1) return `The study compared lighter variants; this run trained ${what}:`;
  return shared ? `The study compared ${what}, trained under identical conditions; so were they here:` : `The study compared ${what}, trained under identical conditions. Here their budgets differ (see below):`;
}

/** The compact models' budget, shared or not; the budgets themselves are in the appendix's budget table. */
export function budgetText(f: Facts): string {
  if (f.compact.length === 0) return '';
  if (f.compact.length === 1) return 'The compact model’s budget is in the appendix’s budget table.';
  if (f.compactBudget) return `The compact models shared one budget, split and seed (${f.manifest.seed}); the appendix’s budget table gives it.`;
  return 'The compact models did not all get the same budget in this run (the appendix’s budget table gives each): compare them with that in mind.';
}

/** When validation accuracy first reached the study's 99%, and any dip on the way. */
export function learningText(f: Facts): string[] {
  const out: string[] = [];
  const threshold = pct(CLAIM, 0);
  if (f.reaching.length === 0) {
    out.push(`No model reached ${threshold} validation accuracy within its budget.`);
  } else {
    const groups = f.reaching.map((g, i) => `${i === 0 ? 'after ' : ''}${plural(g.epoch, 'epoch')} for ${names(g.models)}`);
    out.push(`Validation accuracy first reached ${threshold} ${groups.length === 1 ? groups[0] : `${groups.slice(0, -1).join('; ')}; and ${groups[groups.length - 1]}`}.`);
  }
  if (f.neverReached.length > 0 && f.reaching.length > 0) {
    const best = f.neverReached.map((m) => `${m.name} ${pct(Math.max(0, ...m.training.history.map((e) => e.valAccuracy)))}`);
    out.push(`${names(f.neverReached)} never got there within ${f.neverReached.length === 1 ? 'its' : 'their'} budget (best: ${list(best)}).`);
  }
  for (const d of f.dips) {
    const named = d.model === f.best ? ', the model with the best test accuracy,' : '';
    const last = d.epoch === d.model.training.history[d.model.training.history.length - 1]!.epoch;
    const after = d.last > d.to ? ` and recovered to ${pct(d.last)} by its last epoch` : '';
    out.push(`${d.model.name}’s validation accuracy${named} fell from ${pct(d.from)} to ${pct(d.to)} at epoch ${d.epoch}${last ? ', its last,' : ''}${after}: training is not monotone, and the test figures come from the last epoch’s weights, whatever the curve did before.`);
  }
  out.push('Where a curve is still rising at its last epoch, the budget rather than the architecture set the final number.');
  return out;
}

/** Errors per model and each one's most frequent confusion. */
export function errorsText(f: Facts): { perfect: string | null; items: string[] } {
  const classes = f.manifest.dataset.classes;
  const items = f.models
    .filter((m) => errors(m) > 0)
    .map((m) => {
      const c = mostConfused(m, classes)!;
      return `${m.name}: ${plural(errors(m), 'error')} of ${int(m.evaluation.testImages)} test images; most often ${c.actual} taken for ${c.predicted} (${int(c.count)} of ${int(c.ofSupport)} ${c.actual} images).`;
    });
  const perfect = f.perfect.length === 0 ? null : f.perfect.length === f.models.length ? `Every model classified all its test images correctly.` : `${names(f.perfect)} made no mistake on the test split.`;
  return { perfect, items };
}

/** The hardest and easiest class by mean F1. */
export function classesText(f: Facts): string {
  const first = f.classF1[0]!;
  const last = f.classF1[f.classF1.length - 1]!;
  const over = f.models.length === 1 ? `For ${f.models[0]!.name}` : 'Averaged over the models';
  if (first.mean === last.mean) return `${over}, every class scored the same F1 (${dec(first.mean)}).`;
  return `${over}, the hardest class was ${first.name} (${f.models.length === 1 ? 'F1' : 'mean F1'} ${dec(first.mean)}) and the easiest ${last.name} (${dec(last.mean)}).`;
}

/** The Pareto fronts and the smallest model against ResNet50. */
export function costText(f: Facts): string {
  const same = f.paretoParams.length === f.paretoFlops.length && f.paretoParams.every((m) => f.paretoFlops.includes(m));
  const holds = (ms: readonly ModelResult[]) => `${names(ms)}${ms.length === 1 ? ' alone' : ''}`;
  let s = same
    ? `The Pareto front is the same on parameters and on FLOPs: ${holds(f.paretoParams)}.`
    : `On parameters, the Pareto front holds ${holds(f.paretoParams)}; on FLOPs, ${holds(f.paretoFlops)}.`;
  const dominated = f.models.filter((m) => !f.paretoParams.includes(m));
  if (dominated.length > 0) s += ` ${names(dominated)} ${was(dominated)} dominated on parameters: another model is at least as accurate with fewer.`;
  const base = f.baseline;
  if (base && f.smallest !== base) {
    const [small, big] = [f.smallest.latency.batch1MsPerImage, base.latency.batch1MsPerImage];
    s += ` The smallest model, ${f.smallest.name}, has ${times(base.params.total, f.smallest.params.total)} fewer parameters than ${base.name}`;
    s += big / small >= 1.2 ? ` and classifies an image in ${sig(small)} ms against ${base.name}’s ${sig(big)} ms (batch size 1).` : `, yet classifies an image about as fast (${sig(small)} ms against ${sig(big)} ms at batch size 1).`;
  }
  return s;
}

/** The study's "all compact CNNs above 99%" and the comparison with ResNet50. */
export function claimText(f: Facts): string | null {
  if (f.compact.length === 0) return null;
  const t = pct(CLAIM, 0);
  const above = f.compactAbove;
  const all = f.compact.length;
  let s =
    above.length === all
      ? all === 1
        ? `The compact CNN reached at least ${t} test accuracy, as the study found.`
        : `All ${spell(all)} compact CNNs reached at least ${t} test accuracy in this run, as the study found.`
      : above.length > 0
        ? `${names(above)} reached at least ${t} test accuracy; ${names(f.compact.filter((m) => !above.includes(m)))} did not, so the study’s “all compact CNNs above ${t}” holds here only in part.`
        : `No compact CNN reached ${t} test accuracy in this run (the best, ${f.bestCompact!.name}, reached ${accuracyAside(f.bestCompact!)}), so the study’s claim does not hold at this budget.`;
  const base = f.baseline;
  if (base) {
    const { better, tied, worse } = f.versusBaseline;
    const parts = [
      better.length > 0 && `${names(better)} ${was(better)} ${byTest(f, 'more')}`,
      tied.length > 0 && `${names(tied)} ${was(tied)} not separated from it (${tiedBecause(f)})`,
      worse.length > 0 && `${names(worse)} ${was(worse)} ${byTest(f, 'less')}`,
    ].filter(Boolean) as string[];
    s += ` Against ${base.name} (${accuracyAside(base)}), ${parts.join('; ')}.`;
  }
  return s;
}

/** The best model, the smallest one within noise of it, and the study's verdict on the GAP CNN. */
export function pickText(f: Facts): string {
  const { best, bestTied } = f;
  const gap = f.models.find((m) => m.studyPick);
  const pick = f.smallestMatchingBest;
  let s =
    bestTied.length > 1
      ? `${names(bestTied)} share the best test accuracy in this run (${pct(acc(best))}).`
      : `The best test accuracy in this run belongs to ${best.name} (${accuracyAside(best)}).`;
  const smaller = f.models.filter((m) => m.params.total < best.params.total);
  s +=
    pick !== best
      ? ` The smallest model whose 95% interval overlaps its interval is ${pick.name}, with ${compact(pick.params.total)} parameters against ${compact(best.params.total)} (overlapping intervals are not a test; the section on difficulty gives McNemar’s).`
      : smaller.length === 0
        ? ` It is also the smallest model in this run.`
        : ` The ${smaller.length === 1 ? 'one model' : `${spell(smaller.length)} models`} with fewer parameters (${names(smaller)}) ${smaller.length === 1 ? 'has a 95% interval' : 'have 95% intervals'} entirely below ${best.name}’s.`;
  if (f.models.length === 1) s = `${best.name} is the only model in this run (${accuracyAside(best)}).`;
  if (!gap) return s;
  const study = `The study named ${gap.name} the best balance of accuracy and size.`;
  if (pick === gap) return `${s} That agrees with the study, which named ${gap.name} the best balance of accuracy and size.`;
  const gapIs = `In this run ${gap.name} reached ${accuracyText(gap)} with ${compact(gap.params.total)} parameters`;
  if (gap === best || bestTied.includes(gap))
    return `${s} ${study} ${gapIs}: the most accurate, but ${pick.name} is smaller and its interval overlaps, so on size the study’s verdict does not hold here.`;
  if (overlaps(ci(gap), ci(best))) return `${s} ${study} ${gapIs}: its interval overlaps the best’s, but ${pick.name} is smaller and its interval overlaps too.`;
  if (f.paretoParams.includes(gap)) return `${s} ${study} ${gapIs}: on the Pareto front for its size, but its interval lies below the best’s, so the study’s verdict does not hold here.`;
  return `${s} ${study} ${gapIs}: another model is both smaller and at least as accurate, so the study’s verdict does not hold here.`;
}

/** The conclusion: what the run says about the study's claim, and under which conditions. */
export function conclusionText(f: Facts): string[] {
  const base = f.baseline;
  const out: string[] = [];
  if (!base) {
    out.push(`This run trained no reference network (the study’s ResNet50), so it cannot test the study’s conclusion that the compact networks match it. Among the compact CNNs, ${f.bestCompact ? `${f.bestCompact.name} was the most accurate (${accuracyAside(f.bestCompact)})` : 'none was trained'}.`);
  } else if (!f.bestCompact) {
    out.push(`This run trained only ${base.name}, so it has no compact network to compare with it.`);
  } else {
    const { better, tied } = f.versusBaseline;
    const matched = [...better, ...tied];
    if (matched.length > 0) {
      const largest = Math.max(...matched.map((m) => m.params.total));
      const parts = [
        better.length > 0 && `${names(better)} ${was(better)} ${byTest(f, 'more')} than ${base.name}`,
        tied.length > 0 && `${names(tied)} ${was(tied)} not separated from ${base.name} (${tiedBecause(f)})`,
      ].filter(Boolean) as string[];
      out.push(`On ${f.manifest.dataset.info.name}, ${base.name}’s size bought no accuracy this run can show: ${parts.join(', and ')}, with ${matched.length === 1 ? '' : 'at least '}${times(base.params.total, largest)} fewer parameters.`);
      const deepest = f.deepestCompact!;
      const bc = f.bestCompact;
      const asDeep = f.compact.filter((m) => m !== bc && depth(m) === depth(bc));
      if (f.compact.length > 1)
        out.push(
          depth(bc) >= depth(deepest)
            ? `Among the compact networks, though, the most accurate, ${bc.name}, is also ${asDeep.length > 0 ? 'among the deepest' : 'the deepest'} (${plural(depth(bc), 'convolution')}${asDeep.length > 0 ? `, as many as ${names(asDeep)}` : ''}): within the compact range, this run does not show that less depth is better.`
            : `Among the compact networks, the most accurate, ${bc.name} (${plural(depth(bc), 'convolution')}), is not the deepest (${deepest.name}, ${plural(depth(deepest), 'convolution')}).`,
        );
      const caveats = [base.initialWeights.kind === 'random' && 'learned from random weights rather than fine-tuning ImageNet weights', !f.fullBudget && `trained on the reduced “${f.manifest.profile.name}” budget`].filter(Boolean) as string[];
      out.push(
        caveats.length > 0
          ? `That agrees in direction with the study’s conclusion, but ${base.name} here ${list(caveats)}, so the comparison says as much about what a large network needs in order to train as about what the task needs. Only the full profile with ImageNet weights tests the study’s claim as stated.`
          : 'That is the study’s conclusion: on small, structured images, deep architectures bring diminishing returns.',
      );
    } else {
      out.push(
        `In this run ${base.name} (${accuracyAside(base)}) stayed ahead of every compact CNN (${f.versusBaseline.by === 'mcnemar' ? 'by McNemar’s test' : '95% intervals apart; no paired test was run'}), ${pp(acc(base) - acc(f.bestCompact))} over the best of them, ${f.bestCompact.name}; so the study’s conclusion is not reproduced here.` +
          (!f.fullBudget ? ` The compact models trained on the reduced “${f.manifest.profile.name}” budget, which may be what held them back.` : ''),
      );
    }
  }
  return out;
}
