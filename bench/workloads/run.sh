#!/usr/bin/env bash
# Workload controllers (issue 18), measured beside their peer in the same run:
# - time from `garrison apply` of a 10-replica Deployment to 10 ready pods (their status.json),
#   beside `garrison apply` of the same 10 pods as naked Pods in one file until all are Running;
# - time to replace a pod whose supervisor was killed with `kill -9` (10/10 ready again, the lost pod gone from
#   the ready set), and a pod deleted with `garrison delete pod --grace-period 0`; each 0.5 s after the previous
#   event (its lost pod cleaned up), so one replacement is timed at a time.
# ROUNDS rounds (default 3), alternating. Each time is taken inside one python process (measure.py) that starts
# the clock, causes the event and polls the pods' status.json every 5 ms: nothing is spawned per poll.
# Needs root, python3, busybox-static, crun.
# Usage: [SCRATCH=.build-release] [ROUNDS=3] bench/workloads/run.sh [debug|release]
set -euo pipefail
cd "$(dirname "$0")/../.."
here=$PWD/bench/workloads
config=${1:-release}
rounds=${ROUNDS:-3}
[ "$(id -u)" = 0 ] || { echo "bench/workloads/run.sh: needs root" >&2; exit 2; }
scratch=${SCRATCH:-.build-release}
swift build -c "$config" --scratch-path "$scratch" --product garrison >/dev/null
swift build -c "$config" --scratch-path "$scratch" --product garrison-cli >/dev/null  # what garrison runs for all but exec
bin=$PWD/$scratch/$config
work=$(mktemp -d /var/tmp/garrison-bench-workloads.XXXXXX)
root=$work/state
g() { "$bin/garrison" "$@" --root "$root"; }
cleanup() {
  g delete deployment web --grace-period 0 >/dev/null 2>&1 || true
  for p in $(ls "$root/pods/default" 2>/dev/null); do g delete pod "$p" --grace-period 0 >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/rootfs/bin" "$work/rootfs/proc" "$work/rootfs/sys" "$work/rootfs/dev" "$work/rootfs/etc" "$work/rootfs/tmp"
cp /bin/busybox "$work/rootfs/bin/busybox"
for a in sh sleep; do ln -s busybox "$work/rootfs/bin/$a"; done
echo 'root:x:0:0:root:/:/bin/sh' > "$work/rootfs/etc/passwd"
crun=$(command -v crun)
flags=(--rootfs "$work/rootfs" --runtime "$crun" --network none --no-seccomp-default)
cat > "$work/deploy.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 10
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 0
      containers: [{name: app, command: ["/bin/sleep", "3600"]}]
YAML
for i in $(seq 0 9); do
  printf -- '---\napiVersion: v1\nkind: Pod\nmetadata: {name: naked-%s}\nspec:\n  terminationGracePeriodSeconds: 0\n  containers: [{name: app, command: ["/bin/sleep", "3600"]}]\n' "$i"
done > "$work/pods.yaml"
measure() { python3 "$here/measure.py" "$root" "$@"; }
results=$work/results.txt
echo "== $config build, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $rounds rounds"
for r in $(seq "$rounds"); do
  echo "deploy_ready $(measure apply web- 10 -- "$bin/garrison" apply -f "$work/deploy.yaml" "${flags[@]}" --root "$root")" >> "$results"
  for k in 1 2; do
    sleep 0.5  # the previous replacement's lost pod finishes its cleanup
    echo "replace_kill9 $(measure kill web- 10)" >> "$results"
  done
  sleep 0.5
  echo "replace_delete $(measure delete web- 10 -- "$bin/garrison" delete pod {} --grace-period 0 --root "$root")" >> "$results"
  g delete deployment web --grace-period 0 >/dev/null
  echo "naked_ready $(measure apply naked- 10 -- "$bin/garrison" apply -f "$work/pods.yaml" "${flags[@]}" --root "$root")" >> "$results"
  for i in $(seq 0 9); do g delete pod "naked-$i" --grace-period 0 >/dev/null; done
done
python3 - "$results" <<'PY'
import statistics, sys
vals = {}
for line in open(sys.argv[1]):
    k, v = line.split(); vals.setdefault(k, []).append(float(v))
names = {"deploy_ready": "apply 10-replica Deployment -> 10/10 ready", "naked_ready": "apply 10 naked Pods -> 10 Running (peer)",
         "replace_kill9": "kill -9 of a pod's supervisor -> replaced, 10/10", "replace_delete": "delete pod --grace-period 0 -> replaced, 10/10"}
for k in ["deploy_ready", "naked_ready", "replace_kill9", "replace_delete"]:
    v = vals.get(k, [])
    if v: print(f"{names[k]:52s} median {statistics.median(v):6.3f} s  min {min(v):6.3f}  max {max(v):6.3f}  (n={len(v)})")
if vals.get("deploy_ready") and vals.get("naked_ready"):
    print(f"{'Deployment / naked pods':52s} {statistics.median(vals['deploy_ready'])/statistics.median(vals['naked_ready']):.2f}x")
PY
