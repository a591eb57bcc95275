import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import seedrandom from 'seedrandom';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { allNearestNeighbours, distance, nearestAmong, pooledFeatures, POOLED_DIM } from '../../pipeline/data/neighbours.ts';
import { neighbourCacheFile } from '../../pipeline/cache/neighbours.ts';
import { chooseThreshold, leakageByClass, loadOrBuildNeighbours, nearDuplicateClusters, nearestTraining, summariseClusters, thresholdCurve } from '../../pipeline/data/audit.ts';
import { splitByClusters, DEFAULT_SPLIT, GROUPED_TOLERANCE, splitDataset, splitDeviations } from '../../pipeline/data/split.ts';

const PX = 64 * 64;

/**
 * Images that are far apart unless planted as copies: each original is a random 16×16
 * pattern of grey levels (blown up to 64×64, so pooling keeps it); a planted near-copy is
 * an original plus at most ±`noise` grey levels per pixel. `clusters` lists how many
 * copies of each original to plant, e.g. [3, 0, 10] = a group of 4, a single, a group of 11.
 */
function plant(clusters: number[], noise: number, seed = 'plant') {
  const rng = seedrandom(seed);
  const images: Uint8Array[] = [];
  const truth: number[] = [];
  clusters.forEach((copies, c) => {
    const base = new Uint8Array(PX);
    const cells = Array.from({ length: 256 }, () => 20 + Math.floor(rng() * 216));
    for (let p = 0; p < PX; p++) base[p] = cells[(Math.floor(p / 64 / 4) * 16) + Math.floor((p % 64) / 4)]!;
    images.push(base);
    truth.push(c);
    for (let k = 0; k < copies; k++) {
      images.push(base.map((v) => Math.max(0, Math.min(255, v + Math.round((rng() * 2 - 1) * noise)))));
      truth.push(c);
    }
  });
  // Shuffle, so cluster members are not adjacent.
  const order = Array.from({ length: images.length }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const out = new Uint8Array(images.length * PX);
  order.forEach((src, dst) => out.set(images[src]!, dst * PX));
  return { images: out, n: images.length, truth: Int32Array.from(order, (src) => truth[src]!) };
}

function bruteNearest(features: Float32Array, i: number, among: ArrayLike<number>): { j: number; d: number }[] {
  const out: { j: number; d: number }[] = [];
  for (let q = 0; q < among.length; q++) if (among[q] !== i) out.push({ j: among[q]!, d: distance(features, i, among[q]!) });
  return out.sort((a, b) => a.d - b.d || a.j - b.j);
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('pooled features and nearest neighbours', () => {
  it('pools 4×4 blocks to 16×16 grey levels', () => {
    const img = new Uint8Array(PX);
    for (let p = 0; p < PX; p++) img[p] = (p % 64) < 4 && Math.floor(p / 64) < 4 ? 200 : 0;
    const f = pooledFeatures(img, 1, 64);
    expect(f.length).toBe(POOLED_DIM);
    expect(f[0]).toBe(200);
    expect(f.slice(1).every((v) => v === 0)).toBe(true);
  });

  it('finds every image\'s k nearest exactly, as brute force does', async () => {
    const { images, n } = plant(Array.from({ length: 60 }, (_, c) => (c % 4 === 0 ? 3 : c % 7 === 0 ? 1 : 0)), 6);
    const f = pooledFeatures(images, n, 64);
    const table = await allNearestNeighbours(f, n, 5);
    const all = Int32Array.from({ length: n }, (_, i) => i);
    for (let i = 0; i < n; i++) {
      const brute = bruteNearest(f, i, all).slice(0, 5);
      expect(Array.from(table.distance.subarray(i * 5, i * 5 + 5))).toEqual(brute.map((b) => Math.fround(b.d)));
      // Indices agree up to ties in distance.
      brute.forEach((b, q) => expect(distance(f, i, table.index[i * 5 + q]!)).toBeCloseTo(b.d, 5));
    }
    const some = Int32Array.from([0, 5, 17]);
    const mem = Int32Array.from({ length: n - 10 }, (_, i) => i + 10);
    const among = await nearestAmong(f, some, mem, 3);
    some.forEach((i, r) => expect(Array.from(among.distance.subarray(r * 3, r * 3 + 3))).toEqual(bruteNearest(f, i, mem).slice(0, 3).map((b) => Math.fround(b.d))));
  });
});

describe('near-duplicate clusters', () => {
  // Groups of 4, 11 (larger than the table's k), 2, and singles; copies within ±3 grey levels.
  const clusters = [3, 0, 10, 0, 1, 0, 0, ...Array.from({ length: 30 }, () => 0)];
  const { images, n, truth } = plant(clusters, 3);

  it('recovers exactly the planted clusters, also one larger than the neighbour table keeps', async () => {
    const f = pooledFeatures(images, n, 64);
    const table = await allNearestNeighbours(f, n, 4);
    const c = await nearDuplicateClusters({ table, features: f }, 4);
    expect(c.count).toBe(clusters.length);
    expect(c.saturated).toBeGreaterThan(0);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(c.clusterOf[i] === c.clusterOf[j]).toBe(truth[i] === truth[j]);
    const labels = new Uint8Array(n); // one class
    const [s] = summariseClusters(c.clusterOf, labels, ['A']);
    expect(s!.clusters).toBe(clusters.length);
    expect(s!.largestCluster).toBe(11);
    expect(s!.imagesInNearDuplicateClusters).toBe(4 + 11 + 2);
    expect(s!.sizeHistogram).toEqual([34, 1, 1, 0, 1, 0, 0, 0]);
  });

  it('caches the table by dataset fingerprint and reads it back unchanged', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'audit-'));
    try {
      const first = await loadOrBuildNeighbours(images, n, { cacheDir: dir, imageSize: 64, fingerprint: 'a'.repeat(64) });
      const second = await loadOrBuildNeighbours(images, n, { cacheDir: dir, imageSize: 64, fingerprint: 'a'.repeat(64) });
      expect(first.cacheHit).toBe(false);
      expect(second.cacheHit).toBe(true);
      expect(second.table.index).toEqual(first.table.index);
      expect(second.table.distance).toEqual(first.table.distance);
      expect(neighbourCacheFile(dir, 'a'.repeat(64))).toContain(dir);
      const other = await loadOrBuildNeighbours(images, n, { cacheDir: dir, imageSize: 64, fingerprint: 'b'.repeat(64) });
      expect(other.cacheHit).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('grouped split', () => {
  // Six classes of 300–400 images, a third of them in planted clusters of 2–12 near-copies.
  const rng = seedrandom('grouped');
  const sizes: number[][] = [];
  for (let c = 0; c < 6; c++) {
    const s: number[] = [];
    let made = 0;
    const target = 300 + c * 20;
    while (made < target) {
      const copies = rng() < 0.3 ? Math.min(target - made - 1, 1 + Math.floor(rng() * 11)) : 0;
      s.push(copies);
      made += copies + 1;
    }
    sizes.push(s);
  }
  const flat = sizes.flat();
  const classOfOriginal = sizes.flatMap((s, c) => s.map(() => c));
  const { images, n, truth } = plant(flat, 3, 'grouped-images');
  const labels = Uint8Array.from(truth, (t) => classOfOriginal[t]!);
  const classes = ['A', 'B', 'C', 'D', 'E', 'F'];
  const threshold = 4;
  let audit: { table: Awaited<ReturnType<typeof allNearestNeighbours>>; features: Float32Array };
  let clusterOf: Int32Array;

  beforeAll(async () => {
    const features = pooledFeatures(images, n, 64);
    audit = { table: await allNearestNeighbours(features, n, 8), features };
    clusterOf = (await nearDuplicateClusters(audit, threshold)).clusterOf;
  });

  it('leaves no validation or test image with a training image within the threshold (brute force check)', async () => {
    const s = splitByClusters(labels, clusterOf, classes, { seed: 7, ratios: DEFAULT_SPLIT });
    for (const part of [s.test, s.validation]) {
      for (const i of part) expect(bruteNearest(audit.features, i, s.train)[0]!.d).toBeGreaterThan(threshold);
      const nearest = await nearestTraining(audit, part, s.train, 1);
      expect(Array.from(nearest.distance).every((d) => d > threshold)).toBe(true);
      expect(leakageByClass(part, nearest.distance, labels, classes, threshold).every((c) => c.withNearCopyInTrain === 0)).toBe(true);
    }
  });

  it('whereas the per-image split leaks: some test images have a near-copy in training', async () => {
    const s = splitDataset(labels, Array.from({ length: n }, (_, i) => `h${i}`), { seed: 7, ratios: DEFAULT_SPLIT });
    const nearest = await nearestTraining(audit, s.test, s.train, 3);
    for (let r = 0; r < s.test.length; r++) expect(nearest.distance[r * 3]).toBeCloseTo(bruteNearest(audit.features, s.test[r]!, s.train)[0]!.d, 4);
    const leak = leakageByClass(s.test, Float32Array.from({ length: s.test.length }, (_, r) => nearest.distance[r * 3]!), labels, classes, threshold);
    expect(leak.reduce((a, c) => a + c.withNearCopyInTrain, 0)).toBeGreaterThan(0);
  });

  it('keeps every class within 2 points of 80/10/10, is deterministic, and changes with the seed', () => {
    const a = splitByClusters(labels, clusterOf, classes, { seed: 7, ratios: DEFAULT_SPLIT });
    const b = splitByClusters(labels, clusterOf, classes, { seed: 7, ratios: DEFAULT_SPLIT });
    const c = splitByClusters(labels, clusterOf, classes, { seed: 8, ratios: DEFAULT_SPLIT });
    expect(a).toEqual(b);
    expect(Array.from(c.test)).not.toEqual(Array.from(a.test));
    expect(a.train.length + a.validation.length + a.test.length).toBe(n);
    expect(new Set([...a.train, ...a.validation, ...a.test]).size).toBe(n);
    for (let k = 0; k < 6; k++) {
      const of = (xs: Int32Array) => Array.from(xs).filter((i) => labels[i] === k).length;
      const total = of(a.train) + of(a.validation) + of(a.test);
      expect(Math.abs(of(a.test) / total - 0.1)).toBeLessThanOrEqual(GROUPED_TOLERANCE);
      expect(Math.abs(of(a.validation) / total - 0.1)).toBeLessThanOrEqual(GROUPED_TOLERANCE);
      expect(of(a.test)).toBeGreaterThan(0);
    }
    // Whole clusters: every cluster lies in one split.
    const where = new Map<number, string>();
    for (const [name, part] of Object.entries(a)) for (const i of part as Int32Array) {
      const prev = where.get(clusterOf[i]!);
      expect(prev === undefined || prev === name).toBe(true);
      where.set(clusterOf[i]!, name);
    }
  });

  it('chooses a threshold below the point where clusters chain into a large part of a class', async () => {
    const labels1 = new Uint8Array(n); // one class: the planted clusters of up to 12 are over 4 % of 60…
    const small = plant(Array.from({ length: 50 }, (_, c) => (c === 0 ? 11 : 0)), 3, 'chain');
    const f = pooledFeatures(small.images, small.n, 64);
    const table = await allNearestNeighbours(f, small.n, 8);
    const curve = thresholdCurve(table, new Uint8Array(small.n), 1);
    // …a cluster of 12 in 61 images is 20 %: no threshold that joins it is chosen.
    expect(curve.find((p) => p.threshold === 4)!.largestClusterShare[0]).toBeCloseTo(12 / 61, 6);
    const chosen = await chooseThreshold({ table, features: f }, new Uint8Array(small.n), curve);
    expect(chosen.threshold).toBeLessThan(Math.min(...Array.from(table.distance.filter((d) => d > 0))) + 1e-9);
    expect(chosen.clusters.count).toBe(small.n);
    void labels1;
  });

  it('reports how far each class strays from its share', () => {
    const s = splitByClusters(labels, clusterOf, classes, { seed: 7, ratios: DEFAULT_SPLIT });
    const d = splitDeviations(s, labels, classes, DEFAULT_SPLIT);
    expect(d.length).toBe(12);
    expect(d.every((x) => x.off <= GROUPED_TOLERANCE)).toBe(true);
    const skewed = { train: s.train, validation: s.validation, test: Int32Array.from([...s.test].filter((i) => labels[i] !== 0)) };
    expect(splitDeviations(skewed, labels, classes, DEFAULT_SPLIT).find((x) => x.class === 'A' && x.part === 'test')!.off).toBeGreaterThan(0.05);
  });
});
