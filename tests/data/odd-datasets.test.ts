/**
 * Datasets a user may really have: symbolic link loops, links between class folders,
 * converted images and identical files in two classes (named in the manifest, not only
 * counted), and a file edited in place without a change of size or modification time.
 */
import { describe, it, expect } from 'vitest';
import { mkdtempSync, symlinkSync, writeFileSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadDataset, DataError } from '../../pipeline/data/dataset.ts';
import { MAX_CLASSES, planLayout } from '../../pipeline/data/archive.ts';
import { cleanFiles, greyPixels, png, writeFolder } from '../helpers/data-files.ts';

const work = mkdtempSync(path.join(tmpdir(), 'odd-data-'));
let n = 0;
const fresh = (name: string) => path.join(work, `${name}-${n++}`);

async function load(source: string, cacheDir = fresh('cache')) {
  const warnings: string[] = [];
  const ds = await loadDataset(source, { cacheDir, warn: (l) => warnings.push(l) });
  return { ds, warnings };
}

describe('symbolic links in the data folder', () => {
  it('passes over a link loop with a warning naming it, and loads the rest', async () => {
    const root = writeFolder(fresh('loop'), await cleanFiles(['A', 'B'], 3));
    symlinkSync('..', path.join(root, 'A', 'again')); // A/again → the data folder itself
    symlinkSync('.', path.join(root, 'B', 'self')); // B/self → B
    const { ds, warnings } = await load(root);
    expect(ds.labels.length).toBe(6);
    expect(ds.dataset.skipped.map((s) => s.file)).toEqual(['A/again', 'B/self']);
    expect(warnings).toContain('skipped A/again: symbolic link loop (leads back to the data folder)');
    expect(warnings).toContain('skipped B/self: symbolic link loop (leads back to B)');
  });

  it('passes over a link from one class folder into another, naming it (its label would be wrong); same-class links are read', async () => {
    const root = writeFolder(fresh('cross'), await cleanFiles(['A', 'B'], 3));
    symlinkSync(path.join(root, 'B', '000001.png'), path.join(root, 'A', 'from-b.png'));
    symlinkSync('000002.png', path.join(root, 'A', 'same-class.png'));
    symlinkSync(path.join(root, 'B'), path.join(root, 'A', 'b-folder'));
    const { ds, warnings } = await load(root);
    expect(ds.files).toContain('A/same-class.png');
    expect(ds.files.filter((f) => f.startsWith('A/'))).toHaveLength(4);
    expect(ds.files.filter((f) => f.startsWith('B/'))).toHaveLength(3);
    const skipped = Object.fromEntries(ds.dataset.skipped.map((s) => [s.file, s.reason]));
    expect(Object.keys(skipped).sort()).toEqual(['A/b-folder/000000.png', 'A/b-folder/000001.png', 'A/b-folder/000002.png', 'A/from-b.png']);
    expect(skipped['A/from-b.png']).toBe('symbolic link into another class folder (B/000001.png): its label would be wrong');
    expect(warnings).toContain('skipped A/from-b.png: symbolic link into another class folder (B/000001.png): its label would be wrong');
  });

  it('names a broken link', async () => {
    const root = writeFolder(fresh('broken'), await cleanFiles(['A', 'B'], 2));
    symlinkSync('nowhere.png', path.join(root, 'A', 'gone.png'));
    const { ds } = await load(root);
    expect(ds.dataset.skipped).toEqual([{ file: 'A/gone.png', reason: 'broken symbolic link (ENOENT)' }]);
  });
});

describe('the manifest names files, not only counts', () => {
  it('names each converted image and how it was converted', async () => {
    const files = await cleanFiles(['A', 'B'], 2);
    files['A/big.png'] = await png(greyPixels(5, 128), 128);
    const rgb = new Uint8Array(64 * 64 * 3).map((_, i) => (i % 3 === 0 ? 200 : i % 7));
    files['B/colour.png'] = await png(rgb, 64, 3);
    const { ds } = await load(writeFolder(fresh('converted'), files));
    expect(ds.dataset.converted).toEqual({
      resized: 1,
      colour: 1,
      files: [
        { file: 'A/big.png', conversion: 'resized from 128×128' },
        { file: 'B/colour.png', conversion: 'colour to grayscale' },
      ],
    });
  });

  it('names byte-identical images filed under different classes', async () => {
    const files = await cleanFiles(['A', 'B', 'C'], 2);
    files['C/copy-of-a.png'] = files['A/000001.png']!;
    files['B/also-a.png'] = files['A/000001.png']!;
    files['A/same-class-copy.png'] = files['A/000000.png']!; // a duplicate, but within one class
    const { ds } = await load(writeFolder(fresh('dups'), files));
    expect(ds.dataset.duplicates).toEqual({ groups: 2, files: 5, crossClass: [['A/000001.png', 'B/also-a.png', 'C/copy-of-a.png']] });
  });
});

describe('the folder cache key', () => {
  it('notices a file edited in place whose size and modification time did not change', async () => {
    const files = await cleanFiles(['A', 'B'], 2);
    const dark = await png(new Uint8Array(4096).fill(10));
    const light = await png(new Uint8Array(4096).fill(200));
    expect(light.length).toBe(dark.length); // same size, different content
    files['A/edited.png'] = dark;
    const root = writeFolder(fresh('edited'), files);
    const file = path.join(root, 'A', 'edited.png');
    const when = 1_700_000_000; // whole seconds, so that setting it back is exact
    utimesSync(file, when, when);
    const cache = fresh('cache');
    const first = await load(root, cache);
    expect(first.ds.cacheHit).toBe(false);
    expect((await load(root, cache)).ds.cacheHit).toBe(true);

    writeFileSync(file, light);
    utimesSync(file, when, when);
    expect(statSync(file).size).toBe(dark.length);
    expect(statSync(file).mtimeMs).toBe(when * 1000);
    const again = await load(root, cache);
    expect(again.ds.cacheHit).toBe(false);
    const i = again.ds.files.indexOf('A/edited.png');
    expect(again.ds.images[i * 4096]).toBe(200);
  });
});

describe('the class count', () => {
  it('more classes than labels can hold is one line before anything is decoded', () => {
    const files = Array.from({ length: MAX_CLASSES + 1 }, (_, c) => `class-${c}/x.png`);
    expect(() => planLayout('d', { files, dirs: [] })).toThrow(new DataError(`${MAX_CLASSES + 1} class folders in d: at most ${MAX_CLASSES} classes are supported (labels are stored as one byte each)`));
    expect(planLayout('d', { files: files.slice(0, 7), dirs: [] }).classes).toHaveLength(7);
  });
});

describe('data on a virtual file system', () => {
  it('is one line, at once, instead of a walk through /proc', async () => {
    await expect(loadDataset('/proc/self', { cacheDir: fresh('cache') })).rejects.toThrow(/^data \/proc\/self is on the virtual "proc" file system, not a dataset/);
  });
});
