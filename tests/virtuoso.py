"""A real Virtuoso Open Source server for the tests, on loopback, in a temporary directory.

``virtuoso`` (session-scoped) starts ``virtuoso-t`` with a generated ``virtuoso.ini`` on
free ports, waits until its SPARQL endpoint answers and stops it at the end. Writes go to
``/sparql-auth`` with Digest authentication as ``dba`` (a fresh database's password is
``dba``). Without ``virtuoso-t`` the tests that use it are skipped, unless
``FENGONG_REQUIRE_ALL=1`` (as in CI): then they fail.

Use it from a test module with ``from virtuoso import virtuoso  # noqa: F401`` (pytest puts
``tests/`` on ``sys.path``).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

VIRTUOSO_BIN = os.environ.get("FENGONG_VIRTUOSO_BIN") or shutil.which("virtuoso-t") or "/usr/bin/virtuoso-t"
STARTUP_SECONDS = 120


@dataclass
class Virtuoso:
    url: str  # query endpoint (anonymous, read-only)
    update_url: str  # Digest-authenticated endpoint that also takes updates
    graph_store_url: str  # SPARQL 1.1 Graph Store HTTP Protocol (authenticated)
    user: str = "dba"
    password: str = "dba"

    def store(self, **kw):
        from fengong.store.remote import RemoteStore

        return RemoteStore(self.url, update_url=self.update_url, user=self.user, password=self.password, **kw)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ini(directory: Path, sql_port: int, http_port: int) -> str:
    vsp = Path("/var/lib/virtuoso-opensource-7/vsp")
    server_root = vsp if vsp.is_dir() else directory
    d = directory
    return f"""\
[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
DisableTcpSocket = 0
MaxClientConnections = 10
CheckpointInterval = 60
CaseMode = 2
DirsAllowed = ., {d}
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
ThreadsPerQuery = 2
AsyncQueueMaxThreads = 4

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {server_root}
MaxClientConnections = 10
ServerThreads = 10
Charset = UTF-8
EnabledDavVSP = 0
EnabledGzipContent = 0

[SPARQL]
ResultSetMaxRows = 1000000
MaxSortedTopRows = 1000000
MaxQueryExecutionTime = 20
MaxQueryCostEstimationTime = 400
"""


def _answers(url: str) -> bool:
    import httpx

    try:
        return httpx.get(url, params={"query": "ASK {}"}, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture(scope="session")
def virtuoso():
    """A running Virtuoso, or a skip (a failure with FENGONG_REQUIRE_ALL=1)."""
    if not (os.path.exists(VIRTUOSO_BIN) and os.access(VIRTUOSO_BIN, os.X_OK)):
        message = f"virtuoso-t not found ({VIRTUOSO_BIN}); install virtuoso-opensource (scripts/setup.sh)"
        if os.environ.get("FENGONG_REQUIRE_ALL") == "1":
            pytest.fail(message)
        pytest.skip(message)
    directory = Path(tempfile.mkdtemp(prefix="fengong-virtuoso-"))
    sql_port, http_port = _free_port(), _free_port()
    (directory / "virtuoso.ini").write_text(_ini(directory, sql_port, http_port), encoding="utf-8")
    log = open(directory / "stdout.log", "wb")
    process = subprocess.Popen([VIRTUOSO_BIN, "+foreground", "+configfile", str(directory / "virtuoso.ini")],
                               cwd=directory, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{http_port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not _answers(f"{base}/sparql"):
            if process.poll() is not None or time.monotonic() > deadline:
                log.flush()
                tail = (directory / "stdout.log").read_text(errors="replace")[-2000:]
                pytest.fail(f"virtuoso-t did not start (exit code {process.poll()}):\n{tail}")
            time.sleep(0.25)
        yield Virtuoso(f"{base}/sparql", f"{base}/sparql-auth", f"{base}/sparql-graph-crud-auth")
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.close()
        shutil.rmtree(directory, ignore_errors=True)


def clear_fengong_graphs(store) -> None:
    """Drop every graph under the store's base (between tests on the shared server)."""
    for graph in store._graph_names():
        store._update([f"DROP SILENT GRAPH <{graph}>"])
