/**
 * `npm run bench`: training and inference throughput of the five models on each available
 * TensorFlow.js backend, with PyTorch on the CPU beside it when Python has torch.
 *
 * Each figure is the median of several timed runs after a warm-up; a timed run repeats
 * its step until at least --min-seconds have passed. Training is one optimizer step
 * (Adam, categorical cross-entropy) per batch of random 64×64×1 images; inference is
 * model.predict with the result read back. Prints a table, writes bench/out/bench.json.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, cpus, loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { ModelId } from '../schema/results.ts';
import { getModelSpec, MODEL_IDS } from '../pipeline/models/registry.ts';
import { median } from '../pipeline/shared/stats.ts';
import { describeAdapter, enableWebgpu } from '../pipeline/backend/webgpu.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
type Backend = 'wasm' | 'cpu' | 'tensorflow' | 'webgpu';
const BACKENDS: readonly Backend[] = ['wasm', 'cpu', 'tensorflow', 'webgpu'];
/** The pure-JS backend trains at a few images/s: only models that train at 250 images/s or more on one wasm lane, and little of it. */
const onCpuBackend = (id: ModelId) => getModelSpec(id).imagesPerSecond >= 250;
/**
 * Largest training batch on wasm for the slowest (largest) models: its heap is 32-bit (4 GB),
 * and ResNet50 at batch 128 needs more than that for its activations (the allocation fails).
 */
const wasmMaxTrainBatch = (id: ModelId) => (getModelSpec(id).imagesPerSecond < 50 ? 64 : undefined);

interface Row {
  model: ModelId;
  backend: Backend | 'pytorch';
  mode: 'train' | 'infer';
  batch: number;
  imagesPerSecond: number;
  runs: number;
}

const HELP = `npm run bench -- [options]

  --models a,b        models (default: all): ${MODEL_IDS.join(', ')}
  --backends a,b      tfjs backends (default: wasm,cpu and tensorflow when installed);
                      webgpu: the WebGPU adapter, SwiftShader (software) if no GPU
  --train-batches a,b training batch sizes (default: 64,128; none: skip training)
  --infer-batches a,b inference batch sizes (default: 1,256; none: skip inference)
  --repeats n         timed runs per figure; the median is reported (default: 3)
  --min-seconds s     each timed run repeats its step for at least this long (default: 1)
  --threads n         wasm threads (default: every core, ${availableParallelism()} here)
  --stock-wasm        tfjs-backend-wasm as shipped (one thread, none of the project's
                      kernels; it cannot train conv nets): the 'before' figures
  --no-pytorch        skip the PyTorch reference
  --torch-threads n   PyTorch threads (default: as many as wasm uses, so both get
                      the same cores; torch's own default is 1 on some machines)
  --cpu-all           also run the big models on the cpu backend (very slow)
  --out file          JSON output (default: bench/out/bench.json)
  -h, --help`;

function fail(message: string): never {
  console.error(`bench: ${message}`);
  process.exit(2);
}

function list<T extends string>(value: string | undefined, allowed: readonly T[], flag: string, fallback: readonly T[]): T[] {
  if (value === undefined) return [...fallback];
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const item of items) if (!allowed.includes(item as T)) fail(`${flag}: expected some of ${allowed.join(', ')}, got "${item}"`);
  return items as T[];
}

function positiveInts(value: string, flag: string): number[] {
  if (value === 'none') return [];
  const items = value.split(',').map((s) => Number(s.trim()));
  for (const n of items) if (!Number.isInteger(n) || n < 1) fail(`${flag}: expected positive integers, got "${value}"`);
  return items;
}

function positive(value: string, flag: string): number {
  const n = Number(value);
  if (!(n > 0)) fail(`${flag}: expected a positive number, got "${value}"`);
  return n;
}

/** Images/s of `step` (which handles `images` images), median of `repeats` timed runs after `warmups` untimed steps. */
async function throughput(step: () => Promise<void>, images: number, repeats: number, minSeconds: number, warmups = 1): Promise<number[]> {
  for (let i = 0; i < warmups; i++) await step();
  const rates: number[] = [];
  for (let r = 0; r < repeats; r++) {
    let n = 0;
    const start = performance.now();
    let elapsed = 0;
    do {
      await step();
      n++;
      elapsed = (performance.now() - start) / 1000;
    } while (elapsed < minSeconds);
    rates.push((n * images) / elapsed);
  }
  return rates;
}

function randomBatch(batch: number, seed: number): { x: tf.Tensor4D; y: tf.Tensor2D } {
  const x = tf.randomUniform([batch, 64, 64, 1], 0, 1, 'float32', seed) as tf.Tensor4D;
  const labels = tf.tensor1d(Array.from({ length: batch }, (_, i) => i % 6), 'int32');
  const y = tf.cast(tf.oneHot(labels, 6), 'float32') as tf.Tensor2D;
  labels.dispose();
  return { x, y };
}

async function benchModel(
  id: ModelId, backend: Backend, trainBatches: number[], inferBatches: number[], repeats: number, minSeconds: number, warmups = 1,
): Promise<Row[]> {
  const rows: Row[] = [];
  const model: tfl.LayersModel = getModelSpec(id).build({ seed: 1, classes: 6, imageSize: 64 });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  for (const batch of trainBatches) {
    const { x, y } = randomBatch(batch, batch);
    const rates = await throughput(async () => { await model.trainOnBatch(x, y); }, batch, repeats, minSeconds, warmups);
    rows.push({ model: id, backend, mode: 'train', batch, imagesPerSecond: median(rates), runs: rates.length });
    tf.dispose([x, y]);
  }
  for (const batch of inferBatches) {
    const { x, y } = randomBatch(batch, batch + 1);
    const rates = await throughput(async () => {
      // The whole batch in one call (predict's default splits it into batches of 32).
      const out = model.predict(x, { batchSize: batch }) as tf.Tensor;
      await out.data();
      out.dispose();
    }, batch, repeats, minSeconds, warmups);
    rows.push({ model: id, backend, mode: 'infer', batch, imagesPerSecond: median(rates), runs: rates.length });
    tf.dispose([x, y]);
  }
  model.dispose();
  return rows;
}

async function useBackend(name: Backend, opts: { threads?: number; stock: boolean }): Promise<string[]> {
  if (name === 'webgpu') {
    // Asked for by name, so a software adapter (SwiftShader) counts too, as in the pipeline.
    const { adapter, notes } = await enableWebgpu({ allowSoftware: true });
    const line = `webgpu: adapter ${describeAdapter(adapter)}`;
    console.log(`bench: ${line}`);
    return [...notes, line];
  }
  if (name === 'cpu') {
    await tf.setBackend('cpu');
    return [];
  }
  if (name === 'tensorflow') {
    await import('@tensorflow/tfjs-node' as string);
    if (!(await tf.setBackend('tensorflow'))) throw new Error('the tensorflow backend failed to initialise');
    return [];
  }
  if (opts.stock) {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setThreadsCount(1);
    if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to initialise');
    return ['wasm: stock tfjs-backend-wasm, 1 thread, no training kernels'];
  }
  const { enableWasmTraining: initWasmBackend } = await import('tfjs-wasm-training');
  return (await initWasmBackend(opts.threads ? { threads: opts.threads } : {})).notes;
}

/** The first Python with torch: $PYTHON, python3 on PATH, or the system one (Debian's python3-torch). */
function pythonWithTorch(): string | null {
  const candidates = [process.env['PYTHON'], 'python3', '/usr/bin/python3'].filter((c): c is string => !!c);
  return candidates.find((py) => spawnSync(py, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0) ?? null;
}

function runPytorch(python: string, models: ModelId[], trainBatches: number[], inferBatches: number[], repeats: number, minSeconds: number, threads?: number): { rows: Row[]; note: string } {
  const args = [
    path.join(HERE, 'pytorch_reference.py'),
    '--models', models.join(','),
    '--train-batches', trainBatches.join(','),
    '--infer-batches', inferBatches.join(','),
    '--repeats', String(repeats),
    '--min-seconds', String(minSeconds),
    ...(threads ? ['--threads', String(threads)] : []),
  ];
  const out = execFileSync(python, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 });
  const parsed = JSON.parse(out) as { torch: string; threads: number; results: Omit<Row, 'backend' | 'runs'>[] };
  return {
    rows: parsed.results.map((r) => ({ ...r, backend: 'pytorch' as const, runs: repeats })),
    note: `PyTorch ${parsed.torch}, ${parsed.threads} thread${parsed.threads === 1 ? '' : 's'}`,
  };
}

function fmt(n: number | undefined): string {
  if (n === undefined) return '–';
  return n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2);
}

function printTable(rows: Row[], trainBatches: number[], inferBatches: number[]): void {
  const cols = [...trainBatches.map((b) => ['train', b] as const), ...inferBatches.map((b) => ['infer', b] as const)];
  const find = (m: ModelId, be: Row['backend'], mode: string, b: number) => rows.find((r) => r.model === m && r.backend === be && r.mode === mode && r.batch === b)?.imagesPerSecond;
  const header = ['model', 'backend', ...cols.map(([mode, b]) => `${mode} b${b}`), 'wasm/PyTorch train'];
  const lines: string[][] = [header];
  const backendsSeen = [...new Set(rows.map((r) => r.backend))];
  for (const m of MODEL_IDS) {
    for (const be of backendsSeen) {
      if (!rows.some((r) => r.model === m && r.backend === be)) continue;
      const cells = cols.map(([mode, b]) => fmt(find(m, be, mode, b)));
      let ratio = '';
      if (be === 'wasm') {
        ratio = trainBatches.map((b) => {
          const w = find(m, 'wasm', 'train', b);
          const p = find(m, 'pytorch', 'train', b);
          return w !== undefined && p !== undefined ? `${(w / p).toFixed(2)}× (b${b})` : '';
        }).filter(Boolean).join(', ');
      }
      lines.push([m, be, ...cells, ratio]);
    }
  }
  const widths = header.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
  console.log('\nimages/s (median of timed runs)');
  for (const [i, l] of lines.entries()) {
    console.log(l.map((c, j) => (j < 2 || j === l.length - 1 ? c.padEnd(widths[j]!) : c.padStart(widths[j]!))).join('  '));
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      models: { type: 'string' },
      backends: { type: 'string' },
      'train-batches': { type: 'string', default: '64,128' },
      'infer-batches': { type: 'string', default: '1,256' },
      repeats: { type: 'string', default: '3' },
      'min-seconds': { type: 'string', default: '1' },
      threads: { type: 'string' },
      'stock-wasm': { type: 'boolean', default: false },
      'no-pytorch': { type: 'boolean', default: false },
      'torch-threads': { type: 'string' },
      'cpu-all': { type: 'boolean', default: false },
      out: { type: 'string', default: path.join(HERE, 'out', 'bench.json') },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const models = list(values.models, MODEL_IDS, '--models', MODEL_IDS);
  let tfNodeInstalled = true;
  try { createRequire(import.meta.url).resolve('@tensorflow/tfjs-node'); } catch { tfNodeInstalled = false; }
  const backends = list(values.backends, BACKENDS, '--backends', tfNodeInstalled ? ['tensorflow', 'wasm', 'cpu'] : ['wasm', 'cpu']);
  const trainBatches = positiveInts(values['train-batches']!, '--train-batches');
  const inferBatches = positiveInts(values['infer-batches']!, '--infer-batches');
  const repeats = positiveInts(values.repeats!, '--repeats')[0]!;
  const minSeconds = positive(values['min-seconds']!, '--min-seconds');
  const threads = values.threads === undefined ? undefined : positiveInts(values.threads, '--threads')[0];
  // Like for like: PyTorch gets the cores the wasm backend trains on.
  const torchThreads = values['torch-threads'] === undefined ? (threads ?? availableParallelism()) : positiveInts(values['torch-threads'], '--torch-threads')[0];

  const conditions = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    loadAverageAtStart: loadavg().map((l) => Number(l.toFixed(2))),
  };
  console.log(`bench: ${conditions.cpu}, ${conditions.cores} cores, load ${conditions.loadAverageAtStart.join(' ')}, Node ${conditions.node}`);
  const rows: Row[] = [];
  const notes: string[] = [];
  for (const backend of backends) {
    try {
      notes.push(...(await useBackend(backend, { threads, stock: values['stock-wasm']! })));
    } catch (e) {
      notes.push(`${backend}: unavailable (${(e instanceof Error ? e.message : String(e)).split('\n')[0]})`);
      console.log(notes[notes.length - 1]);
      continue;
    }
    const slow = backend === 'cpu';
    for (const id of models) {
      if (slow && !values['cpu-all'] && !onCpuBackend(id)) continue;
      // The pure-JS backend (a training step takes it most of a minute): one training batch
      // size, inference at batch 1 only, one timed step and no warm-up.
      let tb = backend === 'wasm' && values['stock-wasm'] ? [] : slow ? trainBatches.slice(0, 1) : trainBatches;
      const cap = backend === 'wasm' ? wasmMaxTrainBatch(id) : undefined;
      if (cap !== undefined && tb.some((b) => b > cap)) {
        notes.push(`${id} on wasm: training batches above ${cap} skipped (they need more than the 4 GB wasm heap)`);
        tb = tb.filter((b) => b <= cap);
      }
      const ib = slow ? inferBatches.filter((b) => b === 1) : inferBatches;
      console.log(`bench: ${id} on ${backend}…`);
      rows.push(...(await benchModel(id, backend, tb, ib, slow ? 1 : repeats, slow ? 0.001 : minSeconds, slow ? 0 : 1)));
    }
  }
  if (!values['no-pytorch']) {
    const python = pythonWithTorch();
    if (python) {
      console.log('bench: PyTorch reference…');
      const py = runPytorch(python, models, trainBatches, inferBatches, repeats, minSeconds, torchThreads);
      rows.push(...py.rows);
      notes.push(py.note);
    } else {
      notes.push('PyTorch: skipped (no python3 with torch; optional, e.g. apt-get install python3-torch, or set PYTHON)');
    }
  }
  for (const n of notes) console.log(`note: ${n}`);
  printTable(rows, trainBatches, inferBatches);
  console.log(`load average at end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  mkdirSync(path.dirname(values.out!), { recursive: true });
  writeFileSync(values.out!, JSON.stringify({ conditions: { ...conditions, loadAverageAtEnd: loadavg() }, notes, repeats, minSeconds, rows }, null, 2) + '\n');
  console.log(`wrote ${path.relative(process.cwd(), values.out!)}`);
}

await main();
