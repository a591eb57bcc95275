import { describe, expect, it } from 'vitest';
import { auditText, chainingText, computeDifficulty, comparisonText, difficultyConclusion, dropText, baselinesText, leakageText, testRuleText } from '../../src/lib/difficulty-prose.ts';
import type { Comparison, Manifest, ModelResult, Protocol, Run } from '../../schema/results.ts';

/** A method's runs and seed summary from its accuracies per protocol (one entry per seed). */
function method(accs: Partial<Record<Protocol, number[]>>) {
  const runs: Run[] = [];
  const summary: Record<string, unknown> = {};
  for (const [p, xs] of Object.entries(accs) as [Protocol, number[]][]) {
    xs.forEach((a, i) => runs.push({ protocol: p, seed: 42 + i, evaluation: { accuracy: a, accuracyCI95: [a - 0.01, Math.min(1, a + 0.01)], testImages: 1000, macroAuc: 0.99, macroF1: a } } as unknown as Run));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const std = xs.length > 1 ? Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1)) : 0;
    const seeds = { n: xs.length, mean, std, min: Math.min(...xs), max: Math.max(...xs) };
    summary[p] = { accuracy: seeds, macroAuc: { ...seeds, mean: 0.99 }, macroF1: seeds };
  }
  return { runs, summary };
}

const model = (id: string, name: string, accs: Partial<Record<Protocol, number[]>>, init: 'imagenet' | 'random' = 'random') =>
  ({ id, name, role: id === 'resnet50' ? 'reference' : 'simplification', initialWeights: { kind: init }, ...method(accs) }) as unknown as ModelResult;

/** p < 0.05 in every seed pairing, `a` ahead (or behind, with `winner: 'b'`); or p = 1 (a tie). */
function compare(protocol: Protocol, a: string, b: string, outcome: 'a' | 'b' | 'tie', seeds = 3): Comparison {
  const perSeed = Array.from({ length: seeds }, (_, i) => {
    const [onlyA, onlyB, p] = outcome === 'a' ? [30, 2, 1e-6] : outcome === 'b' ? [2, 30, 1e-6] : [5, 5, 1];
    return { seedA: 42 + i, seedB: 42, onlyA, onlyB, p };
  });
  return { protocol, a, b, perSeed };
}

function manifest(over: { comparisons?: Comparison[]; baselines?: ReturnType<typeof model>[]; grouped?: boolean }): Manifest {
  const protocols = (over.grouped === false ? ['image'] : ['image', 'grouped']) as Protocol[];
  return {
    dataset: { total: 1000, classes: ['A', 'B'] },
    audit: {
      representation: '16×16 average-pooled pixels, RMSE of grey levels',
      seconds: 40,
      cacheHit: false,
      threshold: 2.25,
      thresholdRule: 'the largest value at which no class has a cluster above 4 % of it',
      thresholdCurve: [
        { threshold: 2, largestClusterShare: [0.02, 0.01] },
        { threshold: 2.25, largestClusterShare: [0.03, 0.01] },
        { threshold: 2.5, largestClusterShare: [0.05, 0.08] },
        { threshold: 3, largestClusterShare: [0.17, 0.1] },
      ],
      clusters: { count: 800, perClass: [{ class: 'A', images: 500, largestCluster: 15 }, { class: 'B', images: 500, largestCluster: 5 }] },
    },
    protocols: protocols.map((p) => ({
      protocol: p,
      name: p === 'image' ? 'per-image split' : 'grouped split',
      split: { sizes: { train: 800, validation: 100, test: 100 } },
      leakage: {
        test: [{ class: 'A', images: 50, withNearCopyInTrain: p === 'image' ? 12 : 0 }, { class: 'B', images: 50, withNearCopyInTrain: p === 'image' ? 3 : 0 }],
        validation: [{ class: 'A', images: 50, withNearCopyInTrain: 0 }],
      },
      nearestTrainDistance: p === 'image' ? [1, 2, 3] : [5, 6, 7],
    })),
    baselines: (over.baselines ?? []).map((b) => ({ ...b, cost: { storedNumbers: 1, macs: 1, note: '' }, kSelection: null })),
    comparisons: over.comparisons,
  } as unknown as Manifest;
}

const nn = model('nearest-neighbour', '1-NN', { image: [0.998], grouped: [0.95] });
const majority = model('majority-class', 'Majority class', { image: [0.17], grouped: [0.17] });
const tiny = model('tiny-cnn', 'TinyCNN', { image: [0.999, 0.998, 0.999], grouped: [0.97, 0.96, 0.975] });
const gap = model('gap-cnn', 'GAP CNN', { image: [0.9995, 0.999, 0.9992], grouped: [0.98, 0.979, 0.981] });
const resnet = (init: 'imagenet' | 'random') => model('resnet50', 'ResNet50', { image: [0.999], grouped: [0.975] }, init);

describe('the difficulty section’s sentences', () => {
  it('says so when a baseline beats the compact CNNs, and that the benchmark then cannot tell them from a lookup', () => {
    const m = manifest({
      baselines: [majority, nn],
      comparisons: (['image', 'grouped'] as const).flatMap((p) => [compare(p, 'tiny-cnn', 'nearest-neighbour', 'b'), compare(p, 'gap-cnn', 'nearest-neighbour', 'b')]),
    });
    const d = computeDifficulty(m, [tiny, gap]);
    expect(d.verdicts.map((v) => v.best?.id)).toEqual(['nearest-neighbour', 'nearest-neighbour']);
    expect(comparisonText(d, d.verdicts[0]!)).toBe('On the per-image split, TinyCNN and GAP CNN are less accurate than the best baseline, 1-NN.');
    const end = difficultyConclusion(d).join(' ');
    expect(end).toContain('on the per-image split no compact CNN beats the best baseline, 1-NN at 99.80%, and TinyCNN and GAP CNN are less accurate than it');
    expect(end).toContain('on the grouped split no compact CNN beats the best baseline, 1-NN at 95.00%');
    expect(end).not.toMatch(/every compact CNN beats/);
  });

  it('separates nothing on ties, and keeps "ResNet50 is unnecessary" only with its caveat for a randomly initialised ResNet50', () => {
    const comparisons = (['image', 'grouped'] as const).flatMap((p) => [
      compare(p, 'tiny-cnn', 'nearest-neighbour', 'tie'),
      compare(p, 'resnet50', 'tiny-cnn', 'tie'),
    ]);
    const d = computeDifficulty(manifest({ baselines: [nn], comparisons }), [resnet('random'), tiny]);
    expect(comparisonText(d, d.verdicts[1]!)).toBe('On the grouped split, TinyCNN is not separated from the best baseline, 1-NN. Against ResNet50, TinyCNN is not separated from it.');
    const end = difficultyConclusion(d).join(' ');
    expect(end).toContain('on the grouped split no compact CNN beats the best baseline, 1-NN at 95.00%.');
    expect(end).toContain('On those splits no compact CNN is shown to do better than a method without convolutional features');
    expect(end).not.toMatch(/less accurate than it/);
    expect(end).toContain('in this run “ResNet50 is unnecessary” holds. This ResNet50 was trained from random weights');
  });

  it('names the split on which the CNNs win, and a compact CNN the ImageNet ResNet50 beats', () => {
    const comparisons = [
      compare('image', 'tiny-cnn', 'nearest-neighbour', 'tie'),
      compare('image', 'gap-cnn', 'nearest-neighbour', 'tie'),
      compare('grouped', 'tiny-cnn', 'nearest-neighbour', 'a'),
      compare('grouped', 'gap-cnn', 'nearest-neighbour', 'a'),
      compare('image', 'resnet50', 'tiny-cnn', 'tie'),
      compare('grouped', 'resnet50', 'tiny-cnn', 'a'),
      compare('grouped', 'resnet50', 'gap-cnn', 'tie'),
    ];
    const d = computeDifficulty(manifest({ baselines: [nn], comparisons }), [resnet('imagenet'), tiny, gap]);
    const end = difficultyConclusion(d).join(' ');
    expect(end).toContain('on the grouped split every compact CNN beats the best baseline, 1-NN at 95.00%');
    expect(end).toContain('on the per-image split no compact CNN beats the best baseline, 1-NN at 99.80%');
    expect(end).toContain('on the grouped split TinyCNN is less accurate than the ImageNet-initialised ResNet50');
    expect(end).not.toContain('“ResNet50 is unnecessary” holds');
    expect(end).not.toContain('random weights');
  });

  it('names only the CNNs that beat the baseline when some do and some do not', () => {
    const comparisons = [compare('image', 'tiny-cnn', 'nearest-neighbour', 'a'), compare('image', 'gap-cnn', 'nearest-neighbour', 'tie')];
    const d = computeDifficulty(manifest({ baselines: [nn], comparisons, grouped: false }), [model('tiny-cnn', 'TinyCNN', { image: [0.999, 0.999] }), model('gap-cnn', 'GAP CNN', { image: [0.998, 0.998] })]);
    expect(difficultyConclusion(d)[0]).toBe('By McNemar’s test, on the per-image split only TinyCNN beats the best baseline, 1-NN at 99.80%.');
    expect(comparisonText(d, d.verdicts[0]!)).toBe('On the per-image split, TinyCNN is more accurate than the best baseline, 1-NN; GAP CNN is not separated from it.');
  });

  it('says when each method was trained once, and when there are no comparisons at all (smoke runs)', () => {
    const one = model('tiny-cnn', 'TinyCNN', { image: [0.99], grouped: [0.95] });
    const d = computeDifficulty(manifest({ baselines: [nn], comparisons: [compare('image', 'tiny-cnn', 'nearest-neighbour', 'a', 1)] }), [one]);
    expect(d.seeds).toBe(1);
    expect(testRuleText(d)).toContain('trained once (one seed)');
    expect(testRuleText(computeDifficulty(manifest({ baselines: [nn] }), [tiny]))).toContain('every pairing of the two methods’ runs');
    expect(difficultyConclusion(d).join(' ')).toContain('rest on one seed');
    const none = computeDifficulty(manifest({ baselines: [nn], comparisons: [] }), [one]);
    expect(comparisonText(none, none.verdicts[0]!)).toBe('On the per-image split, this run made no paired comparisons, so the text ranks no model above another there.');
    expect(difficultyConclusion(none)).toHaveLength(1);
    expect(difficultyConclusion(none)[0]).toContain('made no paired comparisons');
  });

  it('justifies the threshold from the audit’s curve: what one step up would chain together', () => {
    const m = manifest({ baselines: [nn] });
    expect(chainingText(m)).toBe(' One step up, at 2.50, the largest cluster would hold 8.0% of B, and at 3.00 17.0% of A: single linkage chains runs of similar images together.');
    const d = computeDifficulty(m, [tiny]);
    expect(auditText(d, m)).toContain('the largest holds 15 A images (3.0% of the class). One step up');
    (m.audit!.thresholdCurve as unknown[]).splice(2);
    expect(chainingText(m)).toBe('');
  });

  it('words the change between the splits and the leakage from the data, whichever way they go', () => {
    const up = model('gap-cnn', 'GAP CNN', { image: [0.95], grouped: [0.96] });
    const d = computeDifficulty(manifest({ baselines: [nn] }), [tiny, up]);
    const text = dropText(d)!;
    expect(text).toContain('lower for TinyCNN, not for the others');
    expect(text).toContain('+1.00 pp for GAP CNN');
    expect(dropText(computeDifficulty(manifest({ baselines: [nn] }), [up]))).toContain('no lower for any model');
    expect(leakageText(d)).toContain('15 of the 100 test images (15.0%)');
    expect(leakageText(d)).toContain('so none of its 100 test images have one');
    expect(baselinesText(d)).toBe('Methods with little or no learning set the bar: 1-NN 99.80% on the per-image split and 95.00% on the grouped split.');
    // One protocol only: no drop, no grouped sentence.
    const single = computeDifficulty(manifest({ baselines: [model('nearest-neighbour', '1-NN', { image: [0.998] })], grouped: false }), [model('tiny-cnn', 'TinyCNN', { image: [0.99, 0.995] })]);
    expect(dropText(single)).toBeNull();
    expect(leakageText(single)).not.toContain('grouped');
    expect(baselinesText(single)).toBe('Methods with little or no learning set the bar: 1-NN 99.80% on the per-image split.');
  });

  it('states the k k-NN used, chosen on the validation images, one k or one per protocol', () => {
    const knn = (chosenK: Record<string, number>) => ({ ...model('k-nearest-neighbours', 'k-NN', { image: [0.99], grouped: [0.9] }), chosenK });
    expect(baselinesText(computeDifficulty(manifest({ baselines: [knn({ image: 5, grouped: 5 })] }), [tiny]))).toBe(
      'Methods with little or no learning set the bar: k-NN (k = 5, chosen on the validation images) 99.00% on the per-image split and 90.00% on the grouped split.',
    );
    expect(baselinesText(computeDifficulty(manifest({ baselines: [knn({ image: 3, grouped: 7 })] }), [tiny]))).toContain(
      'k-NN (k chosen on the validation images: 3 on the per-image split and 7 on the grouped split)',
    );
    // Where every baseline run states its validation accuracy, the text says the best one was chosen on it.
    const withValidation = (b: ReturnType<typeof knn>) => ({ ...b, runs: (b.runs ?? []).map((r) => ({ ...r, validationAccuracy: 0.9 })) });
    expect(baselinesText(computeDifficulty(manifest({ baselines: [withValidation(knn({ image: 5, grouped: 5 }))] }), [tiny]))).toContain(
      'The one every model is tested against below is the most accurate of them on the validation images, so none is picked on the test images.',
    );
  });
});

describe('what the grouped split removes', () => {
  it('says so when grouped test images pile up just above the threshold and sit no farther from training', () => {
    const m = manifest({});
    m.protocols![0]!.nearestTrainDistance = [1, 2, 8, 9, 10];
    m.protocols![1]!.nearestTrainDistance = [2.5, 2.6, 3, 7, 8];
    const text = leakageText(computeDifficulty(m, [tiny]))!;
    expect(text).toContain('under the per-image split and 3.00 under the grouped split.');
    expect(text).toContain(
      'That is all it removes: 3 of its 100 test images (3.0%) have a training image within one grey level above the threshold, and its median nearest-training distance is even lower than the per-image split’s, so the grouped split tests images without near-copies in training, not images unlike the training set.',
    );
  });

  it('adds nothing when grouped test images are farther from training and none sits just above the threshold', () => {
    const text = leakageText(computeDifficulty(manifest({}), [tiny]))!;
    expect(text).not.toContain('That is all it removes');
  });
});
