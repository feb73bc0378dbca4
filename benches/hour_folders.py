#!/usr/bin/env python3
"""Time filters over the streaming API's hour folders (`y=/m=/d=/h=/m=00/PT1H.json`).

    benches/hour_folders.py --kqlite BIN [--days 7] [--per-hour 2000] [--runs 3]

Writes DAYS x 24 hourly files of AlertEvidence records into a scratch folder, then times
whole `kqlite` processes: the first run over an empty cache (every file read, its facts
kept), and later runs of a hunt over the last six hours and of one over every hour.
"""
import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import tempfile
import time
from datetime import datetime, timedelta, timezone

START = datetime(2025, 9, 1, tzinfo=timezone.utc)
RECENT = "AlertEvidence | where Timestamp > ago(6h) | summarize n = count() by EntityType | order by EntityType asc"
EVERYTHING = "AlertEvidence | summarize n = count() by EntityType | order by EntityType asc"


def record(rng, at):
    props = {
        "Timestamp": at.strftime("%Y-%m-%dT%H:%M:%S.%f0Z"),
        "AlertId": f"da{rng.randrange(10**9):09d}",
        "Title": "Exfiltration of sensitive files to personal cloud storage",
        "Categories": '["Exfiltration"]',
        "AttackTechniques": '["T1567"]',
        "ServiceSource": "Microsoft Insider Risk Management",
        "DetectionSource": "Insider risk management",
        "EntityType": rng.choice(["User", "File", "CloudApplication", "Url"]),
        "EvidenceRole": rng.choice(["Impacted", "Related"]),
        "FileName": f"report-{rng.randrange(10**6)}.xlsx",
        "AccountUpn": f"user{rng.randrange(500)}@contoso.com",
        "AdditionalFields": json.dumps({"Count": rng.randrange(100)}),
    }
    published = at + timedelta(minutes=rng.randrange(1, 30))
    return {
        "time": published.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "tenantId": "00000000-0000-0000-0000-000000000000",
        "category": "AdvancedHunting-AlertEvidence",
        "properties": props,
    }


def write_exports(root, days, per_hour):
    rng = random.Random(7)
    container = os.path.join(root, "insights-logs-advancedhunting-alertevidence")
    for hour in range(days * 24):
        at = START + timedelta(hours=hour)
        folder = os.path.join(container, at.strftime("y=%Y/m=%m/d=%d/h=%H/m=00"))
        os.makedirs(folder)
        with open(os.path.join(folder, "PT1H.json"), "w") as out:
            for _ in range(per_hour):
                when = at + timedelta(seconds=rng.randrange(3600))
                out.write(json.dumps(record(rng, when)) + "\n")
    return days * 24


def run(binary, cache, data, now, query):
    env = dict(os.environ, KQLITE_CACHE=cache)
    argv = [binary, "--data", data, "--now", now, "--format", "csv", query]
    began = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{done.stderr}")
    return elapsed, done.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kqlite", required=True)
    ap.add_argument("--days", type=int, default=7)
    ap.add_argument("--per-hour", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    scratch = tempfile.mkdtemp(prefix="kqlite-hours-")
    try:
        data, cache = os.path.join(scratch, "exports"), os.path.join(scratch, "cache")
        files = write_exports(data, args.days, args.per_hour)
        size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(data) for f in fs)
        now = (START + timedelta(days=args.days)).strftime("%Y-%m-%dT%H:%M:%SZ")
        print(f"{files} hourly files, {files * args.per_hour} records, {size / 2**20:.0f} MiB")
        first, _ = run(args.kqlite, cache, data, now, RECENT)
        print(f"first run (empty cache, every file read):  {first:6.2f} s")
        for name, query in [("last 6 hours", RECENT), ("every hour", EVERYTHING)]:
            times, answers = [], set()
            for _ in range(args.runs):
                elapsed, out = run(args.kqlite, cache, data, now, query)
                times.append(elapsed)
                answers.add(out)
            fresh, out = run(args.kqlite, os.path.join(scratch, f"empty-{len(times)}-{name}"), data, now, query)
            same = "same rows" if answers == {out} else "ROWS DIFFER"
            print(f"later runs, {name:13}: {statistics.median(times):6.2f} s "
                  f"(every file read: {fresh:6.2f} s; {same})")
    finally:
        if not os.environ.get("KEEP"):
            shutil.rmtree(scratch, ignore_errors=True)
        else:
            print(scratch)


if __name__ == "__main__":
    main()
