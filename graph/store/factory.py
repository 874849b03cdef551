"""Open a store by name: ``memory``, ``oxigraph`` (on disk under a data directory, or in
memory), or ``sparql`` (a remote SPARQL 1.1 Query + Update endpoint)."""

from __future__ import annotations

import os
from pathlib import Path

from fengong.rdf import DEFAULT_BASE

from .base import Store


def open_store(kind: str | None = None, *, path: str | Path | None = None, url: str | None = None,
               update_url: str | None = None, user: str | None = None, password: str | None = None,
               base: str = DEFAULT_BASE, read_only: bool = False) -> Store:
    """Open a store. ``kind`` defaults to ``$FENGONG_STORE`` or ``oxigraph``.

    >>> open_store("memory").name
    'memory'
    """
    kind = (kind or os.environ.get("FENGONG_STORE") or "oxigraph").lower()
    if kind == "memory":
        from .memory import MemoryStore

        return MemoryStore(base)
    if kind == "oxigraph":
        from .oxigraph import OxigraphStore

        return OxigraphStore(path, base=base, read_only=read_only)
    if kind in ("sparql", "remote", "virtuoso"):
        from .remote import RemoteStore

        url = url or os.environ.get("FENGONG_SPARQL_URL")
        if not url:
            raise ValueError("the sparql store needs an endpoint URL (--sparql-url or FENGONG_SPARQL_URL)")
        return RemoteStore(url, update_url=update_url or os.environ.get("FENGONG_SPARQL_UPDATE_URL"),
                           user=user or os.environ.get("FENGONG_SPARQL_USER"),
                           password=password or os.environ.get("FENGONG_SPARQL_PASSWORD"), base=base)
    raise ValueError(f"unknown store kind {kind!r}: use memory, oxigraph or sparql")
