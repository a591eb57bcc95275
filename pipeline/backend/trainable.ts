/**
 * Can this backend train this model? One gradient step on one image, before any real
 * training, so a layer the backend cannot differentiate (depthwise convolution on wasm)
 * stops the run in seconds with a line naming the layer, instead of failing deep inside
 * the first epoch (or, in a worker, after the other models trained for an hour).
 *
 * tfjs registers kernels per backend and says only which kernel is missing, not which
 * layer asked for it; the layer is found by repeating the step on each layer alone.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { ModelDescriptor } from '../models/descriptor.ts';

export interface TrainingGap {
  model: string;
  /** The first layer whose gradient step needs the missing kernel (null when no single layer does). */
  layer: { name: string; className: string } | null;
  kernel: string;
  backend: string;
}

const MISSING_KERNEL = /Kernel '([^']+)' not registered for backend '([^']+)'/;

/** The missing kernel's name when `e` is tfjs' "not registered" error; null for any other error. */
export function missingKernel(e: unknown): string | null {
  return MISSING_KERNEL.exec(e instanceof Error ? e.message : String(e))?.[1] ?? null;
}

/**
 * One backward pass through `f` with respect to `vars`; throws what the backend throws.
 * Read back asynchronously: webgpu's synchronous reads need a browser canvas.
 */
async function gradientStep(vars: tf.Variable[], f: () => tf.Scalar): Promise<void> {
  const { value, grads } = tf.variableGrads(f, vars);
  const all = [value, ...Object.values(grads)];
  try {
    await Promise.all(all.map((t) => t.data()));
  } finally {
    tf.dispose(all);
  }
}

/** A layer's inputs as trainable ones (so the step needs the input gradient too, as it does inside a network). */
function layerInputs(layer: tfl.layers.Layer): tf.Variable[] {
  const node = (layer as unknown as { inboundNodes: { inputTensors: { shape: (number | null)[] }[] }[] }).inboundNodes[0];
  return (node?.inputTensors ?? []).map((t) => tf.variable(tf.ones(t.shape.map((d) => d ?? 1)), true));
}

async function layerNeeds(layer: tfl.layers.Layer, kernel: string): Promise<boolean> {
  const inputs = layerInputs(layer);
  if (inputs.length === 0) return false;
  try {
    const weights = layer.trainableWeights.map((w) => w.read() as tf.Variable);
    await gradientStep([...inputs, ...weights], () => {
      const out = layer.apply(inputs.length === 1 ? inputs[0]! : inputs, { training: true }) as tf.Tensor;
      return tf.sum(tf.square(out));
    });
    return false;
  } catch (e) {
    return missingKernel(e) === kernel;
  } finally {
    for (const v of inputs) v.dispose();
  }
}

/** Null when one training step of `model` runs on the current backend; what is missing otherwise. Other errors propagate. */
export async function trainingGap(model: tfl.LayersModel, name: string, imageSize: number): Promise<TrainingGap | null> {
  const backend = tf.getBackend();
  const x = tf.zeros([1, imageSize, imageSize, 1]);
  try {
    await gradientStep(
      model.trainableWeights.map((w) => w.read() as tf.Variable),
      () => tf.sum(tf.square(model.apply(x, { training: true }) as tf.Tensor)),
    );
    return null;
  } catch (e) {
    const kernel = missingKernel(e);
    if (!kernel) throw e;
    let layer: tfl.layers.Layer | undefined;
    for (const l of model.layers)
      if (await layerNeeds(l, kernel)) {
        layer = l;
        break;
      }
    return { model: name, layer: layer ? { name: layer.name, className: layer.getClassName() } : null, kernel, backend };
  } finally {
    x.dispose();
  }
}

/** The first of `specs` that the current backend cannot train, built for the run's data; null when it can train them all. */
export async function firstTrainingGap(specs: readonly ModelDescriptor[], data: { classes: number; imageSize: number }): Promise<TrainingGap | null> {
  for (const spec of specs) {
    const model = spec.build({ seed: 0, classes: data.classes, imageSize: data.imageSize });
    try {
      const gap = await trainingGap(model, spec.name, data.imageSize);
      if (gap) return gap;
    } finally {
      model.dispose();
    }
  }
  return null;
}

/** The gap as the start of a one-line error. */
export function describeGap(gap: TrainingGap): string {
  const where = gap.layer ? `layer "${gap.layer.name}" (${gap.layer.className})` : 'a layer';
  return `${gap.backend} cannot train ${gap.model}: its ${where} needs the kernel ${gap.kernel}, which ${gap.backend} does not have`;
}

/** Whether `backend` (loaded or not) registers `kernel`: only a loaded backend's registry can say. */
export function hasKernel(kernel: string, backend: string): boolean {
  return tf.getKernel(kernel, backend) !== undefined;
}
