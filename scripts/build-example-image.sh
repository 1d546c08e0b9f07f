#!/usr/bin/env bash
# Builds a small busybox image from Debian's busybox-static package and imports it as busybox:latest.
#
# Usage: scripts/build-example-image.sh [GARRISON_BINARY] [garrison image import options...]
#   GARRISON_BINARY defaults to .build/debug/garrison; extra options (e.g. --root DIR) go to `garrison image import`.
#   GARRISON_ROOT is honoured by garrison itself. Set OUT=FILE to keep the rootfs tarball
#   (default: .build/examples/busybox-rootfs.tar).
#
# The rootfs holds /bin/busybox with a symlink per applet (`busybox --list`), /etc/passwd (root 0, nobody 65534,
# app 10001), /etc/group, /tmp (1777), /root, /home/app and empty /proc /sys /dev for the runtime to mount over.
set -euo pipefail
cd "$(dirname "$0")/.."

GARRISON=${1:-.build/debug/garrison}
[ $# -gt 0 ] && shift
OUT=${OUT:-.build/examples/busybox-rootfs.tar}
BUSYBOX=/bin/busybox

if [ ! -x "$GARRISON" ]; then
  echo "error: garrison binary not found at $GARRISON (run swift build first)" >&2
  exit 2
fi
if ! dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed'; then
  echo "error: busybox-static is not installed (run scripts/setup.sh as root)" >&2
  exit 2
fi
# The image must not depend on host libraries: refuse a dynamically linked busybox.
if ldd "$BUSYBOX" >/dev/null 2>&1; then
  echo "error: $BUSYBOX is dynamically linked; the image needs busybox-static" >&2
  exit 2
fi

work=$(mktemp -d /var/tmp/garrison-example-image.XXXXXX)
trap 'rm -rf "$work"' EXIT
rootfs=$work/rootfs
mkdir -p "$rootfs"/{bin,etc,tmp,proc,sys,dev,root,home/app,var/tmp}
install -m 0755 "$BUSYBOX" "$rootfs/bin/busybox"
for applet in $("$BUSYBOX" --list); do
  case "$applet" in busybox|*/*|'') continue ;; esac
  ln -sf busybox "$rootfs/bin/$applet"
done

cat >"$rootfs/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
app:x:10001:10001:app:/home/app:/bin/sh
PASSWD
cat >"$rootfs/etc/group" <<'GROUP'
root:x:0:
nogroup:x:65534:
app:x:10001:
GROUP
echo busybox >"$rootfs/etc/hostname"
chmod 0644 "$rootfs/etc/passwd" "$rootfs/etc/group" "$rootfs/etc/hostname"
chmod 1777 "$rootfs/tmp" "$rootfs/var/tmp"
chmod 0700 "$rootfs/root"
chmod 0755 "$rootfs/home/app"

owner_args=(--owner=0 --group=0)
if [ "$(id -u)" -eq 0 ]; then
  chown -R 0:0 "$rootfs"
  chown 10001:10001 "$rootfs/home/app"
  owner_args=()
fi

mkdir -p "$(dirname "$OUT")"
# Reproducible: sorted names, fixed mtime, numeric ids.
tar --format=posix --numeric-owner "${owner_args[@]}" --sort=name --mtime=@0 \
  --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
  -C "$rootfs" -cf "$OUT" .
echo "built $OUT ($(du -h "$OUT" | cut -f1), $("$BUSYBOX" --list | wc -l) applets)"

"$GARRISON" image import "$OUT" --name busybox:latest "$@"
