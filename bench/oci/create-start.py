#!/usr/bin/env python3
"""Wall time of `create`, then `start`, of one container per runtime, in interleaved rounds.

A pod supervisor creates a container ahead of time and starts it when its turn comes, so `start` after `create` is
the latency a pod sees, then `create`. Every round runs, for each runtime in turn (the order reversed every other
round), `create --bundle BUNDLE ID`, then `start ID`, then (not timed) `delete --force ID`, so the machine's drift
hits every runtime alike (interleaved.py says why).

Usage: create-start.py ROUNDS BUNDLE NAME=RUNTIME_COMMAND [NAME=RUNTIME_COMMAND ...]
RUNTIME_COMMAND is the runtime with its global options, e.g. "/x/garrison-oci --root /tmp/s". Prints mean, median,
p10 and p90 in ms of create, start and their sum per runtime. A command that fails stops the run.
"""
import os
import statistics
import sys
import time


def run(argv, devnull, check=True):
    actions = [(os.POSIX_SPAWN_DUP2, devnull, 1), (os.POSIX_SPAWN_DUP2, devnull, 2)]
    start = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=actions)
    _, status = os.waitpid(pid, 0)
    elapsed = (time.perf_counter() - start) * 1000
    if check and status != 0:
        sys.exit(f"create-start.py: {' '.join(argv)} failed with status {status}")
    return elapsed if check else status


def one(runtime, bundle, cid, devnull):
    c = run(runtime + ["create", "--bundle", bundle, cid], devnull)
    s = run(runtime + ["start", cid], devnull)
    time.sleep(0.02)  # let /bin/true exit before the delete
    if run(runtime + ["delete", "--force", cid], devnull, check=False) != 0:
        time.sleep(0.2)  # a cgroup still emptying (crun reports EBUSY)
        run(runtime + ["delete", "--force", cid], devnull)
    return c, s


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    rounds, bundle = int(sys.argv[1]), sys.argv[2]
    runtimes = [(name, command.split()) for name, command in (a.split("=", 1) for a in sys.argv[3:])]
    devnull = os.open("/dev/null", os.O_WRONLY)
    times = {name: ([], []) for name, _ in runtimes}
    for _ in range(3):  # warm-up
        for name, runtime in runtimes:
            one(runtime, bundle, f"cs-{name}", devnull)
    for i in range(rounds):
        for name, runtime in (runtimes if i % 2 == 0 else list(reversed(runtimes))):
            c, s = one(runtime, bundle, f"cs-{name}", devnull)
            times[name][0].append(c)
            times[name][1].append(s)
    print("| runtime | step | mean [ms] | median [ms] | p10 [ms] | p90 [ms] |")
    print("|:---|:---|---:|---:|---:|---:|")
    for name, (cs, ss) in times.items():
        for step, values in (("create", cs), ("start", ss), ("create+start", [a + b for a, b in zip(cs, ss)])):
            values = sorted(values)
            n = len(values)
            print(f"| {name} | {step} | {statistics.mean(values):.2f} | {statistics.median(values):.2f} | "
                  f"{values[n // 10]:.2f} | {values[n * 9 // 10]:.2f} |")


if __name__ == "__main__":
    main()
