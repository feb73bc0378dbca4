"""A long query leaves the GIL to other threads, and Ctrl-C stops it."""

import signal
import subprocess
import sys
import textwrap
import threading
import time

import kqlite

LONG = "range x from 1 to 100000000000 step 1 | summarize sum(x)"
MEDIUM = "range x from 1 to 30000000 step 1 | summarize sum(x)"


def test_other_threads_run_while_a_query_runs():
    session = kqlite.connect()
    done = threading.Event()
    worker = threading.Thread(target=lambda: (session.query(MEDIUM), done.set()))
    started = time.monotonic()
    worker.start()
    spins = 0
    while not done.is_set() and time.monotonic() - started < 60:
        spins += 1
    worker.join(timeout=60)
    assert done.is_set()
    elapsed = time.monotonic() - started
    # Python work went on the whole time: far more than a GIL-holding query would allow.
    assert spins / elapsed > 100_000, (spins, elapsed)


def test_ctrl_c_stops_a_query_and_the_session_goes_on():
    script = textwrap.dedent(
        f"""
        import time, kqlite
        session = kqlite.connect()
        print("started", flush=True)
        began = time.monotonic()
        try:
            session.query({LONG!r})
            print("finished")
        except KeyboardInterrupt:
            print(f"interrupted after {{time.monotonic() - began:.1f}} s", flush=True)
        print(session.query("print x = 41 + 1").to_arrow().column("x")[0].as_py())
        """
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout.readline().strip() == "started"
        time.sleep(1.0)
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=30)
    finally:
        child.kill()
    assert "interrupted after" in out, (out, err)
    assert out.strip().endswith("42"), (out, err)
