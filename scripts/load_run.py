#!/usr/bin/env python3
"""Bounded load run against ``fengong serve`` with production settings (not a test).

``python scripts/load_run.py --cache ~/.cache/fengong-load`` builds (once; cached in the
``--cache`` folder) a store of ``--docs`` 1,000 synthetic work plans with
``scripts/generate_corpus.py`` and ``fengong ingest``, starts ``fengong serve`` on it as a
subprocess on a free loopback port with the settings in :data:`SERVE_FLAGS` /
:data:`SERVE_ENV`, requests every item of a fixed request pool once (the cold answers,
reported apart), then runs ``--runs`` (3) times: ``--clients`` (64) concurrent asyncio
httpx clients, each from its own loopback address (127.0.0.2 …: 64 distinct clients for
the per-client limits), for ``--duration`` (60) seconds, on a mix of REST, ``/api/v1/ask``,
``/fragments`` and ``/sparql`` (cached and fresh queries). Every run reports requests,
throughput, p50/p99 per kind and overall, errors (any answer but 200, any transport error)
and the resident memory of the server's process tree (the server and its SPARQL worker
processes, summed from ``/proc``) before and after; repeated runs show whether memory grows.

Loopback only; it stops by itself (each request has a 60 s timeout, each run its duration)
and stops the server it started. Results: a markdown table on standard output and in
``scripts/results/load_run.md`` (``--out``). Exit code 1 if any request failed.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import platform
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "scripts" / "results" / "load_run.md"
FG = "https://w3id.org/fengong/ns#"
BASE = "https://w3id.org/fengong/id/"

#: The production settings of the run: flags of ``fengong serve`` …
SERVE_FLAGS = {
    "--host": "127.0.0.1",  # behind a reverse proxy (TLS) on the same machine
    "--workers": "1",  # one uvicorn process: an Oxigraph data directory is opened by one process
    "--sparql-workers": "3",  # /sparql worker processes; one client holds at most (3-1)//2 = 1
    "--query-timeout": "5",  # seconds per /sparql query, then its worker is killed (503)
    "--max-rows": "10000",  # rows per /sparql answer; more is cut and signalled (Fengong-Truncated)
    "--query-budget": "60",  # seconds of /sparql query time per client per minute (429 past it)
    "--log-level": "info",  # uvicorn's access log on, as in production (credentials redacted)
}
#: … and environment variables.
SERVE_ENV = {
    "FENGONG_ANSWER_TIMEOUT": "30",  # seconds a REST/ask answer may take to compute (503 past it)
    "FENGONG_ANSWER_CACHE_MB": "256",  # memory for finished answers (least recently used dropped)
    "FENGONG_WARM_DEPARTMENTS": "200",  # first pages of lead tasks computed after start and writes
    "FENGONG_WARM_VIEWS": "1",  # then the overview networks drawn (default scope)
    "FENGONG_MAX_UPLOAD": str(10 * 1024 * 1024),  # bytes per uploaded document (413 past it)
    "FENGONG_WRITE_RATE": "60",  # write requests per client per minute (429 past it)
    "FENGONG_ALLOWED_HOSTS": "127.0.0.1,localhost",  # Host headers answered (400 otherwise)
    "FENGONG_CORS_ORIGINS": "",  # no cross-origin browser access
    "FENGONG_WRITE_TOKENS": "",  # set to a fresh random token per run (writes need it)
}
#: Share of each kind of request in the mix.
MIX = {"rest": 0.45, "ask": 0.15, "fragments": 0.15, "sparql": 0.25}
#: Share of /sparql requests whose text is new each time (a cache miss: runs in a worker).
FRESH_SPARQL = 0.25
REQUEST_TIMEOUT = 60.0


# --- the store ----------------------------------------------------------------------------


def fengong_cmd() -> list[str]:
    script = Path(sys.executable).with_name("fengong")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from fengong.api.cli import main; sys.exit(main())"]


def store_ids(data: Path) -> list[str]:
    from fengong.store.oxigraph import OxigraphStore

    with OxigraphStore(data / "store", read_only=True) as store:
        return store.document_ids()


def generate(n: int, out: Path, seed: int) -> None:
    subprocess.run([sys.executable, str(ROOT / "scripts" / "generate_corpus.py"), str(n), "--out", str(out),
                    "--seed", str(seed)], check=True, stdout=subprocess.DEVNULL)


def ingest(paths: list[Path], data: Path) -> None:
    subprocess.run([*fengong_cmd(), "ingest", *map(str, paths), "--data", str(data), "--no-progress"],
                   check=True, stdout=subprocess.DEVNULL)


def build_store(cache: Path, docs: int, seed: int) -> tuple[Path, float | None]:
    """The data directory of a store holding exactly ``docs`` documents (built once, then
    reused from ``cache``); and the seconds the build took (None when reused)."""
    data = cache / f"data-{docs}-seed{seed}"
    marker = data / "load_run.json"
    # A store built by another version of the RDF builder holds another data model: rebuild.
    import fengong.rdf

    model = hashlib.sha1(Path(fengong.rdf.__file__).read_bytes()).hexdigest()[:12]
    if marker.exists():
        built = json.loads(marker.read_text())
        if built.get("documents") == docs and built.get("model") == model:
            return data, None
    if data.exists():
        shutil.rmtree(data)  # a build that did not finish
    started = time.monotonic()
    corpus = cache / f"corpus-{docs}-seed{seed}"
    if corpus.exists():
        shutil.rmtree(corpus)
    print(f"generating {docs} documents in {corpus} …", file=sys.stderr, flush=True)
    generate(docs, corpus, seed)
    print(f"ingesting them into {data} (minutes) …", file=sys.stderr, flush=True)
    ingest([corpus], data)
    held = len(store_ids(data))
    # Generated documents can share a 发文字号, hence an id: top up one file at a time.
    extra_seed = seed + 1000
    while held < docs:
        extra = cache / f"extra-{docs}-seed{extra_seed}"
        if extra.exists():
            shutil.rmtree(extra)
        generate(docs - held, extra, extra_seed)
        for path in sorted(extra.glob("*.txt")):
            if held >= docs:
                break
            ingest([path], data)
            held = len(store_ids(data))
        extra_seed += 1
    if held != docs:
        raise SystemExit(f"the store holds {held} documents, not {docs}")
    marker.write_text(json.dumps({"documents": docs, "seed": seed, "model": model}))
    return data, time.monotonic() - started


# --- the server --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children_of() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def process_tree(pid: int) -> list[int]:
    tree = children_of()
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(tree.get(p, []))
    return out


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


@dataclass
class Memory:
    total_mib: float
    processes: list[tuple[int, float]]  # (pid, MiB)

    def brief(self) -> str:
        return " + ".join(f"{mib:.0f}" for _, mib in self.processes)


def memory(pid: int) -> Memory:
    rows = [(p, rss_kib(p) / 1024) for p in process_tree(pid)]
    return Memory(sum(m for _, m in rows), rows)


class Server:
    def __init__(self, data: Path, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.token = secrets.token_urlsafe(24)
        env = {**os.environ, **SERVE_ENV, "FENGONG_WRITE_TOKENS": self.token, "PYTHONUNBUFFERED": "1"}
        env.pop("FENGONG_SPARQL_URL", None)
        flags = [x for kv in SERVE_FLAGS.items() for x in kv]
        self.command = [*fengong_cmd(), "serve", "--data", str(data), "--port", str(self.port), *flags]
        self.log = open(log, "wb")
        self.process = subprocess.Popen(self.command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float) -> float:
        """Seconds until REST answers and a new /sparql query runs in a worker."""
        import httpx

        started = time.monotonic()
        deadline = started + timeout
        n = 0
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"fengong serve exited with {self.process.returncode}; see {self.log.name}")
            n += 1
            try:
                rest = httpx.get(self.url + "/api/v1/documents?limit=1", timeout=120)
                sparql = httpx.post(self.url + "/sparql", data={"query": f"ASK {{ ?s ?p ?o }} # ready {n}"},
                                    timeout=120)
                if rest.status_code == 200 and sparql.status_code == 200:
                    return time.monotonic() - started
            except httpx.HTTPError:
                pass
            time.sleep(2)
        raise SystemExit(f"fengong serve was not ready within {timeout:g} s")

    def stop(self) -> None:
        pids = process_tree(self.process.pid)
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        # The SPARQL workers notice their parent is gone and exit (dropping a large store
        # takes them a few seconds); the stragglers are stopped by pid.
        deadline = time.monotonic() + 120
        for pid in pids[1:]:
            while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
                time.sleep(0.5)
            if Path(f"/proc/{pid}").exists():
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        self.log.close()


# --- the request pool ------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    kind: str
    method: str
    path: str
    form: tuple[tuple[str, str], ...] | None = None
    fresh: bool = False  # /sparql text made new on every send


def _get(path: str, **params) -> str:
    return path + ("?" + urlencode(params) if params else "")


def build_pool(url: str, seed: int) -> dict[str, list[Request]]:
    """A fixed pool of requests per kind, drawn from what the server holds (seeded)."""
    import httpx

    rng = random.Random(seed)
    with httpx.Client(base_url=url, timeout=600) as http:
        departments = http.get("/api/v1/departments", params={"limit": 1000}).json()["departments"]
        documents = http.get("/api/v1/documents", params={"limit": 1000}).json()["documents"]
        regions = http.get("/api/v1/regions", params={"limit": 1000}).json()["regions"]
    busy = [d for d in departments if sum((d.get("counts") or {}).get(r, 0) for r in ("lead", "support")) > 0] or departments
    depts = rng.sample(busy, min(40, len(busy)))
    docs = rng.sample(documents, min(120, len(documents)))
    small_regions = sorted((r for r in regions if r.get("tasks")), key=lambda r: r["tasks"])[:20]
    rest: list[Request] = []
    for offset in range(0, min(len(departments), 200), 50):
        rest.append(Request("rest", "GET", _get("/api/v1/departments", limit=50, offset=offset)))
    for d in depts:
        ref = quote(d["id"], safe="")
        rest.append(Request("rest", "GET", f"/api/v1/departments/{ref}"))
        for role in ("lead", "support", "any"):
            rest.append(Request("rest", "GET", _get(f"/api/v1/departments/{ref}/tasks", role=role, limit=20)))
    for d in depts[:20]:
        rest.append(Request("rest", "GET", _get(f"/api/v1/departments/{quote(d['id'], safe='')}/partners",
                                                limit=20)))
    for doc in docs[:80]:
        rest.append(Request("rest", "GET", f"/api/v1/documents/{doc['id']}"))
    for doc in docs[:40]:
        rest.append(Request("rest", "GET", _get("/api/v1/tasks", document=doc["id"], limit=50)))
    for doc in docs:
        for n in rng.sample(range(1, 21), 2):
            rest.append(Request("rest", "GET", f"/api/v1/tasks/{doc['id']}-t{n}"))
    for offset in range(0, min(len(documents), 1000), 100):
        rest.append(Request("rest", "GET", _get("/api/v1/documents", limit=100, offset=offset)))
    rest.append(Request("rest", "GET", "/api/v1/regions"))
    for r in small_regions[:15]:
        rest.append(Request("rest", "GET", _get(f"/api/v1/regions/{quote(r['id'], safe='')}/tasks", limit=20)))
    for offset in (0, 100, 200):
        rest.append(Request("rest", "GET", _get("/api/v1/targets", limit=100, offset=offset)))
    for term in ("停车位", "绿道", "未来社区"):
        rest.append(Request("rest", "GET", _get("/api/v1/search", q=term, limit=20)))

    ask: list[Request] = []
    names = [d.get("short") or d.get("name") or d["id"] for d in depts[:20]]
    for name in names:
        for verb in ("牵头", "配合", "负责"):
            ask.append(Request("ask", "GET", _get("/api/v1/ask", q=f"{name}{verb}哪些任务")))
    for a, b in zip(names[:10], names[10:20]):
        ask.append(Request("ask", "GET", _get("/api/v1/ask", q=f"{a}和{b}共同负责哪些任务")))
    for metric in ("停车位", "绿道", "充电桩", "未来社区", "老旧小区改造"):
        ask.append(Request("ask", "GET", _get("/api/v1/ask", q=f"{metric}的目标是多少")))
    for r in small_regions[:5]:
        ask.append(Request("ask", "GET", _get("/api/v1/ask", q=f"哪些任务涉及{r['name']}")))

    fragments: list[Request] = []
    for doc in docs[:40]:
        fragments.append(Request("fragments", "GET", _get("/fragments", subject=f"{BASE}doc/{doc['id']}/task/3")))
    for d in depts[:20]:
        iri = f"{BASE}department/{d['id']}"
        fragments.append(Request("fragments", "GET", _get("/fragments", subject=iri)))
        fragments.append(Request("fragments", "GET", _get("/fragments", predicate=f"{FG}leads", object=iri)))
    for page in range(1, 6):
        fragments.append(Request("fragments", "GET", _get("/fragments", predicate=f"{FG}leads", page=page)))
    for name in names[:10]:
        fragments.append(Request("fragments", "GET", _get(
            "/fragments", predicate="http://www.w3.org/2004/02/skos/core#altLabel", object=f'"{name}"@zh')))

    prefixes = (f"PREFIX fg: <{FG}> PREFIX dct: <http://purl.org/dc/terms/> "
                "PREFIX eli: <http://data.europa.eu/eli/ontology#> ")
    sparql: list[Request] = []
    for d in depts[:20]:
        iri = f"<{BASE}department/{d['id']}>"
        sparql.append(_sparql(prefixes + f"SELECT ?task ?title WHERE {{ {iri} fg:leads ?task . "
                              "?task dct:title ?title } LIMIT 50"))
        sparql.append(_sparql(prefixes + f"SELECT (COUNT(DISTINCT ?task) AS ?n) WHERE {{ {iri} fg:supports ?task }}"))
    for doc in docs[:20]:
        iri = f"<{BASE}doc/{doc['id']}>"
        sparql.append(_sparql(prefixes + f"SELECT ?task ?number ?title WHERE {{ ?task eli:is_part_of {iri} ; "
                              "eli:number ?number ; dct:title ?title } LIMIT 100"))
        sparql.append(_sparql(prefixes + f"ASK {{ {iri} a fg:WorkPlan }}"))
    for d in depts[:5]:
        sparql.append(_sparql(f"DESCRIBE <{BASE}department/{d['id']}>"))
    fresh = [_sparql(prefixes + f"SELECT ?task ?title WHERE {{ <{BASE}department/{d['id']}> fg:leads ?task . "
                     "?task dct:title ?title } LIMIT 20", fresh=True) for d in depts[:20]]
    return {"rest": rest, "ask": ask, "fragments": fragments, "sparql": sparql, "sparql-fresh": fresh}


def _sparql(text: str, fresh: bool = False) -> Request:
    return Request("sparql", "POST", "/sparql", (("query", text),), fresh)


# --- load ----------------------------------------------------------------------------------


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)
    sizes: dict[str, int] = field(default_factory=dict)  # bytes received per kind
    retried: int = 0  # 503s retried (cold pass only)
    slowest: list[tuple[float, str]] = field(default_factory=list)

    def add(self, kind: str, seconds: float, status: int | str, size: int = 0) -> None:
        self.latencies.setdefault(kind, []).append(seconds)
        self.sizes[kind] = self.sizes.get(kind, 0) + size
        self.errors.setdefault(kind, 0)
        if status != 200:
            self.errors[kind] += 1
            self.statuses[str(status)] = self.statuses.get(str(status), 0) + 1


async def send(client, request: Request, counter: list[int]) -> tuple[int | str, int]:
    import httpx

    try:
        if request.method == "GET":
            response = await client.get(request.path)
        else:
            form = dict(request.form or ())
            if request.fresh:
                counter[0] += 1
                form["query"] += f"\n# {counter[0]} {time.time_ns()}"
            response = await client.post(request.path, data=form)
        return response.status_code, len(response.content)
    except httpx.HTTPError as exc:
        return type(exc).__name__, 0


def pick(rng: random.Random, pool: dict[str, list[Request]]) -> Request:
    kind = rng.choices(list(MIX), weights=list(MIX.values()))[0]
    if kind == "sparql" and rng.random() < FRESH_SPARQL:
        return rng.choice(pool["sparql-fresh"])
    return rng.choice(pool[kind])


async def warm(url: str, pool: dict[str, list[Request]], concurrency: int) -> tuple[Tally, float]:
    """Every pooled request once (cold: computed and cached); a 503 (the answer is still
    computing past its deadline) is retried until it answers."""
    import httpx

    tally = Tally()
    queue: asyncio.Queue[Request] = asyncio.Queue()
    for kind in ("rest", "ask", "fragments", "sparql"):
        for request in pool[kind]:
            queue.put_nowait(request)
    counter = [0]
    started = time.perf_counter()

    async def worker(i: int) -> None:
        transport = httpx.AsyncHTTPTransport(local_address=f"127.0.1.{i + 1}")
        async with httpx.AsyncClient(base_url=url, timeout=600, transport=transport) as client:
            while not queue.empty():
                request = queue.get_nowait()
                t0 = time.perf_counter()
                for _ in range(20):
                    status, size = await send(client, request, counter)
                    if status != 503:
                        break
                    tally.retried += 1
                    await asyncio.sleep(1)
                seconds = time.perf_counter() - t0
                tally.add(request.kind, seconds, status, size)
                tally.slowest = sorted([*tally.slowest, (seconds, f"{request.method} {request.path[:100]}")],
                                       reverse=True)[:5]
                if status != 200 and len(tally.examples) < 10:
                    tally.examples.append(f"{status} {request.method} {request.path[:120]}")

    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    return tally, time.perf_counter() - started


async def load(url: str, pool: dict[str, list[Request]], clients: int, duration: float, seed: int) -> Tally:
    import httpx

    tally = Tally()
    counter = [0]
    stop_at = time.perf_counter() + duration

    async def client_loop(i: int) -> None:
        rng = random.Random(f"{seed}:{i}")
        # One loopback address per client: they are 64 clients to the per-client limits.
        transport = httpx.AsyncHTTPTransport(local_address=f"127.0.0.{i + 2}")
        async with httpx.AsyncClient(base_url=url, timeout=REQUEST_TIMEOUT, transport=transport) as client:
            while time.perf_counter() < stop_at:
                request = pick(rng, pool)
                t0 = time.perf_counter()
                status, size = await send(client, request, counter)
                tally.add(request.kind, time.perf_counter() - t0, status, size)
                if status != 200 and len(tally.examples) < 10:
                    tally.examples.append(f"{status} {request.method} {request.path[:120]}")

    await asyncio.wait_for(asyncio.gather(*(client_loop(i) for i in range(clients))),
                           duration + REQUEST_TIMEOUT + 30)
    return tally


# --- report --------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, int(round(p / 100 * (len(ordered) - 1)))))
    return ordered[k] * 1000


def ms(x: float) -> str:
    return f"{x:.0f}" if x >= 100 else f"{x:.1f}"


KINDS = ("rest", "ask", "fragments", "sparql")


def rows_of(tally: Tally, seconds: float) -> list[tuple[str, int, float, float, float, int]]:
    rows = []
    for kind in (*KINDS, "all"):
        lat = ([x for k in KINDS for x in tally.latencies.get(k, [])] if kind == "all"
               else tally.latencies.get(kind, []))
        errors = sum(tally.errors.values()) if kind == "all" else tally.errors.get(kind, 0)
        rows.append((kind, len(lat), len(lat) / seconds if seconds else 0.0, percentile(lat, 50),
                     percentile(lat, 99), errors))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1000, help="documents in the store (default 1000)")
    parser.add_argument("--cache", type=Path, help="folder keeping the built store between runs "
                                                   "(default: a temporary folder, removed at the end)")
    parser.add_argument("--runs", type=int, default=3, help="load runs, one after the other (default 3)")
    parser.add_argument("--clients", type=int, default=64, help="concurrent clients (default 64)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds per run (default 60)")
    parser.add_argument("--pause", type=float, default=10.0, help="seconds between runs (default 10)")
    parser.add_argument("--seed", type=int, default=7, help="corpus and request-mix seed (default 7)")
    parser.add_argument("--warm-clients", type=int, default=8, help="concurrency of the cold pass (default 8)")
    parser.add_argument("--ready-timeout", type=float, default=3600.0,
                        help="seconds to wait for the server and its SPARQL workers (default 3600)")
    parser.add_argument("--out", default=str(DEFAULT_OUT), help="markdown file to write ('-': none)")
    args = parser.parse_args(argv)
    if args.clients > 250:
        parser.error("--clients: at most 250 (one loopback address each)")

    cache = args.cache.expanduser().resolve() if args.cache else Path(tempfile.mkdtemp(prefix="fengong-load-"))
    cache.mkdir(parents=True, exist_ok=True)
    try:
        data, build_seconds = build_store(cache, args.docs, args.seed)
        quads = None
        try:
            from fengong.store.oxigraph import OxigraphStore

            with OxigraphStore(data / "store", read_only=True) as store:
                quads = len(store)
        except Exception:
            pass
        server = Server(data, cache / "serve.log")
        try:
            print(f"starting {' '.join(server.command)}", file=sys.stderr, flush=True)
            ready = server.wait_ready(args.ready_timeout)
            at_ready = memory(server.process.pid)
            print(f"ready after {ready:.0f} s; {at_ready.total_mib:.0f} MiB", file=sys.stderr, flush=True)
            pool = build_pool(server.url, args.seed)
            cold, cold_seconds = asyncio.run(warm(server.url, pool, args.warm_clients))
            print(f"cold pass: {sum(len(v) for v in cold.latencies.values())} requests in {cold_seconds:.0f} s, "
                  f"{sum(cold.errors.values())} errors", file=sys.stderr, flush=True)
            time.sleep(args.pause)
            runs = []
            for r in range(args.runs):
                before = memory(server.process.pid)
                tally = asyncio.run(load(server.url, pool, args.clients, args.duration, args.seed + r))
                time.sleep(args.pause)  # let in-flight work settle before reading memory
                after = memory(server.process.pid)
                runs.append((tally, before, after))
                total = sum(len(v) for v in tally.latencies.values())
                print(f"run {r + 1}: {total} requests, {sum(tally.errors.values())} errors, "
                      f"memory {before.total_mib:.0f} -> {after.total_mib:.0f} MiB", file=sys.stderr, flush=True)
        finally:
            server.stop()
        log_lines = (cache / "serve.log").read_text(errors="replace").splitlines()
    finally:
        if not args.cache:
            shutil.rmtree(cache, ignore_errors=True)

    text = report(args, data, quads, build_seconds, ready, at_ready, pool, cold, cold_seconds, runs, log_lines,
                  server)
    print(text)
    if args.out != "-":
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text, encoding="utf-8")
    failed = sum(sum(t.errors.values()) for t, _, _ in runs)
    return 1 if failed else 0


def report(args, data, quads, build_seconds, ready, at_ready, pool, cold, cold_seconds, runs, log_lines,
           server) -> str:
    flags = " ".join(f"{k} {v}" for k, v in SERVE_FLAGS.items())
    env = " ".join(f"{k}={v or '…' if k == 'FENGONG_WRITE_TOKENS' else v}" for k, v in SERVE_ENV.items()
                   if v or k == "FENGONG_WRITE_TOKENS")
    pool_sizes = ", ".join(f"{k} {len(v)}" for k, v in pool.items())
    lines = [
        "# Load run",
        "",
        f"`python scripts/load_run.py --runs {args.runs}` — {time.strftime('%Y-%m-%d %H:%M')}, "
        f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs "
        f"(the load generator runs on the same machine and shares them), "
        f"{round(os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30)} GiB.",
        "",
        "## Production settings",
        "",
        "```sh",
        *(f"export {k}={v or '<random secret>' if k == 'FENGONG_WRITE_TOKENS' else v}" for k, v in SERVE_ENV.items()
          if v or k == "FENGONG_WRITE_TOKENS"),
        f"fengong serve --data DATA --port 8000 {flags}",
        "```",
        "",
        "| setting | value | why |",
        "|---|---|---|",
        "| uvicorn workers | 1 | an Oxigraph data directory is opened by one process; more processes need a "
        "SPARQL store (`--store sparql`) |",
        f"| `/sparql` worker processes | {SERVE_FLAGS['--sparql-workers']} | one client holds at most one, so a "
        "slow query leaves two for the others; each opens the data directory read-only (about 80 MiB each) |",
        f"| query time limit | {SERVE_FLAGS['--query-timeout']} s | past it the worker is killed and replaced (503 "
        "`query-timeout`) |",
        f"| row cap | {SERVE_FLAGS['--max-rows']} | longer answers are cut and say so (`Fengong-Truncated`) |",
        f"| query budget | {SERVE_FLAGS['--query-budget']} s per client per minute | 429 with `Retry-After` past it |",
        f"| REST/ask answer deadline | {SERVE_ENV['FENGONG_ANSWER_TIMEOUT']} s | 503 past it (the answer is still "
        "computed and cached) |",
        f"| answer cache | {SERVE_ENV['FENGONG_ANSWER_CACHE_MB']} MiB | finished REST/ask answers per store "
        "generation; least recently used dropped past it |",
        f"| warmed departments | {SERVE_ENV['FENGONG_WARM_DEPARTMENTS']} | their first page of lead tasks is computed "
        "after start and after writes, most tasks first (0: when asked) |",
        f"| warmed views | {'on' if SERVE_ENV['FENGONG_WARM_VIEWS'] == '1' else 'off'} | the overview networks "
        "(coordination, responsibility, regions) are drawn after the department pages |",
        f"| upload limit | {int(SERVE_ENV['FENGONG_MAX_UPLOAD']) // 2**20} MiB | 413 past it |",
        f"| write rate | {SERVE_ENV['FENGONG_WRITE_RATE']} per client per minute | 429 past it |",
        "| allowed hosts | `127.0.0.1,localhost` (set the public name) | 400 for any other `Host` |",
        "| CORS origins | none | no cross-origin browser access unless listed |",
        "| write tokens | a random secret | writes without it: 401 (none configured: 403) |",
        "| access log | on (`--log-level info`) | credentials in query strings are redacted |",
        "",
        "## Store and mix",
        "",
        f"{args.docs} synthetic documents (`scripts/generate_corpus.py --seed {args.seed}`, `fengong ingest`), "
        + (f"{quads:,} quads, " if quads else "")
        + (f"built in {build_seconds / 60:.1f} min" if build_seconds else "reused from the cache")
        + f". The server answered REST and ran a /sparql query in a worker {ready:.0f} s after it started "
        f"(the workers open the data directory read-only); resident memory then: {at_ready.total_mib:,.0f} MiB "
        f"({at_ready.brief()} MiB per process).",
        "",
        f"Request pool (fixed, seeded): {pool_sizes}. Each client picks a kind with weights "
        + ", ".join(f"{k} {int(v * 100)}%" for k, v in MIX.items())
        + f", then a request of that kind; {int(FRESH_SPARQL * 100)}% of the /sparql requests carry a new query "
        "text each time (a cache miss: it runs in a worker process). REST covers departments (list, one, tasks "
        "by role, partners), documents (list, one with its text), tasks (by id, by document), regions, targets "
        "and search; /api/v1/ask asks department, two-department, target and region questions; /fragments "
        "asks subject, predicate, predicate+object and paged patterns.",
        "",
        f"**Cold pass** (every pooled request once, {args.warm_clients} at a time, answers computed and cached; "
        "not part of the runs): "
        f"{sum(len(v) for v in cold.latencies.values())} requests in {cold_seconds:.0f} s, "
        f"{sum(cold.errors.values())} errors; {cold.retried} answers took longer than the "
        f"{SERVE_ENV['FENGONG_ANSWER_TIMEOUT']} s answer deadline (503, computed on and retried). Slowest: "
        + "; ".join(f"`{what}` {seconds:.1f} s" for seconds, what in cold.slowest) + ".",
        "",
        "| kind | requests | p50 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|",
    ]
    for kind in KINDS:
        lat = cold.latencies.get(kind, [])
        lines.append(f"| {kind} | {len(lat)} | {ms(percentile(lat, 50))} | {ms(percentile(lat, 99))} | "
                     f"{ms(max(lat) * 1000 if lat else float('nan'))} |")
    lines += [
        "",
        f"## Runs: {args.clients} concurrent clients × {args.duration:g} s, {args.runs} runs",
        "",
        "| run | kind | requests | req/s | p50 ms | p99 ms | errors | mean answer kB |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r, (tally, _, _) in enumerate(runs, 1):
        for kind, n, rate, p50, p99, errors in rows_of(tally, args.duration):
            name = f"**{kind}**" if kind == "all" else kind
            size = sum(tally.sizes.values()) if kind == "all" else tally.sizes.get(kind, 0)
            lines.append(f"| {r} | {name} | {n:,} | {rate:.1f} | {ms(p50)} | {ms(p99)} | {errors} | "
                         f"{size / max(1, n) / 1000:,.0f} |")
    lines += [
        "",
        "Resident memory of the server's process tree (uvicorn + the /sparql workers; VmRSS from /proc, MiB):",
        "",
        "| run | before | after | change | per process after |",
        "|---:|---:|---:|---:|---|",
    ]
    for r, (_, before, after) in enumerate(runs, 1):
        lines.append(f"| {r} | {before.total_mib:,.0f} | {after.total_mib:,.0f} | "
                     f"{after.total_mib - before.total_mib:+,.0f} | {after.brief()} |")
    total_requests = sum(sum(len(v) for v in t.latencies.values()) for t, _, _ in runs)
    total_errors = sum(sum(t.errors.values()) for t, _, _ in runs)
    statuses: dict[str, int] = {}
    for t, _, _ in runs:
        for k, v in t.statuses.items():
            statuses[k] = statuses.get(k, 0) + v
    first_after, last_after = runs[0][2].total_mib, runs[-1][2].total_mib
    overall = [rows_of(t, args.duration)[-1] for t, _, _ in runs]
    errors_in_log = sum(1 for line in log_lines if "Traceback" in line or " 500 " in line)
    lines += [
        "",
        f"**Summary.** {total_requests:,} requests in {args.runs} runs, **{total_errors} errors**"
        + (f" ({', '.join(f'{k}: {v}' for k, v in sorted(statuses.items()))})" if statuses else "")
        + f"; overall throughput {min(o[2] for o in overall):.0f}–{max(o[2] for o in overall):.0f} req/s, "
        f"p50 {min(o[3] for o in overall):.0f}–{max(o[3] for o in overall):.0f} ms, "
        f"p99 {min(o[4] for o in overall):.0f}–{max(o[4] for o in overall):.0f} ms. "
        f"Memory after run 1: {first_after:,.0f} MiB, after run {len(runs)}: {last_after:,.0f} MiB "
        f"({last_after - first_after:+,.0f} MiB). Server log: {len(log_lines):,} lines, "
        f"{errors_in_log} with a traceback or a 500.",
        "",
    ]
    examples = [e for t, _, _ in runs for e in t.examples][:10]
    if examples:
        lines += ["Failed requests (first ten):", "", *(f"- `{e}`" for e in examples), ""]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
