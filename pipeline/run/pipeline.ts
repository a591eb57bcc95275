/**
 * One pipeline run: data → split → backend → profile → each model's job (job.ts) →
 * reuse it, or train it here or in a worker (model-job.ts, workers.ts) → results bundle.
 */
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { SCHEMA_VERSION, MODEL_IDS, IMAGE_SIZE, type Manifest, type ModelId, type ProfileName } from '../../schema/results.ts';
import { SAMPLES_FILE, modelJsonPath } from '../../schema/bundle.ts';
import { resolveDataSource } from '../data/locate.ts';
import { loadDataset } from '../data/dataset.ts';
import { splitDataset, DEFAULT_SPLIT } from '../data/split.ts';
import { describeBackend, onGpu, selectBackend, type BackendChoice } from '../backend/select.ts';
import { MODELS } from '../models/index.ts';
import { getProfile } from '../profiles.ts';
import { writeBundle } from '../export/bundle.ts';
import { loadFromBundle, loadFromCache, type StoredModel } from '../cache/models.ts';
import type { Reporter } from '../shared/progress.ts';
import { chooseSamples, resolveJobs } from './job.ts';
import { runModelJob } from './model-job.ts';
import { trainInWorkers, TrainingError } from './workers.ts';
import { describeEnvironment, gitState } from './environment.ts';
import { resolveResnet50Init, randomInitReduction, type ResNet50Init, type ResNetInitChoice } from '../models/imagenet-init.ts';

export interface RunOptions {
  projectRoot: string;
  data?: string;
  /** The bundle folder (`--out`; relative to projectRoot). */
  out: string;
  cacheDir: string;
  profile?: ProfileName;
  backend: BackendChoice;
  threads?: number;
  models: ModelId[];
  seed: number;
  force: boolean;
  imagenetWeights?: string;
  /** Where ResNet50 starts (default: imagenet, except in the smoke profile, which never downloads). */
  resnetInit?: ResNetInitChoice;
  /** Models trained at once, each in its own process (wasm and cpu use one core each). */
  jobs?: number;
  reporter: Reporter;
}

/** Order of training: cheap models first, so an interrupted run has the most to show. */
const TRAINING_ORDER: ModelId[] = ['tiny-cnn', 'reduced-filter-cnn', 'gap-cnn', 'basic-cnn', 'resnet50'];

async function loadData(opts: RunOptions) {
  const { reporter } = opts;
  const source = await resolveDataSource({ cliPath: opts.data, env: process.env, projectRoot: opts.projectRoot, log: reporter.log });
  reporter.log(`data: ${source.path} (${source.how})`);
  let decode: ReturnType<Reporter['task']> | null = null;
  const ds = await loadDataset(source.path, {
    cacheDir: join(opts.cacheDir, 'datasets'),
    log: reporter.log,
    warn: reporter.warn,
    onProgress: (done: number, total: number) => {
      decode ??= reporter.task('decoding images', total, 'images');
      decode.update(done);
    },
  });
  (decode as ReturnType<Reporter['task']> | null)?.finish(`decoded ${ds.labels.length} images`);
  reporter.log(
    `dataset: ${ds.dataset.total} images in ${ds.classes.length} classes (${ds.cacheHit ? 'from cache' : 'decoded'}), fingerprint ${ds.dataset.fingerprint.slice(0, 12)}…` +
      (ds.dataset.skipped.length ? `, ${ds.dataset.skipped.length} skipped` : ''),
  );
  return ds;
}

export async function runPipeline(opts: RunOptions): Promise<Manifest> {
  const startedAt = new Date().toISOString();
  const { reporter } = opts;
  const ds = await loadData(opts);
  const data = { images: ds.images, labels: ds.labels, numClasses: ds.classes.length };

  const split = splitDataset(ds.labels, ds.contentHashes, { seed: opts.seed, ratios: DEFAULT_SPLIT });
  reporter.log(`split (seed ${opts.seed}): ${split.train.length} train / ${split.validation.length} validation / ${split.test.length} test`);

  const backend = await selectBackend(opts.backend, { threads: opts.threads });
  reporter.log(`backend: ${describeBackend(backend)}${backend.notes.length ? ` (${backend.notes.join('; ')})` : ''}`);

  const profileName: ProfileName = opts.profile ?? (onGpu(backend) ? 'full' : 'cpu');
  const profile = getProfile(profileName, { train: split.train.length, validation: split.validation.length, test: split.test.length });
  const resnet50Init: ResNet50Init = opts.models.includes('resnet50')
    ? await resolveResnet50Init({
        choice: opts.resnetInit ?? (profileName === 'smoke' ? 'random' : 'imagenet'),
        randomReason: opts.resnetInit ? undefined : 'the smoke profile never downloads them (--resnet-init imagenet to use them)',
        weightsPath: opts.imagenetWeights,
        cacheDir: opts.cacheDir,
        log: reporter.log,
        warn: reporter.warn,
      })
    : { kind: 'random', reason: 'ResNet50 is not trained in this run' };
  const reduction = opts.models.includes('resnet50') ? randomInitReduction(resnet50Init) : null;
  if (reduction) profile.reductions.push(reduction);
  reporter.log(`profile: ${profileName}${opts.profile ? '' : ' (default for this backend)'}`);

  const samples = chooseSamples(split.test, ds.labels, ds.classes.length, opts.seed);
  const jobs = resolveJobs({
    models: opts.models,
    seed: opts.seed,
    profile,
    backend: backend.name,
    adapter: backend.adapter,
    dataset: { fingerprint: ds.dataset.fingerprint, classes: ds.classes, labels: ds.labels, files: ds.files },
    split,
    ratios: DEFAULT_SPLIT,
    samples,
    cacheDir: opts.cacheDir,
    resnet50Init,
  });
  const outDir = resolve(opts.projectRoot, opts.out);

  const results = new Map<ModelId, { stored: StoredModel; status: 'trained' | 'reused' }>();
  const toTrain: ModelId[] = [];
  for (const id of TRAINING_ORDER.filter((m) => opts.models.includes(m))) {
    const hash = jobs[id].inputsHash;
    const reused = opts.force ? null : (loadFromCache(opts.cacheDir, id, hash) ?? loadFromBundle(outDir, id, hash));
    if (reused) {
      reporter.log(`${MODELS[id].name}: inputs unchanged, reusing the result trained ${reused.result.trainedAt} (--force retrains)`);
      results.set(id, { stored: reused, status: 'reused' });
    } else toTrain.push(id);
  }

  // wasm and cpu run on one core each: train models side by side, one process per core.
  // Native TensorFlow uses every core for one model already. Workers load the decoded
  // dataset from its cache file, so without one every model trains here.
  const native = backend.name === 'tensorflow' || backend.name === 'tensorflow-gpu';
  // On webgpu one model at a time: the adapter is one device, which one model's kernels
  // already keep busy (and SwiftShader uses every core); --jobs does not apply there.
  if (backend.name === 'webgpu' && (opts.jobs ?? 1) > 1) reporter.log(`--jobs ${opts.jobs} ignored on webgpu: models train one at a time on the adapter`);
  const parallel = ds.cacheFile === null || backend.name === 'webgpu' ? 1 : Math.max(1, Math.min(opts.jobs ?? (native ? 1 : cpus().length), toTrain.length));
  if (parallel > 1 && ds.cacheFile !== null) {
    reporter.log(`training ${toTrain.length} models, ${parallel} at a time (one process each; --jobs 1 trains one at a time)`);
    // Longest first, so the long ResNet50 runs beside the short ones rather than after them.
    const longestFirst = [...toTrain].sort((a, b) => TRAINING_ORDER.indexOf(b) - TRAINING_ORDER.indexOf(a));
    // One wasm thread per worker: two workers with two threads each would oversubscribe the cores.
    const tasks = longestFirst.map((id) => ({ job: jobs[id], datasetFile: ds.cacheFile!, threads: opts.threads ?? 1 }));
    const failures = await trainInWorkers(tasks, parallel, reporter);
    for (const id of toTrain) {
      const stored = loadFromCache(opts.cacheDir, id, jobs[id].inputsHash);
      if (stored) results.set(id, { stored, status: 'trained' });
    }
    if (failures.length) throw new TrainingError(failures.join('; ') + (results.size ? ' (finished models are kept for the next run)' : ''));
  } else {
    for (const id of toTrain) results.set(id, { stored: await runModelJob(jobs[id], data, reporter), status: 'trained' });
  }

  const pixels = IMAGE_SIZE * IMAGE_SIZE;
  const sampleBytes = new Uint8Array(samples.length * pixels);
  samples.forEach((idx, i) => sampleBytes.set(ds.images.subarray(idx * pixels, (idx + 1) * pixels), i * pixels));
  const perClass = (idx: Int32Array) => ds.classes.map((_, c) => Array.from(idx).filter((i) => ds.labels[i] === c).length);
  const ordered = MODEL_IDS.filter((id) => results.has(id));

  const manifest: Manifest = {
    schemaVersion: SCHEMA_VERSION,
    profile,
    seed: opts.seed,
    dataset: ds.dataset,
    split: {
      seed: opts.seed,
      ratios: DEFAULT_SPLIT,
      sizes: { train: split.train.length, validation: split.validation.length, test: split.test.length },
      perClass: { train: perClass(split.train), validation: perClass(split.validation), test: perClass(split.test) },
    },
    environment: describeEnvironment(opts.projectRoot, backend),
    git: gitState(opts.projectRoot),
    startedAt,
    finishedAt: new Date().toISOString(),
    samples: {
      file: SAMPLES_FILE,
      testIndices: Array.from(samples, (s) => split.test.indexOf(s)),
      labels: Array.from(samples, (s) => ds.labels[s]!),
      files: Array.from(samples, (s) => ds.files[s]!),
    },
    models: ordered.map((id) => ({ id, file: modelJsonPath(id), status: results.get(id)!.status })),
  };
  writeBundle(outDir, manifest, ordered.map((id) => results.get(id)!.stored), sampleBytes);
  reporter.log(`results: ${outDir} (${ordered.map((id) => `${id} ${results.get(id)!.status}`).join(', ')})`);
  return manifest;
}
