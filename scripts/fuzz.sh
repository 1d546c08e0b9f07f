#!/usr/bin/env bash
# Builds garrison-fuzz with libFuzzer and AddressSanitizer (LeakSanitizer included) and runs fuzz targets.
#
#   scripts/fuzz.sh [TARGET|all] [SECONDS]        default: all targets, 30 seconds each, one after another
#
# Targets: json yaml quantity runtime-spec init-spec audit tar (the tar target needs root: it chroots).
# Each target starts from a copy of Fuzz/corpus/TARGET plus Fuzz/regressions/TARGET in a scratch directory under
# /var/tmp (the checked-in corpus never grows by itself); libFuzzer runs niced with -max_total_time=SECONDS,
# -timeout, -rss_limit_mb and -max_len. Prints per target the executions, executions per second and corpus size,
# and exits non-zero if any target crashed, leaked, timed out or ran out of memory (the input is kept, path printed).
#
# Environment: FUZZ_CONFIG=debug|release (build configuration, default debug), FUZZ_WORK=DIR (scratch directory,
# default a fresh /var/tmp/garrison-fuzz.XXXXXX, removed at the end unless something was found or FUZZ_KEEP=1),
# FUZZ_SKIP_BUILD=1, FUZZ_ARGS="extra libFuzzer flags".
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

targets_all=(json yaml quantity runtime-spec init-spec audit tar)
target=${1:-all}
seconds=${2:-30}
config=${FUZZ_CONFIG:-debug}
if [[ $target == all ]]; then targets=("${targets_all[@]}"); else targets=("$target"); fi
for t in "${targets[@]}"; do
  [[ " ${targets_all[*]} " == *" $t "* ]] || { echo "fuzz.sh: unknown target $t (${targets_all[*]})" >&2; exit 2; }
done

# Per target: -max_len (bytes) and -timeout (seconds per input).
declare -A max_len=([json]=4096 [yaml]=8192 [quantity]=64 [runtime-spec]=8192 [init-spec]=4096 [audit]=8192 [tar]=8192)
timeout=10

if [[ ${FUZZ_SKIP_BUILD:-0} != 1 ]]; then
  echo "fuzz.sh: building garrison-fuzz ($config, -sanitize=fuzzer,address) in .build-fuzz"
  swift build --product garrison-fuzz -c "$config" --scratch-path .build-fuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING 2>&1 | grep -E "error|warning: unre|Compiling garrison_fuzz|complete!" || true
fi
binary=$repo/.build-fuzz/$config/garrison-fuzz
[[ -x $binary ]] || { echo "fuzz.sh: $binary was not built" >&2; exit 4; }

work=${FUZZ_WORK:-$(mktemp -d /var/tmp/garrison-fuzz.XXXXXX)}
mkdir -p "$work"
failed=()
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:symbolize=1}
# libFuzzer handles a Swift trap (SIGILL) itself; Swift's backtracer would run first and trip AddressSanitizer.
export SWIFT_BACKTRACE=enable=no
printf '%-13s %12s %9s %8s %9s %s\n' target executions exec/s seconds corpus result
for t in "${targets[@]}"; do
  if [[ $t == tar && $(id -u) != 0 ]]; then
    printf '%-13s %12s %9s %8s %9s %s\n' "$t" - - - - "skipped: needs root (it chroots into its scratch directory)"
    continue
  fi
  corpus=$work/corpus/$t artifacts=$work/artifacts/$t
  mkdir -p "$corpus" "$artifacts"
  cp -r "Fuzz/corpus/$t/." "$corpus/"
  [[ -d Fuzz/regressions/$t ]] && cp -r "Fuzz/regressions/$t/." "$corpus/"
  dict=()
  [[ -f Fuzz/dict/$t.dict ]] && dict=(-dict="$repo/Fuzz/dict/$t.dict")
  log=$work/$t.log
  status=0
  started=$(date +%s)
  # shellcheck disable=SC2086
  (cd "$artifacts" && GARRISON_FUZZ_TARGET=$t GARRISON_FUZZ_SCRATCH=$work/scratch-$t nice -n 10 "$binary" \
      -max_total_time="$seconds" -timeout=$timeout -rss_limit_mb=2048 -max_len="${max_len[$t]}" \
      -print_final_stats=1 -artifact_prefix="$artifacts/" "${dict[@]}" ${FUZZ_ARGS:-} "$corpus") >"$log" 2>&1 || status=$?
  # A crash while the tar target was chrooted leaves its artifact inside the scratch directory.
  if [[ -d $work/scratch-$t$artifacts ]]; then
    find "$work/scratch-$t$artifacts" -maxdepth 1 -type f -exec mv {} "$artifacts/" \; 2>/dev/null || true
  fi
  took=$(( $(date +%s) - started ))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  units=$(find "$corpus" -type f | wc -l)
  found=$(find "$artifacts" -maxdepth 1 -type f | head -1)
  if [[ $status == 0 && -z $found ]]; then
    result=ok
  else
    result="FAILED (exit $status) ${found:-}"
    failed+=("$t")
  fi
  printf '%-13s %12s %9s %8s %9s %s\n' "$t" "${execs:-?}" "${rate:-?}" "$took" "$units" "$result"
  if [[ $result != ok ]]; then
    grep -E "FINDING|ERROR: |SUMMARY: |Fatal error|Test unit written|timeout|out-of-memory" "$log" | head -20 | sed 's/^/    /'
    echo "    log: $log"
  fi
done
# The tar target's scratch directories hold device nodes and setuid files from extractions: never leave them.
rm -rf "$work"/scratch-*
if (( ${#failed[@]} )); then
  echo "fuzz.sh: FAILED: ${failed[*]} (inputs and logs kept in $work)"
  exit 1
fi
if [[ ${FUZZ_KEEP:-0} == 1 || -n ${FUZZ_WORK:-} ]]; then echo "fuzz.sh: corpora and logs in $work"; else rm -rf "$work"; fi
echo "fuzz.sh: ${#targets[@]} target(s) ran (up to ${seconds}s each) with no finding"
