#!/usr/bin/env bash
# garrison-oci start-to-exit on a compiled restricted pod bundle (RuntimeDefault seccomp, the plan's digest pinned):
# with the BPF cache warm, with no cache (libseccomp compiles the profile on every start), and crun on the same
# bundle, in interleaved rounds (bench/oci/interleaved.py); then the phase marks of one cached and one uncached
# start (GARRISON_TRACE_PHASES). Needs root and python3.
# Usage: [ROUNDS=60] [BUILD=.build] bench/oci/seccomp-cache.sh [release|debug]
set -euo pipefail
cd "$(dirname "$0")/../.."
config=${1:-release}
build=${BUILD:-.build}
[ "$(id -u)" = 0 ] || { echo "bench/oci/seccomp-cache.sh: needs root" >&2; exit 2; }
for p in garrison garrison-oci garrison-init; do swift build -c "$config" --scratch-path "$build" --product $p >/dev/null; done
bin=$(swift build -c "$config" --scratch-path "$build" --show-bin-path)

work=$(mktemp -d /var/tmp/garrison-bench-seccomp.XXXXXX)
trap 'rm -rf "$work"' EXIT
export GARRISON_SECCOMP_CACHE=$work/cache
. bench/oci/restricted-bundle.sh
restricted_bundle "$bin/garrison" "$work"
python3 - "$bundle/config.json" <<'EOF'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
c["root"] = {"path": "rootfs", "readonly": True}
c["ociVersion"] = "1.0.2"          # crun 1.8 accepts runtime-spec 1.0.x
c["linux"].pop("cgroupsPath", None)
json.dump(c, open(p, "w"), indent=2)
EOF
oci=$bin/garrison-oci
echo "bundle: $bundle ($(python3 -c "import json;print(len(json.load(open('$bundle/config.json'))['linux']['seccomp']['syscalls']))" ) seccomp rules)"
python3 bench/oci/interleaved.py "${ROUNDS:-60}" \
  "cached=/usr/bin/env GARRISON_SECCOMP_CACHE=$work/cache $oci --root $work/state-a run --bundle $bundle a" \
  "uncached=/usr/bin/env GARRISON_SECCOMP_CACHE=/nonexistent/cache $oci --root $work/state-b run --bundle $bundle b" \
  "crun=$(command -v crun) --root $work/state-c run --bundle $bundle c"
for mode in cached uncached; do
  dir=$work/cache; [ $mode = uncached ] && dir=/nonexistent/cache
  echo "phases ($mode):"
  GARRISON_TRACE_PHASES=1 GARRISON_SECCOMP_CACHE=$dir "$oci" --root "$work/state-t" run --bundle "$bundle" t 2>&1 >/dev/null \
    | grep -E "spec built|ready|exited" | head -4 | sed 's/^/  /'
done
