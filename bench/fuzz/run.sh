#!/usr/bin/env bash
# Long fuzz campaigns: each target until 10 million executions or CAP seconds (default 3600), one at a time,
# niced, with the release fuzz build (FUZZ_CONFIG=debug for the debug one). Raw output: bench/fuzz/results/.
#   bench/fuzz/run.sh [CAP] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/../.."
cap=${1:-3600}
shift || true
targets=("$@")
(( ${#targets[@]} )) || targets=(json yaml quantity runtime-spec init-spec audit tar)
export FUZZ_CONFIG=${FUZZ_CONFIG:-release}
mkdir -p bench/fuzz/results
skip=${FUZZ_SKIP_BUILD:-0}
for t in "${targets[@]}"; do
  FUZZ_SKIP_BUILD=$skip FUZZ_ARGS="-runs=10000000 ${FUZZ_ARGS:-}" FUZZ_WORK=/var/tmp/garrison-fuzz-campaign-$t \
    scripts/fuzz.sh "$t" "$cap" 2>&1 | tee "bench/fuzz/results/$t.txt"
  tail -25 "/var/tmp/garrison-fuzz-campaign-$t/$t.log" > "bench/fuzz/results/$t.libfuzzer-tail.txt" 2>/dev/null || true
  skip=1
done
