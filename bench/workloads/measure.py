#!/usr/bin/env python3
"""Times one workload event from inside a single process (bench/workloads/run.sh): starting the clock, causing
the event (a command or a kill -9) and polling the pods' status.json every 5 ms until the condition holds, so no
process is started per poll (which on 2 cores would compete with the pods being measured).

  measure.py ROOT apply PREFIX N -- CMD...   run CMD, wait for N ready pods named PREFIX*
  measure.py ROOT kill PREFIX N              kill -9 the supervisor of one ready pod, wait until it is replaced
  measure.py ROOT delete PREFIX N -- CMD...  CMD deletes one ready pod (its name replaces {}), wait until replaced

Prints the seconds elapsed. Ready: not being deleted (no stop.json), phase Running, supervisor alive, every app
container running (what PodReadiness.isReady counts for a pod without readiness probes).
"""
import json, os, subprocess, sys, time

root, verb, prefix, want = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
cmd = sys.argv[sys.argv.index("--") + 1:] if "--" in sys.argv else []
base = os.path.join(root, "pods", "default")


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in "ZX"
    except OSError:
        return False


def ready_pods():
    out = []
    for n in sorted(os.listdir(base)) if os.path.isdir(base) else []:
        d = os.path.join(base, n)
        if not n.startswith(prefix) or os.path.exists(os.path.join(d, "stop.json")):
            continue
        try:
            with open(os.path.join(d, "status.json")) as f:
                st = json.load(f)
        except (OSError, ValueError):
            continue
        sup = st.get("supervisor") or {}
        if sup and alive(sup["pid"]) and st["phase"] == "Running" and all(
                c["state"]["kind"] == "Running" for c in st["containers"] if c["role"] == "app"):
            out.append((n, sup["pid"]))
    return out


def wait(cond, limit=60):
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.005)
    sys.exit(f"measure.py: timed out ({verb})")


if verb == "apply":
    t0 = time.monotonic()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    wait(lambda: len(ready_pods()) >= want)
else:
    wait(lambda: len(ready_pods()) >= want)
    victim, sup = ready_pods()[0]
    t0 = time.monotonic()
    if verb == "kill":
        os.kill(sup, 9)
    else:
        subprocess.run([a.replace("{}", victim) for a in cmd], check=True, stdout=subprocess.DEVNULL)

    def replaced():
        names = [n for n, _ in ready_pods()]
        return len(names) >= want and victim not in names
    wait(replaced)
print(f"{time.monotonic() - t0:.4f}")
