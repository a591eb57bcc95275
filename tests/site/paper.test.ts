/**
 * The paper in headless Chromium, built from a smoke run of the real pipeline and
 * served under a GitHub Pages sub-path: it loads cleanly, every figure draws (static,
 * then live), the selectors redraw, activation images load, it reads without
 * JavaScript, the social card is right, and a malformed bundle stops the build.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';
import { buildAndServe, buildSite, BASE_PATH, SITE_URL, type BuiltSite } from './fixture.ts';
import { launchChromium, weighPage, FIRST_VIEW_BUDGET, WHOLE_PAGE_BUDGET } from '../../scripts/weigh.ts';
import { CHART_IDS } from '../../src/charts/specs.ts';

/** Every figure issue 3 asks for, by its element id on the page. */
const FIGURE_IDS = ['fig-training-curves', 'fig-confusion-matrix', 'fig-accuracy-vs-cost', 'fig-per-class-f1', 'fig-activations', 'fig-propagation'];

let site: BuiltSite;
let browser: Browser;

beforeAll(async () => {
  site = await buildAndServe();
  browser = await launchChromium();
}, 900_000);

afterAll(async () => {
  await browser?.close();
  await site?.dispose();
});

interface Problems {
  console: string[];
  failed: string[];
}

async function open(options: { javaScriptEnabled?: boolean } = {}): Promise<{ page: Page; problems: Problems; close(): Promise<void> }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, javaScriptEnabled: options.javaScriptEnabled ?? true });
  const page = await context.newPage();
  const problems: Problems = { console: [], failed: [] };
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.console.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.console.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => problems.failed.push(`${r.url()} (${r.failure()?.errorText})`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.failed.push(`${r.url()} (HTTP ${r.status()})`);
  });
  await page.goto(site.url, { waitUntil: 'load' });
  return { page, problems, close: () => context.close() };
}

/** Scrolls to the end in steps, so every lazy image and chart comes into view. */
async function scrollThrough(page: Page): Promise<void> {
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  for (let y = 0; y <= height; y += 400) {
    await page.evaluate((top) => window.scrollTo(0, top), y);
    await page.waitForTimeout(40);
  }
  await page.waitForLoadState('networkidle');
}

/** Scrolls each chart into view and waits until vega-embed has replaced its static SVG. */
async function allChartsLive(page: Page): Promise<void> {
  for (const id of CHART_IDS) {
    const chart = page.locator(`.vega-chart[data-chart-id="${id}"]`);
    await chart.scrollIntoViewIfNeeded();
    await page.waitForSelector(`.vega-chart[data-chart-id="${id}"][data-live="true"] .vega-live svg.marks`, { timeout: 60_000 });
  }
}

/** Resolves when every visible <img> in `selector` has loaded; returns their natural widths. */
async function imageWidths(page: Page, selector: string): Promise<number[]> {
  const images = page.locator(`${selector} img:visible`);
  const n = await images.count();
  for (let i = 0; i < n; i++) {
    await images.nth(i).scrollIntoViewIfNeeded();
    await images.nth(i).evaluate((img: HTMLImageElement) =>
      img.complete
        ? undefined
        : new Promise((done) => {
            img.addEventListener('load', done, { once: true });
            img.addEventListener('error', done, { once: true });
          }),
    );
  }
  return images.evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).naturalWidth));
}

const svgText = (page: Page, chartId: string) => page.locator(`.vega-chart[data-chart-id="${chartId}"] .vega-live svg.marks`).evaluate((svg) => svg.textContent ?? '');

describe('the paper, built from a smoke run under a sub-path', () => {
  it('loads with no console errors and no failed requests, even after every chart goes live', async () => {
    const { page, problems, close } = await open();
    await scrollThrough(page);
    await allChartsLive(page);
    await page.waitForLoadState('networkidle');
    expect(problems.console).toEqual([]);
    expect(problems.failed).toEqual([]);
    await close();
  });

  it('holds every figure of the study and no placeholder', async () => {
    const { page, close } = await open();
    for (const id of FIGURE_IDS) await expect(page.locator(`figure#${id}`).count()).resolves.toBe(1);
    await expect(page.locator('[data-placeholder]').count()).resolves.toBe(0);
    // Model table, one layer table per model, the methods appendix.
    await expect(page.locator('#model-table tbody tr').count()).resolves.toBe(5);
    await expect(page.locator('details.layers').count()).resolves.toBe(5);
    await expect(page.locator('#methods-data').count()).resolves.toBe(1);
    await close();
  });

  it('draws every chart as static SVG first, then live once scrolled into view', async () => {
    const { page, close } = await open();
    for (const id of CHART_IDS) {
      const marks = await page.locator(`.vega-chart[data-chart-id="${id}"] .vega-static svg path`).count();
      expect(marks, `static marks of ${id}`).toBeGreaterThan(0);
    }
    await allChartsLive(page);
    for (const id of CHART_IDS) {
      const marks = await page.locator(`.vega-chart[data-chart-id="${id}"] .vega-live svg.marks path`).count();
      expect(marks, `live marks of ${id}`).toBeGreaterThan(0);
    }
    await close();
  });

  it('redraws the confusion matrix when the model or the normalisation changes', async () => {
    const { page, close } = await open();
    const chart = page.locator('.vega-chart[data-chart-id="confusion-matrix"]');
    await chart.scrollIntoViewIfNeeded();
    await page.waitForSelector('.vega-chart[data-chart-id="confusion-matrix"][data-live="true"] .vega-live svg.marks');
    const select = chart.locator('.vega-live select');
    const options = await select.locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(options.length).toBe(5);
    const before = await svgText(page, 'confusion-matrix');
    const changed: boolean[] = [];
    for (const value of options.slice(1)) {
      await select.selectOption(value);
      await page.waitForTimeout(100);
      changed.push((await svgText(page, 'confusion-matrix')) !== before);
    }
    // Models of a smoke run can tie on every cell; at least one other model must differ.
    expect(changed).toContain(true);
    const counts = await svgText(page, 'confusion-matrix');
    const radios = chart.locator('.vega-live input[type="radio"]');
    await radios.nth(1).check();
    await expect.poll(() => svgText(page, 'confusion-matrix')).not.toBe(counts);
    await close();
  });

  it('swaps activation maps and propagation for another model and image, and every image loads', async () => {
    const { page, close } = await open();
    for (const figure of ['#fig-activations', '#fig-propagation']) {
      const root = page.locator(`${figure} [data-feature-figure]`);
      await root.scrollIntoViewIfNeeded();
      const widths = await imageWidths(page, figure);
      expect(widths.length).toBeGreaterThan(1);
      expect(widths.every((w) => w > 0)).toBe(true);

      const srcs = () => root.locator('img:visible').evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).src));
      const modelSelect = root.locator('select[name="model"]');
      const sampleSelect = root.locator('select[name="sample"]');
      const models = await modelSelect.locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
      expect(models.length).toBe(5);

      const first = await srcs();
      const current = await modelSelect.inputValue();
      await modelSelect.selectOption(models.find((m) => m !== current)!);
      const afterModel = await srcs();
      expect(afterModel).not.toEqual(first);
      const prediction = await root.locator('[data-prediction]').first().textContent();
      const samples = await sampleSelect.locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
      await sampleSelect.selectOption(samples[samples.length - 1]!);
      expect(await srcs()).not.toEqual(afterModel);
      expect(await root.locator('[data-prediction]').first().textContent()).not.toBe(prediction);
      const widthsAfter = await imageWidths(page, figure);
      expect(widthsAfter.every((w) => w > 0)).toBe(true);
    }
    await close();
  });

  it('reads without JavaScript: static charts and default feature maps are there', async () => {
    const { page, problems, close } = await open({ javaScriptEnabled: false });
    for (const id of CHART_IDS) {
      await expect(page.locator(`.vega-chart[data-chart-id="${id}"] .vega-static svg path`).count()).resolves.toBeGreaterThan(0);
    }
    await expect(page.locator('.vega-live').count()).resolves.toBe(0);
    for (const figure of ['#fig-activations', '#fig-propagation']) {
      const widths = await imageWidths(page, figure);
      expect(widths.length).toBeGreaterThan(1);
      expect(widths.every((w) => w > 0)).toBe(true);
    }
    expect(problems.failed).toEqual([]);
    await close();
  });

  it('keeps every link and asset under the base path', async () => {
    const { page, close } = await open();
    const refs = await page.locator('[href], [src]').evaluateAll((els) => els.map((e) => e.getAttribute('href') ?? e.getAttribute('src') ?? ''));
    const rooted = refs.filter((r) => r.startsWith('/'));
    expect(rooted.length).toBeGreaterThan(3);
    expect(rooted.filter((r) => !r.startsWith(BASE_PATH))).toEqual([]);
    const anchors = refs.filter((r) => r.startsWith('#') && r.length > 1);
    for (const a of anchors) await expect(page.locator(`[id="${a.slice(1)}"]`).count(), a).resolves.toBe(1);
    await close();
  });

  it('has a 1200×630 social card, Open Graph and Twitter tags, and a favicon', async () => {
    const { page, close } = await open();
    const meta = (sel: string) => page.locator(sel).getAttribute('content');
    const card = `${SITE_URL}${BASE_PATH}social-card.png`;
    expect(await meta('meta[property="og:image"]')).toBe(card);
    expect(await meta('meta[name="twitter:image"]')).toBe(card);
    expect(await meta('meta[name="twitter:card"]')).toBe('summary_large_image');
    expect(await meta('meta[property="og:title"]')).toBeTruthy();
    expect(await meta('meta[property="og:description"]')).toMatch(/\d/);
    const png = Buffer.from(await (await fetch(`${site.url}social-card.png`)).arrayBuffer());
    const info = await sharp(png).metadata();
    expect([info.format, info.width, info.height]).toEqual(['png', 1200, 630]);
    const icon = await page.locator('link[rel="icon"]').getAttribute('href');
    expect((await fetch(new URL(icon!, site.url))).status).toBe(200);
    await close();
  });

  it('stays within the page-weight budget', async () => {
    const weight = await weighPage(site.url, site.dist, browser);
    expect(weight.firstViewBytes).toBeLessThanOrEqual(FIRST_VIEW_BUDGET);
    expect(weight.wholePageBytes).toBeLessThanOrEqual(WHOLE_PAGE_BUDGET);
  });
});

describe('a malformed results bundle', () => {
  const broken = (name: string, edit: (dir: string) => void) => {
    const dir = join(site.work, `broken-${name}`);
    cpSync(site.results, dir, { recursive: true });
    edit(dir);
    return dir;
  };
  const editJson = (file: string, change: (json: Record<string, any>) => void) => {
    const json = JSON.parse(readFileSync(file, 'utf8'));
    change(json);
    writeFileSync(file, JSON.stringify(json));
  };

  it('stops astro build with a message naming the model file and the field', async () => {
    const dir = broken('model', (d) => editJson(join(d, 'models/tiny-cnn.json'), (j) => (j.evaluation.accuracy = 1.5)));
    const r = await buildSite(dir, join(site.work, 'dist-broken-model'), join(site.work, 'astro-cache-broken'));
    expect(r.code).not.toBe(0);
    expect(r.output).toContain(join(dir, 'models/tiny-cnn.json'));
    expect(r.output).toMatch(/evaluation\.accuracy/);
  });

  it('stops astro build with a message naming manifest.json and the field', async () => {
    const dir = broken('manifest', (d) => editJson(join(d, 'manifest.json'), (j) => delete j.split));
    const r = await buildSite(dir, join(site.work, 'dist-broken-manifest'), join(site.work, 'astro-cache-broken'));
    expect(r.code).not.toBe(0);
    expect(r.output).toContain(join(dir, 'manifest.json'));
    expect(r.output).toMatch(/\bsplit\b/);
  });
});
