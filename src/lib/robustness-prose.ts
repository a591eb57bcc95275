/**
 * The corruption benchmark (ModelResult.robustness) as facts and sentences, worded from
 * whichever way the numbers fall. A model's corruption error for one corruption is its
 * balanced error averaged over the five severities; its relative corruption error divides
 * that by the reference model's (role 'reference') for the same corruption, and the
 * summary averages over corruptions (as ImageNet-C's mCE does; here with balanced error).
 */
import type { ModelResult } from '../../schema/results.ts';
import { dec, list, pct } from './format.ts';

export interface RobustnessRow {
  id: string;
  name: string;
  cleanError: number;
  /** Balanced error averaged over severities, per corruption id. */
  perCorruption: Record<string, number>;
  /** Mean over corruptions of perCorruption. */
  meanError: number;
  /** Mean over corruptions of perCorruption / the reference's; null without a reference (or where its error is 0). */
  relative: number | null;
  worst: { name: string; error: number };
  studyPick: boolean;
}

export interface RobustnessFacts {
  images: number;
  corruptions: { id: string; name: string }[];
  reference: string | null;
  rows: RobustnessRow[];
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

export function robustnessFacts(models: readonly ModelResult[]): RobustnessFacts | null {
  const measured = models.filter((m) => m.robustness && m.robustness.corruptions.length);
  if (measured.length === 0) return null;
  const corruptions = measured[0]!.robustness!.corruptions.map((c) => ({ id: c.id, name: c.name }));
  const ref = measured.find((m) => m.role === 'reference');
  const errors = (m: ModelResult) => Object.fromEntries(m.robustness!.corruptions.map((c) => [c.id, mean(c.balancedError)]));
  const refErrors = ref ? errors(ref) : null;
  const rows = measured.map((m): RobustnessRow => {
    const per = errors(m);
    const ratios = refErrors ? corruptions.filter((c) => refErrors[c.id]! > 0 && per[c.id] !== undefined).map((c) => per[c.id]! / refErrors[c.id]!) : [];
    const worstId = corruptions.reduce((a, c) => ((per[c.id] ?? -1) > (per[a.id] ?? -1) ? c : a));
    return {
      id: m.id,
      name: m.name,
      cleanError: m.robustness!.clean.balancedError,
      perCorruption: per,
      meanError: mean(Object.values(per)),
      relative: ratios.length ? mean(ratios) : null,
      worst: { name: worstId.name, error: per[worstId.id]! },
      studyPick: m.studyPick,
    };
  });
  return { images: measured[0]!.robustness!.images, corruptions, reference: ref?.name ?? null, rows };
}

/** The paragraph: who is most and least robust, the reference-relative figures, and the study's pick. */
export function robustnessText(f: RobustnessFacts): string[] {
  const sorted = [...f.rows].sort((a, b) => a.meanError - b.meanError);
  const best = sorted[0]!;
  const worst = sorted.at(-1)!;
  const intro =
    `Each model classified ${f.images} test images, clean and corrupted by ${f.corruptions.length} kinds of realistic degradation at five severities each; ` +
    `a model’s corruption error is its balanced error (1 − mean per-class recall) averaged over the severities` +
    (f.reference ? `, and its relative corruption error divides that by ${f.reference}’s for the same corruption, averaged over the corruptions (${f.reference} = 1).` : '.');
  const ranking =
    sorted.length === 1
      ? `${best.name}’s mean corruption error is ${pct(best.meanError)} (clean ${pct(best.cleanError)}); it suffers most from ${best.worst.name.toLowerCase()} (${pct(best.worst.error)}).`
      : `${best.name} has the lowest mean corruption error, ${pct(best.meanError)} (clean ${pct(best.cleanError)}), and ${worst.name} the highest, ${pct(worst.meanError)} (clean ${pct(worst.cleanError)}); ` +
        `the hardest corruption for most models is ${mostCommonWorst(f.rows)}.`;
  const relative = f.reference
    ? (() => {
        const others = f.rows.filter((r) => r.relative !== null && r.name !== f.reference);
        const better = others.filter((r) => r.relative! < 1).map((r) => `${r.name} (${dec(r.relative!, 2)})`);
        const worse = others.filter((r) => r.relative! >= 1).map((r) => `${r.name} (${dec(r.relative!, 2)})`);
        return (
          (better.length ? `Relative to ${f.reference}, ${list(better)} ${better.length === 1 ? 'is' : 'are'} more robust` : `No model is more robust than ${f.reference}`) +
          (worse.length ? `; ${list(worse)} ${worse.length === 1 ? 'is' : 'are'} less.` : '.')
        );
      })()
    : '';
  const pick = f.rows.find((r) => r.studyPick);
  const pickText = pick
    ? pick === best
      ? `The study called ${pick.name} the best balance of accuracy, efficiency and generalization; on corrupted images it is indeed the most robust here.`
      : `The study called ${pick.name} the best balance of accuracy, efficiency and generalization; on corrupted images it ranks ${ordinal(sorted.indexOf(pick) + 1)} of ${sorted.length} here, so this measure does not single it out.`
    : '';
  return [intro, [ranking, relative, pickText].filter(Boolean).join(' ')];
}

function mostCommonWorst(rows: readonly RobustnessRow[]): string {
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.worst.name, (counts.get(r.worst.name) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]![0].toLowerCase();
}

const ordinal = (n: number) => (n === 1 ? 'first' : n === 2 ? 'second' : n === 3 ? 'third' : n === 4 ? 'fourth' : n === 5 ? 'fifth' : `${n}th`);
