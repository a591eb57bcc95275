import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildResNet50, loadImagenetWeights } from '../../pipeline/models/resnet50.ts';
import { buildTinyCnn } from '../../pipeline/models/tiny-cnn.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'imagenet-weights-'));

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes `model` as a tfjs-layers export (model.json + weight shards) under dir/name/, as the converter does. */
async function exportModel(model: tfl.LayersModel, name: string, shards = 3): Promise<string> {
  const folder = path.join(dir, name);
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const data = new Uint8Array(artifacts!.weightData as ArrayBuffer);
  const size = Math.ceil(data.length / shards);
  const paths = Array.from({ length: shards }, (_, i) => `group1-shard${i + 1}of${shards}.bin`);
  mkdirSync(folder, { recursive: true });
  paths.forEach((p, i) => writeFileSync(path.join(folder, p), data.subarray(i * size, (i + 1) * size)));
  const json = { modelTopology: artifacts!.modelTopology, format: 'layers-model', weightsManifest: [{ paths, weights: artifacts!.weightSpecs }] };
  const file = path.join(folder, 'model.json');
  writeFileSync(file, JSON.stringify(json));
  return file;
}

function values(model: tfl.LayersModel, layer: string, index = 0): Float32Array {
  return model.getLayer(layer).getWeights()[index].dataSync() as Float32Array;
}

describe('loadImagenetWeights', () => {
  it('copies a ResNet50 export by layer name, sums conv1 over RGB and leaves the head alone', async () => {
    // Stands in for Keras' ImageNet ResNet50: 3-channel input, a different head.
    const imagenet = buildResNet50({ seed: 7, inputChannels: 3, classes: 10 });
    const file = await exportModel(imagenet, 'resnet50');
    const model = buildResNet50({ seed: 8, classes: 6 });
    const headBefore = values(model, 'predictions').slice();

    const info = await loadImagenetWeights(model, pathToFileURL(file).href);

    expect(info).toEqual({ source: file, layersCopied: 53 + 53 }); // every conv and batch norm
    const rgb = imagenet.getLayer('conv1_conv').getWeights()[0];
    const summed = tf.sum(rgb, 2, true);
    expect(model.getLayer('conv1_conv').getWeights()[0].shape).toEqual([7, 7, 1, 64]);
    expect(values(model, 'conv1_conv')).toEqual(summed.dataSync());
    expect(values(model, 'conv1_conv', 1)).toEqual(values(imagenet, 'conv1_conv', 1));
    for (const name of ['conv2_block1_0_conv', 'conv3_block2_2_conv', 'conv5_block3_3_conv']) {
      expect(values(model, name), name).toEqual(values(imagenet, name));
    }
    expect(values(model, 'conv4_block6_3_bn')).toEqual(values(imagenet, 'conv4_block6_3_bn'));
    expect(values(model, 'predictions')).toEqual(headBefore);
    summed.dispose(); // rgb is the export's own variable, disposed with it
    imagenet.dispose();
    model.dispose();
  });

  it('names a missing file', async () => {
    const model = buildTinyCnn({ seed: 1, classes: 6 });
    await expect(loadImagenetWeights(model, path.join(dir, 'absent', 'model.json'))).rejects.toThrow(/^ImageNet weights .*absent.*: cannot read a model\.json/);
  });

  it('names a malformed model.json', async () => {
    const model = buildTinyCnn({ seed: 1, classes: 6 });
    const broken = path.join(dir, 'broken.json');
    writeFileSync(broken, '{"modelTopology": ');
    await expect(loadImagenetWeights(model, broken)).rejects.toThrow(/broken\.json: cannot read a model\.json/);
    const notLayers = path.join(dir, 'not-layers.json');
    writeFileSync(notLayers, '{"format": "graph-model"}');
    await expect(loadImagenetWeights(model, notLayers)).rejects.toThrow(/not-layers\.json: not a tfjs-layers model\.json/);
  });

  it('names a missing or truncated shard', async () => {
    const file = await exportModel(buildTinyCnn({ seed: 1, classes: 6 }), 'truncated', 2);
    writeFileSync(path.join(dir, 'truncated', 'group1-shard2of2.bin'), new Uint8Array(10));
    await expect(loadImagenetWeights(buildTinyCnn({ seed: 2, classes: 6 }), file)).rejects.toThrow(/weight shards hold \d+ bytes, the weightsManifest describes \d+/);
    rmSync(path.join(dir, 'truncated', 'group1-shard2of2.bin'));
    await expect(loadImagenetWeights(buildTinyCnn({ seed: 2, classes: 6 }), file)).rejects.toThrow(/cannot read weight shard group1-shard2of2\.bin/);
  });

  it('refuses an export that is not ResNet50', async () => {
    const file = await exportModel(buildTinyCnn({ seed: 1, classes: 6 }), 'tiny');
    await expect(loadImagenetWeights(buildResNet50({ seed: 1, classes: 6 }), file)).rejects.toThrow(/no layer named conv1_conv; expected a Keras ResNet50 export/);
  });

  it('refuses a shape mismatch and changes nothing', async () => {
    // conv1_conv is right; conv1_bn normalises 32 channels where ResNet50's has 64.
    const input = tfl.input({ shape: [64, 64, 3] });
    let x = tfl.layers.conv2d({ filters: 64, kernelSize: 7, name: 'conv1_conv' }).apply(input) as tfl.SymbolicTensor;
    x = tfl.layers.conv2d({ filters: 32, kernelSize: 1, name: 'squeeze' }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.batchNormalization({ name: 'conv1_bn' }).apply(x) as tfl.SymbolicTensor;
    const file = await exportModel(tfl.model({ inputs: input, outputs: x }), 'mismatch', 1);
    const model = buildResNet50({ seed: 3, classes: 6 });
    const before = values(model, 'conv1_conv').slice();
    await expect(loadImagenetWeights(model, file)).rejects.toThrow(/layer conv1_bn has weights \[32\] \[32\] \[32\] \[32\], expected \[64\] \[64\] \[64\] \[64\]$/);
    expect(values(model, 'conv1_conv')).toEqual(before);
    model.dispose();
  });
});
