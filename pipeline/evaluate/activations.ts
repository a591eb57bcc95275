/**
 * Feature maps of the activation samples, for the paper's activation and propagation
 * figures: every recorded layer's output, quantised to uint8 with one scale per layer
 * (min/max over all samples), laid out samples × channels × height × width so that
 * each map is one contiguous run of bytes.
 */
import * as tf from '@tensorflow/tfjs-core';
import { model as functionalModel, type LayersModel, type SymbolicTensor } from '@tensorflow/tfjs-layers';
import type { ActivationLayer } from '../../schema/results.ts';
import { imageBatch, type ImageSet } from '../shared/tensors.ts';

export interface RecordedActivations {
  layers: ActivationLayer[];
  bytes: Uint8Array;
  /** samples × classes softmax of the full model. */
  softmax: number[][];
}

export async function recordActivations(model: LayersModel, layerNames: string[], data: ImageSet, samples: Int32Array): Promise<RecordedActivations> {
  const outputs = layerNames.map((name) => model.getLayer(name).output as SymbolicTensor);
  const probe = functionalModel({ inputs: model.inputs, outputs: [...outputs, model.outputs[0]!] });
  const x = imageBatch(data, samples);
  const results = probe.predict(x) as tf.Tensor[];
  const n = samples.length;
  const layers: ActivationLayer[] = [];
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const [i, name] of layerNames.entries()) {
    const t = results[i]!;
    // GAP and other rank-2 outputs become 1×1 maps with one pixel per channel.
    const [h, w, c] = t.rank === 4 ? [t.shape[1]!, t.shape[2]!, t.shape[3]!] : [1, 1, t.shape[1]!];
    const values = (await t.data()) as Float32Array;
    let min = Infinity;
    let max = -Infinity;
    for (const v of values) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const range = max - min || 1;
    const out = new Uint8Array(n * c * h * w);
    for (let s = 0; s < n; s++)
      for (let y = 0; y < h; y++)
        for (let xx = 0; xx < w; xx++)
          for (let ch = 0; ch < c; ch++) {
            const v = values[((s * h + y) * w + xx) * c + ch]!;
            out[((s * c + ch) * h + y) * w + xx] = Math.round(((v - min) / range) * 255);
          }
    layers.push({ name, type: model.getLayer(name).getClassName(), shape: [h, w, c], offset, min, max });
    parts.push(out);
    offset += out.length;
  }
  const probs = (await results[results.length - 1]!.array()) as number[][];
  tf.dispose([x, ...results]);
  const bytes = new Uint8Array(offset);
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.length;
  }
  // Clamp float noise so rows validate as probabilities.
  const softmax = probs.map((row) => row.map((p) => Math.min(1, Math.max(0, p))));
  return { layers, bytes, softmax };
}
