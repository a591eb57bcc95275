import { describe, expect, it } from 'vitest';
import { chosenK, separation } from '../../src/lib/difficulty.ts';
import type { Comparison } from '../../schema/results.ts';

const cmp = (perSeed: [number, number, number][]): Comparison[] => [
  { protocol: 'image', a: 'tiny-cnn', b: 'nearest-neighbour', perSeed: perSeed.map(([onlyA, onlyB, p], i) => ({ seedA: 42 + i, seedB: 42, onlyA, onlyB, p })) },
];

describe('separation (McNemar over seed pairings)', () => {
  it('separates two methods only when every seed pairing is significant in the same direction', () => {
    expect(separation(cmp([[20, 2, 1e-4], [18, 3, 1e-3], [25, 1, 1e-6]]), 'tiny-cnn', 'nearest-neighbour', 'image')!.verdict).toBe('a');
    // Asked the other way round, the same evidence favours the first-named method's opponent.
    expect(separation(cmp([[20, 2, 1e-4], [18, 3, 1e-3]]), 'nearest-neighbour', 'tiny-cnn', 'image')!.verdict).toBe('b');
    expect(separation(cmp([[2, 20, 1e-4], [3, 18, 1e-3]]), 'tiny-cnn', 'nearest-neighbour', 'image')!.verdict).toBe('b');
  });

  it('calls one lucky seed or opposite directions mixed, and no significant pairing none', () => {
    const mixed = separation(cmp([[20, 2, 1e-4], [5, 4, 1]]), 'tiny-cnn', 'nearest-neighbour', 'image')!;
    expect(mixed.verdict).toBe('mixed');
    expect(mixed.maxP).toBe(1);
    expect(separation(cmp([[20, 2, 1e-4], [2, 20, 1e-4]]), 'tiny-cnn', 'nearest-neighbour', 'image')!.verdict).toBe('mixed');
    expect(separation(cmp([[5, 4, 1], [6, 3, 0.5]]), 'tiny-cnn', 'nearest-neighbour', 'image')!.verdict).toBe('none');
    expect(separation(cmp([[5, 4, 1]]), 'tiny-cnn', 'nearest-neighbour', 'grouped')).toBeNull();
  });
});

describe('the k of a k-NN baseline', () => {
  const tried = (ks: [number, number][]) => ks.map(([k, accuracy]) => ({ k, accuracy }));
  it('is the first k with the best validation accuracy, per protocol, as the pipeline chose it', () => {
    expect(chosenK({ kSelection: { image: tried([[1, 0.9], [3, 0.95], [5, 0.95]]), grouped: tried([[1, 0.8], [3, 0.85]]) } })).toBe('k = 3, chosen on validation');
    expect(chosenK({ kSelection: { image: tried([[1, 0.9], [5, 0.95]]), grouped: tried([[1, 0.9], [3, 0.85]]) } })).toBe('k = 5 (per-image), k = 1 (grouped), chosen on validation');
  });
  it('says when k = 1 makes it the same as 1-NN, and is nothing for other baselines', () => {
    expect(chosenK({ kSelection: { image: tried([[1, 1], [3, 1]]) } })).toBe('k = 1, chosen on validation: the same as 1-NN');
    expect(chosenK({ kSelection: null })).toBeNull();
  });
});
