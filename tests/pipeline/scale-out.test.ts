/**
 * The study fanned out (docs/scale-out.md), on generated data with the smoke profile:
 * the GitHub Actions workflow's plan, matrix and merge commands run locally, one folder per
 * runner, and the SLURM array's tasks with SLURM_ARRAY_TASK_ID set, then its merge, each
 * give the bundle one process writes, run for run; a shard stopped by --time-limit is
 * resumed; a missing shard's runs are named; a run from other code is not reused, and the
 * line says why.
 *
 * Two compact models, one seed, both protocols: four runs, three shards.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { makeSyntheticDataset } from '../helpers/synthetic-dataset.ts';
import { readBundle, type Bundle } from '../../schema/bundle.ts';
import type { Plan } from '../../pipeline/run/plan.ts';

const root = resolve(import.meta.dirname, '../..');
const tsx = join(root, 'node_modules/.bin/tsx');
const SHARDS = 3;

let work: string;
let data: string;
let args: string;
let reference: Bundle;

/** A command as a runner would run it: from the project folder, with the workflow's environment. */
function sh(script: string, env: Record<string, string>) {
  const r = spawnSync('bash', [script], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, MEDICAL_MNIST_DATA: '', SLURM_ARRAY_TASK_ID: '', JOB_COMPLETION_INDEX: '', SHARD_INDEX: '', GITHUB_OUTPUT: '', PROFILE: 'smoke', PIPELINE_ARGS: args, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 300_000,
    killSignal: 'SIGKILL',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function pipeline(cliArgs: string[]) {
  const r = spawnSync(tsx, [join(root, 'pipeline/cli.ts'), ...cliArgs, ...args.split(' ')], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, MEDICAL_MNIST_DATA: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 300_000,
    killSignal: 'SIGKILL',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A run without what only says how long it took or where it was made. */
function science(run: unknown): unknown {
  const r = run as { training: { seconds: number; history: { seconds: number; imagesPerSecond: number }[] } | null; provenance?: unknown };
  return {
    ...r,
    provenance: undefined,
    training: r.training && { ...r.training, seconds: 0, history: r.training.history.map((h) => ({ ...h, seconds: 0, imagesPerSecond: 0 })) },
  };
}

const bytes = (dir: string, file: string) => createHash('sha256').update(readFileSync(join(dir, file))).digest('hex');

/** Same runs, same metrics, same predictions, same activations and exports, same comparisons. */
function expectSameBundle(got: Bundle, want: Bundle) {
  expect(got.models.map((m) => m.id)).toEqual(want.models.map((m) => m.id));
  for (const m of want.models) {
    const g = got.models.find((x) => x.id === m.id)!;
    expect(g.runs!.map(science)).toEqual(m.runs!.map(science));
    expect(g.inputsHash).toBe(m.inputsHash);
    expect(g.evaluation).toEqual(m.evaluation);
    expect(g.softmax).toEqual(m.softmax);
    expect(g.summary).toEqual(m.summary);
    expect(g.misclassified).toEqual(m.misclassified);
    expect(bytes(got.dir, g.activations.file)).toBe(bytes(want.dir, m.activations.file));
    if (m.browser) expect(bytes(got.dir, g.browser!.modelFile.replace(/model\.json$/, 'weights.bin'))).toBe(bytes(want.dir, m.browser.modelFile.replace(/model\.json$/, 'weights.bin')));
  }
  const manifest = (b: Bundle) => ({
    comparisons: b.manifest.comparisons,
    bestBaselines: b.manifest.bestBaselines,
    baselines: b.manifest.baselines!.map((x) => ({ ...x, runs: x.runs.map(science) })),
    protocols: b.manifest.protocols,
    samples: b.manifest.samples,
    dataset: b.manifest.dataset,
    profile: b.manifest.profile,
  });
  expect(manifest(got)).toEqual(manifest(want));
}

/** `cp -a from/. to/` for each store: the merge. */
function mergeStores(stores: string[], into: string) {
  mkdirSync(into, { recursive: true });
  for (const s of stores) cpSync(s, into, { recursive: true, preserveTimestamps: true });
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'scale-out-'));
  data = await makeSyntheticDataset(work, { perClass: 30, format: 'zip' });
  args = `--data ${data} --backend wasm --models tiny-cnn,reduced-filter-cnn --seeds 1`;
  const single = pipeline(['run', '--profile', 'smoke', '--out', join(work, 'single'), '--cache-dir', join(work, 'single-cache')]);
  expect(single.stderr).not.toMatch(/^error:/m);
  expect(single.code).toBe(0);
  reference = readBundle(join(work, 'single'));
  expect(reference.models.flatMap((m) => m.runs!).length).toBe(4);
}, 600_000);

describe('GitHub Actions: the study workflow run locally, one folder per runner', () => {
  const workflow = readFileSync(join(root, '.github/workflows/study.yml'), 'utf8');
  let plan: Plan;
  let planHash: string;
  const artifacts = () => join(work, 'gha-artifacts');

  it('runs the scripts this test runs, with the matrix from the plan', () => {
    expect(workflow).toMatch(/run: bash scripts\/study\/plan\.sh/);
    expect(workflow).toMatch(/matrix: \$\{\{ fromJSON\(needs\.plan\.outputs\.matrix\) \}\}/);
    expect(workflow).toMatch(/SHARD: \$\{\{ matrix\.shard \}\}[\s\S]*PLAN_HASH: \$\{\{ needs\.plan\.outputs\.plan-hash \}\}[\s\S]*run: bash scripts\/study\/shard\.sh/);
    expect(workflow).toMatch(/name: store-\$\{\{ matrix\.shard \}\}-of-\$\{\{ inputs\.shards \}\}\n\s+path: \.cache\/models/);
    expect(workflow).toMatch(/pattern: store-\*-of-\$\{\{ inputs\.shards \}\}\n\s+path: \.cache\/models\n\s+merge-multiple: true/);
    expect(workflow).toMatch(/run: bash scripts\/study\/merge\.sh/);
  });

  it('plan job: the plan, its matrix and hash as job outputs', () => {
    const runner = join(work, 'gha-plan');
    mkdirSync(runner, { recursive: true });
    const outputs = join(runner, 'github-output');
    writeFileSync(outputs, '');
    const r = sh('scripts/study/plan.sh', { SHARDS: String(SHARDS), CACHE_DIR: join(runner, '.cache'), PLAN_JSON: join(runner, 'plan.json'), GITHUB_OUTPUT: outputs, LANES: '4' });
    expect(r.stderr).not.toMatch(/^error:/m);
    expect(r.code).toBe(0);
    plan = JSON.parse(readFileSync(join(runner, 'plan.json'), 'utf8')) as Plan;
    const out = Object.fromEntries(readFileSync(outputs, 'utf8').trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    expect(JSON.parse(out.matrix!)).toEqual({ shard: [1, 2, 3] });
    planHash = out['plan-hash']!;
    expect(plan.planHash.startsWith(planHash)).toBe(true);
    expect(r.stdout).toContain(`plan hash: ${plan.planHash}`);
    // Every run once, in some shard; the plan names each with its inputs hash and estimate.
    expect(plan.runs.map((x) => x.inputsHash).sort()).toEqual(reference.models.flatMap((m) => m.runs!.map((x) => x.inputsHash)).sort());
    expect(new Set(plan.runs.map((x) => x.shard))).toEqual(new Set([1, 2, 3]));
    for (const x of plan.runs) expect(r.stdout).toContain(x.inputsHash.slice(0, 16));
    expect(r.stdout).toMatch(/the longest shard takes about .* on a machine with 4 lanes/);
  });

  it('matrix jobs: each shard trains only its runs into its own store, no bundle', () => {
    for (const shard of plan.matrix.shard) {
      const runner = join(work, `gha-runner-${shard}`);
      const r = sh('scripts/study/shard.sh', { SHARDS: String(SHARDS), SHARD: String(shard), PLAN_HASH: planHash, TIME_LIMIT: '5h30m', CACHE_DIR: join(runner, '.cache') });
      expect(r.stderr).not.toMatch(/^error:/m);
      expect(r.code).toBe(0);
      const mine = plan.runs.filter((x) => x.shard === shard);
      expect(r.stderr).toContain(`shard ${shard}/${SHARDS}: trained ${mine.length} (`);
      for (const x of mine) expect(r.stderr).toContain(`${x.model} (${x.protocol}, seed ${x.seed})`);
      const folders = readdirSync(join(runner, '.cache/models')).sort();
      expect(folders).toEqual(mine.map((x) => `${x.model}-${x.inputsHash.slice(0, 16)}`).sort());
      // upload-artifact store-<shard>-of-<shards>, path .cache/models
      cpSync(join(runner, '.cache/models'), join(artifacts(), `store-${shard}-of-${SHARDS}`), { recursive: true });
    }
    expect(readdirSync(work).some((f) => f.startsWith('gha-runner') && readdirSync(join(work, f)).includes('results'))).toBe(false);
  });

  it('a shard of another plan refuses to train', () => {
    const r = sh('scripts/study/shard.sh', { SHARDS: String(SHARDS), SHARD: '1', PLAN_HASH: '0123456789abcdef', CACHE_DIR: join(work, 'gha-runner-1', '.cache') });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: shard 1\/3: this machine's plan is [0-9a-f]{16}, expected 0123456789abcdef/m);
  });

  it('merge job: the downloaded stores are the merged store, and the bundle is the one-process bundle', () => {
    const runner = join(work, 'gha-merge');
    mergeStores(readdirSync(artifacts()).map((a) => join(artifacts(), a)), join(runner, '.cache/models'));
    const r = sh('scripts/study/merge.sh', { CACHE_DIR: join(runner, '.cache'), OUT: join(runner, 'results') });
    expect(r.stderr).not.toMatch(/^error:/m);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('4 of 4 runs reused (inputs unchanged)');
    expect(r.stderr).not.toMatch(/(TinyCNN|Reduced-Filter CNN)[^\n]* epoch 1\/1/);
    const merged = readBundle(join(runner, 'results'));
    expectSameBundle(merged, reference);
    // Where each run was made: its shard of this plan.
    for (const m of merged.models) for (const run of m.runs!) {
      const planned = plan.runs.find((x) => x.inputsHash === run.inputsHash)!;
      expect(run.provenance).toMatchObject({ backend: 'wasm', shard: `${planned.shard}/${SHARDS}`, plan: plan.planHash.slice(0, 16) });
    }
  });

  it('a missing shard: --no-train names each of its runs and exits 1', () => {
    const runner = join(work, 'gha-merge-missing');
    mergeStores([1, 2].map((k) => join(artifacts(), `store-${k}-of-${SHARDS}`)), join(runner, '.cache/models'));
    const r = sh('scripts/study/merge.sh', { CACHE_DIR: join(runner, '.cache'), OUT: join(runner, 'results') });
    expect(r.code).toBe(1);
    const missing = plan.runs.filter((x) => x.shard === 3);
    const error = r.stderr.split('\n').find((l) => l.startsWith('error:'))!;
    expect(error).toContain(`--no-train: ${missing.length} of 4 runs are in no store`);
    for (const x of missing) expect(error).toContain(`${x.model} (${x.protocol}, seed ${x.seed}): missing: no store holds it`);
    expect(readdirSync(runner)).not.toContain('results');
  });

  it('a run made by other code is not reused, and the line says why; without --no-train it is trained here', () => {
    const runner = join(work, 'gha-merge-other-code');
    const store = join(runner, '.cache/models');
    mergeStores(readdirSync(artifacts()).map((a) => join(artifacts(), a)), store);
    // What an older trainer would have left: the same run under another inputs hash, its record saying trainer 1.
    const victim = plan.runs.find((x) => x.model === 'tiny-cnn' && x.protocol === 'grouped')!;
    const old = join(store, `tiny-cnn-${victim.inputsHash.slice(0, 16)}`);
    const otherHash = createHash('sha256').update('trainer 1').digest('hex');
    const inputs = JSON.parse(readFileSync(join(old, 'inputs.json'), 'utf8'));
    const run = JSON.parse(readFileSync(join(old, 'run.json'), 'utf8'));
    writeFileSync(join(old, 'inputs.json'), JSON.stringify({ ...inputs, inputsHash: otherHash, trainer: inputs.trainer - 1 }));
    writeFileSync(join(old, 'run.json'), JSON.stringify({ ...run, inputsHash: otherHash }));
    renameSync(old, join(store, `tiny-cnn-${otherHash.slice(0, 16)}`));

    const refused = sh('scripts/study/merge.sh', { CACHE_DIR: join(runner, '.cache'), OUT: join(runner, 'results') });
    expect(refused.code).toBe(1);
    const why = `tiny-cnn (grouped, seed 42): not reused: the store's run ${otherHash.slice(0, 16)} was made from other code: trainer version ${inputs.trainer - 1}, here ${inputs.trainer}`;
    expect(refused.stderr).toContain(why);

    const trained = pipeline(['run', '--profile', 'smoke', '--cache-dir', join(runner, '.cache'), '--out', join(runner, 'results')]);
    expect(trained.code).toBe(0);
    expect(trained.stderr).toContain('3 of 4 runs reused');
    expect(trained.stderr).toContain(`${why}; training it here`);
    expectSameBundle(readBundle(join(runner, 'results')), reference);
  });
});

describe('SLURM: the array script run locally, one task per SLURM_ARRAY_TASK_ID, then the merge step', () => {
  it('a task stopped by --time-limit exits 75 and the next invocation finishes it; the merge gives the one-process bundle', () => {
    // The array's tasks share the project's file system, so one cache (and store) for all.
    const cache = join(work, 'slurm-cache');
    const task = (id: number, extra: Record<string, string> = {}) =>
      sh('scripts/slurm/study.sbatch', { SLURM_ARRAY_TASK_ID: String(id), SLURM_ARRAY_TASK_COUNT: String(SHARDS), SLURM_ARRAY_TASK_MIN: '1', SLURM_SUBMIT_DIR: root, CACHE_DIR: cache, ...extra });

    // Under a limit shorter than starting up takes, the task stops before its first epoch.
    const stopped = task(1, { TIME_LIMIT: '1s' });
    expect(stopped.code).toBe(75);
    expect(stopped.stderr).toMatch(/stopped for the --time-limit before epoch 1 of 1/);
    expect(stopped.stderr).toMatch(/shard 1\/3: trained 0, reused 0, stopped \d for the --time-limit/);
    expect(stopped.stderr).toMatch(/^stopped: \d runs stopped for the --time-limit, their checkpoints in the store: run the same command again to resume$/m);

    for (let id = 1; id <= SHARDS; id++) {
      const r = task(id);
      expect(r.stderr).not.toMatch(/^error:/m);
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(new RegExp(`shard ${id}/3: trained [1-9]`));
    }
    const merge = sh('scripts/slurm/merge.sbatch', { SLURM_SUBMIT_DIR: root, CACHE_DIR: cache, OUT: join(work, 'slurm-results') });
    expect(merge.stderr).not.toMatch(/^error:/m);
    expect(merge.code).toBe(0);
    expect(merge.stderr).toContain('4 of 4 runs reused (inputs unchanged)');
    expectSameBundle(readBundle(join(work, 'slurm-results')), reference);
    rmSync(cache, { recursive: true, force: true });
  });
});

describe('a store holding every run of the study’s budget', () => {
  it('is the study: a run without --profile uses it, trains nothing and says why', () => {
    const cache = join(work, 'full-cache');
    const study = ['--models', 'reduced-filter-cnn', '--seeds', '1', '--split', 'image', '--data', data, '--backend', 'wasm'];
    const run = (cliArgs: string[]) =>
      spawnSync(tsx, [join(root, 'pipeline/cli.ts'), ...cliArgs, ...study], { cwd: root, encoding: 'utf8', env: { ...process.env, MEDICAL_MNIST_DATA: '' }, stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000, killSignal: 'SIGKILL' });
    const shard = run(['run', '--profile', 'full', '--shard', '1/1', '--cache-dir', cache]);
    expect(shard.status).toBe(0);
    expect(shard.stderr).toMatch(/Reduced-Filter CNN epoch 10\/10/);
    const plain = run(['run', '--no-train', '--cache-dir', cache, '--out', join(work, 'full-results')]);
    expect(plain.stderr).not.toMatch(/^error:/m);
    expect(plain.status).toBe(0);
    expect(plain.stderr).toContain("profile: full (the study's budget: the model store holds all 1 of its runs)");
    expect(plain.stderr).toContain('1 of 1 runs reused');
    const bundle = readBundle(join(work, 'full-results'));
    expect(bundle.manifest.profile.name).toBe('full');
    expect(bundle.models[0]!.training.budget.epochs).toBe(10);
    rmSync(cache, { recursive: true, force: true });
  });
});
