"""DataFrames registered as tables: pandas, polars and Arrow, joined with an export."""

import datetime as dt

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import kqlite

from conftest import NOW, SAMPLE


@pytest.fixture()
def session():
    return kqlite.connect(data=SAMPLE, now=NOW)


def alert_users(session):
    query = "AlertEvidence | where isnotempty(AccountUpn) | distinct AccountUpn | order by AccountUpn asc"
    return session.query(query).to_arrow().column("AccountUpn").to_pylist()


def test_a_pandas_watchlist_joins_with_an_export(session):
    users = alert_users(session)
    assert len(users) >= 2
    watchlist = pd.DataFrame({"Upn": users[:2], "Reason": ["resigned", "contractor"]})
    assert session.register("Watchlist", watchlist) == 2
    joined = session.query(
        "AlertEvidence | join kind=inner (Watchlist) on $left.AccountUpn == $right.Upn "
        "| summarize Alerts = dcount(AlertId) by Upn, Reason | order by Upn asc"
    ).to_pandas()
    assert list(joined["Upn"]) == users[:2]
    assert (joined["Alerts"] > 0).all()


def test_pandas_columns_take_kusto_types(session):
    frame = pd.DataFrame(
        {
            "small": pd.Series([1, 2], dtype="int16"),
            "at": pd.to_datetime(["2025-09-01 10:00", "2025-09-02 11:00"]),
            "span": pd.to_timedelta(["1h", "2h"]),
            "ratio": pd.Series([0.5, 1.5], dtype="float32"),
            "name": ["a", None],
            "bag": [{"k": 1}, {"k": 2}],
        },
    ).set_axis([10, 20])
    session.register("Frame", frame)
    types = session.columns("Frame")
    assert types == {
        "small": "int", "at": "datetime", "span": "timespan", "ratio": "real",
        "name": "string", "bag": "dynamic",
    }
    row = session.query(
        "Frame | where at > datetime(2025-09-01 12:00) | extend k = toint(bag.k), hours = span / 1h"
    ).to_arrow().to_pylist()
    assert len(row) == 1
    assert row[0]["k"] == 2 and row[0]["hours"] == 2.0
    assert row[0]["at"] == dt.datetime(2025, 9, 2, 11, tzinfo=dt.timezone.utc)
    # A missing string is Kusto's empty string.
    assert session.query("Frame | where isempty(name) | count").to_arrow().column(0)[0].as_py() == 1


def test_polars_and_arrow_tables_register(session):
    session.register("FromPolars", pl.DataFrame({"x": [1, 2, 3], "s": ["a", "b", "c"]}))
    session.register("FromArrow", pa.table({"x": [2, 3], "t": ["two", "three"]}))
    rows = session.query(
        "FromPolars | join kind=inner FromArrow on x | project x, s, t | order by x asc"
    ).to_arrow().to_pylist()
    assert rows == [{"x": 2, "s": "b", "t": "two"}, {"x": 3, "s": "c", "t": "three"}]
    listed = {t.name: t for t in session.tables()}
    assert listed["FromPolars"].rows == 3
    assert "polars DataFrame" in listed["FromPolars"].sources[0]


def test_registering_again_replaces_the_table(session):
    session.register("T", {"x": [1, 2, 3]})
    session.register("T", {"x": [1]})
    assert len(session.query("T")) == 1


def test_a_column_no_kusto_type_holds_is_refused_by_name(session):
    with pytest.raises(kqlite.DataError, match="not supported yet: column blob"):
        session.register("Blobs", pa.table({"blob": pa.array([b"x"], pa.binary())}))


def test_an_unsigned_value_past_long_is_an_error_not_a_null(session):
    with pytest.raises(kqlite.DataError):
        session.register("Huge", pa.table({"n": pa.array([2**64 - 1], pa.uint64())}))
