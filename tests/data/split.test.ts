import { describe, it, expect } from 'vitest';
import seedrandom from 'seedrandom';
import { splitDataset, stratifiedSubset, DEFAULT_SPLIT, type SplitIndices } from '../../pipeline/data/split.ts';
import { DataError } from '../../pipeline/data/errors.ts';

/**
 * A synthetic label/hash list: `sizes[c]` images of class c, of which some are
 * byte-identical in groups of 2–5 (like Medical MNIST's adjacent CT slices), shuffled
 * so duplicates are not adjacent.
 */
function synthetic(sizes: number[], duplicateShare = 0.1, seed = 'data') {
  const rng = seedrandom(seed);
  const items: { label: number; hash: string }[] = [];
  let unique = 0;
  sizes.forEach((n, c) => {
    let made = 0;
    while (made < n) {
      const k = rng() < duplicateShare ? Math.min(n - made, 2 + Math.floor(rng() * 4)) : 1;
      const hash = `h${unique++}`;
      for (let j = 0; j < k; j++) items.push({ label: c, hash });
      made += k;
    }
  });
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return { labels: Uint8Array.from(items, (x) => x.label), hashes: items.map((x) => x.hash) };
}

const SIZES = [1000, 895, 1000, 1000, 1000, 1000];
const data = synthetic(SIZES);

function splitOf(s: SplitIndices, n: number): string[] {
  const where = new Array<string>(n);
  for (const name of ['train', 'validation', 'test'] as const) for (const i of s[name]) {
    expect(where[i], `index ${i} in one split only`).toBeUndefined();
    where[i] = name;
  }
  return where;
}

describe('splitDataset', () => {
  const split = splitDataset(data.labels, data.hashes, { seed: 7, ratios: DEFAULT_SPLIT });

  it('partitions every image into exactly one split, indices sorted', () => {
    const where = splitOf(split, data.labels.length);
    expect(where.every((w) => w !== undefined)).toBe(true);
    for (const s of [split.train, split.validation, split.test]) for (let k = 1; k < s.length; k++) expect(s[k]!).toBeGreaterThan(s[k - 1]!);
  });

  it('is deterministic for a seed and changes with it', () => {
    const again = splitDataset(data.labels, [...data.hashes], { seed: 7, ratios: DEFAULT_SPLIT });
    expect(Array.from(again.test)).toEqual(Array.from(split.test));
    expect(Array.from(again.validation)).toEqual(Array.from(split.validation));
    const other = splitDataset(data.labels, data.hashes, { seed: 8, ratios: DEFAULT_SPLIT });
    expect(Array.from(other.test)).not.toEqual(Array.from(split.test));
  });

  it('keeps byte-identical images together', () => {
    const where = splitOf(split, data.labels.length);
    const groups = new Map<string, Set<string>>();
    data.hashes.forEach((h, i) => groups.set(h, (groups.get(h) ?? new Set()).add(where[i]!)));
    const sizes = new Map<string, number>();
    for (const h of data.hashes) sizes.set(h, (sizes.get(h) ?? 0) + 1);
    const multi = [...groups.entries()].filter(([h]) => sizes.get(h)! > 1);
    expect(multi.length).toBeGreaterThan(50);
    for (const [, splits] of multi) expect(splits.size).toBe(1);
    // and duplicates do reach every split, not only train
    const spread = new Set(multi.map(([, s]) => [...s][0]));
    expect(spread).toEqual(new Set(['train', 'validation', 'test']));
  });

  it('follows the ratios within each class (to within one duplicate group)', () => {
    SIZES.forEach((n, c) => {
      const count = (s: Int32Array) => Array.from(s).filter((i) => data.labels[i] === c).length;
      expect(Math.abs(count(split.test) - n * 0.1)).toBeLessThanOrEqual(5);
      expect(Math.abs(count(split.validation) - n * 0.1)).toBeLessThanOrEqual(5);
      expect(count(split.train) + count(split.validation) + count(split.test)).toBe(n);
    });
    const other = splitDataset(data.labels, data.hashes, { seed: 7, ratios: { train: 0.6, validation: 0.15, test: 0.25 } });
    expect(other.test.length / data.labels.length).toBeCloseTo(0.25, 2);
    expect(other.validation.length / data.labels.length).toBeCloseTo(0.15, 2);
  });

  it('gives every split at least one image of a tiny class', () => {
    const tiny = synthetic([3, 4, 40], 0, 'tiny');
    const s = splitDataset(tiny.labels, tiny.hashes, { seed: 1, ratios: DEFAULT_SPLIT });
    for (const part of [s.train, s.validation, s.test])
      expect(new Set(Array.from(part, (i) => tiny.labels[i]))).toEqual(new Set([0, 1, 2]));
  });

  it('keeps a duplicate pair together when it lies far apart in the list, whatever the seed', () => {
    const labels = Uint8Array.from({ length: 40 }, (_, i) => (i < 20 ? 0 : 1));
    const hashes = Array.from(labels, (_, i) => (i === 3 || i === 17 ? 'dup' : `u${i}`));
    const seen = new Set<string>();
    for (let seed = 0; seed < 40; seed++) {
      const where = splitOf(splitDataset(labels, hashes, { seed, ratios: DEFAULT_SPLIT }), labels.length);
      expect(where[3]).toBe(where[17]);
      seen.add(where[3]!);
    }
    expect(seen).toEqual(new Set(['train', 'validation', 'test']));
  });

  it('rejects bad ratios and mismatched inputs with a one-line DataError', () => {
    for (const ratios of [{ train: 0.8, validation: 0.1, test: 0.2 }, { train: 1.1, validation: -0.1, test: 0 }, { train: NaN, validation: 0.5, test: 0.5 }])
      expect(() => splitDataset(data.labels, data.hashes, { seed: 1, ratios })).toThrow(DataError);
    expect(() => splitDataset(data.labels, data.hashes.slice(1), { seed: 1, ratios: DEFAULT_SPLIT })).toThrow(/one of each per image/);
  });
});

describe('stratifiedSubset', () => {
  const split = splitDataset(data.labels, data.hashes, { seed: 7, ratios: DEFAULT_SPLIT });

  it('picks exactly `limit` indices from the given ones, seeded, sorted', () => {
    const a = stratifiedSubset(split.train, data.labels, 600, 11);
    expect(a.length).toBe(600);
    const train = new Set(split.train);
    for (const i of a) expect(train.has(i)).toBe(true);
    expect(new Set(a).size).toBe(600);
    for (let k = 1; k < a.length; k++) expect(a[k]!).toBeGreaterThan(a[k - 1]!);
    expect(Array.from(stratifiedSubset(split.train, data.labels, 600, 11))).toEqual(Array.from(a));
    expect(Array.from(stratifiedSubset(split.train, data.labels, 600, 12))).not.toEqual(Array.from(a));
    // independent of the order the indices come in
    expect(Array.from(stratifiedSubset(split.train.slice().reverse(), data.labels, 600, 11))).toEqual(Array.from(a));
  });

  it('keeps each class in proportion to its share', () => {
    const limit = 601;
    const a = stratifiedSubset(split.train, data.labels, limit, 11);
    SIZES.forEach((_, c) => {
      const share = Array.from(split.train).filter((i) => data.labels[i] === c).length / split.train.length;
      const got = Array.from(a).filter((i) => data.labels[i] === c).length;
      expect(Math.abs(got - share * limit)).toBeLessThan(1);
    });
  });

  it('returns everything when the limit is not smaller', () => {
    expect(Array.from(stratifiedSubset(split.test, data.labels, split.test.length + 5, 1))).toEqual(Array.from(split.test));
    expect(stratifiedSubset(split.test, data.labels, 0, 1).length).toBe(0);
    expect(() => stratifiedSubset(split.test, data.labels, 2.5, 1)).toThrow(DataError);
  });
});
