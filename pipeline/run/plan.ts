/**
 * The run plan: every run of the study (model × protocol × seed, each with its inputs
 * hash), its estimated cost from the model's measured speed, and the shard it belongs
 * to. Pure data from the resolved jobs (job.ts), so every machine that resolves the same
 * jobs computes the same plan, and a shard needs no scheduler to know its runs.
 *
 * Shards are balanced by estimated cost: longest run first, each onto the shard with the
 * least estimated work so far (ties: the lower shard). A shard's wall time is estimated the
 * same way onto its machine's lanes (models train one per core on wasm: run/workers.ts).
 */
import { createHash } from 'node:crypto';
import type { ModelId, ProfileName, Protocol } from '../../schema/results.ts';
import { UserError } from '../../common/user-error.ts';
import { getModelSpec } from '../models/registry.ts';
import type { ModelJob } from './job.ts';

import { MAX_SHARDS } from './shard-args.ts';

export { MAX_SHARDS };

/** A job's lane-seconds from its model's measured speed (ModelDescriptor.imagesPerSecond, one wasm lane). */
export function estimatedSeconds(job: ModelJob): number {
  const perEpoch = Math.min(job.budget.trainLimit ?? Infinity, job.trainSplit.length);
  // Inference taken as three times the training rate.
  return (job.budget.epochs * perEpoch + (job.validation.length * job.budget.epochs + job.test.length) / 3) / getModelSpec(job.id).imagesPerSecond;
}

/** The estimated seconds of a job's first epoch (training and validation), for the --time-limit check before it starts. */
export function estimatedEpochSeconds(job: ModelJob): number {
  const perEpoch = Math.min(job.budget.trainLimit ?? Infinity, job.trainSplit.length);
  return (perEpoch + job.validation.length / 3) / getModelSpec(job.id).imagesPerSecond;
}

export interface PlannedRun {
  model: ModelId;
  protocol: Protocol;
  seed: number;
  inputsHash: string;
  primary: boolean;
  estimatedSeconds: number;
  /** 1-based. */
  shard: number;
}

export interface ShardSummary {
  shard: number;
  runs: number;
  /** Sum of its runs' estimates (one lane each). */
  laneSeconds: number;
  /** Its runs spread longest first over `lanes` lanes. */
  wallSeconds: number;
}

export interface Plan {
  /** sha256 of the runs' identities and shards: equal plans, equal hashes. */
  planHash: string;
  profile: ProfileName;
  shardCount: number;
  lanes: number;
  runs: PlannedRun[];
  shards: ShardSummary[];
  /** For a GitHub Actions matrix (`fromJSON`): one entry per shard. */
  matrix: { shard: number[] };
}

/** Longest first onto the least loaded of `bins` bins; returns each item's bin and the bins' loads. */
function longestFirst(costs: number[], bins: number): { bin: number[]; loads: number[] } {
  const order = costs.map((c, i) => i).sort((a, b) => costs[b]! - costs[a]! || a - b);
  const loads = new Array<number>(bins).fill(0);
  const bin = new Array<number>(costs.length).fill(0);
  for (const i of order) {
    let best = 0;
    for (let k = 1; k < bins; k++) if (loads[k]! < loads[best]!) best = k;
    bin[i] = best;
    loads[best]! += costs[i]!;
  }
  return { bin, loads };
}

export function makePlan(jobs: ModelJob[], opts: { profile: ProfileName; shards: number; lanes: number }): Plan {
  if (!Number.isInteger(opts.shards) || opts.shards < 1 || opts.shards > MAX_SHARDS) throw new UserError(`--shards: expected 1 to ${MAX_SHARDS} (a GitHub Actions matrix holds at most ${MAX_SHARDS} jobs), got ${opts.shards}`);
  const costs = jobs.map(estimatedSeconds);
  const { bin } = longestFirst(costs, opts.shards);
  const runs: PlannedRun[] = jobs.map((j, i) => ({
    model: j.id,
    protocol: j.protocol,
    seed: j.seed,
    inputsHash: j.inputsHash,
    primary: j.primary,
    estimatedSeconds: Math.round(costs[i]! * 10) / 10,
    shard: bin[i]! + 1,
  }));
  const shards: ShardSummary[] = Array.from({ length: opts.shards }, (_, k) => {
    const mine = runs.filter((r) => r.shard === k + 1).map((r) => r.estimatedSeconds);
    return {
      shard: k + 1,
      runs: mine.length,
      laneSeconds: mine.reduce((a, b) => a + b, 0),
      wallSeconds: Math.max(0, ...longestFirst(mine, Math.max(1, opts.lanes)).loads),
    };
  });
  const identity = runs.map((r) => [r.model, r.protocol, r.seed, r.inputsHash, r.shard]);
  const planHash = createHash('sha256').update(JSON.stringify({ shards: opts.shards, runs: identity })).digest('hex');
  return { planHash, profile: opts.profile, shardCount: opts.shards, lanes: opts.lanes, runs, shards, matrix: { shard: shards.map((s) => s.shard) } };
}

/** The jobs of shard `k` (1-based) of the plan, in the plan's order. */
export function shardJobs(plan: Plan, jobs: ModelJob[], k: number): ModelJob[] {
  const mine = new Set(plan.runs.filter((r) => r.shard === k).map((r) => r.inputsHash));
  return jobs.filter((j) => mine.has(j.inputsHash));
}

export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const h = Math.floor(s / 3600);
  const m = Math.round((s % 3600) / 60);
  return h ? `${h} h ${String(m).padStart(2, '0')} min` : `${m} min`;
}

/** The plan as the terminal shows it: one line per run, one per shard, the totals. */
export function formatPlan(plan: Plan, what: { backend: string }): string {
  const lines: string[] = [];
  const total = plan.runs.reduce((s, r) => s + r.estimatedSeconds, 0);
  lines.push(`plan ${plan.planHash.slice(0, 16)}: profile ${plan.profile}, ${plan.runs.length} runs in ${plan.shardCount} shard${plan.shardCount === 1 ? '' : 's'}`);
  lines.push(`estimates: each model's measured training speed on one wasm lane (imagesPerSecond in its file), inference at a third of it; this machine's backend: ${what.backend}`);
  lines.push('');
  lines.push(['shard', 'model'.padEnd(20), 'protocol', 'seed'.padStart(6), 'inputs hash     ', 'estimate'.padStart(12)].join('  '));
  for (const r of [...plan.runs].sort((a, b) => a.shard - b.shard || b.estimatedSeconds - a.estimatedSeconds)) {
    lines.push([String(r.shard).padStart(5), r.model.padEnd(20), r.protocol.padEnd(8), String(r.seed).padStart(6), r.inputsHash.slice(0, 16), formatDuration(r.estimatedSeconds).padStart(12)].join('  '));
  }
  lines.push('');
  for (const s of plan.shards)
    lines.push(`shard ${s.shard}/${plan.shardCount}: ${s.runs} runs, ${formatDuration(s.laneSeconds)} on one lane, about ${formatDuration(s.wallSeconds)} on a machine with ${plan.lanes} lane${plan.lanes === 1 ? '' : 's'}`);
  const longest = Math.max(...plan.shards.map((s) => s.wallSeconds));
  lines.push(`in all: ${(total / 3600).toFixed(1)} lane-hours; the longest shard takes about ${formatDuration(longest)} on a machine with ${plan.lanes} lane${plan.lanes === 1 ? '' : 's'} (--lanes) at these speeds`);
  return lines.join('\n');
}
