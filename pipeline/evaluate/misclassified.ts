/**
 * The test images a model got wrong, for the paper's confusion-matrix click-through:
 * at most `perCell` per (true, predicted) cell, first in test-split order, each with
 * the model's softmax, and their pixels (images × 64 × 64 uint8, in the same order).
 */
import type { Misclassified } from '../../schema/results.ts';
import type { Predictions } from '../shared/predict.ts';
import type { ImageSet } from '../shared/tensors.ts';

/** Enough to see what a confusion looks like without shipping every error of a weak model. */
export const MISCLASSIFIED_PER_CELL = 8;

export function collectMisclassified(
  predictions: Predictions,
  test: Int32Array,
  testFiles: readonly string[],
  data: ImageSet,
  file: string,
  perCell = MISCLASSIFIED_PER_CELL,
): { info: Misclassified; pixels: Uint8Array } {
  const c = data.numClasses;
  const size = data.imageSize * data.imageSize;
  const perCellCount = new Map<number, number>();
  const images: Misclassified['images'] = [];
  const picked: number[] = [];
  let total = 0;
  for (let i = 0; i < test.length; i++) {
    const actual = predictions.labels[i]!;
    const predicted = predictions.predicted[i]!;
    if (actual === predicted) continue;
    total++;
    const cell = actual * c + predicted;
    const n = perCellCount.get(cell) ?? 0;
    if (n >= perCell) continue;
    perCellCount.set(cell, n + 1);
    const softmax = Array.from(predictions.probs.subarray(i * c, (i + 1) * c), (p) => Math.min(1, Math.max(0, Math.round(p * 1e6) / 1e6)));
    images.push({ testIndex: i, file: testFiles[i] || `test image ${i + 1}`, actual, predicted, softmax });
    picked.push(test[i]!);
  }
  const pixels = new Uint8Array(picked.length * size);
  picked.forEach((index, k) => pixels.set(data.images.subarray(index * size, (index + 1) * size), k * size));
  return { info: { file, total, perCell, images }, pixels };
}
