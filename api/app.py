"""The FastAPI application: ``create_app(settings)``.

Routers live in :mod:`fengong.api.routers`, one module per resource, each exposing
``router``; shared state (the store, the settings) is on ``app.state`` and reached
through :mod:`fengong.api.deps`.
"""

from __future__ import annotations

import importlib

from fastapi import FastAPI

from fengong import __version__
from fengong.store import Store, open_store

from .settings import Settings

# Routers included in this order; a module that does not exist yet is skipped.
ROUTERS = [
    "pages", "departments", "tasks", "targets", "regions", "documents", "search", "ask",
    "sparql", "fragments", "graph", "analysis", "write", "viz", "docs",
]


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


def create_app(settings: Settings | None = None, store: Store | None = None) -> FastAPI:
    settings = settings or Settings()
    app = FastAPI(
        title="fengong",
        version=__version__,
        description="Who is responsible for what in Chinese government work plans: REST, SPARQL and questions.",
        docs_url=None,  # served from local assets by the docs router (no CDN)
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.store = store if store is not None else open_configured_store(settings)
    for name in ROUTERS:
        try:
            module = importlib.import_module(f"fengong.api.routers.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"fengong.api.routers.{name}":
                continue
            raise
        app.include_router(module.router)
    return app
