"""Runs one query in one engine over a folder of Parquet tables and prints JSON: the seconds
the query took with registering the tables (`seconds`; interpreter start and imports not
included) and without (`query_seconds`), and the normalised rows. One process per run, so the parent can read its peak memory.

    worker.py duckdb|datafusion|chdb DATA QUERY_FILE
"""

import json
import os
import sys
import time

from normalise import normalise_rows

NOW = "2025-10-01"
TABLES = [
    "DataSecurityEvents", "DataSecurityBehaviors", "AlertInfo", "AlertEvidence",
    "DeviceFileEvents", "CloudAppEvents", "EmailEvents", "IdentityInfo",
]


def present(data):
    return [t for t in TABLES if os.path.isdir(os.path.join(data, t))]


def run_duckdb(data, text):
    import duckdb

    # DuckDB's date_trunc and interval arithmetic have no nanosecond-timestamp overloads:
    # the views read Timestamp as DuckDB's own (microsecond) TIMESTAMPTZ.
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    for t in present(data):
        glob = os.path.join(data, t, "*.parquet")
        cast = 'REPLACE (CAST("Timestamp" AS TIMESTAMPTZ) AS "Timestamp")'
        con.execute(f"CREATE VIEW \"{t}\" AS SELECT * {cast} FROM read_parquet('{glob}')")
    ready = time.perf_counter()
    return con.execute(text).fetchall(), ready


def run_datafusion(data, text):
    import datafusion

    ctx = datafusion.SessionContext()
    for t in present(data):
        ctx.register_parquet(t, os.path.join(data, t) + "/")
        # Registered names are normalised to lower case: refer to them unquoted.
        text = text.replace(f'"{t}"', t)
    ready = time.perf_counter()
    batches = ctx.sql(text).collect()
    rows = []
    for batch in batches:
        columns = [c.to_pylist() for c in batch.columns]
        rows.extend(zip(*columns))
    return rows, ready


def run_chdb(data, text):
    """ClickHouse's Kusto dialect over views of the same files."""
    import csv
    import io
    import re

    from chdb import session

    sess = session.Session()
    for t in present(data):
        glob = os.path.join(data, t, "*.parquet")
        sess.query(f"CREATE VIEW IF NOT EXISTS {t} AS SELECT * FROM file('{glob}', Parquet)")
    kql = "\n".join(line for line in text.splitlines() if not line.strip().startswith("//"))
    # chDB reads the wall clock; pin ago() to the hunts' clock as kqlite's --now does.
    kql = re.sub(r"ago\((\w+)\)", f"(datetime({NOW}) - \\1)", kql)
    sess.query("SET allow_experimental_kusto_dialect = 1")
    sess.query("SET dialect = 'kusto'")
    ready = time.perf_counter()
    out = sess.query(kql, "CSV")
    return list(csv.reader(io.StringIO(str(out)))), ready


ENGINES = {"duckdb": run_duckdb, "datafusion": run_datafusion, "chdb": run_chdb}


def main():
    engine, data, path = sys.argv[1:4]
    text = open(path).read()
    start = time.perf_counter()
    try:
        rows, ready = ENGINES[engine](data, text)
        error = None
    except Exception as e:  # the engine's own error is the result
        rows, ready, error = [], start, f"{type(e).__name__}: {e}".splitlines()[0][:300]
    end = time.perf_counter()
    result = {"seconds": end - start, "query_seconds": end - ready}
    print(json.dumps({**result, "rows": normalise_rows(rows), "error": error}))


if __name__ == "__main__":
    main()
