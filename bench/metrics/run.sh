#!/usr/bin/env bash
# Exporter cost (issue 19): garrison-exporter (the static executable `garrison metrics serve` execs) against
# prometheus-node-exporter (Debian's, the peer that installs here: cAdvisor is not packaged) with 1, 10 and 100
# running containers (pods of up to 10 busybox `sleep` containers, crun, no network).
# For each size: 30 rounds, each one scrape of garrison then one of node-exporter (interleaved, fresh connection
# each, curl time_total), p50/p90/max per exporter and the p50 ratio; garrison's own collection time
# (garrison_metrics_scrape_duration_seconds) and both processes' RSS and PSS (/proc/PID/smaps_rollup) after the
# scrapes. Every pod started is deleted on exit (also on failure) and the script then checks that no process of
# this run (supervisor, container, exporter) is left; it exits 1 if one is.
# Needs root, crun, busybox-static, curl, prometheus-node-exporter (optional: the peer columns are skipped without
# it). Usage: bench/metrics/run.sh [SIZES...]   (default 1 10 100; CONFIG=debug SCRATCH=.build for a debug build;
# GARRISON_BIN=PATH / EXPORTER_BIN=PATH to use already built executables (the pods are started and deleted with
# GARRISON_BIN); GARRISON_METRICS_WORKERS=N for N threads reading cgroups)
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ $# -gt 0 ]; then sizes=("$@"); else sizes=(1 10 100); fi
scratch=${SCRATCH:-.build-release}; config=${CONFIG:-release}
if [ -n "${EXPORTER_BIN:-}" ]; then  # an already built garrison-exporter
  exporter=$EXPORTER_BIN
else
  swift build -c "$config" --product garrison-exporter --scratch-path "$scratch" >/dev/null
  exporter=$PWD/$scratch/$config/garrison-exporter
fi
if [ -n "${GARRISON_BIN:-}" ]; then  # pods started and deleted by another build's garrison (same state format)
  bin=$GARRISON_BIN
else
  swift build -c "$config" --product garrison --scratch-path "$scratch" >/dev/null
  swift build -c "$config" --product garrison-cli --scratch-path "$scratch" >/dev/null  # what garrison runs for all but exec
  bin=$PWD/$scratch/$config/garrison
fi
peer_bin=/usr/bin/prometheus-node-exporter
work=$(mktemp -d /var/tmp/garrison-bench-metrics.XXXXXX)
root=$work/state
server= peer=

# Processes of this run: anything whose command line names this run's directory, plus the two exporters.
ours() { ps -eo pid=,args= | awk -v w="$work" 'index($0, w) && !/awk/ {print $1}'; }
cleanup() {
  set +e
  for p in $server $peer; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
  for d in "$root"/pods/*/*/; do
    [ -d "$d" ] || continue
    ns=$(basename "$(dirname "$d")")
    "$bin" delete pod "$(basename "$d")" -n "$ns" --root "$root" --grace-period 1 >/dev/null 2>&1 \
      || echo "bench: could not delete pod $ns/$(basename "$d")" >&2
  done
  left=$(ours)
  for p in $server $peer; do [ -d "/proc/$p" ] && left="$left $p"; done
  if [ -n "${left// /}" ]; then
    echo "bench: processes of this run are still there after deleting its pods:" >&2
    for p in $left; do ps -o pid=,args= -p "$p" >&2; done
    echo "bench: leaving $work for inspection" >&2
    exit 1
  fi
  rm -rf "$work"
  echo "== cleanup: every pod deleted, no process of this run left"
}
trap cleanup EXIT
mkdir -p "$work/rootfs/bin" "$work/rootfs/proc" "$work/rootfs/sys" "$work/rootfs/dev" "$work/rootfs/etc" "$work/rootfs/tmp"
cp /bin/busybox "$work/rootfs/bin/busybox"
for a in sh sleep; do ln -s busybox "$work/rootfs/bin/$a"; done
echo "root:x:0:0:root:/root:/bin/sh" > "$work/rootfs/etc/passwd"

running=0
pods=0
grow_to() {  # start pods of up to 10 sleep containers until $1 containers run
  local want=$1
  while [ "$running" -lt "$want" ]; do
    local n=$(( want - running > 10 ? 10 : want - running ))
    pods=$((pods + 1))
    {
      printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: m%d}\nspec:\n  containers:\n' "$pods"
      for i in $(seq 1 "$n"); do printf '  - {name: c%d, command: ["/bin/sleep", "3600"]}\n' "$i"; done
    } > "$work/m$pods.yaml"
    "$bin" apply -f "$work/m$pods.yaml" --root "$root" --rootfs "$work/rootfs" --runtime /usr/bin/crun --network none \
      --no-seccomp-default >/dev/null
    running=$((running + n))
  done
  for _ in $(seq 600); do  # wait until every container runs
    local up
    up=$(curl -s "http://127.0.0.1:$port/metrics" | grep -c '^kube_pod_container_status_running{.*} 1$' || true)
    [ "$up" -ge "$want" ] && return 0
    sleep 0.5
  done
  echo "only $up of $want containers running" >&2; return 1
}
memory() {  # "RSS PSS" in MB of a pid
  awk '/^Rss:/{r=$2} /^Pss:/{p=$2} END{printf "%.1f %.1f", r/1024, p/1024}' "/proc/$1/smaps_rollup"
}
stats() {  # p50 p90 max (ms) of the numbers on stdin (seconds)
  sort -n | awk '{t[NR]=$1*1000} END{printf "%.2f %.2f %.2f", t[int(NR*0.5)+1], t[int(NR*0.9)+1], t[NR]}'
}

# What `garrison metrics serve --listen 127.0.0.1:0 --root "$root"` execs (same pid, same arguments).
"$exporter" --listen 127.0.0.1:0 --root "$root" > "$work/serve.out" 2>&1 & server=$!
for _ in $(seq 50); do grep -q Serving "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's/.*127.0.0.1:\([0-9]*\).*/\1/p' "$work/serve.out")
[ -n "$port" ] || { cat "$work/serve.out" >&2; exit 1; }
exe=$(readlink "/proc/$server/exe")
peer_port=
if [ -x "$peer_bin" ]; then
  peer_port=$(( 20000 + RANDOM % 20000 ))
  "$peer_bin" --web.listen-address="127.0.0.1:$peer_port" > "$work/peer.out" 2>&1 & peer=$!
  for _ in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:$peer_port/metrics" && break; sleep 0.1; done
  peer_version=$("$peer_bin" --version 2>&1 | head -1)
fi
echo "== $(date -u '+%Y-%m-%d %H:%M UTC'), $config build, exporter $(basename "$exe") (pid $server), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
[ -n "$peer" ] && echo "== peer: $peer_version, default collectors, pid $peer"
printf '%-10s %-6s | %-27s %-9s %-14s | %-27s %-14s | %s\n' containers series "garrison p50/p90/max ms" "collect" "RSS/PSS MB" \
  "node-exporter p50/p90/max" "RSS/PSS MB" "p50 ratio"
for size in "${sizes[@]}"; do
  grow_to "$size"
  curl -s -o /dev/null "http://127.0.0.1:$port/metrics"   # the first scrape after growth decodes the new records
  : > "$work/g.times"; : > "$work/p.times"
  for _ in $(seq 30); do
    curl -s -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$port/metrics" >> "$work/g.times"
    [ -n "$peer" ] && curl -s -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$peer_port/metrics" >> "$work/p.times"
  done
  body=$(curl -s "http://127.0.0.1:$port/metrics")
  collect=$(sed -n 's/^garrison_metrics_scrape_duration_seconds \(.*\)/\1/p' <<<"$body")
  series=$(grep -vc '^#' <<<"$body")
  g=$(stats < "$work/g.times"); gm=$(memory "$server")
  if [ -n "$peer" ]; then
    p=$(stats < "$work/p.times"); pm=$(memory "$peer")
    ratio=$(awk -v a="${g%% *}" -v b="${p%% *}" 'BEGIN{printf "%.2f", a/b}')
  else
    p="-"; pm="-"; ratio="-"
  fi
  printf '%-10s %-6s | %-27s %-9s %-14s | %-27s %-14s | %s\n' "$size" "$series" "${g// / / }" \
    "$(awk -v c="$collect" 'BEGIN{printf "%.2f ms", c*1000}')" "${gm/ / / }" "${p// / / }" "${pm/ / / }" "$ratio"
done
