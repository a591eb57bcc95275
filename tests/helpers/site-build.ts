/**
 * The browser tests' site: a generated dataset, a smoke run of the real pipeline on it,
 * and `astro build` of that bundle under a GitHub-Pages-like base path, served on
 * 127.0.0.1. Nothing here is hand-written results: every number on the page comes
 * from the pipeline run.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { makeSyntheticDataset } from './synthetic-dataset.ts';
import { serveDist, type DistServer } from '../../scripts/serve-dist.ts';

export const ROOT = resolve(import.meta.dirname, '../..');
export const BASE_PATH = '/medical-mnist-report/';
export const SITE_URL = 'https://example.github.io';
/** The code repository the page links to (as the Pages workflow sets it). */
export const REPOSITORY_URL = 'https://github.com/example/medical-mnist-report';

export interface CommandResult {
  code: number;
  output: string;
}

/**
 * The environment without what vitest sets for its own workers: Vite-based tools in a
 * child process (Astro) would otherwise read BASE_URL=/, MODE=test, NODE_ENV=test as theirs.
 */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^(VITEST.*|TEST|NODE_ENV|FORCE_TTY|BASE_URL|MODE|DEV|PROD|SSR)$/.test(key)) delete env[key];
  }
  return { ...env, ...extra, FORCE_COLOR: '0', NO_COLOR: '1' };
}

/**
 * Runs a node script of the project with the test's node (the pinned one under `npm test`),
 * in its own process group so that a timeout ends the script and every worker it started.
 */
export function runNode(script: string, args: string[], env: Record<string, string> = {}, timeoutMs = 600_000): Promise<CommandResult> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(ROOT, script), ...args], { cwd: ROOT, env: childEnv(env), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr.on('data', (b: Buffer) => (output += b.toString()));
    const timer = setTimeout(() => {
      output += `\n(killed after ${timeoutMs / 1000} s)`;
      killGroup(child.pid);
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      done({ code: code ?? (signal ? 128 : 1), output });
    });
  });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

const tail = (text: string, lines = 30) => text.trim().split('\n').slice(-lines).join('\n');

/** `npm run pipeline -- run --profile smoke` on generated data, into `out`. */
export async function smokeRun(work: string): Promise<string> {
  const data = await makeSyntheticDataset(join(work, 'data'), { perClass: 30, format: 'zip' });
  const out = join(work, 'results');
  const r = await runNode('node_modules/tsx/dist/cli.mjs', ['pipeline/cli.ts', 'run', '--profile', 'smoke', '--data', data, '--dataset', 'datasets/medical-mnist.json', '--out', out, '--cache-dir', join(work, 'cache'), '--quiet'], { MEDICAL_MNIST_DATA: '' });
  if (r.code !== 0) throw new Error(`smoke pipeline run failed (exit ${r.code}):\n${tail(r.output)}`);
  return out;
}

/** `astro build` of the bundle in `resultsDir` into `outDir`, under the test base path (`env` overrides the build's variables). */
export function buildSite(resultsDir: string, outDir: string, cacheDir: string, env: Record<string, string> = {}): Promise<CommandResult> {
  return runNode('node_modules/astro/bin/astro.mjs', ['build', '--outDir', outDir], {
    RESULTS_DIR: resultsDir,
    BASE_PATH,
    SITE_URL,
    REPOSITORY_URL,
    ASTRO_CACHE_DIR: cacheDir,
    ASTRO_TELEMETRY_DISABLED: '1',
    ...env,
  });
}

export interface BuiltSite {
  work: string;
  results: string;
  dist: string;
  server: DistServer;
  /** The page's URL, ending in the base path. */
  url: string;
  dispose(): Promise<void>;
}

/** Where one build of the site lies: its working folder, the bundle it rendered and the built site. */
export interface SiteBuild {
  work: string;
  results: string;
  dist: string;
}

/**
 * Runs the pipeline and builds the site once. SITE_TEST_RESULTS_DIR, when set, names the
 * bundle of an earlier smoke run to build from instead of running the pipeline again (for
 * iterating on the site; CI leaves it unset).
 */
export async function buildOnce(): Promise<SiteBuild & { remove(): Promise<void> }> {
  const work = mkdtempSync(join(tmpdir(), 'site-test-'));
  const results = process.env.SITE_TEST_RESULTS_DIR ? resolve(process.env.SITE_TEST_RESULTS_DIR) : await smokeRun(work);
  const dist = join(work, 'dist');
  const build = await buildSite(results, dist, join(work, 'astro-cache'));
  if (build.code !== 0) throw new Error(`astro build failed (exit ${build.code}):\n${tail(build.output)}`);
  return { work, results, dist, remove: async () => rmSync(work, { recursive: true, force: true }) };
}

/**
 * The built site, served on 127.0.0.1 for one test file: the site project's shared build
 * (tests/site/global-setup.ts) when there is one, else a build of this file's own.
 */
export async function buildAndServe(): Promise<BuiltSite> {
  // Imported here, not at the top: global-setup.ts loads this module outside a test worker.
  const { inject } = await import('vitest');
  const shared = inject('siteBuild');
  const own = shared ? undefined : await buildOnce();
  const build = shared ?? own!;
  const server = await serveDist(build.dist, BASE_PATH);
  return {
    ...build,
    server,
    url: server.url,
    dispose: async () => {
      await server.close();
      await own?.remove();
    },
  };
}
