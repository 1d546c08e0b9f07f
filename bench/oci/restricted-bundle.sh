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
