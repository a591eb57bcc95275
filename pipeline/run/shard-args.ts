/**
 * The command line's scale-out arguments (cli.ts): `--shard K/N` or `auto/N` and `--time-limit`.
 * Kept apart from the pipeline's heavy imports, so usage errors answer instantly.
 */
/** GitHub Actions runs at most 256 jobs from one matrix: the most shards a plan has. */
export const MAX_SHARDS = 256;

/** `5h30m`, `90m`, `600s`, `2h`, or plain seconds → seconds; null if not a duration. */
export function parseDuration(text: string): number | null {
  const t = text.trim();
  if (/^[0-9]+$/.test(t)) return Number(t) || null;
  const m = /^(?:([0-9]+)h)?\s*(?:([0-9]+)m(?:in)?)?\s*(?:([0-9]+)s)?$/.exec(t);
  if (!m || (!m[1] && !m[2] && !m[3])) return null;
  const seconds = Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
  return seconds > 0 ? seconds : null;
}

/** K of `--shard K/N`, `auto/N` read from the environment (see --help); a one-line error when it cannot be had. */
export function parseShard(text: string, env: NodeJS.ProcessEnv): { index: number; count: number } | string {
  const m = /^(auto|[0-9]+)\/([0-9]+)$/.exec(text.trim());
  if (!m) return `--shard: expected K/N or auto/N (e.g. 2/8), got "${text}"`;
  const count = Number(m[2]);
  if (count < 1 || count > MAX_SHARDS) return `--shard: N must be 1 to ${MAX_SHARDS}, got ${count}`;
  let index: number;
  let from = '';
  if (m[1] !== 'auto') index = Number(m[1]);
  else if (env.SHARD_INDEX) [index, from] = [Number(env.SHARD_INDEX), ` (from SHARD_INDEX=${env.SHARD_INDEX})`];
  else if (env.SLURM_ARRAY_TASK_ID) {
    index = Number(env.SLURM_ARRAY_TASK_ID) - Number(env.SLURM_ARRAY_TASK_MIN ?? 1) + 1;
    from = ` (from SLURM_ARRAY_TASK_ID=${env.SLURM_ARRAY_TASK_ID}, SLURM_ARRAY_TASK_MIN=${env.SLURM_ARRAY_TASK_MIN ?? 'unset, taken as 1'})`;
  } else if (env.JOB_COMPLETION_INDEX) [index, from] = [Number(env.JOB_COMPLETION_INDEX) + 1, ` (from JOB_COMPLETION_INDEX=${env.JOB_COMPLETION_INDEX}, 0-based)`];
  else return '--shard auto/N: none of SHARD_INDEX, SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX is set';
  if (!Number.isInteger(index) || index < 1 || index > count) return `--shard: K must be 1 to ${count}, got ${Number.isNaN(index) ? 'no number' : index}${from}`;
  return { index, count };
}
