/**
 * Issue 23: any dataset a user points at costs bounded memory, and every file that is
 * not read is named. Archives and folders are made here (never committed): a zip with a
 * 5 GiB entry (5 MB of deflated zeros), a folder with a 5 GiB sparse file, pipes and a
 * socket, names with control characters, and zips that declare what they do not have.
 * Each case ends with the readable images loaded and every other file named, or with
 * one line and nothing written.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadDataset, DataError } from '../../pipeline/data/dataset.ts';
import { DEFAULT_MAX_FILE_BYTES } from '../../pipeline/data/archive.ts';
import { shownName } from '../../pipeline/data/names.ts';
import { Dataset } from '../../schema/results.ts';
import { centralRecordOf, writeBigZip, type ZipItem } from '../helpers/big-zip.ts';
import { cleanFiles, greyPixels, png, writeFolder, type Files } from '../helpers/data-files.ts';

const work = mkdtempSync(path.join(tmpdir(), 'any-data-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let n = 0;
const fresh = (name: string) => path.join(work, `${name}-${n++}`);

const ROOT = path.resolve(import.meta.dirname, '../..');
const GiB5 = 5 * 1024 ** 3;
/** The child's peak memory bound; reading the 5 GiB entry took 10.7 GB before this issue. */
const MAX_RSS_KIB = 400 * 1024;

const items = (files: Files): ZipItem[] => Object.entries(files).map(([name, bytes]) => ({ name, bytes }));

async function load(source: string, opts: { maxFileBytes?: number; cacheDir?: string } = {}) {
  const warnings: string[] = [];
  const logs: string[] = [];
  const cacheDir = opts.cacheDir ?? fresh('cache');
  const ds = await loadDataset(source, { cacheDir, maxFileBytes: opts.maxFileBytes, warn: (l) => warnings.push(l), log: (l) => logs.push(l) });
  return { ds, warnings, logs, cacheDir };
}

interface ChildResult {
  ok: boolean;
  error?: string;
  total?: number;
  files?: string[];
  skipped?: { file: string; reason: string }[];
  warnings: string[];
  seconds: number;
  maxRSSKiB: number;
}

/** loadDataset in a process of its own, which reports its own peak memory. */
function loadInChild(source: string, cacheDir: string, options: object = {}): ChildResult {
  const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');
  const run = spawnSync(tsx, [path.join(ROOT, 'tests/helpers/load-child.ts'), source, cacheDir, JSON.stringify(options)], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout.trim().split('\n').at(-1)!) as ChildResult;
}

/** Every string in a manifest record, to check that none holds a control character. */
function strings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(strings);
  if (v && typeof v === 'object') return Object.values(v).flatMap(strings);
  return [];
}

const TOO_LARGE_5G = /^file too large: 5,368,709,120 bytes \(5\.0 GiB\), above the limit of 67,108,864 bytes \(64\.0 MiB\) per file \(--max-file-bytes\); not read$/;

describe('files larger than any image of this pipeline', () => {
  it('the default limit is 64 MiB', () => {
    expect(DEFAULT_MAX_FILE_BYTES).toBe(64 * 1024 * 1024);
  });

  it('a zip with a 5 GiB entry: the entry is named with its size and never read, the rest is loaded, in bounded memory', async () => {
    const files = await cleanFiles(['CXR', 'Hand'], 3);
    const zip = writeBigZip(fresh('huge') + '.zip', [...items(files), { name: 'Hand/huge.jpeg', zeros: GiB5 }]);
    const cacheDir = fresh('cache');
    const r = loadInChild(zip, cacheDir);
    expect(r.ok, r.error).toBe(true);
    expect(r.total).toBe(6);
    expect(r.files).toEqual(Object.keys(files).sort());
    expect(r.skipped).toHaveLength(1);
    expect(r.skipped![0]!.file).toBe('Hand/huge.jpeg');
    expect(r.skipped![0]!.reason).toMatch(TOO_LARGE_5G);
    expect(r.warnings).toEqual([`skipped Hand/huge.jpeg: ${r.skipped![0]!.reason}`]);
    expect(r.maxRSSKiB).toBeLessThan(MAX_RSS_KIB);
  });

  it('a folder with a 5 GiB sparse file: named with its size from stat, never read', async () => {
    const root = writeFolder(fresh('sparse'), await cleanFiles(['CXR', 'Hand'], 3));
    const fd = openSync(path.join(root, 'Hand', 'slide.tiff'), 'w');
    closeSync(fd);
    execFileSync('truncate', ['-s', String(GiB5), path.join(root, 'Hand', 'slide.tiff')]);
    const r = loadInChild(root, fresh('cache'));
    expect(r.ok, r.error).toBe(true);
    expect(r.total).toBe(6);
    expect(r.skipped!.map((s) => s.file)).toEqual(['Hand/slide.tiff']);
    expect(r.skipped![0]!.reason).toMatch(TOO_LARGE_5G);
    expect(r.maxRSSKiB).toBeLessThan(MAX_RSS_KIB);
  });

  it('the limit is an option: a file above it is skipped, one at it is read', async () => {
    const files = await cleanFiles(['A', 'B'], 2);
    const big = await png(greyPixels(9, 512), 512); // a real image, larger than the limit below
    const limit = big.length - 1;
    const exact = await png(greyPixels(3, 64), 64);
    for (const source of [
      writeFolder(fresh('limit'), { ...files, 'A/big.png': big, 'B/exact.png': exact }),
      writeBigZip(fresh('limit') + '.zip', items({ ...files, 'A/big.png': big, 'B/exact.png': exact })),
    ]) {
      const { ds, warnings } = await load(source, { maxFileBytes: Math.max(limit, exact.length) });
      expect(ds.files).toEqual(['A/000000.png', 'A/000001.png', 'B/000000.png', 'B/000001.png', 'B/exact.png']);
      expect(ds.dataset.skipped).toEqual([
        { file: 'A/big.png', reason: expect.stringMatching(new RegExp(`^file too large: ${big.length.toLocaleString('en-US')} bytes .*above the limit of ${limit.toLocaleString('en-US')} bytes`)) },
      ]);
      expect(warnings).toHaveLength(1);
      // With the default limit the same image is read (and resized).
      const again = await load(source);
      expect(again.ds.files).toContain('A/big.png');
    }
  });

  it('a limit that is not a positive whole number is one line', async () => {
    const root = writeFolder(fresh('bad-limit'), await cleanFiles(['A', 'B'], 1));
    await expect(load(root, { maxFileBytes: 0 })).rejects.toThrow(/^the largest file to read must be a positive whole number of bytes, got 0$/);
  });
});

describe('files that are not regular files', () => {
  it('skips pipes and sockets without opening them, counts and names them, and the cache notices them', async () => {
    const root = writeFolder(fresh('special'), await cleanFiles(['CXR', 'Hand'], 3));
    const cacheDir = fresh('cache');
    const first = await load(root, { cacheDir });
    expect(first.ds.dataset.skipped).toEqual([]);

    execFileSync('mkfifo', [path.join(root, 'Hand', 'pipe.jpeg')]);
    execFileSync('mkfifo', [path.join(root, 'CXR', 'scan')]); // extension-less: would be sniffed, so opened
    execFileSync('mkfifo', [path.join(root, 'Hand', '.hidden-pipe')]);
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(path.join(root, 'CXR', 'socket.png'), resolve));
    try {
      const { ds, warnings } = await load(root, { cacheDir });
      expect(ds.files).toHaveLength(6);
      expect(ds.dataset.skipped).toEqual([
        { file: 'CXR/scan', reason: 'not a regular file (named pipe); not read' },
        { file: 'CXR/socket.png', reason: 'not a regular file (socket); not read' },
        { file: 'Hand/pipe.jpeg', reason: 'not a regular file (named pipe); not read' },
      ]);
      expect(ds.dataset.ignored.hidden).toBe(1);
      expect(warnings).toContain('skipped Hand/pipe.jpeg: not a regular file (named pipe); not read');
      expect(warnings).toHaveLength(3);
      expect(Dataset.parse(ds.dataset).skipped).toHaveLength(3);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('a data path that is a pipe is one line', async () => {
    const fifo = fresh('fifo.zip');
    execFileSync('mkfifo', [fifo]);
    await expect(load(fifo)).rejects.toThrow(/^data .*fifo\.zip-\d+ is not a regular file \(named pipe\): expected a folder or a \.zip/);
  });
});

describe('names with control characters', () => {
  const odd = {
    'CXR/new\nline.png': 1,
    'CXR/tab\there.png': 2,
    'Hand/esc\x1b[31mred.png': 3,
    'Hand/back\\slash.png': 4,
    'Hand/bidi\u202etxt.png': 5,
  };
  const shown = ['CXR/new\\nline.png', 'CXR/tab\\there.png', 'Hand/back\\\\slash.png', 'Hand/bidi\\u202etxt.png', 'Hand/esc\\x1b[31mred.png'];

  it('escapes control characters, backslashes and bidirectional controls, and leaves other names alone', () => {
    expect(shownName('CXR/new\nline.jpeg')).toBe('CXR/new\\nline.jpeg');
    expect(shownName('a\r\u0000\u007f\u0085\u2028b')).toBe('a\\r\\x00\\x7f\\x85\\u2028b');
    expect(shownName('Hand/Ünïcødé 画像 (1).jpeg')).toBe('Hand/Ünïcødé 画像 (1).jpeg');
  });

  for (const kind of ['folder', 'zip'] as const) {
    it(`loads them, and every warning, manifest entry and name is one line (${kind})`, async () => {
      const files = await cleanFiles(['CXR', 'Hand'], 2);
      for (const [name, seed] of Object.entries(odd)) files[name] = await png(greyPixels(50 + seed));
      files['Hand/broken\nfile.png'] = Buffer.from('not a png at all');
      files['CXR/copy\r.png'] = files['Hand/000000.png']!; // a cross-class duplicate, named in the manifest
      const source = kind === 'folder' ? writeFolder(fresh('names'), files) : writeBigZip(fresh('names') + '.zip', items(files));
      const { ds, warnings, logs } = await load(source);
      // yauzl reads a backslash in a zip's names as a folder separator, as zip tools on Windows mean it.
      const expected = kind === 'zip' ? shown.map((f) => f.replace('back\\\\slash', 'back/slash')) : shown;
      expect(ds.files).toEqual(expect.arrayContaining([...expected, 'CXR/copy\\r.png']));
      expect(ds.files).toHaveLength(4 + shown.length + 1);
      expect(ds.dataset.skipped).toEqual([{ file: 'Hand/broken\\nfile.png', reason: expect.stringMatching(/^cannot decode/) }]);
      expect(ds.dataset.duplicates.crossClass).toEqual([['CXR/copy\\r.png', 'Hand/000000.png']]);
      expect(warnings).toHaveLength(1);
      for (const line of [...warnings, ...logs, ...ds.files, ...strings(ds.dataset)]) expect(line).not.toMatch(/[\p{Cc}\u2028\u2029\u202e]/u);
    });
  }

  it('a class folder name with a line break is shown escaped', async () => {
    const files = await cleanFiles(['Hand', 'X\nRay'], 2);
    const { ds } = await load(writeFolder(fresh('class-names'), files));
    expect(ds.classes).toEqual(['Hand', 'X\\nRay']);
    expect(ds.files).toContain('X\\nRay/000000.png');
  });

  it('an error naming a path with a line break is one line', async () => {
    const missing = fresh('no\nsuch');
    const err = await load(missing).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect((err as Error).message).toBe(`data not found: ${shownName(missing)} (expected a folder or a .zip with one folder per class)`);
    expect((err as Error).message).not.toContain('\n');
  });
});

describe('a zip that declares what it does not have', () => {
  async function goodZip() {
    const files = await cleanFiles(['CXR', 'Hand'], 3);
    return readFileSync(writeBigZip(fresh('good') + '.zip', items(files)));
  }

  /** One line naming the archive and what is wrong; nothing in the cache folder. */
  async function expectOneLine(bytes: Buffer, what: RegExp) {
    const zip = fresh('lying') + '.zip';
    writeFileSync(zip, bytes);
    const cacheDir = fresh('cache');
    mkdirSync(cacheDir);
    const err = await load(zip, { cacheDir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    const message = (err as Error).message;
    expect(message).not.toContain('\n');
    expect(message.startsWith(zip) || message.startsWith(`cannot read ${zip}`), message).toBe(true);
    expect(message).toMatch(what);
    expect(readdirSync(cacheDir)).toEqual([]);
  }

  it('truncated', async () => {
    const good = await goodZip();
    await expectOneLine(good.subarray(0, Math.floor(good.length * 0.6)), /as a zip \(end of central directory record signature not found/i);
  });

  it('a central directory entry whose local header lies past the end of the archive', async () => {
    const zip = await goodZip();
    zip.writeUInt32LE(zip.length + 100, centralRecordOf(zip, 'Hand/000001.png') + 42);
    await expectOneLine(zip, /is a damaged zip: entry Hand\/000001\.png declares [\d,]+ bytes .*of data at offset \d+, past the end of the [\d,]+ bytes .*archive/);
  });

  it('a deflated entry whose compressed data would run past the end of the archive', async () => {
    const files = await cleanFiles(['CXR', 'Hand'], 2);
    const zip = readFileSync(writeBigZip(fresh('past') + '.zip', [...items(files), { name: 'Hand/zeros.png', zeros: 1 << 20 }]));
    zip.writeUInt32LE(zip.length, centralRecordOf(zip, 'Hand/zeros.png') + 20);
    await expectOneLine(zip, /is a damaged zip: entry Hand\/zeros\.png declares [\d,]+ bytes .*of data at offset \d+, past the end/);
  });

  it('a local header offset that points at the wrong place', async () => {
    const zip = await goodZip();
    const at = centralRecordOf(zip, 'Hand/000001.png');
    zip.writeUInt32LE(zip.readUInt32LE(at + 42) + 7, at + 42);
    await expectOneLine(zip, /is a damaged zip: entry Hand\/000001\.png: invalid local file header signature/);
  });

  it('a stored entry whose sizes disagree', async () => {
    const zip = await goodZip();
    const at = centralRecordOf(zip, 'CXR/000002.png');
    zip.writeUInt32LE(zip.readUInt32LE(at + 24) + 1, at + 24);
    await expectOneLine(zip, /is a damaged zip: .*size mismatch for stored file/);
  });

  it('a deflated entry declaring more than deflate can hold', async () => {
    const files = await cleanFiles(['CXR', 'Hand'], 2);
    const zip = readFileSync(writeBigZip(fresh('ratio') + '.zip', [...items(files), { name: 'Hand/zeros.png', zeros: 1 << 20 }]));
    zip.writeUInt32LE(0xfffffff0, centralRecordOf(zip, 'Hand/zeros.png') + 24);
    await expectOneLine(zip, /is a damaged zip: entry Hand\/zeros\.png declares 4,294,967,280 bytes .* inflated from [\d,]+ bytes .*, more than deflate can hold/);
  });

  it('a 5 GiB entry that declares 1,000 bytes: stops at the first byte too many, in bounded memory', async () => {
    const files = await cleanFiles(['CXR', 'Hand'], 2);
    const file = writeBigZip(fresh('liar') + '.zip', [...items(files), { name: 'Hand/small.png', zeros: GiB5 }]);
    const zip = readFileSync(file);
    const at = centralRecordOf(zip, 'Hand/small.png');
    const extra = at + 46 + zip.readUInt16LE(at + 28); // the ZIP64 field: tag, length, uncompressed size, compressed size
    expect(zip.readUInt16LE(extra)).toBe(1);
    zip.writeBigUInt64LE(1000n, extra + 4);
    writeFileSync(file, zip);
    const cacheDir = fresh('cache');
    const r = loadInChild(file, cacheDir);
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is a damaged zip: entry Hand/small\\.png: too many bytes in the stream`));
    expect(r.maxRSSKiB).toBeLessThan(MAX_RSS_KIB);
    expect(existsSync(cacheDir) ? readdirSync(cacheDir) : []).toEqual([]);
  });
});
