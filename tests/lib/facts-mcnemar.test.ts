import { describe, expect, it } from 'vitest';
import { computeFacts } from '../../src/lib/facts.ts';
import * as prose from '../../src/lib/prose.ts';
import { CLASSES, modelResult } from '../helpers/study-bundle.ts';
import type { Comparison, Manifest, ModelId, ModelResult } from '../../schema/results.ts';

function model(id: ModelId, accuracy: number, ci: [number, number]): ModelResult {
  const m = structuredClone(modelResult(id, { params: id === 'resnet50' ? 23_600_000 : 100_000 }));
  m.evaluation.accuracy = accuracy;
  m.evaluation.accuracyCI95 = ci;
  return m;
}

const manifest = (comparisons?: Comparison[]) =>
  ({ dataset: { classes: CLASSES }, profile: { name: 'cpu', reductions: [] }, split: { sizes: { test: 5895 } }, protocols: [{ protocol: 'image' }], comparisons }) as unknown as Manifest;

const cmp = (a: string, b: string, onlyA: number, onlyB: number, p: number): Comparison => ({ protocol: 'image', a, b, perSeed: [{ seedA: 42, seedB: 42, onlyA, onlyB, p }] });

describe('compact CNNs against ResNet50', () => {
  // Disjoint intervals, so by intervals TinyCNN would be "measurably more accurate".
  const models = [model('resnet50', 0.99, [0.987, 0.992]), model('tiny-cnn', 0.995, [0.993, 0.997]), model('gap-cnn', 0.985, [0.98, 0.988])];

  it('uses McNemar’s test on the same images where the bundle has it, not the intervals', () => {
    const f = computeFacts(manifest([cmp('resnet50', 'tiny-cnn', 10, 14, 0.54), cmp('resnet50', 'gap-cnn', 40, 10, 1e-5)]), models);
    expect(f.versusBaseline.by).toBe('mcnemar');
    expect(f.versusBaseline.tied.map((m) => m.id)).toEqual(['tiny-cnn']);
    expect(f.versusBaseline.worse.map((m) => m.id)).toEqual(['gap-cnn']);
    expect(prose.claimText(f)).toContain('TinyCNN was not separated from it (by McNemar’s test on the same test images, over every seed pairing)');
    expect(prose.claimText(f)).toContain('GAP CNN was less accurate by McNemar’s test');
    expect(prose.claimText(f)).not.toMatch(/indistinguishable|sampling noise|measurably/);
  });

  it('falls back to the intervals, and says so, without comparisons', () => {
    const f = computeFacts(manifest(), models);
    expect(f.versusBaseline.by).toBe('intervals');
    expect(f.versusBaseline.better.map((m) => m.id)).toEqual(['tiny-cnn']);
    // Intervals are not a test: the sentence says none was run.
    expect(prose.claimText(f)).toContain('TinyCNN was more accurate (95% intervals apart; no paired test was run)');
  });

  it('says what McNemar’s test finds for the Basic CNN, whichever way', () => {
    // In the bundle's order: the first simplification (the Basic CNN) right after the reference network.
    const withBasic = [models[0]!, model('basic-cnn', 0.991, [0.988, 0.993]), ...models.slice(1)];
    const tie = computeFacts(manifest([cmp('resnet50', 'tiny-cnn', 10, 14, 0.54), cmp('resnet50', 'gap-cnn', 40, 10, 1e-5), cmp('resnet50', 'basic-cnn', 8, 9, 1)]), withBasic);
    expect(prose.basicText(tie)).toContain('McNemar’s test does not separate the two');
    const lose = computeFacts(manifest([cmp('resnet50', 'tiny-cnn', 10, 14, 0.54), cmp('resnet50', 'gap-cnn', 40, 10, 1e-5), cmp('resnet50', 'basic-cnn', 30, 2, 1e-6)]), withBasic);
    expect(prose.basicText(lose)).toContain('McNemar’s test finds ResNet50 more accurate.');
  });
});
