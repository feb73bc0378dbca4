"""Queries through Python: types as Kusto gives them, errors with their place, parameters."""

import datetime as dt

import pyarrow as pa
import pytest

import kqlite

from conftest import NOW, SAMPLE

TYPED = """print d = datetime(2025-01-02 03:04:05.1234567), t = 1d + 2h, j = dynamic({"a": [1, 2]}),
    r = 1.5, b = true, i = int(3), l = 4, g = guid(74be27de-1e4e-49d9-b579-fe0b331d3642), s = 'x'"""


def test_a_hunt_returns_the_rows_kusto_would(hunt):
    result = hunt.query("AlertInfo | summarize n = count() by Severity | order by n desc, Severity asc")
    table = result.to_arrow()
    assert table.column_names == ["Severity", "n"]
    assert sum(table.column("n").to_pylist()) == len(hunt.query("AlertInfo").to_arrow())
    assert result.kusto_types == {"Severity": "string", "n": "long"}


def test_types_arrive_as_arrow_and_pandas_types(hunt):
    result = hunt.query(TYPED)
    schema = result.schema
    assert schema.field("d").type == pa.timestamp("ns", tz="UTC")
    assert schema.field("t").type == pa.duration("ns")
    assert result.kusto_types["j"] == "dynamic"
    row = result.to_pandas().iloc[0]
    assert row["d"].tzinfo is not None and row["d"].isoformat() == "2025-01-02T03:04:05.123456700+00:00"
    assert row["t"] == dt.timedelta(days=1, hours=2)
    assert row["j"] == '{"a":[1,2]}'
    assert row["g"] == "74be27de-1e4e-49d9-b579-fe0b331d3642"
    assert (row["r"], bool(row["b"]), int(row["i"]), int(row["l"]), row["s"]) == (1.5, True, 3, 4, "x")
    assert result.to_pandas(dynamic="python").iloc[0]["j"] == {"a": [1, 2]}


def test_polars_reads_the_result(hunt):
    frame = hunt.query(TYPED).to_polars()
    assert frame.shape == (1, 9)
    assert str(frame.schema["d"]).startswith("Datetime")


def test_a_syntax_error_raises_with_line_and_column(hunt):
    with pytest.raises(kqlite.QueryError) as raised:
        hunt.query("AlertInfo\n| where Severity == 'High' and\n| take 5")
    error = raised.value
    assert (error.line, error.column) == (3, 1)
    assert "take" in str(error)


def test_an_unknown_column_says_what_exists(hunt):
    with pytest.raises(kqlite.QueryError) as raised:
        hunt.query("AlertInfo | where Severty == 'High'")
    assert (raised.value.line, raised.value.column) == (1, 19)
    assert "Severity" in str(raised.value)


def test_parameters_are_values_never_query_text(hunt):
    tricky = "x' or 1 == 1 or '\"\\\n"
    result = hunt.query(
        "print s = text, n = number, at = when, items = array_length(items), span = gap",
        params={
            "text": tricky,
            "number": 7,
            "when": dt.datetime(2025, 9, 1, 12, tzinfo=dt.timezone.utc),
            "items": ["a;b", "c"],
            "gap": dt.timedelta(minutes=90),
        },
    )
    row = result.to_arrow().to_pylist()[0]
    assert row["s"] == tricky
    assert row["n"] == 7
    assert row["at"] == dt.datetime(2025, 9, 1, 12, tzinfo=dt.timezone.utc)
    assert row["items"] == 2
    assert row["span"] == dt.timedelta(minutes=90)


def test_an_error_after_parameters_points_into_the_query(hunt):
    with pytest.raises(kqlite.QueryError) as raised:
        hunt.query("print x = n\n| where y > 1", params={"n": 1})
    assert (raised.value.line, raised.value.column) == (2, 9)


def test_literals_quote_and_type_python_values():
    assert kqlite.literal('a"b') == '"a\\"b"'
    assert kqlite.literal(True) == "true"
    assert kqlite.literal(float("nan")) == "real(nan)"
    assert kqlite.literal({"k": [1]}) == 'dynamic({"k": [1]})'
    with pytest.raises(TypeError):
        kqlite.literal(object())


def test_tables_columns_and_explain(hunt):
    names = {t.name for t in hunt.tables()}
    assert {"AlertInfo", "AlertEvidence", "DataSecurityEvents"} <= names
    assert hunt.columns("AlertInfo")["Timestamp"] == "datetime"
    assert "physical plan" in hunt.explain("AlertInfo | count")
    with pytest.raises(KeyError, match="AlertInfo"):
        hunt.columns("NoSuchTable")


def test_several_statements_give_several_results(hunt):
    results = hunt.query_all("AlertInfo | count; print x = 1")
    assert [r.columns for r in results] == [["Count"], ["x"]]
    assert hunt.query("AlertInfo | count; print x = 1").columns == ["x"]


def test_a_missing_folder_is_a_data_error():
    with pytest.raises(kqlite.DataError, match="no such folder"):
        kqlite.connect(data=SAMPLE / "missing", now=NOW)


def test_render_gives_a_chart(hunt):
    result = hunt.query(
        "DataSecurityEvents | summarize n = count() by bin(Timestamp, 1d) | render timechart"
    )
    assert result.chart == "timechart"
    assert result.chart_svg().lstrip().startswith("<svg")
    assert hunt.query("print x = 1").chart_svg() is None
