#!/usr/bin/env bash
# Start-to-exit latency of one container: garrison-oci run vs crun run (vs runc run when installed), same
# busybox bundle (default `garrison-oci spec` config: pid/net/ipc/uts/mount/cgroup namespaces, masked paths,
# read-only root, capability drop, no_new_privs), process `/bin/true`, three ways: back to back and spaced by
# 50 ms of idle (hyperfine, see below), and interleaved rounds (interleaved.py). Needs root, hyperfine, python3.
# Usage: [BUILD=.build-release] bench/oci/run.sh [debug|release]   (default: release; builds garrison-oci and
# garrison-init in the scratch path BUILD, default .build)
set -euo pipefail
cd "$(dirname "$0")/../.."
config=${1:-release}
[ "$(id -u)" = 0 ] || { echo "bench/oci/run.sh: needs root" >&2; exit 2; }
command -v hyperfine >/dev/null || { echo "bench/oci/run.sh: hyperfine not installed (scripts/setup.sh)" >&2; exit 2; }
build=${BUILD:-.build}
swift build -c "$config" --scratch-path "$build" --product garrison-init >/dev/null
swift build -c "$config" --scratch-path "$build" --product garrison-oci >/dev/null
bin=$build/$config

work=$(mktemp -d /var/tmp/garrison-bench-oci.XXXXXX)
cleanup() {
  for rt in garrison crun runc; do rm -rf "$work/state-$rt"; done
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/bundle/rootfs/bin" "$work/bundle/rootfs/proc" "$work/bundle/rootfs/sys" "$work/bundle/rootfs/dev"
cp /bin/busybox "$work/bundle/rootfs/bin/busybox"
ln -s busybox "$work/bundle/rootfs/bin/true"
"$bin/garrison-oci" spec --bundle "$work/bundle"
# crun 1.8 accepts runtime-spec 1.0.x; the config is otherwise identical for every runtime.
sed -i -E 's/"ociVersion" *: *"[0-9.]+"/"ociVersion" : "1.0.2"/; s/"sh"/"\/bin\/true"/' "$work/bundle/config.json"

# crun on this hybrid-cgroup host needs a v1 hugetlb hierarchy (DESIGN.md); probe once.
if ! crun --root "$work/state-crun" run --bundle "$work/bundle" probe >/dev/null 2>"$work/crun.err"; then
  if grep -q hugetlb "$work/crun.err" && ! grep -q ' /sys/fs/cgroup/hugetlb ' /proc/mounts; then
    echo "crun needs the hugetlb controller: mounting it at /sys/fs/cgroup/hugetlb" >&2
    mkdir -p /sys/fs/cgroup/hugetlb && mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb
  else
    cat "$work/crun.err" >&2
  fi
fi

commands=(
  -n "garrison-oci run ($config)" "$bin/garrison-oci --root $work/state-garrison run --bundle $work/bundle bench-g"
  -n "crun run" "crun --root $work/state-crun run --bundle $work/bundle bench-c"
)
if command -v runc >/dev/null; then
  commands+=(-n "runc run" "runc --root $work/state-runc run --bundle $work/bundle bench-r")
fi
mkdir -p bench/oci/results
# `run` deletes each container when it exits, so one id per runtime is reused across iterations.
# Back to back: each start follows the previous one at once. A runtime that moves its container with a
# cgroup.procs write (crun, runc) then usually finds the kernel's cgroup lock still in its fast state.
hyperfine --warmup 3 --runs "${RUNS:-30}" -N --export-markdown "bench/oci/results/run-$config.md" \
  --export-json "$work/back-to-back.json" "${commands[@]}"
python3 bench/oci/medians.py "$work/back-to-back.json" >> "bench/oci/results/run-$config.md"
cat bench/oci/results/run-$config.md
# Spaced: 50 ms of idle before each start (longer than an RCU grace period), as for a container started on its
# own; there the first cgroup.procs write waits for a grace period. garrison-oci never writes cgroup.procs.
hyperfine --warmup 3 --runs "${RUNS:-30}" -N --prepare "sleep 0.05" \
  --export-markdown "bench/oci/results/run-$config-spaced.md" --export-json "$work/spaced.json" "${commands[@]}"
python3 bench/oci/medians.py "$work/spaced.json" >> "bench/oci/results/run-$config-spaced.md"
cat bench/oci/results/run-$config-spaced.md
# Interleaved: every round runs each runtime once (the order reversed every other round), so the drift of the
# machine's state between hyperfine's blocks of runs hits all of them alike (bench/oci/interleaved.py).
interleaved=("garrison-oci=$PWD/$bin/garrison-oci --root $work/state-garrison run --bundle $work/bundle bench-g"
             "crun=$(command -v crun) --root $work/state-crun run --bundle $work/bundle bench-c")
if command -v runc >/dev/null; then
  interleaved+=("runc=$(command -v runc) --root $work/state-runc run --bundle $work/bundle bench-r")
fi
python3 bench/oci/interleaved.py "${ROUNDS:-60}" "${interleaved[@]}" | tee "bench/oci/results/run-$config-interleaved.md"

