/**
 * The near-duplicate audit: how close each image is to its nearest neighbours (16×16
 * pooled RMSE, see neighbours.ts), which images form near-duplicate clusters at a stated
 * threshold, and, for a given split, how many validation and test images have a training
 * image within that threshold.
 *
 * The all-pairs neighbour table is the expensive part (about half a minute on two idle
 * cores for the 58,954 images); it is computed once per dataset fingerprint and cached
 * beside the decoded dataset (../cache/neighbours.ts). Everything else here takes a second or two.
 */
import { MAX_CLUSTER_SHARE } from './split.ts';
import { allNearestNeighbours, nearestAmong, NEIGHBOURS_KEPT, pairsWithin, pooledFeatures, type NeighbourTable } from './neighbours.ts';
import { neighbourCacheFile, readNeighbourCache, writeNeighbourCache } from '../cache/neighbours.ts';


/**
 * How the near-duplicate threshold is chosen, from the data: the largest RMSE on a grid
 * of THRESHOLD_STEP grey levels at which no class has a near-duplicate cluster holding
 * more than MAX_CLUSTER_SHARE of it (split.ts says why that share). Below it, clusters are
 * runs of adjacent slices and re-saved scans; above it, single linkage starts to chain
 * them into components that swallow a large part of a class (on Medical MNIST, AbdomenCT
 * goes from 3 % of the class in one cluster at 2.25 grey levels to 12 % at 2.75 and 17 % at 3).
 */
export const THRESHOLD_STEP = 0.25;
export const THRESHOLD_MAX = 8;

export interface NeighbourAudit {
  table: NeighbourTable;
  /** n × 256 pooled grey levels, for exact distances. */
  features: Float32Array;
  /** Seconds the all-pairs table took when it was computed (on this or an earlier run). */
  seconds: number;
  cacheHit: boolean;
}

/** The neighbour table of these images: from the cache when this fingerprint's is there, otherwise computed (and cached). */
export async function loadOrBuildNeighbours(
  images: Uint8Array,
  n: number,
  opts: { cacheDir: string; fingerprint: string; imageSize: number; log?: (line: string) => void; onProgress?: (done: number, total: number) => void },
): Promise<NeighbourAudit> {
  const features = pooledFeatures(images, n, opts.imageSize);
  const file = neighbourCacheFile(opts.cacheDir, opts.fingerprint, opts.imageSize);
  const cached = await readNeighbourCache(file, opts.fingerprint, n);
  if (cached) return { table: cached.table, features, seconds: cached.seconds, cacheHit: true };
  const t0 = performance.now();
  const table = await allNearestNeighbours(features, n, Math.min(NEIGHBOURS_KEPT, n - 1), { onProgress: opts.onProgress });
  const seconds = (performance.now() - t0) / 1000;
  try {
    await writeNeighbourCache(file, opts.fingerprint, table, seconds);
  } catch (e) {
    opts.log?.(`warning: could not write the neighbour cache ${file} (${(e as Error).message}); the next run computes it again`);
  }
  return { table, features, seconds, cacheHit: false };
}

/** Union–find with path halving. */
function makeUnionFind(n: number) {
  const parent = Int32Array.from({ length: n }, (_, i) => i);
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]!]!;
      x = parent[x]!;
    }
    return x;
  };
  const union = (a: number, b: number) => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  };
  return { find, union };
}

export interface Clusters {
  /** Cluster number of each image: 0, 1, … in order of each cluster's first image. */
  clusterOf: Int32Array;
  count: number;
  /** Images with more neighbours within the threshold than the table keeps; their pairs were found by an exact search. */
  saturated: number;
}

/**
 * Near-duplicate clusters: the connected components of the graph joining every pair at
 * most `threshold` apart (single linkage). Complete: pairs beyond the table's k are
 * found by an exact search for the images whose k-th neighbour is still within reach.
 */
export async function nearDuplicateClusters(audit: Pick<NeighbourAudit, 'table' | 'features'>, threshold: number): Promise<Clusters> {
  const { n, k, index, distance } = audit.table;
  const uf = makeUnionFind(n);
  const saturated: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let q = 0; q < k; q++) {
      if (distance[i * k + q]! > threshold) break;
      uf.union(i, index[i * k + q]!);
    }
    if (distance[i * k + k - 1]! <= threshold) saturated.push(i);
  }
  if (saturated.length) for (const [a, b] of await pairsWithin(audit.features, saturated, threshold)) uf.union(a, b);
  const clusterOf = new Int32Array(n);
  const number = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const root = uf.find(i);
    let c = number.get(root);
    if (c === undefined) number.set(root, (c = number.size));
    clusterOf[i] = c;
  }
  return { clusterOf, count: number.size, saturated: saturated.length };
}

/** Cluster sizes grouped for reporting: 1, 2, 3–5, 6–10, 11–20, 21–50, 51–100, over 100. */
export const CLUSTER_SIZE_BINS = [
  { label: '1', max: 1 },
  { label: '2', max: 2 },
  { label: '3–5', max: 5 },
  { label: '6–10', max: 10 },
  { label: '11–20', max: 20 },
  { label: '21–50', max: 50 },
  { label: '51–100', max: 100 },
  { label: '>100', max: Infinity },
] as const;

export interface ClassClusterSummary {
  class: string;
  images: number;
  clusters: number;
  /** Images in clusters of two or more. */
  imagesInNearDuplicateClusters: number;
  largestCluster: number;
  /** Clusters per size bin (CLUSTER_SIZE_BINS). */
  sizeHistogram: number[];
  /** Clusters of this class that also hold images of another class. */
  mixedClusters: number;
}

/** Per class: cluster count, size distribution, largest cluster. A cluster counts for the class of its first image. */
export function summariseClusters(clusterOf: Int32Array, labels: Uint8Array, classes: string[]): ClassClusterSummary[] {
  const members = new Map<number, number[]>();
  clusterOf.forEach((c, i) => {
    const m = members.get(c);
    if (m) m.push(i);
    else members.set(c, [i]);
  });
  const out = classes.map((name) => ({
    class: name,
    images: 0,
    clusters: 0,
    imagesInNearDuplicateClusters: 0,
    largestCluster: 0,
    sizeHistogram: CLUSTER_SIZE_BINS.map(() => 0),
    mixedClusters: 0,
  }));
  for (const l of labels) out[l]!.images++;
  for (const m of members.values()) {
    const s = out[labels[m[0]!]!]!;
    s.clusters++;
    if (m.length > 1) s.imagesInNearDuplicateClusters += m.length;
    s.largestCluster = Math.max(s.largestCluster, m.length);
    s.sizeHistogram[CLUSTER_SIZE_BINS.findIndex((b) => m.length <= b.max)]!++;
    if (m.some((i) => labels[i] !== labels[m[0]!])) s.mixedClusters++;
  }
  return out;
}

/**
 * For each query image, its `k` nearest training images (nearest first), exact: from the
 * neighbour table when at least k of an image's kept neighbours are training images (the
 * table holds its nearest images overall, so those are its nearest training images),
 * otherwise by comparing it with the whole training split.
 */
export async function nearestTraining(
  audit: Pick<NeighbourAudit, 'table' | 'features'>,
  queries: Int32Array,
  train: Int32Array,
  k: number,
): Promise<{ index: Int32Array; distance: Float32Array; searched: number }> {
  const { table } = audit;
  const isTrain = new Uint8Array(table.n);
  for (const i of train) isTrain[i] = 1;
  const index = new Int32Array(queries.length * k).fill(-1);
  const distance = new Float32Array(queries.length * k).fill(Infinity);
  const missing: number[] = [];
  queries.forEach((i, r) => {
    let found = 0;
    for (let q = 0; q < table.k && found < k; q++) {
      const j = table.index[i * table.k + q]!;
      if (j >= 0 && isTrain[j]) {
        index[r * k + found] = j;
        distance[r * k + found] = table.distance[i * table.k + q]!;
        found++;
      }
    }
    if (found < Math.min(k, train.length)) missing.push(r);
  });
  if (missing.length) {
    const exact = await nearestAmong(audit.features, missing.map((r) => queries[r]!), train, k);
    const kk = Math.min(k, train.length);
    missing.forEach((r, m) => {
      for (let q = 0; q < kk; q++) {
        index[r * k + q] = exact.index[m * kk + q]!;
        distance[r * k + q] = exact.distance[m * kk + q]!;
      }
    });
  }
  return { index, distance, searched: missing.length };
}

export interface LeakageByClass {
  class: string;
  images: number;
  /** Images with a training image within the near-duplicate threshold. */
  withNearCopyInTrain: number;
  /** Median distance to the nearest training image. */
  medianNearestTrain: number;
}

/** Per class, from each image's label and nearest-training distance. */
export function leakageByClass(images: Int32Array, nearest: Float32Array, labels: Uint8Array, classes: string[], threshold: number): LeakageByClass[] {
  return classes.map((name, c) => {
    const d: number[] = [];
    images.forEach((i, r) => {
      if (labels[i] === c) d.push(nearest[r]!);
    });
    d.sort((a, b) => a - b);
    return {
      class: name,
      images: d.length,
      withNearCopyInTrain: d.filter((x) => x <= threshold).length,
      medianNearestTrain: d.length ? d[Math.floor((d.length - 1) / 2)]! : 0,
    };
  });
}

/** Counts of `values` in bins of `width` from 0; the last bin also takes everything beyond. */
export function histogram(values: ArrayLike<number>, width: number, bins: number): number[] {
  const out = new Array<number>(bins).fill(0);
  for (let i = 0; i < values.length; i++) out[Math.min(bins - 1, Math.floor(values[i]! / width))]!++;
  return out;
}

export interface ThresholdPoint {
  threshold: number;
  /** Per class, the largest cluster's share of the class at this threshold (from the table's pairs: a lower bound where images have more than k neighbours within it). */
  largestClusterShare: number[];
  /** Per class, images whose nearest other image lies within this threshold. */
  withNeighbour: number[];
}

/**
 * Largest cluster per class as the threshold grows, in one pass: the table's pairs sorted
 * by distance join components as in Kruskal's algorithm, read off at every grid point.
 */
export function thresholdCurve(table: NeighbourTable, labels: Uint8Array, numClasses: number): ThresholdPoint[] {
  const { n, k, index, distance } = table;
  const edges: number[] = [];
  for (let i = 0; i < n; i++) for (let q = 0; q < k; q++) if (index[i * k + q]! > i && distance[i * k + q]! <= THRESHOLD_MAX) edges.push(i * k + q);
  edges.sort((a, b) => distance[a]! - distance[b]!);
  const parent = Int32Array.from({ length: n }, (_, i) => i);
  const size = new Int32Array(n).fill(1);
  const find = (x: number) => {
    while (parent[x] !== x) x = parent[x] = parent[parent[x]!]!;
    return x;
  };
  const counts = new Array<number>(numClasses).fill(0);
  for (const l of labels) counts[l]!++;
  const largest = new Array<number>(numClasses).fill(1);
  const nearestByClass = Array.from({ length: numClasses }, (_, c) => Array.from({ length: n }, (_, i) => i).filter((i) => labels[i] === c).map((i) => distance[i * k]!));
  const out: ThresholdPoint[] = [];
  let e = 0;
  for (let step = 1; step * THRESHOLD_STEP <= THRESHOLD_MAX + 1e-9; step++) {
    const t = step * THRESHOLD_STEP;
    for (; e < edges.length && distance[edges[e]!]! <= t; e++) {
      const i = Math.floor(edges[e]! / k);
      let a = find(i);
      let b = find(index[edges[e]!]!);
      if (a === b) continue;
      if (size[a]! < size[b]!) [a, b] = [b, a];
      parent[b] = a;
      size[a]! += size[b]!;
      largest[labels[i]!] = Math.max(largest[labels[i]!]!, size[a]!);
    }
    out.push({
      threshold: t,
      largestClusterShare: largest.map((l, c) => (counts[c] ? l / counts[c]! : 0)),
      withNeighbour: nearestByClass.map((d) => d.filter((x) => x <= t).length),
    });
  }
  return out;
}

/**
 * The threshold: the largest grid point at which every class's largest cluster is within
 * MAX_CLUSTER_SHARE, confirmed with the exact clusters (which can only be larger than the
 * curve's); a step lower when the exact clusters exceed it.
 */
export async function chooseThreshold(
  audit: Pick<NeighbourAudit, 'table' | 'features'>,
  labels: Uint8Array,
  curve: ThresholdPoint[],
): Promise<{ threshold: number; clusters: Clusters }> {
  const numClasses = curve[0]?.largestClusterShare.length ?? 0;
  const counts = new Array<number>(numClasses).fill(0);
  for (const l of labels) counts[l]!++;
  const passing = curve.filter((p) => p.largestClusterShare.every((s) => s <= MAX_CLUSTER_SHARE)).map((p) => p.threshold);
  // Shares only grow with the threshold, so the passing points are a prefix of the grid.
  for (let p = passing.length - 1; p >= 0; p--) {
    const clusters = await nearDuplicateClusters(audit, passing[p]!);
    const sizes = new Map<number, number>();
    for (const c of clusters.clusterOf) sizes.set(c, (sizes.get(c) ?? 0) + 1);
    const firstOf = new Map<number, number>();
    clusters.clusterOf.forEach((c, i) => {
      if (!firstOf.has(c)) firstOf.set(c, i);
    });
    const ok = [...sizes].every(([c, size]) => size <= MAX_CLUSTER_SHARE * counts[labels[firstOf.get(c)!]!]!);
    if (ok) return { threshold: passing[p]!, clusters };
  }
  // Even the smallest grid point chains: fall back to byte-identical-or-closer pairs.
  return { threshold: 0, clusters: await nearDuplicateClusters(audit, 0) };
}
