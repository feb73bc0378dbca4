"""Runs one query in one engine over a folder of Parquet tables and prints JSON: the seconds
the query took with registering the tables (`seconds`; interpreter start and imports not
included) and without (`query_seconds`), and the normalised rows. One process per run, so the parent can read its peak memory.

    worker.py duckdb|datafusion|chdb DATA QUERY_FILE [REPEAT]

With REPEAT > 1 the query runs that many times in the same session, and `warm_seconds` lists
the times of the runs after the first (footers cached, code paged in).
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


def open_duckdb(data):
    import duckdb

    # DuckDB's date_trunc and interval arithmetic have no nanosecond-timestamp overloads:
    # the views read Timestamp as DuckDB's own (microsecond) TIMESTAMPTZ.
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    for t in present(data):
        glob = os.path.join(data, t, "*.parquet")
        cast = 'REPLACE (CAST("Timestamp" AS TIMESTAMPTZ) AS "Timestamp")'
        con.execute(f"CREATE VIEW \"{t}\" AS SELECT * {cast} FROM read_parquet('{glob}')")
    return lambda text: con.execute(text).fetchall()


def open_datafusion(data):
    import datafusion

    ctx = datafusion.SessionContext()
    tables = present(data)
    for t in tables:
        ctx.register_parquet(t, os.path.join(data, t) + "/")

    def query(text):
        # Registered names are normalised to lower case: refer to them unquoted.
        for t in tables:
            text = text.replace(f'"{t}"', t)
        rows = []
        for batch in ctx.sql(text).collect():
            columns = [c.to_pylist() for c in batch.columns]
            rows.extend(zip(*columns))
        return rows

    return query


def open_chdb(data):
    """ClickHouse's Kusto dialect over views of the same files."""
    import csv
    import io
    import re

    from chdb import session

    sess = session.Session()
    for t in present(data):
        glob = os.path.join(data, t, "*.parquet")
        sess.query(f"CREATE VIEW IF NOT EXISTS {t} AS SELECT * FROM file('{glob}', Parquet)")
    sess.query("SET allow_experimental_kusto_dialect = 1")
    sess.query("SET dialect = 'kusto'")

    def query(text):
        kql = "\n".join(line for line in text.splitlines() if not line.strip().startswith("//"))
        # chDB reads the wall clock; pin ago() to the hunts' clock as kqlite's --now does.
        kql = re.sub(r"ago\((\w+)\)", f"(datetime({NOW}) - \\1)", kql)
        return list(csv.reader(io.StringIO(str(sess.query(kql, "CSV")))))

    return query


ENGINES = {"duckdb": open_duckdb, "datafusion": open_datafusion, "chdb": open_chdb}


def main():
    engine, data, path = sys.argv[1:4]
    repeat = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    text = open(path).read()
    start = time.perf_counter()
    ready, warm = start, []
    try:
        query = ENGINES[engine](data)
        ready = time.perf_counter()
        rows = query(text)
        end = time.perf_counter()
        for _ in range(repeat - 1):
            again = time.perf_counter()
            query(text)
            warm.append(time.perf_counter() - again)
        error = None
    except Exception as e:  # the engine's own error is the result
        rows, error = [], f"{type(e).__name__}: {e}".splitlines()[0][:300]
        end = time.perf_counter()
    result = {"seconds": end - start, "query_seconds": end - ready, "warm_seconds": warm}
    print(json.dumps({**result, "rows": normalise_rows(rows), "error": error}))


if __name__ == "__main__":
    main()
