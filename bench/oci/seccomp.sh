#!/usr/bin/env bash
# Per-syscall seccomp overhead: the same bundle (Garrison's RuntimeDefault profile, compiled by
# `garrison compile --format oci`) run by garrison-oci and by crun, and unconfined, timing getppid() inside.
# Usage: bench/oci/seccomp.sh [ROUNDS]   (root; release build)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${1:-5}
bash scripts/setup.sh
# The filter runs in the kernel, so the runtime's own build mode does not matter here; BIN=.build/debug works too.
if [ -z "${BIN:-}" ]; then swift build -c release >/dev/null; BIN=$(swift build -c release --show-bin-path); fi
W=$(mktemp -d /var/tmp/garrison-bench-seccomp.XXXXXX)
trap 'for id in g c u; do "$BIN/garrison-oci" --root "$W/g-state" delete --force "sc-$id" 2>/dev/null || true; crun --root "$W/c-state" delete --force "sc-$id" 2>/dev/null || true; done; rm -rf "$W"' EXIT
gcc -O2 -static -o "$W/loop" bench/oci/syscall-loop.c
cat > "$W/pod.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: bench, namespace: bench}
spec:
  containers:
  - name: loop
    image: none
    command: ["/loop", "2000000"]
    securityContext: {runAsUser: 10001, allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}, seccompProfile: {type: RuntimeDefault}}
YAML
sed 's/type: RuntimeDefault/type: Unconfined/' "$W/pod.yaml" > "$W/pod-unconfined.yaml"
for v in confined unconfined; do
  f="$W/pod.yaml"; [ $v = unconfined ] && f="$W/pod-unconfined.yaml"
  GARRISON_SECCOMP_CACHE="$W/cache" "$BIN/garrison" compile --format oci -o "$W/$v" "$f" >/dev/null
  B="$W/$v/bench_pod_bench_loop"; mkdir -p "$B/rootfs"; cp "$W/loop" "$B/rootfs/loop"
  python3 - "$B/config.json" <<'PY'
import json, sys
p = sys.argv[1]; c = json.load(open(p)); c["linux"].pop("cgroupsPath", None); c["ociVersion"] = "1.0.2"
json.dump(c, open(p, "w"))
PY
done
run() { # runtime bundle id
  if [ "$1" = garrison ]; then GARRISON_AUDIT_DIR="$W/audit" "$BIN/garrison-oci" --root "$W/g-state" run --bundle "$2" "$3"
  else crun --root "$W/c-state" run --bundle "$2" "$3"; fi
}
echo "ns per getppid(), median of $ROUNDS runs of 2,000,000 calls"
for combo in "garrison confined g" "crun confined c" "garrison unconfined u"; do
  set -- $combo
  vals=$(for _ in $(seq "$ROUNDS"); do run "$1" "$W/$2/bench_pod_bench_loop" "sc-$3"; done | sort -n)
  echo "$1 $2: $(echo "$vals" | sed -n "$(( (ROUNDS + 1) / 2 ))p") ns  (all: $(echo $vals))"
done
