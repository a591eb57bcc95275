import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { MODEL_IDS as MODEL_ORDER, getModelSpec } from '../../pipeline/models/registry.ts';
import { countMacs, layerTable, paramCounts, weightBytes } from '../../pipeline/models/summary.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

type Symbolic = tfl.SymbolicTensor;

/** A 10×12×3 input through one layer of each kind whose cost is worked out by hand below. */
function handModel(): tfl.LayersModel {
  const input = tfl.input({ shape: [10, 12, 3], name: 'in' });
  // 'same', stride 2: output ceil(10/2) × ceil(12/2) × 5 = 5 × 6 × 5.
  const strided = tfl.layers.conv2d({ filters: 5, kernelSize: 3, strides: 2, padding: 'same', name: 'strided' }).apply(input) as Symbolic;
  // 'valid' 2×3 kernel: output (5−2+1) × (6−3+1) × 4 = 4 × 4 × 4.
  const narrow = tfl.layers.conv2d({ filters: 4, kernelSize: [2, 3], useBias: false, name: 'narrow' }).apply(strided) as Symbolic;
  const normed = tfl.layers.batchNormalization({ name: 'bn' }).apply(narrow) as Symbolic;
  const summed = tfl.layers.add({ name: 'add' }).apply([narrow, normed]) as Symbolic;
  const pooled = tfl.layers.maxPooling2d({ poolSize: 2, name: 'pool' }).apply(summed) as Symbolic;
  const flat = tfl.layers.flatten({ name: 'flat' }).apply(pooled) as Symbolic; // 2 × 2 × 4 = 16
  const out = tfl.layers.dense({ units: 7, activation: 'softmax', name: 'out' }).apply(flat) as Symbolic;
  return tfl.model({ inputs: input, outputs: out, name: 'hand' });
}

describe('layerTable', () => {
  const model = handModel();
  const rows = new Map(layerTable(model).map((row) => [row.name, row]));

  it('lists every layer after the input with its class name and output shape without the batch', () => {
    expect([...rows.keys()]).toEqual(['strided', 'narrow', 'bn', 'add', 'pool', 'flat', 'out']);
    expect(rows.get('strided')).toMatchObject({ type: 'Conv2D', outputShape: [5, 6, 5], params: 3 * 3 * 3 * 5 + 5 });
    expect(rows.get('narrow')).toMatchObject({ type: 'Conv2D', outputShape: [4, 4, 4], params: 2 * 3 * 5 * 4 });
    expect(rows.get('flat')).toMatchObject({ type: 'Flatten', outputShape: [16] });
  });

  it('counts conv MACs as Hout·Wout·Cout·kh·kw·Cin and dense MACs as in·out', () => {
    expect(rows.get('strided')?.macs).toBe(5 * 6 * 5 * 3 * 3 * 3); // 4050
    expect(rows.get('narrow')?.macs).toBe(4 * 4 * 4 * 2 * 3 * 5); // 1920
    expect(rows.get('out')?.macs).toBe(16 * 7);
  });

  it('counts batch norm, add, pooling and flatten as 0 MACs (the stated convention)', () => {
    for (const name of ['bn', 'add', 'pool', 'flat']) expect(rows.get(name)?.macs, name).toBe(0);
    expect(rows.get('bn')?.params).toBe(4 * 4);
  });

  it('sums MACs, parameters and float32 weight bytes over the model', () => {
    expect(countMacs(model)).toBe(4050 + 1920 + 112);
    const total = 140 + 120 + 16 + (16 * 7 + 7);
    expect(paramCounts(model)).toEqual({ total, trainable: total - 8 }); // batch-norm moving mean and variance are not trained
    expect(model.countParams()).toBe(total);
    expect(weightBytes(model)).toBe(4 * total);
  });

  it('refuses a weighted layer it has no MAC rule for', () => {
    const input = tfl.input({ shape: [8, 8, 2] });
    const out = tfl.layers.separableConv2d({ filters: 3, kernelSize: 3, name: 'sep' }).apply(input) as Symbolic;
    expect(() => layerTable(tfl.model({ inputs: input, outputs: out }))).toThrow(/layer sep: no MAC rule for SeparableConv2D/);
  });
});

// MACs per image worked out from each architecture's shapes, independent of the model code.
const convMacs = (side: number, k: number, cin: number, cout: number) => side * side * cout * k * k * cin;

function resnet50Macs(): number {
  let total = convMacs(64, 1, 1, 3); // the fixed 1×1 preprocessing: gray → caffe-preprocessed BGR
  total += convMacs(32, 7, 3, 64); // conv1: 64 + 2·3 padding, 7×7 stride 2 → 32
  let side = 16; // after the 3×3/2 max-pool
  let width = 64;
  for (const [filters, blocks, stride] of [[64, 3, 1], [128, 4, 2], [256, 6, 2], [512, 3, 2]]) {
    for (let b = 0; b < blocks; b++) {
      const out = b === 0 ? side / stride : side;
      if (b === 0) total += convMacs(out, 1, width, 4 * filters); // projection shortcut
      total += convMacs(out, 1, b === 0 ? width : 4 * filters, filters);
      total += convMacs(out, 3, filters, filters);
      total += convMacs(out, 1, filters, 4 * filters);
      if (b === 0) side = out;
    }
    width = 4 * filters;
  }
  return total + 2048 * 6;
}

const EXPECTED_MACS: Record<(typeof MODEL_ORDER)[number], number> = {
  resnet50: resnet50Macs(),
  'basic-cnn': convMacs(64, 3, 1, 32) + convMacs(32, 3, 32, 64) + convMacs(16, 3, 64, 128) + 8 * 8 * 128 * 128 + 128 * 6,
  'tiny-cnn': convMacs(62, 3, 1, 32) + convMacs(29, 3, 32, 64) + 14 * 14 * 64 * 64 + 64 * 6,
  'reduced-filter-cnn': convMacs(62, 3, 1, 8) + convMacs(29, 3, 8, 8) + 14 * 14 * 8 * 32 + 32 * 6,
  'gap-cnn': convMacs(62, 3, 1, 32) + convMacs(29, 3, 32, 64) + convMacs(12, 3, 64, 128) + 128 * 64 + 64 * 6,
};

describe.each(MODEL_ORDER)('%s cost figures', (id) => {
  it('match MACs worked out from the architecture, and weight bytes are 4 per parameter', () => {
    const model = getModelSpec(id).build({ seed: 1, classes: 6, imageSize: 64 });
    const rows = layerTable(model);
    expect(countMacs(model)).toBe(EXPECTED_MACS[id]);
    expect(countMacs(model)).toBe(rows.reduce((sum, row) => sum + row.macs, 0));
    expect(weightBytes(model)).toBe(4 * model.countParams());
    model.dispose();
  });
});
