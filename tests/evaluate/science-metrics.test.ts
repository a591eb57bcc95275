import { describe, expect, it } from 'vitest';
import { expectedCalibrationError, macroAuc, mcnemarExact, mcnemarP, perClassAuc, summarise } from '../../pipeline/evaluate/metrics.ts';

/** Two-class softmax rows whose class-1 score is `s`. */
const rows = (scores: number[]) => Float32Array.from(scores.flatMap((s) => [1 - s, s]));

describe('perClassAuc / macroAuc', () => {
  it('matches the Mann–Whitney AUC (scikit-learn roc_auc_score([0,0,1,1], [0.1,0.4,0.35,0.8]) = 0.75)', () => {
    const auc = perClassAuc([0, 0, 1, 1], rows([0.1, 0.4, 0.35, 0.8]), 2);
    expect(auc[1]).toBeCloseTo(0.75, 12);
    expect(auc[0]).toBeCloseTo(0.75, 12);
  });

  it('counts ties as half, and is 1 for a perfect ranking and 0 for a reversed one', () => {
    expect(perClassAuc([0, 1], rows([0.5, 0.5]), 2)[1]).toBe(0.5);
    expect(perClassAuc([0, 0, 1], rows([0.2, 0.5, 0.5]), 2)[1]).toBeCloseTo(0.75, 12);
    expect(perClassAuc([0, 0, 1, 1], rows([0.1, 0.2, 0.3, 0.4]), 2)[1]).toBe(1);
    expect(perClassAuc([1, 1, 0, 0], rows([0.1, 0.2, 0.3, 0.4]), 2)[1]).toBe(0);
  });

  it('is null for a class without positives, and the macro mean skips it', () => {
    // Three classes, class 2 absent from the labels.
    const probs = Float32Array.from([0.8, 0.1, 0.1, 0.3, 0.6, 0.1, 0.6, 0.3, 0.1, 0.2, 0.7, 0.1]);
    const auc = perClassAuc([0, 1, 0, 1], probs, 3);
    expect(auc[2]).toBeNull();
    expect(auc[0]).toBe(1);
    expect(auc[1]).toBe(1);
    expect(macroAuc(auc)).toBe(1);
    expect(() => macroAuc([null, null])).toThrow(/no class/);
  });

  it('refuses scores of the wrong length', () => {
    expect(() => perClassAuc([0, 1], Float32Array.from([1, 0, 0]), 2)).toThrow(/3 scores for 2 labels/);
  });
});

describe('expectedCalibrationError', () => {
  it('is 0 when confidence equals accuracy in every bin', () => {
    // Ten images at confidence 0.9, nine right.
    const labels = [0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
    expect(expectedCalibrationError(labels, rows(new Array(10).fill(0.1)), 2)).toBeCloseTo(0, 6);
  });

  it('is the gap between confidence and accuracy for an over-confident model', () => {
    // Confidence 1.0 everywhere, half of the images wrong: ECE 0.5.
    expect(expectedCalibrationError([1, 0, 1, 0], rows([1, 1, 1, 1]), 2)).toBeCloseTo(0.5, 12);
    // Two bins: 0.6 confidence all right (gap 0.4), 0.95 all wrong (gap 0.95), equal weights.
    expect(expectedCalibrationError([1, 0], rows([0.6, 0.95]), 2)).toBeCloseTo((0.4 + 0.95) / 2, 6);
  });
});

describe('McNemar exact test', () => {
  it('gives the two-sided binomial p-value on the discordant pairs', () => {
    // b = 10, c = 2: 2 × P(X ≤ 2 | n = 12, ½) = 2 × (1 + 12 + 66) / 4096 (statsmodels mcnemar(exact=True): 0.03857).
    expect(mcnemarP(10, 2)).toBeCloseTo((2 * 79) / 4096, 12);
    expect(mcnemarP(2, 10)).toBeCloseTo((2 * 79) / 4096, 12);
    // b = 5, c = 0: 2 / 32.
    expect(mcnemarP(5, 0)).toBeCloseTo(1 / 16, 12);
    expect(mcnemarP(0, 0)).toBe(1);
    expect(mcnemarP(5, 5)).toBe(1);
  });

  it('stays finite and accurate for thousands of discordant images', () => {
    const p = mcnemarP(600, 400);
    // Normal approximation with continuity correction: z = 199 / √1000 = 6.29, two-sided ≈ 3.1e-10.
    expect(p).toBeGreaterThan(1e-10);
    expect(p).toBeLessThan(1e-9);
    expect(mcnemarP(3000, 3000)).toBe(1);
  });

  it('counts discordant images from paired predictions', () => {
    const labels = [0, 1, 2, 0, 1, 2];
    const r = mcnemarExact(labels, [0, 1, 2, 1, 1, 0], [0, 0, 2, 0, 0, 0]);
    expect(r.onlyFirst).toBe(2); // images 1 and 4
    expect(r.onlySecond).toBe(1); // image 3
    expect(r.p).toBe(1);
    expect(() => mcnemarExact([0, 1], [0], [0, 1])).toThrow(/same images/);
  });
});

describe('summarise', () => {
  it('gives mean, sample standard deviation, min and max', () => {
    const s = summarise([0.9, 0.95, 1.0]);
    expect(s.mean).toBeCloseTo(0.95, 12);
    expect(s.std).toBeCloseTo(0.05, 12);
    expect([s.n, s.min, s.max]).toEqual([3, 0.9, 1.0]);
    expect(summarise([0.5]).std).toBe(0);
    expect(() => summarise([])).toThrow();
  });
});
