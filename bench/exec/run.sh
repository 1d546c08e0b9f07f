#!/usr/bin/env bash
# garrison exec and port-forward, measured beside their peers in the same run (issue 17):
# - exec latency: `garrison exec POD -- /bin/true` into a garrison-oci pod (the runtime's exec in process, and
#   spawned as for any runtime with GARRISON_EXEC_SPAWN_RUNTIME=1), and into a crun pod, beside `crun exec` and
#   `garrison-oci exec` straight into those containers (hyperfine, interleaved by -N rounds);
# - the `garrison` front end's hand-over to garrison-cli for every other command (`get pod` both ways);
# - port-forward throughput: 1 GiB pushed through `garrison port-forward` to a sink on the pod's loopback, beside
#   the same 1 GiB sent straight to the pod's IP on the bridge (3 rounds each, alternating).
# Needs root, hyperfine, python3, busybox-static, crun. Usage: [SCRATCH=.build-x] [NO_BUILD=1] bench/exec/run.sh [debug|release]
set -euo pipefail
cd "$(dirname "$0")/../.."
config=${1:-release}
[ "$(id -u)" = 0 ] || { echo "bench/exec/run.sh: needs root" >&2; exit 2; }
[ -n "${NO_BUILD:-}" ] || swift build -c "$config" --scratch-path "${SCRATCH:-.build}" >/dev/null
bin=$PWD/${SCRATCH:-.build}/$config
work=$(mktemp -d /var/tmp/garrison-bench-exec.XXXXXX)
root=$work/state
pf=
cleanup() {
  [ -n "$pf" ] && kill "$pf" 2>/dev/null && wait "$pf" 2>/dev/null || true
  for p in ex-oci ex-crun sink; do "$bin/garrison" delete pod "$p" --root "$root" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT
[ -n "${KEEP:-}" ] && trap - EXIT
mkdir -p "$work/rootfs/bin" "$work/rootfs/proc" "$work/rootfs/sys" "$work/rootfs/dev" "$work/rootfs/etc" "$work/rootfs/tmp"
cp /bin/busybox "$work/rootfs/bin/busybox"
for a in sh true cat nc sleep; do ln -s busybox "$work/rootfs/bin/$a"; done
printf '#!/bin/sh\nexec cat > /dev/null\n' > "$work/rootfs/bin/sink"; chmod 755 "$work/rootfs/bin/sink"
echo 'root:x:0:0:root:/:/bin/sh' > "$work/rootfs/etc/passwd"
pod() {  # name runtime network command...
  local name=$1 runtime=$2 network=$3; shift 3
  printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: %s}\nspec:\n  containers: [{name: main, command: [%s]}]\n' \
    "$name" "$(printf '"%s", ' "$@" | sed 's/, $//')" > "$work/$name.yaml"
  "$bin/garrison" apply -f "$work/$name.yaml" --root "$root" --rootfs "$work/rootfs" --runtime "$runtime" \
    --network "$network" --no-seccomp-default >/dev/null
  for _ in $(seq 100); do
    "$bin/garrison" get pod "$name" --root "$root" 2>/dev/null | grep -q Running && return 0; sleep 0.1
  done
  echo "pod $name did not start" >&2; exit 1
}
pod ex-oci "$bin/garrison-oci" none /bin/sleep 3600
pod ex-crun "$(command -v crun)" none /bin/sleep 3600
id() { python3 -c 'import json,sys; print([c["runtimeID"] for c in json.load(sys.stdin)["containers"] if c["name"]=="main"][0])' \
  < "$root/pods/default/$1/status.json"; }
oci_id=$(id ex-oci); crun_id=$(id ex-crun)
echo "== exec latency (/bin/true), $config build, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
hyperfine -N -w 3 -r 30 --export-json "$work/exec.json" \
  -n "garrison exec (garrison-oci pod)" "$bin/garrison exec --root $root ex-oci -- /bin/true" \
  -n "garrison exec (garrison-oci pod, spawned)" \
  "env GARRISON_EXEC_SPAWN_RUNTIME=1 $bin/garrison exec --root $root ex-oci -- /bin/true" \
  -n "garrison-oci exec" "$bin/garrison-oci --root $root/runtime exec $oci_id /bin/true" \
  -n "garrison exec (crun pod)" "$bin/garrison exec --root $root ex-crun -- /bin/true" \
  -n "crun exec" "crun --root $root/runtime exec $crun_id /bin/true" 2>&1 | grep -E "Benchmark|Time|±" || true
python3 - "$work/exec.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
base = r["crun exec"]["median"]
for name, x in r.items():
    print(f"{name:34s} median {x['median']*1000:7.2f} ms   mean {x['mean']*1000:7.2f} ms   {x['median']/base:5.2f}x crun exec")
PY
echo "== the front end's hand-over: every other command is garrison-cli, one execv later (garrison get pod)"
hyperfine -N -w 3 -r 30 --export-json "$work/handover.json" \
  -n "garrison get pod" "$bin/garrison get pod ex-oci --root $root" \
  -n "garrison-cli get pod" "$bin/garrison-cli get pod ex-oci --root $root" 2>&1 | grep -E "Benchmark|Time|±" || true
python3 - "$work/handover.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
a, b = r["garrison get pod"]["median"], r["garrison-cli get pod"]["median"]
print(f"garrison get pod median {a*1000:.2f} ms, garrison-cli get pod {b*1000:.2f} ms: hand-over {1000*(a-b):+.2f} ms")
PY
echo "== port-forward throughput (1 GiB)"
pod sink "$bin/garrison-oci" bridge /bin/nc -ll -p 9001 -e /bin/sink
ip=$(python3 -c 'import json,sys; print(json.load(sys.stdin).get("podIP") or "")' < "$root/pods/default/sink/status.json")
"$bin/garrison" port-forward --root "$root" pod/sink :9001 > "$work/pf.out" 2>&1 & pf=$!
for _ in $(seq 50); do grep -q Forwarding "$work/pf.out" 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's/^Forwarding from 127.0.0.1:\([0-9]*\) .*/\1/p' "$work/pf.out")
python3 - "$port" "$ip" <<'PY'
import socket, sys, time
port, ip = int(sys.argv[1]), sys.argv[2]
chunk = b"x" * (1 << 20)
def push(host, p):
    s = socket.create_connection((host, p)); t = time.perf_counter()
    for _ in range(1024): s.sendall(chunk)
    s.shutdown(socket.SHUT_WR); s.recv(1); s.close()
    return 1024 / (time.perf_counter() - t)
fwd, direct = [], []
for _ in range(3):
    fwd.append(push("127.0.0.1", port)); direct.append(push(ip, 9001))
f, d = sorted(fwd)[1], sorted(direct)[1]
print(f"port-forward {f:8.0f} MiB/s   direct to pod IP {d:8.0f} MiB/s   ratio {f/d:4.2f} (median of 3, alternating)")
PY
