"""`connect(cluster=...)`: the hunting pack on a Ballista scheduler and two executors (the
`kqlite scheduler` and `kqlite executor` processes, on free loopback ports, stopped after)
gives the rows of a local session. `KQLITE_SKIP_CLUSTER` skips these tests."""

import os
import socket
import subprocess
import time

import pytest

import kqlite
from conftest import NOW, REPO, SAMPLE, kqlite_binary

HUNTS = sorted((REPO / "testdata" / "hunts").glob("*.kql"))

pytestmark = pytest.mark.skipif(
    "KQLITE_SKIP_CLUSTER" in os.environ, reason="KQLITE_SKIP_CLUSTER is set"
)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, what, process):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, f"{what} exited with {process.returncode}"
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"{what} did not listen on port {port} within 60 s")


def start(args, log):
    return subprocess.Popen([kqlite_binary(), *args], stdout=log, stderr=log)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cluster")
    log = open(folder / "processes.log", "w")
    port = free_port()
    processes = [start(["scheduler", "--bind", f"127.0.0.1:{port}"], log)]
    try:
        wait_for_port(port, "the scheduler", processes[0])
        url = f"df://127.0.0.1:{port}"
        for i in range(2):
            flight, grpc = free_port(), free_port()
            work = folder / f"executor-{i}"
            work.mkdir()
            args = ["executor", "--scheduler", url, "--port", str(flight), "--grpc-port", str(grpc)]
            processes.append(start([*args, "--cores", "2", "--work-dir", str(work)], log))
            wait_for_port(flight, "an executor", processes[-1])
        session = kqlite.connect(data=SAMPLE, now=NOW, cluster=url)
        wait_until_it_runs(session)
        yield session
    finally:
        for process in processes:
            process.kill()
            process.wait(timeout=30)
        log.close()


def wait_until_it_runs(session):
    """Until the executors have registered and a query runs there (bounded)."""
    deadline = time.monotonic() + 90
    while True:
        try:
            session.query("DataSecurityEvents | count")
            return
        except kqlite.QueryError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def rows(result):
    return sorted(map(repr, result.to_arrow().to_pylist()))


@pytest.mark.parametrize("path", HUNTS, ids=[p.stem for p in HUNTS])
def test_hunt_on_the_cluster_gives_the_local_rows(hunt, cluster, path):
    query = "\n".join(line for line in path.read_text().splitlines() if not line.startswith("//"))
    here, there = hunt.query(query), cluster.query(query)
    assert there.columns == here.columns
    assert rows(there) == rows(here)


def test_the_plan_names_the_cluster(cluster):
    assert "ClusterExec" in cluster.explain("DataSecurityEvents | summarize count() by ActionType")


def test_an_unreachable_scheduler_fails_the_query_naming_it():
    session = kqlite.connect(data=SAMPLE, now=NOW, cluster=f"df://127.0.0.1:{free_port()}")
    with pytest.raises(kqlite.QueryError, match="127.0.0.1"):
        session.query("DataSecurityEvents | count")


def test_a_url_that_is_not_a_cluster_is_a_data_error():
    with pytest.raises(kqlite.DataError):
        kqlite.connect(data=SAMPLE, now=NOW, cluster="http://example")
