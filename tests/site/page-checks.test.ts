/**
 * What a validator and a phone say about the built page (issue #22): the Nu HTML checker
 * finds no error, the page holds fewer than 3,000 elements before the reader opens
 * anything, and at 390 px the document is never wider than the screen, no table or
 * figure scrolls sideways inside it, also once the Try-it section has run and every
 * chart has gone live; no local link or fragment is broken, the captions stay short, and the A4 print is at most 12 pages with
 * every figure and table whole.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { buildAndServe, buildSite, type BuiltSite } from '../helpers/site-build.ts';
import { launchChromium } from '../../scripts/weigh.ts';
import { check as checkLinks, LinkState } from 'linkinator';

/** Elements the page may hold at load (Lighthouse warns above 800 and fails above 1,400; issue #22 asks for under 3,000). */
const MAX_ELEMENTS = 3000;
const PHONE = 390;

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

async function open(width: number): Promise<{ page: Page; close(): Promise<void> }> {
  const context = await browser.newContext({ viewport: { width, height: 844 } });
  const page = await context.newPage();
  await page.goto(site.url, { waitUntil: 'load' });
  return { page, close: () => context.close() };
}

/** How wide the document is, and every table or figure that scrolls sideways inside it. */
function widths(page: Page): Promise<{ scrollWidth: number; innerWidth: number; scrollers: string[] }> {
  return page.evaluate(() => {
    const scrollers = [...document.querySelectorAll<HTMLElement>('main *')]
      .filter((e) => {
        const s = getComputedStyle(e);
        return (s.overflowX === 'auto' || s.overflowX === 'scroll') && e.scrollWidth > e.clientWidth + 1 && e.getBoundingClientRect().width > 0;
      })
      .map((e) => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')} in #${e.closest('[id]')?.id}: ${e.scrollWidth} > ${e.clientWidth}`);
    return { scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, scrollers };
  });
}

describe('the first screen', () => {
  it('states the finding with a number above any caveat, on a phone and on a desktop, and the description says the same', async () => {
    for (const width of [PHONE, 1280]) {
      const { page, close } = await open(width);
      const at = await page.evaluate(() => {
        const top = (sel: string) => document.querySelector(sel)?.getBoundingClientRect().top ?? Infinity;
        const bottom = (sel: string) => document.querySelector(sel)?.getBoundingClientRect().bottom ?? Infinity;
        return {
          findingBottom: bottom('#finding'),
          numberBottom: bottom('.masthead .keynumbers .value'),
          caveatTop: Math.min(top('.notice'), top('.dek')),
          height: window.innerHeight,
          finding: document.querySelector('#finding')?.textContent?.replace(/\s+/g, ' ').trim() ?? '',
          description: document.querySelector('meta[name="description"]')?.getAttribute('content') ?? '',
          og: document.querySelector('meta[property="og:description"]')?.getAttribute('content') ?? '',
        };
      });
      expect(at.findingBottom, `finding on the first screen at ${width} px`).toBeLessThanOrEqual(at.height);
      expect(at.numberBottom, `a number on the first screen at ${width} px`).toBeLessThanOrEqual(at.height);
      expect(at.numberBottom, 'the numbers before the dek and the run notice').toBeLessThanOrEqual(at.caveatTop);
      // The sentence names the best baseline and a seed spread or seed count, and is the description.
      expect(at.finding).toMatch(/the best baseline, /);
      expect(at.finding).toMatch(/mean of \d+ seeds|one seed/);
      expect(at.finding.replace(/^In one sentence: /, '')).toBe(at.description);
      expect(at.og).toBe(at.description);
      await close();
    }
  });
});

describe('the built page, checked', () => {
  it('has no Nu HTML checker error', async () => {
    const jar = join(createRequire(import.meta.url).resolve('vnu-jar/package.json'), '..', 'build/dist/vnu.jar');
    const java = process.env.JAVA ?? 'java';
    const run = await promisify(execFile)(java, ['-jar', jar, '--format', 'json', '--exit-zero-always', join(site.dist, 'index.html')], { maxBuffer: 64 << 20 }).catch((e: { stdout?: string; stderr?: string }) => e);
    const report = JSON.parse(run.stderr || run.stdout || '{"messages":[]}') as { messages: { type: string; message: string; lastLine?: number; extract?: string }[] };
    const errors = report.messages.filter((m) => m.type === 'error' || m.type === 'non-document-error');
    expect(errors.map((e) => `line ${e.lastLine}: ${e.message} ${e.extract ?? ''}`)).toEqual([]);
  });

  it(`holds fewer than ${MAX_ELEMENTS} elements before the reader opens anything`, async () => {
    for (const width of [1280, PHONE]) {
      const { page, close } = await open(width);
      const count = await page.evaluate(() => document.querySelectorAll('*').length);
      expect(count, `elements at ${width} px`).toBeLessThan(MAX_ELEMENTS);
      await close();
    }
  });

  it('keeps a long layer table out of the page until a reader opens it, then shows every layer', async () => {
    const { page, close } = await open(1280);
    const long = page.locator('details.layers[data-long]');
    if ((await long.count()) > 0) {
      const first = long.first();
      const rows = () => first.locator('tbody tr').count();
      const stages = await rows();
      expect(stages).toBeGreaterThan(0);
      await first.locator('summary').click();
      await expect.poll(rows).toBeGreaterThan(stages);
      await expect(first.locator('template').count()).resolves.toBe(0);
    }
    await close();
  });

  it(`is never wider than a ${PHONE} px phone, and no table or figure scrolls inside it, before and after every chart and the Try-it section have run`, async () => {
    const { page, close } = await open(PHONE);
    const atLoad = await widths(page);
    expect(atLoad.scrollWidth, 'document width at load').toBeLessThanOrEqual(atLoad.innerWidth);
    expect(atLoad.scrollers).toEqual([]);
    // Everything that draws later: each chart goes live in view, the Try-it section runs its models.
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    for (let y = 0; y <= height; y += 500) {
      await page.evaluate((top) => window.scrollTo(0, top), y);
      await page.waitForTimeout(30);
    }
    await page.locator('[data-tryit]').scrollIntoViewIfNeeded();
    await page.waitForFunction(() => document.querySelector<HTMLElement>('[data-tryit]')?.dataset.runs !== undefined, null, { timeout: 120_000 });
    await page.waitForLoadState('networkidle');
    const after = await widths(page);
    expect(after.scrollWidth, 'document width after the Try-it section ran').toBeLessThanOrEqual(after.innerWidth);
    expect(after.scrollers).toEqual([]);
    await close();
  });

  it('names the code only as far as the build knows it: no placeholder without REPOSITORY_URL, no install errors in the appendix', async () => {
    const dist = join(site.work, 'dist-no-repository');
    const r = await buildSite(site.results, dist, join(site.work, 'astro-cache-no-repository'), { REPOSITORY_URL: '' });
    expect(r.code, r.output).toBe(0);
    const html = readFileSync(join(dist, 'index.html'), 'utf8');
    expect(html).not.toMatch(/not configured|set REPOSITORY_URL/);
    // The checkout's own remote, when it has a web address, is linked instead; never a non-https address.
    for (const m of html.matchAll(/<li id="ref-code">[\s\S]*?<\/li>/g)) expect(m[0]).not.toMatch(/href="(?!https:\/\/)/);
    const built = readFileSync(join(site.dist, 'index.html'), 'utf8');
    expect(built).not.toMatch(/Couldn.t load Vulkan|libvulkan|vkCreateInstance|cannot open shared object/);
  });

  it('has no broken local link or fragment (linkinator, following every page of the site)', async () => {
    const origin = new URL(site.url).origin;
    const result = await checkLinks({
      path: site.url,
      recurse: true,
      checkFragments: true,
      // Outside addresses (references, the repository) cannot be reached offline; everything the site serves is checked.
      linksToSkip: async (link) => !link.startsWith(origin),
    });
    const broken = result.links.filter((l) => l.state === LinkState.BROKEN).map((l) => `${l.url} (${l.status ?? 'no response'}) on ${l.parent ?? 'the start page'}`);
    expect(broken).toEqual([]);
    expect(result.links.filter((l) => l.state === LinkState.OK).length).toBeGreaterThan(20);
  });

  it('keeps every caption under about 60 words', async () => {
    const { page, close } = await open(1280);
    const long = await page.evaluate(() =>
      [...document.querySelectorAll('figcaption, .table-wrap > .caption')]
        .map((c) => (c.textContent ?? '').split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w)))
        .filter((words) => words.length > 60)
        .map((words) => `${words.length} words: ${words.slice(0, 8).join(' ')} …`),
    );
    expect(long).toEqual([]);
    await close();
  });

  it('prints to at most 12 A4 pages, no figure or table split across a page', async () => {
    // A4's text area under the print style's margins (15 mm × 14 mm), in CSS pixels (96 per inch).
    const mm = 96 / 25.4;
    const area = { width: Math.floor((210 - 28) * mm), height: Math.floor((297 - 30) * mm) };
    const context = await browser.newContext({ viewport: area });
    const page = await context.newPage();
    await page.goto(site.url, { waitUntil: 'load' });
    await page.emulateMedia({ media: 'print' });
    await page.evaluate(() => dispatchEvent(new Event('beforeprint')));
    await page.waitForLoadState('networkidle');
    // A block that keeps together and is shorter than a page moves whole to the next page.
    const split = await page.evaluate((height) => {
      const blocks = [...document.querySelectorAll<HTMLElement>('figure, .table-wrap')].filter((e) => e.getClientRects().length > 0);
      return blocks
        .filter((e) => getComputedStyle(e).breakInside !== 'avoid' || e.getBoundingClientRect().height > height)
        .map((e) => `${e.id || e.className}: ${Math.round(e.getBoundingClientRect().height)} px, break-inside ${getComputedStyle(e).breakInside}`);
    }, area.height);
    expect(split).toEqual([]);
    const pdf = await page.pdf({ format: 'A4' });
    const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page(?!s)/g) ?? []).length;
    expect(pages).toBeGreaterThan(3);
    expect(pages).toBeLessThanOrEqual(12);
    await context.close();
  });
});
