/**
 * Seeded, stratified train / validation / test split that never separates byte-identical
 * images (Medical MNIST has 348 such groups, 788 files): identical files are grouped
 * first, and whole groups are dealt to the splits. Deterministic for a given seed and
 * dataset on any machine (seedrandom's ARC4 stream, no Math.random, no locale).
 */
import seedrandom from 'seedrandom';
import { DataError } from './errors.ts';

export interface SplitRatios {
  train: number;
  validation: number;
  test: number;
}

export interface SplitIndices {
  train: Int32Array;
  validation: Int32Array;
  test: Int32Array;
}

/** 80 % train, 10 % validation, 10 % test, in every class. */
export const DEFAULT_SPLIT: SplitRatios = Object.freeze({ train: 0.8, validation: 0.1, test: 0.1 });

function shuffle<T>(items: T[], rng: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** Images of a class that go to a split of this ratio; a class of 3+ images gets at least one in every split with a positive ratio. */
function share(n: number, ratio: number): number {
  const k = Math.round(n * ratio);
  return ratio > 0 && k === 0 && n >= 3 ? 1 : k;
}

function checkRatios(r: SplitRatios): void {
  const values = [r.train, r.validation, r.test];
  if (values.some((v) => !Number.isFinite(v) || v < 0) || Math.abs(values[0]! + values[1]! + values[2]! - 1) > 1e-9)
    throw new DataError(`split ratios ${JSON.stringify(r)}: expected three non-negative numbers that sum to 1, e.g. 0.8 / 0.1 / 0.1`);
}

const sorted = (xs: number[]) => Int32Array.from(xs).sort();

export function splitDataset(
  labels: Uint8Array,
  contentHashes: string[],
  opts: { seed: number; ratios: SplitRatios },
): SplitIndices {
  checkRatios(opts.ratios);
  if (labels.length !== contentHashes.length)
    throw new DataError(`split: ${labels.length} labels but ${contentHashes.length} content hashes, expected one of each per image`);

  // Groups in order of their first image; a group belongs to the class of its first image
  // (Medical MNIST has no group that spans classes).
  const groupsByHash = new Map<string, number[]>();
  contentHashes.forEach((h, i) => {
    const g = groupsByHash.get(h);
    if (g) g.push(i);
    else groupsByHash.set(h, [i]);
  });
  const byClass: number[][][] = [];
  for (const g of groupsByHash.values()) (byClass[labels[g[0]!]!] ??= []).push(g);

  const out = { train: [] as number[], validation: [] as number[], test: [] as number[] };
  byClass.forEach((groups, c) => {
    const n = groups.reduce((s, g) => s + g.length, 0);
    const testEnd = share(n, opts.ratios.test);
    const validationEnd = testEnd + share(n, opts.ratios.validation);
    shuffle(groups, seedrandom(`${opts.seed}:split:${c}`));
    // Deal whole groups in shuffled order: test first, then validation, the rest to train.
    let position = 0;
    for (const g of groups) {
      const to = position < testEnd ? out.test : position < validationEnd ? out.validation : out.train;
      to.push(...g);
      position += g.length;
    }
  });
  return { train: sorted(out.train), validation: sorted(out.validation), test: sorted(out.test) };
}

/**
 * At most `limit` of `indices`, chosen per class in proportion to each class's share of
 * `indices` (largest remainders round up), seeded; sorted ascending. Used for reduced
 * budgets, so a smaller subset keeps the class mix of the split it is drawn from.
 */
export function stratifiedSubset(indices: Int32Array, labels: Uint8Array, limit: number, seed: number): Int32Array {
  if (!Number.isInteger(limit) || limit < 0) throw new DataError(`subset limit ${limit}: expected a non-negative integer`);
  const all = Int32Array.from(indices).sort();
  if (limit >= all.length) return all;
  const byClass: number[][] = [];
  for (const i of all) (byClass[labels[i]!] ??= []).push(i);

  const classes = byClass.flatMap((members, c) => (members ? [c] : []));
  const exact = classes.map((c) => (limit * byClass[c]!.length) / all.length);
  const quota = exact.map(Math.floor);
  let left = limit - quota.reduce((a, b) => a + b, 0);
  const byRemainder = classes.map((_, k) => k).sort((a, b) => exact[b]! - quota[b]! - (exact[a]! - quota[a]!) || a - b);
  for (const k of byRemainder) {
    if (left === 0) break;
    quota[k]!++;
    left--;
  }

  const picked: number[] = [];
  classes.forEach((c, k) => {
    const members = shuffle([...byClass[c]!], seedrandom(`${seed}:subset:${c}`));
    picked.push(...members.slice(0, quota[k]));
  });
  return sorted(picked);
}

/** How far a grouped split may stray from its ratios in any class, in fractions (2 percentage points). */
export const GROUPED_TOLERANCE = 0.02;
/**
 * The largest near-duplicate cluster a class may have, as a share of the class: a cluster
 * overshoots its split by at most half its size, so clusters up to twice the tolerance
 * keep every split within it. Larger clusters mean the threshold chains distinct images.
 */
export const MAX_CLUSTER_SHARE = 2 * GROUPED_TOLERANCE;

/**
 * The leakage-controlled split: whole near-duplicate clusters (`clusterOf`, see
 * audit.ts) are dealt to train / validation / test, per class, so no image has a
 * near-copy on the other side of a split boundary. Clusters are dealt in seeded random
 * order; a cluster joins a split while that split is short of its share by at least half
 * the cluster's size, so a large cluster is as likely to land in test as a small one and
 * overshoots its split by at most half its size. A cluster belongs to the class of its
 * first image. With clusters of at most MAX_CLUSTER_SHARE of their class (what the audit's
 * threshold rule ensures) every class lands within GROUPED_TOLERANCE of the ratios;
 * groupedSplitDeviations says by how much each class misses them.
 */
export function splitByClusters(
  labels: Uint8Array,
  clusterOf: Int32Array,
  classes: string[],
  opts: { seed: number; ratios: SplitRatios },
): SplitIndices {
  checkRatios(opts.ratios);
  if (labels.length !== clusterOf.length)
    throw new DataError(`grouped split: ${labels.length} labels but ${clusterOf.length} cluster numbers, expected one of each per image`);
  const members = new Map<number, number[]>();
  clusterOf.forEach((c, i) => {
    const m = members.get(c);
    if (m) m.push(i);
    else members.set(c, [i]);
  });
  const byClass: number[][][] = [];
  for (const m of members.values()) (byClass[labels[m[0]!]!] ??= []).push(m);

  const out = { train: [] as number[], validation: [] as number[], test: [] as number[] };
  byClass.forEach((groups, c) => {
    const n = groups.reduce((s, g) => s + g.length, 0);
    const want = { test: share(n, opts.ratios.test), validation: share(n, opts.ratios.validation) };
    const got = { test: 0, validation: 0 };
    shuffle(groups, seedrandom(`${opts.seed}:grouped-split:${c}`));
    for (const g of groups) {
      const to = got.test + g.length / 2 <= want.test ? 'test' : got.validation + g.length / 2 <= want.validation ? 'validation' : 'train';
      if (to !== 'train') got[to] += g.length;
      out[to].push(...g);
    }
  });
  return { train: sorted(out.train), validation: sorted(out.validation), test: sorted(out.test) };
}

/** Per class and held-out split, how far the split strays from its ratio (fraction of the class); the pipeline warns beyond GROUPED_TOLERANCE. */
export function splitDeviations(split: SplitIndices, labels: Uint8Array, classes: string[], ratios: SplitRatios): { class: string; part: 'validation' | 'test'; off: number }[] {
  const count = (idx: Int32Array) => {
    const out = new Array<number>(classes.length).fill(0);
    for (const i of idx) out[labels[i]!]!++;
    return out;
  };
  const parts = { train: count(split.train), validation: count(split.validation), test: count(split.test) };
  return classes.flatMap((name, c) => {
    const n = parts.train[c]! + parts.validation[c]! + parts.test[c]!;
    return (['validation', 'test'] as const).map((part) => ({ class: name, part, off: n ? Math.abs(parts[part][c]! / n - ratios[part]) : 0 }));
  });
}
