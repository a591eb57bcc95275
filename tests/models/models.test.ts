import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelId } from '../../schema/results.ts';
import { MODEL_IDS, MODEL_IDS as MODEL_ORDER, getModelSpec } from '../../pipeline/models/registry.ts';
import { layerSeed } from '../../pipeline/models/common.ts';
import { layerTable } from '../../pipeline/models/summary.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// Parameter counts from the architectures as described, independent of the model code.
const conv = (k: number, cin: number, cout: number) => k * k * cin * cout + cout;
const dense = (units: number, out: number) => units * out + out;
const batchNorm = (channels: number) => 4 * channels; // gamma, beta, moving mean, moving variance
const valid = (size: number) => size - 2; // 3×3 conv, no padding
const pool = (size: number) => Math.floor(size / 2);

/** Keras ResNet50: conv1 + 16 bottleneck blocks + classifier, counted from the topology. */
function resnet50Params(channels: number, classes: number): number {
  let total = conv(7, channels, 64) + batchNorm(64);
  let width = 64;
  for (const [filters, blocks] of [[64, 3], [128, 4], [256, 6], [512, 3]]) {
    for (let b = 0; b < blocks; b++) {
      if (b === 0) total += conv(1, width, 4 * filters) + batchNorm(4 * filters); // projection shortcut
      total += conv(1, b === 0 ? width : 4 * filters, filters) + batchNorm(filters);
      total += conv(3, filters, filters) + batchNorm(filters);
      total += conv(1, filters, 4 * filters) + batchNorm(4 * filters);
    }
    width = 4 * filters;
  }
  return total + dense(2048, classes);
}

const tinySide = pool(valid(pool(valid(64)))); // 64 → 62 → 31 → 29 → 14
const EXPECTED_PARAMS: Record<ModelId, number> = {
  // Keras' 3-channel ResNet50 behind a fixed 1×1 convolution from gray to caffe-preprocessed BGR.
  resnet50: conv(1, 1, 3) + resnet50Params(3, 6),
  'basic-cnn': conv(3, 1, 32) + conv(3, 32, 64) + conv(3, 64, 128) + dense(8 * 8 * 128, 128) + dense(128, 6),
  'tiny-cnn': conv(3, 1, 32) + conv(3, 32, 64) + dense(tinySide * tinySide * 64, 64) + dense(64, 6),
  'reduced-filter-cnn': conv(3, 1, 8) + conv(3, 8, 8) + dense(tinySide * tinySide * 8, 32) + dense(32, 6),
  'gap-cnn': conv(3, 1, 32) + batchNorm(32) + conv(3, 32, 64) + batchNorm(64) + conv(3, 64, 128) + batchNorm(128) + dense(128, 64) + dense(64, 6),
};

/** Builds a model, reads its weights and disposes it. */
function initialWeights(id: ModelId, seed: number): Map<string, Float32Array> {
  const model = getModelSpec(id).build({ seed, classes: 6, imageSize: 64 });
  const weights = new Map(model.weights.map((w) => [w.originalName, w.read().dataSync().slice() as Float32Array]));
  model.dispose();
  return weights;
}

/** Bitwise-equal arrays (a plain loop: toEqual on 23 M ResNet50 weights is slow). */
function identical(a: Float32Array | undefined, b: Float32Array | undefined): boolean {
  if (a === undefined || b === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

describe('the topology arithmetic used below', () => {
  it('gives the published Keras ResNet50 ImageNet total (25,636,712) for 3 channels and 1000 classes', () => {
    expect(resnet50Params(3, 1000)).toBe(25_636_712);
  });
});

describe('MODELS', () => {
  it('has every schema model id, in the paper order', () => {
    expect([...MODEL_ORDER].sort()).toEqual([...MODEL_IDS].sort());
    expect(MODEL_ORDER).toEqual(['resnet50', 'basic-cnn', 'tiny-cnn', 'reduced-filter-cnn', 'gap-cnn']);
    for (const id of MODEL_IDS) expect(getModelSpec(id).id).toBe(id);
  });

  describe.each(MODEL_ORDER)('%s', (id) => {
    const spec = getModelSpec(id);
    let model: tfl.LayersModel;
    beforeAll(() => {
      model = spec.build({ seed: 1, classes: 6, imageSize: 64 });
    });
    afterAll(() => model.dispose());

    it('maps a batch of 64×64×1 images to 6-way probabilities', () => {
      const images = tf.randomUniform([2, 64, 64, 1], 0, 1, 'float32', 5);
      const output = model.predict(images) as tf.Tensor;
      expect(output.shape).toEqual([2, 6]);
      for (const row of output.arraySync() as number[][]) {
        expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
        for (const p of row) expect(p).toBeGreaterThanOrEqual(0);
      }
      tf.dispose([images, output]);
    });

    it('has the parameter count of its architecture, and its layer table sums to countParams()', () => {
      expect(model.countParams()).toBe(EXPECTED_PARAMS[id]);
      expect(layerTable(model).reduce((sum, row) => sum + row.params, 0)).toBe(model.countParams());
    });

    it('records conv and pooling layers that exist, in forward order', () => {
      const names = spec.activationLayers(model);
      const order = model.layers.map((layer) => layer.name);
      const positions = names.map((name) => order.indexOf(name));
      expect(positions.every((p) => p >= 0)).toBe(true);
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
      const types = new Set(names.map((name) => model.getLayer(name).getClassName()));
      expect(types.has('Conv2D')).toBe(true);
      expect(names.some((name) => /pool|gap/.test(name))).toBe(true);
      // Every trained conv layer is recorded (ResNet50's fixed preprocessing is not).
      const convs = model.layers.filter((l) => l.getClassName() === 'Conv2D' && l.trainable).map((l) => l.name);
      expect(names).toEqual(expect.arrayContaining(convs));
    });

    it('has a definition source that is stable and independent of the seed', () => {
      const first = spec.definitionSource(6, 64);
      expect(spec.definitionSource(6, 64)).toBe(first);
      expect(JSON.parse(first).config.name).toBeTypeOf('string');
      if (id !== 'resnet50') {
        const rebuilt = spec.build({ seed: 0, classes: 6, imageSize: 64 });
        expect(JSON.stringify(rebuilt.toJSON(null, false))).toBe(first);
        rebuilt.dispose();
      }
    });
  });

  it('gives every model a different definition source', () => {
    const sources = MODEL_ORDER.map((id) => getModelSpec(id).definitionSource(6, 64));
    expect(new Set(sources).size).toBe(sources.length);
  });
});

describe('seeded initialisation', () => {
  const compact = MODEL_ORDER.filter((id) => id !== 'resnet50');

  it.each(compact)('%s: the same seed gives identical weights, another seed different ones', (id) => {
    const [a, b, c] = [42, 42, 43].map((seed) => initialWeights(id, seed));
    expect([...b.keys()]).toEqual([...a.keys()]);
    for (const [name, values] of a) {
      expect(identical(b.get(name), values), name).toBe(true);
      if (name.endsWith('kernel')) expect(identical(c.get(name), values), name).toBe(false);
    }
  });

  it('ResNet50: the same seed gives identical weights, another seed different kernels', () => {
    const [a, b, c] = [42, 42, 43].map((seed) => initialWeights('resnet50', seed));
    expect([...b.keys()]).toEqual([...a.keys()]);
    for (const [name, values] of a) {
      expect(identical(b.get(name), values), name).toBe(true);
      // The fixed preprocessing is the same for every seed.
      if (name.endsWith('kernel')) expect(identical(c.get(name), values), name).toBe(name.startsWith('imagenet_preprocess'));
    }
  });

  it('gives different layers different seeds', () => {
    const seeds = new Set([0, 1, 2].flatMap((model) => Array.from({ length: 100 }, (_, layer) => layerSeed(model, layer))));
    expect(seeds.size).toBe(300);
  });

  it('gives the same weights on the wasm backend as on cpu', async () => {
    const onCpu = initialWeights('tiny-cnn', 9);
    expect(await tf.setBackend('wasm')).toBe(true);
    try {
      const onWasm = initialWeights('tiny-cnn', 9);
      for (const [name, values] of onCpu) expect(identical(onWasm.get(name), values), name).toBe(true);
    } finally {
      await tf.setBackend('cpu');
    }
  });
});

describe('ResNet50 topology', () => {
  it('uses Keras layer names and the standard stage shapes on 64×64 input', () => {
    const model = getModelSpec('resnet50').build({ seed: 1, classes: 6, imageSize: 64 });
    const rows = new Map(layerTable(model).map((row) => [row.name, row]));
    expect(rows.get('conv1_conv')?.outputShape).toEqual([32, 32, 64]);
    expect(rows.get('pool1_pool')?.outputShape).toEqual([16, 16, 64]);
    expect(rows.get('conv2_block3_out')?.outputShape).toEqual([16, 16, 256]);
    expect(rows.get('conv3_block4_out')?.outputShape).toEqual([8, 8, 512]);
    expect(rows.get('conv4_block6_out')?.outputShape).toEqual([4, 4, 1024]);
    expect(rows.get('conv5_block3_out')?.outputShape).toEqual([2, 2, 2048]);
    expect(rows.get('avg_pool')?.outputShape).toEqual([2048]);
    expect(rows.get('conv3_block1_0_conv')?.type).toBe('Conv2D'); // projection shortcut
    expect(rows.has('conv3_block2_0_conv')).toBe(false); // identity shortcut
    expect([...rows.values()].filter((r) => r.type === 'Conv2D')).toHaveLength(54); // 53 and the fixed preprocessing
    expect(rows.get('imagenet_preprocess')?.outputShape).toEqual([64, 64, 3]);
    expect([...rows.values()].filter((r) => r.type === 'Add')).toHaveLength(16);
    // 53 convolutions, 2 poolings and 16 block outputs.
    expect(getModelSpec('resnet50').activationLayers(model)).toHaveLength(71);
    model.dispose();
  });
});

describe('BasicCNN dropout', () => {
  it('draws a new, reproducible mask for each training batch and passes inputs through at inference', () => {
    const masks = (seed: number) => {
      const model = getModelSpec('basic-cnn').build({ seed, classes: 6, imageSize: 64 });
      const layer = model.getLayer('dropout');
      const ones = tf.ones([4, 128]);
      const drawn = [0, 1].map(() => (layer.apply(ones, { training: true }) as tf.Tensor).dataSync().slice());
      expect((layer.apply(ones) as tf.Tensor).dataSync().every((v) => v === 1)).toBe(true);
      return drawn;
    };
    const [first, second] = masks(5);
    expect(second).not.toEqual(first);
    expect(new Set(first)).toEqual(new Set([0, 2])); // rate 0.5: dropped, or kept and scaled by 2
    expect(masks(5)).toEqual([first, second]);
  });

  it('survives a round trip through the model JSON', async () => {
    const model = getModelSpec('basic-cnn').build({ seed: 5, classes: 6, imageSize: 64 });
    const restored = await tfl.models.modelFromJSON({ modelTopology: model.toJSON(null, false) as never });
    expect(restored.getLayer('dropout').getClassName()).toBe('SeededDropout');
    expect(restored.getLayer('dropout').getConfig()).toEqual(model.getLayer('dropout').getConfig());
  });
});
