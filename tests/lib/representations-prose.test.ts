/**
 * The representation section's sentences (src/lib/representations-prose.ts) on bundles
 * whose numbers fall each way: training makes the features more like the reference's or
 * not, probes rise with depth or are flat from the first layer, in depth order or not.
 */
import { describe, expect, it } from 'vitest';
import { ModelResult, type Manifest } from '../../schema/results.ts';
import { modelResult } from '../helpers/study-bundle.ts';
import { probeFacts, probesText, representationVerdicts, similarityFacts, similarityText } from '../../src/lib/representations-prose.ts';
import { ckaCells, ckaReferenceSpec, probeRows, probesByDepthSpec, stageColumns } from '../../src/charts/representations.ts';
import { compile } from 'vega-lite';

const KEY = 'a'.repeat(64);

/** A model with representations: `probes` trained and initial accuracy per layer. */
function withRepresentations(id: 'resnet50' | 'tiny-cnn' | 'gap-cnn', layers: string[], probes: { trained: number[]; initial: number[] }): ModelResult {
  const base = modelResult(id);
  const n = layers.length;
  const eye = layers.map((_, i) => layers.map((_, j) => (i === j ? 1 : 0.5)));
  return ModelResult.parse({
    ...base,
    representations: {
      pooling: 'global-average',
      layers: layers.map((name) => ({ name, type: 'Conv2D', channels: 8 })),
      images: 256,
      minibatches: [64, 64, 64, 64],
      imagesKey: KEY,
      control: id === 'resnet50' ? 'imagenet' : 'random',
      cka: { trained: eye, initial: eye },
      probes: { method: 'probe', trainImages: 512, testImages: 256, trained: probes.trained, initial: probes.initial, trainedTrainAccuracy: Array(n).fill(1) },
      seconds: 1,
    },
  });
}

const REF_LAYERS = ['stem', 'stage2', 'stage3', 'stage4'];
const resnet = withRepresentations('resnet50', REF_LAYERS, { trained: [0.9, 0.95, 0.99, 1], initial: [0.9, 0.9, 0.9, 0.9] });

function bundle(tinyTrained: number[][], tinyInitial: number[][], probes: { trained: number[]; initial: number[] }) {
  const tiny = withRepresentations('tiny-cnn', ['conv1', 'conv2', 'dense'], probes);
  const manifest = { similarity: { reference: 'resnet50', images: 256, imagesKey: KEY, pairs: [{ model: 'tiny-cnn', trained: tinyTrained, initial: tinyInitial }], missing: [{ model: 'gap-cnn', reason: 'x' }] } } as unknown as Manifest;
  return { manifest, models: [resnet, tiny] };
}

describe('representation prose', () => {
  it('says which reference layers the compact layers match, above the control and in depth order, and that probes rise with depth', () => {
    const b = bundle(
      [
        [0.9, 0.5, 0.3, 0.2],
        [0.4, 0.8, 0.6, 0.3],
        [0.2, 0.4, 0.6, 0.85],
      ],
      [
        [0.88, 0.5, 0.3, 0.2],
        [0.4, 0.5, 0.4, 0.3],
        [0.2, 0.3, 0.4, 0.5],
      ],
      { trained: [0.7, 0.9, 0.99], initial: [0.7, 0.75, 0.8] },
    );
    const sim = similarityFacts(b.manifest, b.models)!;
    expect(sim.models.map((m) => m.matches.map((x) => x.reference))).toEqual([['stem', 'stage2', 'stage4']]);
    const text = similarityText(sim).join(' ');
    expect(text).toContain('TinyCNN’s first layer, conv1, is most similar to ResNet50’s stem (CKA 0.90 (0.88 at initial weights)); its last, dense, to stage4 (0.85 (0.50 at initial weights)).');
    expect(text).toContain('Training made the last layer of TinyCNN more like ResNet50 than the same network at its initial weights');
    expect(text).toContain('In every compact network the best matches run in depth order');
    expect(text).toContain('on 256 test images');
    expect(text).toContain('gap-cnn could not be compared');
    const probes = probesText(probeFacts(b.models.slice(1))).join(' ');
    expect(probes).toContain('rises from 70.0% on its first layer (conv1) to 99.0% on its last (dense)');
    expect(probes).toContain('above the 80.0% of the same network at its initial weights');
    expect(probes).toContain('the probes support abstraction by depth');
    expect(representationVerdicts(sim, probeFacts(b.models.slice(1)))).toEqual([
      'Measured by CKA, every compact network’s last layer resembles a ResNet50 layer more than the untrained network does.',
      'Linear probes find the classes more separable with depth than at initial weights in 1 of 1 models.',
    ]);
  });

  it('words it the other way when training changes nothing, the matches are out of order and the classes are separable from the first layer', () => {
    const b = bundle(
      [
        [0.3, 0.2, 0.9, 0.2],
        [0.95, 0.3, 0.3, 0.3],
        [0.2, 0.4, 0.6, 0.62],
      ],
      [
        [0.3, 0.2, 0.92, 0.2],
        [0.95, 0.3, 0.3, 0.3],
        [0.2, 0.4, 0.6, 0.6],
      ],
      { trained: [0.995, 0.99, 0.996], initial: [0.99, 0.99, 0.995] },
    );
    const sim = similarityFacts(b.manifest, b.models)!;
    const text = similarityText(sim).join(' ');
    expect(text).toContain('For TinyCNN the best match is within 0.05 of the control, so that resemblance owes as much to the architecture and the images as to training');
    expect(text).not.toContain('more like ResNet50 than');
    expect(text).toContain('In no compact network do the best matches run strictly in depth order');
    const probes = probesText(probeFacts(b.models.slice(1))).join(' ');
    expect(probes).toContain('is about the same on its first layer (conv1, 99.5%) as on its last (dense, 99.6%)');
    expect(probes).toContain('already within 1 point of its best at the first layer');
    expect(probes).toContain('no better than the 99.5% of the same network at its initial weights');
    expect(probes).toContain('these probes do not show abstraction by depth: in TinyCNN the classes are already linearly separable from the first layer’s pooled features.');
    expect(representationVerdicts(sim, probeFacts(b.models.slice(1)))[0]).toBe('Measured by CKA, 0 compact networks of 1 have their last layer more like a ResNet50 layer than the untrained network does.');
  });

  it('says nothing without measurements, and the charts are built from the same numbers', () => {
    const plain = [modelResult('resnet50'), modelResult('tiny-cnn')];
    expect(similarityFacts({} as Manifest, plain)).toBeNull();
    expect(probeFacts(plain)).toEqual([]);
    expect(probesText([])).toEqual([]);
    const b = bundle([[0.9, 0.5, 0.3, 0.2], [0.4, 0.8, 0.6, 0.3], [0.2, 0.4, 0.6, 0.85]], [[0.88, 0.5, 0.3, 0.2], [0.4, 0.5, 0.4, 0.3], [0.2, 0.3, 0.4, 0.5]], { trained: [0.7, 0.9, 0.99], initial: [0.7, 0.75, 0.8] });
    const input = { manifest: { dataset: { classes: ['a'] }, similarity: b.manifest.similarity }, models: b.models };
    const cells = ckaCells(input);
    expect(cells).toHaveLength(3 * 4);
    expect(cells.find((c) => c.layer === 'dense' && c.reference === 'stage4')).toMatchObject({ cka: 0.85, control: 0.5 });
    // A deep reference is drawn by stage: its first layer and the last of each run of equal width.
    const widths = [64, 64, 256, 256, 256, 512, 512, 512, 512, 1024, 1024, 1024, 1024, 1024, 1024, 2048, 2048, 2048, 2048].map((channels) => ({ channels }));
    expect(stageColumns(widths)).toEqual([0, 1, 4, 8, 14, 18]);
    expect(stageColumns(widths.slice(0, 5))).toEqual([0, 1, 2, 3, 4]);
    const rows = probeRows(input);
    expect(rows.filter((r) => r.model === 'TinyCNN' && r.weights === 'Trained').map((r) => [r.depth, r.accuracy])).toEqual([[0, 0.7], [0.5, 0.9], [1, 0.99]]);
    for (const spec of [ckaReferenceSpec(input), ckaReferenceSpec(input, 'narrow'), probesByDepthSpec(input), probesByDepthSpec(input, 'narrow')]) {
      const warnings: unknown[] = [];
      const logger = { level: () => logger, error: (...a: unknown[]) => warnings.push(a), warn: (...a: unknown[]) => warnings.push(a), info: () => logger, debug: () => logger };
      compile(spec, { logger: logger as never });
      expect(warnings).toEqual([]);
    }
  });
});
