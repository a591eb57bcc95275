import { describe, expect, it } from 'vitest';
import { separation } from '../../src/lib/difficulty.ts';
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
