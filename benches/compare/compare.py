"""Runs the hunting pack in kqlite, DuckDB, DataFusion (Python) and chDB over one generated
export, checks that the engines agree, and prints median wall time, ratio to kqlite and peak
memory per hunt.

    compare.py --data DIR --kqlite BIN [--runs 3] [--repeat N] [--json out.json] [--hunt NAME ...]
               [--pack DIR]

--pack DIR runs another pack: DIR holds NAME.kql and its SQL, NAME.sql (`predicates/`: one string
predicate a query, over low- and high-cardinality columns).

With --repeat N (N > 1), each engine also runs each hunt N times in one process, and a second
table gives the median time of the runs after the first: the query alone, with the footers
cached and the code paged in, as in an interactive session.
"""

import argparse
import csv
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

from normalise import normalise_rows

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
HUNTS = os.path.join(ROOT, "testdata", "hunts")
SQL = os.path.join(HERE, "sql")
NOW = "2025-10-01"
ENGINES = ["kqlite", "datafusion", "duckdb", "chdb"]


def measured(argv):
    """argv under /usr/bin/time-like accounting: wait4 gives this child's own peak RSS."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        text = out.read().decode(), err.read().decode()
    return text[0], text[1], wall, usage.ru_maxrss / 1024, proc.returncode


def run_kqlite(binary, data, hunt):
    argv = [binary, "--data", data, "--now", NOW, "--format", "csv", "--timing", "-f", os.path.join(HUNTS, hunt + ".kql")]
    out, err, wall, rss, code = measured(argv)
    if code != 0:
        return {"seconds": wall, "rss": rss, "rows": [], "error": err.strip().splitlines()[0] if err.strip() else f"exit {code}"}
    rows = list(csv.reader(io.StringIO(out)))[1:]
    # kqlite's own clock: from the attached tables to the last row printed (parse, plan, run).
    query = sum(float(line.split()[2]) for line in err.splitlines() if line.startswith("timing: query")) / 1e3
    return {"seconds": wall, "query_seconds": query, "rss": rss, "rows": normalise_rows(rows), "error": None}


def kqlite_warm(binary, data, hunt, repeat):
    """Seconds of each run after the first of `repeat` runs of the hunt in one process."""
    with open(os.path.join(HUNTS, hunt + ".kql")) as f:
        text = f.read().strip()
    with tempfile.NamedTemporaryFile("w", suffix=".kql") as queries:
        queries.write("\n\n".join([text] * repeat) + "\n")
        queries.flush()
        argv = [binary, "--data", data, "--now", NOW, "--format", "csv", "--timing", "-f", queries.name]
        _, err, _, _, code = measured(argv)
    if code != 0:
        return []
    times = [float(line.split()[2]) / 1e3 for line in err.splitlines() if line.startswith("timing: query")]
    return times[1:]


def warm(engine, args, hunt):
    if engine == "kqlite":
        return kqlite_warm(args.kqlite, args.data, hunt, args.repeat)
    return run_worker(engine, args.data, hunt, args.repeat).get("warm_seconds", [])


def run_worker(engine, data, hunt, repeat=1):
    query = os.path.join(SQL, hunt + ".sql") if engine != "chdb" else os.path.join(HUNTS, hunt + ".kql")
    argv = [sys.executable, os.path.join(HERE, "worker.py"), engine, data, query, str(repeat)]
    out, err, wall, rss, code = measured(argv)
    if code != 0 or not out.strip():
        return {"seconds": wall, "rss": rss, "rows": [], "error": (err.strip().splitlines() or [f"exit {code}"])[-1]}
    result = json.loads(out)
    result["rss"] = rss
    return result


def run(engine, args, hunt):
    if engine == "kqlite":
        return run_kqlite(args.kqlite, args.data, hunt)
    return run_worker(engine, args.data, hunt)


def bench_hunt(args, hunt):
    """Per engine: median seconds, peak MiB, rows of the last run, error."""
    # Round-robin over the engines, so that a slow spell of the machine falls on all of them.
    all_runs = {engine: [] for engine in args.engines}
    for _ in range(args.runs):
        for engine in args.engines:
            all_runs[engine].append(run(engine, args, hunt))
    results = {}
    for engine, runs in all_runs.items():
        last = runs[-1]
        median = statistics.median(r["seconds"] for r in runs)
        results[engine] = {
            "median": median,
            "query_median": statistics.median(r.get("query_seconds", r["seconds"]) for r in runs),
            "rss": max(r["rss"] for r in runs),
            "rows": last["rows"],
            "error": last["error"],
        }
        if args.repeat > 1 and not last["error"]:
            times = warm(engine, args, hunt)
            results[engine]["warm_median"] = statistics.median(times) if times else None
    return results


def agreement(results):
    reference = results["kqlite"]["rows"]
    verdict = {}
    for engine, r in results.items():
        if r["error"]:
            verdict[engine] = "error"
        else:
            verdict[engine] = "same" if r["rows"] == reference else "DIFFERENT"
    return verdict


def table(report):
    lines = []
    head = "| hunt | rows | " + " | ".join(f"{e}: s (x kqlite) [query only], MiB" for e in report["engines"]) + " |"
    lines.append(head)
    lines.append("|" + "---|" * (2 + len(report["engines"])))
    for hunt, results in report["hunts"].items():
        base = results["kqlite"]["median"]
        cells = []
        for e in report["engines"]:
            r = results[e]
            if r["error"]:
                cells.append(f"unsupported ({r['error'][:60]})" if e == "chdb" else f"error: {r['error'][:60]}")
                continue
            ratio = r["median"] / base if base else float("nan")
            mark = "" if r["agree"] == "same" else " **rows differ**"
            query = f" [{r['query_median']:.3f}]"
            cells.append(f"{r['median']:.3f} ({ratio:.2f}x){query}, {r['rss']:.0f}{mark}")
        lines.append(f"| {hunt} | {len(results['kqlite']['rows'])} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def warm_table(report):
    engines = report["engines"]
    lines = ["| hunt | " + " | ".join(f"{e}: warm ms (x kqlite)" for e in engines) + " |"]
    lines.append("|" + "---|" * (1 + len(engines)))
    for hunt, results in report["hunts"].items():
        base = results["kqlite"].get("warm_median")
        cells = []
        for e in engines:
            t = results[e].get("warm_median")
            if t is None:
                cells.append("-")
            else:
                cells.append(f"{t * 1e3:.1f} ({t / base:.2f}x)" if base else f"{t * 1e3:.1f}")
        lines.append(f"| {hunt} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True)
    p.add_argument("--kqlite", required=True)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--json")
    p.add_argument("--hunt", action="append")
    p.add_argument("--engines", default=",".join(ENGINES))
    p.add_argument("--pack", help="a folder of NAME.kql and NAME.sql instead of the hunting pack")
    args = p.parse_args()
    global HUNTS, SQL
    if args.pack:
        HUNTS = SQL = os.path.abspath(args.pack)
    args.engines = args.engines.split(",")
    hunts = args.hunt or sorted(f[:-4] for f in os.listdir(HUNTS) if f.endswith(".kql"))
    report = {"data": args.data, "runs": args.runs, "repeat": args.repeat, "engines": args.engines, "hunts": {}}
    for hunt in hunts:
        results = bench_hunt(args, hunt)
        for engine, verdict in agreement(results).items():
            results[engine]["agree"] = verdict
        report["hunts"][hunt] = results
        summary = ", ".join(f"{e} {r['median']:.3f}s {r['agree']}" for e, r in results.items())
        print(f"{hunt}: {summary}", file=sys.stderr, flush=True)
    print(table(report))
    if args.repeat > 1:
        print()
        print(warm_table(report))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()
