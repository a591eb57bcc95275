/** The robustness section's sentences (src/lib/robustness-prose.ts), worded from the numbers either way: the study's pick most robust or not; models more or less robust than the reference. */
import { describe, expect, it } from 'vitest';
import { ModelResult } from '../../schema/results.ts';
import { modelResult } from '../charts/fixtures.ts';
import { robustnessFacts, robustnessText } from '../../src/lib/robustness-prose.ts';
import { robustnessPoints, robustnessSpec } from '../../src/charts/representations.ts';
import { compile } from 'vega-lite';

/** A model whose balanced error is `clean` clean and `noise` / `blur` at every severity of the two corruptions. */
function measured(id: 'resnet50' | 'tiny-cnn' | 'gap-cnn', clean: number, noise: number, blur: number): ModelResult {
  const c = (cid: string, name: string, e: number) => ({ id: cid, name, family: 'noise', parameter: 'p', levels: [1, 2, 3, 4, 5], accuracy: Array(5).fill(1 - e), balancedError: Array(5).fill(e) });
  return ModelResult.parse({
    ...modelResult(id),
    studyPick: id === 'gap-cnn',
    robustness: { images: 60, seed: 1, clean: { accuracy: 1 - clean, balancedError: clean }, corruptions: [c('gaussian-noise', 'Gaussian noise', noise), c('gaussian-blur', 'Gaussian blur', blur)], seconds: 1 },
  });
}

describe('robustness prose', () => {
  it('names the most and least robust, the ratios to the reference, and confirms the study’s pick when it is the most robust', () => {
    const models = [measured('resnet50', 0.01, 0.2, 0.1), measured('tiny-cnn', 0.02, 0.4, 0.3), measured('gap-cnn', 0.01, 0.1, 0.05)];
    const f = robustnessFacts(models)!;
    expect(f.rows.find((r) => r.id === 'gap-cnn')!.relative).toBeCloseTo(0.5, 12);
    expect(f.rows.find((r) => r.id === 'tiny-cnn')!.relative).toBeCloseTo((2 + 3) / 2, 12);
    const text = robustnessText(f).join(' ');
    expect(text).toContain('Each model classified 60 test images, clean and corrupted by 2 kinds');
    expect(text).toContain('GAP CNN has the lowest mean corruption error, 7.5% (clean 1.0%), and TinyCNN the highest, 35.0% (clean 2.0%)');
    expect(text).toContain('Relative to ResNet50, GAP CNN (0.50) is more robust; TinyCNN (2.50) is less.');
    expect(text).toContain('on corrupted images it is indeed the most robust here');
    expect(text).toContain('the hardest corruption for most models is gaussian noise');
  });

  it('says when no model beats the reference and the pick is not singled out', () => {
    const models = [measured('resnet50', 0.01, 0.05, 0.05), measured('tiny-cnn', 0.02, 0.1, 0.3), measured('gap-cnn', 0.01, 0.2, 0.25)];
    const text = robustnessText(robustnessFacts(models)!).join(' ');
    expect(text).toContain('No model is more robust than ResNet50; TinyCNN (4.00) and GAP CNN (4.50) are less.');
    expect(text).toContain('on corrupted images it ranks third of 3 here, so this measure does not single it out');
    expect(robustnessFacts([modelResult('tiny-cnn')])).toBeNull();
  });

  it('charts accuracy against severity from the same numbers', () => {
    const models = [measured('resnet50', 0.01, 0.2, 0.1), measured('tiny-cnn', 0.02, 0.4, 0.3)];
    const input = { manifest: { dataset: { classes: ['a'] } }, models };
    const points = robustnessPoints(input);
    // Both corruptions are of the family 'noise' here: one panel, their mean accuracy per severity.
    expect(points).toHaveLength(2 * 1 * 6);
    const tiny = points.filter((p) => p.model === 'TinyCNN' && p.family === 'Noise').map((p) => p.accuracy);
    [0.98, 0.65, 0.65, 0.65, 0.65, 0.65].forEach((v, i) => expect(tiny[i]).toBeCloseTo(v, 12));
    for (const layout of ['wide', 'narrow'] as const) {
      const warnings: unknown[] = [];
      const logger = { level: () => logger, error: (...a: unknown[]) => warnings.push(a), warn: (...a: unknown[]) => warnings.push(a), info: () => logger, debug: () => logger };
      compile(robustnessSpec(input, layout), { logger: logger as never });
      expect(warnings).toEqual([]);
    }
  });
});
