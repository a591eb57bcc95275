/**
 * Both evaluation protocols from one dataset: the near-duplicate audit (cached all-pairs
 * neighbour table, threshold, clusters), the per-image split and the grouped split, and
 * for each how close its validation and test images are to training images. The bundle
 * records all of it (manifest.audit, manifest.protocols, splits.json, audit.u8).
 */
import { PROTOCOLS, type Audit, type Protocol, type ProtocolSplit, type Split, type SplitsFile } from '../../schema/results.ts';
import {
  chooseThreshold,
  CLUSTER_SIZE_BINS,
  histogram,
  leakageByClass,
  loadOrBuildNeighbours,
  nearestTraining,
  summariseClusters,
  thresholdCurve,
  THRESHOLD_STEP,
  type NeighbourAudit,
  THRESHOLD_MAX,
} from './audit.ts';
import { NEIGHBOURS_KEPT, POOLED_SIZE } from './neighbours.ts';
import { DEFAULT_SPLIT, GROUPED_TOLERANCE, MAX_CLUSTER_SHARE, splitByClusters, splitDataset, splitDeviations, type SplitIndices } from './split.ts';
import { K_MAX } from '../baselines/knn.ts';

/** Histogram bins: half a grey level wide, up to 40 (the last bin takes everything beyond). */
export const HISTOGRAM_BIN = 0.5;
const HISTOGRAM_BINS = 81;

export const PROTOCOL_DESCRIPTIONS: Record<Protocol, string> = {
  image:
    'Per image: each class split 80/10/10 at random (seeded), byte-identical files kept together; near-duplicates (adjacent slices, re-saved scans) may fall on both sides.',
  grouped:
    'Per near-duplicate cluster: whole clusters of images within the audit threshold dealt to train, validation and test (seeded, stratified per class), so no held-out image has a training image within the threshold.',
};

/** The protocols' names in the paper, and the clause that tells them apart ("two seeded splits (one per image and …)"). */
export const PROTOCOL_NAMES: Record<Protocol, { name: string; clause: string }> = {
  image: { name: 'per-image split', clause: 'one per image' },
  grouped: { name: 'grouped split', clause: 'one that keeps near-duplicate images together' },
};

/** The K_MAX nearest training images of every validation and test image (k-NN baselines, leakage). */
export interface HeldOutNeighbours {
  validation: { index: Int32Array; distance: Float32Array };
  test: { index: Int32Array; distance: Float32Array };
  k: number;
}

export interface Protocols {
  splits: Record<Protocol, SplitIndices>;
  neighbours: Record<Protocol, HeldOutNeighbours>;
  records: ProtocolSplit[];
  audit: Audit;
  /** Pixels of the audit figures' images (Audit.figures). */
  figureBytes: Uint8Array;
  splitsFile: SplitsFile;
  neighbourAudit: NeighbourAudit;
}

interface Dataset {
  /** n × imageSize × imageSize. */
  images: Uint8Array;
  imageSize: number;
  labels: Uint8Array;
  classes: string[];
  files: string[];
  contentHashes: string[];
  fingerprint: string;
}

export function splitRecord(split: SplitIndices, labels: Uint8Array, numClasses: number, seed: number): Split {
  const perClass = (idx: Int32Array) => {
    const out = new Array<number>(numClasses).fill(0);
    for (const i of idx) out[labels[i]!]!++;
    return out;
  };
  return {
    seed,
    ratios: DEFAULT_SPLIT,
    sizes: { train: split.train.length, validation: split.validation.length, test: split.test.length },
    perClass: { train: perClass(split.train), validation: perClass(split.validation), test: perClass(split.test) },
  };
}

/** The first `k` columns of a row-major table with `stride` columns. */
function firstColumns<T extends Int32Array | Float32Array>(table: T, stride: number, k: number): T {
  const rows = table.length / stride;
  const out = new (table.constructor as new (n: number) => T)(rows * k);
  for (let r = 0; r < rows; r++) for (let q = 0; q < k; q++) out[r * k + q] = table[r * stride + q]!;
  return out;
}

export async function buildProtocols(
  ds: Dataset,
  opts: {
    cacheDir: string;
    seed: number;
    log: (line: string) => void;
    onProgress?: (done: number, total: number) => void;
  },
): Promise<Protocols> {
  const n = ds.labels.length;
  const numClasses = ds.classes.length;
  const neighbourAudit = await loadOrBuildNeighbours(ds.images, n, { cacheDir: opts.cacheDir, fingerprint: ds.fingerprint, imageSize: ds.imageSize, log: opts.log, onProgress: opts.onProgress });
  const { table } = neighbourAudit;
  opts.log(
    `near-duplicate audit: nearest ${table.k} of every image among all ${n.toLocaleString('en-US')} (16×16 pooled RMSE) ` +
      (neighbourAudit.cacheHit ? `from the cache (computed in ${neighbourAudit.seconds.toFixed(1)} s)` : `computed in ${neighbourAudit.seconds.toFixed(1)} s`),
  );

  const curve = thresholdCurve(table, ds.labels, numClasses);
  const { threshold, clusters } = await chooseThreshold(neighbourAudit, ds.labels, curve);
  const perClassClusters = summariseClusters(clusters.clusterOf, ds.labels, ds.classes);
  opts.log(
    `near-duplicate threshold ${threshold} grey levels: ${clusters.count.toLocaleString('en-US')} clusters; largest per class ` +
      perClassClusters.map((c) => `${c.class} ${c.largestCluster}`).join(', '),
  );

  const splits: Record<Protocol, SplitIndices> = {
    image: splitDataset(ds.labels, ds.contentHashes, { seed: opts.seed, ratios: DEFAULT_SPLIT }),
    grouped: splitByClusters(ds.labels, clusters.clusterOf, ds.classes, { seed: opts.seed, ratios: DEFAULT_SPLIT }),
  };

  for (const d of splitDeviations(splits.grouped, ds.labels, ds.classes, DEFAULT_SPLIT))
    if (d.off > GROUPED_TOLERANCE)
      opts.log(`warning: grouped split: ${d.class} ${d.part} is ${(d.off * 100).toFixed(1)} points off its share (clusters too large for this class to deal evenly)`);
  if (threshold === 0) opts.log('warning: near-duplicate audit: even the smallest threshold chains images into large clusters; the grouped split keeps only byte-identical images together');

  const neighbours = {} as Record<Protocol, HeldOutNeighbours>;
  const records: ProtocolSplit[] = [];
  for (const protocol of PROTOCOLS) {
    const s = splits[protocol];
    const validation = await nearestTraining(neighbourAudit, s.validation, s.train, K_MAX);
    const test = await nearestTraining(neighbourAudit, s.test, s.train, K_MAX);
    neighbours[protocol] = { validation, test, k: K_MAX };
    const nearestTest = firstColumns(test.distance, K_MAX, 1);
    const nearestValidation = firstColumns(validation.distance, K_MAX, 1);
    const leakage = {
      validation: leakageByClass(s.validation, nearestValidation, ds.labels, ds.classes, threshold),
      test: leakageByClass(s.test, nearestTest, ds.labels, ds.classes, threshold),
    };
    const leaked = leakage.test.reduce((a, c) => a + c.withNearCopyInTrain, 0);
    // The grouped split's guarantee, checked on the exact distances rather than assumed.
    const leakedValidation = leakage.validation.reduce((a, c) => a + c.withNearCopyInTrain, 0);
    if (protocol === 'grouped' && leaked + leakedValidation > 0)
      throw new Error(`grouped split: ${leaked + leakedValidation} held-out images have a training image within ${threshold} grey levels (a bug in the clustering)`);
    opts.log(
      `split ${protocol}: ${s.train.length} train / ${s.validation.length} validation / ${s.test.length} test; ` +
        `${leaked} test images (${((100 * leaked) / s.test.length).toFixed(1)} %) have a training image within ${threshold} grey levels`,
    );
    records.push({
      protocol,
      ...PROTOCOL_NAMES[protocol],
      description: PROTOCOL_DESCRIPTIONS[protocol],
      split: splitRecord(s, ds.labels, numClasses, opts.seed),
      leakage,
      nearestTrainDistance: Array.from(nearestTest, (d) => Math.round(d * 100) / 100),
      nearestTrainHistogram: histogram(nearestTest, HISTOGRAM_BIN, HISTOGRAM_BINS),
    });
  }

  // Figures: pairs either side of the threshold (per class, the pair nearest to it from
  // below and from above, within one grey level), and per protocol one test image per
  // class beside its nearest training image (the one at the class's median distance).
  const pairs: { a: number; b: number; distance: number }[][] = [[], []];
  for (let c = 0; c < numClasses; c++) {
    let below = -1;
    let above = -1;
    for (let i = 0; i < n; i++) {
      if (ds.labels[i] !== c) continue;
      const d = table.distance[i * table.k]!;
      if (d <= threshold && d >= threshold - 1 && (below < 0 || d > table.distance[below * table.k]!)) below = i;
      if (d > threshold && d <= threshold + 1 && (above < 0 || d < table.distance[above * table.k]!)) above = i;
    }
    if (below >= 0) pairs[0]!.push({ a: below, b: table.index[below * table.k]!, distance: table.distance[below * table.k]! });
    if (above >= 0) pairs[1]!.push({ a: above, b: table.index[above * table.k]!, distance: table.distance[above * table.k]! });
  }
  const nearestPairs = {} as Record<Protocol, { a: number; b: number; distance: number }[]>;
  for (const protocol of PROTOCOLS) {
    const s = splits[protocol];
    const { index, distance } = neighbours[protocol].test;
    nearestPairs[protocol] = ds.classes.flatMap((_, c) => {
      const rows = Array.from(s.test.keys()).filter((r) => ds.labels[s.test[r]!] === c).sort((x, y) => distance[x * K_MAX]! - distance[y * K_MAX]! || x - y);
      if (!rows.length) return [];
      const r = rows[Math.floor((rows.length - 1) / 2)]!;
      return [{ a: s.test[r]!, b: index[r * K_MAX]!, distance: distance[r * K_MAX]! }];
    });
  }
  const allPairs = [...pairs[0]!, ...pairs[1]!, ...PROTOCOLS.flatMap((p) => nearestPairs[p])];
  const PIXELS = ds.imageSize * ds.imageSize;
  const figureBytes = new Uint8Array(allPairs.length * 2 * PIXELS);
  let offset = 0;
  const place = (p: { a: number; b: number; distance: number }) => {
    const at = offset;
    figureBytes.set(ds.images.subarray(p.a * PIXELS, (p.a + 1) * PIXELS), at);
    figureBytes.set(ds.images.subarray(p.b * PIXELS, (p.b + 1) * PIXELS), at + PIXELS);
    offset += 2 * PIXELS;
    // Unrounded: a pair just above the threshold must not print as the threshold itself (2.25 beside 2.25).
    return { a: p.a, b: p.b, distance: p.distance, offset: at };
  };

  const nearestByClass = Array.from({ length: numClasses }, () => [] as number[]);
  for (let i = 0; i < n; i++) nearestByClass[ds.labels[i]!]!.push(table.distance[i * table.k]!);
  let nearestInOtherClass = 0;
  for (let i = 0; i < n; i++) if (ds.labels[table.index[i * table.k]!] !== ds.labels[i]) nearestInOtherClass++;

  const audit: Audit = {
    representation: `each ${ds.imageSize}×${ds.imageSize} image average-pooled to ${POOLED_SIZE}×${POOLED_SIZE} (${blockText(ds.imageSize)}); distance = root mean square difference of the pooled grey levels (0–255), computed between every pair of images`,
    neighboursKept: NEIGHBOURS_KEPT,
    seconds: Math.round(neighbourAudit.seconds * 10) / 10,
    cacheHit: neighbourAudit.cacheHit,
    threshold,
    thresholdRule:
      `the largest RMSE on a ${THRESHOLD_STEP}-grey-level grid from ${THRESHOLD_STEP} to ${THRESHOLD_MAX} (the search stops there${threshold >= THRESHOLD_MAX ? ', and this data reached it: a larger threshold was not tried' : ''}) at which no class has a near-duplicate cluster (connected component of pairs within the threshold) holding more than ${MAX_CLUSTER_SHARE * 100} % of the class; ` +
      'beyond it single linkage chains distinct images into components that swallow a large part of a class, and the grouped split could no longer be stratified within 2 points',
    maxClusterShare: MAX_CLUSTER_SHARE,
    thresholdCurve: curve.map((p) => ({ threshold: p.threshold, largestClusterShare: p.largestClusterShare.map((x) => Math.round(x * 1e4) / 1e4), withNeighbour: p.withNeighbour })),
    histogramBinWidth: HISTOGRAM_BIN,
    nearestNeighbourHistogram: nearestByClass.map((d) => histogram(d, HISTOGRAM_BIN, HISTOGRAM_BINS)),
    nearestInOtherClass,
    clusters: { count: clusters.count, saturated: clusters.saturated, sizeBins: CLUSTER_SIZE_BINS.map((b) => b.label), perClass: perClassClusters },
    figures: {
      file: 'audit.u8',
      belowThreshold: pairs[0]!.map(place),
      aboveThreshold: pairs[1]!.map(place),
      nearestTrain: Object.fromEntries(PROTOCOLS.map((p) => [p, nearestPairs[p].map(place)])) as Record<Protocol, ReturnType<typeof place>[]>,
    },
  };

  const membership = {} as Record<Protocol, string>;
  for (const protocol of PROTOCOLS) {
    const letters = new Array<string>(n).fill('r');
    for (const i of splits[protocol].validation) letters[i] = 'v';
    for (const i of splits[protocol].test) letters[i] = 't';
    membership[protocol] = letters.join('');
  }
  const splitsFile: SplitsFile = { files: ds.files, membership, cluster: Array.from(clusters.clusterOf) };
  return { splits, neighbours, records, audit, figureBytes, splitsFile, neighbourAudit };
}

/** How the pooling cuts an image, in words: "4×4 pixel blocks", or the range when the size is no multiple of 16. */
function blockText(size: number): string {
  const lo = Math.floor(size / POOLED_SIZE);
  return size % POOLED_SIZE === 0 ? `${lo}×${lo} pixel blocks` : `blocks of ${lo} to ${lo + 1} pixels a side`;
}
