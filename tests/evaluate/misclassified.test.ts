import { describe, expect, it } from 'vitest';
import { collectMisclassified } from '../../pipeline/evaluate/misclassified.ts';
import { Misclassified } from '../../schema/results.ts';

const IMAGE_SIZE = 64;
import type { Predictions } from '../../pipeline/shared/predict.ts';

const SIZE = IMAGE_SIZE * IMAGE_SIZE;

describe('collectMisclassified', () => {
  it('keeps at most perCell errors per (true, predicted) cell, in test order, with softmax and the right pixels', () => {
    // 8 test images over 3 classes; each image's pixels are filled with its dataset index.
    const test = Int32Array.from([10, 11, 12, 13, 14, 15, 16, 17]);
    const labels = Uint8Array.from([0, 0, 0, 0, 1, 1, 2, 2]);
    const predicted = Uint8Array.from([1, 1, 1, 0, 1, 2, 2, 0]);
    const probs = new Float32Array(8 * 3);
    predicted.forEach((p, i) => probs.set([0.1, 0.1, 0.1].map((v, k) => (k === p ? 0.8 : v)), i * 3));
    const predictions: Predictions = { probs, predicted, labels, loss: 0, accuracy: 3 / 8 };
    const images = new Uint8Array(20 * SIZE);
    for (let i = 0; i < 20; i++) images.fill(i, i * SIZE, (i + 1) * SIZE);
    const files = Array.from(test, (i) => `C/${i}.jpeg`);
    const { info, pixels } = collectMisclassified(predictions, test, files, { images, labels: new Uint8Array(20), numClasses: 3, imageSize: 64 }, 'misclassified/x.u8', 2);

    expect(Misclassified.parse(info)).toEqual(info);
    expect(info.total).toBe(5); // 0→1 three times, 1→2, 2→0
    expect(info.images.map((m) => [m.testIndex, m.actual, m.predicted])).toEqual([
      [0, 0, 1],
      [1, 0, 1], // the third 0→1 error is left out: two per cell
      [5, 1, 2],
      [7, 2, 0],
    ]);
    expect(info.images[0]!.file).toBe('C/10.jpeg');
    expect(info.images[0]!.softmax[1]).toBeCloseTo(0.8, 5);
    expect(pixels.length).toBe(4 * SIZE);
    expect([0, 1, 2, 3].map((k) => pixels[k * SIZE])).toEqual([10, 11, 15, 17]);
  });
});
