"""``fengong load backup.nq``: restore (or merge) an N-Quads dump into the store.

Into an empty store this is a restore; into one that holds data, the quads are added
(a document's graph then holds the union of both: remove it first to replace it).
"""

from __future__ import annotations

import sys
from pathlib import Path

from .store_options import add_data_options, data_dir, fail, open_data_store


def add_parser(sub):
    p = sub.add_parser("load", help="load an N-Quads dump (from `fengong dump`) into the store",
                       description="Restore a backup written by `fengong dump` into the store under --data "
                                   "(created if needed). '-' reads standard input.")
    p.add_argument("file", metavar="FILE", help="N-Quads file, or - for standard input")
    add_data_options(p)
    return p


def run(args) -> int:
    from fengong.store import StoreUnavailable

    if args.file == "-":
        data = sys.stdin.buffer.read()
    else:
        path = Path(args.file)
        if not path.is_file():
            return fail("load", f"no such file: {path}")
        data = path.read_bytes()
    try:
        store = open_data_store(args)
    except StoreUnavailable as exc:
        return fail("load", str(exc))
    try:
        store.load_nquads(data)
        if hasattr(store, "optimize"):
            store.optimize()
        ids = store.document_ids()
    except ValueError as exc:
        return fail("load", f"{args.file}: {exc}")
    except StoreUnavailable as exc:
        return fail("load", str(exc))
    finally:
        store.close()
    where = getattr(store, "url", None) or data_dir(args) / "store"
    print(f"loaded {args.file} into {where}: {len(ids)} document{'s' if len(ids) != 1 else ''} in the store")
    return 0
