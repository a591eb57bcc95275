import { describe, expect, it } from 'vitest';
import { dominates, paretoFront } from '../../src/charts/pareto.ts';

describe('paretoFront', () => {
  it('keeps exactly the points no other point beats on both cost and accuracy', () => {
    const points = [
      { cost: 10, accuracy: 0.9 }, // cheapest: on the front
      { cost: 20, accuracy: 0.95 }, // better accuracy for more cost: on the front
      { cost: 30, accuracy: 0.94 }, // dominated by (20, 0.95)
      { cost: 40, accuracy: 0.99 }, // best accuracy: on the front
      { cost: 50, accuracy: 0.99 }, // same accuracy, costlier: dominated by (40, 0.99)
      { cost: 10, accuracy: 0.85 }, // same cost, worse: dominated by (10, 0.9)
    ];
    expect(paretoFront(points)).toEqual([true, true, false, true, false, false]);
  });

  it('keeps identical points together and a single point alone', () => {
    expect(paretoFront([{ cost: 5, accuracy: 0.5 }, { cost: 5, accuracy: 0.5 }])).toEqual([true, true]);
    expect(paretoFront([{ cost: 1, accuracy: 0 }])).toEqual([true]);
    expect(paretoFront([])).toEqual([]);
  });

  it('dominance needs one strict improvement', () => {
    expect(dominates({ cost: 1, accuracy: 0.5 }, { cost: 1, accuracy: 0.5 })).toBe(false);
    expect(dominates({ cost: 1, accuracy: 0.6 }, { cost: 1, accuracy: 0.5 })).toBe(true);
    expect(dominates({ cost: 2, accuracy: 0.9 }, { cost: 1, accuracy: 0.5 })).toBe(false);
  });

  it('rejects non-finite input with a message naming the point', () => {
    expect(() => paretoFront([{ cost: Number.NaN, accuracy: 1 }])).toThrow(/finite cost and accuracy/);
  });
});
