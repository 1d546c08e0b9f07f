#!/usr/bin/env bash
# Compile time per pod on a generated corpus of 10,000 pods, cold and with a warm BPF cache.
# Usage: bench/compile/run.sh [N]   (release build; results printed and appended to bench/compile/RESULTS.md)
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-10000}
bash scripts/setup.sh
command -v hyperfine >/dev/null || apt-get install -y -qq hyperfine >/dev/null
swift build -c release --product garrison >/dev/null
BIN=.build/release/garrison
WORK=$(mktemp -d /var/tmp/garrison-bench-compile.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
python3 bench/compile/generate.py "$N" "$WORK/corpus"
export GARRISON_SECCOMP_CACHE="$WORK/cache"
echo "corpus: $N pods in $(ls "$WORK/corpus" | wc -l) files"
hyperfine --warmup 1 --runs 5 --export-markdown "$WORK/compile.md" \
  --prepare "rm -rf $WORK/cache $WORK/out" -n "cold cache ($N pods)" "$BIN compile -o $WORK/out $WORK/corpus" \
  --prepare "rm -rf $WORK/out" -n "warm cache ($N pods)" "$BIN compile -o $WORK/out $WORK/corpus"
cat "$WORK/compile.md"
/usr/bin/time -f "peak RSS %M KiB, %e s" "$BIN" compile -o "$WORK/out2" "$WORK/corpus" >/dev/null
