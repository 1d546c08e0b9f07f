#!/usr/bin/env python3
"""Generates N varied pods (100 per file) for the compile and lint benchmarks."""
import os, sys
n, out = int(sys.argv[1]), sys.argv[2]
os.makedirs(out, exist_ok=True)
variants = [
    "    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}, runAsUser: 10001, readOnlyRootFilesystem: true}\n",
    "    securityContext: {capabilities: {add: [NET_ADMIN]}}\n",
    "    securityContext: {runAsUser: 1000, seccompProfile: {type: RuntimeDefault}}\n",
    "",
    "    securityContext: {privileged: true}\n",
]
per_file = 100
for f in range((n + per_file - 1) // per_file):
    docs = []
    for i in range(f * per_file, min(n, (f + 1) * per_file)):
        v = variants[i % len(variants)]
        docs.append(f"""apiVersion: v1
kind: Pod
metadata:
  name: pod-{i}
  namespace: ns-{i % 7}
spec:
  containers:
  - name: app
    image: registry.example/app:{i % 13}
    resources: {{requests: {{cpu: {50 + i % 200}m, memory: {32 + i % 64}Mi}}, limits: {{cpu: "1", memory: 256Mi}}}}
{v}""")
    with open(os.path.join(out, f"pods-{f:04d}.yaml"), "w") as fh:
        fh.write("---\n".join(docs))
