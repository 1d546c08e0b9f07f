#!/usr/bin/env bash
# A/B of one container start on a compiled restricted pod bundle (RuntimeDefault seccomp, 353 rules, BPF cache
# warm, cpu.shares 2 as for a BestEffort pod, pids limit, device rules): two builds of garrison-oci (each directory
# holds garrison-oci and garrison-init) and crun, in interleaved rounds (bench/oci/interleaved.py), then the CPU time
# and page faults of each (`perf stat`: every process and thread, and the runtime's main thread alone), medians.
# The wall-time rounds run a copy of the bundle without the cpu.shares of 2: on a busy machine a BestEffort container's
# set-up (its init's, for every runtime alike) waits behind every other runnable task and takes seconds
# (bench/oci/RESULTS.md), which would measure the machine's load rather than the runtime.
# Needs root, perf, crun, python3 and a release `garrison` to compile the pod.
# Usage: bench/oci/restricted-ab.sh A_DIR B_DIR [GARRISON]   (ROUNDS=40)
set -euo pipefail
cd "$(dirname "$0")/../.."
A=$1; B=$2; G=${3:-$A/garrison}
[ -x "$G" ] || G=.build-release/release/garrison
. bench/oci/restricted-bundle.sh
restricted_ab_setup restricted "$A" "$G"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 bench/oci/interleaved.py "${ROUNDS:-40}" \
  "A=$A/garrison-oci --root $work/sa run --bundle $work/noshares a" \
  "B=$B/garrison-oci --root $work/sb run --bundle $work/noshares b" \
  "crun=$crun --root $work/sc run --bundle $work/noshares c"
echo "CPU per run on the bundle as compiled (cpu.shares 2), medians of ${ROUNDS:-40} interleaved rounds:"
for r in $(seq 1 "${ROUNDS:-40}"); do
  for v in A B crun; do
    case $v in
      A) cmd="$A/garrison-oci --root $work/sa run --bundle $bundle a" ;;
      B) cmd="$B/garrison-oci --root $work/sb run --bundle $bundle b" ;;
      crun) cmd="$crun --root $work/sc run --bundle $bundle c" ;;
    esac
    perf stat -x, -e task-clock,page-faults -o "$work/all-$v-$r" $cmd >/dev/null 2>&1 </dev/null
    perf stat -i -x, -e task-clock,page-faults -o "$work/own-$v-$r" $cmd >/dev/null 2>&1 </dev/null
  done
done
python3 - "$work" <<'PY'
import glob, statistics, sys
w = sys.argv[1]
print("| runtime | CPU, all processes and threads | page faults | CPU, the runtime's main thread alone (`perf stat -i`) | its page faults |")
print("|---|---:|---:|---:|---:|")
def med(kind, v):
    tc, pf = [], []
    for f in glob.glob(f"{w}/{kind}-{v}-*"):
        for line in open(f):
            p = line.split(",")
            if len(p) > 3 and p[2] == "task-clock": tc.append(float(p[0]))
            if len(p) > 3 and p[2] == "page-faults": pf.append(int(p[0]))
    return statistics.median(tc), statistics.median(pf)
for v in ["A", "B", "crun"]:
    (ca, fa), (co, fo) = med("all", v), med("own", v)
    print(f"| {v} | {ca:.2f} ms | {fa:.0f} | {co:.2f} ms | {fo:.0f} |")
PY
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
