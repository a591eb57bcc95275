/**
 * The section "How hard is Medical MNIST?" in the built paper: the near-duplicate figure's
 * images come from the bundle's audit.u8 and load, both protocols and every baseline are in
 * the tables, and the comparisons are stated from the bundle (a smoke run may have none:
 * then the page says so).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { buildAndServe, type BuiltSite } from '../helpers/site-build.ts';
import { launchChromium } from '../../scripts/weigh.ts';
import { Manifest } from '../../schema/results.ts';
import { bestBaseline } from '../../src/lib/difficulty.ts';

let site: BuiltSite;
let browser: Browser;
let manifest: Manifest;

beforeAll(async () => {
  site = await buildAndServe();
  browser = await launchChromium();
  manifest = Manifest.parse(JSON.parse(readFileSync(join(site.results, 'manifest.json'), 'utf8')));
}, 900_000);

afterAll(async () => {
  await browser?.close();
  await site?.dispose();
});

describe('the section on how hard Medical MNIST is', () => {
  it('renders the audit, the near-duplicate pairs from audit.u8, both protocols and the baselines', async () => {
    expect(manifest.audit, 'the smoke run writes the audit').toBeDefined();
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(site.url, { waitUntil: 'load' });

    await expect(page.locator('h2', { hasText: 'How hard is this dataset?' }).count()).resolves.toBe(1);
    const section = page.locator('#difficulty');
    await expect(section.textContent()).resolves.toContain(`${manifest.audit!.threshold.toFixed(2)} grey levels`);

    // Every pair of the figure, two images each, and each one decodes.
    const figures = manifest.audit!.figures;
    const pairs = figures.belowThreshold.length + figures.aboveThreshold.length + Object.values(figures.nearestTrain).reduce((s, p) => s + (p?.length ?? 0), 0);
    const images = page.locator('#fig-near-duplicates img');
    await expect(images.count()).resolves.toBe(2 * pairs);
    await page.locator('#fig-near-duplicates').scrollIntoViewIfNeeded();
    await expect.poll(() => images.evaluateAll((is) => is.every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0))).toBe(true);
    // An empty group says so instead of leaving a blank row.
    if (figures.belowThreshold.length === 0) await expect(page.locator('[data-pairs="below"]').textContent()).resolves.toContain('No such pair');

    // Each printed distance is on its side of the threshold: a pair just above it never reads as the threshold itself.
    const threshold = manifest.audit!.threshold;
    for (const [key, inSide] of [['below', (d: number) => d <= threshold], ['above', (d: number) => d > threshold]] as const) {
      const printed = await page.locator(`[data-pairs="${key}"] .label .num`).allTextContents();
      expect(printed.length).toBe(key === 'below' ? figures.belowThreshold.length : figures.aboveThreshold.length);
      for (const text of printed) expect(inSide(Number(text.replace(/,/g, ''))), `${key}: ${text} against ${threshold}`).toBe(true);
    }

    // The histograms: a static chart with a panel per protocol.
    const staticSrc = await page.locator('#fig-nearest-train img.vega-static[data-layout="wide"]').evaluate((i: HTMLImageElement) => i.src);
    const chart = await (await fetch(staticSrc)).text();
    for (const label of ['Per-image split', 'Grouped split']) expect(chart).toContain(label);

    // Both protocols for every model and baseline; baselines also in the model table.
    const ids = [...manifest.models.map((m) => m.id), ...manifest.baselines!.map((b) => b.id)];
    const rows = await page.locator('#protocol-table tbody tr').evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset.method));
    expect(rows.sort()).toEqual([...ids].sort());
    await expect(page.locator('#protocol-table thead').textContent()).resolves.toMatch(/Per-image split[\s\S]*Grouped split/);
    for (const b of manifest.baselines!) await expect(page.locator(`#model-table tr[data-baseline="${b.id}"]`).count()).resolves.toBe(1);

    // The comparisons, as the bundle has them.
    const text = (await section.textContent())!.replace(/\s+/g, ' ');
    const compared = (manifest.comparisons ?? []).some((c) => c.perSeed.length > 0);
    if (compared) {
      expect(text).toContain('McNemar');
      expect(text).toContain(`the best baseline, ${manifest.baselines!.find((b) => b.id === bestBaseline(manifest, 'image')!.id)!.name}`);
    } else expect(text).toContain('made no paired comparisons');
    await expect(page.locator('#difficulty-conclusion').count()).resolves.toBe(1);
    expect(errors).toEqual([]);
    await context.close();
  });
});
