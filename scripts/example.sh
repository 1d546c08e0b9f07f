#!/usr/bin/env bash
# The main job on a built-in example: set up this machine, build Garrison, build a small busybox image from
# Debian's busybox-static, show what the example pod will run with, run it, and show its logs and audit trail.
# Run as root. Uses a scratch state root (GARRISON_ROOT, default /var/tmp/garrison-example) and cleans up the pod.
set -euo pipefail
cd "$(dirname "$0")/.."
export GARRISON_ROOT=${GARRISON_ROOT:-/var/tmp/garrison-example}
POD=examples/restricted-pod.yaml

bash scripts/setup.sh
swift build
G=.build/debug/garrison
OUT=.build/examples/busybox-rootfs.tar bash scripts/build-example-image.sh "$G" >/dev/null
"$G" image ls

echo; echo "== garrison lint $POD"
"$G" lint "$POD" || true
echo; echo "== garrison explain $POD"
"$G" explain "$POD"

echo "== garrison apply -f $POD"
"$G" delete -f "$POD" >/dev/null 2>&1 || true
"$G" apply -f "$POD"
phase=Pending
for _ in $(seq 1 120); do
  phase=$("$G" get pods -n demo -o json | python3 -c 'import json,sys; d=json.load(sys.stdin); print((d.get("items") or [d])[0]["status"]["phase"])')
  case "$phase" in Succeeded|Failed) break ;; esac
  sleep 0.5
done
"$G" get pods -n demo -o wide
echo; echo "== garrison logs hello -n demo -c app"
"$G" logs hello -n demo -c app
echo; echo "== garrison audit report"
"$G" audit report --pod hello || true
"$G" audit verify
"$G" delete -f "$POD"
echo; echo "example pod finished: $phase"
[ "$phase" = Succeeded ]
