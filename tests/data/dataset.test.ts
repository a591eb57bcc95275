import { describe, it, expect, beforeAll } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadDataset, DataError, type LoadedDataset } from '../../pipeline/data/dataset.ts';
import { fingerprintArchive } from '../../pipeline/data/fingerprint.ts';
import { Dataset } from '../../schema/results.ts';
import { cleanFiles, githubExtras, greyPixels, GITHUB_PREFIX, jpeg, png, writeFolder, writeZip, type Files } from '../helpers/data-files.ts';

const CLASSES = ['Hand', 'ChestCT', 'CXR', 'AbdomenCT']; // deliberately unsorted; CXR < ChestCT by code point
const SORTED = ['AbdomenCT', 'CXR', 'ChestCT', 'Hand'];
const PER_CLASS = 3;
const PIXELS = 64 * 64;

const work = mkdtempSync(path.join(tmpdir(), 'data-test-'));
let n = 0;
const fresh = (name: string) => path.join(work, `${name}-${n++}`);

function sha(b: Uint8Array | string) {
  return createHash('sha256').update(b).digest('hex');
}

/** The README's definition, written out independently of the pipeline's code. */
function expectedFingerprint(files: Files): string {
  const lines = Object.entries(files).map(([name, bytes]) => `${name} ${sha(bytes)}\n`);
  lines.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return sha(lines.join(''));
}

async function load(source: string, cacheDir = fresh('cache')) {
  const logs: string[] = [];
  const warnings: string[] = [];
  const progress: [number, number][] = [];
  const ds = await loadDataset(source, {
    cacheDir,
    log: (l) => logs.push(l),
    warn: (l) => warnings.push(l),
    onProgress: (d, t) => progress.push([d, t]),
  });
  return { ds, logs, warnings, progress, cacheDir };
}

function image(ds: LoadedDataset, file: string): Uint8Array {
  const i = ds.files.indexOf(file);
  expect(i, `${file} is loaded`).toBeGreaterThanOrEqual(0);
  return ds.images.subarray(i * PIXELS, (i + 1) * PIXELS);
}

describe('loadDataset on a clean dataset', () => {
  let files: Files;
  beforeAll(async () => {
    files = await cleanFiles(CLASSES, PER_CLASS);
  });

  it('reads a folder: sorted classes, exact pixels, labels, hashes and counts', async () => {
    const { ds, warnings, progress } = await load(writeFolder(fresh('clean'), files));
    expect(ds.classes).toEqual(SORTED);
    expect(ds.dataset.counts).toEqual([PER_CLASS, PER_CLASS, PER_CLASS, PER_CLASS]);
    expect(ds.images.length).toBe(4 * PER_CLASS * PIXELS);
    expect(ds.files).toEqual(Object.keys(files).sort());
    for (const [c, name] of CLASSES.entries()) {
      const file = `${name}/000001.png`;
      expect(Buffer.from(image(ds, file)).equals(Buffer.from(greyPixels(c * 100 + 1)))).toBe(true);
      expect(ds.classes[ds.labels[ds.files.indexOf(file)]!]).toBe(name);
      expect(ds.contentHashes[ds.files.indexOf(file)]).toBe(sha(files[file]!));
    }
    expect(ds.dataset.fingerprint).toBe(expectedFingerprint(files));
    expect(Dataset.parse(ds.dataset)).toBeTruthy();
    expect(ds.dataset.skipped).toEqual([]);
    expect(ds.dataset.converted).toEqual({ resized: 0, colour: 0, files: [] });
    expect(warnings).toEqual([]);
    expect(progress.at(-1)).toEqual([12, 12]);
  });

  it('gives the same images and fingerprint from a folder, a Kaggle zip and a GitHub archive zip', async () => {
    const folder = await load(writeFolder(fresh('folder'), files));
    const kaggle = await load(writeZip(fresh('kaggle') + '.zip', files));
    const github = await load(writeZip(fresh('github') + '.zip', files, { prefix: GITHUB_PREFIX, extra: await githubExtras() }));
    for (const other of [kaggle, github]) {
      expect(other.ds.dataset.fingerprint).toBe(folder.ds.dataset.fingerprint);
      expect(other.ds.files).toEqual(folder.ds.files);
      expect(Buffer.from(other.ds.images).equals(Buffer.from(folder.ds.images))).toBe(true);
      expect(Buffer.from(other.ds.labels).equals(Buffer.from(folder.ds.labels))).toBe(true);
    }
    // The repository's own files (README, notebook, images/*.png) are not classes.
    expect(github.ds.classes).toEqual(SORTED);
    expect(github.ds.dataset.ignored.nonImage).toBe(2);
    expect(github.logs.join('\n')).toMatch(/class folders under Medical-MNIST-Classification-a8942eef[0-9a-f]+\/resized\//);
    expect(github.logs.join('\n')).toMatch(/passed over 2 image file\(s\) outside the class folders/);
  });

  it('fingerprintArchive agrees with loadDataset without decoding', async () => {
    const zip = writeZip(fresh('fp') + '.zip', files, { prefix: 'medical-mnist/' });
    expect(await fingerprintArchive(zip)).toBe(expectedFingerprint(files));
  });
});

describe('loadDataset with bad files', () => {
  let files: Files;
  let bad: Files;
  let colourPixels: Uint8Array;
  let bigPixels: Uint8Array;
  beforeAll(async () => {
    files = await cleanFiles(CLASSES, PER_CLASS);
    const good = await jpeg(greyPixels(42));
    colourPixels = new Uint8Array(64 * 64 * 3);
    for (let p = 0; p < 64 * 64; p++) colourPixels.set([200, (p * 3) & 0xff, 50], p * 3);
    bigPixels = new Uint8Array(128 * 128).map((_, i) => ((i >> 7) & 1 ? 220 : 20)); // horizontal stripes, 1 px each
    bad = {
      '.DS_Store': Buffer.from('junk'),
      'Hand/.DS_Store': Buffer.from('junk'),
      'Hand/._000000.png': Buffer.from('AppleDouble'),
      'notes.txt': Buffer.from('not an image'),
      'Hand/readme.txt': Buffer.from('not an image either'),
      'Hand/LICENSE': Buffer.from('MIT, and no extension'),
      'Hand/scan-without-extension': good,
      'Hand/empty.jpeg': Buffer.alloc(0),
      'CXR/truncated.jpeg': good.subarray(0, Math.floor(good.length / 2)),
      'CXR/garbage.jpeg': Buffer.from('definitely not a JPEG, despite its name'.repeat(8)),
      'ChestCT/big.png': await png(bigPixels, 128),
      'ChestCT/colour.png': await png(colourPixels, 64, 3),
    };
  });

  const layouts = {
    folder: (all: Files) => writeFolder(fresh('bad'), all),
    'Kaggle zip': (all: Files) =>
      writeZip(fresh('bad') + '.zip', all, { extra: { '__MACOSX/Hand/._000000.png': Buffer.from('AppleDouble'), '__MACOSX/._Hand': Buffer.from('x') } }),
    'GitHub zip': (all: Files) => writeZip(fresh('bad') + '.zip', all, { prefix: GITHUB_PREFIX }),
  };

  for (const [layout, make] of Object.entries(layouts)) {
    it(`skips, counts, converts and names them (${layout})`, async () => {
      const { ds, warnings } = await load(make({ ...files, ...bad }));
      const d = ds.dataset;
      expect(d.classes).toEqual(SORTED);
      const hiddenExtra = layout === 'Kaggle zip' ? 2 : 0;
      expect(d.ignored).toEqual({ hidden: 3 + hiddenExtra, nonImage: 3 });
      expect(d.skipped.map((s) => s.file)).toEqual(['CXR/garbage.jpeg', 'CXR/truncated.jpeg', 'Hand/empty.jpeg']);
      expect(d.skipped.find((s) => s.file === 'CXR/truncated.jpeg')!.reason).toMatch(/truncated/);
      expect(d.skipped.find((s) => s.file === 'Hand/empty.jpeg')!.reason).toMatch(/empty/);
      expect(d.skipped.find((s) => s.file === 'CXR/garbage.jpeg')!.reason).toMatch(/cannot decode/);
      for (const s of d.skipped) expect(warnings.some((w) => w.includes(s.file))).toBe(true);
      expect(d.converted).toEqual({ resized: 1, colour: 1, files: [{ file: 'ChestCT/big.png', conversion: 'resized from 128×128' }, { file: 'ChestCT/colour.png', conversion: 'colour to grayscale' }] });
      expect(d.counts).toEqual([PER_CLASS, PER_CLASS, PER_CLASS + 2, PER_CLASS + 1]);
      expect(d.total).toBe(ds.labels.length);

      // The colour image becomes ITU-R 601 luma; the 128×128 stripes average to mid-grey.
      const colour = image(ds, 'ChestCT/colour.png');
      for (const p of [0, 1, 777, 4095]) {
        const [r, g, b] = [colourPixels[p * 3]!, colourPixels[p * 3 + 1]!, colourPixels[p * 3 + 2]!];
        expect(Math.abs(colour[p]! - (0.299 * r + 0.587 * g + 0.114 * b))).toBeLessThanOrEqual(1);
      }
      const big = image(ds, 'ChestCT/big.png');
      expect(Math.abs(big.reduce((a, b) => a + b, 0) / PIXELS - 120)).toBeLessThan(3);
      // An extension-less file is kept if its bytes are an image, passed over otherwise.
      expect(ds.files).toContain('Hand/scan-without-extension');
      expect(ds.files).not.toContain('Hand/LICENSE');
    });
  }

  it('fingerprints every image file, including those that fail to decode', async () => {
    const all = { ...files, ...bad };
    const images = Object.fromEntries(
      Object.entries(all).filter(([k]) => /^[A-Za-z]+\/[^.][^/]*\.(png|jpeg)$|scan-without-extension$/.test(k)),
    );
    const { ds } = await load(writeFolder(fresh('fp-bad'), all));
    expect(ds.dataset.fingerprint).toBe(expectedFingerprint(images));
  });
});

describe('loadDataset errors', () => {
  async function expectError(source: string, pattern: RegExp) {
    const cacheDir = fresh('cache');
    const before = existsSync(source) ? snapshot(source) : null;
    const err = await loadDataset(source, { cacheDir }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DataError);
    const message = (err as Error).message;
    expect(message).toMatch(pattern);
    expect(message).not.toContain('\n');
    // Nothing written: not even the cache directory, and the source is untouched.
    expect(existsSync(cacheDir)).toBe(false);
    if (before) expect(snapshot(source)).toEqual(before);
  }
  function snapshot(p: string): string[] {
    if (!statSync(p).isDirectory()) return [sha(readFileSync(p))];
    return readdirSync(p, { recursive: true, encoding: 'utf8' }).sort();
  }

  it('a missing path', async () => {
    await expectError(path.join(work, 'nowhere.zip'), /data not found: .*nowhere\.zip \(expected a folder or a \.zip with one folder per class\)/);
  });

  it('a folder or zip without class folders', async () => {
    const loose = { '000000.png': await png(greyPixels(1)), 'notes.txt': Buffer.from('x') };
    await expectError(writeFolder(fresh('flat'), loose), /no class folders in .*: expected one folder per class containing images, e\.g\. AbdomenCT\/000000\.jpeg/);
    await expectError(writeZip(fresh('flat') + '.zip', loose), /no class folders in .*\.zip: expected one folder per class/);
    await expectError(writeFolder(fresh('empty'), {}, ['nothing-here']), /no class folders/);
  });

  it('a file that is not a zip', async () => {
    const f = fresh('not-a-zip') + '.zip';
    writeFileSync(f, 'plain text');
    await expectError(f, /cannot read .*not-a-zip.*\.zip as a zip/);
  });

  it('only one class', async () => {
    await expectError(writeFolder(fresh('one'), await cleanFiles(['Hand'], 2)), /only one class folder \(Hand\/\)/);
  });

  it('an empty class, named (folder with only a hidden file, and an empty zip directory)', async () => {
    const files = await cleanFiles(['AbdomenCT', 'Hand'], 2);
    await expectError(writeFolder(fresh('empty-class'), { ...files, 'CXR/.DS_Store': Buffer.from('x') }), /class folder CXR\/ in .* has no images/);
    await expectError(writeZip(fresh('empty-class') + '.zip', files, { emptyDirs: ['HeadCT'] }), /class folder HeadCT\/ in .* has no images/);
    await expectError(
      writeZip(fresh('empty-class') + '.zip', files, { prefix: GITHUB_PREFIX, emptyDirs: ['HeadCT', 'BreastMRI'] }),
      /class folders .*resized\/BreastMRI\/, .*resized\/HeadCT\/ in .* have no images/,
    );
  });

  it('a class whose images all fail to decode, named', async () => {
    const files = await cleanFiles(['AbdomenCT', 'Hand'], 2);
    await expectError(writeFolder(fresh('undecodable'), { ...files, 'CXR/a.jpeg': Buffer.from('nope'), 'CXR/b.jpeg': Buffer.alloc(0) }), /class CXR in .* has no decodable images/);
  });
});

describe('the dataset cache', () => {
  let files: Files;
  beforeAll(async () => {
    files = await cleanFiles(CLASSES, PER_CLASS);
  });

  for (const kind of ['folder', 'zip'] as const) {
    it(`serves the second load of a ${kind} with identical arrays`, async () => {
      const source = kind === 'zip' ? writeZip(fresh('cached') + '.zip', files) : writeFolder(fresh('cached'), files);
      const first = await load(source);
      expect(first.ds.cacheHit).toBe(false);
      const cacheFiles = readdirSync(first.cacheDir);
      expect(cacheFiles).toHaveLength(1);
      expect(cacheFiles[0]).toMatch(/^dataset-[0-9a-f]{32}\.bin$/);

      const second = await load(source, first.cacheDir);
      expect(second.ds.cacheHit).toBe(true);
      expect(Buffer.from(second.ds.images).equals(Buffer.from(first.ds.images))).toBe(true);
      expect(Buffer.from(second.ds.labels).equals(Buffer.from(first.ds.labels))).toBe(true);
      expect(second.ds.images.byteLength).toBe(second.ds.images.buffer.byteLength);
      expect(second.ds.files).toEqual(first.ds.files);
      expect(second.ds.contentHashes).toEqual(first.ds.contentHashes);
      expect(second.ds.dataset).toEqual(first.ds.dataset);
      expect(readdirSync(first.cacheDir)).toEqual(cacheFiles); // no temporary files left behind
    });
  }

  it('repeats the skipped-file warnings on a cache hit and keeps the source as given', async () => {
    const source = writeFolder(fresh('cached-bad'), { ...files, 'Hand/broken.jpeg': Buffer.from('broken') });
    const first = await load(source);
    const relative = path.relative(process.cwd(), source);
    const second = await load(relative, first.cacheDir);
    expect(second.ds.cacheHit).toBe(true);
    expect(second.ds.dataset.source).toBe(relative);
    expect(second.warnings).toEqual(first.warnings);
    expect(second.warnings.join()).toMatch(/Hand\/broken\.jpeg/);
  });

  it('misses when the data changes', async () => {
    const source = writeFolder(fresh('changing'), files);
    const first = await load(source);
    writeFileSync(path.join(source, 'Hand/000000.png'), await png(greyPixels(999)));
    const second = await load(source, first.cacheDir);
    expect(second.ds.cacheHit).toBe(false);
    expect(second.ds.dataset.fingerprint).not.toBe(first.ds.dataset.fingerprint);
  });

  it('ignores a corrupt or truncated cache file, says so, and rebuilds it', async () => {
    const source = writeZip(fresh('corrupt') + '.zip', files);
    const first = await load(source);
    const cacheFile = path.join(first.cacheDir, readdirSync(first.cacheDir)[0]!);
    const good = readFileSync(cacheFile);

    const flipped = Buffer.from(good);
    flipped[flipped.length - 100]! ^= 0xff; // a pixel or label byte
    for (const broken of [flipped, good.subarray(0, good.length - 1000), Buffer.from('garbage')]) {
      writeFileSync(cacheFile, broken);
      const again = await load(source, first.cacheDir);
      expect(again.ds.cacheHit).toBe(false);
      expect(again.logs.join('\n')).toMatch(/dataset cache .* is unusable/);
      expect(Buffer.from(again.ds.images).equals(Buffer.from(first.ds.images))).toBe(true);
      expect(readFileSync(cacheFile).equals(good)).toBe(true);
    }
  });
});

const SHARED_ZIP = path.resolve(import.meta.dirname, '../..', '../shared/data/medical-mnist.zip');
describe.skipIf(!existsSync(SHARED_ZIP))('the shared Medical MNIST zip', () => {
  it('has the fingerprint ../shared/data/README.md states', async () => {
    const readme = readFileSync(path.join(path.dirname(SHARED_ZIP), 'README.md'), 'utf8');
    const stated = /fingerprint[\s\S]*?`([0-9a-f]{64})`/.exec(readme)?.[1];
    expect(stated).toMatch(/^[0-9a-f]{64}$/);
    expect(await fingerprintArchive(SHARED_ZIP)).toBe(stated);
  });
});
