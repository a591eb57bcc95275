/**
 * The site build never loses the previous site: every file of the bundle is checked
 * before anything renders, the build goes into a staging folder that replaces dist/ only
 * when it succeeded, and dist/ is only ever replaced when it is a site this project built.
 * (The successful build and its swap are exercised by tests/site, which builds through
 * the same integration.)
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildSite } from '../helpers/site-build.ts';
import { writeBundleFixture } from '../helpers/bundle-fixture.ts';
import { stagedBuild } from '../../src/lib/staged-build.ts';
import { MARKERS } from '../../common/owned-folder.ts';
import { checkBundle, BundleError } from '../../schema/bundle.ts';

/** A previous site in `work/dist`, as the last good build left it. */
function previousSite(work: string): string {
  const dist = join(work, 'dist');
  mkdirSync(dist);
  writeFileSync(join(dist, MARKERS.site), '');
  writeFileSync(join(dist, 'index.html'), '<p>previous site</p>');
  return dist;
}

const errorLines = (output: string) => output.split('\n').filter((l) => /error|rejected/i.test(l));

describe('checkBundle', () => {
  it('reads every file: a truncated activation file or a missing samples file is named with what is wrong', () => {
    const dir = writeBundleFixture(mkdtempSync(join(tmpdir(), 'check-')));
    expect(checkBundle(dir).models).toHaveLength(2);
    const gz = join(dir, 'activations/gap-cnn.u8.gz');
    truncateSync(gz, 10);
    expect(() => checkBundle(dir)).toThrow(BundleError);
    expect(() => checkBundle(dir)).toThrow(`${gz}: not a gzip stream`);
    writeBundleFixture(dir);
    rmSync(join(dir, 'samples.u8'));
    expect(() => checkBundle(dir)).toThrow(`${join(dir, 'samples.u8')}: not found`);
  });
});

describe('astro build with a bad bundle', () => {
  it('stops before rendering with one line naming the truncated activation file; the previous dist/ is untouched', async () => {
    const work = mkdtempSync(join(tmpdir(), 'staged-'));
    const results = writeBundleFixture(join(work, 'results'));
    const gz = join(results, 'activations/tiny-cnn.u8.gz');
    truncateSync(gz, 20);
    const dist = previousSite(work);
    const r = await buildSite(results, dist, join(work, 'astro-cache'));
    expect(r.code).not.toBe(0);
    expect(r.output).toContain(`${gz}: not a gzip stream`);
    expect(r.output).not.toMatch(/^\s+at /m); // no stack trace
    expect(readdirSync(dist).sort()).toEqual([MARKERS.site, 'index.html'].sort());
    expect(readFileSync(join(dist, 'index.html'), 'utf8')).toBe('<p>previous site</p>');
    expect(readdirSync(work).filter((n) => n.startsWith('.'))).toEqual([]); // no staging folder left
    // One line says what is wrong (Astro repeats it under its own heading).
    expect(errorLines(r.output).filter((l) => l.includes(gz))[0]).toMatch(/tiny-cnn\.u8\.gz: not a gzip stream \(unexpected end of file\)$/);
  });

  it('refuses an --outDir that holds files this project did not build, and touches none of them', async () => {
    const work = mkdtempSync(join(tmpdir(), 'staged-'));
    const results = writeBundleFixture(join(work, 'results'));
    const mine = join(work, 'my-folder');
    mkdirSync(mine);
    writeFileSync(join(mine, 'thesis.tex'), 'precious');
    const r = await buildSite(results, mine, join(work, 'astro-cache'));
    expect(r.code).not.toBe(0);
    expect(r.output).toContain(`${mine} holds files that are not a site built by this project (thesis.tex`);
    expect(readdirSync(mine)).toEqual(['thesis.tex']);
    expect(readFileSync(join(mine, 'thesis.tex'), 'utf8')).toBe('precious');
  });
});

describe('stagedBuild integration', () => {
  type Hooks = Record<string, (params: Record<string, unknown>) => unknown>;
  const logger = { info: () => {}, warn: () => {}, error: () => {} };
  function setup(dist: string): { hooks: Hooks; staging: string } {
    const hooks = stagedBuild().hooks as unknown as Hooks;
    let outDir: URL | undefined;
    hooks['astro:config:setup']!({ command: 'build', config: { outDir: pathToFileURL(`${dist}/`) }, updateConfig: (c: { outDir: URL }) => (outDir = c.outDir), logger });
    const staging = outDir!.pathname.replace(/\/$/, '');
    mkdirSync(staging, { recursive: true });
    writeFileSync(join(staging, 'index.html'), '<p>new site</p>');
    return { hooks, staging };
  }

  it('builds beside dist/ and swaps it in only when the build is done', () => {
    const work = mkdtempSync(join(tmpdir(), 'staged-'));
    const dist = previousSite(work);
    const { hooks, staging } = setup(dist);
    expect(staging).not.toBe(dist);
    expect(readFileSync(join(dist, 'index.html'), 'utf8')).toBe('<p>previous site</p>');
    hooks['astro:build:done']!({ logger });
    expect(readFileSync(join(dist, 'index.html'), 'utf8')).toBe('<p>new site</p>');
    expect(existsSync(join(dist, MARKERS.site))).toBe(true);
    expect(readdirSync(work)).toEqual(['dist']);
  });

  it('removes the staging folder a killed build left behind, on the next build', () => {
    const work = mkdtempSync(join(tmpdir(), 'staged-'));
    const dist = previousSite(work);
    const dead = join(work, '.dist.staging-999999999'); // no such process
    mkdirSync(dead);
    writeFileSync(join(dead, 'half.html'), '');
    setup(dist);
    expect(existsSync(dead)).toBe(false);
    expect(readFileSync(join(dist, 'index.html'), 'utf8')).toBe('<p>previous site</p>');
  });
});
