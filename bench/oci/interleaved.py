#!/usr/bin/env python3
"""Start-to-exit latency of several commands measured in interleaved rounds.

hyperfine runs all of one command, then all of the next; on a small VM the machine's state drifts between those
blocks (RCU work left by earlier containers, host noise), which can move a mean by 20-30%. Here every round runs
each command once (the order reversed every other round), so drift hits all of them alike.

Usage: interleaved.py ROUNDS NAME=COMMAND [NAME=COMMAND ...]
Prints mean, median, p10 and p90 in ms per command. Each command's output goes to /dev/null; a command that
fails stops the run.
"""
import os
import statistics
import sys
import time


def run(argv, devnull):
    actions = [(os.POSIX_SPAWN_DUP2, devnull, 1), (os.POSIX_SPAWN_DUP2, devnull, 2)]
    start = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=actions)
    _, status = os.waitpid(pid, 0)
    elapsed = (time.perf_counter() - start) * 1000
    if status != 0:
        sys.exit(f"interleaved.py: {' '.join(argv)} failed with status {status}")
    return elapsed


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    rounds = int(sys.argv[1])
    commands = [arg.split("=", 1) for arg in sys.argv[2:]]
    devnull = os.open("/dev/null", os.O_WRONLY)
    times = {name: [] for name, _ in commands}
    for _ in range(3):  # warm-up
        for _, command in commands:
            run(command.split(), devnull)
    for i in range(rounds):
        for name, command in (commands if i % 2 == 0 else list(reversed(commands))):
            times[name].append(run(command.split(), devnull))
    print("| command | mean [ms] | median [ms] | p10 [ms] | p90 [ms] |")
    print("|:---|---:|---:|---:|---:|")
    for name, values in times.items():
        values.sort()
        n = len(values)
        print(f"| {name} | {statistics.mean(values):.2f} | {statistics.median(values):.2f} | "
              f"{values[n // 10]:.2f} | {values[n * 9 // 10]:.2f} |")


if __name__ == "__main__":
    main()
