"""Microsoft's own Kusto client (azure-kusto-data, from PyPI) against `kqlite serve`: the same
rows and types as `kqlite --format csv`, the schema commands clients send on connect, errors
raised as the client raises Kusto's, pandas frames, request properties, and many clients at
once."""

import csv
import io
import json
import math
import os
import subprocess
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
from azure.kusto.data import ClientRequestProperties, KustoClient, KustoConnectionStringBuilder
from azure.kusto.data._converters import to_datetime, to_timedelta
from azure.kusto.data.exceptions import KustoServiceError
from azure.kusto.data.helpers import dataframe_from_result_table

from conftest import NOW, REPO, SAMPLE, kqlite_binary

HUNTS = sorted((REPO / "testdata" / "hunts").glob("*.kql"))


def client(url):
    return KustoClient(KustoConnectionStringBuilder.with_no_authentication(url))


def cli_csv(query):
    """The rows `kqlite --format csv` writes, with its header."""
    out = subprocess.run(
        [kqlite_binary(), "--data", str(SAMPLE), "--now", NOW, "--format", "csv", query],
        check=True, capture_output=True, text=True,
    ).stdout
    return list(csv.reader(io.StringIO(out)))


def normal(kusto_type, value):
    """One value in a form both sources reduce to: the client's typed value, or CSV text."""
    if value is None or (value == "" and kusto_type != "string"):
        return None
    if kusto_type == "datetime":
        value = to_datetime(value) if isinstance(value, str) else value
        return value.astimezone(timezone.utc).isoformat()
    if kusto_type == "timespan":
        value = to_timedelta(value) if isinstance(value, str) else value
        return value.total_seconds()
    if kusto_type == "dynamic":
        value = json.loads(value) if isinstance(value, str) else value
        return json.dumps(value, sort_keys=True)
    if kusto_type == "real":
        value = float(value)
        return "NaN" if math.isnan(value) else round(value, 9)
    if kusto_type in ("long", "int"):
        return int(value)
    if kusto_type == "bool":
        return str(value).lower()
    return value


@pytest.mark.parametrize("hunt", HUNTS, ids=[h.stem for h in HUNTS])
def test_the_hunting_pack_gives_the_rows_and_types_of_the_cli(server, hunt):
    query = hunt.read_text()
    table = client(server).execute("kqlite", query).primary_results[0]
    types = [c.column_type for c in table.columns]
    expected = cli_csv(query)
    assert [c.column_name for c in table.columns] == expected[0]
    got = sorted(repr([normal(t, v) for t, v in zip(types, row)]) for row in table)
    want = sorted(repr([normal(t, v) for t, v in zip(types, row)]) for row in expected[1:])
    assert got == want
    assert len(got) > 0 or hunt.stem in {"rare_destinations"}


def test_values_arrive_typed_with_nulls(server):
    query = """datatable(d:datetime, t:timespan, l:long, r:real, b:bool, s:string, j:dynamic)[
        datetime(2025-09-01 10:11:12.1234567), 1d, 7, 1.5, true, "x", dynamic({"a":[1,2]}),
        datetime(null), time(null), long(null), real(null), bool(null), "", dynamic(null)]"""
    rows = client(server).execute("kqlite", query).primary_results[0].rows
    first, second = rows
    assert first["d"] == datetime(2025, 9, 1, 10, 11, 12, 123456, tzinfo=timezone.utc)
    assert first["t"] == timedelta(days=1)
    assert (first["l"], first["r"], first["b"], first["s"]) == (7, 1.5, True, "x")
    assert first["j"] == {"a": [1, 2]}
    assert [second[c] for c in "dtlrbj"] == [None] * 6
    assert second["s"] == ""


def test_a_dataframe_from_the_result(server):
    query = "DataSecurityEvents | summarize Events = count(), Last = max(Timestamp) by ActionType"
    frame = dataframe_from_result_table(client(server).execute("kqlite", query).primary_results[0])
    assert list(frame.columns) == ["ActionType", "Events", "Last"]
    assert str(frame["Last"].dtype).startswith("datetime64") and "UTC" in str(frame["Last"].dtype)
    assert frame["Events"].sum() == int(cli_csv("DataSecurityEvents | count")[1][0])


def test_the_schema_commands_clients_send_on_connect(server):
    kusto = client(server)
    schema = json.loads(kusto.execute_mgmt("kqlite", ".show database schema as json").primary_results[0][0][0])
    tables = schema["Databases"]["kqlite"]["Tables"]
    columns = {c["Name"]: c["CslType"] for c in tables["DataSecurityEvents"]["OrderedColumns"]}
    assert columns["Timestamp"] == "datetime" and columns["SensitiveInfoTypeInfo"] == "dynamic"
    one = kusto.execute_mgmt("kqlite", ".show table AlertInfo schema as json").primary_results[0]
    assert json.loads(one[0]["Schema"])["Name"] == "AlertInfo"
    names = [r["TableName"] for r in kusto.execute_mgmt("kqlite", ".show tables").primary_results[0]]
    assert "AlertEvidence" in names and "DataSecurityBehaviors" in names
    assert kusto.execute_mgmt("kqlite", ".show databases").primary_results[0][0]["DatabaseName"] == "kqlite"
    assert kusto.execute_mgmt("kqlite", ".show version").primary_results[0][0]["ProductVersion"].startswith("kqlite")
    assert len(kusto.execute_mgmt("kqlite", ".show functions").primary_results[0]) == 0


def test_errors_raise_the_clients_service_error(server):
    kusto = client(server)
    with pytest.raises(KustoServiceError, match="Nope") as raised:
        kusto.execute("kqlite", "AlertInfo\n| where Nope == 1")
    assert "line 2, column 9" in str(raised.value)
    with pytest.raises(KustoServiceError, match="Syntax error"):
        kusto.execute("kqlite", "AlertInfo | where")
    with pytest.raises(KustoServiceError, match="E_QUERY_RESULT_SET_TOO_LARGE"):
        kusto.execute("kqlite", "set truncationmaxrecords = 3; range x from 1 to 10 step 1")
    with pytest.raises(KustoServiceError, match="read-only"):
        kusto.execute_mgmt("kqlite", ".drop table AlertInfo")


def test_request_properties_set_the_clock_and_the_limits(server):
    kusto = client(server)
    properties = ClientRequestProperties()
    properties.set_option("query_now", "2025-09-02T03:04:05Z")
    row = kusto.execute("kqlite", "print n = now()", properties).primary_results[0][0]
    assert row["n"] == datetime(2025, 9, 2, 3, 4, 5, tzinfo=timezone.utc)
    properties = ClientRequestProperties()
    properties.set_option("truncationmaxrecords", 3)
    with pytest.raises(KustoServiceError, match="record count limit 3"):
        kusto.execute("kqlite", "range x from 1 to 10 step 1", properties)
    properties.set_option(ClientRequestProperties.results_defer_partial_query_failures_option_name, False)
    properties.set_option("notruncation", True)
    assert len(kusto.execute("kqlite", "range x from 1 to 10 step 1", properties).primary_results[0]) == 10
    properties = ClientRequestProperties()
    properties.set_option(ClientRequestProperties.request_timeout_option_name, timedelta(seconds=1))
    with pytest.raises(KustoServiceError, match="timeout"):
        kusto.execute("kqlite", "range x from 1 to 2000000000 step 1 | summarize sum(hash(x) % 7)", properties)


def test_many_clients_at_once_get_no_error_and_no_wrong_row(server):
    seconds = float(os.environ.get("KQLITE_CONCURRENCY_SECONDS", "60"))
    hunts = [h.read_text() for h in HUNTS]
    expected = {}
    for query in hunts:
        table = client(server).execute("kqlite", query).primary_results[0]
        expected[query] = sorted(repr(list(row)) for row in table)
    failures, runs = [], [0]
    stop = time.monotonic() + seconds

    def hunt(worker):
        kusto = client(server)
        turn = worker
        while time.monotonic() < stop and len(failures) < 5:
            query = hunts[turn % len(hunts)]
            turn += 1
            try:
                table = kusto.execute("kqlite", query).primary_results[0]
                if sorted(repr(list(row)) for row in table) != expected[query]:
                    failures.append(f"wrong rows for {query[:60]!r}")
            except Exception as error:  # any failure is a finding
                failures.append(repr(error))
            runs[0] += 1

    workers = [threading.Thread(target=hunt, args=(i,)) for i in range(50)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=seconds + 120)
    assert not failures, failures[:5]
    assert runs[0] >= 50
    print(f"{runs[0]} queries from 50 clients in {seconds:.0f} s")
