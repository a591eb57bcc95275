/**
 * A small Medical-MNIST-shaped dataset made on the fly, so tests never need the real
 * images: six class folders of 64×64 grayscale JPEGs whose classes differ by a simple
 * visual pattern (a tiny CNN separates them within an epoch or two).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { crc32 } from 'node:zlib';

export const SYNTHETIC_CLASSES = ['AbdomenCT', 'BreastMRI', 'CXR', 'ChestCT', 'Hand', 'HeadCT'];

/** Pixel pattern of class `c`, varied by `i` so images are not byte-identical. */
function pattern(c: number, i: number): Uint8Array {
  const px = new Uint8Array(64 * 64);
  const jitter = (i * 7) % 9;
  for (let y = 0; y < 64; y++) {
    for (let x = 0; x < 64; x++) {
      let v: number;
      switch (c) {
        case 0: v = ((x + jitter) >> 3) % 2 ? 200 : 40; break; // vertical stripes
        case 1: v = ((y + jitter) >> 3) % 2 ? 200 : 40; break; // horizontal stripes
        case 2: v = Math.hypot(x - 32, y - 32) < 14 + (jitter % 5) ? 230 : 30; break; // disc
        case 3: v = (((x + jitter) >> 3) + (y >> 3)) % 2 ? 210 : 30; break; // checkerboard
        case 4: v = Math.min(255, (x + y + jitter) * 2); break; // diagonal ramp
        default: v = x > 20 + jitter && x < 44 && y > 20 && y < 44 ? 30 : 220; // dark square
      }
      px[y * 64 + x] = Math.max(0, Math.min(255, v + ((x * 31 + y * 17 + i * 13) % 21) - 10));
    }
  }
  return px;
}

async function jpeg(c: number, i: number): Promise<Buffer> {
  return sharp(Buffer.from(pattern(c, i)), { raw: { width: 64, height: 64, channels: 1 } }).jpeg({ quality: 90 }).toBuffer();
}

/**
 * Writes the dataset under `dir` and returns the path to pass as `--data`:
 * the folder itself, or a zip of it (classes at the top of the archive).
 */
export async function makeSyntheticDataset(dir: string, opts: { perClass?: number; format?: 'folder' | 'zip' } = {}): Promise<string> {
  const perClass = opts.perClass ?? 40;
  const files: { name: string; bytes: Buffer }[] = [];
  for (let c = 0; c < SYNTHETIC_CLASSES.length; c++) {
    for (let i = 0; i < perClass; i++) {
      files.push({ name: `${SYNTHETIC_CLASSES[c]}/${String(i).padStart(6, '0')}.jpeg`, bytes: await jpeg(c, i) });
    }
  }
  if (opts.format === 'zip') {
    mkdirSync(dir, { recursive: true });
    const zipPath = join(dir, 'synthetic.zip');
    writeFileSync(zipPath, storedZip(files));
    return zipPath;
  }
  const root = join(dir, 'synthetic');
  for (const f of files) {
    mkdirSync(join(root, f.name, '..'), { recursive: true });
    writeFileSync(join(root, f.name), f.bytes);
  }
  return root;
}

/**
 * A minimal uncompressed ("stored") zip writer: enough for test fixtures, and it keeps
 * the tests free of a zip-writing dependency (the project itself only reads zips).
 */
export function storedZip(files: { name: string; bytes: Buffer }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const f of files) {
    const name = Buffer.from(f.name, 'utf8');
    const crc = crc32(f.bytes);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc >>> 0, 14);
    local.writeUInt32LE(f.bytes.length, 18);
    local.writeUInt32LE(f.bytes.length, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, f.bytes);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc >>> 0, 16);
    central.writeUInt32LE(f.bytes.length, 20);
    central.writeUInt32LE(f.bytes.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += 30 + name.length + f.bytes.length;
  }
  const centralSize = centrals.reduce((s, b) => s + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
}
