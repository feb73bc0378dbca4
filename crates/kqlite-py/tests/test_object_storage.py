"""`connect(data="az://...")`: the sample uploaded to Azurite (npm's `azurite`, started on a free
loopback port and stopped after) answers the hunting pack with the rows of the folder, its
Parquet read in place. `KQLITE_SKIP_AZURITE` skips these tests."""

import importlib.util
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

import kqlite
from conftest import NOW, REPO

HUNTS = sorted((REPO / "testdata" / "hunts").glob("*.kql"))


def azurite_program():
    named = os.environ.get("KQLITE_AZURITE")
    installed = Path.home() / ".cache/kqlite/node/node_modules/.bin/azurite-blob"
    return named or shutil.which("azurite-blob") or (str(installed) if installed.exists() else None)


pytestmark = pytest.mark.skipif(
    "KQLITE_SKIP_AZURITE" in os.environ or azurite_program() is None,
    reason="KQLITE_SKIP_AZURITE is set, or Azurite is not installed",
)


def uploader():
    """The Shared Key uploader of `benches/object_store.py` (standard library only)."""
    spec = importlib.util.spec_from_file_location("object_store", REPO / "benches/object_store.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def remote(tmp_path_factory):
    folder = tmp_path_factory.mktemp("azurite")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen(
        [azurite_program(), "--blobHost", "127.0.0.1", "--blobPort", str(port), "--silent",
         "--skipApiVersionCheck", "--location", str(folder / "data")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    saved = {k: os.environ.get(k) for k in ("AZURE_STORAGE_USE_EMULATOR",
                                            "AZURITE_BLOB_STORAGE_URL", "KQLITE_CACHE")}
    try:
        deadline = time.monotonic() + 30
        while socket.socket().connect_ex(("127.0.0.1", port)) != 0:
            assert time.monotonic() < deadline, "azurite did not listen"
            time.sleep(0.1)
        upload = uploader()
        assert upload.put(port, "/exports", [("restype", "container")], {}, b"") == 201
        upload.upload(port, "exports", "defender", REPO / "testdata" / "sample")
        os.environ.update(AZURE_STORAGE_USE_EMULATOR="true",
                          AZURITE_BLOB_STORAGE_URL=f"http://127.0.0.1:{port}",
                          KQLITE_CACHE=str(folder / "cache"))
        yield kqlite.connect(data="az://exports/defender", now=NOW), folder / "cache"
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        process.kill()
        process.wait(timeout=30)


def rows(result):
    return sorted(map(repr, result.to_arrow().to_pylist()))


@pytest.mark.parametrize("path", HUNTS, ids=[p.stem for p in HUNTS])
def test_hunt_over_a_container_gives_the_rows_of_the_folder(hunt, remote, path):
    session, _ = remote
    query = "\n".join(line for line in path.read_text().splitlines() if not line.startswith("//"))
    here, there = hunt.query(query), session.query(query)
    assert there.columns == here.columns
    assert rows(there) == rows(here)


def test_parquet_is_read_in_place(remote):
    _, cache = remote
    kept = [p.suffix for p in cache.rglob("*") if p.is_file()]
    assert ".tail" in kept and ".parquet" not in kept


def test_a_missing_container_is_a_data_error_naming_it(remote):
    with pytest.raises(kqlite.DataError, match="az://nosuch/x"):
        kqlite.connect(data="az://nosuch/x", now=NOW)
