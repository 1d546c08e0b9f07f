# The restricted pod bundle of bench/oci/restricted-ab.sh and bench/oci/seccomp-cache.sh. Sourced, not run; the caller
# is in the repository's top directory. `restricted_bundle GARRISON WORK` compiles bench/oci/restricted-pod.yaml with
# GARRISON (`compile --format oci`, the seccomp cache as $GARRISON_SECCOMP_CACHE says) into WORK/out, gives it a
# busybox rootfs whose /bin/true is busybox and whose /etc/passwd names uid 1000, and sets $bundle to its directory.
restricted_bundle() {
  cp bench/oci/restricted-pod.yaml "$2/pod.yaml"
  "$1" compile --format oci -o "$2/out" "$2/pod.yaml" >/dev/null
  bundle=$(dirname "$(find "$2/out" -name config.json | head -1)")
  mkdir -p "$bundle/rootfs/bin" "$bundle/rootfs/proc" "$bundle/rootfs/sys" "$bundle/rootfs/dev" "$bundle/rootfs/etc"
  cp /bin/busybox "$bundle/rootfs/bin/busybox"
  ln -s busybox "$bundle/rootfs/bin/true"
  echo "user:x:1000:1000::/:/bin/true" > "$bundle/rootfs/etc/passwd"
}

# restricted_ab_setup NAME A_DIR GARRISON: the set-up restricted-ab.sh and create-start-ab.sh share (root checked, cwd the
# repository): a scratch directory $work (/var/tmp/garrison-bench-NAME.*, removed on exit) with the seccomp cache, the
# bundle ($bundle, made crun 1.8-compatible: relative root, runtime-spec 1.0.2, no cgroupsPath) and $work/noshares, the
# same bundle without its CPU limits (cpu.shares 2); $crun; A's garrison-oci run once to fill the BPF cache.
restricted_ab_setup() {
  [ "$(id -u)" = 0 ] || { echo "bench/oci/$1: needs root" >&2; exit 2; }
  work=$(mktemp -d "/var/tmp/garrison-bench-$1.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  export GARRISON_SECCOMP_CACHE=$work/cache
  restricted_bundle "$3" "$work"
  mkdir -p "$work/noshares"
  ln -s "$bundle/rootfs" "$work/noshares/rootfs"
  python3 - "$bundle/config.json" "$work/noshares/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["root"] = {"path": "rootfs", "readonly": True}
c["ociVersion"] = "1.0.2"          # crun 1.8 accepts runtime-spec 1.0.x
c["linux"].pop("cgroupsPath", None)
json.dump(c, open(sys.argv[1], "w"), indent=2)
c["linux"]["resources"].pop("cpu", None)
json.dump(c, open(sys.argv[2], "w"), indent=2)
PY
  crun=$(command -v crun)
  "$2/garrison-oci" --root "$work/sa" run --bundle "$bundle" warm >/dev/null  # fills the BPF cache
}
