/**
 * Pooled features of a model's representation layers: each layer's output averaged over its
 * spatial positions (global average pooling: one value per channel; a dense layer's output
 * as it is), computed batch by batch with tfjs-core on the backend in use. On the test
 * images it also forms each layer's linear kernel per CKA minibatch (cka.ts), so that the
 * kernels, not the features, are what is kept.
 */
import * as tf from '@tensorflow/tfjs-core';
import { model as functionalModel, type LayersModel, type SymbolicTensor } from '@tensorflow/tfjs-layers';
import { imageBatch, type ImageSet } from '../shared/tensors.ts';
import { linearGram, minibatchSizes, type LayerKernels } from './cka.ts';

export interface PooledFeatures {
  /** Per layer, images × channels (row-major). */
  features: Float32Array[];
  channels: number[];
  /** Per layer, the linear kernels of the minibatches (only when asked for). */
  kernels?: LayerKernels[];
}

/** Layer outputs pooled to one vector per image (a rank-4 output averaged over height and width). */
function pooled(t: tf.Tensor): tf.Tensor2D {
  return (t.rank === 4 ? tf.mean(t, [1, 2]) : t.rank === 2 ? t.clone() : tf.reshape(t, [t.shape[0]!, -1])) as tf.Tensor2D;
}

/**
 * The pooled features of `layers` on `indices`; with `kernelBatch`, also every layer's kernel
 * on consecutive minibatches of about that many images (minibatchSizes).
 */
export async function pooledFeatures(model: LayersModel, layers: readonly string[], data: ImageSet, indices: Int32Array, kernelBatch?: number): Promise<PooledFeatures> {
  const probe = functionalModel({ inputs: model.inputs, outputs: layers.map((name) => model.getLayer(name).output as SymbolicTensor) });
  const n = indices.length;
  // Minibatches are the unit of inference too (at most 64 images at a time otherwise).
  const sizes = kernelBatch ? minibatchSizes(n, kernelBatch) : minibatchSizes(n, 64);
  if (sizes.length === 0 && n > 0) sizes.push(n);
  const features: Float32Array[] = [];
  const channels: number[] = [];
  const kernels: LayerKernels[] | undefined = kernelBatch ? layers.map(() => ({ grams: [], sizes: [] })) : undefined;
  let from = 0;
  for (const size of sizes) {
    const x = imageBatch(data, indices, from, from + size);
    const outs = probe.predict(x, { batchSize: size });
    const list = Array.isArray(outs) ? outs : [outs];
    for (const [l, out] of list.entries()) {
      const p = pooled(out);
      const c = p.shape[1];
      if (!features[l]) {
        features[l] = new Float32Array(n * c);
        channels[l] = c;
      }
      features[l].set((await p.data()) as Float32Array, from * c);
      if (kernels) {
        kernels[l]!.grams.push(await linearGram(p));
        kernels[l]!.sizes.push(size);
      }
      p.dispose();
    }
    tf.dispose([x, ...list]);
    from += size;
  }
  return { features, channels, ...(kernels ? { kernels } : {}) };
}
