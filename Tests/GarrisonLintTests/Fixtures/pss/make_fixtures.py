#!/usr/bin/env python3
"""Writes the Pod Security Standards fixtures and ../pss-expectations.yaml (run from this directory).

Every fixture is a pod (or workload) that passes the restricted level at every version, with one
change. ../pss-expectations.yaml says, per fixture, which checks fail at which level and versions:
  fails: [{check: ID, levels: [baseline, restricted], from: 19, to: 34}]  (from/to inclusive minors,
  default from 0, to the newest). The test evaluates every fixture at both levels and at every
  version v1.0 .. newest+1 and latest, and compares the exact set of failing checks.
"""
import copy, os, yaml

B, R, BR = ["baseline"], ["restricted"], ["baseline", "restricted"]
HARD = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}


def base(name):
    return {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": name.lower().replace("_", "-")},
        "spec": {
            "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
            "initContainers": [{"name": "init", "image": "registry.example/init:1", "securityContext": copy.deepcopy(HARD)}],
            "containers": [{"name": "app", "image": "registry.example/app:1", "securityContext": copy.deepcopy(HARD)}],
        },
    }


cases = []  # (file, description, object, fails)


def case(check, name, desc, tweak, fails):
    pod = base(name)
    tweak(pod)
    cases.append((f"{check}/{name}.yaml", desc, pod, fails))


def f(check, levels, lo=None, hi=None):
    e = {"check": check, "levels": list(levels)}
    if lo is not None: e["from"] = lo
    if hi is not None: e["to"] = hi
    return e


def app(p): return p["spec"]["containers"][0]
def init(p): return p["spec"]["initContainers"][0]
def psc(p): return p["spec"]["securityContext"]
def setk(d, **kw): d.update(kw); return d


# --- the base itself passes everywhere
case("base", "restricted-pod", "the restricted base pod", lambda p: None, [])
case("base", "no-init", "base without init containers", lambda p: p["spec"].pop("initContainers"), [])

# --- hostNamespaces
for ns in ["hostNetwork", "hostPID", "hostIPC"]:
    case("hostNamespaces", f"{ns}-true", f"{ns}=true", lambda p, ns=ns: setk(p["spec"], **{ns: True}), [f("hostNamespaces", BR)])
case("hostNamespaces", "all-false", "all host namespaces false", lambda p: setk(p["spec"], hostNetwork=False, hostPID=False, hostIPC=False), [])

# --- privileged (privileged=true contradicts allowPrivilegeEscalation=false, so that is dropped too)
def privileged(c):
    c["securityContext"].pop("allowPrivilegeEscalation"); c["securityContext"]["privileged"] = True
case("privileged", "container", "app container privileged", lambda p: privileged(app(p)),
     [f("privileged", BR), f("allowPrivilegeEscalation", R, 8)])
case("privileged", "init", "init container privileged", lambda p: privileged(init(p)),
     [f("privileged", BR), f("allowPrivilegeEscalation", R, 8)])
def eph(p, sc):
    p["spec"]["ephemeralContainers"] = [{"name": "debug", "image": "registry.example/debug:1", "securityContext": sc}]
case("privileged", "ephemeral", "ephemeral container privileged",
     lambda p: eph(p, {"privileged": True, "capabilities": {"drop": ["ALL"]}}),
     [f("privileged", BR), f("allowPrivilegeEscalation", R, 8)])
case("privileged", "false", "privileged=false", lambda p: setk(app(p)["securityContext"], privileged=False), [])

# --- capabilities
def add(c, caps): c["securityContext"]["capabilities"]["add"] = caps
case("capabilities", "add-net-raw", "adds NET_RAW", lambda p: add(app(p), ["NET_RAW"]),
     [f("capabilities_baseline", B), f("capabilities_baseline", R, 0, 21), f("capabilities_restricted", R, 22)])
case("capabilities", "add-sys-admin-init", "init adds SYS_ADMIN (allowPrivilegeEscalation dropped: API rule)",
     lambda p: (add(init(p), ["SYS_ADMIN"]), init(p)["securityContext"].pop("allowPrivilegeEscalation")),
     [f("capabilities_baseline", B), f("capabilities_baseline", R, 0, 21), f("capabilities_restricted", R, 22),
      f("allowPrivilegeEscalation", R, 8)])
case("capabilities", "add-chown", "adds CHOWN (default set)", lambda p: add(app(p), ["CHOWN"]),
     [f("capabilities_restricted", R, 22)])
case("capabilities", "add-cap-prefix", "adds CAP_CHOWN (names compared as written)", lambda p: add(app(p), ["CAP_CHOWN"]),
     [f("capabilities_baseline", B), f("capabilities_baseline", R, 0, 21), f("capabilities_restricted", R, 22)])
case("capabilities", "add-net-bind-service", "adds NET_BIND_SERVICE only", lambda p: add(app(p), ["NET_BIND_SERVICE"]), [])
case("capabilities", "no-drop-all", "drops nothing", lambda p: setk(app(p)["securityContext"]["capabilities"], drop=[]),
     [f("capabilities_restricted", R, 22)])
case("capabilities", "no-security-context-init", "init container without securityContext",
     lambda p: init(p).pop("securityContext"),
     [f("capabilities_restricted", R, 22), f("allowPrivilegeEscalation", R, 8)])
case("capabilities", "drop-lowercase-all", "drops \"all\" (not ALL)", lambda p: setk(app(p)["securityContext"]["capabilities"], drop=["all"]),
     [f("capabilities_restricted", R, 22)])

# --- windows pods: restricted exemptions from v1.25
def windows(p):
    p["spec"]["os"] = {"name": "windows"}
    psc(p).pop("seccompProfile")
    for c in [app(p), init(p)]: c.pop("securityContext")
case("windows", "unhardened", "windows pod without container hardening",
     windows, [f("allowPrivilegeEscalation", R, 8, 24), f("capabilities_restricted", R, 22, 24),
               f("seccompProfile_restricted", R, 19, 24)])
def linux_unhardened(p):
    p["spec"]["os"] = {"name": "linux"}; psc(p).pop("seccompProfile")
    for c in [app(p), init(p)]: c.pop("securityContext")
case("windows", "linux-unhardened", "the same pod with os linux",
     linux_unhardened, [f("allowPrivilegeEscalation", R, 8), f("capabilities_restricted", R, 22),
                        f("seccompProfile_restricted", R, 19)])

# --- hostPath / volumes
def vol(p, v): p["spec"]["volumes"] = [v]
case("volumes", "hostpath", "hostPath volume", lambda p: vol(p, {"name": "host", "hostPath": {"path": "/var/log"}}),
     [f("hostPathVolumes", B), f("restrictedVolumes", R)])
for src, body in [("nfs", {"server": "nfs.example", "path": "/export"}), ("gitRepo", {"repository": "https://example/r.git"}),
                  ("iscsi", {"targetPortal": "10.0.0.1:3260", "iqn": "iqn.x", "lun": 0})]:
    case("volumes", src.lower(), f"{src} volume", lambda p, src=src, body=body: vol(p, {"name": "v", src: body}),
         [f("restrictedVolumes", R)])
for src, body in [("emptyDir", {}), ("configMap", {"name": "cm"}), ("secret", {"secretName": "s"}),
                  ("projected", {"sources": []}), ("downwardAPI", {"items": []}), ("persistentVolumeClaim", {"claimName": "c"}),
                  ("csi", {"driver": "x.example"}), ("ephemeral", {"volumeClaimTemplate": {"spec": {}}}),
                  ("image", {"reference": "registry.example/data:1"})]:
    case("volumes", f"allowed-{src.lower()}", f"{src} volume (allowed)", lambda p, src=src, body=body: vol(p, {"name": "v", src: body}), [])

# --- hostPorts
def port(c, host): c["ports"] = [{"containerPort": 80, "hostPort": host}]
case("hostPorts", "app", "app container hostPort", lambda p: port(app(p), 8080), [f("hostPorts", BR)])
case("hostPorts", "init", "init container hostPort", lambda p: port(init(p), 9090), [f("hostPorts", BR)])
case("hostPorts", "none", "containerPort only", lambda p: setk(app(p), ports=[{"containerPort": 80}]), [])

# --- AppArmor
AA = "container.apparmor.security.beta.kubernetes.io/"
def ann(p, k, v): p["metadata"].setdefault("annotations", {})[k] = v
case("appArmor", "pod-unconfined", "pod appArmorProfile Unconfined", lambda p: setk(psc(p), appArmorProfile={"type": "Unconfined"}),
     [f("appArmorProfile", BR)])
case("appArmor", "container-unconfined", "container appArmorProfile Unconfined",
     lambda p: setk(app(p)["securityContext"], appArmorProfile={"type": "Unconfined"}), [f("appArmorProfile", BR)])
case("appArmor", "localhost", "container appArmorProfile Localhost",
     lambda p: setk(app(p)["securityContext"], appArmorProfile={"type": "Localhost", "localhostProfile": "k8s-app"}), [])
case("appArmor", "runtime-default", "pod appArmorProfile RuntimeDefault", lambda p: setk(psc(p), appArmorProfile={"type": "RuntimeDefault"}), [])
case("appArmor", "annotation-unconfined", "annotation unconfined", lambda p: ann(p, AA + "app", "unconfined"), [f("appArmorProfile", BR)])
case("appArmor", "annotation-other-name", "annotation unconfined for a name with no container (still checked)",
     lambda p: ann(p, AA + "ghost", "unconfined"), [f("appArmorProfile", BR)])
case("appArmor", "annotation-runtime-default", "annotation runtime/default", lambda p: ann(p, AA + "app", "runtime/default"), [])
case("appArmor", "annotation-localhost", "annotation localhost/profile", lambda p: ann(p, AA + "app", "localhost/k8s-app"), [])
case("appArmor", "annotation-empty", "annotation empty", lambda p: ann(p, AA + "app", ""), [])

# --- SELinux
def sel(d, **kw): d["seLinuxOptions"] = kw
case("seLinux", "type-spc", "container type spc_t", lambda p: sel(app(p)["securityContext"], type="spc_t"), [f("seLinuxOptions", BR)])
case("seLinux", "type-engine", "container type container_engine_t (allowed from v1.31)",
     lambda p: sel(app(p)["securityContext"], type="container_engine_t"), [f("seLinuxOptions", BR, 0, 30)])
case("seLinux", "pod-user", "pod user set", lambda p: sel(psc(p), user="system_u"), [f("seLinuxOptions", BR)])
case("seLinux", "init-role", "init role set", lambda p: sel(init(p)["securityContext"], role="system_r"), [f("seLinuxOptions", BR)])
case("seLinux", "allowed", "pod type container_init_t and a level", lambda p: sel(psc(p), type="container_init_t", level="s0:c1,c2"), [])

# --- hostProbesAndHostLifecycle (v1.34+)
case("hostProbes", "liveness-http-host", "livenessProbe httpGet host",
     lambda p: setk(app(p), livenessProbe={"httpGet": {"host": "127.0.0.1", "port": 8080, "path": "/"}}),
     [f("hostProbesAndHostLifecycle", BR, 34)])
case("hostProbes", "readiness-tcp-host", "readinessProbe tcpSocket host on an init container",
     lambda p: setk(init(p), readinessProbe={"tcpSocket": {"host": "::1", "port": 80}}),
     [f("hostProbesAndHostLifecycle", BR, 34)])
case("hostProbes", "prestop-host", "lifecycle preStop httpGet host",
     lambda p: setk(app(p), lifecycle={"preStop": {"httpGet": {"host": "metadata.internal", "port": 80}}}),
     [f("hostProbesAndHostLifecycle", BR, 34)])
case("hostProbes", "no-host", "probes and hooks without host",
     lambda p: setk(app(p), livenessProbe={"httpGet": {"port": 8080}}, startupProbe={"tcpSocket": {"port": 80}},
                    lifecycle={"postStart": {"exec": {"command": ["true"]}}}),
     [])

# --- procMount
case("procMount", "unmasked", "container procMount Unmasked", lambda p: setk(app(p)["securityContext"], procMount="Unmasked"),
     [f("procMount", B), f("procMount", R, 0, 34), f("procMount_restricted", R, 35)])
case("procMount", "unmasked-userns", "procMount Unmasked with hostUsers=false (baseline relaxed from v1.35)",
     lambda p: (setk(app(p)["securityContext"], procMount="Unmasked"), setk(p["spec"], hostUsers=False)),
     [f("procMount", B, 0, 34), f("procMount", R, 0, 34), f("procMount_restricted", R, 35)])
case("procMount", "default", "procMount Default", lambda p: setk(app(p)["securityContext"], procMount="Default"), [])

# --- seccomp
SP = "seccomp.security.alpha.kubernetes.io/pod"
SC = "container.seccomp.security.alpha.kubernetes.io/"
case("seccomp", "annotation-pod-unconfined", "pod annotation unconfined (checked before v1.19)", lambda p: ann(p, SP, "unconfined"),
     [f("seccompProfile_baseline", BR, 0, 18)])
case("seccomp", "annotation-container-unconfined", "container annotation unconfined", lambda p: ann(p, SC + "init", "unconfined"),
     [f("seccompProfile_baseline", BR, 0, 18)])
case("seccomp", "annotation-other-name", "container annotation for a name with no container (ignored)",
     lambda p: ann(p, SC + "ghost", "unconfined"), [])
for v in ["runtime/default", "docker/default", "localhost/profile.json"]:
    case("seccomp", "annotation-" + v.split("/")[0], f"pod annotation {v}", lambda p, v=v: ann(p, SP, v), [])
case("seccomp", "pod-unconfined", "pod seccompProfile Unconfined",
     lambda p: setk(psc(p), seccompProfile={"type": "Unconfined"}),
     [f("seccompProfile_baseline", B, 19), f("seccompProfile_restricted", R, 19)])
case("seccomp", "container-unconfined", "container seccompProfile Unconfined under a RuntimeDefault pod",
     lambda p: setk(app(p)["securityContext"], seccompProfile={"type": "Unconfined"}),
     [f("seccompProfile_baseline", B, 19), f("seccompProfile_restricted", R, 19)])
case("seccomp", "missing", "no seccomp profile anywhere", lambda p: psc(p).pop("seccompProfile"),
     [f("seccompProfile_restricted", R, 19)])
case("seccomp", "containers-only", "every container sets Localhost, pod does not",
     lambda p: (psc(p).pop("seccompProfile"),
                [setk(c["securityContext"], seccompProfile={"type": "Localhost", "localhostProfile": "p.json"}) for c in [app(p), init(p)]]),
     [])
case("seccomp", "one-container-missing", "pod unset, only the app container sets RuntimeDefault",
     lambda p: (psc(p).pop("seccompProfile"), setk(app(p)["securityContext"], seccompProfile={"type": "RuntimeDefault"})),
     [f("seccompProfile_restricted", R, 19)])

# --- sysctls
def sysctl(p, name): psc(p)["sysctls"] = [{"name": name, "value": "1"}]
case("sysctls", "unsafe", "kernel.msgmax", lambda p: sysctl(p, "kernel.msgmax"), [f("sysctls", BR)])
for name, since in [("net.ipv4.ip_local_reserved_ports", 27), ("net.ipv4.tcp_keepalive_time", 29),
                    ("net.ipv4.tcp_fin_timeout", 29), ("net.ipv4.tcp_rmem", 32), ("net.ipv4.tcp_wmem", 32),
                    ("net.ipv4.tcp_slow_start_after_idle", 37), ("net.ipv4.tcp_notsent_lowat", 37)]:
    case("sysctls", name.split(".")[-1], f"{name} (safe from v1.{since})", lambda p, name=name: sysctl(p, name),
         [f("sysctls", BR, 0, since - 1)])
for name in ["kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies",
             "net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start"]:
    case("sysctls", "safe-" + name.split(".")[-1], f"{name} (safe from v1.0)", lambda p, name=name: sysctl(p, name), [])

# --- windows hostProcess
case("hostProcess", "pod", "pod hostProcess", lambda p: setk(psc(p), windowsOptions={"hostProcess": True}), [f("windowsHostProcess", BR)])
case("hostProcess", "container", "container hostProcess",
     lambda p: setk(app(p)["securityContext"], windowsOptions={"hostProcess": True}), [f("windowsHostProcess", BR)])
case("hostProcess", "false", "hostProcess false", lambda p: setk(psc(p), windowsOptions={"hostProcess": False}), [])

# --- allowPrivilegeEscalation
case("allowPrivilegeEscalation", "true", "allowPrivilegeEscalation=true",
     lambda p: setk(app(p)["securityContext"], allowPrivilegeEscalation=True), [f("allowPrivilegeEscalation", R, 8)])
case("allowPrivilegeEscalation", "unset-init", "init container without allowPrivilegeEscalation",
     lambda p: init(p)["securityContext"].pop("allowPrivilegeEscalation"), [f("allowPrivilegeEscalation", R, 8)])
case("allowPrivilegeEscalation", "unset-ephemeral", "ephemeral container without allowPrivilegeEscalation",
     lambda p: eph(p, {"capabilities": {"drop": ["ALL"]}}), [f("allowPrivilegeEscalation", R, 8)])

# --- runAsNonRoot
case("runAsNonRoot", "pod-false", "pod runAsNonRoot=false", lambda p: setk(psc(p), runAsNonRoot=False), [f("runAsNonRoot", R)])
case("runAsNonRoot", "container-false", "container runAsNonRoot=false under a true pod",
     lambda p: setk(app(p)["securityContext"], runAsNonRoot=False), [f("runAsNonRoot", R)])
case("runAsNonRoot", "containers-only", "every container true, pod unset",
     lambda p: (psc(p).pop("runAsNonRoot"), [setk(c["securityContext"], runAsNonRoot=True) for c in [app(p), init(p)]]), [])
case("runAsNonRoot", "one-container-unset", "pod unset, init container unset",
     lambda p: (psc(p).pop("runAsNonRoot"), setk(app(p)["securityContext"], runAsNonRoot=True)), [f("runAsNonRoot", R)])
case("runAsNonRoot", "userns", "pod unset with hostUsers=false (exempt from v1.35)",
     lambda p: (psc(p).pop("runAsNonRoot"), setk(p["spec"], hostUsers=False)), [f("runAsNonRoot", R, 0, 34)])

# --- runAsUser
case("runAsUser", "pod-zero", "pod runAsUser=0", lambda p: setk(psc(p), runAsUser=0), [f("runAsUser", R, 23)])
case("runAsUser", "container-zero", "init runAsUser=0", lambda p: setk(init(p)["securityContext"], runAsUser=0), [f("runAsUser", R, 23)])
case("runAsUser", "nonzero", "runAsUser=1000", lambda p: setk(psc(p), runAsUser=1000), [])
case("runAsUser", "zero-userns", "runAsUser=0 with hostUsers=false (exempt from v1.35)",
     lambda p: (setk(psc(p), runAsUser=0), setk(p["spec"], hostUsers=False)), [f("runAsUser", R, 23, 34)])

# --- workload kinds: the pod template is checked
def wrap(kind, api, pod, path):
    obj = {"apiVersion": api, "kind": kind, "metadata": {"name": pod["metadata"]["name"], "namespace": "apps"}}
    tmpl = {"metadata": {"labels": {"app": "x"}}, "spec": pod["spec"]}
    node = obj
    for k in path[:-1]:
        node = node.setdefault(k, {})
    node[path[-1]] = tmpl
    if kind in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"):
        obj["spec"]["selector"] = {"matchLabels": {"app": "x"}}
    if kind in ("Job", "CronJob"):
        tmpl["spec"]["restartPolicy"] = "Never"
    if kind == "CronJob":
        obj["spec"]["schedule"] = "* * * * *"
    return obj
for kind, api, path in [("Deployment", "apps/v1", ["spec", "template"]), ("StatefulSet", "apps/v1", ["spec", "template"]),
                        ("DaemonSet", "apps/v1", ["spec", "template"]), ("ReplicaSet", "apps/v1", ["spec", "template"]),
                        ("Job", "batch/v1", ["spec", "template"]),
                        ("CronJob", "batch/v1", ["spec", "jobTemplate", "spec", "template"]),
                        ("ReplicationController", "v1", ["spec", "template"]), ("PodTemplate", "v1", ["template"])]:
    pod = base(kind.lower())
    pod["spec"]["hostPID"] = True
    cases.append((f"kinds/{kind.lower()}-hostpid.yaml", f"{kind} with hostPID", wrap(kind, api, pod, path),
                  [f("hostNamespaces", BR)]))

with open("../pss-expectations.yaml", "w") as out:
    out.write("# Generated by make_fixtures.py. Per fixture: the checks that fail, at which levels and\n")
    out.write("# policy versions (from/to are inclusive v1 minors; no bound = all versions).\n")
    yaml.safe_dump({"cases": [{"file": c[0], "description": c[1], "fails": c[3]} for c in cases]}, out, sort_keys=False, width=120)
for path, desc, obj, _ in cases:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as out:
        out.write(f"# {desc}\n")
        yaml.safe_dump(obj, out, sort_keys=False, width=120)
print(len(cases), "fixtures")
