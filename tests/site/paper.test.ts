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
import { createRequire } from 'node:module';
import { buildAndServe, buildSite, BASE_PATH, REPOSITORY_URL, SITE_URL, type BuiltSite } from '../helpers/site-build.ts';
import { launchChromium, weighPage, FIRST_VIEW_BUDGET, WHOLE_PAGE_BUDGET } from '../../scripts/weigh.ts';
import { CHART_IDS } from '../../src/charts/specs.ts';
import { FIGURES } from '../../src/lib/figures.ts';
import { CORRECT_FILL } from '../../src/charts/confusion-matrix.ts';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
/** Smallest chart text a reader should have to read, in CSS pixels as rendered. */
const MIN_CHART_FONT_PX = 10;
/** A4 at Chromium's 96 px per inch, less the page's 14 mm side and 15 mm top/bottom margins (src/styles/paper.css @page). */
const PRINT_WIDTH_PX = Math.floor(((210 - 2 * 14) / 25.4) * 96);
const PRINT_HEIGHT_PX = Math.floor(((297 - 2 * 15) / 25.4) * 96);

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

async function open(options: { javaScriptEnabled?: boolean; width?: number } = {}): Promise<{ page: Page; problems: Problems; close(): Promise<void> }> {
  const context = await browser.newContext({ viewport: { width: options.width ?? 1280, height: 900 }, javaScriptEnabled: options.javaScriptEnabled ?? true });
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

/**
 * Marks in chart `id`'s static SVG (an <img> of the wide layout, at a desktop width): it
 * must have loaded, and the SVG file must hold path marks.
 */
async function staticMarks(page: Page, id: string): Promise<number> {
  // Not scrolled to: in view, the live chart would replace it. The wide image loads eagerly.
  const img = page.locator(`.vega-chart[data-chart-id="${id}"] img.vega-static[data-layout="wide"]`);
  await expect.poll(() => img.evaluate((i: HTMLImageElement) => i.complete && i.naturalWidth > 0)).toBe(true);
  const src = await img.evaluate((i: HTMLImageElement) => i.currentSrc || i.src);
  const svg = await (await fetch(src)).text();
  return (svg.match(/<path\b/g) ?? []).length;
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
    await expect(page.locator('#model-table tbody tr[data-model]').count()).resolves.toBe(5);
    await expect(page.locator('details.layers').count()).resolves.toBe(5);
    await expect(page.locator('#methods-data').count()).resolves.toBe(1);
    await close();
  });

  it('draws every chart as static SVG first, then live once scrolled into view', async () => {
    const { page, close } = await open();
    for (const id of CHART_IDS) expect(await staticMarks(page, id), `static marks of ${id}`).toBeGreaterThan(0);
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
    for (const id of CHART_IDS) expect(await staticMarks(page, id), `static marks of ${id}`).toBeGreaterThan(0);
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

/**
 * The smallest rendered font size (CSS px) of any text in each chart's SVG (live if JS ran,
 * else the static image shown: its SVG file is fetched and measured at the image's width).
 */
async function chartFontSizes(page: Page): Promise<Record<string, number>> {
  return page.evaluate(async () => {
    const out: Record<string, number> = {};
    const sizesIn = (svg: SVGSVGElement, renderedWidth: number) => {
      const scale = renderedWidth / svg.width.baseVal.value;
      return [...svg.querySelectorAll('text')].filter((t) => t.textContent?.trim()).map((t) => parseFloat(getComputedStyle(t).fontSize) * scale);
    };
    for (const chart of document.querySelectorAll<HTMLElement>('.vega-chart')) {
      const sizes: number[] = [];
      for (const svg of chart.querySelectorAll<SVGSVGElement>('.vega-live svg.marks')) {
        const w = svg.getBoundingClientRect().width;
        if (w > 0) sizes.push(...sizesIn(svg, w));
      }
      for (const img of chart.querySelectorAll<HTMLImageElement>('img.vega-static')) {
        const w = img.getBoundingClientRect().width;
        if (w === 0) continue;
        const holder = document.createElement('div');
        holder.style.cssText = 'position: absolute; left: -100000px; top: 0';
        holder.innerHTML = await (await fetch(img.currentSrc || img.src)).text();
        document.body.append(holder);
        sizes.push(...sizesIn(holder.querySelector('svg')!, w));
        holder.remove();
      }
      out[chart.dataset.chartId!] = sizes.length ? Math.min(...sizes) : 0;
    }
    return out;
  });
}

async function axeViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: axeSource });
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, o: object): Promise<{ violations: { id: string; nodes: { target: string[] }[] }[] }> } }).axe;
    const { violations } = await axe.run(document, { resultTypes: ['violations'] });
    return violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
}

describe('the paper on a phone, in print and for every reader', () => {
  it('keeps every chart legible at 390 px: narrow layouts, type at least 10 px, static and live', async () => {
    const noJs = await open({ width: 390, javaScriptEnabled: false });
    const staticSizes = await chartFontSizes(noJs.page);
    expect(Object.keys(staticSizes).sort()).toEqual([...CHART_IDS].sort());
    for (const [id, px] of Object.entries(staticSizes)) expect(px, `static ${id}`).toBeGreaterThanOrEqual(MIN_CHART_FONT_PX);
    await noJs.close();

    const { page, close } = await open({ width: 390 });
    await allChartsLive(page);
    const layouts = await page.locator('.vega-chart').evaluateAll((cs) => cs.map((c) => (c as HTMLElement).dataset.layout));
    expect(layouts.every((l) => l === 'narrow')).toBe(true);
    for (const [id, px] of Object.entries(await chartFontSizes(page))) expect(px, `live ${id}`).toBeGreaterThanOrEqual(MIN_CHART_FONT_PX);
    // No chart is wider than the screen, and the chart menu sits below the chart, over nothing.
    const boxes = await page.locator('.vega-chart').evaluateAll((cs) =>
      cs.map((c) => {
        const svg = c.querySelector('svg.marks')!.getBoundingClientRect();
        const menu = c.querySelector('.vega-embed > details > summary')!.getBoundingClientRect();
        return { right: svg.right, menuTop: menu.top, svgBottom: svg.bottom, label: c.querySelector('.vega-embed > details > summary')!.getAttribute('aria-label') };
      }),
    );
    for (const b of boxes) {
      expect(b.right).toBeLessThanOrEqual(390);
      expect(b.menuTop).toBeGreaterThanOrEqual(b.svgBottom - 1);
      expect(b.label).toMatch(/chart menu/i);
    }
    await close();
  });

  it('highlights one model of the training curves from a labelled select, usable from the keyboard', async () => {
    const { page, close } = await open();
    const chart = page.locator('.vega-chart[data-chart-id="training-curves"]');
    await chart.scrollIntoViewIfNeeded();
    await page.waitForSelector('.vega-chart[data-chart-id="training-curves"][data-live="true"] .vega-live svg.marks');
    const select = chart.locator('.vega-live .vega-bindings select');
    expect(await select.evaluate((s) => s.closest('label')?.textContent ?? '')).toMatch(/Highlight/);
    const opacities = () => chart.locator('.vega-live path[aria-roledescription="line mark"]').evaluateAll((ps) => ps.map((p) => p.getAttribute('opacity') ?? '1'));
    expect(new Set(await opacities())).toEqual(new Set(['1']));
    await select.focus();
    await page.keyboard.press('ArrowDown');
    await expect.poll(async () => new Set(await opacities()).size).toBe(2);
    await close();
  });

  it('puts test accuracy first in the model table and turns its rows into cards on a phone', async () => {
    const { page, close } = await open({ width: 390 });
    const headers = await page.locator('#model-table thead th').allTextContents();
    expect(headers[1]).toMatch(/^Test accuracy/);
    const row = page.locator('#model-table tbody tr').first();
    expect(await row.evaluate((r) => getComputedStyle(r).display)).toBe('grid');
    const table = await page.locator('#model-table').evaluate((t) => ({ scroll: t.scrollWidth, client: t.clientWidth }));
    expect(table.scroll).toBeLessThanOrEqual(table.client + 1);
    await close();
  });

  it('shows the errors in the confusion matrix and lists the misclassified images of a clicked cell', async () => {
    const { page, problems, close } = await open();
    const chart = page.locator('.vega-chart[data-chart-id="confusion-matrix"]');
    await chart.scrollIntoViewIfNeeded();
    await page.waitForSelector('.vega-chart[data-chart-id="confusion-matrix"][data-live="true"] .vega-live svg.marks');
    // Vega labels each mark with its tooltip: "True class: A; Predicted: B; Images: n; ...".
    const cells = await chart.locator('.vega-live path[aria-roledescription="rect mark"]').evaluateAll((ps) =>
      ps.map((p) => {
        const label = p.getAttribute('aria-label') ?? '';
        const field = (name: string) => new RegExp(`${name}: ([^;]+)`).exec(label)?.[1]?.trim();
        const box = p.getBoundingClientRect();
        return { actual: field('True class'), predicted: field('Predicted'), count: Number(field('Images')?.replace(/,/g, '')), fill: p.getAttribute('fill'), x: box.x + box.width / 2, y: box.y + box.height / 2 };
      }),
    );
    expect(cells.length).toBe(36);
    const diagonal = cells.filter((c) => c.actual === c.predicted);
    const errors = cells.filter((c) => c.actual !== c.predicted && c.count > 0);
    const empty = cells.filter((c) => c.actual !== c.predicted && c.count === 0);
    expect(diagonal.every((c) => c.fill?.toLowerCase() === CORRECT_FILL)).toBe(true);
    expect(empty.every((c) => c.fill === 'white' || c.fill === '#ffffff')).toBe(true);
    expect(errors.length).toBeGreaterThan(0);
    // Even the smallest error count is coloured, not white.
    const fewest = errors.sort((a, b) => a.count - b.count)[0]!;
    expect(fewest.fill).not.toMatch(/^(white|#fff(fff)?)$/i);

    const target = errors[errors.length - 1]!;
    await page.mouse.click(target.x, target.y);
    const gallery = page.locator('#fig-confusion-matrix .cm-gallery');
    await expect.poll(() => gallery.locator('li').count()).toBeGreaterThan(0);
    const status = await page.locator('#fig-confusion-matrix [data-status]').textContent();
    expect(status).toContain(`${target.actual} ${target.count === 1 ? 'image' : 'images'} taken for ${target.predicted}`);
    const shown = await gallery.locator('li').count();
    expect(shown).toBeLessThanOrEqual(target.count);
    const widths = await imageWidths(page, '#fig-confusion-matrix .cm-gallery');
    expect(widths.length).toBe(shown);
    expect(widths.every((w) => w > 0)).toBe(true);
    // Each image names the predicted and the true class with the model's probabilities.
    const caption = await gallery.locator('li p').first().textContent();
    expect(caption).toMatch(new RegExp(`^${target.predicted} [<>]?\\d+(\\.\\d)?% · ${target.actual} [<>]?\\d+(\\.\\d)?%$`));
    // Each image's file path wraps, if at all, after a folder separator: the file name itself stays on one line.
    const names = await gallery.locator('li p.file').evaluateAll((ps) =>
      ps.map((p) => {
        const last = p.lastChild!;
        const range = document.createRange();
        range.selectNodeContents(last);
        return { text: p.textContent, lines: new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size };
      }),
    );
    expect(names.length).toBe(shown);
    for (const n of names) {
      expect(n.text).toMatch(/^[^/]+(\/[^/]+)*\.\w+$/);
      expect(n.lines).toBe(1);
    }
    // The same list from the keyboard: the select under the matrix.
    const select = page.locator('#fig-confusion-matrix select[data-cell]');
    const options = await select.locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value).filter(Boolean));
    expect(options.length).toBe(errors.length);
    await select.selectOption(options[0]!);
    await expect.poll(() => gallery.locator('li').count()).toBeGreaterThan(0);
    expect(problems.console).toEqual([]);
    await close();
  });

  it('re-colours the feature maps on a per-map scale when asked, and says which scale is shown', async () => {
    const { page, close } = await open();
    const root = page.locator('#fig-activations [data-feature-figure]');
    await root.scrollIntoViewIfNeeded();
    await imageWidths(page, '#fig-activations');
    const src = () => root.locator('img[data-layer]:visible').first().getAttribute('src');
    expect(await src()).toMatch(/\.png$/);
    await root.locator('input[type="radio"][value="map"]').check();
    await expect.poll(src).toMatch(/^data:image\/png/);
    expect(await root.getAttribute('data-scale')).toBe('map');
    await root.locator('input[type="radio"][value="layer"]').check();
    await expect.poll(src).toMatch(/\.png$/);
    expect(await page.locator('#fig-activations figcaption').textContent()).toMatch(/each map its own/i);
    await close();
  });

  it('numbers its figures in reading order and refers to them by number', async () => {
    const { page, close } = await open();
    const figures = await page.locator('figure.figure').evaluateAll((fs) => fs.map((f) => ({ id: f.id, n: (f as HTMLElement).dataset.figureNumber, label: f.querySelector('.figure-label')?.textContent })));
    expect(figures.map((f) => f.id)).toEqual([...FIGURES]);
    figures.forEach((f, i) => {
      expect(f.n).toBe(String(i + 1));
      expect(f.label).toBe(`Figure ${i + 1}.`);
    });
    const refs = await page.locator('a.figref').evaluateAll((as) => as.map((a) => ({ href: a.getAttribute('href'), text: a.textContent })));
    expect(new Set(refs.map((r) => r.href))).toEqual(new Set(FIGURES.map((id) => `#${id}`)));
    for (const r of refs) expect(r.text).toBe(`Figure ${FIGURES.indexOf(r.href!.slice(1) as (typeof FIGURES)[number]) + 1}`);
    await close();
  });

  it('cites its sources and links the code at the commit it was built from', async () => {
    const { page, close } = await open();
    const refs = await page.locator('ol.references li').evaluateAll((ls) => ls.map((l) => ({ id: l.id, href: l.querySelector('a')?.getAttribute('href') ?? null })));
    const byId = Object.fromEntries(refs.map((r) => [r.id, r.href]));
    expect(byId['ref-resnet']).toBe('https://doi.org/10.1109/CVPR.2016.90');
    // The dataset's entry comes from its descriptor (datasets/medical-mnist.json), as the bundle records it.
    expect(byId['ref-dataset']).toMatch(/^https:\/\/github\.com\/apolanco3225\//);
    expect(byId['ref-tfjs']).toMatch(/^https:\/\/arxiv\.org\//);
    expect(byId['ref-code']).toMatch(new RegExp(`^${REPOSITORY_URL}/tree/[0-9a-f]{40}$`));
    expect(byId['ref-study']).toMatch(new RegExp(`^${REPOSITORY_URL}/blob/[0-9a-f]{40}/docs/study\\.md$`));
    // Every citation in the text points at an entry.
    const cites = await page.locator('a.cite').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    expect(cites.length).toBeGreaterThan(4);
    for (const c of cites) expect(refs.map((r) => `#${r.id}`)).toContain(c);
    // The data source is not a path of the build machine.
    const source = await page.locator('#methods-data + dl dd').first().textContent();
    expect(source).not.toMatch(/\/tmp\/|\/home\/|\/work\//);
    await close();
  });

  it('prints every figure and table whole, with its images', async () => {
    const context = await browser.newContext({ viewport: { width: PRINT_WIDTH_PX, height: PRINT_HEIGHT_PX } });
    const page = await context.newPage();
    await page.goto(site.url, { waitUntil: 'load' });
    await page.emulateMedia({ media: 'print' });
    // As printing does: the page's beforeprint handler loads the lazy images.
    await page.evaluate(() => dispatchEvent(new Event('beforeprint')));
    await page.waitForLoadState('networkidle');
    const boxes = await page.locator('figure.figure, .table-wrap').evaluateAll((els) =>
      els.map((el) => {
        const inDetails = el.closest('details');
        return {
          id: el.id || el.querySelector('caption, .caption')?.textContent?.slice(0, 40) || el.className,
          height: el.getBoundingClientRect().height,
          breakInside: getComputedStyle(el).breakInside,
          // A layer table longer than a page continues on the next with its header repeated.
          long: !!inDetails,
        };
      }),
    );
    expect(boxes.length).toBeGreaterThan(8);
    for (const b of boxes.filter((x) => !x.long)) {
      expect(b.breakInside, b.id).toBe('avoid');
      expect(b.height, `${b.id} fits one printed page`).toBeLessThanOrEqual(PRINT_HEIGHT_PX);
    }
    // Every image of every figure has loaded before printing (none is left lazy and empty).
    const images = await page.locator('figure.figure img:visible').evaluateAll((imgs) => imgs.map((i) => ({ src: (i as HTMLImageElement).src, w: (i as HTMLImageElement).naturalWidth, h: i.getBoundingClientRect().height })));
    expect(images.length).toBeGreaterThan(5);
    for (const i of images) {
      expect(i.w, i.src).toBeGreaterThan(0);
      expect(i.h, i.src).toBeGreaterThan(0);
    }
    const pdf = await page.pdf({ format: 'A4' });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    // Skia writes each distinct raster image once as an image XObject: the feature grids and inputs are in the PDF.
    // (The static charts are SVG images, which it draws as vectors, not as image objects.)
    const embedded = (pdf.toString('latin1').match(/\/Subtype\s*\/Image/g) ?? []).length;
    expect(embedded).toBeGreaterThanOrEqual(new Set(images.map((i) => i.src).filter((src) => !/\.svg$/.test(src))).size);
    await context.close();
  });

  it('has no axe violations, on a desktop and on a phone', async () => {
    for (const width of [1280, 390]) {
      const { page, close } = await open({ width });
      await scrollThrough(page);
      await allChartsLive(page);
      expect(await axeViolations(page), `at ${width} px`).toEqual([]);
      await close();
    }
  });
});

describe('publishing', () => {
  it('emits no absolute URL without SITE_URL, and a publishing build without it stops with a clear message', async () => {
    const dist = join(site.work, 'dist-no-site');
    const r = await buildSite(site.results, dist, join(site.work, 'astro-cache-no-site'), { SITE_URL: '' });
    expect(r.code, r.output).toBe(0);
    const html = readFileSync(join(dist, 'index.html'), 'utf8');
    expect(html).not.toMatch(/localhost/);
    expect(html).not.toMatch(/og:image"|og:url"|rel="canonical"/);
    const publish = await buildSite(site.results, join(site.work, 'dist-publish'), join(site.work, 'astro-cache-no-site'), { SITE_URL: '', PUBLISH: '1' });
    expect(publish.code).not.toBe(0);
    expect(publish.output).toMatch(/SITE_URL is not set/);
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
