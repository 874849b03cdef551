"""Hostile SPARQL against a real ``fengong serve``: each refused or cut off, others served.

Beyond tests/test_api_safety.py (updates, SERVICE, FROM, the four-way cartesian product,
per-client limits, in-process): deeply nested groups and sub-queries, cartesian products
in every shape (streamed, sorted, distinct, grouped, offset past the end), regular
expressions built to backtrack, huge LIMIT/OFFSET values, malformed queries and bodies,
and malformed or absurd ``Accept`` headers. Each must end in a documented answer — 200
(with the row cap signalled when it cuts), 400 (malformed or refused), 406 (nothing
acceptable), 413/422 (too large), 503 ``query-timeout`` (cut off at the time limit) or
``store-unavailable`` (the query crashed its worker process, which is replaced) — never a
5xx of another kind and never a hang, while a normal client on another loopback address
keeps getting answers. The server is ``fengong serve`` in a subprocess on a free loopback
port (Oxigraph, and rdflib whose regular expressions do backtrack). No timed assertions:
outcomes, and the order in which answers arrive. Last, a stateful schemathesis run that
follows links between the read operations.

The helpers (:class:`Serve`, :func:`serving`, :class:`NormalClient`) serve the other
reliability tests too (tests/test_faults.py, tests/test_access.py).
"""

from __future__ import annotations

import csv
import io
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

QUERY_TIMEOUT = 1.0
MAX_ROWS = 50
PROBLEM = "application/problem+json"
FG = "https://w3id.org/fengong/ns#"
FAST = f"SELECT ?task WHERE {{ ?d <{FG}leads> ?task }} LIMIT 3"
# Generous bound on any one answer: the server's own limits are seconds; this only turns
# a hang into a failure instead of a stuck test run.
CLIENT_TIMEOUT = 60.0

ENV = {**os.environ, "PYTHONUNBUFFERED": "1"}
for _name in ("FENGONG_DATA", "FENGONG_SPARQL_URL", "FENGONG_STORE", "FENGONG_WRITE_TOKENS",
              "FENGONG_ALLOWED_HOSTS", "FENGONG_CORS_ORIGINS"):
    ENV.pop(_name, None)


# --- a real server -----------------------------------------------------------------------------


def fengong_command() -> list[str]:
    """The installed console script (``python -m fengong.api.cli`` would load the CLI twice)."""
    script = Path(sys.executable).with_name("fengong")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from fengong.api.cli import main; sys.exit(main())"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def descendants(pid: int) -> list[int]:
    """Process ids of every descendant of ``pid`` (from /proc)."""
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            tree.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], list(tree.get(pid, []))
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(tree.get(p, []))
    return out


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


class Serve:
    """``fengong serve`` in a subprocess on a free loopback port; its output goes to a log
    file (``log_text()``). Stopped by pid, never by name."""

    def __init__(self, *args: str, env: dict[str, str] | None = None, log_level: str = "warning") -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(tempfile.mkstemp(prefix="fengong-serve-", suffix=".log")[1])
        self._log = open(self.log_path, "wb")
        command = [*fengong_command(), "serve", "--port", str(self.port), "--log-level", log_level, *args]
        self.process = subprocess.Popen(command, stdout=self._log, stderr=subprocess.STDOUT,
                                        env={**ENV, **(env or {})})

    def wait_ready(self, sparql: bool = True, timeout: float = 180.0) -> None:
        """Until REST answers (and, with ``sparql``, a query runs in a worker)."""
        deadline = time.monotonic() + timeout
        n = 0
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"fengong serve exited ({self.process.returncode}):\n{self.log_text()}")
            n += 1
            try:
                ok = httpx.get(self.url + "/api/v1/documents", timeout=30).status_code == 200
                if ok and sparql:
                    ok = httpx.post(self.url + "/sparql", data={"query": f"ASK {{ ?s ?p ?o }} # ready {n}"},
                                    timeout=30).status_code == 200
                if ok:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"fengong serve did not become ready:\n{self.log_text()}")

    def log_text(self) -> str:
        self._log.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def workers(self) -> list[int]:
        return descendants(self.process.pid)

    def kill9(self) -> list[int]:
        """SIGKILL the server alone (as a crash would); the pids of its children then."""
        children = self.workers()
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(30)
        return children

    def stop(self) -> None:
        children = self.workers()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        for pid in children:  # workers end on their own when the server goes; make sure
            deadline = time.monotonic() + 30
            while alive(pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            if alive(pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        self._log.close()
        self.log_path.unlink(missing_ok=True)


@contextmanager
def serving(*args: str, env: dict[str, str] | None = None, log_level: str = "warning", sparql: bool = True):
    server = Serve(*args, env=env, log_level=log_level)
    try:
        server.wait_ready(sparql=sparql)
        yield server
    finally:
        server.stop()


def client_from(url: str, address: str, timeout: float = CLIENT_TIMEOUT) -> httpx.Client:
    """An HTTP client bound to a loopback address: another address is another client to the
    per-client limits."""
    return httpx.Client(base_url=url, timeout=timeout, transport=httpx.HTTPTransport(local_address=address))


class NormalClient:
    """A well-behaved client in two threads, recording each answer's status and the moment
    it arrived (for ordering, not for timing): one loops over REST, question and fragment
    requests (answered by the server process), the other over SPARQL queries, cached and
    new (answered by the worker processes; it may wait for a free worker)."""

    REST = [
        ("GET", f"/api/v1/departments/{quote('省建设厅')}/tasks?role=lead"),
        ("GET", f"/api/v1/ask?q={quote('省建设厅牵头哪些任务')}"),
        ("GET", "/fragments?predicate=" + quote(FG + "leads")),
    ]

    def __init__(self, url: str, address: str = "127.0.0.2") -> None:
        self.url = url
        self.address = address
        self.answers: list[tuple[float, str, int | str]] = []
        self.sparql: list[tuple[float, str, int | str]] = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._rest, daemon=True),
                         threading.Thread(target=self._sparql, daemon=True)]

    def _loop(self, out, requests) -> None:
        with client_from(self.url, self.address) as http:
            n = 0
            while not self._stop.is_set():
                n += 1
                for method, path, data in requests(n):
                    try:
                        response = http.request(method, path, data=data)
                        status = response.status_code
                    except httpx.HTTPError as exc:  # a hang or a dropped connection is a failure too
                        status = type(exc).__name__
                    out.append((time.monotonic(), path, status))

    def _rest(self) -> None:
        self._loop(self.answers, lambda n: [(m, p, None) for m, p in self.REST])

    def _sparql(self) -> None:
        self._loop(self.sparql, lambda n: [("POST", "/sparql", {"query": FAST}),
                                           ("POST", "/sparql", {"query": f"{FAST} # normal {n}"})])

    def __enter__(self) -> "NormalClient":
        for thread in self._threads:
            thread.start()
        deadline = time.monotonic() + CLIENT_TIMEOUT
        while (len(self.answers) < len(self.REST) or len(self.sparql) < 2) and time.monotonic() < deadline:
            time.sleep(0.02)
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(CLIENT_TIMEOUT)

    def answered_between(self, start: float, end: float) -> int:
        return sum(1 for at, _, _ in self.answers if start <= at <= end)

    def failures(self) -> list[tuple[str, int | str]]:
        return [(path, status) for _, path, status in [*self.answers, *self.sparql] if status != 200]

    def one_more_round(self) -> None:
        """Wait until both threads were answered again after now."""
        mark = time.monotonic()
        deadline = mark + 4 * CLIENT_TIMEOUT
        while (sum(1 for at, _, _ in self.answers if at >= mark) < len(self.REST)
               or sum(1 for at, _, _ in self.sparql if at >= mark) < 2):
            assert all(t.is_alive() for t in self._threads) and time.monotonic() < deadline, \
                "the normal client stopped"
            time.sleep(0.05)


@pytest.fixture(scope="module")
def oxigraph_server():
    with serving("--query-timeout", str(QUERY_TIMEOUT), "--max-rows", str(MAX_ROWS), "--query-budget", "600",
                 "--sparql-workers", "3") as server:
        yield server


@pytest.fixture(scope="module")
def rdflib_server():
    with serving("--store", "memory", "--query-timeout", str(QUERY_TIMEOUT), "--max-rows", str(MAX_ROWS),
                 "--query-budget", "600", "--sparql-workers", "3") as server:
        yield server


# --- the hostile queries -----------------------------------------------------------------------

TIMEOUT = "query-timeout"


def nested_groups(depth: int) -> str:
    return "SELECT * WHERE " + "{ " * depth + "?s ?p ?o " + "} " * depth + "LIMIT 1"


def nested_subqueries(depth: int) -> str:
    inner = "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1"
    for _ in range(depth):
        inner = f"SELECT ?s WHERE {{ {{ {inner} }} }}"
    return inner


def nested_expression(depth: int) -> str:
    return "SELECT * WHERE { ?s ?p ?o FILTER(" + "(" * depth + "?o" + ")" * depth + ") } LIMIT 1"


def nested_optionals(depth: int) -> str:
    body = "?s0 ?p ?o0 ."
    for k in range(1, depth + 1):
        body += f" OPTIONAL {{ ?s{k} ?p{k} ?o{k} ."
    return "SELECT * WHERE { " + body + " }" * depth + " } LIMIT 1"


CARTESIAN4 = "?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l"
BACKTRACK = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!"

# (id, query, allowed statuses, problem type required for a 503)
HOSTILE = [
    # nesting: parsed, refused as malformed or too deep — or the worker is cut off
    ("nested-groups-200", nested_groups(200), {200, 400}),
    ("nested-groups-5000", nested_groups(5000), {200, 400, 503}),
    ("nested-groups-30000", nested_groups(30000), {200, 400, 503}),
    ("nested-subqueries-100", nested_subqueries(100), {200, 400, 503}),
    ("nested-subqueries-2000", nested_subqueries(2000), {200, 400, 503}),
    ("nested-parentheses-20000", nested_expression(20000), {200, 400, 503}),
    ("nested-optionals-300", nested_optionals(300), {200, 400, 503}),
    # cartesian products: streamed ones are cut by the row cap, the others by the time limit
    ("cartesian-streamed", f"SELECT * WHERE {{ {CARTESIAN4} }}", {200, 503}),
    ("cartesian-count", f"SELECT (COUNT(*) AS ?n) WHERE {{ {CARTESIAN4} }}", {503}),
    ("cartesian-order-by", f"SELECT * WHERE {{ {CARTESIAN4} }} ORDER BY ?a ?l LIMIT 1", {503}),
    ("cartesian-distinct", f"SELECT DISTINCT ?a ?l WHERE {{ {CARTESIAN4} }} LIMIT 1", {200, 503}),
    ("cartesian-group-by", f"SELECT ?a (COUNT(*) AS ?n) WHERE {{ {CARTESIAN4} }} GROUP BY ?a", {503}),
    ("cartesian-offset", f"SELECT * WHERE {{ {CARTESIAN4} }} OFFSET 1000000000000 LIMIT 1", {503}),
    ("cartesian-construct", f"CONSTRUCT {{ ?a ?b ?l }} WHERE {{ {CARTESIAN4} }}", {200, 503}),
    ("cartesian-ask", f"ASK {{ {CARTESIAN4} FILTER(STR(?a) = STR(?l) && ?b = <urn:none>) }}", {200, 503}),
    ("path-closure", "SELECT (COUNT(*) AS ?n) WHERE { ?s (<urn:x:p>|!<urn:x:p>)* ?o }", {200, 503}),
    ("path-closure-pairs", "SELECT * WHERE { ?s (!<urn:x:p>)+ ?o . ?o (!<urn:x:p>)+ ?z } ORDER BY ?z", {200, 503}),
    # regular expressions built to backtrack (rdflib uses Python's re; Oxigraph's is linear)
    ("regex-nested-quantifier", f'SELECT * WHERE {{ BIND("{BACKTRACK}" AS ?x) FILTER REGEX(?x, "(a+)+$") }}',
     {200, 503}),
    ("regex-alternation", f'SELECT * WHERE {{ BIND("{BACKTRACK}" AS ?x) FILTER REGEX(?x, "(a|aa)+$") }}',
     {200, 503}),
    ("regex-over-the-data", 'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o . ?a ?b ?c '
                            'FILTER REGEX(STR(?o), "(.*a){12}$") }', {200, 503}),
    ("regex-invalid", 'SELECT * WHERE { ?s ?p ?o FILTER REGEX(STR(?o), "(((") } LIMIT 1', {200, 400}),
    # huge LIMIT / OFFSET: the row cap cuts, and says so
    ("limit-huge", "SELECT * WHERE { ?s ?p ?o } LIMIT 1000000000000", {200}),
    ("limit-beyond-64-bits", "SELECT * WHERE { ?s ?p ?o } LIMIT 100000000000000000000000", {200, 400}),
    ("offset-huge", "SELECT * WHERE { ?s ?p ?o } OFFSET 1000000000000", {200}),
    ("limit-negative", "SELECT * WHERE { ?s ?p ?o } LIMIT -1", {400}),
    # malformed
    ("unclosed", "SELECT * WHERE { ?s ?p ?o", {400}),
    ("typo", "SELEC * WHERE { ?s ?p ?o }", {400}),
    ("empty-filter", "SELECT * WHERE { FILTER() }", {400}),
    ("only-prologue", "PREFIX ex: <http://x/>", {400}),
    ("binary", "SELECT \x01\x02\x7f * WHERE { ?s ?p ?o }", {400}),
    ("unbalanced-quotes", 'SELECT * WHERE { ?s ?p "abc }', {400}),
    ("bad-iri", "SELECT * WHERE { <http://x/ y> ?p ?o }", {400}),
    ("two-queries", "SELECT * WHERE { ?s ?p ?o } SELECT * WHERE { ?s ?p ?o }", {400}),
    ("null-byte", "ASK { ?s ?p ?o }\x00", {400}),
]
ROW_CAPPED = {"cartesian-streamed", "cartesian-construct", "limit-huge", "limit-beyond-64-bits"}
RDFLIB_CASES = {"nested-groups-200", "nested-groups-5000", "nested-subqueries-100", "nested-parentheses-20000",
                "regex-nested-quantifier", "regex-alternation", "cartesian-count", "limit-huge", "unclosed"}


def check_answer(name: str, response: httpx.Response, allowed: set[int]) -> None:
    assert response.status_code in allowed, (name, response.status_code, response.text[:300])
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith(PROBLEM), (name, response.text[:300])
        problem = response.json()
        assert problem["status"] == response.status_code and problem["detail"]
        if response.status_code == 503:
            assert problem["type"].endswith("/" + TIMEOUT) or problem["type"].endswith("/store-unavailable"), problem
            assert response.headers.get("retry-after"), name
        if response.status_code == 400:
            assert problem["type"].rsplit("/", 1)[1] in ("bad-query", "refused-query", "bad-request"), problem
    elif name in ROW_CAPPED and response.headers.get("content-type", "").startswith("application/sparql-results"):
        body = response.json()
        if len(body["results"]["bindings"]) >= MAX_ROWS:
            assert response.headers["fengong-truncated"] == "true" and body["truncated"] is True, name
        assert len(body["results"]["bindings"]) <= MAX_ROWS


def run_hostile(server: Serve, cases) -> dict[str, int]:
    """Send each case (POST, its own client) while a normal client loops; every case must end
    in an allowed status, the normal client must keep being answered throughout."""
    outcomes: dict[str, int] = {}
    windows: list[tuple[str, float, float, int]] = []
    with NormalClient(server.url) as normal, client_from(server.url, "127.0.0.3") as hostile:
        for name, query, allowed in cases:
            started = time.monotonic()
            response = hostile.post("/sparql", data={"query": query})
            ended = time.monotonic()
            check_answer(name, response, allowed)
            kind = response.json().get("type", "").rsplit("/", 1)[-1] if response.status_code >= 400 else ""
            outcomes[name] = f"{response.status_code} {kind}".strip()
            windows.append((name, started, ended, response.status_code))
        normal.one_more_round()  # still answered after the last hostile query
    assert normal.failures() == [], normal.failures()
    for name, started, ended, status in windows:
        if status == 503:  # it ran until the time limit: the normal client was answered meanwhile
            assert normal.answered_between(started, ended) > 0, f"nothing answered while {name} ran"
    assert normal.sparql and normal.answers
    return outcomes


def test_hostile_queries_on_oxigraph(oxigraph_server):
    outcomes = run_hostile(oxigraph_server, HOSTILE)
    print("oxigraph:", outcomes)
    # The cut-offs really happened: the explosive ones reached the time limit.
    assert outcomes["cartesian-count"] == outcomes["cartesian-order-by"] == "503 query-timeout"
    assert outcomes["limit-huge"] == "200"
    # and the server still answers as before
    with httpx.Client(base_url=oxigraph_server.url, timeout=CLIENT_TIMEOUT) as http:
        assert http.post("/sparql", data={"query": FAST}).status_code == 200
    assert "Traceback" not in oxigraph_server.log_text()


def test_hostile_queries_on_rdflib(rdflib_server):
    """rdflib evaluates regular expressions with Python's backtracking engine and parses
    with recursion: the worker processes and their deadline contain both."""
    outcomes = run_hostile(rdflib_server, [c for c in HOSTILE if c[0] in RDFLIB_CASES])
    print("rdflib:", outcomes)
    assert outcomes["regex-nested-quantifier"] == "503 query-timeout"  # catastrophic backtracking, cut off
    with httpx.Client(base_url=rdflib_server.url, timeout=CLIENT_TIMEOUT) as http:
        assert http.post("/sparql", data={"query": FAST}).status_code == 200
    assert "Traceback" not in rdflib_server.log_text()


def test_truncation_is_signalled_in_every_format(oxigraph_server):
    query = "SELECT * WHERE { ?s ?p ?o } LIMIT 1000000000000"
    with httpx.Client(base_url=oxigraph_server.url, timeout=CLIENT_TIMEOUT) as http:
        for accept, count in (("text/csv", lambda t: len(list(csv.reader(io.StringIO(t)))) - 1),
                              ("text/tab-separated-values", lambda t: len(t.strip().splitlines()) - 1),
                              ("application/sparql-results+xml", lambda t: t.count("<result>"))):
            response = http.post("/sparql", data={"query": query}, headers={"Accept": accept})
            assert response.status_code == 200 and response.headers["fengong-truncated"] == "true", accept
            assert response.headers["fengong-max-rows"] == str(MAX_ROWS)
            assert count(response.text) == MAX_ROWS, accept


# --- malformed requests (not queries) ------------------------------------------------------------


def raw_status(url: str, target: str, headers: str = "") -> int:
    """The status of a GET sent over a plain socket (for requests httpx will not build)."""
    host, port = url.split("//")[1].split(":")
    with socket.create_connection((host, int(port)), timeout=CLIENT_TIMEOUT) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: {host}\r\n{headers}Connection: close\r\n\r\n"
                     .encode("latin-1"))
        head = b""
        while b"\r\n" not in head:
            chunk = sock.recv(4096)
            if not chunk:
                break
            head += chunk
    return int(head.split(b" ", 2)[1])


def test_malformed_requests(oxigraph_server):
    url = oxigraph_server.url
    with NormalClient(url) as normal, client_from(url, "127.0.0.4") as http:
        cases = [
            # invalid UTF-8, as a body and percent-encoded in the URL
            (http.post("/sparql", content=b"SELECT * WHERE { ?s ?p \"\xff\xfe\" }",
                       headers={"Content-Type": "application/sparql-query"}), {400}),
            (http.get("/sparql?query=SELECT%20*%20WHERE%20%7B%20%3Fs%20%3Fp%20%22%FF%FE%22%20%7D"), {200, 400}),
            (http.post("/sparql", content=b"query=ASK%7B%7D&query=ASK%7B%7D",
                       headers={"Content-Type": "application/x-www-form-urlencoded"}), {400}),
            (http.post("/sparql", content=b"ASK {}", headers={"Content-Type": "application/sparql-query; "
                                                                               "charset=latin-1"}), {415}),
            (http.post("/sparql", content=b"ASK {}", headers={"Content-Type": "image/png"}), {415}),
            (http.post("/sparql", content=b"ASK {}"), {415}),
            (http.post("/sparql", content=b"%%%%=&&&==", headers={"Content-Type":
                                                                  "application/x-www-form-urlencoded"}), {400}),
            # too long: the query parameter (422 by the schema) or the body (413)
            (http.get("/sparql", params={"query": "ASK { ?s ?p ?o } #" + "x" * 8_000}), {200}),
            (http.post("/sparql", data={"query": "ASK { ?s ?p ?o } #" + "x" * 200_000}), {400}),
            (http.post("/sparql", content=b"ASK {} #" + b"x" * 1_100_000,
                       headers={"Content-Type": "application/sparql-query"}), {413}),
            (http.get("/sparql", params={"query": "ASK {}", "format": "x" * 41}), {422}),
            (http.get("/sparql", params={"query": "ASK {}", "format": "image/png"}), {406}),
        ]
        for response, allowed in cases:
            assert response.status_code in allowed, (response.request.url, response.status_code, response.text[:200])
            if response.status_code >= 400:
                assert response.headers["content-type"].startswith(PROBLEM), response.text[:200]
        # a GET query past the length limit (longer than httpx lets a URL be: a raw request)
        assert raw_status(url, "/sparql?query=" + quote("ASK { ?s ?p ?o } #" + "x" * 100_001)) in (400, 414, 422, 431)
        normal.one_more_round()
    assert normal.failures() == []


# --- malformed and absurd Accept headers -----------------------------------------------------------

ACCEPTS = [
    "image/png",
    "*/*;q=abc",
    "application/sparql-results+json;q=NaN",
    "text/csv;q=inf",
    "text/csv;q=1e309",
    "application/json;q=-1",
    ";;;,,,;",
    ",",
    "*/*;q=0",
    "application/sparql-results+json; charset=utf-8; q=0.5; foo=bar; q=0.9",
    "text/*;q=0.1, application/*;q=0.2",
    "text/html",
    "text/html, */*",
    "*/ *",
    "application/sparql-results+json" + ";q=1" * 500,
    ", ".join(f"type{k}/sub{k};q=0.{k % 10}" for k in range(600)),
    "\u00e9\u00e8/\u00ff",
]
ENDPOINTS = [
    ("GET", "/sparql?query=" + quote("SELECT * WHERE { ?s ?p ?o } LIMIT 2")),
    ("GET", "/sparql?query=" + quote("ASK { ?s ?p ?o }")),
    ("GET", "/sparql?query=" + quote("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 2")),
    ("GET", "/sparql"),
    ("GET", "/fragments?predicate=" + quote(FG + "leads")),
    ("GET", "/api/v1/departments?limit=2"),
    ("GET", "/api/v1/graph"),
]


def test_absurd_accept_headers(oxigraph_server):
    url = oxigraph_server.url
    seen: dict[int, int] = {}
    with NormalClient(url) as normal, client_from(url, "127.0.0.5") as http:
        for accept in ACCEPTS:
            for method, path in ENDPOINTS:
                response = http.request(method, path, headers={"Accept": accept.encode("latin-1")})
                status = response.status_code
                seen[status] = seen.get(status, 0) + 1
                assert status in (200, 406), (accept[:80], path, status, response.text[:200])
                if status == 406:
                    assert response.headers["content-type"].startswith(PROBLEM)
                    assert response.json()["type"].endswith("/not-acceptable")
                else:
                    assert response.content
        # an Accept header larger than the server reads: refused before the application
        huge = ", ".join(f"a{k}/b{k}" for k in range(20_000))
        response = http.get("/sparql", params={"query": "ASK {}"}, headers={"Accept": huge})
        assert response.status_code in (400, 406, 431), response.status_code
        normal.one_more_round()
    assert seen.get(406) and seen.get(200)
    assert normal.failures() == []


# --- stateful fuzzing ------------------------------------------------------------------------------


# Links between the read operations (the spec has none; schemathesis's inferred ones look
# for fields the answers do not have): an id from a list answer feeds the one-item operation.
LINKS = [
    ("/api/v1/tasks", "GetTask", "/api/v1/tasks/{task_id}", {"path.task_id": "$response.body#/tasks/0/id"}),
    ("/api/v1/departments", "GetDepartment", "/api/v1/departments/{ref}", {"path.ref": "$response.body#/departments/0/id"}),
    ("/api/v1/departments", "GetDepartmentTasks", "/api/v1/departments/{ref}/tasks",
     {"path.ref": "$response.body#/departments/0/id"}),
    ("/api/v1/departments", "GetPartners", "/api/v1/departments/{ref}/partners",
     {"path.ref": "$response.body#/departments/0/id"}),
    ("/api/v1/departments/{ref}/tasks", "GetTask", "/api/v1/tasks/{task_id}", {"path.task_id": "$response.body#/tasks/0/id"}),
    ("/api/v1/regions", "GetRegionTasks", "/api/v1/regions/{ref}/tasks", {"path.ref": "$response.body#/regions/0/id"}),
    ("/api/v1/regions/{ref}/tasks", "GetTask", "/api/v1/tasks/{task_id}", {"path.task_id": "$response.body#/tasks/0/id"}),
    ("/api/v1/documents", "GetDocument", "/api/v1/documents/{doc_id}", {"path.doc_id": "$response.body#/documents/0/id"}),
    ("/api/v1/documents", "GetDocumentTasks", "/api/v1/tasks", {"query.document": "$response.body#/documents/0/id"}),
]


def test_stateful_fuzzing_follows_the_links_without_server_errors(sample_doc):
    """Schemathesis's state machine over the OpenAPI description with links between the
    read operations: it chains calls along them (ids taken from earlier answers) with
    generated data in between; no call may answer 5xx, every error is problem JSON.
    (tests/test_api_schemathesis.py fuzzes each operation alone.)"""
    import schemathesis
    from hypothesis import HealthCheck, settings

    from fengong.api.app import close, create_app
    from fengong.api.settings import Settings
    from fengong.store import open_store

    store = open_store("oxigraph")
    store.add_documents([sample_doc])
    app = create_app(Settings(query_timeout=2.0, query_budget=0), store)
    spec = app.openapi()  # FastAPI serves this dict (cached) at /openapi.json: add the links to it
    for source, name, target, parameters in LINKS:
        response = spec["paths"][source]["get"]["responses"]["200"]
        pointer = "#/paths/" + target.replace("~", "~0").replace("/", "~1") + "/get"
        response.setdefault("links", {})[name] = {"operationRef": pointer, "parameters": parameters}
    calls: list[tuple[str, str, int]] = []
    try:
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)
        workflow = schema.as_state_machine()
        assert sum("Get" in name for name in dir(workflow)) >= len(LINKS), "the links were not read"

        class Workflow(workflow):
            def validate_response(self, response, case, **kwargs):
                calls.append((case.method, case.formatted_path, response.status_code))
                assert response.status_code < 500, (case.formatted_path, response.status_code, response.text[:300])
                if response.status_code >= 400:
                    assert response.headers["content-type"][0].startswith(PROBLEM), case.formatted_path

        Workflow.run(settings=settings(max_examples=40, stateful_step_count=6, deadline=None, derandomize=True,
                                       database=None, suppress_health_check=list(HealthCheck)))
    finally:
        close(app)
    ok = {path for _, path, status in calls if status == 200}
    # real ids were carried along the links: several tasks, and a department's tasks
    assert len({p for p in ok if p.startswith("/api/v1/tasks/")}) > 1, sorted(ok)[:20]
    assert any(p.startswith("/api/v1/departments/") and p.endswith("/tasks") for p in ok), sorted(ok)[:20]
    assert len(calls) > 100
