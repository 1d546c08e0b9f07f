#!/usr/bin/env bash
# Proves garrison-oci's AppArmor enforcement under a real AppArmor kernel: boots Debian's kernel in
# qemu (TCG, no KVM needed) from a small initramfs, loads Garrison's RuntimeDefault profile with
# apparmor_parser and runs busybox containers with garrison-oci. This host's own kernel has no AppArmor.
#
# Usage: scripts/apparmor-vm.sh
# Environment (all optional):
#   BIN=DIR        where garrison-oci and garrison-init are (default .build/debug)
#   KERNEL=FILE    kernel image (default: newest /boot/vmlinuz-*)
#   PROFILE=FILE   the rendered RuntimeDefault profile to load (the Swift test renders it with
#                  GarrisonLSM.AppArmorProfile.runtimeDefault). Default: Policies/apparmor's template with
#                  {{name}} replaced by garrison-default-v<version> (the same substitution, done with sed).
#   TIMEOUT=SEC    how long the VM may run (default 300; boot plus checks take about 1 min under TCG)
#   LOG=FILE       also keep the serial console output there
#   KEEP=1         keep the scratch directory (under /var/tmp) for inspection
#
# The VM machinery is shared with scripts/selinux-vm.sh (scripts/lsm-vm-lib.sh).
# The VM prints `GARRISON-VM: PASS <check> ...` / `GARRISON-VM: FAIL <check> ...` lines on its serial console.
# Exit status: 0 when every expected check passed, 1 when one failed or is missing (or the VM timed out),
# 2 when a prerequisite is missing (qemu, kernel, binaries, busybox-static, apparmor_parser, cpio).
#
# What runs in the VM (see the stage2 script below):
#   apparmor-enabled           /sys/module/apparmor/parameters/enabled is Y, securityfs has apparmor/
#   host-probe                 garrison-oci's one host-LSM probe (HostLSM: libapparmor's aa_is_enabled, libselinux's
#                              is_selinux_enabled), shown by `garrison-oci features`: AppArmor on, SELinux off
#   profile-loaded             `garrison apparmor load` (what `garrison apply` does before first use) loads the
#                              RuntimeDefault profile with apparmor_parser -r; it is listed as "(enforce)"
#   garrison-load-audited      that load is one lsm.profile_loaded audit event; loading again does nothing
#   cgroup-v2-limits           on this pure cgroup v2 VM, a container with pids.max 10 and a 64 MiB memory limit
#                              reads both inside its cgroup namespace, a storm of 20 forks is stopped, and the
#                              cgroup is gone after the run (all containers here use the v2 eBPF device program)
#   confined-label             a container with process.apparmorProfile reads "<name> (enforce)" from
#                              /proc/self/attr/current and /proc/self/attr/apparmor/current
#   confined-denial            in that container reading /proc/kallsyms fails with "Permission denied"
#                              (the template's `deny @{PROC}/kallsyms`; /proc/kallsyms is not a masked path)
#   unconfined-control         the same container without the profile reads "unconfined" and /proc/kallsyms
#   explicit-unconfined        process.apparmorProfile "unconfined" runs unconfined and its read-back passes
#   attestation                garrison-oci's read-back (enforcement.readback audit event) read the label and its
#                              mode through libapparmor's aa_gettaskcon: lsm_label=<name>, lsm_mode=enforce, passed
#   exec-readback              a process `garrison-oci exec` starts in a running confined container runs under the
#                              profile, and its own enforcement.readback records the same label and mode
#   missing-profile-refused    a container naming a profile that is not loaded is refused before anything is
#                              created (exit 3): libapparmor's query interface (aa_query_label) says no such label
#   presence-via-library       the same refusal, and a confined start, with the kernel's profile list hidden (a bind
#                              mount of /dev/null over securityfs' apparmor/profiles): presence is asked through
#                              the library, never read from that list
#   missing-profile-refused-by-init  the same with securityfs unmounted (the runtime cannot ask): garrison-init's
#                              aa_change_onexec fails and the runtime refuses (exit 4, "not loaded in the kernel")
#   missing-profile-clean      ... and neither leaves a state directory, cgroup or process behind
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lsm-vm-lib.sh
VM_NAME=apparmor-vm
PARSER=/usr/sbin/apparmor_parser
CHECKS=(apparmor-enabled host-probe profile-loaded garrison-load-audited cgroup-v2-limits confined-label confined-denial unconfined-control explicit-unconfined
        attestation exec-readback missing-profile-refused presence-via-library missing-profile-refused-by-init missing-profile-clean)

[ -x "$PARSER" ] || vm_need "$PARSER (apparmor)"
[ -d /etc/apparmor.d/tunables ] && [ -d /etc/apparmor.d/abstractions ] || vm_need "/etc/apparmor.d (apparmor)"
vm_init

# --- The profile -------------------------------------------------------------------------------------------
if [ -n "${PROFILE:-}" ]; then
  cp "$PROFILE" "$work/profile"
else
  version=$(sed -n 's/^# garrison-profile-version:[[:space:]]*//p' Policies/apparmor/runtime-default.profile.template)
  sed "s/{{name}}/garrison-default-v$version/g" Policies/apparmor/runtime-default.profile.template >"$work/profile"
fi
name=$(sed -n 's/^profile[[:space:]]\{1,\}\([^[:space:]]\{1,\}\)[[:space:]].*/\1/p' "$work/profile" | head -n 1)
[ -n "$name" ] || { echo "apparmor-vm: no 'profile NAME' line in the profile" >&2; exit 2; }
install -m 0644 "$work/profile" "$img/vm/profile"
echo "$name" >"$img/vm/profile-name"
# apparmor_parser resolves the profile's includes under /etc/apparmor.d and reads parser.conf's policy-features.
cp -a /etc/apparmor.d "$img/etc/apparmor.d"
[ -d /etc/apparmor ] && cp -a /etc/apparmor "$img/etc/apparmor"
if [ -d /usr/share/apparmor-features ]; then
  mkdir -p "$img/usr/share"
  cp -a /usr/share/apparmor-features "$img/usr/share/apparmor-features"
fi
mkdir -p "$img/vm/Policies" && cp -a Policies/apparmor "$img/vm/Policies/apparmor"
vm_install_tool "$PARSER"

# --- The bundles -------------------------------------------------------------------------------------------
# The container: stay alive a moment (the runtime reads /proc/<pid>/attr/current back after execve), then
# report its label and whether the profile's `deny @{PROC}/kallsyms` holds.
probe='sleep 1
read -r label </proc/self/attr/current; echo "LABEL=$label"
if [ -r /proc/self/attr/apparmor/current ]; then read -r l </proc/self/attr/apparmor/current; echo "AALABEL=$l"; fi
if err=$(head -c 16 /proc/kallsyms 2>&1 >/dev/null); then echo "KALLSYMS=readable"; else echo "KALLSYMS=denied $err"; fi'
export PROBE=$probe
bundle() {  # bundle DIR PROFILE-NAME-OR-EMPTY
  vm_bundle "$1" "import os
spec['process']['args'] = ['sh', '-c', os.environ['PROBE']]
spec['process'].pop('apparmorProfile', None)
if '$2': spec['process']['apparmorProfile'] = '$2'"
}
bundle confined "$name"
# cgroup v2 limits, read inside the container's cgroup namespace, and a fork storm stopped by pids.max (ash
# gives up on a failed fork, so the storm runs in a subshell and the count uses builtins only).
export LIMITS_PROBE='echo "PIDSMAX=$(cat /sys/fs/cgroup/pids.max) MEMMAX=$(cat /sys/fs/cgroup/memory.max)"
(i=0; while [ $i -lt 20 ]; do sleep 2 & i=$((i+1)); done) 2>/dev/shm/err
n=0; while read -r line; do case "$line" in *fork*) n=$((n+1));; esac; done </dev/shm/err
echo "FORKFAIL=$n"'
vm_bundle limits "import os
spec['process']['args'] = ['sh', '-c', os.environ['LIMITS_PROBE']]
spec['process'].pop('apparmorProfile', None)
spec['linux'].setdefault('resources', {})
spec['linux']['resources']['pids'] = {'limit': 10}
spec['linux']['resources']['memory'] = {'limit': 67108864}
spec['mounts'].append({'destination': '/sys/fs/cgroup', 'type': 'cgroup', 'source': 'cgroup',
                       'options': ['nosuid', 'noexec', 'nodev', 'relatime', 'ro']})"
bundle unconfined ""
# A confined container that stays up for `garrison-oci exec`.
vm_bundle long "spec['process']['args'] = ['sleep', '60']
spec['process']['apparmorProfile'] = '$name'"
bundle explicit-unconfined unconfined
bundle missing "garrison-vmtest-not-loaded"

# --- Stage 2: the checks (runs as PID 1 on the tmpfs root) --------------------------------------------------
cat >"$img/stage2" <<'STAGE2'
#!/bin/sh
. /vm/lib.sh
name=$(cat /vm/profile-name)
echo "GARRISON-VM: kernel $(uname -r), LSMs $(cat /sys/kernel/security/lsm 2>/dev/null)"

enabled=$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)
if [ "$enabled" = Y ] && [ -d /sys/kernel/security/apparmor ]; then ok apparmor-enabled "parameters/enabled=$enabled"
else bad apparmor-enabled "parameters/enabled=$enabled"; fi
features=$(garrison-oci features 2>&1 | tr -d ' \n')
if echo "$features" | grep -q '"apparmor":{"enabled":true}' && echo "$features" | grep -q '"selinux":{"enabled":false}'; then
  ok host-probe "garrison-oci features: apparmor enabled, selinux not (aa_is_enabled, is_selinux_enabled)"
else
  bad host-probe "garrison-oci features: $features"
fi

# What `garrison apply` does before the first container confined by the RuntimeDefault profile (the same code:
# DefaultAppArmorProfile + AppArmorLoader): render it from Policies/apparmor, apparmor_parser -r, check that the
# kernel lists it in enforce mode, record lsm.profile_loaded. A second call finds it loaded and does nothing.
if out=$(garrison apparmor load --root /run/garrison --policies /vm/Policies 2>&1) &&
   grep -qx "$name (enforce)" /sys/kernel/security/apparmor/profiles; then
  ok profile-loaded "$name (enforce) via garrison apparmor load: $out"
else
  bad profile-loaded "garrison apparmor load: $out"
fi
again=$(garrison apparmor load --root /run/garrison --policies /vm/Policies 2>&1)
events=$(cat /run/garrison/audit/*.jsonl 2>/dev/null | grep -c '"lsm.profile_loaded"' || true)
if [ "$events" = 1 ] && echo "$again" | grep -q "already loaded"; then
  ok garrison-load-audited "1 lsm.profile_loaded event; second load: $again"
else
  bad garrison-load-audited "events=$events second load: $again"
fi


run l1 limits
if [ "$(cat /run/l1.rc)" = 0 ] && grep -qx "PIDSMAX=10 MEMMAX=67108864" /run/l1.out \
   && ! grep -qx "FORKFAIL=0" /run/l1.out && grep -q "^FORKFAIL=" /run/l1.out && [ -z "$(nothing_left l1)" ]; then
  ok cgroup-v2-limits "$(grep -E '^(PIDSMAX|FORKFAIL)=' /run/l1.out | tr '\n' ' ')"
else
  bad cgroup-v2-limits "rc=$(cat /run/l1.rc) $(tr '\n' ' ' </run/l1.out) left:$(nothing_left l1)"
fi

run c1 confined
if [ "$(cat /run/c1.rc)" = 0 ] && grep -qx "LABEL=$name (enforce)" /run/c1.out \
   && grep -qx "AALABEL=$name (enforce)" /run/c1.out; then
  ok confined-label "$(grep '^LABEL=' /run/c1.out)"
else
  bad confined-label "rc=$(cat /run/c1.rc) $(grep 'LABEL=' /run/c1.out | tr '\n' ' ')"
fi
# (`deny` rules are quiet: the kernel logs no DENIED record for them; the unconfined control below shows the
# same read succeeds without the profile.)
if grep -q '^KALLSYMS=denied .*Permission denied' /run/c1.out; then
  ok confined-denial "$(grep '^KALLSYMS=' /run/c1.out)"
else
  bad confined-denial "$(grep '^KALLSYMS=' /run/c1.out)"
fi
left=$(nothing_left c1); [ -z "$left" ] || bad confined-label "left behind:$left"

run u1 unconfined
if [ "$(cat /run/u1.rc)" = 0 ] && grep -qx 'LABEL=unconfined' /run/u1.out && grep -qx 'KALLSYMS=readable' /run/u1.out; then
  ok unconfined-control "$(grep -E '^(LABEL|KALLSYMS)=' /run/u1.out | tr '\n' ' ')"
else
  bad unconfined-control "rc=$(cat /run/u1.rc) $(grep -E '^(LABEL|KALLSYMS)=' /run/u1.out | tr '\n' ' ')"
fi

run u2 explicit-unconfined
readback=$(cat /run/audit-u2/segment-*.jsonl 2>/dev/null | grep '"kind":"enforcement.readback"' | head -n 1)
if [ "$(cat /run/u2.rc)" = 0 ] && grep -qx 'LABEL=unconfined' /run/u2.out && echo "$readback" | grep -q '"outcome":"allowed"'; then
  ok explicit-unconfined "$(grep '^LABEL=' /run/u2.out), enforcement.readback allowed"
else
  bad explicit-unconfined "rc=$(cat /run/u2.rc) $(grep '^LABEL=' /run/u2.out) readback: ${readback:-none}"
fi

readback=$(cat /run/audit-c1/segment-*.jsonl 2>/dev/null | grep '"kind":"enforcement.readback"' | head -n 1)
if [ -n "$readback" ] && echo "$readback" | grep -q '"outcome":"allowed"' \
   && echo "$readback" | grep -q "\"lsm_label\":\"$name\"" && echo "$readback" | grep -q '"lsm_mode":"enforce"' \
   && echo "$readback" | grep -q '"exited_early":false'; then
  ok attestation "enforcement.readback allowed via aa_gettaskcon: lsm_label=\"$name\", lsm_mode=\"enforce\", exited_early=false"
else
  bad attestation "readback event: ${readback:-none}"
fi

# exec into a running confined container: the new process is confined by the same profile (the exec'd init's
# aa_change_onexec), and garrison-oci reads it back with aa_gettaskcon (its own enforcement.readback event).
stamp "exec e1"
GARRISON_AUDIT_DIR=/run/audit-e1 garrison-oci --root $root run --detach --bundle /vm/long e1 >/run/e1.out 2>/run/e1.err
rc=$?
execout=$(GARRISON_AUDIT_DIR=/run/audit-e1 garrison-oci --root $root exec e1 sh -c 'sleep 1; cat /proc/self/attr/current' 2>&1)
execrc=$?
garrison-oci --root $root kill e1 KILL >/dev/null 2>&1
sleep 1
garrison-oci --root $root delete --force e1 >/dev/null 2>&1
events=$(cat /run/audit-e1/segment-*.jsonl 2>/dev/null | grep '"kind":"enforcement.readback"')
n=$(echo "$events" | grep -c "\"lsm_label\":\"$name\".*\"lsm_mode\":\"enforce\"\|\"lsm_mode\":\"enforce\".*\"lsm_label\":\"$name\"" || true)
last=$(echo "$events" | tail -n 1)
if [ "$rc" = 0 ] && [ "$execrc" = 0 ] && [ "$(echo "$execout" | tail -n 1)" = "$name (enforce)" ] && [ "$n" = 2 ] \
   && echo "$last" | grep -q '"outcome":"allowed"'; then
  ok exec-readback "exec'd process: $(echo "$execout" | tail -n 1); 2 enforcement.readback events with lsm_label=$name lsm_mode=enforce"
else
  bad exec-readback "run=$rc exec=$execrc out=$(echo "$execout" | tr '\n' ' ') readbacks=$n $(cat /run/e1.err | tr '\n' ' ') last: ${last:-none}"
fi

run m1 missing
if [ "$(cat /run/m1.rc)" = 3 ] && grep -q 'garrison-vmtest-not-loaded is not loaded in the kernel (aa_query_label' /run/m1.err \
   && [ ! -s /run/m1.out ]; then
  ok missing-profile-refused "exit $(cat /run/m1.rc): $(head -n 1 /run/m1.err)"
else
  bad missing-profile-refused "exit $(cat /run/m1.rc), stdout: $(cat /run/m1.out | tr '\n' ' ') stderr: $(cat /run/m1.err | tr '\n' ' ')"
fi
# The kernel's profile list hidden: presence still answered (through .access), a loaded profile still confines.
mount --bind /dev/null /sys/kernel/security/apparmor/profiles
hidden=$(head -c 64 /sys/kernel/security/apparmor/profiles | wc -c)
run m3 missing
run c2 confined
umount /sys/kernel/security/apparmor/profiles
if [ "$hidden" = 0 ] && [ "$(cat /run/m3.rc)" = 3 ] && grep -q 'is not loaded in the kernel (aa_query_label' /run/m3.err \
   && [ "$(cat /run/c2.rc)" = 0 ] && grep -qx "LABEL=$name (enforce)" /run/c2.out; then
  ok presence-via-library "profile list hidden: absent profile exit 3, $(grep '^LABEL=' /run/c2.out)"
else
  bad presence-via-library "hidden=$hidden m3 exit $(cat /run/m3.rc) $(head -n 1 /run/m3.err); c2 exit $(cat /run/c2.rc) $(tr '\n' ' ' </run/c2.out)"
fi
# Without securityfs the runtime cannot list the loaded profiles; garrison-init's label write must refuse.
umount /sys/kernel/security
run m2 missing
mount -t securityfs securityfs /sys/kernel/security
if [ "$(cat /run/m2.rc)" = 4 ] && grep -q 'garrison-vmtest-not-loaded is not loaded in the kernel.*(aa_change_onexec)' /run/m2.err \
   && [ ! -s /run/m2.out ]; then
  ok missing-profile-refused-by-init "exit $(cat /run/m2.rc): $(head -n 1 /run/m2.err)"
else
  bad missing-profile-refused-by-init "exit $(cat /run/m2.rc), stdout: $(cat /run/m2.out | tr '\n' ' ')"
fi
left="$(nothing_left m1)$(nothing_left m2)$(nothing_left m3)$(nothing_left e1)"
listed=$(garrison-oci --root $root list 2>&1 | grep -v '^ID' || true)
if [ -z "$left" ] && [ -z "$listed" ]; then
  ok missing-profile-clean "no state, cgroup or container process left"
else
  bad missing-profile-clean "left behind:$left list: $(echo "$listed" | tr '\n' ' ')"
fi

stamp "done"
echo "GARRISON-VM: DONE"
sync
poweroff -f
STAGE2

vm_boot "apparmor=1 security=apparmor"
