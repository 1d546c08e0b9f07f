#!/usr/bin/env bash
# Group-commit A/B: interleaved rounds of `garrison-cli audit append --batch 10 --threads 64` (durable appends from
# 64 threads of one process sharing fsyncs) with two builds, printing events/s, CPU seconds, context switches and
# the commit statistics of each run, then the medians.
# Usage: bench/audit/ab.sh OLD-garrison-cli NEW-garrison-cli [rounds=5] [events-per-thread=5000] [scratch-dir]
set -euo pipefail
OLD=$1 NEW=$2 ROUNDS=${3:-5} COUNT=${4:-5000}
SCRATCH=${5:-/var/tmp/garrison-audit-ab-$$}
mkdir -p "$SCRATCH"
trap 'rm -rf "$SCRATCH"' EXIT
python3 - "$OLD" "$NEW" "$ROUNDS" "$COUNT" "$SCRATCH" <<'PY'
import os, resource, statistics, subprocess, sys, time
old, new, rounds, count, scratch = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
threads, batch = 64, 10
events = count * threads
runs = {"old": [], "new": []}
print(f"load before: {os.getloadavg()[0]:.2f}; {threads} threads x {count} events in appends of {batch}")
for r in range(rounds):
    order = [("old", old), ("new", new)] if r % 2 == 0 else [("new", new), ("old", old)]
    for name, binary in order:
        d = f"{scratch}/{r}-{name}"
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.monotonic()
        p = subprocess.run([binary, "audit", "append", "--audit-dir", d, "--count", str(count), "--batch", str(batch),
                            "--threads", str(threads), "--quiet", "--stats"], capture_output=True, text=True, check=True)
        wall = time.monotonic() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        csw = (after.ru_nvcsw - before.ru_nvcsw) + (after.ru_nivcsw - before.ru_nivcsw)
        v = subprocess.run([new, "audit", "verify", "--audit-dir", d], capture_output=True, text=True)
        if v.returncode != 0:
            sys.exit(f"{name} round {r}: audit verify failed: {v.stdout}{v.stderr}")
        subprocess.run(["rm", "-rf", d], check=True)
        runs[name].append((events / wall, cpu, csw))
        print(f"round {r + 1} {name}: {events / wall:,.0f} events/s, {cpu:.2f} s CPU "
              f"({cpu / events * 1e6:.1f} us/event), {csw:,} context switches; {p.stderr.strip()}")
for name in ("old", "new"):
    rate = statistics.median(x[0] for x in runs[name])
    cpu = statistics.median(x[1] for x in runs[name])
    print(f"median {name}: {rate:,.0f} events/s (range {min(x[0] for x in runs[name]):,.0f}-"
          f"{max(x[0] for x in runs[name]):,.0f}), {cpu:.2f} s CPU")
ratio = statistics.median(x[0] for x in runs["new"]) / statistics.median(x[0] for x in runs["old"])
print(f"new/old throughput: {ratio:.2f}x; load after: {os.getloadavg()[0]:.2f}")
PY
