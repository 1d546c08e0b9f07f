#!/usr/bin/env bash
# A/B of `create` then `start` (what a pod supervisor that pre-creates its app containers runs) on the compiled
# restricted pod bundle of restricted-ab.sh: two builds of garrison-oci (each directory holds garrison-oci and
# garrison-init) and crun, in interleaved rounds (bench/oci/create-start.py), wall time of each step, medians; then
# the CPU time of `start` alone (`perf stat`, every process and thread), medians. As in restricted-ab.sh the wall-time
# rounds use a copy of the bundle without cpu.shares 2 (a BestEffort set-up waits behind every runnable task).
# Needs root, perf, crun, python3 and a release `garrison` to compile the pod.
# BESTEFFORT=1 runs the wall-time rounds on the bundle as compiled (cpu.shares 2, a BestEffort pod's), which is what a
# pod start on a busy node sees.
# Usage: bench/oci/create-start-ab.sh A_DIR B_DIR [GARRISON]   (ROUNDS=30, BESTEFFORT=0)
set -euo pipefail
cd "$(dirname "$0")/../.."
A=$1; B=$2; G=${3:-$A/garrison}
[ -x "$G" ] || G=.build-release/release/garrison
. bench/oci/restricted-bundle.sh
restricted_ab_setup createstart "$A" "$G"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
wall=$work/noshares
[ "${BESTEFFORT:-0}" = 1 ] && wall=$bundle
python3 bench/oci/create-start.py "${ROUNDS:-30}" "$wall" \
  "A=$A/garrison-oci --root $work/sa" "B=$B/garrison-oci --root $work/sb" "crun=$crun --root $work/sc"
echo "CPU of \`start\` after \`create\` on the bundle as compiled (cpu.shares 2), medians of ${ROUNDS:-30} interleaved rounds:"
for r in $(seq 1 "${ROUNDS:-30}"); do
  for v in A B crun; do
    case $v in
      A) rt="$A/garrison-oci --root $work/sa" ;;
      B) rt="$B/garrison-oci --root $work/sb" ;;
      crun) rt="$crun --root $work/sc" ;;
    esac
    $rt create --bundle "$bundle" p >/dev/null 2>&1 </dev/null
    perf stat -x, -e task-clock,page-faults -o "$work/start-$v-$r" $rt start p >/dev/null 2>&1 </dev/null
    sleep 0.02
    $rt delete --force p >/dev/null 2>&1 </dev/null || { sleep 0.2; $rt delete --force p >/dev/null 2>&1 </dev/null; }
  done
done
python3 - "$work" <<'PY'
import glob, statistics, sys
w = sys.argv[1]
print("| runtime | CPU of start, all processes and threads | its page faults |")
print("|---|---:|---:|")
for v in ["A", "B", "crun"]:
    tc, pf = [], []
    for f in glob.glob(f"{w}/start-{v}-*"):
        for line in open(f):
            p = line.split(",")
            if len(p) > 3 and p[2] == "task-clock": tc.append(float(p[0]))
            if len(p) > 3 and p[2] == "page-faults": pf.append(int(p[0]))
    print(f"| {v} | {statistics.median(tc):.2f} ms | {statistics.median(pf):.0f} |")
PY
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
