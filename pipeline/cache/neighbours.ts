/**
 * The near-duplicate audit's neighbour table on disk: one file per dataset fingerprint,
 * image size and table version beside the decoded dataset, with a SHA-256 of its bytes so
 * a truncated or foreign file is recomputed rather than trusted. The audit
 * (../data/audit.ts) decides what the table means; this module only keeps it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { NEIGHBOURS_KEPT, NEIGHBOURS_VERSION, POOLED_SIZE, type NeighbourTable } from '../data/neighbours.ts';

const MAGIC = Buffer.from('MMNISTN1', 'latin1');
const DIGEST_BYTES = 32;

export function neighbourCacheFile(cacheDir: string, fingerprint: string, imageSize = 64): string {
  // 64-pixel images keep the name they had before image sizes were a choice.
  const size = imageSize === 64 ? '' : `-s${imageSize}`;
  return path.join(cacheDir, `neighbours-${fingerprint.slice(0, 16)}${size}-v${NEIGHBOURS_VERSION}-p${POOLED_SIZE}-k${NEIGHBOURS_KEPT}.bin`);
}

interface CacheHeader {
  n: number;
  k: number;
  fingerprint: string;
  seconds: number;
}

export async function readNeighbourCache(file: string, fingerprint: string, n: number): Promise<{ table: NeighbourTable; seconds: number } | null> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch {
    return null;
  }
  if (buf.length < MAGIC.length + 4 + DIGEST_BYTES || !buf.subarray(0, MAGIC.length).equals(MAGIC)) return null;
  const body = buf.subarray(0, buf.length - DIGEST_BYTES);
  if (!createHash('sha256').update(body).digest().equals(buf.subarray(buf.length - DIGEST_BYTES))) return null;
  const headerLength = buf.readUInt32LE(MAGIC.length);
  const start = MAGIC.length + 4;
  let header: CacheHeader;
  try {
    header = JSON.parse(buf.toString('utf8', start, start + headerLength)) as CacheHeader;
  } catch {
    return null;
  }
  const cells = header.n * header.k;
  const at = start + headerLength;
  if (header.fingerprint !== fingerprint || header.n !== n || header.k !== NEIGHBOURS_KEPT || body.length !== at + cells * 8) return null;
  // Copies into aligned buffers (the file's offsets need not be multiples of 4).
  const index = new Int32Array(new Uint8Array(buf.subarray(at, at + cells * 4)).buffer);
  const distance = new Float32Array(new Uint8Array(buf.subarray(at + cells * 4, at + cells * 8)).buffer);
  return { table: { n, k: header.k, index, distance }, seconds: header.seconds };
}

export async function writeNeighbourCache(file: string, fingerprint: string, table: NeighbourTable, seconds: number): Promise<void> {
  const header: CacheHeader = { n: table.n, k: table.k, fingerprint, seconds };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32LE(json.length);
  const parts = [MAGIC, length, json, Buffer.from(table.index.buffer, table.index.byteOffset, table.index.byteLength), Buffer.from(table.distance.buffer, table.distance.byteOffset, table.distance.byteLength)];
  const hash = createHash('sha256');
  for (const p of parts) hash.update(p);
  parts.push(hash.digest());
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    const fh = await open(tmp, 'w');
    try {
      for (const p of parts) await fh.writeFile(p);
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

