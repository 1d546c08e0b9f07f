#!/usr/bin/env bash
# apply's own phases, two builds interleaved: `GARRISON_TRACE_PHASES=1 garrison apply --wait` of one manifest (default:
# the init+2 pod of run.sh; PODS=N: N single-container pods), A and B alternating (A B, then B A, ...), each pod
# deleted after its run. Per build, medians of the time from the front end's `main` mark to apply's first build, to
# `apply: reserved`, to the last `apply: supervisor spawned`, to `apply: running` (every pod Running), and the wall time.
#
# Usage (root): bench/pods/apply-phases.sh A_DIR B_DIR [ROUNDS]
#   each DIR holds garrison, garrison-cli, garrison-oci, garrison-init and garrison-supervisor of one release build
#   (and garrison-keeper, if that build has it: its supervisors hand over to it once quiescent).
#   PODS=N (default 0: the init+2 pod), NICE=-20 (default 0): the applies run at that nice value (with their
#   supervisors and runtimes), so on a machine others load the measured commands get the CPUs first.
set -euo pipefail
A=$(realpath "$1"); B=$(realpath "$2"); N=${3:-10}
PODS=${PODS:-0}
NICE=${NICE:-0}
[ "$(id -u)" = 0 ] || { echo "bench needs root" >&2; exit 2; }
for d in "$A" "$B"; do
  for f in garrison garrison-cli garrison-oci garrison-init garrison-supervisor; do
    [ -x "$d/$f" ] || { echo "$d/$f is missing" >&2; exit 2; }
  done
done
DIR=/var/tmp/garrison-apply-phases-$$
mkdir -p $DIR/rootfs/bin $DIR/rootfs/{proc,sys,dev,etc,tmp}
cp /bin/busybox $DIR/rootfs/bin/busybox
for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -s busybox $DIR/rootfs/bin/$a; done
if [ "$PODS" = 0 ]; then
  cat > $DIR/pods.yaml <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: p3}
spec:
  terminationGracePeriodSeconds: 0
  initContainers: [{name: init, command: ["/bin/sh", "-c", "echo ready > /data/x"], volumeMounts: [{name: d, mountPath: /data}]}]
  containers:
  - {name: a, command: ["sleep", "100000"], volumeMounts: [{name: d, mountPath: /data}]}
  - {name: b, command: ["sleep", "100000"], volumeMounts: [{name: d, mountPath: /data}]}
  volumes: [{name: d, emptyDir: {}}]
YAML
  names=p3
else
  for i in $(seq 1 $PODS); do
    printf -- '---\napiVersion: v1\nkind: Pod\nmetadata: {name: p%d}\nspec:\n  terminationGracePeriodSeconds: 0\n  containers: [{name: main, command: ["sleep", "100000"]}]\n' $i
  done > $DIR/pods.yaml
  names=$(seq -f 'p%g' 1 $PODS | tr '\n' ' ')
fi
cleanup() {
  for t in A B; do
    bin=$A; [ $t = B ] && bin=$B
    [ -d $DIR/state-$t ] && "$bin/garrison" delete pod $names --root $DIR/state-$t --grace-period 0 >/dev/null 2>&1 || true
  done
  rm -rf $DIR
}
trap cleanup EXIT

one() {
  local bin=$1 tag=$2 t0 t1
  t0=$(date +%s%N)
  GARRISON_TRACE_PHASES=1 nice -n "$NICE" "$bin/garrison" apply --root $DIR/state-$tag --rootfs $DIR/rootfs \
    --runtime "$bin/garrison-oci" --no-seccomp-default --wait --timeout 60 -f $DIR/pods.yaml --network none 2>$DIR/trace >/dev/null
  t1=$(date +%s%N)
  python3 - $tag $(( (t1 - t0) / 1000 )) $DIR/trace >> $DIR/results <<'PY'
import re, sys
tag, wall, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
first, m = None, {}
for line in open(path):
    r = re.match(r'phase (.*?) \+\d+ us at (\d+) us', line.strip())
    if not r:
        continue
    name, at = r.group(1), int(r.group(2))
    first = at if first is None else first
    for key, prefix in (("build", "apply: build "), ("reserved", "apply: reserved"), ("spawned", "apply: supervisor spawned"), ("running", "apply: running")):
        if name.startswith(prefix) and not (key == "build" and key in m):
            m[key] = at - first
print(tag, wall, *(m.get(k, -1) for k in ("build", "reserved", "spawned", "running")))
PY
  "$bin/garrison" delete pod $names --root $DIR/state-$tag --grace-period 0 >/dev/null
}
for i in $(seq 1 $N); do
  if [ $((i % 2)) = 1 ]; then one "$A" A; one "$B" B; else one "$B" B; one "$A" A; fi
done
echo "load: $(cut -d' ' -f1-3 /proc/loadavg); $N rounds; $([ "$PODS" = 0 ] && echo 'init+2 pod' || echo "$PODS pods"); nice $NICE"
python3 - $DIR/results <<'PY'
import statistics, sys
rows = {"A": [], "B": []}
for line in open(sys.argv[1]):
    p = line.split()
    rows[p[0]].append([int(x) for x in p[1:]])
names = ["wall", "main -> first build", "main -> reserved", "main -> last spawn", "main -> all running"]
print(f"{'ms (median)':22s} {'A':>8s} {'B':>8s} {'B/A':>6s}")
for k, name in enumerate(names):
    a = statistics.median(r[k] for r in rows["A"]) / 1000
    b = statistics.median(r[k] for r in rows["B"]) / 1000
    print(f"{name:22s} {a:8.1f} {b:8.1f} {b / a if a else 0:6.2f}")
PY
