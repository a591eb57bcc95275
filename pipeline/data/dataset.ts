/**
 * A dataset from a folder or a .zip → images, labels and the manifest's Dataset record,
 * decoded once at the image size the descriptor (descriptor.ts) or the data chooses, and
 * then served from a binary cache keyed by the archive's content (archive.ts:
 * archiveContentKey), that size and the decoder version. The descriptor's name, citation
 * and class order are applied after loading, so editing them never decodes again.
 */
import path from 'node:path';
import sharp from 'sharp';
import { Dataset, type Dataset as DatasetRecord } from '../../schema/results.ts';
import { archiveContentKey, DEFAULT_MAX_FILE_BYTES, EXPECTED_LAYOUT, openArchive, type ImageFile } from './archive.ts';
import { CorruptCache, readDatasetCache, writeDatasetCache } from '../cache/datasets.ts';
import { DECODER_VERSION, decodeEach, type Decoded } from './decode.ts';
import { classOrder, commonSize, datasetInfo, descriptorByFingerprint, type FoundDescriptor } from './descriptor.ts';
import { DataError } from './errors.ts';
import { virtualFs } from '../../common/owned-folder.ts';
import { fingerprintOf, sha256Hex } from './fingerprint.ts';
import { shownName } from './names.ts';

export { DataError };

export interface LoadedDataset {
  /** Class folder names in the descriptor's order, else sorted by code point (e.g. AbdomenCT, BreastMRI, CXR, ChestCT, Hand, HeadCT). */
  classes: string[];
  /** N × imageSize × imageSize, row-major, in `files` order. */
  images: Uint8Array;
  /** N indices into `classes`. */
  labels: Uint8Array;
  /** `<Class>/<file name>`, sorted by code point. */
  files: string[];
  /** SHA-256 hex of each image file's bytes. */
  contentHashes: string[];
  dataset: DatasetRecord;
  cacheHit: boolean;
  /** The decoded dataset's cache file (training workers load it); null when it could not be written. */
  cacheFile: string | null;
}

export interface LoadOptions {
  /** Where decoded datasets are kept (the project default is .cache/datasets). */
  cacheDir: string;
  log?: (line: string) => void;
  /** Skipped files, one line each (default: log with a "warning:" prefix). */
  warn?: (line: string) => void;
  /** Files read so far out of the candidate image files (throttled). */
  onProgress?: (done: number, total: number) => void;
  /** Images decoded at once (default DEFAULT_DECODE_CONCURRENCY). */
  concurrency?: number;
  /** The descriptor given or found beside the data (descriptor.ts: descriptorFor), or null. */
  descriptor?: FoundDescriptor | null;
  /** Where datasets/ is, to recognise the data by fingerprint when no descriptor was given. */
  projectRoot?: string;
  /**
   * Files larger than this many bytes are skipped and named with their size, never read
   * (default DEFAULT_MAX_FILE_BYTES, 64 MiB; the CLI's --max-file-bytes).
   */
  maxFileBytes?: number;
}

/** Images whose size is looked at to choose the models' image size when no descriptor sets it. */
const SIZE_PROBE = 32;

/** What the cached pixels depend on besides the archive: this module's decoding and libvips. */
function cacheFileFor(cacheDir: string, content: { kind: string; key: string }, imageSize: number, maxFileBytes: number): string {
  const size = imageSize === 64 ? '' : `; size ${imageSize}`;
  const key = sha256Hex(
    `medical-mnist dataset; decoder ${DECODER_VERSION}; vips ${sharp.versions.vips}; max file bytes ${maxFileBytes}; ${content.kind} ${content.key}${size}`,
  );
  return path.join(cacheDir, `dataset-${key.slice(0, 32)}.bin`);
}

export async function loadDataset(source: string, opts: LoadOptions): Promise<LoadedDataset> {
  const log = opts.log ?? (() => {});
  const warn = opts.warn ?? ((line: string) => log(`warning: ${line}`));
  const where = path.resolve(source);
  // /proc and /sys hold links all over the machine: walking them would take for ever.
  const virtual = virtualFs(where);
  if (virtual) throw new DataError(`data ${shownName(where)} is on the virtual "${virtual}" file system, not a dataset: ${EXPECTED_LAYOUT}`);

  const given = opts.descriptor ?? null;
  const sizeFromDescriptor = given?.descriptor.imageSize;
  const imageSize = sizeFromDescriptor ?? (await probeImageSize(where, opts.maxFileBytes));
  log(`image size: ${imageSize} × ${imageSize} (${sizeFromDescriptor ? `from ${given!.file}` : `the most common size among the first ${SIZE_PROBE} images`})`);
  const content = await archiveContentKey(where);
  const cacheFile = cacheFileFor(opts.cacheDir, content, imageSize, opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES);
  const describe = (d: Omit<LoadedDataset, 'cacheHit' | 'cacheFile'>) =>
    describeDataset(d, given ?? descriptorByFingerprint(opts.projectRoot ?? process.cwd(), d.dataset.fingerprint, imageSize), where, sizeFromDescriptor ? 'descriptor' : 'data');
  try {
    const cached = await readDatasetCache(cacheFile);
    if (cached) {
      for (const s of cached.dataset.skipped) warn(`skipped ${s.file}: ${s.reason}`);
      log(`dataset: ${cached.dataset.total} decoded images from the cache ${cacheFile}`);
      return { ...describe({ ...cached, dataset: { ...cached.dataset, source } }), cacheHit: true, cacheFile };
    }
  } catch (e) {
    if (!(e instanceof CorruptCache)) throw e;
    log(`dataset cache ${cacheFile} is unusable (${e.message}); decoding again`);
  }

  const decoded = await decodeArchive(where, source, imageSize, { ...opts, log, warn });
  try {
    await writeDatasetCache(cacheFile, decoded);
    log(`dataset cache written: ${cacheFile}`);
  } catch (e) {
    warn(`could not write the dataset cache ${cacheFile} (${(e as Error).message}); the next run decodes again`);
    return { ...describe(decoded), cacheHit: false, cacheFile: null };
  }
  return { ...describe(decoded), cacheHit: false, cacheFile };
}

/**
 * The most common size among the first images (a side; non-square images count by their
 * longer side), for data without a descriptor: the size its images mostly have, so
 * nothing is resized that need not be.
 */
async function probeImageSize(where: string, maxFileBytes: number | undefined): Promise<number> {
  const archive = await openArchive(where, { maxFileBytes });
  const sizes: [number, number][] = [];
  try {
    for await (const f of archive.read()) {
      if (f.readError) continue;
      try {
        const meta = await sharp(f.bytes).metadata();
        if (meta.width && meta.height) sizes.push([meta.width, meta.height]);
      } catch {
        // Undecodable files are named when the data is decoded; here they just do not count.
      }
      if (sizes.length >= SIZE_PROBE) break;
    }
  } finally {
    await archive.close();
  }
  return commonSize(sizes);
}

/** Applies the descriptor: its record in the manifest, and the class order (labels follow it). */
function describeDataset(
  d: Omit<LoadedDataset, 'cacheHit' | 'cacheFile'>,
  found: FoundDescriptor | null,
  where: string,
  imageSizeFrom: 'descriptor' | 'data',
): Omit<LoadedDataset, 'cacheHit' | 'cacheFile'> {
  const order = classOrder(found, d.classes);
  const info = datasetInfo(found, where, imageSizeFrom, order.from);
  if (order.classes.every((c, i) => c === d.classes[i])) return { ...d, dataset: { ...d.dataset, info } };
  const newIndex = d.classes.map((c) => order.classes.indexOf(c));
  const labels = Uint8Array.from(d.labels, (l) => newIndex[l]!);
  const counts = order.classes.map((c) => d.dataset.counts[d.classes.indexOf(c)]!);
  return { ...d, classes: order.classes, labels, dataset: { ...d.dataset, classes: order.classes, counts, info } };
}

async function decodeArchive(
  where: string,
  source: string,
  imageSize: number,
  opts: LoadOptions & { log: (l: string) => void; warn: (l: string) => void },
): Promise<Omit<LoadedDataset, 'cacheHit' | 'cacheFile'>> {
  const { log, warn } = opts;
  const PIXELS = imageSize * imageSize;
  const archive = await openArchive(where, { maxFileBytes: opts.maxFileBytes });
  const { entries, classes } = archive;
  const total = entries.length;
  log(
    `reading ${total} image files in ${classes.length} classes from ${shownName(where)}` +
      (archive.classRoot ? ` (class folders under ${shownName(archive.classRoot)})` : ''),
  );
  if (archive.outside.length)
    log(`passed over ${archive.outside.length} image file(s) outside the class folders, e.g. ${archive.outside[0]}`);

  const pixels = new Uint8Array(total * PIXELS);
  const hashes: (string | null)[] = new Array<string | null>(total).fill(null);
  const used = new Uint8Array(total);
  const skipped: { file: string; reason: string }[] = [];
  const converted = { resized: 0, colour: 0, files: [] as { file: string; conversion: string }[] };
  let done = 0;
  const progress = () => {
    done++;
    if (done % 256 === 0) opts.onProgress?.(done, total);
  };
  const skip = (file: string, reason: string) => {
    skipped.push({ file, reason });
    warn(`skipped ${file}: ${reason}`);
  };
  for (const p of archive.passedOver) skip(p.file, p.reason);

  async function* readable(): AsyncGenerator<ImageFile> {
    for await (const f of archive.read()) {
      if (f.readError) {
        skip(f.file, f.readError);
        progress();
        continue;
      }
      hashes[f.index] = sha256Hex(f.bytes);
      yield f;
    }
  }

  const started = performance.now();
  try {
    await decodeEach(
      readable(),
      (f, result: Decoded | { error: string }) => {
        progress();
        if ('error' in result) return skip(f.file, result.error);
        pixels.set(result.pixels, f.index * PIXELS);
        used[f.index] = 1;
        if (result.resized) converted.resized++;
        if (result.colour) converted.colour++;
        const how = [result.resized ? `resized from ${result.width}×${result.height}` : '', result.colour ? 'colour to grayscale' : ''].filter(Boolean);
        if (how.length) converted.files.push({ file: f.file, conversion: how.join('; ') });
      },
      imageSize,
      opts.concurrency,
    );
  } finally {
    await archive.close();
  }
  opts.onProgress?.(total, total);
  const seconds = (performance.now() - started) / 1000;

  const keep: number[] = [];
  for (let i = 0; i < total; i++) if (used[i]) keep.push(i);
  const images = keep.length === total ? pixels : new Uint8Array(keep.length * PIXELS);
  if (images !== pixels) keep.forEach((i, k) => images.set(pixels.subarray(i * PIXELS, (i + 1) * PIXELS), k * PIXELS));
  const classIndex = new Map(classes.map((c, i) => [c, i]));
  const labels = Uint8Array.from(keep, (i) => classIndex.get(entries[i]!.className)!);
  const files = keep.map((i) => entries[i]!.file);
  const contentHashes = keep.map((i) => hashes[i]!);

  const counts = classes.map(() => 0);
  for (const l of labels) counts[l]!++;
  const empty = classes.filter((_, c) => counts[c] === 0);
  if (empty.length)
    throw new DataError(`class ${empty.join(', ')} in ${shownName(where)} has no decodable images (all skipped, see the warnings): ${EXPECTED_LAYOUT}`);

  const fingerprint = fingerprintOf(entries.flatMap((e) => (hashes[e.index] ? [{ file: e.file, sha256: hashes[e.index]! }] : [])));
  const duplicates = countDuplicates(contentHashes, labels, classes, files, log);
  const byFile = (a: { file: string }, b: { file: string }) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0);
  skipped.sort(byFile);
  converted.files.sort(byFile);
  const dataset = Dataset.parse({
    source,
    // Replaced on every load by describeDataset (the descriptor may change without a new decode).
    info: datasetInfo(null, where, 'data', 'sorted'),
    imageSize,
    channels: 1,
    fingerprint,
    classes,
    counts,
    total: keep.length,
    ignored: { ...archive.ignored },
    skipped,
    converted,
    duplicates,
  });
  log(
    `decoded ${keep.length} images in ${seconds.toFixed(1)} s (${Math.round(total / seconds)} images/s): ` +
      `${skipped.length} skipped, ${converted.resized} resized, ${converted.colour} converted from colour, ` +
      `${archive.ignored.hidden} hidden and ${archive.ignored.nonImage} non-image files passed over, ` +
      `${duplicates.groups} groups of byte-identical images (${duplicates.files} files)`,
  );
  return { classes, images, labels, files, contentHashes, dataset };
}

function countDuplicates(hashes: string[], labels: Uint8Array, classes: string[], files: string[], log: (l: string) => void) {
  const groups = new Map<string, number[]>();
  hashes.forEach((h, i) => {
    const g = groups.get(h);
    if (g) g.push(i);
    else groups.set(h, [i]);
  });
  let count = 0;
  let inGroups = 0;
  const crossClass: string[][] = [];
  for (const members of groups.values()) {
    if (members.length < 2) continue;
    count++;
    inGroups += members.length;
    const names = new Set(members.map((i) => classes[labels[i]!]!));
    if (names.size > 1) crossClass.push(members.map((i) => files[i]!).sort());
  }
  crossClass.sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
  if (crossClass.length)
    log(`note: ${crossClass.length} group(s) of byte-identical images carry different labels, e.g. ${crossClass[0]!.join(' = ')} (all named in the manifest); each group stays in one split`);
  return { groups: count, files: inGroups, crossClass };
}
