"""``fengong dump > backup.nq``: every quad of the store, for backup (restore with
``fengong load``).

The local store is opened read-only, so a dump can be taken while ``fengong serve`` runs;
writes made during the dump (through the write API) may or may not be in it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from .store_options import add_data_options, fail, open_data_store

FORMATS = ["nquads", "trig", "turtle", "nt", "json-ld"]


def add_parser(sub):
    p = sub.add_parser("dump", help="write every quad of the store (N-Quads backup) to standard output",
                       description="Write the store under --data as N-Quads (the backup format; restore with "
                                   "`fengong load`), TriG, or the union graph as Turtle, N-Triples or JSON-LD.")
    add_data_options(p)
    p.add_argument("--format", choices=FORMATS, default="nquads", help="default: nquads")
    p.add_argument("-o", "--out", metavar="FILE", help="write to FILE instead of standard output")
    return p


def run(args) -> int:
    from fengong.store import StoreUnavailable

    try:
        store = open_data_store(args, read_only=True, create=False)
    except StoreUnavailable as exc:
        return fail("dump", str(exc))
    # Streamed (a store of 1,000 documents is a gigabyte of N-Quads); a file is written
    # beside its name and renamed when complete, so a failed dump leaves no half a backup.
    to_file = bool(args.out and args.out != "-")
    partial = Path(f"{args.out}.partial") if to_file else None
    try:
        if partial is not None:
            with open(partial, "wb") as handle:
                store.dump_to(handle, args.format)
            os.replace(partial, args.out)
        else:
            store.dump_to(sys.stdout.buffer, args.format)
            sys.stdout.flush()
    except (StoreUnavailable, OSError) as exc:
        if partial is not None:
            partial.unlink(missing_ok=True)
        return fail("dump", str(exc))
    finally:
        store.close()
    return 0
