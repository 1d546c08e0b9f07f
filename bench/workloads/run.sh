#!/usr/bin/env bash
# Workload controllers (issue 18), measured beside their peer in the same run:
# - time from `garrison apply` of a 10-replica Deployment to 10/10 ready (`get deploy -o json` readyReplicas),
#   beside `garrison apply` of the same 10 pods as naked Pods in one file until all are Running;
# - time to replace a pod whose supervisor was killed with `kill -9` (10/10 ready again, the lost pod gone from
#   the ready set), and a pod deleted with `garrison delete pod --grace-period 0`.
# ROUNDS rounds (default 3), alternating. Needs root, python3, busybox-static, crun.
# Usage: [SCRATCH=.build-release] [ROUNDS=3] bench/workloads/run.sh [debug|release]
set -euo pipefail
cd "$(dirname "$0")/../.."
config=${1:-release}
rounds=${ROUNDS:-3}
[ "$(id -u)" = 0 ] || { echo "bench/workloads/run.sh: needs root" >&2; exit 2; }
scratch=${SCRATCH:-.build-release}
swift build -c "$config" --scratch-path "$scratch" --product garrison >/dev/null
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
now() { python3 -c 'import time; print(time.monotonic())'; }
ready() { g get deploy web -o json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"].get("readyReplicas",0))' 2>/dev/null || echo 0; }
readypods() {  # ready pods not being deleted, one name a line
  python3 - "$root" <<'PY'
import json, os, sys
base = os.path.join(sys.argv[1], "pods", "default")
for n in sorted(os.listdir(base)) if os.path.isdir(base) else []:
    d = os.path.join(base, n)
    if not n.startswith("web-") or os.path.exists(os.path.join(d, "stop.json")): continue
    try: st = json.load(open(os.path.join(d, "status.json")))
    except Exception: continue
    sup = st.get("supervisor") or {}
    alive = sup and os.path.exists(f"/proc/{sup['pid']}") and open(f"/proc/{sup['pid']}/stat").read().rsplit(")", 1)[1].split()[0] not in "ZX"
    if alive and st["phase"] == "Running" and all(c["state"]["kind"] == "Running" for c in st["containers"] if c["role"] == "app"):
        print(n)
PY
}
wait_until() {  # timeout-seconds command...
  local limit=$1; shift
  local end=$(( $(date +%s) + limit ))
  until "$@"; do [ "$(date +%s)" -lt "$end" ] || { echo "timed out: $*" >&2; exit 1; }; sleep 0.02; done
}
ten_ready() { [ "$(readypods | wc -l)" -ge 10 ]; }
replaced() {  # the victim gone from the ready set, 10 ready
  local now; now=$(readypods)
  [ "$(printf '%s\n' "$now" | grep -c .)" -ge 10 ] && ! printf '%s\n' "$now" | grep -qx "$victim"
}
naked_running() { local out; out=$(g get pods 2>/dev/null || true); [ "$(printf '%s\n' "$out" | grep -c ' Running ')" -ge 10 ]; }
results=$work/results.txt
echo "== $config build, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $rounds rounds"
for r in $(seq "$rounds"); do
  t0=$(now); g apply -f "$work/deploy.yaml" "${flags[@]}" >/dev/null; wait_until 60 ten_ready; t1=$(now)
  echo "deploy_ready $(python3 -c "print($t1-$t0)")" >> "$results"
  for k in 1 2; do
    victim=$(readypods | sed -n 1p)
    sup=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["supervisor"]["pid"])' "$root/pods/default/$victim/status.json")
    t0=$(now); kill -9 "$sup"
    wait_until 30 replaced; t1=$(now)
    echo "replace_kill9 $(python3 -c "print($t1-$t0)")" >> "$results"
  done
  victim=$(readypods | sed -n 1p)
  t0=$(now); g delete pod "$victim" --grace-period 0 >/dev/null
  wait_until 30 replaced; t1=$(now)
  echo "replace_delete $(python3 -c "print($t1-$t0)")" >> "$results"
  g delete deployment web --grace-period 0 >/dev/null
  t0=$(now); g apply -f "$work/pods.yaml" "${flags[@]}" >/dev/null; wait_until 60 naked_running; t1=$(now)
  echo "naked_ready $(python3 -c "print($t1-$t0)")" >> "$results"
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
