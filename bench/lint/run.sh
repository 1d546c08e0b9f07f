#!/usr/bin/env bash
# Benchmarks `garrison lint` on 10,000 generated pods (100 files of 100 pods) and, when installed,
# checkov on the same files. Uses hyperfine when present (scripts/setup.sh installs it), else `time`.
# checkov runs with --skip-download so it makes no network requests (it otherwise tries its vendor API).
# Usage: bench/lint/run.sh [N]   (from the repository root; builds the release binary if needed)
set -euo pipefail
N="${1:-10000}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
WORK="$(mktemp -d /var/tmp/garrison-lint-bench.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT

BIN="$ROOT/.build/release/garrison"
if [ ! -x "$BIN" ]; then
  (cd "$ROOT" && swift build -c release --product garrison)
fi
python3 "$ROOT/bench/lint/gen_pods.py" "$WORK/pods" "$N"
echo "input: $(du -sh "$WORK/pods" | cut -f1), $(ls "$WORK/pods" | wc -l) files"
echo "machine: $(nproc) cores, $(uname -r)"

# Sanity: what garrison finds.
GARRISON_POLICIES="$ROOT/Policies" "$BIN" lint --fail-on none --format json "$WORK/pods" \
  | python3 -c 'import json,sys; print("garrison summary:", json.load(sys.stdin)["summary"])'

run() { # name, command...
  local name="$1"; shift
  if command -v hyperfine >/dev/null; then
    hyperfine --warmup "${WARMUP:-1}" --runs "${RUNS:-5}" --export-markdown "$WORK/$name.md" -n "$name" "$*" >/dev/null
    cat "$WORK/$name.md" | tail -n +3
  else
    /usr/bin/time -f "$name: %e s, %M KiB max RSS" bash -c "$*" >/dev/null
  fi
}

echo "| command | mean [s] | min [s] | max [s] | relative |"
echo "|---|---|---|---|---|"
run "garrison-lint-text" "GARRISON_POLICIES=$ROOT/Policies $BIN lint --fail-on none $WORK/pods > /dev/null"
run "garrison-lint-sarif" "GARRISON_POLICIES=$ROOT/Policies $BIN lint --fail-on none --format sarif $WORK/pods > /dev/null"
run "garrison-lint-pss-only" "GARRISON_POLICIES=$ROOT/Policies $BIN lint --fail-on none --no-hardening $WORK/pods > /dev/null"
# CPU time (user + sys; garrison parses files and checks objects on every core) and peak memory, several runs.
for i in $(seq "${RUNS:-5}"); do
  GARRISON_POLICIES="$ROOT/Policies" /usr/bin/time -f "garrison: %U s user, %S s sys, %e s wall, %M KiB max RSS" \
    "$BIN" lint --fail-on none "$WORK/pods" > /dev/null
done

if command -v checkov >/dev/null; then
  echo "checkov $(checkov --version 2>/dev/null)"
  checkov -d "$WORK/pods" --framework kubernetes --skip-download --quiet --compact -o json --soft-fail 2>/dev/null \
    | python3 -c 'import json,sys; d=json.load(sys.stdin); d=d[0] if isinstance(d,list) else d; print("checkov summary:", d.get("summary"))' || true
  WARMUP=0 RUNS="${CHECKOV_RUNS:-2}" run "checkov" "checkov -d $WORK/pods --framework kubernetes --skip-download --quiet --compact --soft-fail > /dev/null 2>&1"
  /usr/bin/time -f "checkov max RSS: %M KiB" checkov -d "$WORK/pods" --framework kubernetes --skip-download --quiet --compact --soft-fail > /dev/null 2>&1 || true
else
  echo "checkov not installed (pip install checkov): skipped"
fi
