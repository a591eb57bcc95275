#!/usr/bin/env bash
# One shard of the study: trains its runs of the plan into the model store
# ($CACHE_DIR/models) and writes no bundle (docs/scale-out.md). The commands of the GitHub
# Actions `study` workflow's matrix jobs, the SLURM array's tasks and the Kubernetes
# Indexed Job's pods. Environment:
#   PROFILE        pipeline profile (default full)
#   SHARDS         number of shards (required)
#   SHARD          this shard, 1 to SHARDS; `auto` (default) takes it from SHARD_INDEX,
#                  SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX
#   PLAN_HASH      refuse to train unless this machine's plan has this hash (from the plan step)
#   TIME_LIMIT     stop before an epoch that would end later than this after the start (e.g. 5h30m);
#                  exit code 75 then, with the checkpoints in the store: run again to resume
#   CACHE_DIR      the cache and model store (default .cache)
#   PIPELINE_ARGS  further options (e.g. --data PATH)
set -euo pipefail
: "${SHARDS:?SHARDS must say how many shards the plan has}"
# shellcheck disable=SC2086 # PIPELINE_ARGS is a list of options
exec npm run --silent pipeline -- run --profile "${PROFILE:-full}" --shard "${SHARD:-auto}/${SHARDS}" \
  ${PLAN_HASH:+--expect-plan "$PLAN_HASH"} ${TIME_LIMIT:+--time-limit "$TIME_LIMIT"} \
  --cache-dir "${CACHE_DIR:-.cache}" ${PIPELINE_ARGS:-}
