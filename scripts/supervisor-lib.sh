# Shared machinery of the supervisor's layout and memory scripts (scripts/supervisor-layout.sh,
# scripts/supervisor-memory.sh): the release link of garrison-supervisor run again, a busybox rootfs and an init + 2
# pod, a cold loop file system, and the capture of a running supervisor's resident pages. Sourced, not run; the
# caller has `set -euo pipefail`, is in the repository's top directory and has made its scratch directory $S.

# sup_link_args [drop-ordering]: writes $S/swiftc.args, the swiftc command SwiftPM used to link garrison-supervisor
# (from .build-release/release.yaml), its output renamed to $S/linked; with `drop-ordering`, without the
# --section-ordering-file.
sup_link_args() {
  python3 - "$PWD/.build-release/release.yaml" "$S" "${1:-}" <<'PY'
import sys, re, json
text = open(sys.argv[1]).read()
m = re.search(r'description: "Linking [^"]*/garrison-supervisor"\n\s+args: (\[.*\])', text)
if not m: sys.exit('no link of garrison-supervisor in .build-release/release.yaml: build it (release) first')
args = json.loads(m.group(1))
if sys.argv[3] == 'drop-ordering': args = [a for a in args if not a.startswith('--section-ordering-file')]
o = args.index('-o'); args[o + 1] = sys.argv[2] + '/linked'
open(sys.argv[2] + '/swiftc.args', 'w').write('\n'.join(args) + '\n')
PY
}

# sup_pod NAME: a busybox rootfs in $S/rootfs (once) and $S/NAME.yaml, a pod NAME with an init container and two
# app containers sharing an emptyDir, whose grace period is 0.
sup_pod() {
  if [ ! -e $S/rootfs/bin/busybox ]; then
    mkdir -p $S/rootfs/bin $S/rootfs/{proc,sys,dev,etc,tmp}
    cp /bin/busybox $S/rootfs/bin/busybox
    for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -s busybox $S/rootfs/bin/$a; done
  fi
  cat > $S/$1.yaml <<YAML
apiVersion: v1
kind: Pod
metadata: {name: $1}
spec:
  terminationGracePeriodSeconds: 0
  initContainers: [{name: init, command: ["/bin/sh", "-c", "echo ready > /data/x"], volumeMounts: [{name: d, mountPath: /data}]}]
  containers:
  - {name: a, command: ["sleep", "100000"], volumeMounts: [{name: d, mountPath: /data}]}
  - {name: b, command: ["sleep", "100000"], volumeMounts: [{name: d, mountPath: /data}]}
  volumes: [{name: d, emptyDir: {}}]
YAML
}

# sup_cold_fs SIZE_MB: an ext4 image $S/fs.img on a loop device ($LOOP, which the caller detaches on exit) whose
# read-ahead is 0: mounted fresh, a fault there reads only its own page and fault-around maps only cached pages.
sup_cold_fs() {
  truncate -s "$1"M $S/fs.img
  mkfs.ext4 -q -F $S/fs.img
  LOOP=$(losetup -f --show $S/fs.img)
  echo 0 > /sys/block/$(basename $LOOP)/queue/read_ahead_kb
}

# $S/capture.py ROOT POD EXE PAGES: waits (up to 180 s) until POD under the state root ROOT has every app container
# Running, then one second more; checks that its supervisor runs EXE; appends the supervisor's present pages of EXE
# (/proc/PID/pagemap) to the file PAGES, one hex address a line; prints its VmHWM, RssAnon and RssFile.
cat > $S/capture.py <<'PY'
import json, os, struct, sys, time
root, pod, exe, out = sys.argv[1:5]
deadline = time.time() + 180
while time.time() < deadline:
    try:
        st = json.load(open(f'{root}/pods/default/{pod}/status.json'))
        if all(c['state']['kind'] == 'Running' for c in st['containers'] if c['role'] != 'init'): break
    except (OSError, ValueError, KeyError): pass
    time.sleep(0.05)
else:
    sys.exit(f'{pod} did not start')
time.sleep(1)
pid = st['supervisor']['pid']
if os.readlink(f'/proc/{pid}/exe') != exe: sys.exit(f'pid {pid} is {os.readlink(f"/proc/{pid}/exe")}, not {exe}')
pm = open(f'/proc/{pid}/pagemap', 'rb'); pages = []
for line in open(f'/proc/{pid}/maps'):
    f = line.split()
    if len(f) < 6 or f[5] != exe: continue
    lo, hi = (int(x, 16) for x in f[0].split('-'))
    pm.seek(lo // 4096 * 8); data = pm.read((hi - lo) // 4096 * 8)
    pages += [lo + i * 4096 for i in range(len(data) // 8) if struct.unpack_from('<Q', data, i * 8)[0] >> 63]
open(out, 'a').write(''.join('%x\n' % p for p in pages))
print(pod + ': ' + ' '.join(l.split(':')[0] + ' ' + l.split()[1] + ' kB' for l in open(f'/proc/{pid}/status') if l.startswith(('VmHWM', 'RssAnon', 'RssFile'))))
PY
