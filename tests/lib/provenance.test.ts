/** Where the runs were made and under which budgets, in the appendix's words (src/lib/provenance.ts). */
import { describe, it, expect } from 'vitest';
import { fullBudgetSentence, runBudgets, whereMade, whereMadeSentence, type ModelRuns } from '../../src/lib/provenance.ts';
import type { Budget, Run, RunProvenance } from '../../schema/results.ts';

const STUDY: Budget = { epochs: 10, batchSize: 64, learningRate: 0.001, trainLimit: null, validationLimit: null, testLimit: null, timeLimitSeconds: null };

function run(protocol: 'image' | 'grouped', seed: number, budget: Budget, provenance?: Partial<RunProvenance>): Run {
  return {
    protocol,
    seed,
    inputsHash: 'a'.repeat(64),
    training: { budget, epochsCompleted: budget.epochs, trainImages: 100, validationImages: 10, seconds: 1, stoppedEarly: null, history: [] },
    evaluation: {} as Run['evaluation'],
    ...(provenance ? { provenance: { backend: 'wasm', adapter: null, machine: '0badcafe', cpu: 'cpu', cores: 4, shard: null, plan: null, finishedAt: '2026-12-06T00:00:00Z', ...provenance } } : {}),
  };
}

const sharded = (k: number, backend: RunProvenance['backend'] = 'wasm') => ({ shard: `${k}/3`, plan: '3f0c1d2e4a5b6c7d', machine: `m${k}`, backend });

describe('where the runs were made', () => {
  it('counts shards, machines and backends from the runs', () => {
    const models: ModelRuns[] = [
      { id: 'tiny-cnn', name: 'TinyCNN', runs: [run('image', 42, STUDY, sharded(1)), run('grouped', 42, STUDY, sharded(2))] },
      { id: 'resnet50', name: 'ResNet50', runs: [run('image', 42, STUDY, sharded(3, 'tensorflow-gpu')), run('grouped', 42, STUDY, sharded(3, 'tensorflow-gpu'))] },
    ];
    const w = whereMade(models);
    expect(w).toMatchObject({ runs: 4, recorded: 4, machines: 3, shards: ['1/3', '2/3', '3/3'], plans: ['3f0c1d2e4a5b6c7d'] });
    expect(w.rows[2]).toEqual({ model: 'ResNet50', protocol: 'image', seed: 42, shard: '3/3', machine: 'm3', backend: 'tensorflow-gpu' });
    expect(whereMadeSentence(w)).toBe('The 4 runs were made in 3 shards of plan 3f0c1d2e4a5b6c7d on 3 machines: 2 runs on wasm and 2 runs on tensorflow-gpu.');
  });

  it('one machine, no shards; and a bundle from before provenance says nothing', () => {
    const one = [{ id: 'tiny-cnn', name: 'TinyCNN', runs: [run('image', 42, STUDY, {}), run('image', 43, STUDY, {})] }];
    expect(whereMadeSentence(whereMade(one))).toBe('The 2 runs were made on one machine, all on wasm.');
    expect(whereMadeSentence(whereMade([{ id: 'tiny-cnn', name: 'TinyCNN', runs: [run('image', 42, STUDY, sharded(1))] }]))).toBe('The run was made in 1 shard of plan 3f0c1d2e4a5b6c7d on one machine, all on wasm.');
    const old = [{ id: 'tiny-cnn', name: 'TinyCNN', runs: [run('image', 42, STUDY)] }];
    expect(whereMadeSentence(whereMade(old))).toBeNull();
    const mixed = [{ id: 'tiny-cnn', name: 'TinyCNN', runs: [run('image', 42, STUDY, sharded(1)), run('image', 43, STUDY, {}), run('image', 44, STUDY)] }];
    expect(whereMadeSentence(whereMade(mixed))).toBe('2 of the 3 runs say where they were made: they were made in 1 shard of plan 3f0c1d2e4a5b6c7d on 2 machines, all on wasm (1 run outside any shard).');
  });
});

describe('the budget of every run', () => {
  it('every run under the study’s budget: every model trained under the same budget', () => {
    const models = [
      { id: 'tiny-cnn', name: 'TinyCNN', runs: [run('image', 42, STUDY), run('grouped', 42, STUDY)] },
      { id: 'resnet50', name: 'ResNet50', runs: [run('image', 42, STUDY)] },
    ];
    expect(runBudgets(models)).toEqual({ same: true, differing: [] });
    expect(fullBudgetSentence(models)).toMatch(/^none: every model trained under the same budget, the study’s own, so the comparisons are made under identical conditions\.$/);
  });

  it('mixed budgets: the runs that differ from their model’s others are named', () => {
    const cpu: Budget = { ...STUDY, epochs: 2, trainLimit: 12_000 };
    const models = [
      { id: 'tiny-cnn', name: 'TinyCNN', runs: [run('image', 42, STUDY), run('image', 43, STUDY), run('grouped', 42, cpu)] },
      { id: 'resnet50', name: 'ResNet50', runs: [run('image', 42, STUDY)] },
    ];
    const b = runBudgets(models);
    expect(b.same).toBe(false);
    expect(b.differing).toEqual(['TinyCNN (grouped, seed 42: 2 epochs of 12,000 training images)']);
    expect(fullBudgetSentence(models)).toBe('none in the profile, but not every run had the same budget: TinyCNN (grouped, seed 42: 2 epochs of 12,000 training images).');
    // Models with different budgets (the cpu profile) are not "runs that differ": the budget table shows them.
    expect(runBudgets([{ id: 'a', name: 'A', runs: [run('image', 42, cpu)] }, { id: 'b', name: 'B', runs: [run('image', 42, STUDY)] }])).toEqual({ same: false, differing: [] });
  });
});
