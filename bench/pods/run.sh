#!/usr/bin/env bash
# Pod runner benchmark: apply -> every container running, for
#   1. one pod with one init container and two app containers (REPS runs; network none, then a bridge),
#   2. 50 single-container pods applied in one manifest;
# and the peak RSS (VmHWM) of the per-pod supervisor processes.
#
# Usage (root): bench/pods/run.sh [GARRISON_BINARY]   (default .build/debug/garrison; RUNTIME=/usr/bin/crun)
# Writes results to stdout; bench/pods/RESULTS.md records a run.
set -euo pipefail
cd "$(dirname "$0")/../.."
G=${1:-.build/debug/garrison}
RUNTIME=${RUNTIME:-$(command -v crun)}
REPS=${REPS:-5}
PODS=${PODS:-50}
[ "$(id -u)" = 0 ] || { echo "bench needs root" >&2; exit 2; }
[ -x "$G" ] || { echo "garrison not built at $G" >&2; exit 2; }

DIR=/var/tmp/garrison-bench-$$
ROOT=$DIR/state
BRIDGE=gbench$$
BRIDGE=${BRIDGE:0:15}
mkdir -p $DIR/rootfs/bin $DIR/rootfs/{proc,sys,dev,etc,tmp}
cp /bin/busybox $DIR/rootfs/bin/busybox
for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -s busybox $DIR/rootfs/bin/$a; done

cleanup() {
  for p in $("$G" get pods -A --root $ROOT -o json 2>/dev/null | python3 -c 'import json,sys; [print(i["metadata"]["namespace"]+" "+i["metadata"]["name"]) for i in json.load(sys.stdin)["items"]]' 2>/dev/null | tr ' ' ':'); do
    "$G" delete pod "${p#*:}" -n "${p%%:*}" --root $ROOT --grace-period 0 >/dev/null 2>&1 || true
  done
  ip link del $BRIDGE 2>/dev/null || true
  rmdir /run/garrison/ipam/$BRIDGE 2>/dev/null || true
  rm -rf $DIR
}
trap cleanup EXIT

now() { date +%s.%N; }
secs() { awk "BEGIN { printf \"%.3f\", $2 - $1 }"; }
apply() { "$G" apply --root $ROOT --rootfs $DIR/rootfs --runtime "$RUNTIME" --no-seccomp-default "$@" >/dev/null; }
# Waits until every app and sidecar container of every pod in the root is running (reads status.json
# directly: polling through `garrison get` would add its own start-up time to every round).
wait_running() {
  python3 - "$ROOT" "$1" <<'PY'
import glob, json, sys, time
root, want = sys.argv[1], int(sys.argv[2])
while True:
    n = 0
    for f in glob.glob(root + "/pods/*/*/status.json"):
        try:
            cs = json.load(open(f))["containers"]
        except (OSError, ValueError, KeyError):
            continue
        if cs and all(c["state"]["kind"] == "Running" for c in cs if c["role"] != "init"):
            n += 1
    if n >= want:
        break
    time.sleep(0.005)
PY
}
supervisor_rss() {
  "$G" get pods -A --root $ROOT -o json | python3 -c '
import json,sys
kb=[]
for i in json.load(sys.stdin)["items"]:
    pid=i["status"].get("supervisorPid")
    try:
        for l in open(f"/proc/{pid}/status"):
            if l.startswith("VmHWM:"): kb.append(int(l.split()[1]))
    except OSError: pass
if kb: print(f"supervisors={len(kb)} peak_rss_kb_max={max(kb)} peak_rss_kb_avg={sum(kb)//len(kb)}")'
}

pod3() {
  cat <<YAML
apiVersion: v1
kind: Pod
metadata: {name: $1}
spec:
  terminationGracePeriodSeconds: 0
  initContainers: [{name: init, command: ["/bin/sh", "-c", "echo ready > /data/x"], volumeMounts: [{name: d, mountPath: /data}]}]
  containers:
  - {name: a, command: ["sleep", "100000"], volumeMounts: [{name: d, mountPath: /data}]}
  - {name: b, command: ["sleep", "100000"], volumeMounts: [{name: d, mountPath: /data}]}
  volumes: [{name: d, emptyDir: {}}]
YAML
}

for net in none bridge; do
  extra=(--network $net)
  [ $net = bridge ] && extra+=(--bridge $BRIDGE --pod-cidr 10.252.0.0/16)
  for i in $(seq 1 $REPS); do
    pod3 p3 > $DIR/p3.yaml
    t0=$(now); apply -f $DIR/p3.yaml "${extra[@]}"; t1=$(now); wait_running 1; t2=$(now)
    echo "init+2 network=$net run=$i apply_s=$(secs $t0 $t1) all_running_s=$(secs $t0 $t2)"
    [ $i = $REPS ] && [ $net = none ] && supervisor_rss
    "$G" delete pod p3 --root $ROOT --grace-period 0 >/dev/null
  done
done

: > $DIR/many.yaml
for i in $(seq 1 $PODS); do
  printf -- '---\napiVersion: v1\nkind: Pod\nmetadata: {name: p%d}\nspec:\n  terminationGracePeriodSeconds: 0\n  containers: [{name: main, command: ["sleep", "100000"]}]\n' $i >> $DIR/many.yaml
done
t0=$(now); apply -f $DIR/many.yaml --network none; t1=$(now); wait_running $PODS; t2=$(now)
echo "$PODS pods network=none apply_s=$(secs $t0 $t1) all_running_s=$(secs $t0 $t2)"
supervisor_rss
t0=$(now)
for i in $(seq 1 $PODS); do "$G" delete pod p$i --root $ROOT --grace-period 0 >/dev/null; done
t1=$(now)
echo "$PODS pods delete_s=$(secs $t0 $t1)"
