/**
 * Errors CI cannot cause for real (it runs as root, with no read-only or full disk to
 * hand), simulated at the file-system call: a read-only file system is reported as
 * read-only, a full disk as a full disk, and a bundle write that fails leaves no
 * temporary folder and the previous bundle as it was.
 */
import { describe, it, expect, vi, afterEach } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const failing = vi.hoisted(() => ({ call: '' as string, match: '' as string, code: '' as string }));

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const wrap = <F extends (...a: any[]) => any>(name: string, f: F) =>
    ((...args: Parameters<F>) => {
      if (failing.call === name && String(args[0]).includes(failing.match)) {
        const e = new Error(`${failing.code}: simulated, ${name} '${args[0]}'`) as NodeJS.ErrnoException;
        e.code = failing.code;
        throw e;
      }
      return f(...args);
    }) as F;
  const mocked = { ...fs, mkdirSync: wrap('mkdirSync', fs.mkdirSync), writeFileSync: wrap('writeFileSync', fs.writeFileSync), openSync: wrap('openSync', fs.openSync) };
  return { ...mocked, default: mocked };
});

const { makeFolder, describeFsError, PathError } = await import('../../common/owned-folder.ts');
const { writeBundle } = await import('../../pipeline/export/bundle.ts');
const { lockFolder } = await import('../../pipeline/export/lock.ts');
const { writeBundleFixture } = await import('../helpers/bundle-fixture.ts');
const { readBundle, readActivations } = await import('../../schema/bundle.ts');

afterEach(() => {
  failing.call = '';
});

describe('errno in words', () => {
  it.each([
    ['EROFS', 'the file system is read-only'],
    ['ENOSPC', 'the disk is full (no space left on device)'],
    ['EACCES', 'permission denied'],
  ])('%s', (code, words) => {
    expect(describeFsError(Object.assign(new Error('x'), { code }), tmpdir())).toBe(words);
  });
});

describe('a read-only file system', () => {
  it('creating the results folder says read-only, in one line naming the path', () => {
    const parent = mkdtempSync(join(tmpdir(), 'erofs-'));
    Object.assign(failing, { call: 'mkdirSync', match: parent, code: 'EROFS' });
    const target = join(parent, 'a', 'results');
    expect(() => makeFolder(target, `--out ${target}`)).toThrow(PathError);
    expect(() => makeFolder(target, `--out ${target}`)).toThrow(`--out ${target}: cannot create ${join(parent, 'a')}: the file system is read-only`);
  });

  it('taking the lock says read-only', () => {
    const parent = mkdtempSync(join(tmpdir(), 'erofs-'));
    Object.assign(failing, { call: 'openSync', match: '.results.lock', code: 'EROFS' });
    const out = join(parent, 'results');
    expect(() => lockFolder(out, `--out ${out}`)).toThrow(`--out ${out}: cannot create the lock file ${join(parent, '.results.lock')}: the file system is read-only`);
  });
});

describe('a full disk while the bundle is written', () => {
  it('is reported as a full disk; the temporary folder is removed and the previous bundle is untouched', () => {
    const parent = mkdtempSync(join(tmpdir(), 'enospc-'));
    const out = join(parent, 'results');
    writeBundleFixture(out); // the previous bundle
    const previous = readFileSync(join(out, 'manifest.json'), 'utf8');
    const source = writeBundleFixture(join(parent, 'source'));
    const bundle = readBundle(source);
    const models = bundle.models.map((result) => ({ result, activationsGz: new Uint8Array(readFileSync(join(source, result.activations.file))), browser: null }));
    Object.assign(failing, { call: 'writeFileSync', match: 'activations', code: 'ENOSPC' });
    expect(() => writeBundle(out, bundle.manifest, models, new Uint8Array(6 * 64 * 64))).toThrow(
      `${out}: cannot write the results bundle: the disk is full (no space left on device) (the previous bundle is unchanged)`,
    );
    expect(readdirSync(parent).sort()).toEqual(['results', 'source']);
    expect(readFileSync(join(out, 'manifest.json'), 'utf8')).toBe(previous);

    failing.call = '';
    writeBundle(out, bundle.manifest, models, new Uint8Array(6 * 64 * 64));
    expect(readdirSync(parent).sort()).toEqual(['results', 'source']);
    expect(readActivations(readBundle(out), 'tiny-cnn').length).toBeGreaterThan(0);
    expect(readdirSync(out)).toContain('.medical-mnist-results');
  });
});
