#!/usr/bin/env bash
# Benchmarks the audit log: durable append throughput (1 writer, 4 writer processes, THREADS writer threads of one
# process sharing commits; single-event appends and 100-event batches), the fsync latency distribution, and
# report generation and verification over BIG events. Uses the release build of `garrison`.
# Usage: [CONFIG=release|debug] [EVENTS=n] [BIG=n] bench/audit/run.sh [scratch-dir]   (default /var/tmp/garrison-audit-bench-$$; removed at the end)
set -euo pipefail
cd "$(dirname "$0")/../.."
SCRATCH=${1:-/var/tmp/garrison-audit-bench-$$}
EVENTS=${EVENTS:-2000}          # per writer, single-event appends
THREADS=${THREADS:-64}          # writer threads in one process (group commit)
BIG=${BIG:-1000000}             # events for the report benchmark
CONFIG=${CONFIG:-release}       # CONFIG=debug reuses the debug build (much slower CPU-bound phases)
BUILD=${BUILD:-.build}          # BUILD=.build-release uses another scratch path for the build
swift build -c "$CONFIG" --scratch-path "$BUILD" --product garrison >/dev/null
swift build -c "$CONFIG" --scratch-path "$BUILD" --product garrison-cli >/dev/null  # what garrison runs for all but exec
G=$(swift build -c "$CONFIG" --scratch-path "$BUILD" --show-bin-path)/garrison
mkdir -p "$SCRATCH"
trap 'rm -rf "$SCRATCH"' EXIT
now() { date +%s.%N; }
rate() { python3 -c "print(f'{$1/($3-$2):,.0f}')"; }
secs() { python3 -c "print(f'{$2-$1:.2f}')"; }

echo "host: $(nproc) cpus, $(uname -r), filesystem of $SCRATCH: $(df -T "$SCRATCH" | awk 'NR==2{print $2}')"

t0=$(now); "$G" audit append --audit-dir "$SCRATCH/one" --count "$EVENTS" --batch 1 --tag one >/dev/null; t1=$(now)
echo "1 writer, 1 event per fsync:        $(rate "$EVENTS" "$t0" "$t1") events/s"

t0=$(now)
for w in 1 2 3 4; do "$G" audit append --audit-dir "$SCRATCH/four" --count "$EVENTS" --batch 1 --tag "w$w" >/dev/null & done
wait; t1=$(now)
echo "4 writers, 1 event per fsync:       $(rate $((EVENTS * 4)) "$t0" "$t1") events/s (total)"

t0=$(now)
"$G" audit append --audit-dir "$SCRATCH/threads" --count "$EVENTS" --batch 1 --threads "$THREADS" --stats --quiet \
  --tag t 2>"$SCRATCH/threads.stats"
t1=$(now)
echo "$THREADS threads, 1 event per append: $(rate $((EVENTS * THREADS)) "$t0" "$t1") events/s (one process, shared commits)"
echo "  $(cat "$SCRATCH/threads.stats")"

t0=$(now)
"$G" audit append --audit-dir "$SCRATCH/threads10" --count $((EVENTS * 10)) --batch 10 --threads "$THREADS" --stats --quiet \
  --tag t 2>"$SCRATCH/threads10.stats"
t1=$(now)
echo "$THREADS threads, 10 events per append: $(rate $((EVENTS * 10 * THREADS)) "$t0" "$t1") events/s (one process, shared commits)"
echo "  $(cat "$SCRATCH/threads10.stats")"

t0=$(now); "$G" audit append --audit-dir "$SCRATCH/group" --count $((EVENTS * 10)) --batch 100 --tag g >/dev/null; t1=$(now)
echo "1 writer, 100 events per fsync:     $(rate $((EVENTS * 10)) "$t0" "$t1") events/s"

t0=$(now)
for w in 1 2 3 4; do "$G" audit append --audit-dir "$SCRATCH/group4" --count $((EVENTS * 10)) --batch 100 --tag "w$w" >/dev/null & done
wait; t1=$(now)
echo "4 writers, 100 events per fsync:    $(rate $((EVENTS * 40)) "$t0" "$t1") events/s (total)"

t0=$(now); "$G" audit generate --audit-dir "$SCRATCH/big" --count "$BIG" --batch 10000 --pods 200 --spacing 1; t1=$(now)
echo "generate $BIG events (10k/fsync):  $(secs "$t0" "$t1") s, $(du -sh "$SCRATCH/big" | cut -f1) on disk"
for fmt in text json html; do
  t0=$(now); "$G" audit report --audit-dir "$SCRATCH/big" --format $fmt -o "$SCRATCH/report.$fmt"; t1=$(now)
  echo "report --format $fmt over $BIG events: $(secs "$t0" "$t1") s"
done
t0=$(now); "$G" audit verify --audit-dir "$SCRATCH/big" >/dev/null; t1=$(now)
echo "verify $BIG events:                 $(secs "$t0" "$t1") s ($(rate "$BIG" "$t0" "$t1") events/s)"
