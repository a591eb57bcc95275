#!/usr/bin/env bash
# Submits the study to SLURM from the login node: the plan (on the login node, which has
# the network), an array of $SHARDS shard tasks, and the merge chained after them with
# --dependency=afterok. Run from the project folder (docs/scale-out.md):
#   PROFILE=full SHARDS=20 scripts/slurm/submit.sh [extra sbatch options, e.g. --partition=cpu]
set -euo pipefail
: "${SHARDS:?SHARDS: how many array tasks (shards)}"
export PROFILE="${PROFILE:-full}"
# The plan decodes the data, runs the audit and fetches the ImageNet weights into the
# cache here, once; its hash pins every task to the same runs.
bash scripts/study/plan.sh
PLAN_HASH="$(node -p 'JSON.parse(require("fs").readFileSync(process.env.PLAN_JSON || "plan.json", "utf8")).planHash.slice(0, 16)')"
export PLAN_HASH
array="$(sbatch --parsable --array="1-${SHARDS}" --export=ALL "$@" scripts/slurm/study.sbatch)"
array="${array%%;*}"
merge="$(sbatch --parsable --dependency="afterok:${array}" --kill-on-invalid-dep=yes --export=ALL "$@" scripts/slurm/merge.sbatch)"
echo "plan ${PLAN_HASH}: array job ${array} (${SHARDS} shards), merge job ${merge} after it"
