/**
 * Where the runs were made and under which budgets, from the runs themselves (Run.provenance,
 * Run.training.budget): for the methods appendix of a study whose runs may come from many
 * machines (docs/scale-out.md). Pure functions of the bundle, phrased here alone.
 */
import type { Budget, Run } from '../../schema/results.ts';
import { int, list, plural } from './format.ts';

/** What these functions read of a model. */
export interface ModelRuns {
  id: string;
  name: string;
  runs?: Run[] | undefined;
}

export interface RunRow {
  model: string;
  protocol: string;
  seed: number;
  shard: string | null;
  machine: string | null;
  backend: string | null;
}

export interface WhereMade {
  runs: number;
  /** Runs that say where they were made (bundles before provenance say nothing). */
  recorded: number;
  machines: number;
  /** Distinct `K/N` shards, or empty when no run came from a shard. */
  shards: string[];
  /** The plans' hashes (one, unless the store mixed plans). */
  plans: string[];
  /** Runs per backend, in order of first appearance. */
  backends: [string, number][];
  rows: RunRow[];
}

export function whereMade(models: readonly ModelRuns[]): WhereMade {
  const rows: RunRow[] = [];
  for (const m of models)
    for (const r of m.runs ?? [])
      rows.push({ model: m.name, protocol: r.protocol, seed: r.seed, shard: r.provenance?.shard ?? null, machine: r.provenance?.machine ?? null, backend: r.provenance?.backend ?? null });
  const made = models.flatMap((m) => (m.runs ?? []).map((r) => r.provenance).filter((p) => p !== undefined));
  const backends = new Map<string, number>();
  for (const p of made) backends.set(p.backend, (backends.get(p.backend) ?? 0) + 1);
  return {
    runs: rows.length,
    recorded: made.length,
    machines: new Set(made.map((p) => p.machine)).size,
    shards: [...new Set(made.map((p) => p.shard).filter((s): s is string => s !== null))].sort((a, b) => Number(a.split('/')[0]) - Number(b.split('/')[0])),
    plans: [...new Set(made.map((p) => p.plan).filter((s): s is string => s !== null))],
    backends: [...backends.entries()],
    rows,
  };
}

/** "The 30 runs were made in 20 shards of plan 3f0c… on 20 machines, all on wasm." (null when no run says). */
export function whereMadeSentence(w: WhereMade): string | null {
  if (w.recorded === 0) return null;
  const runs =
    w.recorded === w.runs
      ? w.runs === 1 ? 'The run was made' : `The ${int(w.runs)} runs were made`
      : `${int(w.recorded)} of the ${int(w.runs)} runs say where they were made: ${w.recorded === 1 ? 'it was' : 'they were'} made`;
  const shards = w.shards.length ? ` in ${plural(w.shards.length, 'shard')} of ${w.plans.length === 1 ? `plan ${w.plans[0]}` : `${w.plans.length} plans`}` : '';
  const machines = ` on ${w.machines === 1 ? 'one machine' : `${int(w.machines)} machines`}`;
  const backends =
    w.backends.length === 1 ? `, all on ${w.backends[0]![0]}` : `: ${list(w.backends.map(([b, n]) => `${plural(n, 'run')} on ${b}`))}`;
  const unsharded = w.shards.length ? w.rows.filter((r) => r.machine !== null && r.shard === null).length : 0;
  return `${runs}${shards}${machines}${backends}${unsharded ? ` (${plural(unsharded, 'run')} outside any shard)` : ''}.`;
}

const budgetKey = (b: Budget) => JSON.stringify([b.epochs, b.batchSize, b.learningRate, b.trainLimit, b.validationLimit, b.testLimit, b.timeLimitSeconds]);

/**
 * Whether every run of every model had one and the same budget, and which runs differ from
 * the rest of their model's runs (a bundle assembled from stores of different budgets).
 */
export function runBudgets(models: readonly ModelRuns[]): { same: boolean; differing: string[] } {
  const differing: string[] = [];
  const commons = new Set<string>();
  for (const m of models) {
    const runs = (m.runs ?? []).filter((r) => r.training);
    const counts = new Map<string, number>();
    for (const r of runs) counts.set(budgetKey(r.training!.budget), (counts.get(budgetKey(r.training!.budget)) ?? 0) + 1);
    const common = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
    if (common !== undefined) commons.add(common);
    for (const r of runs) {
      const b = r.training!.budget;
      if (budgetKey(b) !== common) differing.push(`${m.name} (${r.protocol}, seed ${r.seed}: ${plural(b.epochs, 'epoch')} of ${b.trainLimit === null ? 'all' : int(b.trainLimit)} training images)`);
    }
  }
  return { same: commons.size <= 1 && differing.length === 0, differing };
}

/** The appendix's line on reductions when the profile has none: every run under the study's budget, or which runs are not. */
export function fullBudgetSentence(models: readonly ModelRuns[]): string {
  const b = runBudgets(models);
  if (b.same) return 'none: every model trained under the same budget, the study’s own, so the comparisons are made under identical conditions.';
  return `none in the profile, but not every run had the same budget: ${list(b.differing.length ? b.differing : models.map((m) => m.name))}.`;
}
