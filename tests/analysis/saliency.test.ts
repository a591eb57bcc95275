/** Grad-CAM and the deletion/insertion scores on models whose answers are known. */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import seedrandom from 'seedrandom';
import { curveArea, deletionInsertion, gradCam, gradCamSetup, randomOrder, saliencyOrder, saliencyScores, STEPS, upsample } from '../../pipeline/analysis/saliency.ts';

const size = 8;
const n = size * size;
const P = 3 * size + 5; // the pixel the one-pixel model reads

/** conv 1×1 (identity) → flatten → softmax over two classes, deciding on pixel P alone: class 0 when it is above 0.8. */
function onePixelModel(): tfl.LayersModel {
  const m = tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [size, size, 1], filters: 1, kernelSize: 1, useBias: false, kernelInitializer: 'ones', name: 'conv' }),
      tfl.layers.flatten({ name: 'flat' }),
      tfl.layers.dense({ units: 2, activation: 'softmax', name: 'out' }),
    ],
  });
  const w = new Float32Array(n * 2);
  w[P * 2] = 20;
  m.getLayer('out').setWeights([tf.tensor2d(w, [n, 2]), tf.tensor1d([-16, 0])]);
  return m;
}

/** conv 1×1 (identity) → global average pooling → softmax: class 0's logit is the mean brightness. */
function brightnessModel(): tfl.LayersModel {
  const m = tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [size, size, 1], filters: 1, kernelSize: 1, useBias: false, kernelInitializer: 'ones', name: 'conv' }),
      tfl.layers.globalAveragePooling2d({ name: 'gap' }),
      tfl.layers.dense({ units: 2, activation: 'softmax', name: 'out' }),
    ],
  });
  m.getLayer('out').setWeights([tf.tensor2d([4, -4], [1, 2]), tf.zeros([2])]);
  return m;
}

describe('saliency', () => {
  it('deletion falls at once and insertion rises at once when the pixel the model reads comes first', async () => {
    await tf.setBackend('cpu');
    const model = onePixelModel();
    const img = new Float32Array(n);
    img[P] = 1;
    const first = Int32Array.from({ length: n }, (_, i) => (i === 0 ? P : i <= P ? i - 1 : i));
    const last = Int32Array.from({ length: n }, (_, i) => (i < P ? i : i < n - 1 ? i + 1 : P));
    const good = await deletionInsertion(model, img, size, first, 0);
    const bad = await deletionInsertion(model, img, size, last, 0);
    expect(good.deletion).toBeLessThan(0.1);
    expect(bad.deletion).toBeGreaterThan(0.9);
    // On the blurred canvas the pixel is below 0.8 until it is revealed.
    expect(good.insertion).toBeGreaterThan(0.9);
    expect(bad.insertion).toBeLessThan(0.1);
    expect(curveArea(new Array(STEPS + 1).fill(1))).toBe(1);
  });

  it('Grad-CAM points at the bright patch of a model that adds up brightness, at its layer’s resolution', async () => {
    await tf.setBackend('cpu');
    const model = brightnessModel();
    const setup = gradCamSetup(model);
    if ('reason' in setup) throw new Error(setup.reason);
    expect(setup.layer).toBe('conv');
    const img = new Float32Array(n);
    for (const p of [0, 1, size, size + 1]) img[p] = 1; // top-left 2 × 2
    const cam = await gradCam(setup, tf.tensor4d(img, [1, size, size, 1]));
    expect([cam.height, cam.width]).toEqual([size, size]);
    expect(cam.predicted[0]).toBe(0);
    expect(Math.max(...cam.maps)).toBeCloseTo(1, 6);
    expect(cam.maps[0]).toBeCloseTo(1, 6);
    expect(cam.maps[n - 1]).toBe(0);
    // Upsampling keeps a constant map constant and the order puts the patch first.
    expect(new Set(upsample(new Float32Array(4).fill(0.5), 2, 2, 8))).toEqual(new Set([0.5]));
    const order = saliencyOrder(cam.maps, seedrandom('x'));
    expect(new Set(Array.from(order.slice(0, 4)))).toEqual(new Set([0, 1, size, size + 1]));
    expect(new Set(randomOrder(n, seedrandom('y'))).size).toBe(n);
  });

  it('scores a model against the random control, and names a head it cannot read', async () => {
    await tf.setBackend('cpu');
    const pixels = new Uint8Array(4 * n);
    for (let k = 0; k < 4; k++) pixels[k * n + P] = 255;
    const scores = await saliencyScores(brightnessModel(), pixels, 4, size, 1, pixels.subarray(0, 2 * n));
    if ('reason' in scores) throw new Error(scores.reason);
    expect(scores.deletion).toHaveLength(4);
    expect(scores.sampleMaps).toHaveLength(2);
    expect(scores.sampleMaps[0]![P]).toBe(255);
    // The map finds the one bright pixel: deleting it first beats deleting at random.
    for (let i = 0; i < 4; i++) expect(scores.deletion[i]!).toBeLessThanOrEqual(scores.randomDeletion[i]!);
    const noSoftmax = tfl.sequential({ layers: [tfl.layers.flatten({ inputShape: [size, size, 1] }), tfl.layers.dense({ units: 2 })] });
    expect(gradCamSetup(noSoftmax)).toEqual({ reason: 'its last layer is not a Dense softmax' });
  });
});
