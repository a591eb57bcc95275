/**
 * First-layer filters, from the bundle (ModelResult.firstFilters, kept by
 * pipeline/analysis/filters.ts): how edge-like each network's first filter bank is after
 * training, against the same filters at their initial weights (random, or ImageNet's),
 * with 95 % bootstrap intervals over the filters. Pure functions.
 *
 * Edge-likeness of a filter: its kernel summed over input channels, mean removed, against
 * four oriented edge templates (derivatives of a Gaussian at 0°, 45°, 90° and 135°, the
 * kernel's own size): the largest absolute cosine. 1 is a pure oriented edge; a random
 * 3 × 3 kernel scores about 0.5. Hand-written: a few lines on small arrays.
 */
import seedrandom from 'seedrandom';
import type { ModelResult } from '../../schema/results.ts';

/** Four unit-norm, zero-mean derivative-of-Gaussian kernels of h × w, at 0°, 45°, 90° and 135°. */
export function edgeTemplates(h: number, w: number): Float64Array[] {
  const sigma = Math.max(h, w) / 4;
  return [0, 45, 90, 135].map((deg) => {
    const t = (deg * Math.PI) / 180;
    const k = new Float64Array(h * w);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const dx = x - (w - 1) / 2;
        const dy = y - (h - 1) / 2;
        const along = dx * Math.cos(t) + dy * Math.sin(t);
        k[y * w + x] = along * Math.exp(-(dx * dx + dy * dy) / (2 * sigma * sigma));
      }
    const mean = k.reduce((a, b) => a + b, 0) / k.length;
    let norm = 0;
    for (let i = 0; i < k.length; i++) norm += (k[i]! -= mean) ** 2;
    norm = Math.sqrt(norm) || 1;
    return k.map((v) => v / norm);
  });
}

/** Each filter's edge-likeness (see the module comment), in output-channel order. */
export function edgeLikeness(values: ArrayLike<number>, shape: readonly [number, number, number, number]): number[] {
  const [h, w, cin, cout] = shape;
  const templates = edgeTemplates(h, w);
  return Array.from({ length: cout }, (_, o) => {
    const f = new Float64Array(h * w);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < cin; c++) f[y * w + x]! += values[((y * w + x) * cin + c) * cout + o]!;
    const mean = f.reduce((a, b) => a + b, 0) / f.length;
    let norm = 0;
    for (let i = 0; i < f.length; i++) norm += (f[i]! -= mean) ** 2;
    norm = Math.sqrt(norm);
    if (norm === 0) return 0;
    return Math.max(...templates.map((t) => Math.abs(t.reduce((s, v, i) => s + v * f[i]!, 0)) / norm));
  });
}


export const RESAMPLES = 1000;

export interface FilterRow {
  id: string;
  name: string;
  layer: string;
  shape: [number, number, number, number];
  initialWeights: 'random' | 'imagenet';
  trained: number;
  initial: number;
  difference: number;
  differenceCI: [number, number];
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

export function filterRows(models: readonly ModelResult[], resamples = RESAMPLES): FilterRow[] {
  return models.flatMap((m) => {
    const f = m.firstFilters;
    if (!f) return [];
    const trained = edgeLikeness(f.trained, f.shape);
    const initial = edgeLikeness(f.initial, f.shape);
    const rng = seedrandom(`filters-bootstrap:${m.id}`);
    const diffs: number[] = [];
    for (let r = 0; r < resamples; r++) {
      let d = 0;
      for (let i = 0; i < trained.length; i++) {
        const k = Math.floor(rng() * trained.length);
        d += trained[k]! - initial[k]!;
      }
      diffs.push(d / trained.length);
    }
    diffs.sort((a, b) => a - b);
    const ci: [number, number] = resamples ? [diffs[Math.floor(0.025 * (resamples - 1))]!, diffs[Math.ceil(0.975 * (resamples - 1))]!] : [0, 0];
    return [{ id: m.id, name: m.name, layer: f.layer, shape: f.shape, initialWeights: f.initialWeights, trained: mean(trained), initial: mean(initial), difference: mean(trained) - mean(initial), differenceCI: ci }];
  });
}

const join = (xs: readonly string[]) => (xs.length <= 1 ? (xs[0] ?? '') : `${xs.slice(0, -1).join(', ')} and ${xs.at(-1)}`);
const dec = (x: number) => x.toFixed(2);

/** The sentences, worded from the intervals. */
export function filtersText(rows: readonly FilterRow[]): string[] {
  if (rows.length === 0) return [];
  const out: string[] = [];
  const imagenet = rows.filter((r) => r.initialWeights === 'imagenet');
  for (const r of imagenet) out.push(`${r.name}'s first filters as ImageNet left them (${r.shape[0]} × ${r.shape[1]}, ${r.shape[3]} of them) score ${dec(r.initial)}; after fine-tuning here, ${dec(r.trained)}.`);
  const fromRandom = rows.filter((r) => r.initialWeights === 'random');
  const more = fromRandom.filter((r) => r.differenceCI[0] > 0);
  const less = fromRandom.filter((r) => r.differenceCI[1] < 0);
  const same = fromRandom.filter((r) => !more.includes(r) && !less.includes(r));
  const show = (r: FilterRow) => `${r.name} ${dec(r.initial)} → ${dec(r.trained)}`;
  const parts: string[] = [];
  if (more.length) parts.push(`training made the first filters of ${join(more.map(show))} more edge-like than their random start`);
  if (less.length) parts.push(`those of ${join(less.map(show))} less edge-like`);
  if (same.length) parts.push(`for ${join(same.map(show))} the 95% interval of the change includes zero, so training is not shown to have made them edge detectors`);
  if (parts.length) out.push(`Of the networks trained from random weights, ${parts.join('; ')} (paired bootstrap over the filters, ${RESAMPLES} resamples).`);
  return out;
}
