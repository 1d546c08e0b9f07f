#!/usr/bin/env bash
# The cost of garrison-keeper handing a pod back to garrison-supervisor, two builds in the same run: one pod per
# build with a 1 s readiness probe (tcpSocket, failing) and a 1 s liveness probe (exec), so the keeper gives the pod
# back once per period; applied traced (GARRISON_TRACE_PHASES=1) with the default seccomp profile (the record as a
# real pod's). Prints, per build, the supervisor process's CPU over SECS seconds (its children, the probes' runtime
# invocations, excluded) and the median of its resumes "keeper exec supervisor" -> "supervisor resumed state" (µs)
# with the parts between the supervisor's marks.
# Usage (root): bench/pods/resume-ab.sh A_DIR B_DIR   (each a directory with garrison, garrison-oci,
# garrison-init, garrison-supervisor, garrison-keeper); SECS=20.
set -u
A=$(realpath "$1"); B=$(realpath "$2"); SECS=${SECS:-20}
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 2; }
D=/var/tmp/garrison-resume-ab-$$
trap 'for x in A B; do "${!x}/garrison" delete pod pr --root $D/$x --grace-period 0 >/dev/null 2>&1; done; rm -rf $D' EXIT
mkdir -p $D/rootfs/bin $D/rootfs/{proc,sys,dev,etc,tmp}
cp /bin/busybox $D/rootfs/bin/
for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -sf busybox $D/rootfs/bin/$a; done
cat > $D/pod.yaml <<Y
apiVersion: v1
kind: Pod
metadata: {name: pr}
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: main
    command: ["sleep", "100000"]
    readinessProbe: {tcpSocket: {port: 9}, periodSeconds: 1}
  - name: side
    command: ["sleep", "100000"]
    livenessProbe: {exec: {command: ["true"]}, periodSeconds: 1}
Y
for x in A B; do
  GARRISON_TRACE_PHASES=1 "${!x}/garrison" apply --root $D/$x --rootfs $D/rootfs --runtime "${!x}/garrison-oci" -f $D/pod.yaml \
    --network none >/dev/null 2>&1 || { echo "apply failed ($x)" >&2; exit 1; }
done
sleep 1
cpu() {  # utime + stime of the pod's supervisor process, in clock ticks
  python3 -c "import json,sys; p=json.load(open(sys.argv[1]))['supervisor']['pid']; f=open(f'/proc/{p}/stat').read().rsplit(')',1)[1].split(); print(int(f[11])+int(f[12]))" \
    $D/$1/pods/default/pr/status.json
}
declare -A C0
for x in A B; do C0[$x]=$(cpu $x); done
sleep $SECS
hz=$(getconf CLK_TCK)
for x in A B; do echo "$x supervisor CPU over ${SECS} s: $(( ($(cpu $x) - ${C0[$x]}) * 1000 / hz )) ms"; done
for x in A B; do
  python3 - $D/$x/pods/default/pr/supervisor.log $x <<'PY'
import sys, statistics
names = ["supervisor main", "record read", "supervisor resumed", "state read", "supervisor resumed state"]
t0 = prev = None; parts = {}; total = []
for line in open(sys.argv[1]):
    if not line.startswith("phase "): continue
    name = line[6:line.index(" +")]
    t = int(line.rsplit(" at ", 1)[1].split()[0])
    if name == "keeper exec supervisor": t0 = prev = t; continue
    if t0 is None or name not in names: continue
    parts.setdefault(name, []).append((t - prev) % 100_000_000); prev = t
    if name == "supervisor resumed state": total.append((t - t0) % 100_000_000); t0 = None
med = lambda l: int(statistics.median(l)) if l else -1
print(sys.argv[2], len(total), "resumes, median", med(total), "us; parts:", ", ".join(f"{n} {med(parts.get(n, []))}" for n in names))
PY
done
