/**
 * The pipeline never loses a user's files: --out and --cache-dir are only ever replaced
 * or written into when they are absent, empty or this project's (a marker file); a path
 * under /proc fails within seconds; a second run into the same results folder stops
 * naming the first; leftovers of killed runs are cleaned up on the next start.
 *
 * Every run here names data that does not exist: the folder checks come first, so each
 * run ends within seconds, and a run that got past them says so by failing on the data.
 */
import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runNode } from '../helpers/site-build.ts';
import { MARKERS } from '../../common/owned-folder.ts';

const work = mkdtempSync(join(tmpdir(), 'out-folders-'));
let n = 0;
const fresh = (name: string) => join(work, `${name}-${n++}`);
const DEAD_PID = 999_999_999; // above any pid_max: no such process

function pipeline(out: string, cache: string, timeoutMs = 60_000) {
  return runNode('node_modules/tsx/dist/cli.mjs', ['pipeline/cli.ts', 'run', '--profile', 'smoke', '--data', join(work, 'no-data'), '--out', out, '--cache-dir', cache], { MEDICAL_MNIST_DATA: '' }, timeoutMs);
}

const errors = (output: string) => output.split('\n').filter((l) => l.startsWith('error:'));
const DATA_MISSING = /^error: --data .*no-data: no such file or folder/;

describe('--out and --cache-dir', () => {
  it('refuses an --out folder that holds files this project did not write, touching nothing', async () => {
    const out = fresh('thesis');
    mkdirSync(out);
    writeFileSync(join(out, 'thesis.tex'), 'precious');
    const r = await pipeline(out, fresh('cache'));
    expect(r.code).not.toBe(0);
    expect(errors(r.output)).toEqual([
      `error: --out ${out}: ${out} holds files that are not a results bundle (thesis.tex; no ${MARKERS.results} marker): move them away or choose another path (nothing was changed)`,
    ]);
    expect(readdirSync(out)).toEqual(['thesis.tex']);
    expect(readFileSync(join(out, 'thesis.tex'), 'utf8')).toBe('precious');
  });

  it('refuses an --out that is a file', async () => {
    const out = fresh('file');
    writeFileSync(out, 'a file');
    const r = await pipeline(out, fresh('cache'));
    expect(r.code).not.toBe(0);
    expect(errors(r.output)).toEqual([`error: --out ${out}: ${out} is a file, not a folder; expected a results bundle or a new path (nothing was changed)`]);
    expect(readFileSync(out, 'utf8')).toBe('a file');
  });

  it('refuses a --cache-dir that holds files this project did not write', async () => {
    const cache = fresh('documents');
    mkdirSync(join(cache, 'models'), { recursive: true });
    writeFileSync(join(cache, 'models', 'mine.txt'), 'mine');
    writeFileSync(join(cache, 'notes.txt'), 'notes');
    const r = await pipeline(fresh('results'), cache);
    expect(errors(r.output)[0]).toMatch(new RegExp(`^error: --cache-dir ${cache}: ${cache} holds files that are not this project's cache \\(models, notes\\.txt; no \\${MARKERS.cache} marker\\)`));
    expect(readdirSync(cache).sort()).toEqual(['models', 'notes.txt']);
  });

  it('accepts a bundle folder it wrote (marker), an empty folder and a new path, and marks its cache', async () => {
    const marked = fresh('marked');
    mkdirSync(marked);
    writeFileSync(join(marked, MARKERS.results), '');
    writeFileSync(join(marked, 'manifest.json'), '{}');
    const empty = fresh('empty');
    mkdirSync(empty);
    for (const out of [marked, empty, join(fresh('new'), 'deeper', 'results')]) {
      const cache = fresh('cache');
      const r = await pipeline(out, cache);
      expect(errors(r.output)[0]).toMatch(DATA_MISSING); // got past the folder checks
      expect(existsSync(join(cache, MARKERS.cache))).toBe(true);
    }
  });
});

describe('paths that are not on a disk', () => {
  it.each([
    ['--out', (p: string) => pipeline(p, fresh('cache'), 30_000)],
    ['--cache-dir', (p: string) => pipeline(fresh('results'), p, 30_000)],
  ])('%s under /proc ends within seconds with one line naming the path and why', async (flag, run) => {
    const path = `/proc/medical-mnist-test-${process.pid}/x`;
    const started = Date.now();
    const r = await run(path);
    expect(r.output).not.toMatch(/killed after/);
    expect(Date.now() - started).toBeLessThan(25_000);
    expect(r.code).not.toBe(0);
    expect(errors(r.output)).toHaveLength(1);
    expect(errors(r.output)[0]).toMatch(new RegExp(`^error: ${flag} ${path}: cannot create /proc/medical-mnist-test-${process.pid}: /proc is on the virtual "proc" file system, which holds no files: choose a folder on a disk$`));
  });
});

describe('a second run into the same results folder', () => {
  it('stops with one line naming the run that holds it, and goes ahead once that run is gone', async () => {
    const parent = fresh('locked');
    mkdirSync(parent);
    const out = join(parent, 'results');
    const holder = spawn('sleep', ['60']);
    try {
      const lock = join(parent, '.results.lock');
      writeFileSync(lock, JSON.stringify({ pid: holder.pid, host: hostname(), startedAt: '2026-01-01T00:00:00.000Z', command: 'pipeline/cli.ts run' }));
      const r = await pipeline(out, fresh('cache'));
      expect(r.code).not.toBe(0);
      expect(errors(r.output)).toEqual([
        `error: --out ${out}: another pipeline run is writing to it (pid ${holder.pid}, since 2026-01-01T00:00:00.000Z: pipeline/cli.ts run); wait for it to finish or stop it`,
      ]);
      expect(JSON.parse(readFileSync(lock, 'utf8')).pid).toBe(holder.pid);
    } finally {
      holder.kill('SIGKILL');
    }
    await new Promise((done) => holder.once('exit', done));
    const after = await pipeline(out, fresh('cache'));
    expect(errors(after.output)[0]).toMatch(DATA_MISSING); // the stale lock was taken over
    expect(existsSync(join(parent, '.results.lock'))).toBe(false); // and released on exit
  });
});

describe('leftovers of killed runs', () => {
  it('are removed on the next start (and a bundle moved aside is put back)', async () => {
    const parent = fresh('leftovers');
    mkdirSync(join(parent, `.results.tmp-${DEAD_PID}`, 'models'), { recursive: true });
    writeFileSync(join(parent, `.results.tmp-${DEAD_PID}`, 'models', 'x.json'), 'half a bundle');
    mkdirSync(join(parent, `.results.old-${DEAD_PID}`));
    writeFileSync(join(parent, `.results.old-${DEAD_PID}`, MARKERS.results), '');
    writeFileSync(join(parent, `.results.old-${DEAD_PID}`, 'manifest.json'), '{"previous":true}');
    const cache = join(parent, 'cache');
    mkdirSync(join(cache, 'datasets'), { recursive: true });
    writeFileSync(join(cache, 'datasets', `dataset-0123.bin.tmp-${DEAD_PID}-abcd1234`), new Uint8Array(1 << 20));
    writeFileSync(join(cache, 'datasets', 'dataset-0123.bin'), 'a finished cache file stays');
    const r = await pipeline(join(parent, 'results'), cache);
    expect(errors(r.output)[0]).toMatch(DATA_MISSING);
    expect(readdirSync(parent).sort()).toEqual(['cache', 'results']);
    expect(readFileSync(join(parent, 'results', 'manifest.json'), 'utf8')).toBe('{"previous":true}');
    expect(readdirSync(join(cache, 'datasets'))).toEqual(['dataset-0123.bin']);
    expect(r.output).toContain(`removed ${join(parent, `.results.tmp-${DEAD_PID}`)}`);
  });
});
