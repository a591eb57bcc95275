/** The best baseline, which every model is tested against, is chosen on validation accuracy, not on the test images (test accuracy only for runs recorded before validation accuracy was). */
import { describe, expect, it } from 'vitest';
import { bestBaselines } from '../../pipeline/evaluate/comparisons.ts';
import type { Run } from '../../schema/results.ts';

const labels = Uint8Array.from([0, 1, 0, 1]);
function run(testAccuracy: number, validationAccuracy?: number): Run {
  return {
    protocol: 'image',
    seed: 1,
    inputsHash: 'c'.repeat(64),
    training: null,
    ...(validationAccuracy === undefined ? {} : { validationAccuracy }),
    evaluation: { accuracy: testAccuracy, predictions: '0101' } as Run['evaluation'],
  };
}

describe('best baseline', () => {
  it('is the highest mean validation accuracy, even where another baseline scores higher on the test images', () => {
    const best = bestBaselines(
      [
        { id: 'k-nearest-neighbours', runs: [run(0.99, 0.9)] },
        { id: 'logistic-regression', runs: [run(0.95, 0.96), run(0.94, 0.94)] },
      ],
      { image: labels },
    );
    expect(best).toEqual({ image: 'logistic-regression' });
  });

  it('falls back to test accuracy when a run has no validation accuracy (bundles written before it)', () => {
    const best = bestBaselines(
      [
        { id: 'k-nearest-neighbours', runs: [run(0.99)] },
        { id: 'logistic-regression', runs: [run(0.95, 0.96)] },
      ],
      { image: labels },
    );
    expect(best).toEqual({ image: 'k-nearest-neighbours' });
  });
});
