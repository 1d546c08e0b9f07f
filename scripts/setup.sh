#!/usr/bin/env bash
# Installs the Debian packages Garrison's build, tests and examples need. Idempotent; run as root.
set -euo pipefail
PKGS=(pkg-config libseccomp-dev libcap-dev libapparmor-dev libselinux1-dev libpcre2-dev libyaml-dev
      busybox-static crun runc apparmor iproute2 python3-jsonschema hyperfine
      gcc libc6-dev linux-libc-dev)  # gcc + kernel headers: the seccomp real-kernel probe in GarrisonSeccompTests
missing=()
PKGS+=(chromium)  # headless rendering of the HTML audit report in GarrisonAuditTests
PKGS+=(containerd podman)  # real OCI clients driving garrison-oci in scripts/clients-test.sh (podman pulls conmon)
PKGS+=(tmux)  # drives `garrison exec -it` through a real terminal in ExecTests
PKGS+=(qemu-system-x86 cpio binutils python3)  # scripts/apparmor-vm.sh (AppArmorVMTests): initramfs + qemu TCG
# scripts/selinux-vm.sh (SELinuxVMTests): Debian's policy (compiled on install, loaded in the VM), semodule/load_policy
# for `garrison selinux load`, setenforce; checkpolicy/secilc to check Policies/selinux by hand. The host's own kernel
# stays without SELinux: installing these does not enable it.
PKGS+=(selinux-policy-default policycoreutils selinux-utils semodule-utils checkpolicy secilc bzip2)
PKGS+=(prometheus)  # promtool check metrics and a real Prometheus scraping `garrison metrics serve` (MetricsTests); its service is never started
for p in "${PKGS[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p"); done
export DEBIAN_FRONTEND=noninteractive
updated=0
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  updated=1
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# A Debian kernel with AppArmor and SELinux for scripts/apparmor-vm.sh and scripts/selinux-vm.sh: only /boot/vmlinuz-* is used. Installing the package
# runs update-initramfs, which works in most containers; where the postinst fails, the image is extracted from
# the downloaded package instead (no dpkg state, nothing else needed).
if ! ls /boot/vmlinuz-* >/dev/null 2>&1; then
  [ "$updated" = 1 ] || apt-get update -qq
  if ! apt-get install -y -qq --no-install-recommends linux-image-amd64 >/dev/null; then
    echo "setup: installing linux-image-amd64 failed; extracting the kernel image from the package" >&2
    kpkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
    kdir=$(mktemp -d /var/tmp/garrison-kernel.XXXXXX)
    (cd "$kdir" && apt-get download -qq "$kpkg")
    dpkg-deb -x "$kdir"/*.deb "$kdir/x"
    install -m 0644 "$kdir"/x/boot/vmlinuz-* /boot/
    # scripts/selinux-vm.sh loads overlayfs (a module in Debian's kernel) for pods' writable layers.
    for ko in "$kdir"/x/lib/modules/*/kernel/fs/overlayfs/overlay.ko; do
      [ -e "$ko" ] && install -D -m 0644 "$ko" "/lib/modules/${ko#"$kdir"/x/lib/modules/}"
    done
    rm -rf "$kdir"
  fi
  ls /boot/vmlinuz-* >/dev/null
fi
