"""Benchmark the API under concurrent load (not a test): ``python scripts/bench_api.py``.

Starts ``fengong serve`` (a subprocess, free loopback port, the bundled sample) and, in the
same run and served the same way (uvicorn, one process), a bare FastAPI app whose endpoint
returns a constant JSON document of the same size as each measured answer. For every
endpoint, 32 concurrent httpx clients send requests for a fixed duration; the table gives
throughput and p50/p99 latency of the API beside the bare endpoint of the same size, and
their ratio. Last, the same question (省建设厅牵头哪些任务) runs through rdflib's own SPARQL
engine on an in-memory graph, which is what rdflib-endpoint serves with.

Results go to standard output and to ``scripts/results/bench_api.md`` (``--out``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "scripts" / "results" / "bench_api.md"

QUESTION = "省建设厅牵头哪些任务"
SPARQL = """PREFIX fg: <https://w3id.org/fengong/ns#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX eli: <http://data.europa.eu/eli/ontology#>
SELECT ?task ?label ?title ?text WHERE {
  <https://w3id.org/fengong/id/department/zj-housing> fg:leads ?task .
  ?task eli:number ?label ; dct:title ?title ; fg:clause ?clause .
  ?clause fg:text ?text ; <http://www.w3.org/ns/prov#qualifiedAssociation> ?asg .
  ?asg <http://www.w3.org/ns/prov#agent> <https://w3id.org/fengong/id/department/zj-housing> ;
       <http://www.w3.org/ns/prov#hadRole> fg:Lead .
}"""

# (label, method, path, form body or None)
ENDPOINTS = [
    ("GET /api/v1/departments/省建设厅/tasks?role=lead", "GET",
     f"/api/v1/departments/{quote('省建设厅')}/tasks?role=lead", None),
    ("GET /api/v1/departments", "GET", "/api/v1/departments?limit=100", None),
    ("GET /api/v1/tasks/{id}", "GET", "/api/v1/tasks/2023-044de8f5-t13", None),
    ("GET /api/v1/targets", "GET", "/api/v1/targets", None),
    ("GET /api/v1/ask?q=省建设厅牵头哪些任务", "GET", f"/api/v1/ask?q={quote(QUESTION)}", None),
    ("GET /api/v1/search?q=停车位", "GET", f"/api/v1/search?q={quote('停车位')}", None),
    ("GET /fragments?predicate=fg:leads", "GET",
     "/fragments?predicate=" + quote("https://w3id.org/fengong/ns#leads"), None),
    ("POST /sparql (same question)", "POST", "/sparql", {"query": SPARQL}),
]
COMMON = 6  # the first COMMON endpoints are the "common" ones of the done-when


# --- the bare comparison app ------------------------------------------------------------


def bare_app():
    """FastAPI app: ``/bare?size=N`` returns a constant JSON document of about N bytes,
    serialised by FastAPI as any endpoint returning a dict is; ``/bare-bytes?size=N`` returns
    the same document already encoded (the strictest baseline: no work per request)."""
    from fastapi import FastAPI, Response

    app = FastAPI()
    documents: dict[int, dict] = {}

    @app.get("/bare")
    async def bare(size: int = 1000):
        doc = documents.get(size)
        if doc is None:
            # a list of small records, like an API answer, padded to the size
            record = {"id": "2023-044de8f5-t13", "label": "(十三)", "title": "健全市政设施建设", "n": 13}
            one = len(json.dumps(record, ensure_ascii=False).encode()) + 1
            items = [dict(record) for _ in range(max(1, size // one))]
            doc = {"total": len(items), "items": items}
            pad = size - len(json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode())
            doc["pad"] = "x" * max(0, pad - 10)
            documents[size] = doc
        return doc

    encoded: dict[int, bytes] = {}

    @app.get("/bare-bytes")
    async def bare_bytes(size: int = 1000):
        body = encoded.get(size)
        if body is None:
            body = encoded[size] = json.dumps(await bare(size), ensure_ascii=False,
                                              separators=(",", ":")).encode("utf-8")
        return Response(body, media_type="application/json")

    return app


def serve_bare(port: int) -> None:
    import uvicorn

    uvicorn.run(bare_app(), host="127.0.0.1", port=port, log_level="warning")


# --- processes --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(url: str, timeout: float = 120.0) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=5).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def start(cmd: list[str], env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **(env or {})},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


# --- load --------------------------------------------------------------------------------


@dataclass
class Stats:
    requests: int
    errors: int
    seconds: float
    latencies: list[float]
    size: int
    total: int = 0  # every request sent, warm-up included
    cpu: float = 0.0  # CPU seconds the server process spent meanwhile

    @property
    def cpu_per_request(self) -> float:
        """Server CPU milliseconds per request: insensitive to what else runs on the machine."""
        return 1000 * self.cpu / self.total if self.total else float("nan")

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        k = min(len(ordered) - 1, max(0, int(round(p / 100 * (len(ordered) - 1)))))
        return ordered[k] * 1000


async def load(base: str, method: str, path: str, form: dict | None, clients: int, duration: float,
               warmup: float) -> Stats:
    import httpx

    latencies: list[float] = []
    counts = {"ok": 0, "errors": 0, "size": 0, "total": 0}
    start_at = time.perf_counter() + warmup
    stop_at = start_at + duration

    async def worker() -> None:
        async with httpx.AsyncClient(base_url=base, timeout=60) as client:
            while True:
                t0 = time.perf_counter()
                if t0 >= stop_at:
                    return
                if method == "GET":
                    response = await client.get(path)
                else:
                    response = await client.post(path, data=form)
                t1 = time.perf_counter()
                counts["total"] += 1
                if t0 >= start_at:
                    latencies.append(t1 - t0)
                    if response.status_code == 200:
                        counts["ok"] += 1
                        counts["size"] = len(response.content)
                    else:
                        counts["errors"] += 1

    await asyncio.gather(*(worker() for _ in range(clients)))
    return Stats(counts["ok"], counts["errors"], duration, latencies, counts["size"], counts["total"])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measured(pid: int, coroutine) -> Stats:
    before = cpu_seconds(pid)
    stats = asyncio.run(coroutine)
    stats.cpu = cpu_seconds(pid) - before
    return stats


EXPLOSIVE = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
FAST = "SELECT ?task WHERE { ?d <https://w3id.org/fengong/ns#leads> ?task } LIMIT 5"


async def fresh_queries(base: str, clients: int, duration: float, warmup: float) -> Stats:
    """Load with fast SPARQL queries that miss the answer cache (each text is new), so each
    one runs in a worker process."""
    import httpx

    latencies: list[float] = []
    counts = {"ok": 0, "errors": 0, "n": 0}
    start_at = time.perf_counter() + warmup
    stop_at = start_at + duration

    async def worker() -> None:
        async with httpx.AsyncClient(base_url=base, timeout=60) as client:
            while True:
                t0 = time.perf_counter()
                if t0 >= stop_at:
                    return
                counts["n"] += 1
                response = await client.post("/sparql", data={"query": f"{FAST} # {counts['n']} {t0}"})
                t1 = time.perf_counter()
                if t0 >= start_at:
                    latencies.append(t1 - t0)
                    counts["ok" if response.status_code == 200 else "errors"] += 1

    await asyncio.gather(*(worker() for _ in range(clients)))
    return Stats(counts["ok"], counts["errors"], duration, latencies, 0)


def interference(base: str, clients: int, duration: float, warmup: float) -> tuple[Stats, Stats, Stats, list[int]]:
    """Fast queries (and a REST answer) alone, then while explosive queries keep running."""
    import threading

    import httpx

    alone = asyncio.run(fresh_queries(base, clients, duration, warmup))
    stop = threading.Event()
    statuses: list[int] = []

    def slow() -> None:
        # another client (another loopback address): limits are per client
        transport = httpx.HTTPTransport(local_address="127.0.0.2")
        with httpx.Client(base_url=base, timeout=120, transport=transport) as client:
            n = 0
            while not stop.is_set():
                n += 1
                statuses.append(client.post("/sparql", data={"query": f"{EXPLOSIVE} # {n}"}).status_code)

    thread = threading.Thread(target=slow, daemon=True)
    thread.start()
    time.sleep(0.5)
    try:
        during = asyncio.run(fresh_queries(base, clients, duration, warmup))
        path = f"/api/v1/departments/{quote('省建设厅')}/tasks?role=lead"
        rest = asyncio.run(load(base, "GET", path, None, clients, duration, warmup))
    finally:
        stop.set()
        thread.join(60)
    return alone, during, rest, statuses


def merge(parts: list[Stats]) -> Stats:
    return Stats(sum(p.requests for p in parts), sum(p.errors for p in parts), sum(p.seconds for p in parts),
                 [x for p in parts for x in p.latencies], max(p.size for p in parts),
                 sum(p.total for p in parts), sum(p.cpu for p in parts))


def rdflib_engine(repeat: int) -> Stats:
    """The same question through rdflib's SPARQL engine on an in-memory graph."""
    from rdflib import Graph

    from fengong.extract import extract_sample
    from fengong.rdf import build_graph
    from fengong.regions import RegionRegistry
    from fengong.registry import DepartmentRegistry

    graph: Graph = build_graph([extract_sample()], DepartmentRegistry.default(), RegionRegistry.default())
    latencies = []
    rows = 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        rows = len(list(graph.query(SPARQL)))
        latencies.append(time.perf_counter() - t0)
    return Stats(repeat, 0, sum(latencies), latencies, rows)


# --- main ----------------------------------------------------------------------------------


def fmt(x: float) -> str:
    return f"{x:.1f}" if x >= 10 else f"{x:.2f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0,
                        help="seconds of measured load per endpoint, over all rounds (default 10)")
    parser.add_argument("--warmup", type=float, default=0.5,
                        help="seconds of load not measured at the start of each round (default 0.5)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds per endpoint (default 5)")
    parser.add_argument("--settle", type=float, default=8.0,
                        help="seconds to wait after the first requests, while the server warms up (default 8)")
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients (default 32)")
    parser.add_argument("--store", default="oxigraph", choices=["memory", "oxigraph"], help="store of the server")
    parser.add_argument("--out", default=str(DEFAULT_OUT), help="markdown file to write ('-': none)")
    parser.add_argument("--serve-bare", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_bare:
        serve_bare(args.serve_bare)
        return 0

    api_port, bare_port = free_port(), free_port()
    cli = [sys.executable, "-c", "import sys; from fengong.api.cli import main; sys.exit(main())"]
    api = start([*cli, "serve", "--port", str(api_port), "--store", args.store,
                 "--log-level", "warning", "--query-budget", "0"])
    bare = start([sys.executable, str(Path(__file__).resolve()), "--serve-bare", str(bare_port)])
    api_url, bare_url = f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{bare_port}"
    rows = []
    try:
        wait_ready(f"{api_url}/api/v1/documents")
        wait_ready(f"{bare_url}/bare?size=10")
        import httpx

        sizes = {}
        for label, method, path, form in ENDPOINTS:
            # first request: computes and caches the answer; its size sizes the bare twins
            first = (httpx.get(api_url + path, timeout=120) if method == "GET"
                     else httpx.post(api_url + path, data=form, timeout=120))
            first.raise_for_status()
            sizes[label] = len(first.content)
            httpx.get(f"{bare_url}/bare?size={sizes[label]}", timeout=60)
            httpx.get(f"{bare_url}/bare-bytes?size={sizes[label]}", timeout=60)
        time.sleep(args.settle)  # let the server finish starting its SPARQL workers
        slice_ = args.duration / args.rounds
        for label, method, path, form in ENDPOINTS:
            size = sizes[label]
            parts: dict[str, list[Stats]] = {"api": [], "bare": [], "bytes": []}
            # interleaved rounds: a change in the machine's load hits all three alike
            for _ in range(args.rounds):
                parts["api"].append(measured(api.pid, load(api_url, method, path, form, args.clients, slice_,
                                                           args.warmup)))
                parts["bare"].append(measured(bare.pid, load(bare_url, "GET", f"/bare?size={size}", None,
                                                              args.clients, slice_, args.warmup)))
                parts["bytes"].append(measured(bare.pid, load(bare_url, "GET", f"/bare-bytes?size={size}", None,
                                                              args.clients, slice_, args.warmup)))
            ours, twin, raw = (merge(parts[k]) for k in ("api", "bare", "bytes"))
            rows.append((label, size, ours, twin, raw))
            print(f"{label}: {ours.throughput:.0f} req/s p50 {ours.percentile(50):.1f} ms p99 "
                  f"{ours.percentile(99):.1f} ms | bare {twin.throughput:.0f} req/s p50 {twin.percentile(50):.1f} ms "
                  f"p99 {twin.percentile(99):.1f} ms | bare-bytes {raw.throughput:.0f} req/s "
                  f"p50 {raw.percentile(50):.1f} ms p99 {raw.percentile(99):.1f} ms", file=sys.stderr, flush=True)
        alone, during, rest_during, slow_statuses = interference(api_url, args.clients, args.duration / 2,
                                                                 args.warmup)
    finally:
        stop(api)
        stop(bare)
    engine = rdflib_engine(repeat=30)

    lines = [
        "# API benchmark",
        "",
        f"`python scripts/bench_api.py` — {time.strftime('%Y-%m-%d %H:%M')}, {platform.python_implementation()} "
        f"{platform.python_version()}, {os.cpu_count()} CPUs, store `{args.store}`, the bundled sample "
        f"(one document). {args.clients} concurrent httpx clients (one asyncio process on the same machine) "
        f"for {args.duration:g} s per endpoint, in {args.rounds} rounds interleaved with the baselines (each round "
        f"after {args.warmup:g} s of unmeasured load). Each API endpoint is "
        "compared with a bare FastAPI endpoint returning a constant JSON document of the same size, served "
        "the same way (uvicorn, one process) in the same run: `bare` returns a dict that FastAPI serialises "
        "per request (the usual endpoint), `bare-bytes` returns the document already encoded (no work per "
        "request: the strictest baseline). Ratios are API / bare and API / bare-bytes.",
        "",
        "| endpoint | bytes | req/s | p50 ms | p99 ms | server CPU ms/req | bare req/s | bare p50 | bare p99 "
        "| bare CPU ms/req | bare-bytes req/s | bare-bytes p50 | bare-bytes p99 | bare-bytes CPU ms/req "
        "| p50 ratio (bare / bytes) | p99 ratio (bare / bytes) | CPU ratio (bare / bytes) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for i, (label, size, ours, twin, raw) in enumerate(rows):
        marker = "" if i < COMMON else " †"
        errors = f" ({ours.errors} errors)" if ours.errors else ""
        lines.append(
            f"| {label}{marker}{errors} | {size} | {ours.throughput:.0f} | {fmt(ours.percentile(50))} | "
            f"{fmt(ours.percentile(99))} | {ours.cpu_per_request:.2f} | {twin.throughput:.0f} | "
            f"{fmt(twin.percentile(50))} | {fmt(twin.percentile(99))} | {twin.cpu_per_request:.2f} | "
            f"{raw.throughput:.0f} | {fmt(raw.percentile(50))} | {fmt(raw.percentile(99))} | "
            f"{raw.cpu_per_request:.2f} | {ours.percentile(50) / twin.percentile(50):.2f} / "
            f"{ours.percentile(50) / raw.percentile(50):.2f} | {ours.percentile(99) / twin.percentile(99):.2f} / "
            f"{ours.percentile(99) / raw.percentile(99):.2f} | {ours.cpu_per_request / twin.cpu_per_request:.2f} / "
            f"{ours.cpu_per_request / raw.cpu_per_request:.2f} |")
    common = rows[:COMMON]
    worst50 = max(o.percentile(50) / t.percentile(50) for _, _, o, t, _ in common)
    worst99 = max(o.percentile(99) / t.percentile(99) for _, _, o, t, _ in common)
    worst50b = max(o.percentile(50) / r.percentile(50) for _, _, o, _, r in common)
    worst99b = max(o.percentile(99) / r.percentile(99) for _, _, o, _, r in common)
    worst_cpu = max(o.cpu_per_request / t.cpu_per_request for _, _, o, t, _ in common)
    worst_cpu_b = max(o.cpu_per_request / r.cpu_per_request for _, _, o, _, r in common)
    lines += [
        "",
        f"† not one of the {COMMON} common endpoints of the done-when (\"within 2× of the bare endpoint\"). "
        f"Worst ratio among the common endpoints, against the bare endpoint: p50 {worst50:.2f}×, "
        f"p99 {worst99:.2f}×; against the pre-encoded bare endpoint: p50 {worst50b:.2f}×, p99 {worst99b:.2f}×. "
        f"Server CPU per request (the measure that other load on the machine does not skew): at most "
        f"{worst_cpu:.2f}× the bare endpoint's and {worst_cpu_b:.2f}× the pre-encoded one's.",
        "",
        "The same question through rdflib's own SPARQL engine on an in-memory graph (what rdflib-endpoint "
        f"serves with), in-process, one query at a time, {len(engine.latencies)} runs: "
        f"p50 {fmt(engine.percentile(50))} ms, p99 {fmt(engine.percentile(99))} ms "
        f"(≈ {1000 / statistics.mean([x * 1000 for x in engine.latencies]):.0f} queries/s on one core; "
        f"{engine.size} rows).",
        "",
        "**A slow query never delays the others.** Fast SPARQL queries that miss the cache (each runs in a "
        f"worker process), {args.clients} clients: alone p50 {fmt(alone.percentile(50))} ms / p99 "
        f"{fmt(alone.percentile(99))} ms ({alone.throughput:.0f} req/s); while explosive cartesian queries keep "
        f"running back to back (each stopped at the time limit: statuses {sorted(set(slow_statuses))}, "
        f"{len(slow_statuses)} run) p50 {fmt(during.percentile(50))} ms / p99 {fmt(during.percentile(99))} ms "
        f"({during.throughput:.0f} req/s, {during.errors} errors); the REST answer for 省建设厅/tasks meanwhile: "
        f"p50 {fmt(rest_during.percentile(50))} ms / p99 {fmt(rest_during.percentile(99))} ms "
        f"({rest_during.throughput:.0f} req/s). (rdflib-endpoint: a 26 ms query waited 6.5 s behind a slow one.)",
        "",
        "Answers are computed once per store generation and kept as JSON bytes with their ETag, so a "
        "repeated question costs a dictionary look-up; the bare endpoint serialises its dict on every request, "
        "which is why some ratios fall below 1. /sparql answers repeated queries from the same kind of cache; "
        "a new query runs in a worker process.",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if args.out != "-":
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
