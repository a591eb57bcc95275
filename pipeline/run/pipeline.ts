/**
 * One pipeline run, in stages that a sharded study also uses one by one (docs/scale-out.md):
 *
 *   prepareRun     data → backend → split and audit → profile → every run's job (job.ts)
 *   reuseStored    each job found in the model store (or the previous bundle), or to train
 *   trainStage     the jobs to train, here or in workers (model-job.ts, workers.ts)
 *   assembleBundle runs, baselines and comparisons → the results bundle
 *
 * `runPipeline` is all four; `planRun` stops after the first (plan.ts); `runShard` trains
 * one shard of the plan into the store and writes no bundle.
 */
import { createHash } from 'node:crypto';
import { cpus, hostname } from 'node:os';
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
  type RunProvenance,
} from '../../schema/results.ts';
import { AUDIT_FILE, SAMPLES_FILE, SPLITS_FILE, modelJsonPath } from '../../schema/bundle.ts';
import { resolveDataSource } from '../data/locate.ts';
import { loadDataset } from '../data/dataset.ts';
import { descriptorFor, readDescriptor } from '../data/descriptor.ts';
import { DEFAULT_SPLIT } from '../data/split.ts';
import { buildProtocols } from '../data/protocols.ts';
import { NEIGHBOURS_VERSION } from '../data/neighbours.ts';
import { runBaselines } from '../baselines/run-baselines.ts';
import { bestBaselines, comparisons } from '../evaluate/comparisons.ts';
import { summarise } from '../evaluate/metrics.ts';
import { describeBackend, offSoftwareAdapter, onGpu, selectBackend, type BackendChoice } from '../backend/select.ts';
import { firstTrainingGap } from '../backend/trainable.ts';
import { corruptionsRecord, robustnessImages } from '../analysis/robustness.ts';
import { getModelSpec, MODEL_IDS } from '../models/registry.ts';
import { getProfile } from '../profiles.ts';
import { writeBundle } from '../export/bundle.ts';
import { existsSync } from 'node:fs';
import { loadFromBundle, loadFromCache, loadProvenance, modelDir, loadRunFromCache, saveInputsRecord, saveProvenance, storeEntries, type InputsRecord, type StoredModel } from '../cache/models.ts';
import { checkpointEpochs } from '../train/checkpoint.ts';
import { TIME_LIMIT_WORDS, TimeLimitReached } from '../train/train.ts';
import { UserError } from '../../common/user-error.ts';
import type { Reporter } from '../shared/progress.ts';
import { chooseSamples, resolveAllJobs, type ModelJob } from './job.ts';
import { runModelJob } from './model-job.ts';
import { estimatedEpochSeconds, estimatedSeconds, formatDuration, makePlan, shardJobs, type Plan } from './plan.ts';
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
  /** Refuse to train: every run must be in the store or the previous bundle (`--no-train`); the missing ones are named. */
  noTrain?: boolean;
  /** Wall-clock limit of this process (`--time-limit`), ms since the epoch: training stops at the epoch boundary before it. */
  deadlineAt?: number;
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

/** The previous bundle's runs of a model, by inputs hash (a cleared cache still reuses them). */
function previousRuns(outDir: string, id: ModelId): Map<string, Run> {
  const stored = loadFromBundle(outDir, id, null);
  return new Map((stored?.result.runs ?? []).map((r) => [r.inputsHash, r]));
}

/** Everything a run knows before training: the data, backend, split and audit, profile, and every run's job. */
export async function prepareRun(opts: RunOptions) {
  const startedAt = new Date().toISOString();
  const { reporter } = opts;
  const ds = await loadData(opts);
  const imageSize = ds.dataset.imageSize;
  const data = { images: ds.images, labels: ds.labels, numClasses: ds.classes.length, imageSize };

  // The audit's matrix products run on the selected backend (wasm instead of a software
  // WebGPU adapter), so select it first.
  const backend = await selectBackend(opts.backend, {
    threads: opts.threads,
    canTrain: () => firstTrainingGap(opts.models.map(getModelSpec), { classes: ds.classes.length, imageSize }),
  });
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

  let profileName: ProfileName = opts.profile ?? (onGpu(backend) ? 'full' : 'cpu');
  const selected = opts.models.map(getModelSpec);
  const sizes = { train: split.train.length, validation: split.validation.length, test: split.test.length };
  const pretrained = selected.filter((m) => m.imagenetWeights);
  // The same for cpu and full (only smoke differs), so the default's check of full below can share it.
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

  const protocols = opts.protocols ?? [...PROTOCOLS];
  const splitKeys: Record<Protocol, unknown> = {
    image: { ratios: DEFAULT_SPLIT, seed: opts.seed },
    grouped: { ratios: DEFAULT_SPLIT, seed: opts.seed, neighbours: NEIGHBOURS_VERSION, threshold: prot.audit.threshold, members: sha256(prot.splitsFile.membership.grouped) },
  };
  const samples = chooseSamples(prot.splits[protocols[0]!].test, ds.labels, ds.classes.length, opts.seed);
  /** A profile's budgets and every run's job under it. */
  const budgeted = (name: ProfileName) => {
    const profile = getProfile(name, sizes, { seeds: opts.seeds, softwareAdapter: backend.adapter?.software === true, models: selected });
    if (resnet50Init.kind === 'random') for (const m of pretrained) profile.reductions.push({ kind: 'random-init', subject: m.id, reason: resnet50Init.reason });
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
    return { profile, jobs };
  };
  let { profile, jobs } = budgeted(profileName);
  let why = opts.profile ? '' : ' (default for this backend)';
  // Without --profile, a model store that holds every run of the study's budget (a merge of
  // shard stores, docs/scale-out.md) is the study: a plain `npm run build` then renders it.
  if (!opts.profile && profileName !== 'full') {
    const full = budgeted('full');
    const held = full.jobs.filter((j) => loadRunFromCache(opts.cacheDir, j.id, j.inputsHash) && (!j.primary || loadFromCache(opts.cacheDir, j.id, j.inputsHash))).length;
    if (held === full.jobs.length) {
      ({ profile, jobs } = full);
      profileName = 'full';
      why = ` (the study's budget: the model store holds all ${held} of its runs)`;
    } else if (held > 0)
      reporter.log(`the model store holds ${held} of the ${full.jobs.length} runs of the study's budget (full); with some missing this run uses ${profileName} (--profile full uses them and trains the rest)`);
  }
  reporter.log(`profile: ${profileName}${why}`);
  const outDir = resolve(opts.projectRoot, opts.out);
  return { opts, startedAt, ds, data, backend, prot, profileName, profile, protocols, samples, jobs, outDir };
}

export type Prepared = Awaited<ReturnType<typeof prepareRun>>;

/** What a run holds so far: every finished run by inputs hash, and each model's primary result. */
interface Holdings {
  runs: Map<string, Run>;
  primary: Map<ModelId, { stored: StoredModel; status: 'trained' | 'reused' }>;
}

/** A run's name in messages: model, protocol, seed. */
export function runName(job: { id: ModelId; protocol: Protocol; seed: number }): string {
  return `${job.id} (${job.protocol}, seed ${job.seed})`;
}

/** A stored run's inputs against the wanted ones: what differs, in words. */
function differences(stored: InputsRecord, wanted: InputsRecord): string[] {
  const out: string[] = [];
  if (stored.trainer !== wanted.trainer) out.push(`other code: trainer version ${stored.trainer}, here ${wanted.trainer}`);
  if (stored.schema !== wanted.schema) out.push(`other code: results schema ${stored.schema}, here ${wanted.schema}`);
  if (stored.definition !== wanted.definition) out.push(`other code: the model's definition differs`);
  if (stored.fingerprint !== wanted.fingerprint) out.push(`other data: dataset fingerprint ${stored.fingerprint.slice(0, 12)}…, here ${wanted.fingerprint.slice(0, 12)}…`);
  else if (stored.split !== wanted.split) out.push('another split');
  if (stored.weights !== wanted.weights) out.push(`other initial weights (${stored.weights ? 'ImageNet ' + stored.weights.slice(0, 12) + '…' : 'random'}, here ${wanted.weights ? 'ImageNet ' + wanted.weights.slice(0, 12) + '…' : 'random'})`);
  const fields = Object.keys(wanted.budget) as (keyof InputsRecord['budget'])[];
  const budget = fields.filter((f) => stored.budget?.[f] !== wanted.budget[f]).map((f) => `${f} ${stored.budget?.[f] ?? 'none'}, here ${wanted.budget[f] ?? 'none'}`);
  if (budget.length) out.push(`another budget (${budget.join('; ')})`);
  return out;
}

/** Why the store holds no finished run for `job`: a checkpoint of it, a run of it from other inputs, or nothing. */
export function whyMissing(cacheDir: string, job: ModelJob): string {
  const entries = storeEntries(cacheDir, job.id);
  const own = entries.find((e) => e.dir.endsWith(`-${job.inputsHash.slice(0, 16)}`));
  if (own?.checkpoint) {
    const epochs = checkpointEpochs(job.checkpointFile);
    return `partly trained: its checkpoint holds ${epochs ?? 'an unknown number of'} of ${job.budget.epochs} epochs`;
  }
  if (own?.run) return 'incomplete: its run is in the store but not the rest of its primary run (result, activations, browser export)';
  const same = entries.filter((e) => e !== own && (e.inputs ? e.inputs.protocol === job.protocol && e.inputs.seed === job.seed : e.run?.protocol === job.protocol && e.run?.seed === job.seed));
  const finished = same.filter((e) => e.run);
  // Of several such runs (older builds, other profiles), the closest explains best.
  const explained = finished
    .filter((e) => e.inputs)
    .map((e) => ({ e, diff: differences(e.inputs!, job.inputs) }))
    .sort((a, b) => a.diff.length - b.diff.length)[0];
  if (explained) return `not reused: the store's run ${explained.e.inputs!.inputsHash.slice(0, 16)} was made from ${explained.diff.length ? explained.diff.join('; ') : 'other inputs'}`;
  if (finished.length) return `not reused: the store's run ${finished[0]!.run!.inputsHash.slice(0, 16)} was made from other inputs (stored without inputs.json, so which cannot be said)`;
  return 'missing: no store holds it';
}

/** Each job found in the store (or, with `bundle`, the previous bundle), or to be trained. */
export function reuseStored(p: Prepared, jobs: ModelJob[], opts: { force: boolean; bundle: boolean; log: boolean }): Holdings & { toTrain: ModelJob[]; reused: ModelJob[] } {
  const { reporter, cacheDir } = p.opts;
  const runs = new Map<string, Run>();
  const primary: Holdings['primary'] = new Map();
  const toTrain: ModelJob[] = [];
  const reused: ModelJob[] = [];
  const previous = new Map<ModelId, Map<string, Run>>();
  for (const job of jobs) {
    if (opts.force) {
      toTrain.push(job);
      continue;
    }
    if (opts.bundle && !previous.has(job.id)) previous.set(job.id, previousRuns(p.outDir, job.id));
    const fromStore = loadRunFromCache(cacheDir, job.id, job.inputsHash);
    const run = fromStore ? withProvenance(cacheDir, job, fromStore) : (previous.get(job.id)?.get(job.inputsHash) ?? null);
    const stored = job.primary ? (loadFromCache(cacheDir, job.id, job.inputsHash) ?? (opts.bundle ? loadFromBundle(p.outDir, job.id, job.inputsHash) : null)) : null;
    if (run && (!job.primary || stored)) {
      runs.set(job.inputsHash, run);
      reused.push(job);
      // A store written before inputs were recorded: its runs match by hash, so their inputs are these.
      if (fromStore && !existsSync(join(modelDir(cacheDir, job.id, job.inputsHash), 'inputs.json'))) saveInputsRecord(cacheDir, job.inputs);
      if (stored) {
        primary.set(job.id, { stored, status: 'reused' });
        if (opts.log) reporter.log(`${getModelSpec(job.id).name}: inputs unchanged, reusing the result trained ${stored.result.trainedAt} (--force retrains)`);
      }
    } else toTrain.push(job);
  }
  return { runs, primary, toTrain, reused };
}

/** A stored run with where it was made, when the store says. */
function withProvenance(cacheDir: string, job: ModelJob, run: Run): Run {
  const made = loadProvenance(cacheDir, job.id, job.inputsHash);
  return made ? { ...run, provenance: made } : run;
}

/** One time-limit stop, or every failure, of a training stage, as the CLI reports it. */
export class TimeLimitStop extends UserError {
  override name = 'TimeLimitStop';
  /** EX_TEMPFAIL: try again (the next invocation resumes). */
  readonly exitCode = 75;
}

/**
 * Trains `toTrain` into the store (and `h`), here one at a time or side by side in
 * workers, with `alongside` (the baselines) run meanwhile. Runs stopped by the time limit
 * are returned, not thrown; failed runs are thrown once everything else finished.
 */
export async function trainStage<T>(
  p: Prepared,
  toTrain: ModelJob[],
  h: Holdings,
  alongside: () => Promise<T>,
  where: { shard: string | null; plan: string | null } = { shard: null, plan: null },
): Promise<{ alongside: T; trained: ModelJob[]; stopped: { job: ModelJob; message: string }[] }> {
  const { opts, ds, backend, data } = p;
  const { reporter } = opts;
  const deadlineAt = opts.deadlineAt;
  const jobs = toTrain.map((job) => ({ ...job, deadline: deadlineAt === undefined ? null : { at: deadlineAt, firstEpochSeconds: estimatedEpochSeconds(job) } }));
  for (const job of jobs) saveInputsRecord(opts.cacheDir, job.inputs);
  const made = (): RunProvenance => ({
    backend: backend.name,
    adapter: backend.adapter ? backend.adapter.description || backend.adapter.device : null,
    machine: sha256(hostname()).slice(0, 8),
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    shard: where.shard,
    plan: where.plan,
    finishedAt: new Date().toISOString(),
  });
  const record = (job: ModelJob, run: Run): Run => {
    const provenance = made();
    saveProvenance(opts.cacheDir, job.id, job.inputsHash, provenance);
    return { ...run, provenance };
  };
  const stopped: { job: ModelJob; message: string }[] = [];
  const trained: ModelJob[] = [];

  // wasm and cpu run on one core each: train models side by side, one process per core.
  // Native TensorFlow uses every core for one model already. Workers load the decoded
  // dataset from its cache file, so without one every model trains here.
  const native = backend.name === 'tensorflow' || backend.name === 'tensorflow-gpu';
  // On webgpu one model at a time: the adapter is one device, which one model's kernels
  // already keep busy (and SwiftShader uses every core); --jobs does not apply there.
  if (backend.name === 'webgpu' && (opts.jobs ?? 1) > 1) reporter.log(`--jobs ${opts.jobs} ignored on webgpu: models train one at a time on the adapter`);
  const parallel = ds.cacheFile === null || backend.name === 'webgpu' ? 1 : Math.max(1, Math.min(opts.jobs ?? (native ? 1 : cpus().length), jobs.length));
  // On wasm and cpu every run trains in a worker with the same threads (default 1), even
  // one run alone: the kernels' results depend on their thread count, so a run's numbers
  // are then the same whichever machine, shard or --jobs trained it (docs/scale-out.md).
  const lanes = backend.name === 'wasm' || backend.name === 'cpu';
  let result: T;
  if (ds.cacheFile !== null && jobs.length > 0 && (parallel > 1 || lanes)) {
    reporter.log(`training ${jobs.length} run${jobs.length === 1 ? '' : 's'}, ${parallel} at a time (one process each${parallel > 1 ? '; --jobs 1 trains one at a time' : ''})`);
    // Longest first, so that the lanes finish together.
    const longestFirst = [...jobs].sort((a, b) => estimatedSeconds(b) - estimatedSeconds(a));
    // One wasm thread per worker: two workers with two threads each would oversubscribe the cores.
    const tasks = longestFirst.map((job) => ({ job, datasetFile: ds.cacheFile!, threads: opts.threads ?? 1 }));
    const training = trainInWorkers(tasks, parallel, reporter);
    result = await alongside();
    const failures = await training;
    for (const job of jobs) {
      const run = loadRunFromCache(opts.cacheDir, job.id, job.inputsHash);
      if (run) {
        h.runs.set(job.inputsHash, record(job, run));
        trained.push(job);
      }
      const stored = job.primary ? loadFromCache(opts.cacheDir, job.id, job.inputsHash) : null;
      if (stored) h.primary.set(job.id, { stored, status: 'trained' });
    }
    const real = failures.filter((f) => !f.includes(TIME_LIMIT_WORDS));
    // A worker's message is `<id>: <label>: …`, the label as model-job.ts writes it.
    const label = (j: ModelJob) => (j.primary ? getModelSpec(j.id).name : `${getModelSpec(j.id).name} (${j.protocol}, seed ${j.seed})`);
    for (const f of failures.filter((f) => f.includes(TIME_LIMIT_WORDS))) {
      const job = jobs.find((j) => f.startsWith(`${j.id}: ${label(j)}: `) && !h.runs.has(j.inputsHash));
      if (job) stopped.push({ job, message: f.slice(job.id.length + 2) });
    }
    if (real.length) throw new TrainingError(real.join('; ') + (h.primary.size || h.runs.size ? ' (finished runs are kept for the next run)' : ''));
  } else {
    // Cheap runs first, so an interrupted run has the most to show.
    for (const job of [...jobs].sort((a, b) => estimatedSeconds(a) - estimatedSeconds(b))) {
      try {
        const outcome = await runModelJob(job, data, reporter);
        h.runs.set(job.inputsHash, record(job, outcome.run));
        trained.push(job);
        if (outcome.stored) h.primary.set(job.id, { stored: outcome.stored, status: 'trained' });
      } catch (e) {
        if (!(e instanceof TimeLimitReached)) throw e;
        stopped.push({ job, message: e.message });
      }
    }
    result = await alongside();
  }
  for (const s of stopped) reporter.log(s.message);
  return { alongside: result, trained, stopped };
}

/** Each model's runs and summaries joined to its primary result, the baselines, the comparisons → the results bundle. */
export function assembleBundle(p: Prepared, h: Holdings, baselineResults: Awaited<ReturnType<typeof runBaselines>>): Manifest {
  const { opts, ds, prot, protocols, jobs, samples, profile, backend, outDir } = p;
  const imageSize = ds.dataset.imageSize;
  const { primary, runs } = h;
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
  const baselineSeeds = baselineSeedsOf(p);

  const manifest: Manifest = {
    schemaVersion: SCHEMA_VERSION,
    profile,
    seed: opts.seed,
    dataset: ds.dataset,
    split: prot.records.find((r) => r.protocol === protocols[0])!.split,
    environment: describeEnvironment(opts.projectRoot, backend),
    git: gitState(opts.projectRoot),
    startedAt: p.startedAt,
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
    ...(models.some((m) => m.result.robustness) ? { corruptions: corruptionsRecord() } : {}),
    // Cross-model CKA against the reference model, from the kernels each primary run kept (pipeline/analysis/similarity.ts).
    ...similarityField(models),
  };
  writeBundle(outDir, manifest, models, sampleBytes, [
    { file: SPLITS_FILE, data: JSON.stringify(prot.splitsFile) + '\n' },
    { file: AUDIT_FILE, data: prot.figureBytes },
  ]);
  opts.reporter.log(`results: ${outDir} (${ordered.map((id) => `${id} ${primary.get(id)!.status}`).join(', ')}; ${jobs.length} runs, ${baselineResults.length} baselines)`);
  return manifest;
}

function baselineSeedsOf(p: Prepared): number[] {
  return Array.from({ length: Math.max(...p.opts.models.map((id) => p.profile.seeds![id])) }, (_, k) => p.opts.seed + k);
}

/** The baselines (neighbour votes and logistic regression), light enough to run in the parent while workers train. */
function baselines(p: Prepared) {
  return runBaselines({
    data: p.data,
    classes: p.ds.classes,
    fingerprint: p.ds.dataset.fingerprint,
    splits: p.prot.splits,
    neighbours: p.prot.neighbours,
    seeds: baselineSeedsOf(p),
    logisticBudget: p.profile.logisticRegression!,
    cacheDir: p.opts.cacheDir,
    reporter: p.opts.reporter,
    // The same corrupted images as the models' primary runs (job.ts).
    // (Not on a software adapter's smoke run, where no analysis runs: see the 'software-adapter' reduction.)
    robustness:
      p.profileName === 'smoke' && p.backend.adapter?.software
        ? null
        : { ...robustnessImages(p.profileName, p.backend.adapter?.software === true, p.prot.splits[p.protocols[0]!].test, p.ds.labels, p.ds.classes.length, p.opts.seed), protocol: p.protocols[0]! },
  });
}

/** Every missing run named with why, one per line after the first. */
function missingList(p: Prepared, jobs: ModelJob[]): string {
  return jobs.map((j) => `${runName(j)}: ${whyMissing(p.opts.cacheDir, j)}`).join('; ');
}

/** The whole pipeline: prepare → reuse → train what is missing (with the baselines alongside) → the bundle. */
export async function runPipeline(opts: RunOptions): Promise<Manifest> {
  const { reporter } = opts;
  const p = await prepareRun(opts);
  const held = reuseStored(p, p.jobs, { force: opts.force, bundle: true, log: true });
  const { toTrain } = held;
  const reusedRuns = p.jobs.length - toTrain.length;
  if (reusedRuns) reporter.log(`${reusedRuns} of ${p.jobs.length} runs reused (inputs unchanged)`);
  if (toTrain.length && opts.noTrain)
    throw new UserError(`--no-train: ${toTrain.length} of ${p.jobs.length} runs are in no store: ${missingList(p, toTrain)} (train them: run their shard, or run without --no-train)`);
  // Runs missing after some were reused (a merge of shard stores): name them and say why.
  if (reusedRuns && !opts.force) for (const job of toTrain) reporter.log(`${runName(job)}: ${whyMissing(opts.cacheDir, job)}; training it here`);

  const trainedHere = await trainStage(p, toTrain, held, () => baselines(p));
  if (trainedHere.stopped.length)
    throw new TimeLimitStop(`${trainedHere.stopped.length} runs ${TIME_LIMIT_WORDS}, the bundle was not written: ${trainedHere.stopped.map((s) => runName(s.job)).join(', ')} (run the same command again to resume)`);
  return assembleBundle(p, held, trainedHere.alongside);
}

/** The plan of the study's runs (plan.ts) for this data, code and profile. */
export async function planRun(opts: RunOptions, shards: number, lanes: number): Promise<{ plan: Plan; prepared: Prepared }> {
  const p = await prepareRun(opts);
  return { plan: makePlan(p.jobs, { profile: p.profileName, shards, lanes }), prepared: p };
}

export interface ShardOutcome {
  plan: Plan;
  trained: string[];
  reused: string[];
  stopped: string[];
}

/**
 * Shard `index` of `count` (1-based): trains its runs of the plan into the model store and
 * writes no bundle. Runs already in the store are reused. Returns what it trained, reused
 * and, under --time-limit, stopped; a failed run is thrown once the others finished.
 */
export async function runShard(opts: RunOptions, shard: { index: number; count: number; expectPlan?: string }): Promise<ShardOutcome> {
  const { reporter } = opts;
  const p = await prepareRun(opts);
  const lanes = Math.max(1, opts.jobs ?? cpus().length);
  const plan = makePlan(p.jobs, { profile: p.profileName, shards: shard.count, lanes });
  const tag = `shard ${shard.index}/${shard.count}`;
  if (shard.expectPlan && !plan.planHash.startsWith(shard.expectPlan))
    throw new UserError(`${tag}: this machine's plan is ${plan.planHash.slice(0, 16)}, expected ${shard.expectPlan} (other code, data, profile or options than the plan's: its runs would not merge)`);
  const mine = shardJobs(plan, p.jobs, shard.index);
  const summary = plan.shards[shard.index - 1]!;
  reporter.log(`${tag} of plan ${plan.planHash.slice(0, 16)}: ${mine.length} of ${plan.runs.length} runs, about ${formatDuration(summary.wallSeconds)} on ${lanes} lane${lanes === 1 ? '' : 's'} at the planned speeds`);
  const held = reuseStored(p, mine, { force: opts.force, bundle: false, log: false });
  const outcome = await trainStage(p, held.toTrain, held, async () => null, { shard: `${shard.index}/${shard.count}`, plan: plan.planHash.slice(0, 16) });
  const names = (jobs: ModelJob[]) => jobs.map(runName);
  const result = { plan, trained: names(outcome.trained), reused: names(held.reused), stopped: outcome.stopped.map((s) => runName(s.job)) };
  reporter.log(
    `${tag}: trained ${result.trained.length}${result.trained.length ? ` (${result.trained.join(', ')})` : ''}, reused ${result.reused.length}${result.reused.length ? ` (${result.reused.join(', ')})` : ''}` +
      (result.stopped.length ? `, stopped ${result.stopped.length} for the --time-limit (${result.stopped.join(', ')}: run again to resume)` : '') +
      `; store ${join(opts.cacheDir, 'models')}`,
  );
  return result;
}
