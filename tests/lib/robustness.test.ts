/** The robustness section's numbers and sentences on small bundles whose answers are known, both ways round. */
import { describe, expect, it } from 'vitest';
import { encodePredictions, type Manifest, type ModelResult, type Robustness } from '../../schema/results.ts';
import { robustnessSummary, robustnessText } from '../../src/lib/robustness.ts';

const classes = 3;
const n = 60;
const labels = Array.from({ length: n }, (_, i) => i % classes);
const ids = ['noise-a', 'blur-b'];
const corruptions = { source: 'MedMNIST-C', parameters: 'OrganAMNIST', rescaling: '', list: ids.map((id, i) => ({ id, name: id, family: i ? ('blur' as const) : ('noise' as const), params: [1, 2, 3, 4, 5] })) };

/** A record whose prediction for image i at severity s (0 = clean) is right unless wrong(i, s). */
function record(wrong: (i: number, s: number) => boolean): Robustness {
  const predict = (s: number) => labels.map((l, i) => (wrong(i, s) ? (l + 1) % classes : l));
  const be = (p: number[]) => {
    const recall = [0, 1, 2].map((c) => p.filter((x, i) => labels[i] === c && x === c).length / labels.filter((l) => l === c).length);
    return 1 - recall.reduce((a, b) => a + b, 0) / classes;
  };
  return {
    images: n,
    seed: 1,
    labels: encodePredictions(classes, labels),
    clean: be(predict(0)),
    cleanPredictions: encodePredictions(classes, predict(0)),
    corruptions: ids.map((id) => ({ id, balancedError: [1, 2, 3, 4, 5].map((s) => be(predict(s))), predictions: [1, 2, 3, 4, 5].map((s) => encodePredictions(classes, predict(s))) })),
  };
}

const model = (id: string, name: string, role: ModelResult['role'], robustness: Robustness, studyPick = false) => ({ id, name, role, studyPick, robustness }) as unknown as ModelResult;
const manifest = (baseline?: Robustness) => ({ dataset: { classes: ['a', 'b', 'c'] }, corruptions, baselines: baseline ? [{ id: 'nearest-neighbour', name: '1-NN', robustness: baseline }] : [] }) as unknown as Manifest;

// The reference errs on 2 images per severity step (clean: none); "Sturdy" never errs; "Fragile" errs on 6 per step; "Twin" errs exactly like the reference.
const reference = record((i, s) => i < 2 * s);
const sturdy = record(() => false);
const fragile = record((i, s) => i < 6 * s);

describe('robustness summary', () => {
  it('normalises by the reference network as MedMNIST-C does, with paired intervals', () => {
    const s = robustnessSummary(manifest(), [model('ref', 'Reference', 'reference', reference), model('sturdy', 'Sturdy', 'simplification', sturdy), model('fragile', 'Fragile', 'simplification', fragile)])!;
    expect(s.reference).toBe('ref');
    const [ref, st, fr] = s.rows;
    expect(ref!.clean).toBe(0);
    expect(ref!.mean).toBeCloseTo(6 / 60, 12); // 2, 4, …, 10 of 60 wrong: mean 6 of 60
    expect(ref!.normalised).toBeNull();
    expect(st!.mean).toBe(0);
    expect(st!.normalised).toBe(0);
    expect(fr!.normalised).toBeCloseTo(3, 12);
    expect(fr!.relative).toBeCloseTo(3, 12);
    expect(st!.vsReference!.ci[1]).toBeLessThan(0);
    expect(fr!.vsReference!.ci[0]).toBeGreaterThan(0);
    expect(ref!.meanCI[0]).toBeLessThanOrEqual(ref!.mean);
    expect(ref!.meanCI[1]).toBeGreaterThanOrEqual(ref!.mean);
    // Severity 0 in the chart rows is the clean error.
    expect(fr!.byFamily.find((r) => r.family === 'blur' && r.severity === 0)!.balancedError).toBe(0);
    expect(fr!.byFamily.find((r) => r.family === 'blur' && r.severity === 5)!.balancedError).toBeCloseTo(0.5, 12);
  });

  it('says which networks err less, which more, and which the test does not separate', () => {
    const models = [
      model('ref', 'Reference', 'reference', reference),
      model('sturdy', 'Sturdy', 'simplification', sturdy),
      model('fragile', 'Fragile', 'simplification', fragile, true),
      model('twin', 'Twin', 'added', reference),
    ];
    const text = robustnessText(robustnessSummary(manifest(), models)!, models).join(' ');
    expect(text).toContain("On the same 60 test images, under 2 corruptions at five severities each, Reference's mean balanced error rises from 0.0% on the clean images to 10.0%");
    expect(text).toMatch(/Sturdy −10\.0 pp \(.*\) errs less under corruption than Reference/);
    expect(text).toMatch(/Fragile \+20\.0 pp \(.*\) errs more/);
    expect(text).toContain('for Twin ±0.0 pp (±0.0 pp to ±0.0 pp) the interval of the difference includes zero');
    expect(text).toContain('The study called Fragile the best balance of accuracy, efficiency and generalisation; under corruption its mean balanced error ranks 4 of 4 among the networks (lowest first), behind Sturdy, Reference and Twin.');
  });

  it('words the contrary bundle the other way, and includes the baselines measured on the same images', () => {
    const models = [model('ref', 'Reference', 'reference', fragile), model('sturdy', 'Sturdy', 'simplification', reference, true)];
    const s = robustnessSummary(manifest(record(() => true)), models)!;
    expect(s.rows.map((r) => r.name)).toEqual(['Reference', 'Sturdy', '1-NN']);
    const text = robustnessText(s, models).join(' ');
    expect(text).toMatch(/Sturdy −20\.0 pp .* errs less under corruption than Reference/);
    expect(text).toMatch(/1-NN \+\d+\.\d pp .* errs more/);
    expect(text).toContain('ranks first among the networks');
    expect(text).not.toContain('includes zero');
  });

  it('normalises nothing without a reference network, and is absent without corruptions', () => {
    const models = [model('a', 'A', 'simplification', sturdy), model('b', 'B', 'added', fragile)];
    const s = robustnessSummary(manifest(), models)!;
    expect(s.reference).toBeNull();
    expect(s.rows.every((r) => r.normalised === null && r.vsReference === null)).toBe(true);
    expect(robustnessText(s).join(' ')).toContain('No reference network was measured, so nothing is normalised.');
    expect(robustnessSummary({ ...manifest(), corruptions: undefined }, models)).toBeNull();
  });
});
