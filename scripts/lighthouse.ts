/**
 * `npm run lighthouse [-- --dist DIR] [--runs N]`: Lighthouse's four scores for the built
 * paper, on a phone (Lighthouse's default mobile emulation and simulated slow 4G) and on a
 * desktop, with every audit that scored below 0.9.
 *
 * The site is served from DIR (default `dist`) under its base path as GitHub Pages serves it
 * (text gzip-compressed, cacheable for 10 minutes): uncompressed, the page would score what
 * no reader sees.
 * Performance varies from run to run on a shared machine, so each form factor runs N times
 * (default 3) and the median performance run is reported, with the range beside it.
 * Runs offline with the Chromium given by CHROMIUM_PATH (default /usr/bin/chromium).
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { launch } from 'chrome-launcher';
import lighthouse, { desktopConfig, type Flags, type Result } from 'lighthouse';
import { serveDist } from './serve-dist.ts';
import { checkBase, detectBase } from './weigh.ts';

const FORM_FACTORS = ['mobile', 'desktop'] as const;
type FormFactor = (typeof FORM_FACTORS)[number];

interface Scores {
  categories: Record<string, number>;
  weak: string[];
}

function scoresOf(lhr: Result): Scores {
  const categories = Object.fromEntries(Object.values(lhr.categories).map((c) => [c.title, Math.round((c.score ?? 0) * 100)]));
  const weak = Object.values(lhr.audits)
    .filter((a) => a.score !== null && a.score < 0.9 && !['informative', 'manual', 'notApplicable'].includes(a.scoreDisplayMode))
    .map((a) => `${a.id} ${a.score}${a.displayValue ? ` (${a.displayValue})` : ''}`);
  return { categories, weak };
}

async function audit(url: string, formFactor: FormFactor, runs: number): Promise<{ median: Scores; performance: number[] }> {
  const chrome = await launch({ chromePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu'] });
  try {
    const flags: Flags = { port: chrome.port, output: 'json', logLevel: 'error' };
    const results: Scores[] = [];
    for (let i = 0; i < runs; i++) {
      const r = await lighthouse(url, flags, formFactor === 'desktop' ? desktopConfig : undefined);
      if (!r) throw new Error(`Lighthouse returned no result for ${url}`);
      if (r.lhr.runtimeError) throw new Error(`Lighthouse could not load ${url}: ${r.lhr.runtimeError.message}`);
      results.push(scoresOf(r.lhr));
    }
    const byPerformance = [...results].sort((a, b) => (a.categories.Performance ?? 0) - (b.categories.Performance ?? 0));
    return { median: byPerformance[Math.floor(byPerformance.length / 2)]!, performance: byPerformance.map((s) => s.categories.Performance ?? 0) };
  } finally {
    chrome.kill();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { dist: { type: 'string', default: 'dist' }, base: { type: 'string' }, runs: { type: 'string', default: '3' } } });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs ${values.runs}: expected a whole number of runs, 1 or more`);
  const dist = resolve(values.dist!);
  const base = values.base ?? detectBase(dist);
  checkBase(dist, base);
  const server = await serveDist(dist, base, { likePages: true });
  try {
    console.log(`Lighthouse on ${server.url} (${dist}, served as GitHub Pages serves it), ${runs} run${runs === 1 ? '' : 's'} per form factor`);
    for (const formFactor of FORM_FACTORS) {
      const { median, performance } = await audit(server.url, formFactor, runs);
      const range = performance.length > 1 ? ` (performance over ${performance.length} runs: ${performance.join(', ')})` : '';
      console.log(`${formFactor.padEnd(8)} ${Object.entries(median.categories).map(([k, v]) => `${k} ${v}`).join(' · ')}${range}`);
      for (const w of median.weak) console.log(`           below 0.9: ${w}`);
    }
  } finally {
    await server.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e: unknown) => {
    console.error(`lighthouse: ${(e as Error).message}`);
    process.exit(1);
  });
}
