#!/usr/bin/env python3
"""The cost of reading an export in place from object storage: the hunting pack over a folder,
and over the same files uploaded to Azurite (Azure Storage's emulator) on loopback, read through
`--data az://...`: the first run (footers fetched), then runs with the footers cached.

    benches/object_store.py --kqlite target/release/kqlite --data benches/compare/data/rows-2000000

Needs `azurite-blob` (npm's `azurite`, as `.ci/run` installs it in ~/.cache/kqlite/node) and
only Python's standard library. Prints a Markdown table of median wall times (ms).

    benches/object_store.py upload --port 10000 --data testdata/sample --to exports/defender

only uploads a folder to an Azurite already listening on PORT (creating the container), as the
README's walk-through does.
"""
import argparse
import base64
import email.utils
import hashlib
import hmac
import http.client
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ACCOUNT = "devstoreaccount1"
KEY = base64.b64decode(
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==")
ROOT = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def azurite_program():
    found = shutil.which("azurite-blob")
    installed = Path.home() / ".cache/kqlite/node/node_modules/.bin/azurite-blob"
    return found or (str(installed) if installed.exists() else None)


def put(port, path, query, headers, body):
    """One signed PUT (Shared Key) to Azurite: its status."""
    date = email.utils.formatdate(usegmt=True)
    ms = sorted(list(headers.items()) + [("x-ms-date", date), ("x-ms-version", "2021-08-06")])
    canonical = "".join(f"{k}:{v}\n" for k, v in ms)
    resource = f"/{ACCOUNT}/{ACCOUNT}{path}" + "".join(f"\n{k}:{v}" for k, v in query)
    length = str(len(body)) if body else ""
    to_sign = f"PUT\n\n\n{length}\n\n\n\n\n\n\n\n\n{canonical}{resource}"
    signature = base64.b64encode(hmac.new(KEY, to_sign.encode(), hashlib.sha256).digest())
    target = f"/{ACCOUNT}{path}?" + "&".join(f"{k}={v}" for k, v in query)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    all_headers = dict(ms)
    all_headers["Authorization"] = f"SharedKey {ACCOUNT}:{signature.decode()}"
    all_headers["Content-Length"] = str(len(body))
    connection.request("PUT", target, body=body, headers=all_headers)
    status = connection.getresponse().status
    connection.close()
    return status


def upload(port, container, prefix, folder):
    for path in sorted(Path(folder).rglob("*")):
        if path.is_file():
            relative = path.relative_to(folder).as_posix()
            status = put(port, f"/{container}/{prefix}/{relative}", [],
                         {"x-ms-blob-type": "BlockBlob"}, path.read_bytes())
            assert status == 201, (path, status)


def timed(kqlite, env, args):
    start = time.perf_counter()
    done = subprocess.run([kqlite, *args], env=env, capture_output=True)
    elapsed = (time.perf_counter() - start) * 1000
    if done.returncode != 0:
        sys.exit(f"kqlite {' '.join(args)} failed: {done.stderr.decode()}")
    return elapsed, done.stdout


def upload_only(argv):
    parser = argparse.ArgumentParser(prog="object_store.py upload")
    parser.add_argument("--port", type=int, default=10000)
    parser.add_argument("--data", required=True, help="the folder to upload")
    parser.add_argument("--to", required=True, help="CONTAINER/PREFIX")
    args = parser.parse_args(argv)
    container, _, prefix = args.to.partition("/")
    status = put(args.port, f"/{container}", [("restype", "container")], {}, b"")
    assert status in (201, 409), f"creating {container}: HTTP {status}"
    upload(args.port, container, prefix or "data", args.data)
    print(f"uploaded {args.data} to az://{container}/{prefix}")


def main():
    if sys.argv[1:2] == ["upload"]:
        return upload_only(sys.argv[2:])
    parser = argparse.ArgumentParser()
    parser.add_argument("--kqlite", required=True)
    parser.add_argument("--data", required=True, help="an export folder (as `generate` writes)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    program = azurite_program()
    if not program:
        sys.exit("needs azurite-blob: npm install --prefix ~/.cache/kqlite/node azurite")
    work = Path(tempfile.mkdtemp(prefix="kqlite-object-store-"))
    port = free_port()
    azurite = subprocess.Popen(
        [program, "--blobHost", "127.0.0.1", "--blobPort", str(port), "--silent",
         "--skipApiVersionCheck", "--location", str(work / "azurite")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        assert put(port, "/exports", [("restype", "container")], {}, b"") == 201
        started = time.perf_counter()
        upload(port, "exports", "defender", args.data)
        print(f"uploaded {args.data} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        env = dict(os.environ, AZURE_STORAGE_USE_EMULATOR="true",
                   AZURITE_BLOB_STORAGE_URL=f"http://127.0.0.1:{port}",
                   KQLITE_CACHE=str(work / "cache"))
        common = ["--now", "2025-10-01", "--format", "csv"]
        url = "az://exports/defender"
        first, _ = timed(args.kqlite, env, ["--data", url, *common, "DataSecurityEvents | count"])
        print(f"| hunt | folder (ms) | az:// (ms) | same rows |\n|---|---|---|---|")
        print(f"| first attach of the URL (footers fetched), `count` | | {first:.0f} | |")
        for hunt in sorted((ROOT / "testdata/hunts").glob("*.kql")):
            here, there, same = [], [], True
            for _ in range(args.runs):
                ms, local = timed(args.kqlite, env, ["--data", args.data, *common, "-f", str(hunt)])
                here.append(ms)
                ms, remote = timed(args.kqlite, env, ["--data", url, *common, "-f", str(hunt)])
                there.append(ms)
                same = same and local == remote
            print(f"| {hunt.stem} | {statistics.median(here):.0f} | "
                  f"{statistics.median(there):.0f} | {'yes' if same else 'NO'} |")
    finally:
        azurite.terminate()
        try:
            azurite.wait(timeout=10)
        except subprocess.TimeoutExpired:
            azurite.kill()
            azurite.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
