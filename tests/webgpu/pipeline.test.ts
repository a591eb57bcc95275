/**
 * `npm run pipeline -- run --backend webgpu --profile smoke` on a small generated dataset:
 * training, evaluation, activations and latency on webgpu (SwiftShader where there is no
 * GPU), a schema-valid bundle that names the backend and the adapter, and the log lines
 * that say which adapter and why.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { makeSyntheticDataset } from '../helpers/synthetic-dataset.ts';
import { checkBundle, readActivations } from '../../schema/bundle.ts';

const root = resolve(import.meta.dirname, '../..');

// On a software adapter the pipeline shrinks smoke to a few dozen images per model and times
// inference at batch 1 and 16 once each (pipeline/profiles.ts). One model, both protocols:
// on SwiftShader most of the time goes to compiling shaders (about a minute on 2 busy cores).
describe('pipeline on webgpu (smoke profile, generated data)', () => {
  let out: string;
  let run: { code: number | null; stderr: string };

  beforeAll(async () => {
    const work = mkdtempSync(join(tmpdir(), 'webgpu-e2e-'));
    // Few images: a software adapter is slow, and this checks the machinery, not the science.
    const data = await makeSyntheticDataset(work, { perClass: 6, format: 'zip' });
    out = join(work, 'results');
    const env: NodeJS.ProcessEnv = { ...process.env, MEDICAL_MNIST_DATA: '' };
    // Let the pipeline find the adapter itself, as a user's run would.
    delete env['VK_ICD_FILENAMES'];
    const r = spawnSync(join(root, 'node_modules/.bin/tsx'), [join(root, 'pipeline/cli.ts'), 'run', '--profile', 'smoke', '--data', data, '--out', out, '--cache-dir', join(work, 'cache'), '--backend', 'webgpu', '--models', 'reduced-filter-cnn'], {
      cwd: root, encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 900_000, killSignal: 'SIGKILL',
    });
    run = { code: r.status, stderr: r.stderr };
  }, 900_000);

  it('writes a schema-valid bundle that names the backend and adapter', () => {
    expect(run.stderr).not.toMatch(/^error:/m);
    expect(run.code, run.stderr.slice(-2000)).toBe(0);
    const bundle = checkBundle(out);
    const env = bundle.manifest.environment;
    expect(env.backend).toBe('webgpu');
    expect(env.adapter, 'no adapter recorded').not.toBeNull();
    expect(env.adapter!.description || env.adapter!.device).not.toBe('');
    expect(bundle.manifest.profile.name).toBe('smoke');
    const [m] = bundle.models;
    expect(m!.training.backend).toBe('webgpu');
    expect(m!.training.adapter).toEqual(env.adapter);
    expect(m!.latency.backend).toBe('webgpu');
    expect(m!.training.history[0]!.trainLoss).toBeGreaterThan(0);
    expect(m!.evaluation.confusion.flat().reduce((a, b) => a + b, 0)).toBe(m!.evaluation.testImages);
    for (const row of m!.softmax) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);
    expect(readActivations(bundle, m!.id).length).toBeGreaterThan(0);
    expect(run.stderr).toMatch(/^backend: webgpu on /m);
    // Here (no GPU): SwiftShader, which the pipeline points Vulkan at by itself, and says so.
    if (env.adapter!.software) {
      expect(run.stderr).toMatch(/^backend: webgpu on google, swiftshader, SwiftShader.*\(software, on the CPU\)/m);
      expect(run.stderr).toMatch(/VK_ICD_FILENAMES=.*vk_swiftshader_icd\.json/);
      // A software adapter's latency is never passed off as a GPU's: the bundle says what it is.
      expect(m!.latency.largeBatch).toBe(16);
      expect(m!.latency.note).toMatch(/software WebGPU adapter/);
      expect(bundle.manifest.profile.reductions[0]).toEqual({ kind: 'software-adapter' });
    } else {
      expect(m!.latency.largeBatch).toBeUndefined();
      expect(m!.latency.note).toBeUndefined();
    }
  });
});
