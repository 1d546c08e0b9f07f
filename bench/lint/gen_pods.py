#!/usr/bin/env python3
"""Writes N pods as multi-document YAML files (100 pods a file) into OUT_DIR.

Usage: gen_pods.py OUT_DIR [N]. One pod in four is hardened (restricted-compliant); the others carry
a rotating mix of violations (privileged, hostPath, hostPID, added capabilities, missing limits, ...).
"""
import os, sys

out, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 10000
os.makedirs(out, exist_ok=True)

HARD = """      securityContext:
        allowPrivilegeEscalation: false
        readOnlyRootFilesystem: true
        capabilities: {drop: [ALL]}
      resources:
        limits: {cpu: 250m, memory: 128Mi}
      livenessProbe: {httpGet: {path: /healthz, port: 8080}}
      readinessProbe: {httpGet: {path: /ready, port: 8080}}
"""
BAD = [
    "      securityContext: {privileged: true}\n",
    "      securityContext:\n        capabilities: {add: [NET_ADMIN, SYS_TIME]}\n",
    "      ports: [{containerPort: 80, hostPort: 8080}]\n",
    "      securityContext: {runAsUser: 0, allowPrivilegeEscalation: true}\n",
    "",
]

def pod(i):
    hardened = i % 4 == 0
    spec = ""
    if hardened:
        spec += ("  automountServiceAccountToken: false\n  securityContext:\n    runAsNonRoot: true\n"
                 "    runAsUser: 10001\n    runAsGroup: 10001\n    seccompProfile: {type: RuntimeDefault}\n")
    elif i % 7 == 1:
        spec += "  hostPID: true\n"
    elif i % 7 == 2:
        spec += "  volumes:\n  - name: sock\n    hostPath: {path: /var/run/docker.sock}\n"
    image = f"registry.example/team{i % 13}/app:{i % 50}.0" + ("@sha256:" + "ab" * 32 if hardened else "")
    body = HARD if hardened else BAD[i % len(BAD)]
    return (f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: pod-{i}\n  namespace: ns-{i % 20}\n"
            f"  labels: {{app: app-{i % 50}}}\nspec:\n{spec}  containers:\n  - name: app\n    image: {image}\n"
            + body.replace("\n      ", "\n    ").replace("      ", "    ", 1))

per_file = 100
for f in range((n + per_file - 1) // per_file):
    with open(os.path.join(out, f"pods-{f:04d}.yaml"), "w") as fh:
        docs = [pod(i) for i in range(f * per_file, min(n, (f + 1) * per_file))]
        fh.write("---\n".join(docs))
print(f"{n} pods in {(n + per_file - 1) // per_file} files under {out}")
