#!/usr/bin/env python3
"""Writes the checked-in seed corpora under Fuzz/corpus/ (run from the repository root; deterministic).

Seeds are small valid inputs (and a few near-misses) that give libFuzzer a start in each format: tar archives
made with Python's tarfile (ustar, pax, GNU long names, links, devices, whiteouts), binary init specs in
InitSpecWire's layout (GIS1/GIS2), audit segment lines (one per event kind from Audit/examples), manifests,
config.json files, JSON documents and quantities. Fuzzing never writes here: scripts/fuzz.sh works on a copy.
"""
import io, os, shutil, struct, tarfile, json, hashlib

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def out(target, name, data):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


# --- tar -------------------------------------------------------------------------------------------------

def tar(fmt, members):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as t:
        for m in members:
            info = tarfile.TarInfo(m["name"])
            info.mtime = 1700000000
            info.mode = m.get("mode", 0o644)
            info.uid = m.get("uid", 0)
            info.gid = m.get("gid", 0)
            info.uname = info.gname = ""
            info.type = m.get("type", tarfile.REGTYPE)
            info.linkname = m.get("link", "")
            info.devmajor, info.devminor = m.get("dev", (0, 0))
            if "pax" in m:
                info.pax_headers = m["pax"]
            data = m.get("data", b"")
            info.size = len(data)
            t.addfile(info, io.BytesIO(data) if data else None)
    raw = buf.getvalue()
    # Drop tarfile's record padding beyond the two end-of-archive blocks.
    end = len(raw)
    while end >= 512 and raw[end - 512:end] == bytes(512):
        end -= 512
    return raw[:end] + bytes(1024)


D, F, L, H, C, B, P = tarfile.DIRTYPE, tarfile.REGTYPE, tarfile.SYMTYPE, tarfile.LNKTYPE, tarfile.CHRTYPE, tarfile.BLKTYPE, tarfile.FIFOTYPE
tars = {
    "ustar-basic": (tarfile.USTAR_FORMAT, [
        {"name": "etc", "type": D, "mode": 0o755}, {"name": "etc/passwd", "data": b"root:x:0:0::/root:/bin/sh\n"},
        {"name": "bin", "type": D, "mode": 0o755}, {"name": "bin/sh", "data": b"#!ELF", "mode": 0o755}]),
    "ustar-links": (tarfile.USTAR_FORMAT, [
        {"name": "a", "data": b"A"}, {"name": "b", "type": H, "link": "a"}, {"name": "c", "type": L, "link": "a"},
        {"name": "d", "type": L, "link": "/etc"}, {"name": "e", "type": L, "link": "../x"}]),
    "ustar-devices": (tarfile.USTAR_FORMAT, [
        {"name": "dev", "type": D, "mode": 0o755}, {"name": "dev/null", "type": C, "dev": (1, 3), "mode": 0o666},
        {"name": "dev/loop0", "type": B, "dev": (7, 0), "mode": 0o660}, {"name": "dev/fifo", "type": P}]),
    "ustar-prefix": (tarfile.USTAR_FORMAT, [
        {"name": "p" * 60 + "/" + "q" * 60 + "/file", "data": b"prefix field"}]),
    "ustar-whiteouts": (tarfile.USTAR_FORMAT, [
        {"name": "usr", "type": D, "mode": 0o755}, {"name": "usr/.wh.share"}, {"name": "opt", "type": D},
        {"name": "opt/.wh..wh..opq"}, {"name": "opt/new", "data": b"n"}]),
    "ustar-setuid-owner": (tarfile.USTAR_FORMAT, [
        {"name": "su", "data": b"x", "mode": 0o4755, "uid": 1000, "gid": 1000},
        {"name": "dir", "type": D, "mode": 0o1777}]),
    "ustar-replace": (tarfile.USTAR_FORMAT, [
        {"name": "x", "type": D}, {"name": "x/y", "data": b"1"}, {"name": "x", "data": b"file now"},
        {"name": "z", "type": L, "link": "x"}, {"name": "z", "data": b"replaces the link"}]),
    "gnu-longname": (tarfile.GNU_FORMAT, [
        {"name": "long/" + "n" * 150, "data": b"gnu long name"},
        {"name": "ln", "type": L, "link": "t" * 140}]),
    "pax-basic": (tarfile.PAX_FORMAT, [
        {"name": "pax/" + "m" * 120, "data": b"pax path"},
        {"name": "x", "data": b"xattr", "pax": {"SCHILY.xattr.user.k": "v", "mtime": "1700000000.5"}},
        {"name": "big-uid", "data": b"u", "pax": {"uid": "4000000", "gid": "4000000"}}]),
    "pax-linkpath": (tarfile.PAX_FORMAT, [
        {"name": "l", "type": L, "link": "target/" + "k" * 110}, {"name": "h", "type": H, "link": "l"}]),
    "pax-capability": (tarfile.PAX_FORMAT, [
        {"name": "ping", "data": b"\x7fELF", "mode": 0o755,
         "pax": {"SCHILY.xattr.security.capability": "\x03\x00\x00\x02\x00\x20\x00\x00" + "\x00" * 12}}]),
}
for name, (fmt, members) in tars.items():
    out("tar", name + ".tar", tar(fmt, members))
# A global pax header followed by members.
g = io.BytesIO()
with tarfile.open(fileobj=g, mode="w", format=tarfile.PAX_FORMAT, pax_headers={"comment": "global", "mtime": "1"}) as t:
    i = tarfile.TarInfo("g"); i.size = 1; t.addfile(i, io.BytesIO(b"g"))
raw = g.getvalue().rstrip(b"\0")
out("tar", "pax-global.tar", raw + bytes((-len(raw)) % 512) + bytes(1024))
out("tar", "empty.tar", bytes(1024))

# --- init-spec (InitSpecWire) ------------------------------------------------------------------------------

class W:
    def __init__(self, magic): self.b = bytearray(magic)
    def u64(self, v): self.b += struct.pack("<Q", v & 0xFFFFFFFFFFFFFFFF)
    def int(self, v): self.u64(v)
    def bool(self, v): self.b.append(1 if v else 0)
    def bytes_(self, v): self.u64(len(v)); self.b += v
    def str(self, s): self.bytes_(s.encode())
    def ostr(self, s):
        self.bool(s is not None)
        if s is not None: self.str(s)
    def strs(self, l):
        self.u64(len(l))
        for s in l: self.str(s)


def init_spec(mode="create", hooks=None, rich=False):
    w = W(b"GIS2" if hooks else b"GIS1")
    w.str(mode)
    ns = [(0x20000, "mount", None), (0x20000000, "pid", None)] + ([(0x40000000, "network", "/proc/1/ns/net")] if rich else [])
    w.u64(len(ns))
    for flag, t, path in ns: w.int(flag); w.str(t); w.ostr(path)
    w.str("/var/lib/garrison/rootfs"); w.u64(0x40000 if rich else 0); w.bool(False); w.bool(rich)
    mounts = [("proc", "/proc", "proc", 0xE, [], "", False, False)]
    if rich: mounts.append(("/host", "/data", "bind", 0x1000, [0x40000], "", True, True))
    w.u64(len(mounts))
    for src, dst, typ, flags, prop, data, bind, isdir in mounts:
        w.str(src); w.str(dst); w.str(typ); w.u64(flags); w.u64(len(prop))
        for p in prop: w.u64(p)
        w.str(data); w.bool(bind); w.bool(isdir)
    w.bool(True)
    devs = [("/dev/fuse", 0o020000, 10, 229, 0o666, 0, 0)] if rich else []
    w.u64(len(devs))
    for d in devs:
        w.str(d[0])
        for v in d[1:]: w.u64(v)
    w.strs(["/proc/kcore", "/sys/firmware"]); w.strs(["/proc/sys"])
    w.ostr("pod" if rich else None); w.ostr(None)
    sysctls = [["net.ipv4.ip_unprivileged_port_start", "0"]] if rich else []
    w.u64(len(sysctls))
    for pair in sysctls: w.strs(pair)
    rl = [(7, "RLIMIT_NOFILE", 1024, 4096)] if rich else []
    w.u64(len(rl))
    for r in rl: w.int(r[0]); w.str(r[1]); w.u64(r[2]); w.u64(r[3])
    w.bool(rich)
    if rich: w.int(-999)
    w.ostr("garrison-default-v1" if rich else None); w.ostr(None)
    w.bool(rich)
    if rich: w.bytes_(bytes([0x20, 0, 0, 0, 4, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0xff, 0x7f])); w.u64(1)
    for v in [0xa80425fb, 0xa80425fb, 0xa80425fb, 0, 0]: w.u64(v)
    w.int(40); w.u64(1000); w.u64(1000)
    w.u64(2); w.u64(10); w.u64(20)
    w.bool(rich)
    if rich: w.u64(0o022)
    w.bool(True); w.str("/"); w.strs(["/bin/sh", "-c", "true"]); w.strs(["PATH=/bin", "HOME=/"])
    w.bool(rich)
    if rich: w.bool(True); w.u64(24); w.bool(False)
    for _ in range(2):
        w.bool(rich)
        if rich: w.u64(1); w.u64(0); w.u64(100000); w.u64(65536)
    w.bool(rich)
    if rich: w.u64(8)
    w.u64(1 if rich else 0)
    if rich: w.int(1); w.int(-3600); w.u64(5)
    if hooks:
        w.bool(True)
        for lst in ([("/bin/hook", ["hook", "a"], ["X=1"], 5)], []):
            w.u64(len(lst))
            for path, args, env, timeout in lst:
                w.str(path); w.strs(args); w.bool(env is not None)
                if env is not None: w.strs(env)
                w.bool(timeout is not None)
                if timeout is not None: w.int(timeout)
        w.str("ctr-1"); w.str("/bundles/ctr-1")
        ann = {"a": "1", "b": "2"}
        w.u64(len(ann))
        for k in sorted(ann): w.str(k); w.str(ann[k])
    return bytes(w.b)

out("init-spec", "minimal.gis", init_spec())
out("init-spec", "rich.gis", init_spec(rich=True))
out("init-spec", "exec.gis", init_spec(mode="exec"))
out("init-spec", "hooks.gis", init_spec(hooks=True, rich=True))

# --- audit: one framed line per event kind (plus a two-line segment and a torn tail) ------------------------

seen = {}
with open(os.path.join(ROOT, "..", "..", "Audit", "examples", "audit", "segment-00000001.jsonl"), "rb") as f:
    for line in f:
        kind = json.loads(line)["record"]["kind"]
        if kind not in seen: seen[kind] = line
for kind, line in sorted(seen.items()):
    out("audit", kind + ".jsonl", line)
lines = list(seen.values())
out("audit", "two-records.jsonl", lines[0] + lines[1])
out("audit", "torn-tail.jsonl", lines[0] + lines[1][:40])

# --- quantities ----------------------------------------------------------------------------------------------

for i, q in enumerate(["500m", "0.5", "128Mi", "1G", "129e6", "1.5Gi", "1.G", "+", "-0", "12E", "1e-9", "100n",
                       "0.000000001", "9223372036854775807", "8Ei", "1Mib", ".5", "1e", "5e+3", "2u", "1k", "1Ti",
                       "0x10", "3P", "-1.5Ki"]):
    out("quantity", "q%02d" % i, q)

# --- json and runtime-spec -----------------------------------------------------------------------------------

for i, doc in enumerate(['{"a":[1,2.5,-3e2,true,false,null],"b":{"c":"\\u00e9\\ud83d\\ude00\\n"}}', "[]", '"x"',
                         '{"deep":[[[[{"k":[]}]]]]}', "-0", "1E400", '{"a":1,"a":2}', '[1,]', "123456789012345678901234567890"]):
    out("json", "doc%02d.json" % i, doc)

# --- yaml: the repository's manifests (small ones), plus JSON and multi-document forms ------------------------

repo = os.path.join(ROOT, "..", "..")
picked = ["examples/restricted-pod.yaml", "Tests/GarrisonPolicyTests/Golden/mixed-deployment.yaml",
          "Tests/GarrisonPolicyTests/Golden/restricted-pod.yaml", "Tests/GarrisonLintTests/Fixtures/golden/input.yaml"]
pss = os.path.join(repo, "Tests/GarrisonLintTests/Fixtures/pss")
for check in sorted(c for c in os.listdir(pss) if os.path.isdir(os.path.join(pss, c))):
    files = sorted(f for f in os.listdir(os.path.join(pss, check)) if f.endswith(".yaml"))
    picked += ["Tests/GarrisonLintTests/Fixtures/pss/%s/%s" % (check, f) for f in files[:1]]
for p in picked:
    with open(os.path.join(repo, p), "rb") as f:
        data = f.read()
    if len(data) <= 8192:
        out("yaml", p.replace("/", "_"), data)
out("yaml", "pod.json.yaml", json.dumps({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "j"},
    "spec": {"containers": [{"name": "c", "image": "busybox", "securityContext": {"privileged": True}}]}}))
out("yaml", "list-aliases.yaml", """apiVersion: v1
kind: List
items:
- &p
  apiVersion: v1
  kind: Pod
  metadata: {name: a, labels: {x: y}}
  spec:
    containers:
    - &c {name: c, image: busybox, resources: {limits: {cpu: 500m, memory: 1Gi}}}
    - *c
- *p
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec:
  template:
    spec:
      securityContext: {runAsUser: 0o1750, seccompProfile: {type: RuntimeDefault}}
      containers: [{name: a, image: "b", command: [!!str 1, "2"]}]
...
""")
