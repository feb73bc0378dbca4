"""The bundled sample, the kqlite binary the CLI comparisons run, and a session over both."""

import os
import pathlib

import pytest

import kqlite

REPO = pathlib.Path(__file__).resolve().parents[3]
SAMPLE = REPO / "testdata" / "sample"
NOW = "2025-10-01"


def kqlite_binary():
    binary = os.environ.get("KQLITE_BIN")
    if not binary:
        pytest.exit("KQLITE_BIN must name the kqlite binary", returncode=2)
    return binary


@pytest.fixture(scope="session")
def hunt():
    return kqlite.connect(data=SAMPLE, now=NOW)
