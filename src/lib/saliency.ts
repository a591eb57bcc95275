/**
 * How faithful each network's Grad-CAM maps are, from the bundle (ModelResult.saliency,
 * pipeline/analysis/saliency.ts): deletion and insertion areas (Petsiuk et al. 2018) with
 * the maps' pixel order and with a random order on the same images, as means with 95 %
 * bootstrap intervals and paired differences. Pure functions; the section reads them.
 */
import seedrandom from 'seedrandom';
import type { ModelResult } from '../../schema/results.ts';

export const RESAMPLES = 1000;

export interface SaliencyRow {
  id: string;
  name: string;
  layer: string;
  height: number;
  width: number;
  images: number;
  deletion: { mean: number; ci: [number, number]; random: number; difference: number; differenceCI: [number, number] };
  insertion: { mean: number; ci: [number, number]; random: number; difference: number; differenceCI: [number, number] };
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const interval = (xs: number[]): [number, number] => {
  const s = [...xs].sort((a, b) => a - b);
  return [s[Math.floor(0.025 * (s.length - 1))]!, s[Math.ceil(0.975 * (s.length - 1))]!];
};

/** Mean of `guided`, and of `guided − random` paired by image, with percentile bootstrap intervals over the images. */
function paired(guided: number[], random: number[], rng: () => number, resamples: number) {
  const n = guided.length;
  const means: number[] = [];
  const diffs: number[] = [];
  for (let r = 0; r < resamples; r++) {
    let g = 0;
    let d = 0;
    for (let i = 0; i < n; i++) {
      const k = Math.floor(rng() * n);
      g += guided[k]!;
      d += guided[k]! - random[k]!;
    }
    means.push(g / n);
    diffs.push(d / n);
  }
  const m = mean(guided);
  return { mean: m, ci: interval(means), random: mean(random), difference: m - mean(random), differenceCI: interval(diffs) };
}

export function saliencyRows(models: readonly ModelResult[], resamples = RESAMPLES): SaliencyRow[] {
  return models.flatMap((m) => {
    const s = m.saliency;
    if (!s || !('deletion' in s)) return [];
    const rng = seedrandom(`saliency-bootstrap:${m.id}`);
    return [{ id: m.id, name: m.name, layer: s.layer, height: s.height, width: s.width, images: s.deletion.length, deletion: paired(s.deletion, s.randomDeletion, rng, resamples), insertion: paired(s.insertion, s.randomInsertion, rng, resamples) }];
  });
}

/** Networks whose Grad-CAM could not be computed, with why. */
export function saliencyUnavailable(models: readonly ModelResult[]): { name: string; reason: string }[] {
  return models.flatMap((m) => (m.saliency && 'unavailable' in m.saliency ? [{ name: m.name, reason: m.saliency.unavailable }] : []));
}

const join = (xs: readonly string[]) => (xs.length <= 1 ? (xs[0] ?? '') : `${xs.slice(0, -1).join(', ')} and ${xs.at(-1)}`);

/** The section's sentences, worded from the intervals. */
export function saliencyText(rows: readonly SaliencyRow[], unavailable: readonly { name: string; reason: string }[] = []): string[] {
  if (rows.length === 0) return [];
  const out: string[] = [];
  // Per score: better than the random order (the interval of the difference excludes zero the right way), worse, or not separated.
  const verdict = (ci: [number, number], lowerIsBetter: boolean): 'better' | 'worse' | 'not separated' =>
    (lowerIsBetter ? ci[1] < 0 : ci[0] > 0) ? 'better' : (lowerIsBetter ? ci[0] > 0 : ci[1] < 0) ? 'worse' : 'not separated';
  const of = (r: SaliencyRow) => ({ deletion: verdict(r.deletion.differenceCI, true), insertion: verdict(r.insertion.differenceCI, false) });
  const both = rows.filter((r) => of(r).deletion === 'better' && of(r).insertion === 'better');
  const parts: string[] = [];
  if (both.length) parts.push(`${join(both.map((r) => r.name))}: removing pixels in the map's order lowers the predicted class's probability faster than a random order, and revealing them raises it faster (both paired 95% intervals exclude zero)`);
  for (const r of rows.filter((x) => !both.includes(x))) {
    const v = of(r);
    const said = (['better', 'worse', 'not separated'] as const)
      .map((k) => {
        const scores = (['deletion', 'insertion'] as const).filter((s) => v[s] === k);
        return scores.length ? `${k === 'not separated' ? 'not separated from random' : `${k} than random`} on ${join(scores)}` : null;
      })
      .filter(Boolean);
    parts.push(`${r.name}: ${said.join(', ')}`);
  }
  out.push(`${parts.join('; ')}.`);
  if (rows.some((r) => of(r).deletion === 'worse'))
    out.push('Deletion sets pixels to black, which is also the background of these images; insertion, which reveals pixels on a blurred copy, does not share that confound.');
  if (rows.some((r) => of(r).deletion !== 'better' && of(r).insertion !== 'better')) out.push('Where neither score beats random, this test does not show that the maps point at what the model uses.');
  const lowestDeletion = [...rows].sort((a, b) => a.deletion.mean - b.deletion.mean)[0]!;
  const highestInsertion = [...rows].sort((a, b) => b.insertion.mean - a.insertion.mean)[0]!;
  if (rows.length > 1)
    out.push(
      `The lowest deletion score is ${lowestDeletion.name}'s and the highest insertion score ${highestInsertion.name}'s; the networks' maps differ in resolution (${join(rows.map((r) => `${r.height} × ${r.width} for ${r.name}`))}), which limits how sharply a map can point, and their scores are not tested against each other.`,
    );
  if (unavailable.length) out.push(`No Grad-CAM for ${join(unavailable.map((u) => `${u.name} (${u.reason})`))}.`);
  return out;
}
