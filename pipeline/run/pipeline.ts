/**
 * One pipeline run: data → split → backend → profile → each model's job (job.ts) →
 * reuse it, or train it here or in a worker (model-job.ts, workers.ts) → results bundle.
 */
import { createHash } from 'node:crypto';
import { cpus } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import {
  SCHEMA_VERSION,
  PROTOCOLS,
  type Manifest,
  type ModelId,
  type ModelResult,
  type ProfileName,
  type Protocol,
  type Run,
} from '../../schema/results.ts';
import { AUDIT_FILE, SAMPLES_FILE, SPLITS_FILE, modelJsonPath } from '../../schema/bundle.ts';
import { resolveDataSource } from '../data/locate.ts';
import { loadDataset } from '../data/dataset.ts';
import { descriptorFor, readDescriptor } from '../data/descriptor.ts';
import { DEFAULT_SPLIT } from '../data/split.ts';
import { buildProtocols } from '../data/protocols.ts';
import { NEIGHBOURS_VERSION } from '../data/audit.ts';
import { runBaselines } from '../baselines/run-baselines.ts';
import { bestBaselines, comparisons } from '../evaluate/comparisons.ts';
import { summarise } from '../evaluate/metrics.ts';
import { describeBackend, offSoftwareAdapter, onGpu, selectBackend, type BackendChoice } from '../backend/select.ts';
import { getModelSpec, MODEL_IDS } from '../models/registry.ts';
import { getProfile } from '../profiles.ts';
import { writeBundle } from '../export/bundle.ts';
import { loadFromBundle, loadFromCache, loadRunFromCache, type StoredModel } from '../cache/models.ts';
import type { Reporter } from '../shared/progress.ts';
import { chooseSamples, resolveAllJobs, type ModelJob } from './job.ts';
import { runModelJob } from './model-job.ts';
import { trainInWorkers, TrainingError } from './workers.ts';
import { describeEnvironment, gitState } from './environment.ts';
import { resolveResnet50Init, type ResNet50Init, type ResNetInitChoice } from '../models/imagenet-init.ts';
import { similarityField } from '../analysis/similarity.ts';

export interface RunOptions {
  projectRoot: string;
  data?: string;
  /** The dataset descriptor file (`--dataset`); see data/descriptor.ts for where else one is found. */
  dataset?: string;
  /** Data files above this size are skipped and named, never read (`--max-file-bytes`). */
  maxFileBytes?: number;
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
  /** Runs per model and protocol (`--seeds`); default the profile's. */
  seeds?: number;
  /** Evaluation protocols (`--split`); default both. The first one's first seed is the primary run. */
  protocols?: Protocol[];
  reporter: Reporter;
}


async function loadData(opts: RunOptions) {
  const { reporter } = opts;
  const givenFile = opts.dataset ? resolve(opts.projectRoot, opts.dataset) : null;
  // Recorded relative to the project when it lies inside it, so the bundle names no machine's paths.
  const shown = givenFile && !relative(opts.projectRoot, givenFile).startsWith('..') ? relative(opts.projectRoot, givenFile) : givenFile;
  const given = givenFile ? { ...readDescriptor(givenFile), file: shown! } : null;
  // A descriptor may name its data (relative to itself) when --data does not.
  const fromDescriptor = !opts.data && given?.descriptor.data ? resolve(dirname(givenFile!), given.descriptor.data) : undefined;
  const source = await resolveDataSource({ cliPath: opts.data ?? fromDescriptor, env: process.env, projectRoot: opts.projectRoot, log: reporter.log });
  reporter.log(`data: ${source.path} (${fromDescriptor ? `from ${given!.file}` : source.how})`);
  const descriptor = given ?? descriptorFor(source.path, undefined);
  if (descriptor) reporter.log(`dataset descriptor: ${descriptor.file} (${descriptor.descriptor.name})`);
  let decode: ReturnType<Reporter['task']> | null = null;
  const ds = await loadDataset(source.path, {
    cacheDir: join(opts.cacheDir, 'datasets'),
    descriptor,
    projectRoot: opts.projectRoot,
    maxFileBytes: opts.maxFileBytes,
    log: reporter.log,
    warn: reporter.warn,
    onProgress: (done: number, total: number) => {
      decode ??= reporter.task('decoding images', total, 'images');
      decode.update(done);
    },
  });
  (decode as ReturnType<Reporter['task']> | null)?.finish(`decoded ${ds.labels.length} images`);
  reporter.log(
    `dataset: ${ds.dataset.info.name}${ds.dataset.info.descriptor ? ` (${ds.dataset.info.descriptor})` : ' (no descriptor)'}, ${ds.dataset.total} images of ${ds.dataset.imageSize} × ${ds.dataset.imageSize} in ${ds.classes.length} classes (${ds.cacheHit ? 'from cache' : 'decoded'}), fingerprint ${ds.dataset.fingerprint.slice(0, 12)}…` +
      (ds.dataset.skipped.length ? `, ${ds.dataset.skipped.length} skipped` : ''),
  );
  return ds;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** A job's lane-seconds from its model's measured speed (ModelDescriptor.imagesPerSecond), for ordering work. */
export function estimatedSeconds(job: ModelJob): number {
  const perEpoch = job.budget.trainLimit ?? job.trainSplit.length;
  // Inference taken as three times the training rate.
  return (job.budget.epochs * perEpoch + (job.validation.length * job.budget.epochs + job.test.length) / 3) / getModelSpec(job.id).imagesPerSecond;
}

/** The runs of a model in the previous bundle, by inputs hash (a cleared cache still reuses them). */
function previousRuns(outDir: string, id: ModelId): Map<string, Run> {
  const stored = loadFromBundle(outDir, id, null);
  return new Map((stored?.result.runs ?? []).map((r) => [r.inputsHash, r]));
}

export async function runPipeline(opts: RunOptions): Promise<Manifest> {
  const startedAt = new Date().toISOString();
  const { reporter } = opts;
  const ds = await loadData(opts);
  const imageSize = ds.dataset.imageSize;
  const data = { images: ds.images, labels: ds.labels, numClasses: ds.classes.length, imageSize };

  // The audit's matrix products run on the selected backend (wasm instead of a software
  // WebGPU adapter), so select it first.
  const backend = await selectBackend(opts.backend, { threads: opts.threads });
  reporter.log(`backend: ${describeBackend(backend)}${backend.notes.length ? ` (${backend.notes.join('; ')})` : ''}`);

  let auditTask: ReturnType<Reporter['task']> | null = null;
  const { value: prot, moved: auditMoved } = await offSoftwareAdapter(backend, { threads: opts.threads }, () => buildProtocols(
    { images: ds.images, imageSize, labels: ds.labels, classes: ds.classes, files: ds.files, contentHashes: ds.contentHashes, fingerprint: ds.dataset.fingerprint },
    {
      cacheDir: join(opts.cacheDir, 'datasets'),
      seed: opts.seed,
      log: reporter.log,
      onProgress: (done, total) => {
        auditTask ??= reporter.task('near-duplicate audit (all pairs)', Math.round(total / 1e6), 'M pairs');
        auditTask.update(Math.round(done / 1e6));
      },
    },
  ));
  (auditTask as ReturnType<Reporter['task']> | null)?.finish(`near-duplicate audit: every pair of ${ds.labels.length} images in ${prot.audit.seconds} s${auditMoved ? ` ${auditMoved}` : ''}`);
  const split = prot.splits.image;

  const profileName: ProfileName = opts.profile ?? (onGpu(backend) ? 'full' : 'cpu');
  const selected = opts.models.map(getModelSpec);
  const profile = getProfile(profileName, { train: split.train.length, validation: split.validation.length, test: split.test.length }, { seeds: opts.seeds, softwareAdapter: backend.adapter?.software === true, models: selected });
  const pretrained = selected.filter((m) => m.imagenetWeights);
  const resnet50Init: ResNet50Init = pretrained.length
    ? await resolveResnet50Init({
        choice: opts.resnetInit ?? (profileName === 'smoke' ? 'random' : 'imagenet'),
        randomReason: opts.resnetInit ? undefined : 'the smoke profile never downloads them (--resnet-init imagenet to use them)',
        weightsPath: opts.imagenetWeights,
        cacheDir: opts.cacheDir,
        log: reporter.log,
        warn: reporter.warn,
      })
    : { kind: 'random', reason: 'no model of this run starts from ImageNet weights' };
  if (resnet50Init.kind === 'random') for (const m of pretrained) profile.reductions.push({ kind: 'random-init', subject: m.id, reason: resnet50Init.reason });
  reporter.log(`profile: ${profileName}${opts.profile ? '' : ' (default for this backend)'}`);

  const protocols = opts.protocols ?? [...PROTOCOLS];
  const splitKeys: Record<Protocol, unknown> = {
    image: { ratios: DEFAULT_SPLIT, seed: opts.seed },
    grouped: { ratios: DEFAULT_SPLIT, seed: opts.seed, neighbours: NEIGHBOURS_VERSION, threshold: prot.audit.threshold, members: sha256(prot.splitsFile.membership.grouped) },
  };
  const samples = chooseSamples(prot.splits[protocols[0]!].test, ds.labels, ds.classes.length, opts.seed);
  const jobs = resolveAllJobs(
    {
      models: opts.models,
      seed: opts.seed,
      profile,
      backend: backend.name,
      adapter: backend.adapter,
      dataset: { fingerprint: ds.dataset.fingerprint, classes: ds.classes, labels: ds.labels, imageSize, files: ds.files },
      ratios: DEFAULT_SPLIT,
      samples,
      cacheDir: opts.cacheDir,
      resnet50Init,
    },
    protocols.map((p) => ({ protocol: p, split: prot.splits[p], splitKey: splitKeys[p] })),
    profile.seeds!,
  );
  const outDir = resolve(opts.projectRoot, opts.out);

  const primary = new Map<ModelId, { stored: StoredModel; status: 'trained' | 'reused' }>();
  const runs = new Map<string, Run>();
  const toTrain: ModelJob[] = [];
  const previous = new Map<ModelId, Map<string, Run>>();
  for (const job of jobs) {
    if (opts.force) {
      toTrain.push(job);
      continue;
    }
    if (!previous.has(job.id)) previous.set(job.id, previousRuns(outDir, job.id));
    const run = loadRunFromCache(opts.cacheDir, job.id, job.inputsHash) ?? previous.get(job.id)!.get(job.inputsHash) ?? null;
    const stored = job.primary ? (loadFromCache(opts.cacheDir, job.id, job.inputsHash) ?? loadFromBundle(outDir, job.id, job.inputsHash)) : null;
    if (run && (!job.primary || stored)) {
      runs.set(job.inputsHash, run);
      if (stored) {
        primary.set(job.id, { stored, status: 'reused' });
        reporter.log(`${getModelSpec(job.id).name}: inputs unchanged, reusing the result trained ${stored.result.trainedAt} (--force retrains)`);
      }
    } else toTrain.push(job);
  }
  const reusedRuns = jobs.length - toTrain.length;
  if (reusedRuns) reporter.log(`${reusedRuns} of ${jobs.length} runs reused (inputs unchanged)`);

  // Baselines run here while the workers train (they are light: neighbour votes and one softmax layer).
  const baselineSeeds = Array.from({ length: Math.max(...opts.models.map((id) => profile.seeds![id])) }, (_, k) => opts.seed + k);
  const baselines = async () =>
    runBaselines({
      data,
      classes: ds.classes,
      fingerprint: ds.dataset.fingerprint,
      splits: prot.splits,
      neighbours: prot.neighbours,
      seeds: baselineSeeds,
      logisticBudget: profile.logisticRegression!,
      cacheDir: opts.cacheDir,
      reporter,
    });

  // wasm and cpu run on one core each: train models side by side, one process per core.
  // Native TensorFlow uses every core for one model already. Workers load the decoded
  // dataset from its cache file, so without one every model trains here.
  const native = backend.name === 'tensorflow' || backend.name === 'tensorflow-gpu';
  // On webgpu one model at a time: the adapter is one device, which one model's kernels
  // already keep busy (and SwiftShader uses every core); --jobs does not apply there.
  if (backend.name === 'webgpu' && (opts.jobs ?? 1) > 1) reporter.log(`--jobs ${opts.jobs} ignored on webgpu: models train one at a time on the adapter`);
  const parallel = ds.cacheFile === null || backend.name === 'webgpu' ? 1 : Math.max(1, Math.min(opts.jobs ?? (native ? 1 : cpus().length), toTrain.length));
  let baselineResults: Awaited<ReturnType<typeof runBaselines>>;
  if (parallel > 1 && ds.cacheFile !== null) {
    reporter.log(`training ${toTrain.length} runs, ${parallel} at a time (one process each; --jobs 1 trains one at a time)`);
    // Longest first, so that the lanes finish together.
    const longestFirst = [...toTrain].sort((a, b) => estimatedSeconds(b) - estimatedSeconds(a));
    // One wasm thread per worker: two workers with two threads each would oversubscribe the cores.
    const tasks = longestFirst.map((job) => ({ job, datasetFile: ds.cacheFile!, threads: opts.threads ?? 1 }));
    const training = trainInWorkers(tasks, parallel, reporter);
    baselineResults = await baselines();
    const failures = await training;
    for (const job of toTrain) {
      const run = loadRunFromCache(opts.cacheDir, job.id, job.inputsHash);
      if (run) runs.set(job.inputsHash, run);
      const stored = job.primary ? loadFromCache(opts.cacheDir, job.id, job.inputsHash) : null;
      if (stored) primary.set(job.id, { stored, status: 'trained' });
    }
    if (failures.length) throw new TrainingError(failures.join('; ') + (primary.size ? ' (finished runs are kept for the next run)' : ''));
  } else {
    // Cheap runs first, so an interrupted run has the most to show.
    for (const job of [...toTrain].sort((a, b) => estimatedSeconds(a) - estimatedSeconds(b))) {
      const outcome = await runModelJob(job, data, reporter);
      runs.set(job.inputsHash, outcome.run);
      if (outcome.stored) primary.set(job.id, { stored: outcome.stored, status: 'trained' });
    }
    baselineResults = await baselines();
  }

  // Each model's runs (every protocol and seed) and their summaries join its primary result.
  const ordered = MODEL_IDS.filter((id) => primary.has(id));
  const models: StoredModel[] = ordered.map((id) => {
    const { stored } = primary.get(id)!;
    const mine = jobs.filter((j) => j.id === id).map((j) => runs.get(j.inputsHash)!);
    const summary = Object.fromEntries(
      protocols.map((p) => {
        const ev = mine.filter((r) => r.protocol === p).map((r) => r.evaluation);
        return [p, { accuracy: summarise(ev.map((e) => e.accuracy)), macroAuc: summarise(ev.map((e) => e.macroAuc)), macroF1: summarise(ev.map((e) => e.macroF1)) }];
      }),
    ) as ModelResult['summary'];
    // Name, description, role and colour come from the model's file as it is now (a reused result keeps its numbers, not its wording).
    const spec = getModelSpec(id);
    const presentation = { name: spec.name, description: spec.description({ classes: ds.classes.length, imageSize }), role: spec.role, colour: spec.colour!, studyPick: spec.studyPick === true };
    return { ...stored, result: { ...stored.result, ...presentation, runs: mine, summary } };
  });

  const testLabels = Object.fromEntries(PROTOCOLS.map((p) => [p, Uint8Array.from(prot.splits[p].test, (i) => ds.labels[i]!)])) as Record<Protocol, Uint8Array>;
  const paired = comparisons({
    models: models.map((m) => ({ id: m.result.id, runs: m.result.runs! })),
    baselines: baselineResults.map((b) => ({ id: b.id, runs: b.runs })),
    testLabels,
  });

  const pixels = imageSize * imageSize;
  const sampleBytes = new Uint8Array(samples.length * pixels);
  samples.forEach((idx, i) => sampleBytes.set(ds.images.subarray(idx * pixels, (idx + 1) * pixels), i * pixels));
  const primaryTest = prot.splits[protocols[0]!].test;

  const manifest: Manifest = {
    schemaVersion: SCHEMA_VERSION,
    profile,
    seed: opts.seed,
    dataset: ds.dataset,
    split: prot.records.find((r) => r.protocol === protocols[0])!.split,
    environment: describeEnvironment(opts.projectRoot, backend),
    git: gitState(opts.projectRoot),
    startedAt,
    finishedAt: new Date().toISOString(),
    samples: {
      file: SAMPLES_FILE,
      testIndices: Array.from(samples, (s) => primaryTest.indexOf(s)),
      labels: Array.from(samples, (s) => ds.labels[s]!),
      files: Array.from(samples, (s) => ds.files[s]!),
    },
    models: models.map(({ result: m }) => ({ id: m.id, name: m.name, role: m.role, colour: m.colour, studyPick: m.studyPick, file: modelJsonPath(m.id), status: primary.get(m.id)!.status })),
    seeds: baselineSeeds,
    protocols: prot.records,
    audit: prot.audit,
    baselines: baselineResults,
    comparisons: paired,
    bestBaselines: bestBaselines(baselineResults.map((b) => ({ id: b.id, runs: b.runs })), testLabels) as Manifest['bestBaselines'],
    // Cross-model CKA against the reference model, from the kernels each primary run kept (pipeline/analysis/similarity.ts).
    ...similarityField(models),
  };
  writeBundle(outDir, manifest, models, sampleBytes, [
    { file: SPLITS_FILE, data: JSON.stringify(prot.splitsFile) + '\n' },
    { file: AUDIT_FILE, data: prot.figureBytes },
  ]);
  reporter.log(`results: ${outDir} (${ordered.map((id) => `${id} ${primary.get(id)!.status}`).join(', ')}; ${jobs.length} runs, ${baselineResults.length} baselines)`);
  return manifest;
}
