/**
 * The Try-it section in headless Chromium, on the site built from a smoke run: it loads
 * nothing before it is on screen, runs every exported model on the sample images with
 * the pipeline's probabilities, takes an uploaded PNG through the pipeline's exact
 * preprocessing, refuses bad files with a message and stays usable, and reads without
 * JavaScript.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';
import { buildAndServe, type BuiltSite } from '../helpers/site-build.ts';
import { launchChromium } from '../../scripts/weigh.ts';
import { readBundle, readSamples, type Bundle } from '../../schema/bundle.ts';
import { decodeImage } from '../../pipeline/data/decode.ts';

let site: BuiltSite;
let browser: Browser;
let bundle: Bundle;

beforeAll(async () => {
  site = await buildAndServe();
  browser = await launchChromium();
  bundle = readBundle(site.results);
}, 900_000);

afterAll(async () => {
  await browser?.close();
  await site?.dispose();
});

interface Opened {
  page: Page;
  problems: string[];
  requests: string[];
  close(): Promise<void>;
}

async function open(javaScriptEnabled = true): Promise<Opened> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, javaScriptEnabled });
  const page = await context.newPage();
  const problems: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`failed: ${r.url()} (${r.failure()?.errorText})`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  page.on('request', (r) => requests.push(new URL(r.url()).pathname));
  await page.goto(site.url, { waitUntil: 'networkidle' });
  return { page, problems, requests, close: () => context.close() };
}

/** Scrolls the section into view and waits until its models have run on the first image. */
async function start(page: Page): Promise<void> {
  await page.locator('[data-tryit]').scrollIntoViewIfNeeded();
  await page.waitForFunction(() => document.querySelector<HTMLElement>('[data-tryit]')?.dataset.runs !== undefined, null, { timeout: 120_000 });
}

const runs = (page: Page) => page.evaluate(() => Number(document.querySelector<HTMLElement>('[data-tryit]')?.dataset.runs ?? 0));

/** Waits until the section has finished one more run than `before`. */
async function nextRun(page: Page, before: number): Promise<void> {
  await page.waitForFunction((n) => Number(document.querySelector<HTMLElement>('[data-tryit]')?.dataset.runs ?? 0) > n && document.querySelector<HTMLElement>('[data-tryit]')?.dataset.state === 'ready', before, { timeout: 60_000 });
}

/** The probabilities table: model id → probabilities in class order. */
function probabilities(page: Page): Promise<Record<string, number[]>> {
  return page.evaluate(() => {
    const out: Record<string, number[]> = {};
    for (const row of document.querySelectorAll<HTMLElement>('[data-tryit-probs] tbody tr')) {
      const k = Number(row.dataset.class);
      for (const td of row.querySelectorAll<HTMLElement>('td[data-model]')) (out[td.dataset.model!] ??= [])[k] = Number(td.dataset.p);
    }
    return out;
  });
}

/** Uploads a file through the section's file input and waits for a run or a message. */
async function upload(page: Page, file: { name: string; mimeType: string; buffer: Buffer }): Promise<{ message: string; kind: string }> {
  const before = await runs(page);
  const errorsBefore = await page.evaluate(() => Number(document.querySelector<HTMLElement>('[data-tryit]')?.dataset.errors ?? 0));
  await page.setInputFiles('[data-tryit-file]', file);
  await page.waitForFunction(
    ([n, e]) => {
      const root = document.querySelector<HTMLElement>('[data-tryit]')!;
      return (Number(root.dataset.runs ?? 0) > n! && root.dataset.state === 'ready') || Number(root.dataset.errors ?? 0) > e!;
    },
    [before, errorsBefore],
    { timeout: 60_000 },
  );
  const message = page.locator('[data-tryit-message]');
  return { message: (await message.textContent()) ?? '', kind: (await message.getAttribute('data-kind')) ?? '' };
}

/** A colourful, scan-unlike test picture: a gradient with a disc, as a PNG. */
async function photoPng(width: number, height: number, alpha = false): Promise<Buffer> {
  const channels = alpha ? 4 : 3;
  const px = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * channels;
      const inDisc = (x - width / 2) ** 2 + (y - height / 2) ** 2 < (Math.min(width, height) / 3) ** 2;
      px[o] = Math.round((255 * x) / width);
      px[o + 1] = inDisc ? 230 : 40;
      px[o + 2] = Math.round((255 * y) / height);
      if (alpha) px[o + 3] = x < width / 2 ? 0 : 255;
    }
  return sharp(px, { raw: { width, height, channels } }).png().toBuffer();
}

describe('Try-it section', () => {
  it('fetches nothing before it is on screen; then runs every exported model with no console errors or failed requests', async () => {
    const { page, problems, requests, close } = await open();
    try {
      const early = requests.filter((p) => /\/tryit\/|\.wasm$|\/app\.[^/]*\.js$/.test(p));
      expect(early).toEqual([]);
      expect(await page.locator('[data-tryit]').getAttribute('data-state')).toBe('waiting');
      await start(page);
      const fetched = requests.filter((p) => /\/tryit\//.test(p));
      const exported = bundle.models.filter((m) => m.browser);
      expect(exported.map((m) => m.id).sort()).toEqual(['basic-cnn', 'gap-cnn', 'reduced-filter-cnn', 'tiny-cnn']);
      // Weights and the wasm binary come gzip-compressed (the page inflates them), nothing uncompressed beside them.
      for (const m of exported) expect(fetched).toContain(`${new URL(site.url).pathname}tryit/${m.id}/weights.bin.gz`);
      expect(requests.filter((p) => /weights\.bin$|\.wasm$/.test(p))).toEqual([]);
      expect(await page.locator('[data-tryit]').getAttribute('data-backend')).toMatch(/^(wasm|webgl)$/);
      if ((await page.locator('[data-tryit]').getAttribute('data-backend')) === 'wasm') expect(fetched.filter((p) => /\/tryit\/wasm\/tfjs-backend-wasm[-a-z]*\.wasm\.gz$/.test(p))).toHaveLength(1);
      expect(await page.locator('[data-tryit-status]').textContent()).toMatch(/Running 4 models on (WebAssembly|WebGL).*downloaded [\d,]+ kB/);
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });

  it('gives the pipeline’s probabilities for every sample image and every model, within 1e-4', async () => {
    const { page, problems, close } = await open();
    try {
      await start(page);
      const sampleCount = bundle.manifest.samples.testIndices.length;
      expect(await page.locator('[data-tryit] [data-sample]').count()).toBe(sampleCount);
      for (let s = 0; s < sampleCount; s++) {
        const before = await runs(page);
        await page.locator(`[data-tryit] [data-sample="${s}"]`).click();
        await nextRun(page, before);
        const shown = await probabilities(page);
        for (const m of bundle.models.filter((x) => x.browser)) {
          const expected = m.browser!.softmax[s]!;
          expect(shown[m.id], `${m.id}, sample ${s}`).toHaveLength(expected.length);
          shown[m.id]!.forEach((p, k) => expect(Math.abs(p - expected[k]!), `${m.id}, sample ${s}, class ${k}`).toBeLessThanOrEqual(1e-4));
        }
        expect(Number(await page.locator('[data-tryit-check]').getAttribute('data-max-diff'))).toBeLessThanOrEqual(1e-4);
      }
      // The 64×64 shown is the sample's own pixels.
      const seen = await page.evaluate(() => {
        const c = document.querySelector<HTMLCanvasElement>('[data-tryit-seen]')!;
        return Array.from(c.getContext('2d')!.getImageData(0, 0, 64, 64).data.filter((_, i) => i % 4 === 0));
      });
      const last = sampleCount - 1;
      expect(seen).toEqual(Array.from(readSamples(bundle).subarray(last * 4096, (last + 1) * 4096)));
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });

  it('runs an uploaded colour PNG through the pipeline’s preprocessing and shows probabilities and activation maps', async () => {
    const { page, problems, close } = await open();
    try {
      await start(page);
      const png = await photoPng(300, 200);
      const r = await upload(page, { name: 'photo.png', mimeType: 'image/png', buffer: png });
      expect(r.kind).toBe('note');
      expect(await page.locator('[data-tryit]').getAttribute('data-source')).toBe('upload');
      // The 64×64 the models saw is exactly the pipeline's decoding of the same file.
      const seen = await page.evaluate(() => {
        const c = document.querySelector<HTMLCanvasElement>('[data-tryit-seen]')!;
        return Array.from(c.getContext('2d')!.getImageData(0, 0, 64, 64).data.filter((_, i) => i % 4 === 0));
      });
      expect(seen).toEqual(Array.from((await decodeImage(new Uint8Array(png), 64)).pixels));
      const shown = await probabilities(page);
      for (const [id, row] of Object.entries(shown)) expect(row.reduce((a, b) => a + b, 0), id).toBeCloseTo(1, 4);
      const notes = (await page.locator('[data-tryit-notes]').textContent()) ?? '';
      expect(notes).toMatch(/300 × 200/);
      expect(notes).toMatch(/in colour: converted to grey/);
      expect(notes).toMatch(/Resized from 300 × 200 to 64 × 64/);
      await expect.poll(() => page.locator('[data-tryit-caution]').isVisible()).toBe(true);
      expect(await page.locator('[data-tryit-caution]').textContent()).toMatch(/only 6 classes.*confidence is not a measure/);
      // Every recorded layer of the chosen model drawn, with colour (not a blank canvas).
      const firstExported = bundle.models.find((m) => m.browser)!;
      const layers = await page.locator('[data-tryit-layers] canvas').count();
      expect(layers).toBe(firstExported.activations.layers.length);
      const distinct = await page.evaluate(() => {
        const c = document.querySelector<HTMLCanvasElement>('[data-tryit-layers] canvas')!;
        const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        const colours = new Set<number>();
        for (let i = 0; i < d.length; i += 4) colours.add((d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!);
        return colours.size;
      });
      expect(distinct).toBeGreaterThan(5);
      // Switching the model redraws its own layers.
      const other = bundle.models.filter((m) => m.browser).at(-1)!;
      await page.selectOption('[data-tryit-model]', other.id);
      expect(await page.locator('[data-tryit-layers] canvas').count()).toBe(other.activations.layers.length);
      expect(await page.locator('[data-tryit-flow] canvas[data-stage]').count()).toBeGreaterThan(0);
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });

  it('refuses a text file, a truncated JPEG and a 10,000 × 10,000 image with a message, and stays usable', async () => {
    const { page, problems, close } = await open();
    try {
      await start(page);
      const jpeg = await sharp(await photoPng(120, 90)).jpeg().toBuffer();
      const huge = await sharp({ create: { width: 10_000, height: 10_000, channels: 3, background: '#202020' } }).png({ compressionLevel: 9 }).toBuffer();
      const cases = [
        { file: { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('These are not pixels.\n') }, says: /“notes\.txt” is not an image this browser can decode/ },
        { file: { name: 'cut.jpg', mimeType: 'image/jpeg', buffer: jpeg.subarray(0, Math.floor(jpeg.length * 0.6)) }, says: /“cut\.jpg” is a truncated JPEG/ },
        { file: { name: 'huge.png', mimeType: 'image/png', buffer: huge }, says: /“huge\.png” is 10,000 × 10,000 pixels, too large/ },
      ];
      const sampleProbs = await probabilities(page);
      for (const c of cases) {
        const r = await upload(page, c.file);
        expect(r.kind, c.file.name).toBe('error');
        expect(r.message, c.file.name).toMatch(c.says);
        expect(r.message).toMatch(/The image shown before is kept/);
        await expect.poll(() => page.locator('[data-tryit-message]').getAttribute('role')).toBe('alert');
        // Nothing changed: the same image and probabilities as before.
        expect(await probabilities(page)).toEqual(sampleProbs);
      }
      // Still usable: a sample and a good upload run.
      const before = await runs(page);
      await page.locator('[data-tryit] [data-sample="1"]').click();
      await nextRun(page, before);
      const ok = await upload(page, { name: 'after.jpg', mimeType: 'image/jpeg', buffer: jpeg });
      expect(ok.kind).toBe('note');
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });

  it('composites a transparent PNG on black and says so; draws on the pad', async () => {
    const { page, problems, close } = await open();
    try {
      await start(page);
      const png = await photoPng(64, 64, true);
      await upload(page, { name: 'clear.png', mimeType: 'image/png', buffer: png });
      expect(await page.locator('[data-tryit-notes]').textContent()).toMatch(/transparent pixels: they were composited on black/);
      const left = await page.evaluate(() => document.querySelector<HTMLCanvasElement>('[data-tryit-seen]')!.getContext('2d')!.getImageData(0, 0, 32, 64).data.filter((_, i) => i % 4 === 0));
      expect(Math.max(...Object.values(left))).toBe(0); // the transparent half is black
      // A stroke on the drawing pad runs the models on the drawing.
      await page.locator('[data-tryit-pad]').scrollIntoViewIfNeeded();
      const pad = await page.locator('[data-tryit-pad]').boundingBox();
      const before = await runs(page);
      await page.mouse.move(pad!.x + 40, pad!.y + 40);
      await page.mouse.down();
      await page.mouse.move(pad!.x + 150, pad!.y + 150, { steps: 8 });
      await page.mouse.up();
      await nextRun(page, before);
      await expect.poll(() => page.locator('[data-tryit]').getAttribute('data-source')).toBe('draw');
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });

  it('without JavaScript, says what the section would do', async () => {
    const { page, problems, close } = await open(false);
    try {
      const text = (await page.locator('[data-tryit]').textContent()) ?? '';
      expect(text).toMatch(/runs the 4 compact CNNs of this run/);
      expect(text).toMatch(/ResNet50 is not offered/);
      expect(text).toMatch(/needs JavaScript/);
      expect(await page.locator('[data-tryit-export]').count()).toBe(0);
      expect(await page.locator('tr[data-export]').count()).toBe(4);
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });
});
