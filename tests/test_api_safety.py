"""Safety: no injection, no updates, no server-side fetches, bounded queries, budgets.

Concurrency is checked on a real uvicorn server on a loopback port: a deliberately
explosive query is cut off while other requests keep being answered. No timed assertions:
the tests check outcomes and the order in which requests finish.
"""

from __future__ import annotations

import socket
import threading
import time
from urllib.parse import quote

import httpx
import pytest
from fastapi.testclient import TestClient

EXPLOSIVE = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
FAST = "SELECT ?task WHERE { ?d <https://w3id.org/fengong/ns#leads> ?task } LIMIT 3"


def make_app(sample_doc, kind="memory", **settings):
    from fengong.api.app import create_app
    from fengong.api.settings import Settings
    from fengong.store import open_store

    store = open_store(kind)
    store.add_documents([sample_doc])
    return create_app(Settings(**settings), store), store


@pytest.fixture(scope="module", params=["memory", "oxigraph"])
def app_and_store(request, sample_doc):
    from fengong.api.app import close

    app, store = make_app(sample_doc, request.param, query_timeout=2.0, max_rows=10)
    yield app, store
    close(app)


@pytest.fixture(scope="module")
def client(app_and_store):
    with TestClient(app_and_store[0]) as c:
        yield c


def triple_count(store) -> int:
    return store.count((None, None, None))


# --- injection ------------------------------------------------------------------------

INJECTIONS = [
    '省建设厅"',
    "省建设厅'",
    "省建设厅>",
    "省建设厅}",
    '省建设厅" } UNION { ?s ?p ?o } #',
    "省建设厅> . ?s ?p ?o . <x",
    "zj-housing> ?p ?o } #",
    "省建设厅 } ; DROP ALL ; #",
    "SELECT * WHERE { ?s ?p ?o }",
    "省建\u200b设厅",
    "省建设厅\u200b\ufeff",
    "ｚｊ－ｈｏｕｓｉｎｇ",
    "省建设厅＂｝",
    "\\u0022省建设厅",
    "省建设厅%00",
    "<https://w3id.org/fengong/id/department/zj-housing>",
]


@pytest.mark.parametrize("ref", INJECTIONS)
def test_injection_in_department_refs_changes_nothing(client, app_and_store, ref):
    before = triple_count(app_and_store[1])
    response = client.get(f"/api/v1/departments/{quote(ref, safe='')}/tasks", params={"role": "lead"})
    assert response.status_code in (200, 404), response.text
    if response.status_code == 200:
        body = response.json()
        dept = body["department"]["id"]
        # whatever the ref normalised to, the answer is exactly that department's tasks
        clean = client.get(f"/api/v1/departments/{dept}/tasks", params={"role": "lead"}).json()
        assert body["tasks"] == clean["tasks"]
    else:
        assert response.headers["content-type"].startswith("application/problem+json")
    assert triple_count(app_and_store[1]) == before


@pytest.mark.parametrize("q", ['停车位") } UNION { ?s ?p ?o } #', "停车位' || true || '", "\") || CONTAINS(\"\", \"",
                               "} LIMIT 100000 #", "?s ?p ?o"])
def test_injection_in_search_changes_nothing(client, q):
    response = client.get("/api/v1/search", params={"q": q})
    assert response.status_code == 200
    body = response.json()
    needle = q.lower()
    for hit in body["hits"]:
        assert needle in hit["text"].lower()


def test_injection_in_target_filters(client):
    for unit in ('个" } UNION { ?s ?p ?o', "个' || true"):
        response = client.get("/api/v1/targets", params={"unit": unit})
        assert response.status_code == 200 and response.json()["total"] == 0


# --- refused queries -------------------------------------------------------------------

UPDATES = [
    "INSERT DATA { <http://x/s> <http://x/p> <http://x/o> }",
    "DELETE DATA { <http://x/s> <http://x/p> <http://x/o> }",
    "DELETE WHERE { ?s ?p ?o }",
    "PREFIX fg: <https://w3id.org/fengong/ns#> DELETE { ?s fg:leads ?o } INSERT { ?o fg:leads ?s } WHERE { ?s fg:leads ?o }",
    "WITH <http://x/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "LOAD <http://127.0.0.1:9/data.ttl>",
    "LOAD SILENT <file:///etc/passwd> INTO GRAPH <http://x/g>",
    "CLEAR ALL", "CLEAR DEFAULT", "DROP ALL", "DROP GRAPH <https://w3id.org/fengong/id/graph/registry>",
    "CREATE GRAPH <http://x/g>", "ADD DEFAULT TO <http://x/g>", "MOVE DEFAULT TO <http://x/g>",
    "COPY DEFAULT TO <http://x/g>",
    "insert data { <http://x/s> <http://x/p> 1 }",
    "PREFIX : <http://x/> SELECT * WHERE { ?s ?p ?o } ; INSERT DATA { :a :b :c }",
]


@pytest.mark.parametrize("update", UPDATES)
def test_every_update_form_is_refused(client, app_and_store, update):
    before = triple_count(app_and_store[1])
    for response in (client.get("/sparql", params={"query": update}),
                     client.post("/sparql", data={"query": update}),
                     client.post("/sparql", content=update.encode(), headers={"Content-Type": "application/sparql-query"}),
                     client.post("/sparql", data={"update": update}),
                     client.post("/sparql", content=update.encode(), headers={"Content-Type": "application/sparql-update"})):
        assert response.status_code == 400, (update, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["type"].endswith("/refused-query")
    assert triple_count(app_and_store[1]) == before


class Listener:
    """A loopback TCP listener that records every connection it receives."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (socket.timeout, OSError):
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self.thread.join(2)
        self.sock.close()


def test_no_server_side_fetch_ever(client):
    listener = Listener()
    url = f"http://127.0.0.1:{listener.port}/"
    try:
        queries = [
            f"SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }}",
            f"SELECT * FROM NAMED <{url}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
            f"select * from <{url}data.ttl> {{ ?s ?p ?o }}",
            f"SELECT * WHERE {{ SERVICE <{url}sparql> {{ ?s ?p ?o }} }}",
            f"SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}",
            f"SELECT * WHERE {{ SER\\u0056ICE <{url}> {{ ?s ?p ?o }} }}",
            f"SELECT * \\u0046ROM <{url}> WHERE {{ ?s ?p ?o }}",
            f"CONSTRUCT {{ ?s ?p ?o }} FROM <{url}> WHERE {{ ?s ?p ?o }}",
            f"ASK FROM <{url}> {{ ?s ?p ?o }}",
            f"DESCRIBE <{url}> FROM <{url}>",
            f"LOAD <{url}>",
        ]
        for q in queries:
            for response in (client.get("/sparql", params={"query": q}),
                             client.post("/sparql", data={"query": q})):
                assert response.status_code == 400, (q, response.text)
                assert response.headers["content-type"].startswith("application/problem+json")
        for param in ("default-graph-uri", "named-graph-uri"):
            response = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }", param: url})
            assert response.status_code == 400
            response = client.post("/sparql", data={"query": "ASK { ?s ?p ?o }", param: url})
            assert response.status_code == 400
        # a plain query mentioning the URL as data is fine, and fetches nothing either
        ok = client.get("/sparql", params={"query": f"ASK {{ <{url}> ?p ?o }}"})
        assert ok.status_code == 200 and ok.json()["boolean"] is False
        time.sleep(0.5)  # let any stray connection arrive before counting
    finally:
        listener.close()
    assert listener.connections == 0


def test_refusal_messages_are_clear(client):
    cases = {
        "INSERT DATA { <a:b> <a:c> <a:d> }": "read-only",
        "SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }": "SERVICE",
        "SELECT * FROM <http://127.0.0.1:1/> WHERE { ?s ?p ?o }": "FROM",
        "SELECT * WHERE { ?s ?p }": "malformed",
    }
    for query, word in cases.items():
        problem = client.get("/sparql", params={"query": query}).json()
        assert problem["status"] == 400 and word in problem["detail"], problem


def test_row_cap_is_signalled_never_silent(client):
    response = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert response.status_code == 200
    assert response.headers["fengong-truncated"] == "true"
    body = response.json()
    assert body["truncated"] is True and len(body["results"]["bindings"]) == 10
    small = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 3"})
    assert "fengong-truncated" not in small.headers and "truncated" not in small.json()
    graph = client.get("/sparql", params={"query": "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"},
                       headers={"Accept": "application/n-triples"})
    assert graph.headers["fengong-truncated"] == "true"
    assert len(graph.text.strip().splitlines()) == 10


# --- a slow query never delays the others --------------------------------------------------


class Server:
    """uvicorn serving an app on a free loopback port, in a thread."""

    def __init__(self, app) -> None:
        import uvicorn

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                                    lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        for _ in range(300):
            if self.server.started:
                break
            time.sleep(0.05)
        assert self.server.started
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def test_explosive_query_is_cut_off_while_others_are_answered(app_and_store):
    app, store = app_and_store
    app.state.sparql_pool.warm(wait=True)
    server = Server(app)
    done: dict[str, float] = {}
    results: dict[str, int] = {}
    try:
        with httpx.Client(base_url=server.url, timeout=120) as http:  # warm the answers first
            for i in range(5):
                http.get(f"/api/v1/departments/{quote('省建设厅')}/tasks", params={"role": "lead", "offset": i})
            http.get("/api/v1/ask", params={"q": "省建设厅牵头哪些任务"})

        def slow() -> None:
            # another client (another loopback address): budgets and limits are per client
            transport = httpx.HTTPTransport(local_address="127.0.0.2")
            with httpx.Client(base_url=server.url, timeout=60, transport=transport) as http:
                response = http.post("/sparql", data={"query": EXPLOSIVE})
            results["slow"] = response.status_code
            results["slow_type"] = response.json()["type"]
            results["slow_detail"] = response.json()["detail"]
            done["slow"] = time.monotonic()

        thread = threading.Thread(target=slow)
        thread.start()
        time.sleep(0.3)  # sequencing only: let the slow query reach its worker
        killed_before = app.state.sparql_pool.killed
        with httpx.Client(base_url=server.url, timeout=60) as http:
            for i in range(5):
                fast = http.post("/sparql", data={"query": FAST + f" OFFSET {i}"})
                assert fast.status_code == 200, fast.text
                rest = http.get(f"/api/v1/departments/{quote('省建设厅')}/tasks", params={"role": "lead", "offset": i})
                assert rest.status_code == 200
                ask = http.get("/api/v1/ask", params={"q": "省建设厅牵头哪些任务"})
                assert ask.status_code == 200
            done["fast"] = time.monotonic()
            assert "slow" not in done, "the fast requests waited for the slow query"
        thread.join(60)
        assert results["slow"] == 503
        assert results["slow_type"].endswith("/query-timeout"), results
        assert app.state.sparql_pool.killed == killed_before + 1
        assert done["fast"] < done["slow"]
        # the killed worker was replaced: queries keep working
        with httpx.Client(base_url=server.url, timeout=60) as http:
            for i in range(3):
                assert http.post("/sparql", data={"query": FAST}).status_code == 200
    finally:
        server.stop()


def test_one_client_cannot_hold_every_worker(app_and_store):
    app, _ = app_and_store
    limit = app.state.sparql_running.limit
    assert limit == max(1, (app.state.sparql_pool.size - 1) // 2)
    app.state.sparql_pool.warm(wait=True)
    server = Server(app)
    try:
        statuses: list[int] = []

        def slow(n: int) -> None:
            with httpx.Client(base_url=server.url, timeout=60) as http:
                statuses.append(http.post("/sparql", data={"query": f"{EXPLOSIVE} # {n}"}).status_code)

        threads = [threading.Thread(target=slow, args=(n,)) for n in range(limit + 1)]
        for thread in threads:
            thread.start()
            time.sleep(0.2)  # sequencing: the first ones take their workers
        # another client still finds a worker
        transport = httpx.HTTPTransport(local_address="127.0.0.2")
        with httpx.Client(base_url=server.url, timeout=60, transport=transport) as http:
            assert http.post("/sparql", data={"query": FAST + " # other client"}).status_code == 200
        for thread in threads:
            thread.join(60)
        # the client's extra query waited for its own slot instead of taking the last worker
        assert statuses == [503] * (limit + 1)
    finally:
        server.stop()


def test_query_time_budget_answers_429_with_retry_after(sample_doc):
    from fengong.api.app import close

    app, store = make_app(sample_doc, "oxigraph", query_timeout=1.0, query_budget=0.5)
    try:
        with TestClient(app) as client:
            first = client.post("/sparql", data={"query": EXPLOSIVE})
            # cut off at the deadline (charged), not refused as busy while the workers start
            assert first.status_code == 503 and first.json()["type"].endswith("/query-timeout"), first.text
            refused = client.post("/sparql", data={"query": FAST})
            assert refused.status_code == 429
            assert int(refused.headers["retry-after"]) >= 1
            problem = refused.json()
            assert problem["type"].endswith("/query-budget-exceeded")
            # the budget is per client and for SPARQL only: REST answers keep coming
            assert client.get("/api/v1/departments").status_code == 200
    finally:
        close(app)
