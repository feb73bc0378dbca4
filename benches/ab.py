#!/usr/bin/env python3
"""Interleaved A/B timing of kqlite binaries (or settings) on the hunting pack.

    benches/ab.py RUNS DATA HUNT[,HUNT...] NAME=BINARY[:VAR=VALUE,...] ...

Each run is a fresh process per variant, the variants taking turns, so that a slow spell of
the machine falls on all of them. Prints, per hunt, the median query time (`--timing`) of
each variant and its ratio to the first.
"""
import os
import re
import statistics
import subprocess
import sys

HUNTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testdata", "hunts")
NOW = "2025-10-01"


def variant(spec):
    name, rest = spec.split("=", 1)
    binary, _, settings = rest.partition(":")
    env = dict(os.environ)
    for setting in filter(None, settings.split(",")):
        key, value = setting.split("=", 1)
        env[key] = value
    return name, binary, env


def query_ms(binary, env, data, path):
    argv = [binary, "--data", data, "--now", NOW, "--format", "csv", "--timing", "-f", path]
    done = subprocess.run(argv, env=env, capture_output=True, text=True)
    times = [float(t) for t in re.findall(r"timing: query ([\d.]+) ms", done.stderr)]
    if done.returncode != 0 or not times:
        sys.exit(f"{' '.join(argv)} failed:\n{done.stderr}")
    return sum(times)


def main():
    runs, data, hunts = int(sys.argv[1]), sys.argv[2], sys.argv[3].split(",")
    variants = [variant(v) for v in sys.argv[4:]]
    for hunt in hunts:
        path = hunt if hunt.endswith(".kql") else os.path.join(HUNTS, hunt + ".kql")
        times = {name: [] for name, _, _ in variants}
        for _ in range(runs):
            for name, binary, env in variants:
                times[name].append(query_ms(binary, env, data, path))
        base = statistics.median(times[variants[0][0]])
        cells = [f"{n} {statistics.median(t):7.1f} ({statistics.median(t) / base:.2f})" for n, t in times.items()]
        print(hunt.ljust(24), "  ".join(cells), flush=True)


if __name__ == "__main__":
    main()
