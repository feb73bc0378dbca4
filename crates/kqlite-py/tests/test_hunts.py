"""The hunting pack through Python gives the rows of `kqlite --format csv`."""

import csv
import io
import json
import math
import subprocess

import pytest

from conftest import NOW, REPO, SAMPLE, kqlite_binary

HUNTS = sorted((REPO / "testdata" / "hunts").glob("*.kql"))


def cli_rows(path):
    out = subprocess.run(
        [kqlite_binary(), "--data", str(SAMPLE), "--now", NOW, "--format", "csv", "-f", str(path)],
        check=True, capture_output=True, text=True,
    ).stdout
    rows = list(csv.reader(io.StringIO(out)))
    return rows[0], rows[1:]


def as_text(kusto, value):
    """A value as the CLI's CSV writes it, reduced to what both sides can compare."""
    if value is None:
        return ""
    if kusto == "datetime":
        return value.isoformat().replace("+00:00", "")
    if kusto == "real":
        return "NaN" if math.isnan(value) else repr(round(value, 9))
    if kusto == "bool":
        return str(value).lower()
    if kusto == "dynamic":
        return json.dumps(json.loads(value), sort_keys=True)
    return str(value)


def csv_text(kusto, text):
    if kusto == "datetime" and text:
        return text.rstrip("Z").rstrip("0").rstrip(".")
    if kusto == "real" and text not in ("", "NaN"):
        return repr(round(float(text), 9))
    if kusto == "dynamic" and text:
        return json.dumps(json.loads(text), sort_keys=True)
    return text


@pytest.mark.parametrize("path", HUNTS, ids=[p.stem for p in HUNTS])
def test_hunt_gives_the_rows_of_the_cli(hunt, path):
    query = "\n".join(line for line in path.read_text().splitlines() if not line.startswith("//"))
    result = hunt.query(query)
    header, cli = cli_rows(path)
    assert result.columns == header
    types = [result.kusto_types[name] for name in header]
    ours = [
        [as_text(t, v) for t, v in zip(types, row.values())]
        for row in result.to_arrow().to_pylist()
    ]
    theirs = [[csv_text(t, v) for t, v in zip(types, row)] for row in cli]
    ours = [[v.rstrip("0").rstrip(".") if t == "datetime" else v for t, v in zip(types, r)] for r in ours]
    assert ours == theirs
    assert len(ours) > 0
