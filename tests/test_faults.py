"""Faults: processes killed with SIGKILL, a remote SPARQL backend that stops answering.

- ``kill -9`` of ``fengong ingest`` in the middle of a parallel ingest of generated plans
  (tests/test_cli_store.py covers a one-process ingest of the sample): ``fengong serve``
  then opens the store, lists exactly the documents committed before the kill (those
  reported, and at most the batch being written), each of them whole, and answers.
- ``kill -9`` of ``fengong serve`` during a burst of queries and writes: its SPARQL worker
  processes end by themselves; a new ``fengong serve`` opens the store, which holds exactly
  the documents whose upload was answered 201 (and at most the one in flight), each whole.
- A remote SPARQL backend (a loopback HTTP server this test controls, answering from an
  in-memory Oxigraph store) that hangs, fails or disappears: the API answers clean 503
  problems (``query-timeout`` or ``store-unavailable``, with ``Retry-After``), and answers
  again as soon as the backend is back.
"""

from __future__ import annotations

import importlib.util
import signal
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote

import httpx
import pytest
from fastapi.testclient import TestClient

from test_hostile import ENV, CLIENT_TIMEOUT, alive, fengong_command, serving

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "fault-test-token-0123456789"
PROBLEM = "application/problem+json"


def generator():
    spec = importlib.util.spec_from_file_location("generate_corpus", ROOT / "scripts" / "generate_corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def held_documents(url: str) -> dict[str, int]:
    """Document id -> number of tasks, as the API reports them."""
    with httpx.Client(base_url=url, timeout=CLIENT_TIMEOUT) as http:
        docs = http.get("/api/v1/documents", params={"limit": 1000}).json()["documents"]
    return {d["id"]: d["tasks"] for d in docs}


def answers_queries(url: str) -> None:
    with httpx.Client(base_url=url, timeout=CLIENT_TIMEOUT) as http:
        assert http.get("/api/v1/departments").status_code == 200
        response = http.post("/sparql", data={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s a "
                                                        "<https://w3id.org/fengong/ns#WorkPlan> }"})
        assert response.status_code == 200, response.text
        n = int(response.json()["results"]["bindings"][0]["n"]["value"])
        assert response.headers.get("fengong-truncated") is None
    return n


def wait_gone(pids: list[int], seconds: float = 60.0) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(alive(p) for p in pids):
        time.sleep(0.1)
    return [p for p in pids if alive(p)]


def kill_leftovers(pids: list[int]) -> None:
    import os

    for pid in pids:
        if alive(pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


# --- kill -9 during an ingest ------------------------------------------------------------------


@pytest.fixture(scope="module")
def killed_ingest(tmp_path_factory):
    """A parallel ingest of 24 generated plans, killed with SIGKILL after its third commit:
    ``(data dir, ids reported committed, ids in file order, tasks per id, extraction pids,
    those still alive once the ingest is gone)``."""
    from fengong.extract import extract_file

    from test_hostile import descendants

    tmp = tmp_path_factory.mktemp("ingest")
    corpus = tmp / "corpus"
    generator().main(["24", "--out", str(corpus), "--seed", "11", "--tasks", "8"])
    data = tmp / "data"
    proc = subprocess.Popen([*fengong_command(), "ingest", str(corpus), "--data", str(data), "-v", "-j", "2",
                             "--no-progress", "--batch-quads", "5000"],  # a few documents per batch
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=ENV)
    reported: list[str] = []
    children: list[int] = []
    for line in proc.stderr:
        if line.startswith("added "):
            reported.append(line.split()[1])
            children = descendants(proc.pid) or children
            if len(reported) >= 3:
                break
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    leftover = wait_gone(children, 10)
    kill_leftovers(leftover)  # (they hold the pipe open too)
    # lines printed before the kill but not read yet: committed too
    reported += [line.split()[1] for line in proc.stderr.read().splitlines() if line.startswith("added ")]
    expected: dict[str, int] = {}
    for f in sorted(corpus.glob("*.txt")):  # file order is commit order
        doc = extract_file(f)
        expected.setdefault(doc.id, len(doc.items))
    try:
        yield data, reported, list(expected), expected, children, leftover
    finally:
        kill_leftovers(children)


def test_kill_during_a_large_ingest(killed_ingest):
    data, reported, order, expected, _, _ = killed_ingest
    assert len(reported) >= 3, "the ingest ended before it could be killed"
    with serving("--data", str(data)) as server:
        held = held_documents(server.url)
        assert set(reported) <= set(held)
        # at most the batch being committed when the kill came: the next documents in order
        following = order[order.index(reported[-1]) + 1:][:6]
        extra = [d for d in held if d not in reported]
        assert set(extra) <= set(following), (extra, following)
        for doc_id, tasks in held.items():  # every document held is whole
            assert tasks == expected[doc_id], doc_id
        assert answers_queries(server.url) == len(held)


def test_a_killed_ingest_leaves_no_processes_behind(killed_ingest):
    *_, children, leftover = killed_ingest
    assert children, "no extraction processes were seen"
    assert leftover == [], f"extraction processes {leftover} outlived the killed ingest"


# --- kill -9 of the server during a burst ----------------------------------------------------------


def tiny_plan(k: int) -> str:
    return (f"示例工作要点第{k}号\n\n浙建〔2025〕{k}号\n\n一、总体\n"
            f"(一)建设绿道。新建绿道{100 + k}公里以上(省建设厅)。\n"
            f"(二)改造小区。改造老旧小区{k}个(省建设厅牵头,省财政厅按职责分工负责)。\n")


def test_kill_the_server_during_a_burst(tmp_path, sample_text):
    from fengong.extract import extract_text

    data = tmp_path / "data"
    first = tmp_path / "first.txt"
    first.write_text(sample_text, encoding="utf-8")
    subprocess.run([*fengong_command(), "ingest", str(first), "--data", str(data)], check=True, env=ENV,
                   capture_output=True)
    env = {"FENGONG_WRITE_TOKENS": TOKEN, "FENGONG_WRITE_RATE": "0"}
    committed: list[str] = []
    in_flight: list[str] = []
    statuses: list[int | str] = []
    stop = threading.Event()

    from test_hostile import Serve

    server = Serve("--data", str(data), "--query-timeout", "2", env=env)
    try:
        server.wait_ready()
        url = server.url

        def reader(n: int) -> None:
            with httpx.Client(base_url=url, timeout=CLIENT_TIMEOUT,
                              transport=httpx.HTTPTransport(local_address=f"127.0.0.{10 + n}")) as http:
                k = 0
                while not stop.is_set():
                    k += 1
                    try:
                        for response in (
                                http.get(f"/api/v1/departments/{quote('省建设厅')}/tasks", params={"offset": k % 5}),
                                http.get("/api/v1/ask", params={"q": "省建设厅牵头哪些任务"}),
                                http.post("/sparql", data={"query": f"SELECT * WHERE {{ ?s ?p ?o }} LIMIT 5 # {n} {k}"}),
                                http.get("/fragments", params={"page": k % 7 + 1})):
                            statuses.append(response.status_code)
                    except httpx.HTTPError as exc:  # the kill cuts connections
                        statuses.append(type(exc).__name__)
                        return

        def writer() -> None:
            with httpx.Client(base_url=url, timeout=CLIENT_TIMEOUT) as http:
                for k in range(1000):
                    if stop.is_set():
                        return
                    text = tiny_plan(k)
                    in_flight[:] = [extract_text(text).id]
                    try:
                        response = http.post("/api/v1/documents", json={"text": text},
                                             headers={"Authorization": f"Bearer {TOKEN}"})
                    except httpx.HTTPError:
                        return
                    if response.status_code == 201:
                        committed.append(response.json()["id"])
                        in_flight.clear()
                    # pace the writes by the reads (each write makes every cached answer stale)
                    seen = len(statuses)
                    while len(statuses) < seen + 8 and not stop.is_set():
                        time.sleep(0.01)

        threads = [threading.Thread(target=reader, args=(n,), daemon=True) for n in range(4)]
        threads.append(threading.Thread(target=writer, daemon=True))
        for t in threads:
            t.start()
        deadline = time.monotonic() + CLIENT_TIMEOUT
        while (len(committed) < 5 or len(statuses) < 40) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(committed) >= 5 and statuses, "the burst did not get going"
        workers = server.kill9()
        stop.set()
        for t in threads:
            t.join(CLIENT_TIMEOUT)
        leftover = wait_gone(workers)
        kill_leftovers(leftover)
        assert leftover == [], "SPARQL worker processes outlived the killed server"
        assert all(s == 200 for s in statuses if isinstance(s, int)), sorted(set(map(str, statuses)))
    finally:
        stop.set()
        server.stop()

    sample = extract_text(sample_text)
    with serving("--data", str(data)) as again:
        held = held_documents(again.url)
        must = {sample.id, *committed}
        assert must <= set(held)
        assert set(held) - must <= set(in_flight), (set(held) - must, in_flight)
        for doc_id, tasks in held.items():  # every document held is whole
            assert tasks == (len(sample.items) if doc_id == sample.id else 2), doc_id
        assert answers_queries(again.url) == len(held)


# --- a remote backend that stops answering ----------------------------------------------------------


class Backend:
    """A tiny SPARQL 1.1 endpoint on loopback over an in-memory Oxigraph store, whose
    behaviour the test sets: ``up``, ``hang`` (accepts, never answers), ``error`` (500)
    or stopped altogether (:meth:`down`, then :meth:`up` again on the same port)."""

    def __init__(self, documents) -> None:
        from fengong.store.oxigraph import OxigraphStore

        self.store = OxigraphStore()
        self.store.add_documents(documents)
        self.mode = "up"
        self.release = threading.Event()
        self.requests = 0
        self.server: ThreadingHTTPServer | None = None
        self.port = 0
        self.start()

    def start(self) -> None:
        backend = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                query = parse_qs(self.path.partition("?")[2]).get("query", [""])[0]
                self.answer(query)

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0)).decode("utf-8")
                if self.headers.get("content-type", "").startswith("application/sparql-query"):
                    self.answer(body)
                else:
                    self.answer(parse_qs(body).get("query", [""])[0])

            def answer(self, query: str) -> None:
                backend.requests += 1
                if backend.mode == "hang":
                    backend.release.wait(30)
                    return
                if backend.mode == "error":
                    self.send_response(500)
                    self.end_headers()
                    self.wfile.write(b"internal failure")
                    return
                import pyoxigraph as ox

                try:
                    result = backend.store.oxigraph.query(query, use_default_graph_as_union=True)
                except SyntaxError as exc:
                    self.send_response(400)
                    self.end_headers()
                    self.wfile.write(str(exc).encode())
                    return
                if isinstance(result, ox.QueryTriples):
                    body, media = ox.serialize(list(result), format=ox.RdfFormat.N_TRIPLES), "application/n-triples"
                else:
                    body = result.serialize(format=ox.QueryResultsFormat.JSON)
                    media = "application/sparql-results+json"
                self.send_response(200)
                self.send_header("Content-Type", media)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.mode = "up"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sparql"

    def down(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def up(self) -> None:
        self.release = threading.Event()
        self.start()

    def close(self) -> None:
        self.release.set()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


@pytest.fixture
def remote_app(sample_doc, monkeypatch):
    import fengong.queries
    from fengong.api.app import close, create_app
    from fengong.api.settings import Settings
    from fengong.store.remote import RemoteStore

    # A remote store's answers are cached for a few seconds (others may change its data):
    # shortened here, and each round waits that long, so that every round reaches the backend.
    monkeypatch.setattr(fengong.queries, "REMOTE_TTL", CACHE_SECONDS)
    backend = Backend([sample_doc])
    store = RemoteStore(backend.url, timeout=2.0)
    app = create_app(Settings(query_timeout=2.0, query_budget=0), store)
    try:
        with TestClient(app) as client:
            yield client, backend
    finally:
        close(app)
        store.close()
        backend.close()


CACHE_SECONDS = 0.3
REMOTE_REQUESTS = [
    ("GET", "/api/v1/departments/zj-housing/tasks?role=lead"),
    ("GET", f"/api/v1/ask?q={quote('省建设厅牵头哪些任务')}"),
    ("GET", "/api/v1/documents"),
    ("GET", "/fragments?predicate=" + quote("https://w3id.org/fengong/ns#leads")),
    ("POST", "/sparql"),
]


def call_all(client, n: int) -> list:
    out = []
    for method, path in REMOTE_REQUESTS:
        if method == "GET":
            sep = "&" if "?" in path else "?"
            out.append(client.get(f"{path}{sep}limit={50 + n}" if "departments" in path or "documents" in path
                                  else path))
        else:
            out.append(client.post(path, data={"query": f"ASK {{ ?s ?p ?o }} # {n}"}))
    return out


def assert_503(responses, kinds: set[str]) -> None:
    for response in responses:
        assert response.status_code == 503, (response.request.url, response.status_code, response.text[:300])
        assert response.headers["content-type"].startswith(PROBLEM)
        body = response.json()
        assert body["status"] == 503 and body["type"].rsplit("/", 1)[1] in kinds, body
        assert int(response.headers["retry-after"]) >= 1
        assert "Traceback" not in body["detail"]


def test_a_remote_backend_that_stops_answering(remote_app):
    client, backend = remote_app
    n = 0

    def round_() -> list:
        nonlocal n
        n += 1
        time.sleep(CACHE_SECONDS * 1.5)  # not a timing check: let the cached answers expire
        return call_all(client, n)

    assert all(r.status_code == 200 for r in round_())
    # it fails (500): the store is unavailable
    backend.mode = "error"
    assert_503(round_(), {"store-unavailable"})
    backend.mode = "up"
    assert all(r.status_code == 200 for r in round_())
    # it hangs: each request is cut at the store's time limit
    backend.mode = "hang"
    assert_503(round_(), {"query-timeout", "store-unavailable"})
    backend.release.set()
    backend.mode = "up"
    assert all(r.status_code == 200 for r in round_())
    # it goes away (connections refused), then comes back on the same port
    backend.down()
    assert_503(round_(), {"store-unavailable"})
    backend.up()
    responses = round_()
    assert all(r.status_code == 200 for r in responses), [r.text[:200] for r in responses if r.status_code != 200]
    assert responses[0].json()["total"] == 8  # the same answer as before the outage
