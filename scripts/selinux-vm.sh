#!/usr/bin/env bash
# Proves garrison-oci's and the pod runner's SELinux enforcement under a real SELinux kernel: boots Debian's
# kernel in qemu (TCG, no KVM needed) with `security=selinux`, loads Debian's selinux-policy-default, installs
# Garrison's own policy module (Policies/selinux) with `garrison selinux load` and runs busybox containers, with
# garrison-oci directly and as pods through `garrison apply`. This host's own kernel has no SELinux.
# The VM machinery is shared with scripts/apparmor-vm.sh (scripts/lsm-vm-lib.sh).
#
# Usage: scripts/selinux-vm.sh
# Environment (all optional): BIN, KERNEL, TIMEOUT, LOG, KEEP, QEMU as in scripts/lsm-vm-lib.sh.
#
# Policy in the VM: the kernel boots with SELinux on and no policy; stage 2 loads the host's compiled
# selinux-policy-default (/etc/selinux/default/policy) with load_policy, switches to enforcing, runs
# `garrison selinux load` (semodule -i on the policy store) and then labels the container rootfs
# container_ro_file_t:s0 (as an image store would). The VM's copy of the store keeps
# selinux-policy-default's base and unconfined modules only: rebuilding all 331 modules under TCG takes minutes
# (base's seuser for sddm, whose SELinux user lives in the xserver module, is dropped with them).
#
# Exit status: 0 when every check passed, 1 when one failed or is missing (or the VM timed out), 2 when a
# prerequisite is missing (qemu, kernel, binaries, busybox-static, cpio, selinux-policy-default,
# policycoreutils, selinux-utils).
#
# Checks (GARRISON-VM: PASS/FAIL lines on the serial console):
#   selinux-enforcing        /sys/fs/selinux/enforce is 1 and the kernel's LSM list names selinux
#   host-probe               garrison-oci's one host-LSM probe (HostLSM: libselinux's is_selinux_enabled, libapparmor's
#                            aa_is_enabled), shown by `garrison-oci features`: SELinux on, AppArmor off
#   module-loaded            `garrison selinux load` installs garrison-selinux-v<N> (semodule lists it); a second
#                            load finds it loaded; the load is one lsm.profile_loaded audit event (mechanism selinux)
#   process-label            a container with process.selinuxLabel container_t:s0:c1,c2 reads exactly that from
#                            /proc/self/attr/current, and garrison-oci's enforcement.readback event says so: the label
#                            from getpidcon, lsm_mode enforcing (security_getenforce)
#   tmpfs-mount-label        its /dev/shm (a tmpfs garrison-oci mounted with context=<linux.mountLabel>) is writable
#   mcs-denial               it reads a file labelled container_file_t at its own level, but one at s0:c3,c4 fails
#                            with "Permission denied", and the kernel log has the AVC denial for it
#   unknown-label-refused    a label the policy does not know (nosuch_t) is refused before anything is created:
#                            exit 3 naming process.selinuxLabel, no state, cgroup or process left
#   pod-label                a pod applied with `garrison apply` runs as container_t at its own per-pod MCS level
#   emptydir-labelled        its emptyDir is labelled container_file_t at the pod's level and writable
#   hostpath-isolation       two pods with different levels share a hostPath (labelled container_file_t:s0 by
#                            the operator, never relabelled): the second cannot read the file the first wrote
#   privileged-spc           a privileged pod runs as spc_t
#   lint-spc                 `garrison lint --level baseline` flags seLinuxOptions.type spc_t
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lsm-vm-lib.sh
VM_NAME=selinux-vm
CHECKS=(selinux-enforcing host-probe module-loaded process-label tmpfs-mount-label mcs-denial unknown-label-refused
        pod-label emptydir-labelled hostpath-isolation privileged-spc lint-spc)

for tool in /usr/sbin/load_policy /usr/sbin/semodule /usr/sbin/setenforce /usr/bin/chcon /usr/bin/stat; do
  [ -x "$tool" ] || vm_need "$tool (policycoreutils, selinux-utils, coreutils)"
done
[ -r /etc/selinux/default/policy/policy.33 ] || ls /etc/selinux/default/policy/policy.* >/dev/null 2>&1 \
  || vm_need "/etc/selinux/default/policy (selinux-policy-default)"
[ -d /var/lib/selinux/default/active/modules/100/base ] || vm_need "/var/lib/selinux/default (selinux-policy-default)"
command -v bzip2 >/dev/null || vm_need "bzip2"
vm_init
# Pods' writable layers are overlays; Debian builds overlayfs as a module, which the initramfs must carry.
overlay_ko=/lib/modules/${KERNEL##*/vmlinuz-}/kernel/fs/overlayfs/overlay.ko
[ -r "$overlay_ko" ] || vm_need "$overlay_ko (the kernel's modules, linux-image-amd64)"
install -m 0644 "$overlay_ko" "$img/vm/overlay.ko"

# --- SELinux userland and policy -----------------------------------------------------------------------------
# libsemanage runs load_policy (and setfiles, sefcontext_compile when present) by their /sbin paths.
for tool in /usr/sbin/load_policy /usr/sbin/semodule /usr/sbin/setenforce /usr/sbin/getenforce /usr/sbin/setfiles \
            /usr/sbin/sefcontext_compile /usr/bin/chcon /usr/bin/stat /usr/bin/unshare /usr/bin/sleep; do
  if [ -x "$tool" ]; then vm_install_tool "$tool"; fi
done
ln -s usr/sbin "$img/sbin"
cp -a /etc/selinux "$img/etc/selinux"
sed -i 's/^SELINUX=.*/SELINUX=permissive/' "$img/etc/selinux/config"
mkdir -p "$img/var/lib/selinux"
cp -a /var/lib/selinux/default "$img/var/lib/selinux/default"
rm -rf "$img/var/lib/selinux/default/tmp" "$img/var/lib/selinux/default/semanage."*LOCK 2>/dev/null || true
for m in "$img"/var/lib/selinux/default/active/modules/*/*; do
  case "$(basename "$m")" in base|unconfined) ;; *) rm -rf "$m" ;; esac
done
sed -i '/^sddm:/d' "$img/var/lib/selinux/default/active/seusers" "$img/var/lib/selinux/default/active/seusers.linked"
basecil="$img/var/lib/selinux/default/active/modules/100/base/cil"
bzcat "$basecil" | grep -v '^(selinuxuser sddm ' | bzip2 >"$basecil.new"
mv "$basecil.new" "$basecil"
cp -a Policies "$img/vm/Policies"  # selinux (the module), seccomp and lint (for apply and lint)

# --- Files with labels (set in the VM: chcon after the policy is loaded) and the bundles -------------------------
mkdir -p "$img/vm/other" "$img/vm/shared"
echo "own-level" >"$img/vm/other/own.txt"
echo "other-level" >"$img/vm/other/secret.txt"
export PROBE='sleep 1
read -r label </proc/self/attr/current; echo "LABEL=$label"
if echo ok >/dev/shm/probe && [ "$(cat /dev/shm/probe)" = ok ]; then echo "SHM=writable"; else echo "SHM=failed"; fi
echo "OWN=$(cat /other/own.txt 2>&1)"
if err=$(cat /other/secret.txt 2>&1); then echo "SECRET=readable $err"; else echo "SECRET=denied $err"; fi'
labelled='import os
spec["process"]["args"] = ["sh", "-c", os.environ["PROBE"]]
spec["process"].pop("apparmorProfile", None)
spec["process"]["selinuxLabel"] = "system_u:system_r:container_t:s0:c1,c2"
spec["linux"]["mountLabel"] = "system_u:object_r:container_file_t:s0:c1,c2"
spec["mounts"].append({"destination": "/other", "type": "bind", "source": "/vm/other", "options": ["rbind", "ro"]})'
vm_bundle labelled "$labelled"
vm_bundle unknown "$labelled
spec['process']['selinuxLabel'] = 'system_u:system_r:nosuch_t:s0:c1,c2'"

# --- Pods --------------------------------------------------------------------------------------------------------
pod() {  # pod NAME SCRIPT [privileged]; SCRIPT goes into a single-quoted YAML scalar (it has no ')
  cat >"$img/vm/pod-$1.yaml" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: $1}
spec:
  restartPolicy: Never
  containers:
  - name: c
    image: busybox
    command: ['sh', '-c', '$2']
    securityContext: {privileged: ${3:-false}}
    volumeMounts: [{name: data, mountPath: /data}, {name: shared, mountPath: /shared}]
  volumes:
  - {name: data, emptyDir: {}}
  - {name: shared, hostPath: {path: /vm/shared, type: Directory}}
YAML
}
label='read -r l </proc/self/attr/current; echo LABEL=$l'
pod a "$label"'; echo hi >/data/f && echo EMPTYDIR=$(cat /data/f); echo from-a >/shared/a.txt && echo SHARED=written'
pod b "$label"'; if e=$(cat /shared/a.txt 2>&1); then echo CROSS=readable $e; else echo CROSS=denied $e; fi'
pod p "$label" true
cat >"$img/vm/spc.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: spc}
spec:
  containers:
  - name: c
    image: busybox
    securityContext: {seLinuxOptions: {type: spc_t}}
YAML

# --- Stage 2 -----------------------------------------------------------------------------------------------------
cat >"$img/stage2" <<'STAGE2'
#!/bin/sh
. /vm/lib.sh
mount -t selinuxfs selinuxfs /sys/fs/selinux
insmod /vm/overlay.ko || echo "GARRISON-VM: note: insmod overlay.ko failed"
export GARRISON_POLICIES=/vm/Policies
# The pod sandbox is util-linux's `unshare --fork --kill-child sleep infinity` (busybox's has no --kill-child).
export PATH=/usr/bin:$PATH
# Container output through a pipe: at exec SELinux closes the descriptors the new domain may not use, and
# container_t may not write the VM's own files (tmpfs_t); a pipe from the runtime's side it may (as in a pod).
run() {
  stamp "run $1 ($2)"
  { GARRISON_AUDIT_DIR=/run/audit-$1 garrison-oci --root $root run --bundle /vm/$2 $1 2>/run/$1.err; echo $? >/run/$1.rc; } \
    | cat >/run/$1.out
  sed "s/^/GARRISON-VM:   $1 | /" /run/$1.out /run/$1.err
}
echo "GARRISON-VM: kernel $(uname -r), LSMs $(cat /sys/kernel/security/lsm 2>/dev/null)"
/usr/sbin/load_policy || echo "GARRISON-VM: note: load_policy failed"
/usr/sbin/setenforce 1
stamp "policy loaded"

enforce=$(cat /sys/fs/selinux/enforce 2>/dev/null)
if [ "$enforce" = 1 ] && grep -q selinux /sys/kernel/security/lsm; then ok selinux-enforcing "enforce=$enforce getenforce=$(/usr/sbin/getenforce)"
else bad selinux-enforcing "enforce=$enforce lsm=$(cat /sys/kernel/security/lsm)"; fi
features=$(garrison-oci features 2>&1 | tr -d ' \n')
if echo "$features" | grep -q '"selinux":{"enabled":true}' && echo "$features" | grep -q '"apparmor":{"enabled":false}'; then
  ok host-probe "garrison-oci features: selinux enabled, apparmor not (is_selinux_enabled, aa_is_enabled)"
else
  bad host-probe "garrison-oci features: $features"
fi

out=$(garrison selinux load --root /run/garrison --policies /vm/Policies 2>&1); rc=$?
stamp "garrison selinux load"
again=$(garrison selinux load --root /run/garrison --policies /vm/Policies 2>&1)
listed=$(/usr/sbin/semodule -l 2>&1 | grep '^garrison-selinux-v' || true)
events=$(cat /run/garrison/audit/*.jsonl 2>/dev/null | grep '"lsm.profile_loaded"' | grep -c '"selinux"' || true)
if [ "$rc" = 0 ] && echo "$out" | grep -q ': loaded$' && echo "$again" | grep -q 'already loaded' && [ -n "$listed" ] \
   && [ "$events" = 1 ]; then
  ok module-loaded "$out; semodule -l: $listed; second load: $again; 1 lsm.profile_loaded event"
else
  bad module-loaded "rc=$rc out: $out; again: $again; listed: $listed; events=$events"
fi

# Now that the policy knows the module's types: the container rootfs is an image, read-only content for every
# container; of the bind-mounted files one is at the test container's level, one at another; the shared hostPath
# directory is the operator's, at s0.
/usr/bin/chcon -R system_u:object_r:container_ro_file_t:s0 /vm/rootfs
/usr/bin/chcon system_u:object_r:container_file_t:s0 /vm/other /vm/shared
/usr/bin/chcon system_u:object_r:container_file_t:s0:c1,c2 /vm/other/own.txt
/usr/bin/chcon system_u:object_r:container_file_t:s0:c3,c4 /vm/other/secret.txt

run l1 labelled
want=system_u:system_r:container_t:s0:c1,c2
rb=$(readback l1)
if [ "$(cat /run/l1.rc)" = 0 ] && grep -qx "LABEL=$want" /run/l1.out && echo "$rb" | grep -q '"outcome":"allowed"' \
   && echo "$rb" | grep -q "\"lsm_label\":\"$want\"" && echo "$rb" | grep -q '"lsm_mode":"enforcing"'; then
  ok process-label "LABEL=$want; enforcement.readback allowed with lsm_label=$want lsm_mode=enforcing"
else
  bad process-label "rc=$(cat /run/l1.rc) $(grep '^LABEL=' /run/l1.out) readback: ${rb:-none}"
fi
if grep -qx "SHM=writable" /run/l1.out; then ok tmpfs-mount-label "/dev/shm writable at the mount label"
else bad tmpfs-mount-label "$(grep '^SHM=' /run/l1.out)"; fi
avc=$(dmesg | grep 'avc:  denied' | grep 'scontext=system_u:system_r:container_t:s0:c1,c2' \
      | grep 'tcontext=system_u:object_r:container_file_t:s0:c3,c4' | head -n 1)
if grep -qx "OWN=own-level" /run/l1.out && grep -q '^SECRET=denied .*Permission denied' /run/l1.out && [ -n "$avc" ]; then
  ok mcs-denial "$(grep '^SECRET=' /run/l1.out); kernel log: ${avc#*avc:}"
else
  bad mcs-denial "$(grep -E '^(OWN|SECRET)=' /run/l1.out | tr '\n' ' ') avc: ${avc:-none}"
fi

run u1 unknown
left=$(nothing_left u1)
if [ "$(cat /run/u1.rc)" = 3 ] && grep -q 'process.selinuxLabel' /run/u1.err && grep -q 'nosuch_t' /run/u1.err \
   && [ ! -s /run/u1.out ] && [ -z "$left" ]; then
  ok unknown-label-refused "exit 3: $(head -n 1 /run/u1.err)"
else
  bad unknown-label-refused "exit $(cat /run/u1.rc): $(head -n 1 /run/u1.err) left:$left"
fi

# Pods: `garrison apply` compiles the manifest (container_t with a per-pod MCS level), prepares and relabels the
# volumes, mounts the writable layer with context= and starts the containers through garrison-oci.
apply() {
  stamp "apply $1"
  garrison apply --root /run/garrison -f /vm/pod-$1.yaml --rootfs /vm/rootfs --network none \
    --runtime /usr/local/bin/garrison-oci --wait --timeout 120 >/run/apply-$1.out 2>&1
  echo $? >/run/apply-$1.rc
  garrison logs $1 --root /run/garrison >/run/pod-$1.out 2>&1
  sed "s/^/GARRISON-VM:   pod $1 | /" /run/apply-$1.out /run/pod-$1.out
}
apply a
la=$(sed -n 's/^LABEL=//p' /run/pod-a.out)
levela=${la#system_u:system_r:container_t:}
emptydir=$(/usr/bin/stat -c %C /run/garrison/pods/default/a/volumes/data 2>&1)
if [ "$(cat /run/apply-a.rc)" = 0 ] && echo "$la" | grep -qx 'system_u:system_r:container_t:s0:c[0-9]*,c[0-9]*'; then
  ok pod-label "LABEL=$la"
else
  bad pod-label "apply rc=$(cat /run/apply-a.rc) LABEL=$la"
fi
if grep -qx "EMPTYDIR=hi" /run/pod-a.out && [ "$emptydir" = "system_u:object_r:container_file_t:$levela" ]; then
  ok emptydir-labelled "volumes/data is $emptydir, written from the pod"
else
  bad emptydir-labelled "volumes/data is $emptydir (want container_file_t:$levela) $(grep '^EMPTYDIR=' /run/pod-a.out)"
fi
apply b
lb=$(sed -n 's/^LABEL=//p' /run/pod-b.out)
written=$(/usr/bin/stat -c %C /vm/shared/a.txt 2>&1)
if grep -qx "SHARED=written" /run/pod-a.out && [ -n "$lb" ] && [ "$lb" != "$la" ] \
   && grep -q '^CROSS=denied .*Permission denied' /run/pod-b.out; then
  ok hostpath-isolation "pod a ($levela) wrote /vm/shared/a.txt ($written); pod b (${lb#system_u:system_r:container_t:}): $(grep '^CROSS=' /run/pod-b.out)"
else
  bad hostpath-isolation "a=$la b=$lb file=$written $(grep -E '^(SHARED|CROSS)=' /run/pod-a.out /run/pod-b.out | tr '\n' ' ')"
fi
apply p
lp=$(sed -n 's/^LABEL=//p' /run/pod-p.out)
if [ "$lp" = "system_u:system_r:spc_t:s0" ]; then ok privileged-spc "LABEL=$lp"
else bad privileged-spc "apply rc=$(cat /run/apply-p.rc) LABEL=$lp"; fi
for p in a b p; do garrison delete pod $p --root /run/garrison >/dev/null 2>&1 || echo "GARRISON-VM: note: delete pod $p failed"; done

lint=$(garrison lint --level baseline --no-config /vm/spc.yaml 2>&1); rc=$?
if [ "$rc" = 1 ] && echo "$lint" | grep -q 'seLinuxOptions' && echo "$lint" | grep -q 'spc_t'; then
  ok lint-spc "exit 1: $(echo "$lint" | grep -m 1 spc_t)"
else
  bad lint-spc "exit $rc: $lint"
fi

dmesg | grep 'avc:' | tail -n 20 | sed 's/^/GARRISON-VM: kernel log: /'
stamp "done"
echo "GARRISON-VM: DONE"
sync
poweroff -f
STAGE2

vm_boot "security=selinux selinux=1 enforcing=0"
