#!/usr/bin/env bash
# The merge: once every shard's store is in $CACHE_DIR/models (copied there, or a shared
# file system), writes the results bundle from it, training nothing: a missing run is
# named and the command exits 1 (docs/scale-out.md). Environment:
#   PROFILE        pipeline profile (default full)
#   CACHE_DIR      the merged cache and model store (default .cache)
#   OUT            the results bundle (default results)
#   BUILD_SITE     1: then build the paper from it into dist/ (astro build)
#   PIPELINE_ARGS  further options (e.g. --data PATH)
set -euo pipefail
# shellcheck disable=SC2086 # PIPELINE_ARGS is a list of options
npm run --silent pipeline -- run --profile "${PROFILE:-full}" --no-train \
  --cache-dir "${CACHE_DIR:-.cache}" --out "${OUT:-results}" ${PIPELINE_ARGS:-}
if [ "${BUILD_SITE:-0}" = 1 ]; then
  RESULTS_DIR="${OUT:-results}" npx astro build
fi
