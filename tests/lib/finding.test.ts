/**
 * The first screen's finding (src/lib/finding.ts) on bundles that fall every way: a
 * compact network ahead of a reference it is not separated from while a baseline no
 * network beats (the real run's shape), networks that beat the baseline, a reference
 * that wins, one seed, no comparisons, a bundle written before seed summaries.
 */
import { describe, expect, it } from 'vitest';
import { computeFinding } from '../../src/lib/finding.ts';
import type { Comparison, Manifest, ModelResult, Protocol, Run } from '../../schema/results.ts';

function method(accs: Partial<Record<Protocol, number[]>>) {
  const runs: Run[] = [];
  const summary: Record<string, unknown> = {};
  for (const [p, xs] of Object.entries(accs) as [Protocol, number[]][]) {
    xs.forEach((a, i) => runs.push({ protocol: p, seed: 42 + i, evaluation: { accuracy: a, accuracyCI95: [a - 0.01, Math.min(1, a + 0.01)], testImages: 1000, macroAuc: 0.99, macroF1: a } } as unknown as Run));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const seeds = { n: xs.length, mean, std: 0, min: Math.min(...xs), max: Math.max(...xs) };
    summary[p] = { accuracy: seeds, macroAuc: { ...seeds, mean: 0.99 }, macroF1: seeds };
  }
  return { runs, summary };
}

const model = (id: string, name: string, params: number, accs: Partial<Record<Protocol, number[]>>, init: 'imagenet' | 'random' = 'imagenet') =>
  ({ id, name, role: id === 'resnet50' ? 'reference' : 'simplification', params: { total: params }, evaluation: { accuracy: accs.image?.[0] ?? 0 }, initialWeights: { kind: init }, ...method(accs) }) as unknown as ModelResult;

const baseline = (id: string, name: string, accs: Partial<Record<Protocol, number[]>>) => ({ id, name, ...method(accs), cost: { storedNumbers: 1, macs: 1, note: '' }, kSelection: null });

function compare(protocol: Protocol, a: string, b: string, outcome: 'a' | 'b' | 'tie' | 'mixed', seeds = 3): Comparison {
  const perSeed = Array.from({ length: seeds }, (_, i) => {
    const o = outcome === 'mixed' ? (i === 0 ? 'a' : 'tie') : outcome;
    const [onlyA, onlyB, p] = o === 'a' ? [30, 2, 1e-6] : o === 'b' ? [2, 30, 1e-6] : [5, 5, 1];
    return { seedA: 42 + i, seedB: 42, onlyA, onlyB, p };
  });
  return { protocol, a, b, perSeed };
}

function manifest(over: { comparisons?: Comparison[]; baselines?: ReturnType<typeof baseline>[]; protocols?: Protocol[] | null }): Manifest {
  const protocols = over.protocols === null ? undefined : (over.protocols ?? ['image', 'grouped']).map((protocol) => ({ protocol, name: protocol === 'image' ? 'per-image split' : 'grouped split' }));
  return { protocols, baselines: over.baselines ?? [], comparisons: over.comparisons } as unknown as Manifest;
}

const resnet = model('resnet50', 'ResNet50', 23_600_000, { image: [0.9936, 0.999], grouped: [0.97, 0.975] });
const rf = model('reduced-filter-cnn', 'Reduced-Filter CNN', 51_100, { image: [0.999, 0.9985, 0.9992], grouped: [0.98, 0.981, 0.979] });
const tiny = model('tiny-cnn', 'TinyCNN', 822_000, { image: [0.998, 0.997, 0.998], grouped: [0.97, 0.96, 0.975] });
const nn = baseline('nearest-neighbour', '1-NN (pooled pixels)', { image: [0.9981], grouped: [0.95] });

const wellFormed = (s: string) => {
  expect(s).toMatch(/^On the [a-z -]+, .+\.$/);
  expect(s).not.toMatch(/undefined|NaN|null|  | ,|;;|\.\./);
};

describe('the finding on the first screen', () => {
  it('sets the best network against the reference with both seed spreads, and says when no network beats the best baseline', () => {
    const m = manifest({
      baselines: [nn],
      comparisons: [compare('image', 'reduced-filter-cnn', 'resnet50', 'tie'), compare('image', 'tiny-cnn', 'resnet50', 'tie'), ...['resnet50', 'reduced-filter-cnn', 'tiny-cnn'].map((id) => compare('image', id, 'nearest-neighbour', 'tie'))],
    });
    const f = computeFinding(m, [resnet, tiny, rf]);
    wellFormed(f.sentence);
    expect(f.sentence).toBe(
      'On the per-image split, the most accurate network, Reduced-Filter CNN, reached 99.89% (mean of 3 seeds, 99.85–99.92%) against ResNet50’s 99.63% (mean of 2 seeds, 99.36–99.90%); ' +
        'McNemar’s test on the same test images does not separate the two; the best baseline, 1-NN (pooled pixels), reached 99.81% (one seed), and by McNemar’s test no network is more accurate than it, so this run does not show what the networks add.',
    );
    // Numbers: the best network, the reference, the baseline, the size ratio.
    expect(f.numbers.map((n) => n.value)).toEqual(['99.89%', '99.63%', '99.81%', '462×']);
    expect(f.numbers[0]!.label).toContain('mean of 3 seeds, 99.85–99.92%');
    expect(f.numbers[2]!.label).toContain('the best baseline');
  });

  it('says which networks beat the baseline, and when every one does', () => {
    const some = computeFinding(
      manifest({ baselines: [nn], comparisons: [compare('image', 'reduced-filter-cnn', 'nearest-neighbour', 'a'), compare('image', 'tiny-cnn', 'nearest-neighbour', 'tie'), compare('image', 'resnet50', 'nearest-neighbour', 'mixed')] }),
      [resnet, tiny, rf],
    );
    expect(some.sentence).toMatch(/by McNemar’s test only Reduced-Filter CNN beats it\.$/);
    expect(some.sentence).toMatch(/no paired test compared the two/);
    const all = computeFinding(manifest({ baselines: [nn], comparisons: ['reduced-filter-cnn', 'tiny-cnn'].map((id) => compare('image', id, 'nearest-neighbour', 'a')) }), [tiny, rf]);
    expect(all.sentence).toMatch(/every network beats it\.$/);
    wellFormed(all.sentence);
  });

  it('names McNemar’s verdict between the best network and the reference, either way', () => {
    const ahead = computeFinding(manifest({ comparisons: [compare('image', 'reduced-filter-cnn', 'resnet50', 'a')] }), [resnet, rf]);
    expect(ahead.sentence).toContain('McNemar’s test on the same test images finds Reduced-Filter CNN more accurate in every seed pairing');
    const mixed = computeFinding(manifest({ comparisons: [compare('image', 'resnet50', 'reduced-filter-cnn', 'mixed')] }), [resnet, rf]);
    expect(mixed.sentence).toContain('separates the two in only some seed pairings, so not consistently');
    // The reference wins: it is named first, the best compact network second.
    const strong = model('resnet50', 'ResNet50', 23_600_000, { image: [0.9995, 0.9996] });
    const won = computeFinding(manifest({ comparisons: [compare('image', 'resnet50', 'reduced-filter-cnn', 'a')] }), [strong, tiny, rf]);
    wellFormed(won.sentence);
    expect(won.sentence).toMatch(/^On the per-image split, ResNet50 was the most accurate network, 99\.96% \(mean of 2 seeds, 99\.95–99\.96%\), against Reduced-Filter CNN’s 99\.89% .*, the next best; McNemar’s test on the same test images finds ResNet50 more accurate in every seed pairing\.$/);
    expect(won.numbers.map((n) => n.value.replace(/\s/g, ' '))).toEqual(['99.96%', '99.89%', '23.6 M']);
  });

  it('holds for a run with no reference network, no comparisons, or no seed summaries', () => {
    const none = computeFinding(manifest({ baselines: [nn] }), [tiny, rf]);
    wellFormed(none.sentence);
    expect(none.sentence).toMatch(/^On the per-image split, the most accurate network was Reduced-Filter CNN, 99\.89% .*; the best baseline, 1-NN \(pooled pixels\), reached 99\.81% \(one seed\), and no paired test compared it with the networks\.$/);
    const legacy = { ...rf, runs: undefined, summary: undefined } as unknown as ModelResult;
    const old = computeFinding(manifest({ protocols: null }), [legacy]);
    expect(old.sentence).toBe('On the test split, the most accurate network was Reduced-Filter CNN, 99.90% (one seed).');
  });

  it('reads the bundle, not model ids: renamed models and another protocol order change the sentence accordingly', () => {
    const a = model('resnet50', 'Big Net', 10_000_000, { grouped: [0.9, 0.91] });
    const b = model('my-net', 'My Net', 5_000, { grouped: [0.95] });
    const f = computeFinding(manifest({ protocols: ['grouped', 'image'], comparisons: [compare('grouped', 'my-net', 'resnet50', 'a', 2)] }), [a, b]);
    expect(f.sentence).toBe('On the grouped split, the most accurate network, My Net, reached 95.00% (one seed) against Big Net’s 90.50% (mean of 2 seeds, 90.00–91.00%); McNemar’s test on the same test images finds My Net more accurate in every seed pairing.');
  });
});
