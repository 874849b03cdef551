"""``fengong remove DOC_ID…``: take documents out of the store (their named graphs).

The shared descriptions of departments and regions (the registry graph) stay.
"""

from __future__ import annotations

import sys

from .store_options import add_data_options, fail, open_data_store


def add_parser(sub):
    p = sub.add_parser("remove", help="remove documents from the store by id",
                       description="Remove documents (their named graphs) from the store under --data. "
                                   "Document ids are listed by the API (/api/v1/documents) and printed by "
                                   "`fengong ingest --verbose`.")
    p.add_argument("ids", nargs="+", metavar="DOC_ID", help="document id, e.g. 2023-044de8f5")
    add_data_options(p)
    return p


def run(args) -> int:
    from fengong.store import StoreUnavailable

    try:
        store = open_data_store(args, create=False)
    except StoreUnavailable as exc:
        return fail("remove", str(exc))
    missing = 0
    try:
        for doc_id in args.ids:
            if store.remove_document(doc_id):
                print(f"removed {doc_id}")
            else:
                missing += 1
                print(f"fengong remove: no document {doc_id} in the store", file=sys.stderr)
    except StoreUnavailable as exc:
        return fail("remove", str(exc))
    finally:
        store.close()
    return 1 if missing else 0
