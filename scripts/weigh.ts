/**
 * `npm run weigh [-- --dist DIR]`: what the paper costs a reader to download.
 *
 * Serves the built site under its base path, opens it in headless Chromium and records
 * every response:
 *   first view   what loads with the page scrolled to the top (HTML, CSS, fonts, JS)
 *                before any chart scrolls into view; budget 250 KB compressed
 *   whole page   after scrolling to the bottom, so every chart goes live, plus every
 *                activation image a reader could select (all of figures/**.png);
 *                budget 3 MB compressed
 *   Try-it       in a fresh page: everything the Try-it section fetches once it is
 *                scrolled into view until its models have run (TensorFlow.js, its wasm
 *                binary, every compact model, the sample images); target 1.5 MB
 *                compressed. It must fetch nothing of this before (checked here too).
 * Text responses count at their gzip size (what GitHub Pages sends) with brotli shown
 * alongside; images, fonts and other binaries count as they are (GitHub Pages does not
 * compress binary types we can rely on). That is why the site stores the model weights
 * and the wasm binary gzip-compressed (*.gz, inflated by the page): they count, and
 * download, at their gzip size on any server.
 * Exits non-zero when a budget is exceeded.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { gzipSync, brotliCompressSync, constants as zlib } from 'node:zlib';
import { parseArgs } from 'node:util';
import { chromium, type Browser } from 'playwright-core';
import { serveDist } from './serve-dist.ts';

export const FIRST_VIEW_BUDGET = 250 * 1000;
export const WHOLE_PAGE_BUDGET = 3 * 1000 * 1000;
export const TRYIT_BUDGET = 1.5 * 1000 * 1000;

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

export interface Transfer {
  path: string;
  kind: string;
  raw: number;
  gzip: number;
  brotli: number;
  /** What counts against the budget: gzip for text, raw for already-compressed binaries. */
  counted: number;
}

export interface PageWeight {
  firstView: Transfer[];
  /** Everything fetched while scrolling through, after the first view. */
  onScroll: Transfer[];
  /** Activation images in the build that scrolling did not fetch (other models / images). */
  unfetchedImages: Transfer[];
  firstViewBytes: number;
  wholePageBytes: number;
}

const TEXT = /^(text\/|application\/(javascript|json|xml|manifest)|image\/svg)/;

export function measure(path: string, contentType: string, body: Buffer): Transfer {
  const text = TEXT.test(contentType);
  const gzip = text ? gzipSync(body, { level: 9 }).length : body.length;
  const brotli = text ? brotliCompressSync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } }).length : body.length;
  return { path, kind: contentType.split(';')[0]!, raw: body.length, gzip, brotli, counted: gzip };
}

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? listFiles(full) : [full];
  });
}

/** The base path the site was built with, read from its canonical link. */
export function detectBase(dist: string): string {
  const index = join(dist, 'index.html');
  if (!existsSync(index)) throw new Error(`${dist}: no built site here (no index.html); run \`npm run build\` first, or pass --dist`);
  const html = readFileSync(index, 'utf8');
  const href = /<link rel="canonical" href="([^"]+)"/.exec(html)?.[1];
  if (href) return new URL(href).pathname;
  const assets = assetBase(html);
  if (assets) return assets;
  throw new Error(`${join(dist, 'index.html')}: no <link rel="canonical"> and no /_astro/ asset links; pass --base`);
}

/** The path under which a built page links its own assets ("/" or "/medical-mnist-report/"), or null. */
export function assetBase(html: string): string | null {
  return /(?:src|href)="((?:\/[^"/]+)*\/)_astro\//.exec(html)?.[1] ?? null;
}

/**
 * A --base that does not match the build serves every asset as a 404 and would weigh an
 * empty page as "within budget": refuse it, naming the base the build was made for.
 */
export function checkBase(dist: string, base: string): void {
  const index = join(dist, 'index.html');
  const assets = assetBase(readFileSync(index, 'utf8'));
  if (assets !== null && assets !== base)
    throw new Error(`--base ${base}: ${index} links its assets under ${assets}; pass --base ${assets}, or build with BASE_PATH=${base}`);
}

/**
 * Weighs the page at `url` (a served build of `dist`). The Try-it section's files have
 * their own target and are left out of both figures (`separate`: their paths, measured
 * by weighTryIt first when not given).
 */
export async function weighPage(url: string, dist: string, browser: Browser, separate?: ReadonlySet<string>): Promise<PageWeight> {
  const tryit = separate ?? new Set((await weighTryIt(url, browser)).transfers.map((t) => t.path));
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const seen = new Map<string, Transfer>();
  let phase: 'first' | 'scroll' = 'first';
  const phaseOf = new Map<string, 'first' | 'scroll'>();
  const pending: Promise<void>[] = [];
  page.on('response', (response) => {
    const u = new URL(response.url());
    if (!u.href.startsWith(new URL(url).origin) || response.status() >= 300) return;
    const current = phase;
    pending.push(
      response.body().then(
        (body) => {
          if (seen.has(u.pathname)) return;
          seen.set(u.pathname, measure(u.pathname, response.headers()['content-type'] ?? '', body));
          phaseOf.set(u.pathname, current);
        },
        () => undefined,
      ),
    );
  });
  await page.goto(url, { waitUntil: 'networkidle' });
  await Promise.all(pending);
  phase = 'scroll';
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  for (let y = 0; y <= height; y += 500) {
    await page.evaluate((top) => window.scrollTo(0, top), y);
    await page.waitForTimeout(60);
  }
  await page.waitForLoadState('networkidle');
  await page.waitForTimeout(500);
  await Promise.all(pending);
  await context.close();

  const all = [...seen.values()].filter((t) => !tryit.has(t.path));
  const firstView = all.filter((t) => phaseOf.get(t.path) === 'first');
  const onScroll = all.filter((t) => phaseOf.get(t.path) === 'scroll');
  const base = new URL(url).pathname;
  const unfetchedImages = listFiles(resolve(dist))
    .filter((f) => f.endsWith('.png') && relative(dist, f).startsWith('figures'))
    .map((f) => base + relative(dist, f).split('\\').join('/'))
    .filter((p) => !seen.has(p))
    .map((p) => measure(p, 'image/png', readFileSync(join(dist, p.slice(base.length)))));
  const sum = (ts: Transfer[]) => ts.reduce((a, t) => a + t.counted, 0);
  return {
    firstView,
    onScroll,
    unfetchedImages,
    firstViewBytes: sum(firstView),
    wholePageBytes: sum(firstView) + sum(onScroll) + sum(unfetchedImages),
  };
}

export interface TryItWeight {
  /** What the section fetched after it scrolled into view. */
  transfers: Transfer[];
  bytes: number;
  /** Try-it files (tryit/, wasm, its code) fetched before the section was on screen: should be none. */
  early: string[];
  /** The section's own state when measuring stopped ('ready', or why not). */
  state: string;
  status: string;
}

/** Try-it files: its data and models (tryit/), the wasm binaries. Code chunks are told apart by timing. */
const TRYIT_FILE = /\/tryit\/|\.wasm$/;

/**
 * Weighs the Try-it section alone: loads the page in a short viewport, scrolls the
 * section's top to the top of the window (so nothing else comes into view), and records
 * every response until the section reports it has run its models. Activation images
 * the browser fetches ahead (lazy images load before they are visible) are left out.
 */
export async function weighTryIt(url: string, browser: Browser): Promise<TryItWeight> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 400 } });
  const page = await context.newPage();
  let phase: 'before' | 'after' = 'before';
  const before = new Set<string>();
  const after = new Map<string, Transfer>();
  const pending: Promise<void>[] = [];
  page.on('response', (response) => {
    const u = new URL(response.url());
    if (!u.href.startsWith(new URL(url).origin) || response.status() >= 300) return;
    if (phase === 'before') {
      before.add(u.pathname);
      return;
    }
    if (before.has(u.pathname) || /\/figures\//.test(u.pathname)) return;
    pending.push(
      response.body().then(
        (body) => void after.set(u.pathname, measure(u.pathname, response.headers()['content-type'] ?? '', body)),
        () => undefined,
      ),
    );
  });
  await page.goto(url, { waitUntil: 'networkidle' });
  if ((await page.locator('[data-tryit]').count()) === 0) {
    await context.close();
    return { transfers: [], bytes: 0, early: [], state: 'absent', status: '' };
  }
  const early = [...before].filter((p) => TRYIT_FILE.test(p) || /\/app\.[^/]*\.js$/.test(p));
  phase = 'after';
  await page.evaluate(() => document.querySelector('[data-tryit]')?.scrollIntoView({ block: 'start' }));
  const state = await page
    .waitForFunction(() => /^(ready|failed)$/.test(document.querySelector<HTMLElement>('[data-tryit]')?.dataset.state ?? ''), null, { timeout: 120_000 })
    .then(() => page.evaluate(() => document.querySelector<HTMLElement>('[data-tryit]')?.dataset.state ?? 'missing'))
    .catch(() => 'timed out');
  await page.waitForLoadState('networkidle');
  await Promise.all(pending);
  const status = (await page.locator('[data-tryit-status]').textContent().catch(() => null)) ?? '';
  await context.close();
  const transfers = [...after.values()];
  return { transfers, bytes: transfers.reduce((a, t) => a + t.counted, 0), early, state, status: status.trim() };
}

const kB = (n: number) => `${(n / 1000).toFixed(1)} kB`;

function table(title: string, ts: Transfer[]): string {
  const rows = [...ts].sort((a, b) => b.counted - a.counted);
  const lines = rows.map((t) => `  ${kB(t.raw).padStart(10)} ${kB(t.gzip).padStart(10)} ${kB(t.brotli).padStart(10)}  ${t.kind.padEnd(24)} ${t.path}`);
  const total = (k: 'raw' | 'gzip' | 'brotli') => kB(rows.reduce((a, t) => a + t[k], 0)).padStart(10);
  return [`${title} (${rows.length} files)`, `  ${'raw'.padStart(10)} ${'gzip'.padStart(10)} ${'brotli'.padStart(10)}`, ...lines, `  ${total('raw')} ${total('gzip')} ${total('brotli')}  total`].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { dist: { type: 'string', default: 'dist' }, base: { type: 'string' }, verbose: { type: 'boolean', default: false } } });
  const dist = resolve(values.dist!);
  const base = values.base ?? detectBase(dist);
  checkBase(dist, base);
  const server = await serveDist(dist, base);
  const browser = await launchChromium();
  try {
    const t = await weighTryIt(server.url, browser);
    const w = await weighPage(server.url, dist, browser, new Set(t.transfers.map((x) => x.path)));
    const imagesScrolled = w.onScroll.filter((t) => t.kind === 'image/png').length;
    console.log(table('First view: loaded at the top of the page, before any chart scrolls into view', w.firstView));
    console.log();
    console.log(table('Loaded while scrolling to the end (live charts, activation images; the Try-it section is weighed on its own below)', values.verbose ? w.onScroll : w.onScroll.filter((t) => t.kind !== 'image/png')));
    if (!values.verbose && imagesScrolled) console.log(`  + ${imagesScrolled} activation images, ${kB(w.onScroll.filter((t) => t.kind === 'image/png').reduce((a, t) => a + t.counted, 0))} (--verbose lists them)`);
    console.log(`  + ${w.unfetchedImages.length} further activation images a reader can select: ${kB(w.unfetchedImages.reduce((a, t) => a + t.counted, 0))}`);
    console.log();
    console.log(table('Try-it section: fetched once it is scrolled into view, until its models have run', t.transfers));
    console.log(`  section state: ${t.state}${t.status ? ` (“${t.status}”)` : ''}`);
    console.log();
    const firstOk = w.firstViewBytes <= FIRST_VIEW_BUDGET;
    const wholeOk = w.wholePageBytes <= WHOLE_PAGE_BUDGET;
    const tryOk = (t.state === 'ready' || t.state === 'absent') && t.bytes <= TRYIT_BUDGET && t.early.length === 0;
    console.log(`first view: ${kB(w.firstViewBytes)} compressed (budget ${kB(FIRST_VIEW_BUDGET)}) ${firstOk ? 'ok' : 'OVER BUDGET'}`);
    console.log(`whole page: ${kB(w.wholePageBytes)} compressed, every chart and activation image (budget ${kB(WHOLE_PAGE_BUDGET)}) ${wholeOk ? 'ok' : 'OVER BUDGET'}`);
    console.log(
      `Try-it section: ${kB(t.bytes)} compressed, TensorFlow.js and every compact model (target ${kB(TRYIT_BUDGET)}) ${t.state !== 'ready' && t.state !== 'absent' ? 'NOT MEASURED' : t.bytes <= TRYIT_BUDGET ? 'ok' : 'OVER TARGET'}` +
        (t.state !== 'ready' ? `; the section did not finish (${t.state})` : '') +
        (t.early.length ? `; fetched before it was on screen: ${t.early.join(', ')}` : ''),
    );
    if (!firstOk || !wholeOk || !tryOk) process.exitCode = 1;
  } finally {
    await browser.close();
    await server.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e: unknown) => {
    console.error(`weigh: ${(e as Error).message}`);
    process.exit(1);
  });
}
