/**
 * Training-mode batch normalisation as one kernel forward and one backward on the wasm
 * backend. tfjs-layers' BatchNormalization computes it as tf.moments (Mean, Sub, Square,
 * Mean) then FusedBatchNorm, and differentiates each of those ops: about 25 kernels and 15
 * full passes over the activation per layer, which were half of a GapCNN step
 * (bench/NOTES.md). Here the forward pass is two reading passes (mean, then the centred
 * variance) and one writing pass, the backward one reading and one writing pass, in
 * ./native/batch-norm.c, each split over the threads.
 *
 * The math is tfjs-layers' (biased batch variance, as tf.moments gives), and the kernel is
 * differentiable with respect to all three of its outputs, so it can stand in for the
 * composite exactly; ./layers.ts routes BatchNormalization's training call here.
 */
import * as tf from '@tensorflow/tfjs-core';
import { FusedBatchNorm, type GradConfig, type KernelConfig, type KernelFunc, type NamedAttrMap, type Tensor, type TensorInfo } from '@tensorflow/tfjs-core';
import { alloc, f32, free, memoryOf, wasmKernel, type BackendWasm } from './heap.ts';
import { native, ptr, split, threadsFor, type Native } from './native.ts';

export const BATCH_NORM_TRAINING = 'ProjectWasmBatchNormTraining';
export const BATCH_NORM_TRAINING_GRAD = 'ProjectWasmBatchNormTrainingGrad';

interface Attrs { epsilon: number }

/** Rows and channels of x [..., C] seen as a [rows, C] matrix. */
function layout(x: TensorInfo): { rows: number; C: number } {
  const C = x.shape[x.shape.length - 1]!;
  return { rows: tf.util.sizeFromShape(x.shape) / C, C };
}

/**
 * Runs `fn` on each thread's share of the rows, each writing `width` float64 per channel
 * into its own slot of a scratch tensor, and returns the slots added up.
 */
function rowSums(backend: BackendWasm, n: Native, rows: number, C: number, width: number, job: (r0: number, r1: number, out: number) => { fn: 'bn_moment' | 'bn_grad_sums'; args: number[] }): Float64Array {
  const ranges = split(rows, threadsFor(n, rows * C));
  // 2 float32 per float64.
  const scratch = alloc(backend, [ranges.length * width * C * 2]);
  const base = ptr(backend, scratch);
  if (base % 8 !== 0) throw new Error(`batch norm (wasm): scratch at ${base} is not 8-byte aligned`);
  n.parallel(ranges.map(([r0, r1], i) => job(r0, r1, base + i * width * C * 8)));
  const parts = new Float64Array(memoryOf(backend).buffer, base, ranges.length * width * C);
  const total = new Float64Array(width * C);
  for (let i = 0; i < ranges.length; i++) for (let j = 0; j < width * C; j++) total[j]! += parts[i * width * C + j]!;
  free(backend, scratch);
  return total;
}

/** Splits rows over the threads for an elementwise pass. */
function rowJobs(n: Native, rows: number, C: number): [number, number][] {
  return split(rows, threadsFor(n, rows * C));
}

const forward: KernelFunc = ({ inputs, backend: b0, attrs }) => {
  const backend = b0 as BackendWasm;
  const { x, gamma, beta } = inputs as { x: TensorInfo; gamma: TensorInfo; beta: TensorInfo };
  const { epsilon } = attrs as unknown as Attrs;
  const { rows, C } = layout(x);
  const n = native(backend);
  const px = ptr(backend, x);
  const mean = alloc(backend, [C]);
  const variance = alloc(backend, [C]);
  const a = alloc(backend, [C]);
  const y = alloc(backend, [...x.shape]);

  const sum = rowSums(backend, n, rows, C, 1, (r0, r1, out) => ({ fn: 'bn_moment', args: [px + r0 * C * 4, r1 - r0, C, 0, out] }));
  f32(backend, mean).set(sum.map((s) => s / rows));
  const pm = ptr(backend, mean);
  const sq = rowSums(backend, n, rows, C, 1, (r0, r1, out) => ({ fn: 'bn_moment', args: [px + r0 * C * 4, r1 - r0, C, pm, out] }));
  const v = sq.map((s) => s / rows);
  f32(backend, variance).set(v);
  const g = f32(backend, gamma);
  f32(backend, a).set(v.map((vc, c) => g[c]! / Math.sqrt(Math.fround(vc) + epsilon)));

  const [py, pa, pb] = [ptr(backend, y), ptr(backend, a), ptr(backend, beta)];
  n.parallel(rowJobs(n, rows, C).map(([r0, r1]) => ({ fn: 'bn_apply' as const, args: [px + r0 * C * 4, py + r0 * C * 4, r1 - r0, C, pm, pa, pb] })));
  free(backend, a);
  return [y, mean, variance];
};

const backward: KernelFunc = ({ inputs, backend: b0, attrs }) => {
  const backend = b0 as BackendWasm;
  const { dy, x, gamma, mean, variance, dmean, dvariance } = inputs as Record<'dy' | 'x' | 'gamma' | 'mean' | 'variance' | 'dmean' | 'dvariance', TensorInfo>;
  const { epsilon } = attrs as unknown as Attrs;
  const { rows, C } = layout(x);
  const n = native(backend);
  const [pdy, px, pm] = [ptr(backend, dy), ptr(backend, x), ptr(backend, mean)];
  const dx = alloc(backend, [...x.shape]);
  const dgamma = alloc(backend, [C]);
  const dbeta = alloc(backend, [C]);
  const coef = alloc(backend, [4 * C]);

  const sums = rowSums(backend, n, rows, C, 2, (r0, r1, out) => ({ fn: 'bn_grad_sums', args: [pdy + r0 * C * 4, px + r0 * C * 4, r1 - r0, C, pm, out] }));
  const [g, m, v, dm, dv] = [gamma, mean, variance, dmean, dvariance].map((t) => f32(backend, t)) as Float32Array[];
  const k = f32(backend, coef);
  const [dg, db] = [f32(backend, dgamma), f32(backend, dbeta)];
  for (let c = 0; c < C; c++) {
    // y = γ·x̂ + β with x̂ = (x − μ)·s, s = 1/√(σ² + ε), over N = rows values per channel:
    //   dβ = Σdy, dγ = s·Σdy(x − μ),
    //   dx = γs·dy − γs³·Σdy(x − μ)/N·(x − μ) − γs·Σdy/N,
    // plus what flows back through the statistics themselves when they are used
    // (μ = Σx/N: dμ/N; σ² = Σ(x − μ)²/N: 2dσ²/N·(x − μ)).
    const s = 1 / Math.sqrt(v[c]! + epsilon);
    const S = sums[c]!;
    const SX = sums[C + c]!;
    db[c] = S;
    dg[c] = SX * s;
    const A = g[c]! * s;
    k[c] = A;
    k[C + c] = -A * s * s * SX / rows + (2 * dv[c]!) / rows;
    k[2 * C + c] = m[c]!;
    k[3 * C + c] = -A * S / rows + dm[c]! / rows;
  }
  const [pdx, pk] = [ptr(backend, dx), ptr(backend, coef)];
  n.parallel(rowJobs(n, rows, C).map(([r0, r1]) => ({ fn: 'bn_grad_apply' as const, args: [pdy + r0 * C * 4, px + r0 * C * 4, pdx + r0 * C * 4, r1 - r0, C, pk] })));
  free(backend, coef);
  return [dx, dgamma, dbeta];
};

export const batchNormTrainingConfig: KernelConfig = { kernelName: BATCH_NORM_TRAINING, backendName: 'wasm', kernelFunc: forward };
export const batchNormTrainingGradConfig: KernelConfig = { kernelName: BATCH_NORM_TRAINING_GRAD, backendName: 'wasm', kernelFunc: backward };

/** The gradient (registered for every backend, but only the wasm one has the forward kernel). */
export const batchNormTrainingGradient: GradConfig = {
  kernelName: BATCH_NORM_TRAINING,
  inputsToSave: ['x', 'gamma'],
  outputsToSave: [false, true, true],
  gradFunc: (dys: Tensor | Tensor[], saved: Tensor[], attrs?: NamedAttrMap) => {
    const [dy, dmean, dvariance] = dys as Tensor[];
    const [x, gamma, mean, variance] = saved;
    const [dx, dgamma, dbeta] = tf.engine().runKernel(BATCH_NORM_TRAINING_GRAD, { dy: dy!, x: x!, gamma: gamma!, mean: mean!, variance: variance!, dmean: dmean!, dvariance: dvariance! }, attrs) as Tensor[];
    return { x: () => dx!, gamma: () => dgamma!, beta: () => dbeta! };
  },
};

/**
 * Batch-normalises x [..., C] over all but its last axis with the batch's own statistics:
 * [y, mean, variance], as tfjs-layers' normalizeBatchInTraining returns them.
 */
export function batchNormTraining(x: Tensor, gamma: Tensor, beta: Tensor, epsilon: number): [Tensor, Tensor, Tensor] {
  return tf.engine().runKernel(BATCH_NORM_TRAINING, { x, gamma, beta }, { epsilon }) as [Tensor, Tensor, Tensor];
}

/**
 * Inference-mode batch norm (FusedBatchNorm with the moving statistics): one pass
 * y = (x − mean)·a + β, a = γ/√(var + ε), split over the threads. tfjs-backend-wasm 4.22's
 * kernel takes about ten times as long (a third of GapCNN's inference, 7% of ResNet50's).
 * Statistics shaped other than one value per channel go to the backend's kernel.
 */
const inference: KernelFunc = (args) => {
  const backend = args.backend as BackendWasm;
  const { x, mean, variance, offset, scale } = args.inputs as Record<'x' | 'mean' | 'variance', TensorInfo> & { offset?: TensorInfo; scale?: TensorInfo };
  const { varianceEpsilon } = args.attrs as unknown as { varianceEpsilon: number };
  const C = x.shape[x.shape.length - 1]!;
  const perChannel = (t: TensorInfo | undefined) => t === undefined || (t.dtype === 'float32' && tf.util.sizeFromShape(t.shape) === C);
  if (x.dtype !== 'float32' || x.shape.length < 2 || ![mean, variance, offset, scale].every(perChannel)) return wasmKernel(FusedBatchNorm)(args);
  const { rows } = layout(x);
  const n = native(backend);
  const y = alloc(backend, [...x.shape]);
  const a = alloc(backend, [C]);
  const beta = offset ? null : alloc(backend, [C]);
  const v = f32(backend, variance);
  const g = scale ? f32(backend, scale) : null;
  f32(backend, a).set(Array.from(v, (vc, c) => (g ? g[c]! : 1) / Math.sqrt(vc + varianceEpsilon)));
  if (beta) f32(backend, beta).fill(0);
  const [px, py, pm, pa, pb] = [ptr(backend, x), ptr(backend, y), ptr(backend, mean), ptr(backend, a), ptr(backend, offset ?? beta!)];
  n.parallel(rowJobs(n, rows, C).map(([r0, r1]) => ({ fn: 'bn_apply' as const, args: [px + r0 * C * 4, py + r0 * C * 4, r1 - r0, C, pm, pa, pb] })));
  free(backend, a, ...(beta ? [beta] : []));
  return y;
};

export const fusedBatchNormConfig: KernelConfig = { kernelName: FusedBatchNorm, backendName: 'wasm', kernelFunc: inference };
