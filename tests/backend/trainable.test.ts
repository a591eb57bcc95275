/**
 * A model with a layer the backend cannot train stops before training, with one line
 * naming the layer, the backend and the backends that can; `auto` passes over that backend.
 * (wasm has no DepthwiseConv2dNativeBackpropInput kernel; the cpu backend has.)
 */
import { describe, expect, it } from 'vitest';
import * as tfl from '@tensorflow/tfjs-layers';
import { selectBackend } from '../../pipeline/backend/select.ts';
import { firstTrainingGap, trainingGap } from '../../pipeline/backend/trainable.ts';
import { defineModel } from '../../pipeline/models/descriptor.ts';

const depthwise = defineModel({
  id: 'depthwise-net',
  name: 'Depthwise Net',
  role: 'added',
  order: 99,
  description: 'a convolution, then a depthwise one',
  imagesPerSecond: 100,
  browser: false,
  build: ({ classes, imageSize }) =>
    tfl.sequential({
      layers: [
        tfl.layers.conv2d({ inputShape: [imageSize, imageSize, 1], filters: 4, kernelSize: 3, name: 'first' }),
        tfl.layers.depthwiseConv2d({ kernelSize: 3, name: 'spatial' }),
        tfl.layers.globalAveragePooling2d({}),
        tfl.layers.dense({ units: classes, activation: 'softmax' }),
      ],
    }),
});
const plain = defineModel({
  ...depthwise,
  id: 'plain-net',
  name: 'Plain Net',
  build: ({ classes, imageSize }) =>
    tfl.sequential({
      layers: [
        tfl.layers.conv2d({ inputShape: [imageSize, imageSize, 1], filters: 4, kernelSize: 3 }),
        tfl.layers.maxPooling2d({ poolSize: 2 }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: classes, activation: 'softmax' }),
      ],
    }),
});
const data = { classes: 3, imageSize: 16 };

describe('a layer the backend cannot train', () => {
  it('is named (layer, class, kernel) on wasm, and only for the model that has it', async () => {
    await selectBackend('wasm', { threads: 1 });
    expect(await firstTrainingGap([plain], data)).toBeNull();
    const gap = await firstTrainingGap([plain, depthwise], data);
    expect(gap).toMatchObject({ model: 'Depthwise Net', layer: { name: 'spatial', className: 'DepthwiseConv2D' }, backend: 'wasm' });
    expect(gap!.kernel).toMatch(/^DepthwiseConv2dNativeBackprop(Input|Filter)$/);
  });

  it('stops a named backend in one line that names the layer and the backends that can', async () => {
    const attempt = selectBackend('wasm', { threads: 1, canTrain: () => firstTrainingGap([plain, depthwise], data) });
    const error = await attempt.then(
      () => null,
      (e: Error) => e,
    );
    expect(error?.name).toBe('BackendError');
    expect(error!.message).not.toContain('\n');
    expect(error!.message).toMatch(/^wasm cannot train Depthwise Net: its layer "spatial" \(DepthwiseConv2D\) needs the kernel DepthwiseConv2dNativeBackprop\w+, which wasm does not have; backends here that can: .*cpu/);
  });

  it('is passed over by auto, which picks a backend that can train every model', async () => {
    const chosen = await selectBackend('auto', { threads: 1, canTrain: () => firstTrainingGap([plain, depthwise], data) });
    expect(chosen.name).not.toBe('wasm');
    expect(chosen.notes.some((n) => n.startsWith('wasm: wasm cannot train Depthwise Net'))).toBe(true);
    expect(await trainingGap(depthwise.build({ seed: 0, ...data }), depthwise.name, data.imageSize)).toBeNull();
  });
});
