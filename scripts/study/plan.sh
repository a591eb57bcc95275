#!/usr/bin/env bash
# The study's plan: every run, its estimated cost and its shard (docs/scale-out.md).
# The commands of the GitHub Actions `study` workflow's plan job, and of SLURM's and
# Kubernetes' set-up step. Environment:
#   PROFILE        pipeline profile (default full)
#   SHARDS         number of shards (default 1)
#   LANES          runs one machine trains side by side, for the wall-time estimate (default: its cores)
#   PLAN_JSON      where the plan goes (default plan.json)
#   CACHE_DIR      the cache: decoded data, audit, ImageNet weights, model store (default .cache)
#   PIPELINE_ARGS  further options for every pipeline command (e.g. --data PATH --models a,b)
# On GitHub Actions it also sets the job outputs `matrix` (for fromJSON) and `plan-hash`.
set -euo pipefail
plan_json="${PLAN_JSON:-plan.json}"
# shellcheck disable=SC2086 # PIPELINE_ARGS is a list of options
npm run --silent pipeline -- plan --profile "${PROFILE:-full}" --shards "${SHARDS:-1}" ${LANES:+--lanes "$LANES"} \
  --cache-dir "${CACHE_DIR:-.cache}" --json "$plan_json" ${PIPELINE_ARGS:-}
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  node -e 'const p = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log("matrix=" + JSON.stringify(p.matrix)); console.log("plan-hash=" + p.planHash.slice(0, 16));' "$plan_json" >> "$GITHUB_OUTPUT"
fi
