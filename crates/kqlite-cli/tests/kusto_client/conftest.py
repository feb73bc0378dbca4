"""Starts `kqlite serve` over the bundled sample on a loopback port for the session."""

import os
import pathlib
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parents[4]
SAMPLE = REPO / "testdata" / "sample"
NOW = "2025-10-01"


def kqlite_binary():
    binary = os.environ.get("KQLITE_BIN")
    if not binary:
        pytest.exit("KQLITE_BIN must name the kqlite binary", returncode=2)
    return binary


@pytest.fixture(scope="session")
def server():
    process = subprocess.Popen(
        [kqlite_binary(), "serve", "--data", str(SAMPLE), "--bind", "127.0.0.1:0", "--now", NOW, "--no-audit"],
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = None
    for line in process.stderr:
        if "http://" in line:
            url = "http://" + line.split("http://")[1].split()[0]
            break
    if url is None:
        process.kill()
        pytest.fail("kqlite serve did not start")
    yield url
    process.terminate()
    process.wait(timeout=10)
