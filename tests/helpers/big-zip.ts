/**
 * Zips for the "any dataset a user points at" tests, written to disk in pieces so that a
 * multi-gigabyte entry costs a few megabytes and a second or two to make:
 *
 * - `zeros` entries hold that many zero bytes, deflated. Deflating a 16 MiB block of zeros
 *   that ends with a full flush gives the same bytes every time and needs nothing before
 *   it, so the entry's data is that one block repeated, then an empty final block. Sizes
 *   of 4 GiB and over get ZIP64 extra fields (as zip tools write them).
 * - every name is flagged UTF-8, so control characters reach the reader as they are.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { constants, crc32, deflateRawSync } from 'node:zlib';

export type ZipItem = { name: string; bytes: Buffer } | { name: string; zeros: number };

const BLOCK = 16 << 20;
let zeroBlock: { raw: Buffer; deflated: Buffer; crcOfBlock: number } | null = null;

function zeros() {
  if (!zeroBlock) {
    const raw = Buffer.alloc(BLOCK);
    zeroBlock = { raw, deflated: deflateRawSync(raw, { finishFlush: constants.Z_FULL_FLUSH }), crcOfBlock: crc32(raw) };
  }
  return zeroBlock;
}

/** Writes the zip and returns its path. */
export function writeBigZip(file: string, items: ZipItem[]): string {
  mkdirSync(path.dirname(file), { recursive: true });
  const fd = openSync(file, 'w');
  let offset = 0;
  const put = (b: Buffer) => {
    writeSync(fd, b);
    offset += b.length;
  };
  const centrals: Buffer[] = [];
  try {
    for (const item of items) {
      const name = Buffer.from(item.name, 'utf8');
      let crc = 0;
      let compressed = 0;
      let size = 0;
      let method = 0;
      let data: Buffer[] | null = null;
      if ('bytes' in item) {
        crc = crc32(item.bytes);
        compressed = size = item.bytes.length;
        data = [item.bytes];
      } else {
        method = 8;
        size = item.zeros;
        const z = zeros();
        const whole = Math.floor(size / BLOCK);
        const rest = size - whole * BLOCK;
        for (let i = 0; i < whole; i++) crc = crc32(z.raw, crc);
        const tail = rest ? deflateRawSync(Buffer.alloc(rest)) : deflateRawSync(Buffer.alloc(0));
        if (rest) crc = crc32(Buffer.alloc(rest), crc);
        compressed = whole * z.deflated.length + tail.length;
        data = [...Array<Buffer>(whole).fill(z.deflated), tail];
      }
      const zip64 = size >= 0xffffffff || compressed >= 0xffffffff;
      const extra = zip64 ? Buffer.alloc(20) : Buffer.alloc(0);
      if (zip64) {
        extra.writeUInt16LE(0x0001, 0);
        extra.writeUInt16LE(16, 2);
        extra.writeBigUInt64LE(BigInt(size), 4);
        extra.writeBigUInt64LE(BigInt(compressed), 12);
      }
      const header = (central: boolean) => {
        const h = Buffer.alloc(central ? 46 : 30);
        let at = 0;
        h.writeUInt32LE(central ? 0x02014b50 : 0x04034b50, at);
        at += 4;
        if (central) {
          h.writeUInt16LE(zip64 ? 45 : 20, at); // made by
          at += 2;
        }
        h.writeUInt16LE(zip64 ? 45 : 20, at); // needed
        h.writeUInt16LE(0x0800, at + 2); // UTF-8 names
        h.writeUInt16LE(method, at + 4);
        h.writeUInt32LE(crc >>> 0, at + 10);
        h.writeUInt32LE(zip64 ? 0xffffffff : compressed, at + 14);
        h.writeUInt32LE(zip64 ? 0xffffffff : size, at + 18);
        h.writeUInt16LE(name.length, at + 22);
        h.writeUInt16LE(extra.length, at + 24);
        return h;
      };
      const local = offset;
      put(Buffer.concat([header(false), name, extra]));
      for (const d of data) put(d);
      const c = header(true);
      c.writeUInt32LE(local, 42);
      centrals.push(Buffer.concat([c, name, extra]));
    }
    const cd = Buffer.concat(centrals);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(items.length, 8);
    end.writeUInt16LE(items.length, 10);
    end.writeUInt32LE(cd.length, 12);
    end.writeUInt32LE(offset, 16);
    put(cd);
    put(end);
  } finally {
    closeSync(fd);
  }
  return file;
}

/**
 * Where the central directory record of `name` starts in `zip` (for tests that make it lie:
 * +20 compressed size, +24 uncompressed size, +42 offset of the local header).
 */
export function centralRecordOf(zip: Buffer, name: string): number {
  const want = Buffer.from(name, 'utf8');
  for (let at = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06])); at >= 0; at--) {
    if (zip.readUInt32LE(at) !== 0x02014b50) continue;
    const n = zip.readUInt16LE(at + 28);
    if (n === want.length && zip.subarray(at + 46, at + 46 + n).equals(want)) return at;
  }
  throw new Error(`no central directory record for ${name}`);
}
