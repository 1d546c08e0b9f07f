# Shared machinery of the real-kernel LSM proofs (scripts/apparmor-vm.sh, scripts/selinux-vm.sh): Debian's
# kernel under qemu TCG (no KVM needed) from a small initramfs holding busybox, the debug-built garrison,
# garrison-oci and garrison-init, a busybox container rootfs and the caller's stage 2 script. Sourced, not run.
#
# The caller sets VM_NAME (its log prefix) and CHECKS (the checks that must PASS), calls vm_init, adds its own
# files under $img (the tree that becomes the VM's root), writes $img/stage2 (which sources /vm/lib.sh for
# ok/bad/stamp/run/nothing_left) and calls vm_boot with the kernel command line's LSM part.
# Environment (all optional): BIN (default .build/debug), KERNEL (default: newest /boot/vmlinuz-*),
# TIMEOUT (default 300 s), LOG (keep the serial console there), KEEP=1 (keep the scratch directory), QEMU.
# Exit status of vm_boot: 0 when every check in CHECKS passed, 1 when one failed or is missing (or the VM timed
# out); vm_need exits 2 when a prerequisite is missing.

BIN=${BIN:-.build/debug}
TIMEOUT=${TIMEOUT:-300}
QEMU=${QEMU:-qemu-system-x86_64}
BUSYBOX=/bin/busybox

vm_need() { echo "$VM_NAME: missing prerequisite: $*" >&2; exit 2; }

# vm_init: checks the common prerequisites, makes the scratch directory ($work, removed on exit), the initramfs
# tree ($top) and the VM's root ($img) with busybox, the garrison binaries and their libraries, the container
# rootfs ($img/vm/rootfs) and garrison-oci's default config ($work/config.json).
vm_init() {
  command -v "$QEMU" >/dev/null || vm_need "$QEMU (Debian package qemu-system-x86)"
  if [ -z "${KERNEL:-}" ]; then
    KERNEL=$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1 || true)
  fi
  [ -n "$KERNEL" ] && [ -r "$KERNEL" ] || vm_need "a kernel image /boot/vmlinuz-* (Debian package linux-image-amd64)"
  for b in garrison-oci garrison-init garrison garrison-cli; do
    [ -x "$BIN/$b" ] || vm_need "$BIN/$b (swift build --product $b)"
  done
  [ -x "$BUSYBOX" ] && ! ldd "$BUSYBOX" >/dev/null 2>&1 || vm_need "a static $BUSYBOX (busybox-static)"
  command -v cpio >/dev/null || vm_need "cpio"
  command -v strip >/dev/null || vm_need "strip (binutils)"
  command -v python3 >/dev/null || vm_need "python3"
  if ldd "$BIN/garrison-init" >/dev/null 2>&1; then vm_need "a static garrison-init (it is dynamically linked)"; fi

  work=$(mktemp -d "/var/tmp/garrison-$VM_NAME.XXXXXX")
  trap vm_cleanup EXIT
  top=$work/cpio   # the initramfs: /init (stage 1), busybox, /dev/console and /img
  img=$top/img     # the tree stage 1 moves onto a tmpfs before switch_root (pivot_root fails on rootfs)
  mkdir -p "$top"/{bin,dev,newroot} "$img"/{bin,dev,proc,sys,run,tmp,root,etc,usr/sbin,usr/bin,usr/local/bin,vm}

  # Debug binaries carry DWARF and symbol tables; stripped copies keep the initramfs (and TCG's unpacking) small.
  for b in garrison-oci garrison-init garrison garrison-cli; do strip -s -o "$img/usr/local/bin/$b" "$BIN/$b"; done
  vm_copy_libs "$BIN/garrison-oci"
  vm_copy_libs "$BIN/garrison-cli"
  install -m 0755 "$BUSYBOX" "$img/bin/busybox"
  for applet in $("$BUSYBOX" --list); do
    case "$applet" in busybox|*/*|'') continue ;; esac
    ln -sf busybox "$img/bin/$applet"
  done
  echo "root:x:0:0:root:/root:/bin/sh" >"$img/etc/passwd"
  echo "root:x:0:" >"$img/etc/group"

  rootfs=$img/vm/rootfs
  mkdir -p "$rootfs"/{bin,etc,proc,sys,dev,tmp}
  install -m 0755 "$BUSYBOX" "$rootfs/bin/busybox"
  for applet in sh cat head echo sleep grep true ls stat; do ln -sf busybox "$rootfs/bin/$applet"; done
  printf 'root:x:0:0:root:/:/bin/sh\n' >"$rootfs/etc/passwd"
  printf 'root:x:0:\n' >"$rootfs/etc/group"
  chmod 1777 "$rootfs/tmp"
  "$BIN/garrison-oci" spec --bundle "$work" >/dev/null
  vm_stage1
  vm_stage2_lib
}

vm_cleanup() { if [ "${KEEP:-0}" = 1 ]; then echo "$VM_NAME: kept $work" >&2; else rm -rf "$work"; fi; }

# vm_copy_libs FILE: copies the ELF interpreter and each `ldd` dependency of FILE (none if static) to the same
# path under $img.
vm_copy_libs() {
  { ldd "$1" 2>/dev/null || true; } | awk '/=> \//{print $3} /^[[:space:]]*\/[^ ]*ld-linux/{print $1}' | while read -r lib; do
    [ -e "$img$lib" ] && continue
    mkdir -p "$img$(dirname "$lib")"
    cp -L "$lib" "$img$lib"
  done
}

# vm_install_tool PATH: a host tool (and its libraries) at the same path in the VM.
vm_install_tool() {
  mkdir -p "$img$(dirname "$1")"
  install -m 0755 "$1" "$img$1"
  vm_copy_libs "$1"
}

# Stage 1 (the initramfs' /init): move the tree onto a tmpfs and switch_root into it.
vm_stage1() {
  install -m 0755 "$BUSYBOX" "$top/bin/busybox"
  mknod -m 600 "$top/dev/console" c 5 1
  cat >"$top/init" <<'STAGE1'
#!/bin/busybox sh
/bin/busybox mount -t tmpfs -o mode=0755 tmpfs /newroot || /bin/busybox echo "GARRISON-VM: FAIL stage1 mount tmpfs"
/bin/busybox mv /img/* /newroot/
exec /bin/busybox switch_root /newroot /stage2
STAGE1
  chmod 0755 "$top/init"
}

# /vm/lib.sh, sourced by stage 2: the mounts every VM needs and the check helpers.
vm_stage2_lib() {
  cat >"$img/vm/lib.sh" <<'STAGE2LIB'
export PATH=/bin:/usr/sbin:/usr/bin:/usr/local/bin HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
mount -t securityfs securityfs /sys/kernel/security
# A pure cgroup v2 host (the development host is hybrid, with every controller on v1): garrison-oci's cgroup
# manager must enable the controllers down its path itself, and device rules become an eBPF program.
mount -t cgroup2 cgroup2 /sys/fs/cgroup || echo "GARRISON-VM: note: cgroup2 not mountable"
ok() { echo "GARRISON-VM: PASS $*"; }
bad() { echo "GARRISON-VM: FAIL $*"; }
stamp() { echo "GARRISON-VM: at $(cut -d' ' -f1 /proc/uptime)s $*"; }
root=/run/garrison-oci
# run ID BUNDLE: garrison-oci run, output in /run/ID.out, stderr in /run/ID.err, status in /run/ID.rc,
# audit log in /run/audit-ID.
run() {
  stamp "run $1 ($2)"
  GARRISON_AUDIT_DIR=/run/audit-$1 garrison-oci --root $root run --bundle /vm/$2 $1 >/run/$1.out 2>/run/$1.err
  echo $? >/run/$1.rc
  sed "s/^/GARRISON-VM:   $1 | /" /run/$1.out /run/$1.err
}
# nothing_left ID: no state, no cgroup, and every process still in our mount namespace (no container remains)
nothing_left() {
  left=""
  [ -e $root/$1 ] && left="$left state:$root/$1"
  for d in /sys/fs/cgroup/garrison-oci-$1 /sys/fs/cgroup/*/garrison-oci-$1; do [ -e "$d" ] && left="$left cgroup:$d"; done
  ours=$(readlink /proc/1/ns/mnt)
  for p in /proc/[0-9]*; do
    [ -s $p/cmdline ] || continue  # kernel threads (kdevtmpfs has a mount namespace of its own)
    ns=$(readlink $p/ns/mnt 2>/dev/null) || continue
    [ -n "$ns" ] && [ "$ns" != "$ours" ] && left="$left pid:${p#/proc/}($(tr '\0' ' ' <$p/cmdline))"
  done
  echo "$left"
}
# readback ID: the first enforcement.readback audit event of run ID
readback() { cat /run/audit-$1/segment-*.jsonl 2>/dev/null | grep '"kind":"enforcement.readback"' | head -n 1; }
stamp "stage2 started"
STAGE2LIB
}

# vm_bundle NAME PYTHON: writes $img/vm/NAME/config.json from garrison-oci's default config, root /vm/rootfs,
# after running the PYTHON snippet on `spec` (a dict).
vm_bundle() {
  mkdir -p "$img/vm/$1"
  python3 - "$work/config.json" "$img/vm/$1/config.json" "$2" <<'PY'
import json, sys
src, dst, code = sys.argv[1:4]
spec = json.load(open(src))
spec["root"]["path"] = "/vm/rootfs"
exec(code)
json.dump(spec, open(dst, "w"), indent=2, sort_keys=True)
PY
}

# vm_boot LSM-ARGS: builds the initramfs, boots it, prints the GARRISON-VM lines and judges CHECKS.
# `no_timer_check`: on a loaded host TCG runs too slowly for the kernel's IO-APIC timer check, which then
# panics ("IO-APIC + timer doesn't work") before anything else.
vm_boot() {
  chmod 0755 "$img/stage2"
  (cd "$top" && find . -print0 | cpio --null -o -H newc --quiet) >"$work/initrd.cpio"
  echo "$VM_NAME: initramfs $(du -h "$work/initrd.cpio" | cut -f1), kernel $KERNEL" >&2
  local start status=0 elapsed failed=0
  start=$(date +%s)
  timeout -k 5 "$TIMEOUT" "$QEMU" -accel tcg -m 1G -smp 1 -nographic -no-reboot -monitor none \
    -kernel "$KERNEL" -initrd "$work/initrd.cpio" \
    -append "console=ttyS0 $1 panic=-1 quiet no_timer_check" \
    </dev/null >"$work/console.log" 2>&1 || status=$?
  elapsed=$(( $(date +%s) - start ))
  tr -d '\r' <"$work/console.log" >"$work/console.txt"
  [ -n "${LOG:-}" ] && cp "$work/console.txt" "$LOG"
  grep 'GARRISON-VM:' "$work/console.txt" || true

  if [ "$status" = 124 ] || [ "$status" = 137 ]; then echo "$VM_NAME: FAIL timeout after ${TIMEOUT}s" >&2; failed=1; fi
  grep -q '^GARRISON-VM: FAIL' "$work/console.txt" && failed=1
  for check in "${CHECKS[@]}"; do
    if ! grep -q "^GARRISON-VM: PASS $check" "$work/console.txt"; then
      echo "$VM_NAME: FAIL $check: no PASS line" >&2
      failed=1
    fi
  done
  grep -q '^GARRISON-VM: DONE' "$work/console.txt" || { echo "$VM_NAME: FAIL the VM did not finish" >&2; failed=1; }
  if [ "$failed" != 0 ]; then
    echo "$VM_NAME: console tail:" >&2
    tail -n 40 "$work/console.txt" >&2
    echo "$VM_NAME: FAILED (${elapsed}s)" >&2
    exit 1
  fi
  echo "$VM_NAME: all ${#CHECKS[@]} checks passed (${elapsed}s in the VM)"
}
