"""``fengong dump > backup.nq``: every quad of the store, for backup (restore with
``fengong load``).

The local store is opened read-only, so a dump can be taken while ``fengong serve`` runs;
writes made during the dump (through the write API) may or may not be in it.
"""

from __future__ import annotations

import sys

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
    try:
        data = store.dump(args.format)
    except StoreUnavailable as exc:
        return fail("dump", str(exc))
    finally:
        store.close()
    if args.out and args.out != "-":
        with open(args.out, "wb") as handle:
            handle.write(data)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return 0
