/**
 * The decoded dataset as one binary file, so a second run skips decoding:
 *
 *   "MMNISTC1"  8 bytes, format and version
 *   uint32 LE   length of the JSON header
 *   JSON        { count, imageSize, classes, files, contentHashes, dataset }
 *   images      count × imageSize × imageSize bytes
 *   labels      count bytes
 *   SHA-256     32 bytes over everything before it
 *
 * Written to a temporary file and renamed into place, so a reader sees a whole file or
 * none; the trailing digest catches anything else (a copy cut short, a flipped bit).
 */
import { createHash } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import { Dataset } from '../../schema/results.ts';
import { writeFileAtomicAsync } from '../shared/atomic-write.ts';

const MAGIC = Buffer.from('MMNISTC1', 'latin1');
const DIGEST_BYTES = 32;

export interface CachedDataset {
  classes: string[];
  images: Uint8Array;
  labels: Uint8Array;
  files: string[];
  contentHashes: string[];
  dataset: Dataset;
}

interface Header {
  count: number;
  imageSize: number;
  classes: string[];
  files: string[];
  contentHashes: string[];
  dataset: unknown;
}

/** A cache file that exists but cannot be used; the message says why. */
export class CorruptCache extends Error {
  override name = 'CorruptCache';
}

/** The cached dataset, or null when there is no such file; throws CorruptCache when it is unusable. */
export async function readDatasetCache(file: string): Promise<CachedDataset | null> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new CorruptCache(`cannot read (${(e as Error).message})`);
  }
  if (buf.length < MAGIC.length + 4 + DIGEST_BYTES || !buf.subarray(0, MAGIC.length).equals(MAGIC))
    throw new CorruptCache('not a dataset cache file of this version');
  const body = buf.subarray(0, buf.length - DIGEST_BYTES);
  const digest = createHash('sha256').update(body).digest();
  if (!digest.equals(buf.subarray(buf.length - DIGEST_BYTES))) throw new CorruptCache('checksum mismatch');

  const headerLength = buf.readUInt32LE(MAGIC.length);
  const headerStart = MAGIC.length + 4;
  let header: Header;
  try {
    header = JSON.parse(buf.toString('utf8', headerStart, headerStart + headerLength)) as Header;
  } catch {
    throw new CorruptCache('unreadable header');
  }
  const n = header.count;
  const imagesStart = headerStart + headerLength;
  const PIXELS = header.imageSize * header.imageSize;
  if (
    !Number.isInteger(header.imageSize) ||
    !Number.isInteger(n) ||
    body.length !== imagesStart + n * PIXELS + n ||
    header.files?.length !== n ||
    header.contentHashes?.length !== n ||
    !Array.isArray(header.classes)
  )
    throw new CorruptCache('sizes do not match the header');
  const parsed = Dataset.safeParse(header.dataset);
  if (!parsed.success || parsed.data.total !== n || parsed.data.imageSize !== header.imageSize) throw new CorruptCache('dataset description does not match the schema');
  // Copies, so callers get compact arrays that do not pin the whole file buffer.
  // (Buffer#slice would share memory; the Uint8Array constructor copies.)
  const images = new Uint8Array(buf.subarray(imagesStart, imagesStart + n * PIXELS));
  const labels = new Uint8Array(buf.subarray(imagesStart + n * PIXELS, imagesStart + n * PIXELS + n));
  for (const l of labels) if (l >= header.classes.length) throw new CorruptCache('label out of range');
  return {
    classes: header.classes,
    images,
    labels,
    files: header.files,
    contentHashes: header.contentHashes,
    dataset: parsed.data,
  };
}

export async function writeDatasetCache(file: string, d: CachedDataset): Promise<void> {
  const n = d.labels.length;
  const PIXELS = d.dataset.imageSize * d.dataset.imageSize;
  if (d.images.length !== n * PIXELS) throw new Error(`cache: ${d.images.length} image bytes for ${n} labels`);
  const header: Header = {
    count: n,
    imageSize: d.dataset.imageSize,
    classes: d.classes,
    files: d.files,
    contentHashes: d.contentHashes,
    dataset: d.dataset,
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32LE(json.length);
  const parts = [MAGIC, length, json, d.images, d.labels];
  const hash = createHash('sha256');
  for (const p of parts) hash.update(p);
  parts.push(hash.digest());

  await writeFileAtomicAsync(file, async (tmp) => {
    const fh = await open(tmp, 'w');
    try {
      for (const p of parts) await fh.writeFile(p); // appends; unlike write(), never partial
    } finally {
      await fh.close();
    }
  });
}
