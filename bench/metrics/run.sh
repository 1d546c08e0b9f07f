#!/usr/bin/env bash
# Exporter cost (issue 19): `garrison metrics serve` scrape latency and resident memory with 1, 10 and 100 running
# containers (pods of up to 10 `sleep` containers each, crun, no network, a busybox rootfs). For each size: 30 scrapes
# over keep-alive HTTP from one curl (time_total per request; p50/p90/max), the exporter's own collection time
# (garrison_metrics_scrape_duration_seconds of the last scrape) and its VmRSS/VmHWM after the scrapes.
# cAdvisor cannot be installed here (no registry ships it); RESULTS.md cites its published figures instead.
# Needs root, crun, busybox-static, curl. Usage: bench/metrics/run.sh [SIZES...]   (default 1 10 100; CONFIG=debug
# SCRATCH=.build to try the script against a debug build)
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ $# -gt 0 ]; then sizes=("$@"); else sizes=(1 10 100); fi
scratch=${SCRATCH:-.build-release}; config=${CONFIG:-release}
swift build -c "$config" --product garrison --scratch-path "$scratch" >/dev/null
bin=$PWD/$scratch/$config/garrison
work=$(mktemp -d /var/tmp/garrison-bench-metrics.XXXXXX)
root=$work/state
server=
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  for d in "$root"/pods/default/*/; do [ -d "$d" ] && "$bin" delete pod "$(basename "$d")" --root "$root" --grace-period 1 >/dev/null 2>&1 || true; done
  rm -rf "$work"
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
  # Wait until every container runs.
  for _ in $(seq 600); do
    local up
    up=$(curl -s "http://127.0.0.1:$port/metrics" | grep -c '^kube_pod_container_status_running{.*} 1$' || true)
    [ "$up" -ge "$want" ] && return 0
    sleep 0.5
  done
  echo "only $up of $want containers running" >&2; return 1
}

"$bin" metrics serve --listen 127.0.0.1:0 --root "$root" > "$work/serve.out" 2>&1 & server=$!
for _ in $(seq 50); do grep -q Serving "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's/.*127.0.0.1:\([0-9]*\).*/\1/p' "$work/serve.out")
echo "== garrison metrics serve ($config build), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for size in "${sizes[@]}"; do
  grow_to "$size"
  curl -s -o /dev/null "http://127.0.0.1:$port/metrics"   # first scrape after growth decodes the new records
  urls=(); for _ in $(seq 30); do urls+=(-o /dev/null "http://127.0.0.1:$port/metrics"); done
  times=$(curl -s -w '%{time_total}\n' "${urls[@]}" | sort -n)
  body=$(curl -s "http://127.0.0.1:$port/metrics")
  collect=$(sed -n 's/^garrison_metrics_scrape_duration_seconds \(.*\)/\1/p' <<<"$body")
  series=$(grep -vc '^#' <<<"$body")
  rss=$(awk '/VmRSS/{print $2}' "/proc/$server/status"); hwm=$(awk '/VmHWM/{print $2}' "/proc/$server/status")
  awk -v n="$size" -v c="$collect" -v s="$series" -v rss="$rss" -v hwm="$hwm" '{t[NR]=$1*1000}
    END {printf "%4d containers  %5d series  scrape p50 %6.2f ms  p90 %6.2f ms  max %6.2f ms  (collect %.2f ms)  RSS %.1f MB  peak %.1f MB\n",
         n, s, t[int(NR*0.5)+1], t[int(NR*0.9)+1], t[NR], c*1000, rss/1024, hwm/1024}' <<<"$times"
done
