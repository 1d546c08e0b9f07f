#!/usr/bin/env bash
# What a pod supervisor keeps resident, by library and output section (bench/pods/RESULTS.md "What the supervisor's
# memory is"). Root; after a release build of garrison-supervisor, garrison, garrison-cli, garrison-oci, garrison-init:
#   scripts/supervisor-memory.sh            one init+2 pod (--network none), the page cache as it is: what the
#                                           kernel maps (every touched 64 KB fault-around block), as in bench/pods
#   COLD=1 scripts/supervisor-memory.sh     the supervisor's executable on a fresh ext4 loop file system with
#                                           read-ahead 0: a fault reads and maps only its own page, so what is
#                                           resident is what the supervisor touched
# REL (default .build-release/x86_64-unknown-linux-gnu/release) holds garrison-supervisor; BIN (default REL) the other
# four. Prints the supervisor's VmHWM, RssAnon and RssFile, then its resident pages of its executable by library (the
# archive, the SwiftPM module, or Garrison for Garrison's modules) and output section, from a link map of the same link
# (the release link run again with -Map into a scratch directory; the script checks the result is the same binary).
# garrison-keeper is deliberately not copied beside the supervisor: it stays resident, which is what this measures.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "needs root (pods, loop mount)" >&2; exit 2; }
REL=${REL:-.build-release/x86_64-unknown-linux-gnu/release}
BIN=${BIN:-$REL}
for b in $REL/garrison-supervisor $BIN/garrison $BIN/garrison-cli $BIN/garrison-oci $BIN/garrison-init; do
  [ -x $b ] || { echo "missing $b (release build)" >&2; exit 2; }
done
S=$(mktemp -d /var/tmp/garrison-supmem-XXXXXX)
LOOP=
cleanup() {
  [ -n "$LOOP" ] && losetup -d "$LOOP" 2>/dev/null || true
  rm -rf "$S"
}
trap cleanup EXIT
. scripts/supervisor-lib.sh

# 1. The release link again, with a map.
sup_link_args
echo -Xlinker >> $S/swiftc.args; echo "-Map=$S/linked.map" >> $S/swiftc.args
mapfile -t SWIFTC < $S/swiftc.args
"${SWIFTC[@]}" 2>&1 | grep -v -i warning || true
cmp -s $S/linked $REL/garrison-supervisor || { echo "the relinked supervisor differs from $REL/garrison-supervisor: rebuild first" >&2; exit 1; }

# 2. The binaries, on a cold loop file system with COLD=1.
mkdir -p $S/bin
POD=supmem$$
sup_pod $POD
if [ -n "${COLD:-}" ]; then
  sup_cold_fs $(($(du -cbL $REL/garrison-supervisor $BIN/garrison $BIN/garrison-cli $BIN/garrison-oci $BIN/garrison-init | tail -1 | cut -f1) / 1048576 + 64))
fi

# 3. One pod (in a private mount namespace, with the loop mount), the supervisor's pages once it is running.
unshare -m --propagation private bash -s "$S" "$LOOP" "$REL" "$BIN" "$POD" <<'SH'
set -eu
S=$1; LOOP=$2; REL=$3; BIN=$4; POD=$5; D=$S/bin
[ -z "$LOOP" ] || mount $LOOP $D
cp $REL/garrison-supervisor $BIN/garrison $BIN/garrison-cli $BIN/garrison-oci $BIN/garrison-init $D/
# A fresh mount: nothing of the copies is left in the page cache.
if [ -n "$LOOP" ]; then umount $D; mount $LOOP $D; fi
trap '$D/garrison delete pod $POD --root $S/state --grace-period 0 >/dev/null 2>&1 || true; [ -z "$LOOP" ] || umount $D 2>/dev/null || umount -l $D' EXIT
$D/garrison apply --root $S/state --rootfs $S/rootfs --runtime $D/garrison-oci --no-seccomp-default --network none -f $S/$POD.yaml >/dev/null
python3 $S/capture.py $S/state $POD $D/garrison-supervisor $S/pages
SH

# 4. Resident pages -> input sections of the link map -> library and output section (a page shared by several
#    libraries is split by bytes).
python3 - "$S" <<'PY'
import sys, re, bisect, collections
S = sys.argv[1]
ent, out, pend = [], None, None
rx = re.compile(r'^ (\S+)?\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(/\S.*)$')
def library(path):
    m = re.search(r'/lib([^/]+)\.a\(', path)
    if m: return m.group(1)
    m = re.search(r'/release/([^/]+)\.build/', path)
    if not m: return path.split('/')[-1]
    n = m.group(1)
    return 'Garrison' if n.startswith('Garrison') or n.startswith('garrison') else 'BoringSSL' if n == 'CCryptoBoringSSL' else n
for line in open(S + '/linked.map'):
    line = line.rstrip('\n')
    if not line: continue
    if not line.startswith(' '): out = line.split()[0]; continue
    m = rx.match(line)
    if m and int(m.group(3), 16):
        sec = out if out in ('.text', '.rodata', '.data.rel.ro', '.data', '.bss') else 'other'
        ent.append((int(m.group(2), 16), int(m.group(3), 16), sec, library(m.group(4))))
ent.sort()
addrs = [e[0] for e in ent]
kb = collections.Counter()
for p in sorted(set(int(l, 16) for l in open(S + '/pages') if l.strip())):
    share = collections.Counter()
    i = max(bisect.bisect_right(addrs, p) - 1, 0)
    while i < len(ent) and ent[i][0] < p + 4096:
        a, s, sec, lib = ent[i]
        n = min(a + s, p + 4096) - max(a, p)
        if n > 0: share[(lib, sec)] += n
        i += 1
    total = sum(share.values())
    if not total: kb[('(no input section)', '')] += 4
    for k, n in share.items(): kb[k] += 4 * n / total
libs = collections.Counter()
for (lib, sec), v in kb.items(): libs[lib] += v
secs = ['.text', '.rodata', '.data.rel.ro', '.data', 'other']
print(f"{'library':28s} {'total':>7s} " + ' '.join(f'{s:>12s}' for s in secs) + '   (kB of the executable resident)')
for lib, v in libs.most_common():
    if v < 4: continue
    print(f'{lib:28s} {v:7.0f} ' + ' '.join(f'{kb[(lib, s)]:12.0f}' for s in secs))
print(f"{'all':28s} {sum(libs.values()):7.0f}")
PY
