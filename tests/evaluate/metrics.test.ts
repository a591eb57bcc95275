import { describe, expect, it } from 'vitest';
import { accuracy, confusionMatrix, macroF1, perClassMetrics, wilsonInterval } from '../../pipeline/evaluate/metrics.ts';

// Seven test images of three classes; class C is never predicted.
const classes = ['A', 'B', 'C'];
const labels = [0, 0, 0, 1, 1, 2, 2];
const predictions = [0, 0, 1, 1, 1, 0, 1];

describe('confusionMatrix', () => {
  it('counts rows by true class and columns by predicted class', () => {
    expect(confusionMatrix(labels, predictions, 3)).toEqual([
      [2, 1, 0],
      [0, 2, 0],
      [1, 1, 0],
    ]);
  });

  it('accepts typed arrays', () => {
    expect(confusionMatrix(Int32Array.from(labels), Uint8Array.from(predictions), 3)).toEqual(confusionMatrix(labels, predictions, 3));
  });

  it('refuses mismatched lengths and out-of-range classes', () => {
    expect(() => confusionMatrix([0, 1], [0], 2)).toThrow(/2 labels but 1 predictions/);
    expect(() => confusionMatrix([0, 2], [0, 1], 2)).toThrow(/label 1: expected a class index in \[0, 1\], got 2/);
    expect(() => confusionMatrix([0, 1], [0, 0.5], 2)).toThrow(/prediction 1/);
  });
});

describe('perClassMetrics and macroF1', () => {
  const perClass = perClassMetrics(confusionMatrix(labels, predictions, 3), classes);

  it('gives precision, recall, F1 and support per class', () => {
    // A: 2 of 3 predicted A are A, 2 of 3 A found. B: 2 of 4 predicted B are B, both B found.
    expect(perClass[0]).toMatchObject({ class: 'A', support: 3 });
    expect(perClass[0].precision).toBeCloseTo(2 / 3, 12);
    expect(perClass[0].recall).toBeCloseTo(2 / 3, 12);
    expect(perClass[0].f1).toBeCloseTo(2 / 3, 12);
    expect(perClass[1]).toMatchObject({ class: 'B', precision: 0.5, recall: 1, support: 2 });
    expect(perClass[1].f1).toBeCloseTo(2 / 3, 12);
  });

  it('gives 0 for a class never predicted (precision undefined, F1 undefined)', () => {
    expect(perClass[2]).toEqual({ class: 'C', precision: 0, recall: 0, f1: 0, support: 2 });
  });

  it('gives 0 recall for a class absent from the labels', () => {
    const [, absent] = perClassMetrics(confusionMatrix([0, 0], [0, 1], 2), ['A', 'B']);
    expect(absent).toEqual({ class: 'B', precision: 0, recall: 0, f1: 0, support: 0 });
  });

  it('averages F1 over all classes, the never-predicted one included', () => {
    expect(macroF1(perClass)).toBeCloseTo((2 / 3 + 2 / 3 + 0) / 3, 12);
  });

  it('refuses a confusion matrix that does not match the classes', () => {
    expect(() => perClassMetrics([[1, 0], [0, 1]], classes)).toThrow(/expected 3×3/);
    expect(() => macroF1([])).toThrow(/at least one class/);
  });
});

describe('accuracy', () => {
  it('is the fraction of predictions equal to the label', () => {
    expect(accuracy(labels, predictions)).toBe(4 / 7);
    expect(accuracy([1, 1], [1, 1])).toBe(1);
  });

  it('refuses empty or mismatched inputs', () => {
    expect(() => accuracy([], [])).toThrow(/at least one label/);
    expect(() => accuracy([1], [1, 2])).toThrow(/1 labels but 2 predictions/);
  });
});

describe('wilsonInterval', () => {
  // Newcombe (1998), "Two-sided confidence intervals for the single proportion",
  // Statistics in Medicine 17:857-872, Table II, method 3 (score, no continuity correction).
  it.each([
    [81, 263, 0.2553, 0.3662],
    [15, 148, 0.0624, 0.1605],
    [0, 20, 0, 0.1611],
    [1, 29, 0.0061, 0.1718],
  ])('matches Newcombe for %i of %i', (k, n, low, high) => {
    const [lo, hi] = wilsonInterval(k, n);
    expect(lo).toBeCloseTo(low, 4);
    expect(hi).toBeCloseTo(high, 4);
  });

  it('stays inside [0, 1], is symmetric in successes and failures, and narrows with n', () => {
    expect(wilsonInterval(20, 20)[1]).toBe(1);
    const [lo, hi] = wilsonInterval(15, 148);
    const [flo, fhi] = wilsonInterval(133, 148);
    expect(flo).toBeCloseTo(1 - hi, 12);
    expect(fhi).toBeCloseTo(1 - lo, 12);
    const width = (k: number, n: number) => wilsonInterval(k, n)[1] - wilsonInterval(k, n)[0];
    expect(width(990, 1000)).toBeLessThan(width(99, 100));
  });

  it('refuses impossible counts', () => {
    expect(() => wilsonInterval(1, 0)).toThrow(/n must be a positive integer/);
    expect(() => wilsonInterval(5, 4)).toThrow(/successes must be an integer in \[0, 4\]/);
  });
});
