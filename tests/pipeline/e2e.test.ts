/**
 * The whole pipeline on a small generated dataset with the smoke profile: a bundle that
 * passes the schema, a second run that retrains nothing, and failures that leave the
 * previous bundle untouched.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync, statSync, existsSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { makeSyntheticDataset } from '../helpers/synthetic-dataset.ts';
import { readBundle, readActivations, readSamples } from '../../schema/bundle.ts';
import { SplitsFile } from '../../schema/results.ts';
import { MODEL_IDS } from '../../pipeline/models/registry.ts';

const root = resolve(import.meta.dirname, '../..');
const tsx = join(root, 'node_modules/.bin/tsx');

function pipeline(args: string[]) {
    // A time-out so that a hung run fails this test instead of blocking the suite.
  const r = spawnSync(tsx, [join(root, 'pipeline/cli.ts'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, MEDICAL_MNIST_DATA: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 600_000,
    killSignal: 'SIGKILL',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('pipeline end to end (smoke profile, generated data)', () => {
  let work: string;
  let data: string;
  let out: string;
  let cache: string;
  let first: ReturnType<typeof pipeline>;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'e2e-'));
    data = await makeSyntheticDataset(work, { perClass: 30, format: 'zip' });
    out = join(work, 'results');
    cache = join(work, 'cache');
    first = pipeline(['run', '--profile', 'smoke', '--data', data, '--out', out, '--cache-dir', cache, '--backend', 'wasm']);
  }, 900_000);

  it('writes a schema-valid bundle for all five models', () => {
    expect(first.stderr).not.toMatch(/^error:/m);
    expect(first.code).toBe(0);
    const bundle = readBundle(out);
    expect(bundle.models.map((m) => m.id).sort()).toEqual([...MODEL_IDS].sort());
    expect(bundle.manifest.models.every((m) => m.status === 'trained')).toBe(true);
    expect(bundle.manifest.profile.name).toBe('smoke');
    expect(bundle.manifest.profile.reductions.length).toBeGreaterThan(0);
    expect(bundle.manifest.environment.backend).toBe('wasm');
    expect(bundle.manifest.dataset.total).toBe(180);
    expect(bundle.manifest.samples.labels.sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(readSamples(bundle).length).toBe(6 * 64 * 64);
    // Every model's representations were measured on the same images, and each compact model compared with the reference.
    const keys = new Set(bundle.models.map((m) => m.representations?.imagesKey));
    expect(keys.size).toBe(1);
    expect(bundle.manifest.similarity?.reference).toBe('resnet50');
    expect(bundle.manifest.similarity?.pairs.map((p) => p.model).sort()).toEqual(MODEL_IDS.filter((id) => id !== 'resnet50').sort());
    expect(bundle.manifest.similarity?.missing).toEqual([]);
    for (const m of bundle.models.filter((x) => x.browser)) expect(m.browser!.selection?.split).toBe('validation');
    for (const m of bundle.models) {
      // The bundle's own figures agree with each other.
      expect(m.layers.reduce((s, l) => s + l.params, 0)).toBe(m.params.total);
      expect(m.evaluation.confusion.flat().reduce((a, b) => a + b, 0)).toBe(m.evaluation.testImages);
      expect(m.evaluation.accuracyCI95[0]).toBeLessThanOrEqual(m.evaluation.accuracy);
      expect(m.evaluation.accuracyCI95[1]).toBeGreaterThanOrEqual(m.evaluation.accuracy);
      expect(m.training.history.length).toBe(m.training.epochsCompleted);
      for (const row of m.softmax) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);
      const bytes = readActivations(bundle, m.id);
      expect(bytes.length).toBeGreaterThan(0);
      expect(m.activations.layers.some((l) => l.type === 'Conv2D')).toBe(true);
    }
    // Both protocols, every run, the audit, the baselines and the paired tests.
    const { manifest } = bundle;
    expect(manifest.protocols!.map((p) => p.protocol)).toEqual(['image', 'grouped']);
    expect(manifest.audit!.clusters.perClass.reduce((s, c) => s + c.images, 0)).toBe(180);
    expect(manifest.audit!.figures.nearestTrain.grouped!.length).toBe(6);
    const splits = SplitsFile.parse(JSON.parse(readFileSync(join(out, 'splits.json'), 'utf8')));
    expect(splits.files.length).toBe(180);
    for (const p of manifest.protocols!) {
      const letters = splits.membership[p.protocol]!;
      expect(letters.length).toBe(180);
      expect([...letters].filter((l) => l === 't').length).toBe(p.split.sizes.test);
      expect(p.nearestTrainDistance.length).toBe(p.split.sizes.test);
    }
    expect(statSync(join(out, 'audit.u8')).size).toBeGreaterThan(0);
    expect(manifest.baselines!.map((b) => b.id)).toEqual(['majority-class', 'nearest-neighbour', 'k-nearest-neighbours', 'logistic-regression']);
    for (const m of bundle.models) {
      expect(m.runs!.map((r) => r.protocol)).toEqual(['image', 'grouped']);
      expect(m.runs![0]!.evaluation.accuracy).toBe(m.evaluation.accuracy);
      expect(m.summary!.grouped!.accuracy.n).toBe(1);
      expect(m.evaluation.macroAuc).toBeGreaterThanOrEqual(0);
    }
    // Robustness: every model and every baseline that learns or remembers (1-NN, k-NN, logistic regression) on the same
    // corrupted test images, all 13 corruptions at 5 severities.
    expect(manifest.corruptions!.list).toHaveLength(13);
    expect(manifest.baselines!.filter((b) => b.robustness).map((b) => b.id)).toEqual(['nearest-neighbour', 'k-nearest-neighbours', 'logistic-regression']);
    const robust = [...bundle.models.map((m) => m.robustness!), ...manifest.baselines!.filter((b) => b.robustness).map((b) => b.robustness!)];
    expect(robust).toHaveLength(5 + 3);
    expect(new Set(robust.map((r) => JSON.stringify(r.labels))).size).toBe(1);
    for (const r of robust) {
      expect(r.images).toBe(Math.min(24, manifest.protocols![0]!.split.sizes.test));
      expect(r.corruptions.map((c) => c.id)).toEqual(manifest.corruptions!.list.map((c) => c.id));
      for (const c of r.corruptions) expect(c.balancedError).toHaveLength(5);
    }
    // Saliency: Grad-CAM for every model, scored on the first robustness images against a random order, with the samples' maps.
    for (const m of bundle.models) {
      const s = m.saliency!;
      if (!('deletion' in s)) throw new Error(`${m.id}: no Grad-CAM (${s.unavailable})`);
      expect(s.deletion).toHaveLength(6);
      expect(s.randomInsertion).toHaveLength(6);
      expect(s.sampleMaps).toHaveLength(6);
      for (const map of s.sampleMaps) expect(map).toHaveLength(s.height * s.width);
    }
    // First-layer filters: the first real filter bank (ResNet50's after its fixed preprocessing layer), before and after training.
    for (const m of bundle.models) {
      const f = m.firstFilters!;
      expect(f.trained).toHaveLength(f.shape.reduce((a, b) => a * b, 1));
      expect(f.initial).toHaveLength(f.trained.length);
      expect(f.trained).not.toEqual(f.initial);
      expect(f.shape[0] * f.shape[1]).toBeGreaterThan(1);
    }
    // Every pair of the five models and each against the best baseline, on both protocols.
    expect(manifest.comparisons!.filter((c) => c.protocol === 'grouped').length).toBe(10 + 5);
    // Progress and the backend choice are reported as plain lines when not on a terminal.
    expect(first.stderr).toMatch(/backend: wasm/);
    expect(first.stderr).toMatch(/TinyCNN epoch 1\/1: loss/);
  });

  it('reuses every model on a second run with unchanged inputs', () => {
    const before = readFileSync(join(out, 'models/tiny-cnn.json'), 'utf8');
    const second = pipeline(['run', '--profile', 'smoke', '--data', data, '--out', out, '--cache-dir', cache, '--backend', 'wasm']);
    expect(second.code).toBe(0);
    expect(second.stderr).not.toMatch(/epoch 1\/1/);
    const bundle = readBundle(out);
    expect(bundle.manifest.models.every((m) => m.status === 'reused')).toBe(true);
    expect(readFileSync(join(out, 'models/tiny-cnn.json'), 'utf8')).toBe(before);
  });

  it('retrains only what --force and --models name', () => {
    const r = pipeline(['run', '--profile', 'smoke', '--data', data, '--out', out, '--cache-dir', cache, '--backend', 'wasm', '--force', '--models', 'tiny-cnn,gap-cnn']);
    expect(r.code).toBe(0);
    const bundle = readBundle(out);
    expect(bundle.manifest.models.map((m) => [m.id, m.status])).toEqual([
      ['tiny-cnn', 'trained'],
      ['gap-cnn', 'trained'],
    ]);
  });

  it('a failed run (missing data) exits non-zero with one line and leaves the bundle untouched', () => {
    const stamp = statSync(join(out, 'manifest.json')).mtimeMs;
    const r = pipeline(['run', '--profile', 'smoke', '--data', join(work, 'nowhere.zip'), '--out', out, '--cache-dir', cache]);
    expect(r.code).not.toBe(0);
    const errors = r.stderr.trim().split('\n').filter((l) => l.startsWith('error:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('nowhere.zip');
    expect(statSync(join(out, 'manifest.json')).mtimeMs).toBe(stamp);
  });

  it('a folder without class folders is a one-line error, and writes nothing', () => {
    const empty = join(work, 'no-classes');
    mkdirSync(empty, { recursive: true });
    writeFileSync(join(empty, 'readme.txt'), 'nothing here');
    const fresh = join(work, 'fresh-results');
    const r = pipeline(['run', '--profile', 'smoke', '--data', empty, '--out', fresh, '--cache-dir', cache]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/^error: .*no-classes.*/m);
    expect(existsSync(fresh)).toBe(false);
  });

  it('rejects bad options with a one-line error', () => {
    const r = pipeline(['run', '--profile', 'huge']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('error: --profile: expected one of smoke, cpu, full, got "huge"');
    expect(pipeline(['--help']).stdout).toMatch(/Usage: npm run pipeline -- run/);
  });
});
