#!/usr/bin/env bash
# Regenerates Sources/garrison-supervisor/hot-sections.txt: the function sections a pod supervisor runs, which the
# release link of garrison-supervisor places first (gold --section-ordering-file), so the code it touches fills few
# of the 64 KB blocks the kernel's fault-around maps (bench/pods/RESULTS.md). Root; run after a release build:
#   nice swift build -c release --scratch-path .build-release --product garrison-supervisor
#   scripts/supervisor-layout.sh
# then build garrison-supervisor again (this script removes the binary: SwiftPM does not track the list as an input of
# its link). A stale list costs memory, never behaviour: names that no longer exist are ignored.
#
# How the functions a supervisor runs are found, at function granularity:
#   1. a profiling link of the same objects and archives, every `.text*` input section aligned to a 4 KB page
#      (objcopy --set-section-alignment on copies), so a touched page names exactly one section;
#   2. that binary placed on a scratch ext4 loop file system whose read-ahead is 0 and whose page cache is cold (a fresh
#      mount): a fault reads only its own page and fault-around maps only cached pages, so the supervisor's present
#      pages (/proc/PID/pagemap) are the pages it touched;
#   3. one init + 2 app pod started with it (`apply`, busybox rootfs, --network none) and left running a second; the
#      touched pages are mapped back to input sections through the link map.
# Sections of archives built without -ffunction-sections (whole `.text` of an object) cannot be named for gold and are
# left out; the Garrison modules are built with -function-sections (Package.swift, `functionSections`).
# garrison-keeper is deliberately not copied beside the supervisor: it stays resident, which is what this measures.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "needs root (loop mount, pods)" >&2; exit 2; }
REL=${REL:-.build-release/x86_64-unknown-linux-gnu/release}
BIN=${BIN:-$REL}  # where garrison, garrison-oci and garrison-init come from
[ -x $REL/garrison-supervisor ] && [ -x $BIN/garrison ] || { echo "build garrison and garrison-supervisor (release) first" >&2; exit 2; }
OUT=Sources/garrison-supervisor/hot-sections.txt
S=$(mktemp -d /var/tmp/garrison-layout-XXXXXX)
LOOP=
cleanup() {
  [ -n "$LOOP" ] && losetup -d "$LOOP" 2>/dev/null || true
  [ -n "${KEEP_SCRATCH:-}" ] || rm -rf "$S"
}
trap cleanup EXIT
. scripts/supervisor-lib.sh

# 1. The link command SwiftPM used, through the driver (-v prints gold's arguments), minus the ordering file.
sup_link_args drop-ordering
mapfile -t SWIFTC < $S/swiftc.args
"${SWIFTC[@]}" -v 2> $S/driver.log >/dev/null
awk '/Arguments passed via response file:/{f=1;next} /end of response file/{f=0} f' $S/driver.log > $S/gold.args
S_LIB=$(dirname "$(dirname "$(command -v swiftc)")")/lib/swift_static/linux
mkdir -p $S/lib $S/objs
if [ -n "${ALIGNED_LIBS:-}" ]; then cp -a "$ALIGNED_LIBS"/*.a $S/lib/  # copies made by an earlier run of this script
else for a in $S_LIB/*.a /usr/lib/x86_64-linux-gnu/libc.a; do objcopy --set-section-alignment '.text*=4096' "$a" "$S/lib/$(basename "$a")" 2>/dev/null; done; fi
python3 - "$S" "$S_LIB" <<'PY'
import sys, shlex, subprocess, os, hashlib
S, lib = sys.argv[1], sys.argv[2]
args = shlex.split(open(S + '/gold.args').read())
out = []
for a in args:
    if a == '-L' + lib: out.append('-L' + S + '/lib')
    if a.endswith('.o') and '.build/' in a:
        d = S + '/objs/' + hashlib.md5(a.encode()).hexdigest()[:12] + '-' + os.path.basename(a)
        subprocess.run(['objcopy', '--set-section-alignment', '.text*=4096', a, d], check=True)
        a = d
    out.append(a)
o = out.index('-o'); out[o + 1] = S + '/prof'
out.append('-Map=' + S + '/prof.map')
open(S + '/prof.args', 'w').write(' '.join(shlex.quote(x) for x in out))
PY
ld.gold @$S/prof.args 2>&1 | grep -v -i warning || true

# 2. A cold, read-ahead-free file system for the profiling supervisor; garrison, garrison-oci and garrison-init beside it.
sup_cold_fs $(( $(stat -c %s $S/prof) / 1048576 + 64 ))
mkdir -p $S/mnt $S/bin
cp $BIN/garrison $BIN/garrison-cli $BIN/garrison-oci $BIN/garrison-init $S/bin/
# The profiling binary runs under strace tracing nothing but exits: run directly, it died with SIGSEGV during the pod's
# start on this machine (the 4 KB-aligned link only, not the release binary; not understood yet), traced it did not.
printf '#!/bin/sh\nexec strace -f -qq -e trace=exit_group -o /dev/null %s/mnt/garrison-supervisor "$@"\n' $S > $S/bin/garrison-supervisor
chmod +x $S/bin/garrison-supervisor
sup_pod p3
sup_pod p4
# 3. Two pods (`--network none`, and a bridge with an address), in a private mount namespace (the loop mount and the
#    pods' mounts go with it); the pages either supervisor touched.
BRIDGE=glayout$$; BRIDGE=${BRIDGE:0:15}
unshare -m --propagation private bash -s "$S" "$LOOP" "$BRIDGE" <<'SH'
set -eu
S=$1; LOOP=$2; BRIDGE=$3; ROOT=$S/state; G=$S/bin/garrison
mount $LOOP $S/mnt; cp $S/prof $S/mnt/garrison-supervisor; umount $S/mnt; mount $LOOP $S/mnt
trap '$G delete --root $ROOT pod p3 p4 >/dev/null 2>&1 || true; ip link del $BRIDGE 2>/dev/null || true
  rmdir /run/garrison/ipam/$BRIDGE 2>/dev/null || true; umount $S/mnt 2>/dev/null || umount -l $S/mnt' EXIT
$G apply --root $ROOT --rootfs $S/rootfs --no-seccomp-default --network none -f $S/p3.yaml >/dev/null
python3 $S/capture.py $ROOT p3 $S/mnt/garrison-supervisor $S/pages
$G apply --root $ROOT --rootfs $S/rootfs --no-seccomp-default --network bridge --bridge $BRIDGE --pod-cidr 10.249.0.0/16 \
  -f $S/p4.yaml >/dev/null
python3 $S/capture.py $ROOT p4 $S/mnt/garrison-supervisor $S/pages
SH

# 4. Touched pages -> named function sections, in the order the profiling link placed them.
python3 - "$S" "$OUT" <<'PY'
import re, sys
S, out = sys.argv[1], sys.argv[2]
pages = set(int(l, 16) for l in open(S + '/pages') if l.strip())
names, seen, section, pend = [], set(), None, None
rx = re.compile(r'^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+\S')
def hit(name, a, s):
    # A name without a function part (`.text.unlikely.`) would pull every such section of every object first.
    if name.startswith('.text.') and not name.endswith('.') and s and any(p in pages for p in range(a & ~0xfff, a + s, 4096)) and name not in seen:
        seen.add(name); names.append(name)
for line in open(S + '/prof.map'):
    line = line.rstrip('\n')
    if line and not line.startswith(' '): section = line.split()[0]; pend = None; continue
    if section != '.text': continue
    if line.startswith(' ') and not line.startswith('  '):
        p = line.split()
        if len(p) >= 4 and p[1].startswith('0x') and p[2].startswith('0x'): hit(p[0], int(p[1], 16), int(p[2], 16)); pend = None
        else: pend = p[0]
        continue
    m = rx.match(line)
    if m and pend: hit(pend, int(m.group(1), 16), int(m.group(2), 16)); pend = None
# Then, as globs (gold matches a line with `*` as a pattern, after every exact name), the rest of the modules whose
# code a supervisor runs most: a function the profile missed or that a later change renamed (the list goes stale with
# every change to the start path) then lands beside the hot code, not among the runtime's and compiler's modules.
globs = ['.text.$s%d%s*' % (len(m), m) for m in ('GarrisonSupervisor', 'GarrisonAudit', 'GarrisonKernel', 'GarrisonCore')]
with open(out, 'w') as f:
    f.write('\n'.join(names + globs) + '\n')
print(f'{len(names)} function sections touched of {len(pages)} pages -> {out}')
PY
# The list is not an input SwiftPM tracks: remove the binary so the next build links it again.
rm -f $REL/garrison-supervisor
echo "now: swift build -c release --scratch-path .build-release --product garrison-supervisor"
