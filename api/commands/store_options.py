"""What the store commands (``build``, ``ingest``, ``remove``, ``dump``, ``load``) share:
the ``--data`` option and opening the store it names.

The data directory is ``--data DIR``, else ``$FENGONG_DATA``, else ``./data``; the Oxigraph
store lives in ``DIR/store``. With ``--sparql-url`` (or ``$FENGONG_SPARQL_URL``) the
commands work on that SPARQL endpoint instead (``$FENGONG_SPARQL_UPDATE_URL``,
``$FENGONG_SPARQL_USER``, ``$FENGONG_SPARQL_PASSWORD``, ``$FENGONG_BASE``).
Not a sub-command itself (it is not in :data:`fengong.api.cli.COMMANDS`).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from fengong.rdf import DEFAULT_BASE

STORE_DIR = "store"


def add_data_options(p, *, sparql: bool = True) -> None:
    p.add_argument("--data", metavar="DIR",
                   help="data directory; the store is DIR/store (default: $FENGONG_DATA or ./data)")
    if sparql:
        p.add_argument("--sparql-url", metavar="URL",
                       help="work on this SPARQL 1.1 endpoint instead of the local store ($FENGONG_SPARQL_URL)")


def data_dir(args) -> Path:
    return Path(getattr(args, "data", None) or os.environ.get("FENGONG_DATA") or "data")


def open_data_store(args, *, read_only: bool = False, create: bool = True):
    """The store the options name. Raises :class:`fengong.store.StoreUnavailable`."""
    from fengong.store import StoreUnavailable, open_store

    base = os.environ.get("FENGONG_BASE") or DEFAULT_BASE
    url = getattr(args, "sparql_url", None) or os.environ.get("FENGONG_SPARQL_URL")
    if url:
        return open_store("sparql", url=url, base=base)
    path = data_dir(args) / STORE_DIR
    if not create and not (path / "CURRENT").exists():
        raise StoreUnavailable(f"no store in {data_dir(args)} (fill one with `fengong ingest FILE --data "
                               f"{data_dir(args)}` or `fengong build --out {data_dir(args)}`)")
    return open_store("oxigraph", path=path, base=base, read_only=read_only)


def fail(command: str, message: str, code: int = 2) -> int:
    """One line on stderr, and the exit code."""
    print(f"fengong {command}: {message}", file=sys.stderr)
    return code
