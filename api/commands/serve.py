"""``fengong serve``: the API (REST, SPARQL, fragments, questions) with uvicorn.

Flags override the ``FENGONG_*`` environment variables that :class:`~fengong.api.settings.Settings`
reads (``FENGONG_HOST``, ``FENGONG_PORT``, ``FENGONG_DATA``, ``FENGONG_BASE``, ``FENGONG_STORE``,
``FENGONG_CORS_ORIGINS``, ``FENGONG_QUERY_TIMEOUT``, ``FENGONG_MAX_ROWS``, ``FENGONG_QUERY_BUDGET``,
``FENGONG_SPARQL_WORKERS``). With no data directory the bundled sample document is served.
"""

from __future__ import annotations

import os
from pathlib import Path

#: Seconds an idle keep-alive connection stays open. Above the idle expiry of common client
#: pools (httpx and others: 5 s, uvicorn's own default): with equal values a client may
#: reuse a connection the server is closing at that moment and get no answer (seen once in
#: 44,252 requests of the load run).
KEEP_ALIVE = 30

_ENV = {
    "host": "FENGONG_HOST",
    "port": "FENGONG_PORT",
    "data": "FENGONG_DATA",
    "base": "FENGONG_BASE",
    "store": "FENGONG_STORE",
    "cors": "FENGONG_CORS_ORIGINS",
    "query_timeout": "FENGONG_QUERY_TIMEOUT",
    "max_rows": "FENGONG_MAX_ROWS",
    "query_budget": "FENGONG_QUERY_BUDGET",
    "sparql_workers": "FENGONG_SPARQL_WORKERS",
}


def add_parser(sub):
    p = sub.add_parser(
        "serve", help="serve the REST API, SPARQL endpoint and question answering",
        description="Start the HTTP API (uvicorn). Flags override the FENGONG_* environment variables. "
                    "Without --data, the bundled sample document is served.")
    p.add_argument("--host", help="address to listen on (default 127.0.0.1; $FENGONG_HOST)")
    p.add_argument("--port", type=int, help="port (default 8000; $FENGONG_PORT)")
    p.add_argument("--data", metavar="DIR", help="data directory written by `fengong build`/`ingest` ($FENGONG_DATA)")
    p.add_argument("--base", metavar="IRI", help="base IRI of the data ($FENGONG_BASE)")
    p.add_argument("--store", metavar="KIND", choices=["memory", "oxigraph", "sparql"],
                   help="store kind: memory, oxigraph (default) or sparql ($FENGONG_STORE)")
    p.add_argument("--workers", type=int, default=1, metavar="N",
                   help="uvicorn worker processes (default 1; more only with --store memory or sparql)")
    p.add_argument("--sparql-workers", type=int, metavar="N",
                   help="processes running /sparql queries (default 3; $FENGONG_SPARQL_WORKERS)")
    p.add_argument("--cors", metavar="ORIGINS", help="comma-separated origins allowed by CORS ($FENGONG_CORS_ORIGINS)")
    p.add_argument("--query-timeout", type=float, metavar="S", help="SPARQL time limit in seconds (default 5)")
    p.add_argument("--max-rows", type=int, metavar="N", help="SPARQL result row cap (default 10000)")
    p.add_argument("--query-budget", type=float, metavar="S",
                   help="seconds of query time per client per minute (default 60; 0: unlimited)")
    p.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    return p


#: glibc malloc arenas for the server (its default is 8 per core): the answer threads each
#: got an arena that kept freed memory. Under the load run at 1,000 documents the server's
#: process tree held 1,460 MiB with the default, 1,173 MiB with 2, at the same throughput.
#: An operator's own MALLOC_ARENA_MAX wins.
MALLOC_ARENAS = 2


def limit_malloc_arenas(arenas: int = MALLOC_ARENAS) -> bool:
    """Cap glibc's malloc arenas before the server starts its threads (no-op elsewhere)."""
    if os.environ.get("MALLOC_ARENA_MAX"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        return bool(libc.mallopt(-8, arenas))  # -8 = M_ARENA_MAX
    except (OSError, AttributeError):
        return False


def run(args) -> int:
    from fengong.api.cli import UsageError

    limit_malloc_arenas()
    for name, env in _ENV.items():
        value = getattr(args, name, None)
        if value is not None:
            os.environ[env] = str(value)
    if args.data is not None:
        data = Path(args.data)
        if not data.is_dir():
            raise UsageError(f"no data directory {data} (build one with `fengong build` or `fengong ingest`)")
        os.environ["FENGONG_DATA"] = str(data.resolve())
    if args.workers < 1:
        raise UsageError("--workers must be at least 1")

    import uvicorn

    from fengong.api.settings import Settings

    settings = Settings()
    store_kind = (settings.store or "oxigraph").lower()
    if args.workers > 1 and settings.data_dir is not None and store_kind == "oxigraph" and not settings.sparql_url:
        raise UsageError("--workers > 1 needs --store memory or a SPARQL store: an Oxigraph data directory "
                         "can be opened by one process only")
    print(f"fengong: serving on http://{settings.host}:{settings.port}/ (docs at /docs, SPARQL at /sparql)",
          flush=True)
    if args.workers > 1:
        uvicorn.run("fengong.api.app:create_app", factory=True, host=settings.host, port=settings.port,
                    workers=args.workers, log_level=args.log_level, timeout_keep_alive=KEEP_ALIVE)
    else:
        from fengong.api.app import create_app

        try:
            app = create_app(settings)
        except (OSError, ValueError) as exc:
            raise UsageError(str(exc)) from None
        uvicorn.run(app, host=settings.host, port=settings.port, log_level=args.log_level,
                    timeout_keep_alive=KEEP_ALIVE)
    return 0
