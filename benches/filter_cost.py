"""Per-row cost of each query's filter, read from `kqlite --analyze`: the FilterExec's
elapsed_compute (summed over partitions) over the rows its input produced. Lowest of RUNS runs.

    python3 benches/filter_cost.py KQLITE DATA [PACK] [RUNS]

PACK defaults to benches/compare/predicates (one string predicate a query).
"""

import os
import re
import subprocess
import sys

UNITS = {"ns": 1e-9, "µs": 1e-6, "ms": 1e-3, "s": 1.0}
ROWS = {"": 1, "K": 1e3, "M": 1e6, "B": 1e9}


def seconds(text):
    number, unit = re.fullmatch(r"([\d.]+)(ns|µs|ms|s)", text).groups()
    return float(number) * UNITS[unit]


def rows(text):
    number, unit = re.fullmatch(r"([\d.]+) ?([KMB]?)", text).groups()
    return float(number) * ROWS[unit]


def filter_cost(plan):
    """ns per input row of the first FilterExec in an --analyze plan, or None."""
    lines = plan.splitlines()
    for i, line in enumerate(lines):
        if "FilterExec" not in line:
            continue
        compute = re.search(r"elapsed_compute=([\d.]+(?:ns|µs|ms|s))", line)
        below = re.search(r"output_rows=([\d.]+ ?[KMB]?)[,\]]", lines[i + 1]) if i + 1 < len(lines) else None
        # No input row (every row group pruned): no per-row cost.
        if compute and below and rows(below.group(1)) > 0:
            return seconds(compute.group(1)) / rows(below.group(1)) * 1e9
    return None


def main():
    kqlite, data = sys.argv[1:3]
    here = os.path.dirname(os.path.abspath(__file__))
    pack = sys.argv[3] if len(sys.argv) > 3 else os.path.join(here, "compare", "predicates")
    runs = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    print("| query | filter ns/row |")
    print("|---|---|")
    for name in sorted(f[:-4] for f in os.listdir(pack) if f.endswith(".kql")):
        query = open(os.path.join(pack, name + ".kql")).read()
        costs = []
        for _ in range(runs):
            out = subprocess.run([kqlite, "--data", data, "--analyze", query], capture_output=True, text=True)
            costs.append(filter_cost(out.stdout + out.stderr))
        costs = [c for c in costs if c is not None]
        print(f"| {name} | {min(costs):.1f} |" if costs else f"| {name} | no filter |", flush=True)


if __name__ == "__main__":
    main()
