/**
 * A small, schema-valid results bundle on disk, written without training anything (for
 * tests of what reads bundles: the site build's checks, the folder rules). Its numbers
 * are fixtures, never shown as results.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Manifest, type ModelId } from '../../schema/results.ts';

const IMAGE_SIZE = 64;
import { getProfile } from '../../pipeline/profiles.ts';
import { CLASSES, modelResult } from './study-bundle.ts';

export function writeBundleFixture(dir: string, ids: ModelId[] = ['tiny-cnn', 'gap-cnn']): string {
  mkdirSync(join(dir, 'models'), { recursive: true });
  mkdirSync(join(dir, 'activations'), { recursive: true });
  const k = CLASSES.length;
  for (const id of ids) {
    const model = modelResult(id);
    writeFileSync(join(dir, `models/${id}.json`), JSON.stringify(model));
    const bytes = Math.max(...model.activations.layers.map((l) => l.offset + k * l.shape[0] * l.shape[1] * l.shape[2]));
    writeFileSync(join(dir, model.activations.file), gzipSync(new Uint8Array(bytes).fill(128)));
  }
  writeFileSync(join(dir, 'samples.u8'), new Uint8Array(k * IMAGE_SIZE * IMAGE_SIZE).fill(100));
  const manifest = Manifest.parse({
    schemaVersion: 1,
    profile: getProfile('smoke', { train: 480, validation: 60, test: 60 }),
    seed: 42,
    dataset: {
      source: 'fixture',
      fingerprint: 'b'.repeat(64),
      classes: CLASSES,
      counts: CLASSES.map(() => 100),
      total: 100 * k,
      ignored: { hidden: 0, nonImage: 0 },
      skipped: [],
      converted: { resized: 0, colour: 0 },
      duplicates: { groups: 0, files: 0 },
    },
    split: {
      seed: 42,
      ratios: { train: 0.8, validation: 0.1, test: 0.1 },
      sizes: { train: 480, validation: 60, test: 60 },
      perClass: { train: CLASSES.map(() => 80), validation: CLASSES.map(() => 10), test: CLASSES.map(() => 10) },
    },
    environment: { backend: 'cpu', backendNotes: [], versions: { node: process.versions.node }, platform: 'linux x64', cpu: 'fixture', cpuCount: 2 },
    git: { commit: null, dirty: null },
    startedAt: '2025-01-01T00:00:00Z',
    finishedAt: '2025-01-01T00:01:00Z',
    samples: {
      file: 'samples.u8',
      testIndices: CLASSES.map((_, i) => i * 10),
      labels: CLASSES.map((_, i) => i),
      files: CLASSES.map((c) => `${c}/000000.jpeg`),
    },
    models: ids.map((id) => ({ id, file: `models/${id}.json`, status: 'trained' })),
  });
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  return dir;
}
