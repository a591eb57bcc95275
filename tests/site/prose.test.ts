/**
 * The paper's sentence templates (src/lib/prose.ts) on bundles where the results fall
 * every way: the study's outcome, a loss to ResNet50, ties, one model, a perfect model,
 * a validation dip. Each sentence must stay grammatical and say what the data say.
 * Unit tests: no site is built (they run in the site project because they pin the
 * paper's text).
 */
import { describe, expect, it } from 'vitest';
import { Manifest, type ModelId, type ModelResult } from '../../schema/results.ts';
import { MODEL_IDS } from '../../pipeline/models/registry.ts';
import { computeFacts, largestDip, mostConfused, errors, type Facts } from '../../src/lib/facts.ts';
import * as prose from '../../src/lib/prose.ts';
import { headline } from '../../src/lib/headline.ts';
import { dec, pct, pctRange } from '../../src/lib/format.ts';
import { CLASSES, modelResult } from '../helpers/study-bundle.ts';

interface Spec {
  accuracy: number;
  ci?: [number, number];
  params: number;
  convs?: number;
  init?: 'random' | 'imagenet';
  val?: number[];
  errors?: number;
  testImages?: number;
}

/** A schema-valid model with the given test accuracy, interval, size, depth and validation curve. */
function model(id: ModelId, s: Spec): ModelResult {
  const m = structuredClone(modelResult(id, { params: s.params, epochs: s.val?.length ?? 3 }));
  const n = s.testImages ?? 5895;
  const errors = s.errors ?? Math.round((1 - s.accuracy) * n);
  m.evaluation.testImages = n;
  m.evaluation.accuracy = s.accuracy;
  // A Wilson interval reaches 1 only for a perfect score.
  m.evaluation.accuracyCI95 = s.ci ?? [Math.max(0, s.accuracy - 0.003), s.accuracy === 1 ? 1 : s.accuracy + (1 - s.accuracy) / 2];
  // Errors: AbdomenCT taken for the next class, the rest correct.
  const per = Math.floor(n / CLASSES.length);
  m.evaluation.confusion = CLASSES.map((_, i) => CLASSES.map((_, j) => (i === j ? per - (i === 0 ? errors : 0) : i === 0 && j === 1 ? errors : 0)));
  m.evaluation.perClass = CLASSES.map((c, i) => ({ class: c, precision: 1, recall: 1, f1: i === 0 ? s.accuracy : 1, support: per }));
  m.layers = Array.from({ length: s.convs ?? 2 }, (_, k) => ({ name: `conv${k + 1}`, type: 'Conv2D', outputShape: [8, 8, 8], params: 10, macs: 10 }));
  m.initialWeights = { kind: s.init ?? 'random', source: null };
  if (s.val) m.training.history = m.training.history.map((h, k) => ({ ...h, valAccuracy: s.val![k]! }));
  m.training.trainImages = 47_164;
  return m;
}

function manifest(models: ModelResult[], reductions: string[] = []): Manifest {
  return Manifest.parse({
    schemaVersion: 1,
    profile: {
      name: reductions.length ? 'cpu' : 'full',
      description: 'test profile',
      studyBudget: 'every model trained for 10 epochs on the whole training split with Adam (learning rate 0.001, batch 64)',
      budgets: Object.fromEntries(MODEL_IDS.map((id) => [id, (models.find((m) => m.id === id) ?? models[0]!).training.budget])),
      reductions,
    },
    seed: 42,
    dataset: {
      source: '/home/someone/data/medical-mnist.zip',
      fingerprint: 'a'.repeat(64),
      classes: CLASSES,
      counts: CLASSES.map(() => 1000),
      total: 6000,
      ignored: { hidden: 0, nonImage: 0 },
      skipped: [],
      converted: { resized: 0, colour: 0 },
      duplicates: { groups: 0, files: 0 },
    },
    split: {
      seed: 42,
      ratios: { train: 0.8, validation: 0.1, test: 0.1 },
      sizes: { train: 47_164, validation: 5895, test: 5895 },
      perClass: { train: CLASSES.map(() => 1), validation: CLASSES.map(() => 1), test: CLASSES.map(() => 1) },
    },
    environment: { backend: 'cpu', backendNotes: [], versions: {}, platform: 'linux', cpu: 'cpu', cpuCount: 2 },
    git: { commit: null, dirty: null },
    startedAt: '2025-01-01T00:00:00Z',
    finishedAt: '2025-01-01T01:00:00Z',
    samples: { file: 'samples.u8', testIndices: [0], labels: [0], files: ['AbdomenCT/0.jpeg'] },
    models: models.map((m) => ({ id: m.id, file: `models/${m.id}.json`, status: 'trained' })),
  });
}

const facts = (models: ModelResult[], reductions: string[] = []): Facts => computeFacts(manifest(models, reductions), models);

/** Every data-dependent sentence of the paper for a bundle. */
function allText(f: Facts): string[] {
  const notice = prose.runNotice(f);
  const errs = prose.errorsText(f);
  return [
    headline(f).description,
    ...(notice.reduced ?? []),
    notice.baseline ?? '',
    prose.basicText(f) ?? '',
    prose.variantsIntro(f),
    prose.budgetText(f),
    ...prose.learningText(f),
    errs.perfect ?? '',
    ...errs.items,
    prose.classesText(f),
    prose.costText(f),
    prose.claimText(f) ?? '',
    prose.pickText(f),
    ...prose.conclusionText(f),
  ].filter((t) => t !== '');
}

/** What no careful author prints. */
function expectWellFormed(texts: string[]): void {
  for (const t of texts) {
    expect(t, t).not.toMatch(/undefined|NaN|null|\[object|Infinity/);
    expect(t, t).not.toMatch(/ {2}| ,| \.|\.\.|,,|;;|\( /);
    expect(t, t).toMatch(/^[A-Z0-9“(]/);
    expect(t, t).toMatch(/[.:)]$/);
    // A comparison names its test (McNemar's, or intervals with "no paired test"); no vague verdicts.
    expect(t, t).not.toMatch(/sampling noise|indistinguishable|measurabl|at epoch \d+ at its last epoch|\bon \d+ epochs? on\b/);
  }
}

// The study's outcome: compact CNNs within noise of (or above) a random-init ResNet50, GAP CNN the best.
const study = () => [
  model('resnet50', { accuracy: 0.9912, params: 23_600_000, convs: 53, ci: [0.9884, 0.9933], val: [0.95, 0.99] }),
  model('basic-cnn', { accuracy: 0.9966, params: 1_140_000, convs: 3, val: [0.985, 0.996] }),
  model('tiny-cnn', { accuracy: 0.9981, params: 822_000, convs: 2, val: [0.992, 0.997, 0.998] }),
  model('reduced-filter-cnn', { accuracy: 0.9981, params: 51_100, convs: 2, val: [0.993, 0.996, 0.998] }),
  model('gap-cnn', { accuracy: 0.99966, params: 102_000, convs: 3, ci: [0.9988, 0.9999], errors: 2, val: [0.991, 0.97, 0.999] }),
];

if (process.env.DUMP_PROSE) {
  it('dumps', () => {
    const models = [
      model('resnet50', { accuracy: 0.995, ci: [0.993, 0.997], params: 23_600_000, convs: 53, init: 'imagenet' }),
      model('tiny-cnn', { accuracy: 0.97, ci: [0.965, 0.975], params: 822_000 }),
      model('gap-cnn', { accuracy: 0.98, ci: [0.976, 0.984], params: 102_000, convs: 3 }),
    ];
    for (const f of [facts(study(), ['ResNet50: 2 epochs instead of 10.', 'TinyCNN: 3 epochs instead of 10.']), facts(models)]) console.log(allText(f).join('\n'));
  });
}

describe('facts', () => {
  it('sorts compact models against ResNet50 by interval, groups epochs, finds dips and confusions', () => {
    const f = facts(study());
    expect(f.versusBaseline.better.map((m) => m.id)).toEqual(['basic-cnn', 'tiny-cnn', 'reduced-filter-cnn', 'gap-cnn']);
    expect(f.versusBaseline.tied).toEqual([]);
    expect(f.reaching.map((g) => [g.epoch, g.models.map((m) => m.id)])).toEqual([
      [1, ['tiny-cnn', 'reduced-filter-cnn', 'gap-cnn']],
      [2, ['resnet50', 'basic-cnn']],
    ]);
    expect(f.best.id).toBe('gap-cnn');
    expect(f.smallestMatchingBest.id).toBe('reduced-filter-cnn');
    const dip = largestDip(f.byId('gap-cnn')!)!;
    expect([dip.epoch, dip.from, dip.to, dip.last]).toEqual([2, 0.991, 0.97, 0.999]);
    expect(largestDip(f.byId('tiny-cnn')!)).toBeNull();
    expect(errors(f.byId('gap-cnn')!)).toBe(2);
    expect(mostConfused(f.byId('gap-cnn')!, CLASSES)).toEqual({ actual: 'AbdomenCT', predicted: 'BreastMRI', count: 2, ofSupport: 982 });
    expect(f.deepestCompact!.id).toBe('gap-cnn'); // 3 convolutions, as Basic CNN, and more accurate
  });
});

describe('numbers are as precise as the data', () => {
  it('never prints 2 errors in 5,895 as 100.0%, nor an F1 below 1 as 1.000', () => {
    expect(pct(5893 / 5895)).toBe('99.97%');
    expect(pct(1)).toBe('100.0%');
    expect(pct(0.987)).toBe('98.7%');
    expect(pct(0.0002)).toBe('0.02%');
    expect(dec(0.99966, 3)).toBe('0.9997');
    expect(dec(1, 3)).toBe('1.000');
    expect(dec(0.254, 3)).toBe('0.254');
    expect(pctRange([0.9988, 0.99996])).toBe('99.9–99.996%');
  });

  it('prints the best model of the study bundle short of 100%', () => {
    const f = facts(study());
    expect(prose.pickText(f)).toContain('99.97%');
    expect(allText(f).join(' ')).not.toContain('100.0%');
  });
});

describe('sentence templates', () => {
  it('word the study’s outcome with its conditions, and never call the best model "as accurate as the best"', () => {
    const f = facts(study(), ['ResNet50: 2 epochs instead of 10.', 'ResNet50: starts from random weights; the study fine-tuned ImageNet weights (pass --imagenet-weights to use them).', 'TinyCNN: 3 epochs instead of 10.']);
    const text = allText(f);
    expectWellFormed(text);
    const headlineText = headline(f).description;
    expect(headlineText).toMatch(/random weights/);
    expect(headlineText).toMatch(/reduced “cpu” budget/);
    expect(prose.pickText(f)).not.toMatch(/as accurate as the best/);
    expect(prose.pickText(f)).toMatch(/Global|GAP/);
    // The conclusion names ResNet50 where it compares with it, and speaks of no "gap" it has just denied.
    const conclusion = prose.conclusionText(f).join(' ');
    expect(conclusion).toMatch(/not separated from ResNet50|more accurate \(95% intervals apart; no paired test was run\) than ResNet50/);
    expect(conclusion).not.toMatch(/indistinguishable|sampling noise|the gap/);
    expect(conclusion).toMatch(/random weights/);
    // Depth: the best compact model (GAP, 3 convolutions) is also the deepest compact one.
    expect(conclusion).toMatch(/GAP CNN, is also among the deepest \(3 convolutions, as many as Basic CNN\)/);
    // The notice speaks to a reader: grouped by model, no command-line options, no build times.
    const notice = prose.runNotice(f).reduced!.join(' ');
    expect(notice).not.toMatch(/--|npm run|minutes/);
    // Who was cut, not by how much: the budgets are stated once, in the appendix's budget table.
    expect(notice).toContain('ResNet50 and TinyCNN trained on less than its budget');
    expect(notice).not.toMatch(/instead of|\d epochs?/);
    expect(notice).not.toMatch(/random weights/); // said once, in the baseline notice
    expect(prose.runNotice(f).baseline).toMatch(/random weights/);
  });

  it('groups models that first reach 99% at the same epoch, and mentions a validation dip of the best model', () => {
    const f = facts(study());
    const learning = prose.learningText(f);
    expectWellFormed(learning);
    const first = learning[0]!;
    expect(first.match(/1 epoch\b/g)).toHaveLength(1);
    expect(first).toMatch(/after 1 epoch for TinyCNN, Reduced-Filter CNN, and GAP CNN; and 2 epochs for ResNet50 and Basic CNN\./);
    const dip = learning.find((t) => /fell from/.test(t));
    expect(dip).toBeDefined();
    expect(dip).toMatch(/GAP CNN’s validation accuracy, the model with the best test accuracy, fell from 99\.1% to 97\.0% at epoch 2 and recovered to 99\.9%/);
  });

  it('says ResNet50 won when it did, without claiming the study’s conclusion', () => {
    const models = [
      model('resnet50', { accuracy: 0.995, ci: [0.993, 0.997], params: 23_600_000, convs: 53, init: 'imagenet' }),
      model('tiny-cnn', { accuracy: 0.97, ci: [0.965, 0.975], params: 822_000 }),
      model('gap-cnn', { accuracy: 0.98, ci: [0.976, 0.984], params: 102_000, convs: 3 }),
    ];
    const f = facts(models);
    const text = allText(f);
    expectWellFormed(text);
    expect(prose.conclusionText(f).join(' ')).toMatch(/stayed ahead of every compact CNN \(95% intervals apart; no paired test was run\)/);
    expect(prose.conclusionText(f).join(' ')).not.toMatch(/bought no/);
    expect(prose.claimText(f)).toMatch(/No compact CNN reached 99%/);
    expect(prose.claimText(f)).toMatch(/TinyCNN and GAP CNN were less accurate \(95% intervals apart; no paired test was run\)/);
    expect(prose.pickText(f)).toMatch(/The best test accuracy in this run belongs to ResNet50/);
    expect(prose.pickText(f)).toMatch(/The two models with fewer parameters \(TinyCNN and GAP CNN\) have 95% intervals entirely below ResNet50’s\./);
    expect(prose.runNotice(f)).toEqual({ reduced: null, baseline: null });
    // The finding names the winner first, and the conditions each model's start.
    expect(headline(f).description).toMatch(/^On the test split, ResNet50 was the most accurate network, 99\.50% \(one seed\), against GAP CNN’s 98\.00% \(one seed\), the next best; no paired test compared the two\./);
    expect(headline(f).description).toMatch(/ResNet50 trained from ImageNet weights and GAP CNN trained from random weights, under the study’s full budget/);
  });

  it('handles a tie at the top and a tie that is dominated', () => {
    const models = [
      model('tiny-cnn', { accuracy: 0.99, ci: [0.987, 0.992], params: 822_000 }),
      model('reduced-filter-cnn', { accuracy: 0.99, ci: [0.987, 0.992], params: 51_100 }),
    ];
    const f = facts(models);
    expectWellFormed(allText(f));
    expect(prose.pickText(f)).toMatch(/^Reduced-Filter CNN and TinyCNN share the best test accuracy in this run \(99\.0%\)\./);
    expect(prose.costText(f)).toMatch(/TinyCNN was dominated on parameters/);
    expect(f.paretoParams.map((m) => m.id)).toEqual(['reduced-filter-cnn']);
    expect(prose.conclusionText(f).join(' ')).toMatch(/trained no reference network/);
  });

  it('reads for a run of one model', () => {
    const f = facts([model('tiny-cnn', { accuracy: 0.95, params: 822_000, val: [0.9] })]);
    const text = allText(f);
    expectWellFormed(text);
    expect(prose.pickText(f)).toMatch(/^TinyCNN is the only model in this run/);
    expect(prose.classesText(f)).toMatch(/^For TinyCNN, the hardest class was AbdomenCT \(F1 0\.950\)/);
    expect(prose.learningText(f)[0]).toBe('No model reached 99% validation accuracy within its budget.');
    // The one compact model is the run's first simplification, so no later variants remain.
    expect(prose.variantsIntro(f)).toMatch(/none of the study’s lighter variants/);
    expect(prose.claimText(f)).toMatch(/^No compact CNN reached 99%/);
  });

  it('reads for a perfect model and an all-perfect run', () => {
    const some = facts([model('basic-cnn', { accuracy: 0.998, params: 1_140_000, convs: 3 }), model('gap-cnn', { accuracy: 1, ci: [0.9994, 1], params: 102_000, convs: 3, errors: 0 })]);
    expectWellFormed(allText(some));
    expect(prose.errorsText(some).perfect).toBe('GAP CNN made no mistake on the test split.');
    expect(prose.errorsText(some).items).toHaveLength(1);
    const all = facts([model('gap-cnn', { accuracy: 1, ci: [0.9994, 1], params: 102_000, errors: 0 }), model('tiny-cnn', { accuracy: 1, ci: [0.9994, 1], params: 822_000, errors: 0 })]);
    expectWellFormed(allText(all));
    expect(prose.errorsText(all)).toEqual({ perfect: 'Every model classified all its test images correctly.', items: [] });
    expect(prose.classesText(all)).toBe('Averaged over the models, every class scored the same F1 (1.000).');
  });

  it('does not say "identical conditions" of variants that had different budgets', () => {
    const models = study();
    models[2]!.training.budget = { ...models[2]!.training.budget, epochs: 10 };
    const f = facts(models);
    expect(prose.variantsIntro(f)).toMatch(/Here their budgets differ/);
    expect(prose.budgetText(f)).toMatch(/did not all get the same budget/);
    expect(prose.variantsIntro(facts(study()))).toMatch(/so were they here/);
  });
});

describe('designText: the splits and seeds in one clause', () => {
  const withDesign = (protocols: Array<'image' | 'grouped'>, seeds: Partial<Record<ModelId, number>> | undefined): Facts => {
    const models = study();
    const m = manifest(models);
    if (seeds) m.profile.seeds = Object.fromEntries(MODEL_IDS.map((id) => [id, seeds[id] ?? 3])) as Record<ModelId, number>;
    const split = { ...m.split };
    // Records as bundles wrote them before protocols carried names: the reader supplies the names.
    m.protocols = protocols.map((protocol) => ({ protocol, description: protocol, split, leakage: { validation: [], test: [] }, nearestTrainDistance: [], nearestTrainHistogram: [] })) as unknown as typeof m.protocols;
    return computeFacts(Manifest.parse(m), models);
  };

  it("takes the protocols' names from the bundle", () => {
    const f = withDesign(['image', 'grouped'], undefined);
    f.manifest.protocols![1] = { ...f.manifest.protocols![1]!, name: 'patient-level split', clause: 'one that keeps each patient on one side' };
    expect(prose.designText(f)).toBe('on two seeded splits (one per image and one that keeps each patient on one side)');
  });

  it('names both protocols and the model with fewer seeds', () => {
    const t = prose.designText(withDesign(['image', 'grouped'], { resnet50: 1 }));
    expect(t).toBe('on two seeded splits (one per image and one that keeps near-duplicate images together) with 3 seeds per split for every model but ResNet50 (1 seed)');
  });

  it('says one split and no exception when every model has the same seeds', () => {
    expect(prose.designText(withDesign(['image'], {}))).toBe('on one seeded split with 3 seeds for every model');
  });

  it('falls back to one split without seeds for an older bundle', () => {
    expect(prose.designText(facts(study()))).toBe('on one seeded split');
  });
});
