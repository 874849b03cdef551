"""SPARQL workers open the server's on-disk Oxigraph store read-only instead of copying it.

A real RocksDB store in a tmp dir, held open for writing by this process (as ``fengong
serve`` holds it), and a real :class:`~fengong.api.sparql_engine.QueryPool` whose worker
processes open the same directory with ``Store.read_only``: they see what the server
writes (after ``add_documents`` and ``remove_document``), stay small where a copy of the
data would not, re-open when a compaction deleted files they had seen, and are still
killed and replaced at a query's deadline. No timed assertions.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from fengong.api.sparql_engine import QueryPool, _Worker
from fengong.store import QueryTimeout, StoreUnavailable
from fengong.store.oxigraph import OxigraphStore

from test_hostile import alive

FIXTURES = Path(__file__).parent / "fixtures"
FG = "https://w3id.org/fengong/ns#"
IDS = f"SELECT DISTINCT ?id WHERE {{ ?d a <{FG}WorkPlan> ; <{FG}id> ?id }} ORDER BY ?id"
CARTESIAN = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }}"
PADDING_GRAPH = "urn:x-fengong-test:padding"
PADDING_QUADS = 250_000  # a copy of these in a worker would be some 150 MB


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmRSS for {pid}")


def ids(pool: QueryPool, query: str = IDS) -> list[str]:
    outcome = pool.execute(query, "SELECT", "json", 30.0, 1000)
    rows = json.loads(outcome.body)["results"]["bindings"]
    return sorted(row["id"]["value"] for row in rows)


def sst_files(path: Path) -> set[str]:
    return {p.name for p in path.iterdir() if p.name.endswith(".sst")}


@pytest.fixture(scope="module")
def edited_doc():
    from fengong.extract import extract_file

    return extract_file(FIXTURES / "zhejiang-2024-edited.txt")


@pytest.fixture
def served(tmp_path, sample_doc):
    """The server's store (on disk, open for writing) with the sample, and a one-worker pool."""
    store = OxigraphStore(tmp_path / "store")
    store.add_documents([sample_doc])
    pool = QueryPool(store, size=1)
    yield store, pool
    pool.close()
    store.close()


def test_workers_open_the_directory_read_only_and_follow_writes(served, sample_doc, edited_doc):
    store, pool = served
    assert sample_doc.id != edited_doc.id
    assert pool.path == str(store.path)

    assert ids(pool) == [sample_doc.id]
    first = pool.describe()
    assert first["kind"] == "oxigraph" and first["read_only"] is True
    assert first["path"] == str(store.path)

    store.add_documents([edited_doc])  # through the server's (writing) store
    assert ids(pool) == sorted([sample_doc.id, edited_doc.id])

    assert store.remove_document(edited_doc.id)
    assert ids(pool) == [sample_doc.id]

    after = pool.describe()
    assert after["pid"] == first["pid"]  # the same worker, re-opened for each write
    # Re-opened after each write, and again when the compaction a flush sets off deleted
    # files it had seen.
    assert after["openings"] >= first["openings"] + 2
    assert after["read_only"] is True
    assert pool.killed == 0


def test_a_worker_stays_small_where_a_copy_would_not(tmp_path, sample_doc):
    store = OxigraphStore(tmp_path / "store")
    # Filler quads, bulk-loaded into the empty store: enough that a worker holding a copy
    # would be several times a fresh worker's size.
    lines = "".join(f'<urn:x:s{i}> <urn:x:p{i % 7}> "value {i}" <{PADDING_GRAPH}> .\n'
                    for i in range(PADDING_QUADS))
    store.load_nquads(lines.encode("utf-8"))
    del lines
    store.add_documents([sample_doc])
    pool = QueryPool(store, size=1)
    fresh = _Worker("oxigraph", store.base)
    try:
        fresh.conn.send(("status",))
        assert fresh.conn.poll(120), "a fresh worker did not answer"
        assert fresh.conn.recv()[0] == "status"  # imports done: its baseline size
        baseline = rss_kb(fresh.process.pid)

        count = pool.execute(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{PADDING_GRAPH}> {{ ?s ?p ?o }} }}",
                             "SELECT", "json", 60.0, 10)
        assert json.loads(count.body)["results"]["bindings"][0]["n"]["value"] == str(PADDING_QUADS)
        assert ids(pool) == [sample_doc.id]
        worker = pool.describe()
        assert worker["read_only"] is True
        assert worker["pid"] != fresh.process.pid
        used = rss_kb(worker["pid"])
        assert used < 3 * baseline, f"worker {used} kB, fresh worker {baseline} kB"
    finally:
        fresh.kill()
        pool.close()
        store.close()


def test_a_timed_out_query_still_kills_and_replaces_the_worker(served, sample_doc):
    store, pool = served
    before = pool.describe()
    assert before["read_only"] is True
    with pytest.raises(QueryTimeout):
        pool.execute(CARTESIAN, "SELECT", "json", 1.0, 10)
    assert pool.killed == 1
    assert not alive(before["pid"])

    assert ids(pool) == [sample_doc.id]  # answered by the replacement
    after = pool.describe()
    assert after["pid"] != before["pid"]
    assert after["read_only"] is True and after["path"] == str(store.path)


def test_a_worker_reopens_when_a_compaction_deleted_its_files(served, sample_doc, edited_doc):
    import pyoxigraph as ox

    store, pool = served
    store.add_documents([edited_doc])
    store.optimize()  # everything compacted: no background compaction left to run
    assert ids(pool) == sorted([sample_doc.id, edited_doc.id])
    opened = pool.describe()["openings"]
    seen = sst_files(store.path)

    # A compaction the generation does not see (a write past the tracked methods, then
    # optimize): it rewrites the files the worker opened and deletes them.
    task = ox.NamedNode(f"{store.base}doc/{sample_doc.id}/task/1")
    store.oxigraph.add(ox.Quad(task, ox.NamedNode("urn:x-fengong-test:mark"), ox.Literal("x"),
                               ox.NamedNode("urn:x-fengong-test:graph")))
    store.flush()
    store.optimize()
    assert seen - sst_files(store.path), "the compaction deleted no file: nothing tested"

    assert ids(pool) == sorted([sample_doc.id, edited_doc.id])
    assert pool.describe()["openings"] == opened + 1  # re-opened before the query
    assert pool.killed == 0


# The store's query, in a worker process, failing the first ``fails`` times as Oxigraph
# does when a file it reaches for was compacted away.
FAULT = """
from fengong.store import QueryError
from fengong.store.oxigraph import OxigraphStore
_query, _left = OxigraphStore.query, [{fails}]
def query(self, *args, **kwargs):
    if _left[0] > 0:
        _left[0] -= 1
        try:
            raise FileNotFoundError(2, "IO error: No such file or directory: 000015.sst")
        except OSError as exc:
            raise QueryError(f"query failed: {{exc}}") from None
    return _query(self, *args, **kwargs)
OxigraphStore.query = query
"""


def _faulty_worker(base: str, fails: int) -> _Worker:
    """A worker process whose store query fails ``fails`` times with an I/O error."""
    from multiprocessing.connection import Connection

    worker = _Worker.__new__(_Worker)
    parent, child = socket.socketpair()
    code = (FAULT.format(fails=fails) + "import sys\nfrom fengong.api.sparql_engine import _worker_entry\n"
            "_worker_entry(int(sys.argv[1]), sys.argv[2], sys.argv[3])\n")
    try:
        worker.process = subprocess.Popen([sys.executable, "-c", code, str(child.fileno()), "oxigraph", base],
                                          pass_fds=[child.fileno()], stdin=subprocess.DEVNULL, close_fds=True)
    finally:
        child.close()
    worker.conn = Connection(parent.detach())
    worker.generation = None
    return worker


def _ask(worker: _Worker, message: tuple) -> tuple:
    worker.conn.send(message)
    assert worker.conn.poll(120), f"the worker did not answer {message[0]}"
    return worker.conn.recv()


@pytest.mark.parametrize("fails", [1, 2])
def test_a_query_failing_with_an_io_error_reopens_once_and_retries(served, sample_doc, fails):
    store, _ = served
    store.flush()
    worker = _faulty_worker(store.base, fails)
    try:
        assert _ask(worker, ("open", 1, str(store.path))) == ("ready", 1)
        reply = _ask(worker, ("query", IDS, "SELECT", "json", 30.0, 1000))
        if fails == 1:  # the retry, on a fresh opening, answers
            assert reply[0] == "ok", reply
            rows = json.loads(reply[1])["results"]["bindings"]
            assert [row["id"]["value"] for row in rows] == [sample_doc.id]
        else:  # failed again: the store is unavailable, not the query malformed
            assert reply[0] == "unavailable" and "000015.sst" in reply[1], reply
        status = _ask(worker, ("status",))[1]
        assert status["openings"] == 2 and status["read_only"] is True  # one re-opening, no more
    finally:
        worker.kill()


def test_a_store_that_cannot_be_reopened_is_unavailable(tmp_path, sample_doc):
    import shutil

    store = OxigraphStore(tmp_path / "store")
    store.add_documents([sample_doc])
    pool = QueryPool(store, size=1)
    try:
        assert ids(pool) == [sample_doc.id]
        store.close()
        shutil.rmtree(tmp_path / "store")  # its files gone, and no store to re-open
        with pytest.raises(StoreUnavailable):
            ids(pool)
    finally:
        pool.close()


def test_in_memory_stores_still_give_workers_a_copy(sample_doc):
    store = OxigraphStore()  # no directory to open
    store.add_documents([sample_doc])
    pool = QueryPool(store, size=1)
    try:
        assert pool.path is None
        assert ids(pool) == [sample_doc.id]
        worker = pool.describe()
        assert worker["path"] is None and worker["read_only"] is False
        assert os.getpid() != worker["pid"]
    finally:
        pool.close()
