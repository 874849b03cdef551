#!/usr/bin/env python3
"""Cold and repeated REST answers of a department's tasks over a store of many documents.

The question of issue 5 — ``GET /api/v1/departments/{id}/tasks?role=lead`` across every
document — asked in process (Starlette's TestClient, no network) of the real app over an
on-disk Oxigraph store opened read-only:

- the first answer after the app starts (a new store generation: nothing cached; the
  server's warm-up runs beside it);
- answers of other departments, once the warm-up is done: each of ``--departments``
  departments asked once (p50 and max) — their first pages were computed by the warm-up
  (:mod:`fengong.api.warmup`), as a server has them ready after it starts or after a write;
- uncached answers: the second page (``offset=100``) of those departments that lead 200
  tasks or more, which nothing computed before (what the warm-up spares each first page);
- how long the warm-up took and how many pages it computed;
- repeated answers: one department asked ``--reps`` times (served from the answer cache
  of the store generation);
- the baseline, in the same run: a bare FastAPI endpoint returning pre-encoded bytes of the
  same size as the answer, through the same client (what the HTTP layer alone costs);
- the process's peak resident memory (VmHWM).

Usage::

    python scripts/generate_corpus.py 1000 --out /tmp/c1000 --seed 7
    fengong ingest /tmp/c1000 --data /tmp/d1000
    python scripts/bench_answers.py /tmp/d1000
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote


def peak_rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", type=Path, help="a data directory made by `fengong ingest` (holds store/)")
    parser.add_argument("--department", default="zj-housing", help="the department asked first and repeatedly")
    parser.add_argument("--departments", type=int, default=40, help="departments asked once each (default 40)")
    parser.add_argument("--warm", type=int, default=200,
                        help="departments whose first page the warm-up computes (default 200; 0: none)")
    parser.add_argument("--reps", type=int, default=50, help="repetitions of the repeated answer (default 50)")
    args = parser.parse_args(argv)

    from fastapi import FastAPI, Response
    from fastapi.testclient import TestClient

    from fengong.api.app import close, create_app
    from fengong.api.settings import Settings
    from fengong.store.oxigraph import OxigraphStore

    store = OxigraphStore(args.data / "store", read_only=True)
    documents = len(store.document_ids())
    app = create_app(Settings(warm_departments=args.warm), store)
    # Entered as a context manager, the client runs the app's lifespan as a server does
    # (its warm-up thread starts there); a bare TestClient(app) would skip it.
    client = TestClient(app)
    client.__enter__()

    def timed(http, url: str) -> tuple[float, object]:
        started = time.perf_counter()
        response = http.get(url)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise SystemExit(f"{url}: {response.status_code} {response.text[:200]}")
        return elapsed, response

    def tasks_url(dept: str) -> str:
        return f"/api/v1/departments/{quote(dept)}/tasks?role=lead"

    started = time.perf_counter()
    first_ms, first = timed(client, tasks_url(args.department))
    size = len(first.content)
    # The app's start began its warm-up (list skeletons) in a thread, beside the first
    # answer: let it finish, so that cold answers measure the answers, not the warm-up.
    warming = [thread for thread in threading.enumerate() if thread.name == "fengong-warm"]
    if not warming and not getattr(app.state, "warmed", False):
        raise SystemExit("the app did not start its warm-up")
    for thread in warming:
        thread.join()
    warm_s = time.perf_counter() - started
    listed = timed(client, "/api/v1/departments?limit=1000")[1].json()["departments"]
    leads = {d["id"]: d["counts"]["lead"] for d in listed if d["counts"]["lead"] > 0}
    asked = [d for d in leads if d != args.department][: args.departments - 1]
    cold = [timed(client, tasks_url(d))[0] for d in asked]
    # Only departments leading 200 tasks or more: their second page is as full as the first.
    uncached = [timed(client, tasks_url(d) + "&offset=100")[0] for d in asked if leads[d] >= 200]
    repeated = [timed(client, tasks_url(args.department))[0] for _ in range(args.reps)]

    bare = FastAPI()
    body = first.content

    @bare.get("/bare")
    def constant() -> Response:
        return Response(body, media_type="application/json")

    bare_client = TestClient(bare)
    baseline = [timed(bare_client, "/bare")[0] for _ in range(args.reps)]
    client.__exit__(None, None, None)
    close(app)

    p50 = statistics.median
    print(f"store: {args.data / 'store'} ({documents} documents); answer {size / 1024:.0f} KiB, "
          f"{first.json().get('total')} tasks")
    print("| answer | p50 ms | max ms | vs bare endpoint (p50) |")
    print("|---|---:|---:|---:|")
    print(f"| first after start | {first_ms:.0f} | — | {first_ms / p50(baseline):.0f}× |")
    print(f"| other departments, once each ({len(cold)}) | {p50(cold):.1f} | {max(cold):.0f} | "
          f"{p50(cold) / p50(baseline):.1f}× |")
    if uncached:
        print(f"| uncached: second pages ({len(uncached)}) | {p50(uncached):.1f} | {max(uncached):.0f} | "
              f"{p50(uncached) / p50(baseline):.0f}× |")
    else:
        print("| uncached: second pages (none: no department leads 200 tasks) | — | — | — |")
    print(f"| repeated ({args.reps}) | {p50(repeated):.2f} | {max(repeated):.1f} | "
          f"{p50(repeated) / p50(baseline):.2f}× |")
    print(f"| bare endpoint, same bytes ({args.reps}) | {p50(baseline):.2f} | {max(baseline):.1f} | 1× |")
    print(f"warm-up after start: {warm_s:.1f} s, {app.state.warmed_pages} department pages")
    print(f"peak RSS {peak_rss_mib():.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
