import { describe, it, expect } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { classifyPath, looksLikeImage, openArchive, planLayout, type ImageFile } from '../../pipeline/data/archive.ts';
import { cleanFiles, githubExtras, GITHUB_PREFIX, writeZip } from '../helpers/data-files.ts';

const work = mkdtempSync(path.join(tmpdir(), 'archive-test-'));

describe('classifyPath', () => {
  it('tells hidden, image, extension-less and other files apart by name', () => {
    expect(classifyPath('.DS_Store')).toBe('hidden');
    expect(classifyPath('Hand/._000001.jpeg')).toBe('hidden');
    expect(classifyPath('__MACOSX/Hand/x.jpeg')).toBe('hidden');
    expect(classifyPath('top/.git/objects/ab')).toBe('hidden');
    expect(classifyPath('Hand/Thumbs.db')).toBe('hidden');
    expect(classifyPath('Hand/000001.jpeg')).toBe('image');
    expect(classifyPath('Hand/000001.JPG')).toBe('image');
    expect(classifyPath('Hand/scan.png')).toBe('image');
    expect(classifyPath('Hand/scan')).toBe('unknown');
    expect(classifyPath('Hand/notes.txt')).toBe('other');
  });

  it('sniffs image signatures', () => {
    expect(looksLikeImage(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toBe(true);
    expect(looksLikeImage(Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'))).toBe(true);
    expect(looksLikeImage(Buffer.from('RIFF1234WEBPVP8 ', 'latin1'))).toBe(true);
    expect(looksLikeImage(Buffer.from('MIT License'))).toBe(false);
    expect(looksLikeImage(Buffer.alloc(0))).toBe(false);
  });
});

describe('planLayout', () => {
  const images = (root: string, classes: string[], n: number) => classes.flatMap((c) => Array.from({ length: n }, (_, i) => `${root}${c}/${i}.jpeg`));

  it('finds the class folders below GitHub archive folders, beside the repository files', () => {
    const top = GITHUB_PREFIX.split('/')[0];
    const files = [...images(GITHUB_PREFIX, ['Hand', 'CXR'], 3), `${top}/images/logo.png`, `${top}/images/conv.png`, `${top}/README.md`, `${top}/app.py`];
    const layout = planLayout('x.zip', { files, dirs: [] });
    expect(layout.classRoot).toBe(GITHUB_PREFIX);
    expect(layout.classes).toEqual(['CXR', 'Hand']);
    expect(layout.outside).toEqual([`${top}/images/conv.png`, `${top}/images/logo.png`]);
    expect(layout.ignored).toEqual({ hidden: 0, nonImage: 2 });
    expect(layout.entries.map((e) => e.file)).toEqual(['CXR/0.jpeg', 'CXR/1.jpeg', 'CXR/2.jpeg', 'Hand/0.jpeg', 'Hand/1.jpeg', 'Hand/2.jpeg']);
    expect(layout.entries.map((e) => e.index)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('accepts classes at the top or below one folder, preferring the shallower on a tie', () => {
    expect(planLayout('d', { files: images('', ['A', 'B'], 2), dirs: [] }).classRoot).toBe('');
    expect(planLayout('d', { files: images('medical-mnist/', ['A', 'B'], 2), dirs: ['medical-mnist'] }).classRoot).toBe('medical-mnist/');
    expect(planLayout('d', { files: [...images('', ['A', 'B'], 1), ...images('A/', ['x', 'y'], 1)], dirs: [] }).classRoot).toBe('');
  });

  it('counts class folders that appear only as directories', () => {
    expect(() => planLayout('d.zip', { files: images('', ['A', 'B'], 2), dirs: ['C/', '__MACOSX/', '.git/'] })).toThrow(/class folder C\/ in d\.zip has no images/);
  });
});

describe('openArchive on a zip', () => {
  it('reads the same entries from memory and through a file descriptor', async () => {
    const files = await cleanFiles(['AbdomenCT', 'Hand'], 3);
    const zip = writeZip(path.join(work, 'gh.zip'), files, { prefix: GITHUB_PREFIX, extra: await githubExtras() });
    const readAll = async (maxInMemoryBytes: number) => {
      const a = await openArchive(zip, { maxInMemoryBytes });
      const out: ImageFile[] = [];
      for await (const f of a.read()) out.push(f);
      await a.close();
      return out;
    };
    const inMemory = await readAll(1 << 30);
    const fromDisk = await readAll(0);
    expect(inMemory.map((f) => f.file)).toEqual(Object.keys(files).sort());
    expect(fromDisk.map((f) => f.file)).toEqual(inMemory.map((f) => f.file));
    for (const [i, f] of fromDisk.entries()) {
      expect(f.readError).toBeNull();
      expect(f.bytes.equals(files[f.file]!)).toBe(true);
      expect(inMemory[i]!.bytes.equals(f.bytes)).toBe(true);
    }
  });
});
