#!/usr/bin/env bash
# garrison-oci at another commit vs this tree, with crun and runc, on the same bundle as run.sh, back to back and
# spaced by 50 ms of idle. Build the old one first, e.g.:
#   git worktree add ../wt-before <rev> && (cd ../wt-before && swift build -c release --product garrison-init \
#     && swift build -c release --product garrison-oci)
# Usage: bench/oci/before-after.sh OLD_RELEASE_DIR LABEL   (writes results/run-release-before-after*.md)
set -euo pipefail
cd "$(dirname "$0")/../.."
old=${1:?old release directory (with garrison-oci and garrison-init)}
label=${2:-before}
[ "$(id -u)" = 0 ] || { echo "bench/oci/before-after.sh: needs root" >&2; exit 2; }
swift build -c release --product garrison-init >/dev/null
swift build -c release --product garrison-oci >/dev/null
bin=.build/release
work=$(mktemp -d /var/tmp/garrison-bench-ba.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bundle/rootfs/bin" "$work/bundle/rootfs/proc" "$work/bundle/rootfs/sys" "$work/bundle/rootfs/dev"
cp /bin/busybox "$work/bundle/rootfs/bin/busybox"
ln -s busybox "$work/bundle/rootfs/bin/true"
"$bin/garrison-oci" spec --bundle "$work/bundle"
sed -i -E 's/"ociVersion" *: *"[0-9.]+"/"ociVersion" : "1.0.2"/; s/"sh"/"\/bin\/true"/' "$work/bundle/config.json"
commands=(
  -n "garrison-oci $label" "$old/garrison-oci --root $work/state-old run --bundle $work/bundle bench-o"
  -n "garrison-oci now" "$bin/garrison-oci --root $work/state-new run --bundle $work/bundle bench-n"
  -n "crun" "crun --root $work/state-crun run --bundle $work/bundle bench-c"
  -n "runc" "runc --root $work/state-runc run --bundle $work/bundle bench-r"
)
mkdir -p bench/oci/results
hyperfine --warmup 3 --runs "${RUNS:-30}" -N --export-markdown bench/oci/results/run-release-before-after.md "${commands[@]}"
hyperfine --warmup 3 --runs "${RUNS:-30}" -N --prepare "sleep 0.05" \
  --export-markdown bench/oci/results/run-release-before-after-spaced.md "${commands[@]}"
cat bench/oci/results/run-release-before-after.md bench/oci/results/run-release-before-after-spaced.md
python3 bench/oci/interleaved.py "${ROUNDS:-60}" \
  "$label=$old/garrison-oci --root $work/state-old run --bundle $work/bundle bench-o" \
  "now=$PWD/$bin/garrison-oci --root $work/state-new run --bundle $work/bundle bench-n" \
  "crun=$(command -v crun) --root $work/state-crun run --bundle $work/bundle bench-c" \
  "runc=$(command -v runc) --root $work/state-runc run --bundle $work/bundle bench-r" \
  | tee bench/oci/results/run-release-before-after-interleaved.md
