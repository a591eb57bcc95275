/**
 * The report generator, used as a fork would use it: a copy of the project gains one new
 * model file (and no other edit), and runs on a generated dataset of 12 classes at 32 × 32
 * with its own descriptor. The pipeline's smoke run and the site build must then carry
 * the new model everywhere a model appears, and the paper must speak of that dataset only.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBundle } from '../../schema/bundle.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const NEW_MODEL = `
import * as tfl from '@tensorflow/tfjs-layers';
import { inputShape, seededInitializers, type BuildOptions } from '../common.ts';
import { defineModel } from '../descriptor.ts';

function build({ seed, classes, imageSize }: BuildOptions): tfl.Sequential {
  const init = seededInitializers(seed);
  return tfl.sequential({
    name: 'avg_pool_cnn',
    layers: [
      tfl.layers.conv2d({ inputShape: inputShape({ imageSize }), filters: 6, kernelSize: 3, activation: 'relu', kernelInitializer: init(), name: 'conv1' }),
      tfl.layers.averagePooling2d({ poolSize: 2, name: 'pool1' }),
      tfl.layers.conv2d({ filters: 8, kernelSize: 3, activation: 'relu', kernelInitializer: init(), name: 'conv2' }),
      tfl.layers.globalAveragePooling2d({ name: 'gap' }),
      tfl.layers.dense({ units: classes, activation: 'softmax', kernelInitializer: init(), name: 'predictions' }),
    ],
  });
}

export default defineModel({
  id: 'avg-pool-cnn',
  name: 'Average-Pool Probe CNN',
  role: 'added',
  order: 60,
  description: 'Two small convolutions with average pooling, then global average pooling.',
  build,
  imagesPerSecond: 1500,
  browser: true,
});
`;
const CLASSES = ['Zeta', 'Alpha', 'Mu', 'Beta', 'Kappa', 'Gamma', 'Iota', 'Delta', 'Theta', 'Epsilon', 'Eta', 'Lambda'];
const SIZE = 32;

let work: string;
let copy: string;
let results: string;
let dist: string;
let pipelineOutput = '';

/** Class c: a bright square whose position and size follow c, on a dark field, jittered per image. */
async function writeImage(file: string, c: number, i: number): Promise<void> {
  const px = new Uint8Array(SIZE * SIZE);
  const x0 = (c % 4) * 7 + (i % 3);
  const y0 = Math.floor(c / 4) * 9 + ((i >> 1) % 3);
  for (let y = 0; y < SIZE; y++)
    for (let x = 0; x < SIZE; x++) px[y * SIZE + x] = x >= x0 && x < x0 + 6 && y >= y0 && y < y0 + 6 ? 220 : 20 + ((x * 7 + y * 13 + i * 5) % 17);
  await sharp(px, { raw: { width: SIZE, height: SIZE, channels: 1 } }).png().toFile(file);
}

function run(args: string[], env: Record<string, string> = {}, timeout = 900_000) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(VITEST.*|TEST|NODE_ENV|BASE_URL|MODE|DEV|PROD|SSR)$/.test(k)));
  return spawnSync(process.execPath, args, { cwd: copy, env: { ...clean, ...env, MEDICAL_MNIST_DATA: '', FORCE_COLOR: '0' }, encoding: 'utf8', timeout, maxBuffer: 64 << 20 });
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'generator-'));
  copy = join(work, 'project');
  // The project as a fork has it: its tracked files, and the installed packages beside them.
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const f of files) {
    if (!existsSync(join(ROOT, f))) continue;
    mkdirSync(dirname(join(copy, f)), { recursive: true });
    cpSync(join(ROOT, f), join(copy, f));
  }
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
  expect(existsSync(join(copy, 'pipeline/models/zoo/avg-pool-cnn.ts'))).toBe(false);
  writeFileSync(join(copy, 'pipeline/models/zoo/avg-pool-cnn.ts'), NEW_MODEL);

  const data = join(work, 'shapes');
  for (const [c, name] of CLASSES.entries()) {
    mkdirSync(join(data, name), { recursive: true });
    for (let i = 0; i < 20; i++) await writeImage(join(data, name, `${String(i).padStart(3, '0')}.png`), c, i);
  }
  // The descriptor lists the classes in an order of its own (not sorted), and sets no size.
  writeFileSync(
    join(data, 'dataset.json'),
    JSON.stringify({ name: 'Twelve Shapes', url: 'https://example.org/twelve-shapes', citation: 'Generated squares: the generator test’s dataset.', licence: 'CC0-1.0', classes: CLASSES }),
  );

  results = join(work, 'results');
  const pipeline = run(['node_modules/tsx/dist/cli.mjs', 'pipeline/cli.ts', 'run', '--profile', 'smoke', '--data', data, '--models', 'tiny-cnn,avg-pool-cnn', '--split', 'image', '--out', results, '--cache-dir', join(work, 'cache')]);
  pipelineOutput = `${pipeline.stdout}${pipeline.stderr}`;
  if (pipeline.status !== 0) throw new Error(`pipeline failed (${pipeline.status}):\n${pipelineOutput.split('\n').slice(-25).join('\n')}`);
  dist = join(work, 'dist');
  const build = run(['node_modules/astro/bin/astro.mjs', 'build', '--outDir', dist], { RESULTS_DIR: results, ASTRO_TELEMETRY_DISABLED: '1', ASTRO_CACHE_DIR: join(work, 'astro-cache') });
  if (build.status !== 0) throw new Error(`astro build failed (${build.status}):\n${`${build.stdout}${build.stderr}`.split('\n').slice(-25).join('\n')}`);
}, 1_200_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

const page = () => readFileSync(join(dist, 'index.html'), 'utf8');
/** The page's text as a reader sees it (markup and scripts removed). */
const text = () =>
  page()
    .replace(/<script[\s\S]*?<\/script>|<style[\s\S]*?<\/style>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;|&#160;/g, ' ')
    .replace(/\s+/g, ' ');

describe('one new model file', () => {
  it('is trained and recorded with its role, colour and place', () => {
    const bundle = readBundle(results);
    expect(bundle.manifest.models.map((m) => m.id)).toEqual(['tiny-cnn', 'avg-pool-cnn']);
    const added = bundle.models.find((m) => m.id === 'avg-pool-cnn')!;
    expect(added.role).toBe('added');
    expect(added.colour).toMatch(/^#[0-9a-fA-F]{6}$/);
    expect(added.colour).not.toBe(bundle.models[0]!.colour);
    expect(added.layers[0]!.outputShape).toEqual([30, 30, 6]);
  });

  it('appears in the model table, every chart, the confusion-matrix selector, the feature figures and the Try-it section', () => {
    const name = 'Average-Pool Probe CNN';
    const table = /<table[^>]*>[\s\S]*?<\/table>/g;
    expect([...page().matchAll(table)].some((t) => t[0].includes(name) && t[0].includes('TinyCNN'))).toBe(true);
    const charts = readdirSync(join(dist, 'figures/vega')).map((f) => readFileSync(join(dist, 'figures/vega', f), 'utf8'));
    const modelCharts = charts.filter((c) => c.includes('TinyCNN'));
    expect(modelCharts.length).toBeGreaterThanOrEqual(4);
    for (const c of modelCharts) expect(c).toContain(name);
    expect(page()).toMatch(new RegExp(`<option[^>]*value="avg-pool-cnn"[^>]*>|<option[^>]*>${name}</option>`));
    expect(readdirSync(join(dist, 'figures/activations/avg-pool-cnn')).length).toBeGreaterThan(0);
    const meta = JSON.parse(readFileSync(join(dist, 'tryit/meta.json'), 'utf8')) as { models: { id: string }[]; imageSize: number };
    expect(meta.models.map((m) => m.id)).toContain('avg-pool-cnn');
    expect(meta.imageSize).toBe(SIZE);
  });
});

describe('a dataset of 12 classes at 32 × 32 with its own descriptor', () => {
  it('trains at its own size, in the descriptor’s class order', () => {
    const { manifest } = readBundle(results);
    expect(manifest.dataset.imageSize).toBe(SIZE);
    expect(manifest.dataset.info).toMatchObject({ name: 'Twelve Shapes', imageSizeFrom: 'data', classOrderFrom: 'descriptor', licence: 'CC0-1.0' });
    expect(manifest.dataset.classes).toEqual(CLASSES);
    expect(manifest.dataset.counts).toEqual(CLASSES.map(() => 20));
    expect(pipelineOutput).toContain('image size: 32 × 32');
  });

  it('is what the paper, its title and its social card speak of, and nothing of Medical MNIST', () => {
    const t = text();
    expect(page()).toMatch(/<title>[^<]*<\/title>/);
    expect(page()).toMatch(/<h1>[^<]*Twelve Shapes[^<]*<\/h1>/);
    expect(t).toContain('Twelve Shapes');
    expect(t).toMatch(/\btwelve classes\b/);
    expect(t).toContain('32 × 32');
    expect(t).toContain('Generated squares');
    for (const wrong of [/Medical MNIST/i, /\b64 × 64\b/, /\bsix\b/i, /6-way/]) expect(t).not.toMatch(wrong);
    expect(page()).not.toMatch(/Medical MNIST/i);
    expect(existsSync(join(dist, 'social-card.png'))).toBe(true);
  });
});
