"""The FastAPI application: ``create_app(settings, store)``.

Routers live in :mod:`fengong.api.routers`, one module per resource, each exposing
``router``; shared state is on ``app.state`` and reached through :mod:`fengong.api.deps`:

- ``store`` — the :class:`~fengong.store.Store`; ``settings`` — the :class:`Settings`;
- ``answers`` — :class:`fengong.queries.Answers` over the store (cached per generation);
- ``answer_cache`` — rendered JSON answers with ETags (:mod:`fengong.api.common`);
  ``page_warmer`` fills it with the departments' first pages after writes (:mod:`fengong.api.warmup`);
- ``dump_files`` — whole-graph dumps written to files per generation (:mod:`fengong.api.dumps`);
- ``sparql_pool`` — worker processes for ``/sparql`` (None for a remote store),
  ``sparql_cache``, ``sparql_executor``, ``query_budget``, ``sparql_running`` (queries running
  per client).

Every error is RFC 9457 problem JSON (:mod:`fengong.api.problems`). CORS is enabled for
``settings.cors_origins``, requests for hosts outside ``settings.allowed_hosts`` are refused,
writes are rate-limited per client, every response carries security headers and tokens are
kept out of the logs (:mod:`fengong.api.security`). Local assets are served under ``/static``.
"""

from __future__ import annotations

import concurrent.futures
import importlib
import logging
import threading
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from fengong import __version__
from fengong.queries import Answers
from fengong.store import Store, open_store

from . import problems, security
from .common import AnswerCache
from .dumps import DumpFiles
from .warmup import PageWarmer, warm_pages
from .settings import Settings
from .sparql_engine import Budget, QueryPool, Running, default_pool_size

log = logging.getLogger("fengong.api")

# Routers included in this order; a module that does not exist yet is skipped.
ROUTERS = [
    "pages", "departments", "tasks", "targets", "regions", "documents", "search", "ask",
    "sparql", "fragments", "graph", "analysis", "write", "viz", "docs",
]

STATIC_DIR = Path(__file__).parent / "static"

#: Response headers a browser script on another origin may read.
EXPOSED_HEADERS = ["ETag", "Link", "X-Total-Count", "Retry-After", "Fengong-Truncated", "Fengong-Max-Rows",
                   "Content-Disposition"]

DESCRIPTION = """Who is responsible for what in Chinese government work plans (工作要点, 实施方案, 任务分工方案).

- **REST** under `/api/v1`: departments and their tasks by role, partners, tasks, targets, regions,
  documents, search — JSON, paged (`limit`, `offset`, `total`), with ETags; every answer carries its
  source text and spans (character offsets into the document text).
- **Questions** in Chinese at `/api/v1/ask` (「省建设厅牵头哪些任务」), answered with the SPARQL that ran.
- **SPARQL 1.1 Protocol** at `/sparql` (read-only, bounded), **Triple Pattern Fragments** at `/fragments`,
  **dumps** at `/api/v1/graph`.

Errors are RFC 9457 problem JSON (`application/problem+json`).
"""


def open_configured_store(settings: Settings) -> Store:
    """The store the settings name; with no data directory, the bundled sample in memory."""
    if settings.sparql_url or settings.store in ("sparql", "remote", "virtuoso"):
        return open_store("sparql", url=settings.sparql_url, base=settings.base)
    if settings.data_dir is not None:
        return open_store(settings.store or "oxigraph", path=settings.data_dir / "store", base=settings.base)
    from fengong.extract import extract_sample

    store = open_store(settings.store if settings.store == "memory" else "oxigraph", base=settings.base)
    store.add_documents([extract_sample()])
    return store


def warm(app: FastAPI) -> None:
    """Compute the common answers, start the SPARQL workers, compute the departments'
    first pages and draw the overview networks (in the background)."""

    def run() -> None:
        answers: Answers = app.state.answers
        try:
            # Only what the lists share: whole-store spans and texts cost minutes and GBs
            # at 1,000 documents, and answers fetch the ones they show.
            answers.warm()
        except Exception:  # a cold answer is computed on demand instead
            log.exception("warming the answers failed")
        pool = app.state.sparql_pool
        if pool is not None:
            try:
                pool.warm()
            except Exception:
                log.exception("starting the SPARQL workers failed")
        try:
            app.state.warmed_pages = warm_pages(app, app.state.settings.warm_departments)
        except Exception:
            log.exception("warming the department pages or the overview networks failed")

    threading.Thread(target=run, name="fengong-warm", daemon=True).start()


@asynccontextmanager
async def lifespan(app: FastAPI):
    # Warm once per app: test clients start an app many times. Nothing is stopped at
    # shutdown: the worker processes end with this process (they watch their pipe and
    # their parent), and close(app) stops them earlier.
    if not getattr(app.state, "warmed", False):
        app.state.warmed = True
        warm(app)
    yield


def close(app: FastAPI) -> None:
    """Stop the worker processes and thread pools (the app still works: they restart)."""
    state = app.state
    pool = getattr(state, "sparql_pool", None)
    if pool is not None:
        pool.close()
    for name in ("answer_cache", "sparql_cache", "dump_files"):
        cache = getattr(state, name, None)
        if cache is not None:
            cache.close()
    executor = getattr(state, "sparql_executor", None)
    if executor is not None:
        executor.shutdown(wait=False, cancel_futures=True)


def create_app(settings: Settings | None = None, store: Store | None = None) -> FastAPI:
    settings = settings or Settings()
    app = FastAPI(
        title="fengong",
        version=__version__,
        description=DESCRIPTION,
        docs_url=None,  # served from local assets by the docs router (no CDN)
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.store = store if store is not None else open_configured_store(settings)
    app.state.answers = Answers(app.state.store)
    app.state.answer_cache = AnswerCache(max_bytes=max(0, settings.answer_cache_mb) * 1024 * 1024)
    app.state.sparql_cache = AnswerCache(size=512, workers=1)
    app.state.dump_files = DumpFiles()
    app.state.page_warmer = PageWarmer(app, settings.warm_departments)
    app.state.warmed_pages = 0  # pages the start's warm-up computed
    app.state.warmed_views = 0  # overview networks drawn by the last warm-up
    remote = app.state.store.name in ("sparql", "remote", "virtuoso")
    app.state.sparql_pool = None if remote else QueryPool(app.state.store, size=default_pool_size())
    app.state.sparql_executor = concurrent.futures.ThreadPoolExecutor(max_workers=16,
                                                                      thread_name_prefix="fengong-sparql")
    app.state.query_budget = Budget(settings.query_budget)
    # Queries one client may run at once: at most half the other workers, so that while one
    # client's query is stopped and its worker replaced (a second or two), others still find one.
    pool = app.state.sparql_pool
    app.state.sparql_running = Running(limit=max(1, (pool.size - 1) // 2) if pool is not None else 4)
    problems.install(app)
    security.install(app, settings)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "HEAD", "POST", "DELETE", "OPTIONS"],
            allow_headers=["*"],
            expose_headers=EXPOSED_HEADERS,
            max_age=600,
        )
    security.install_hosts(app, settings)
    for name in ROUTERS:
        try:
            module = importlib.import_module(f"fengong.api.routers.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"fengong.api.routers.{name}":
                continue
            raise
        app.include_router(module.router)
    if STATIC_DIR.is_dir():
        app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
