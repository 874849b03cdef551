"""``fengong diff DOC_A DOC_B``: what changed between two documents of one series."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def add_parser(sub):
    p = sub.add_parser("diff", help="compare two documents of one series: tasks added, removed, changed; "
                                    "responsibilities gained and lost; targets changed",
                       description="Compare an earlier document (DOC_A) with a later one (DOC_B): tasks matched by "
                                   "content, not number; tasks added, removed and modified; per department the "
                                   "responsibilities gained and lost; targets whose value changed. Each document is "
                                   "a file or the id of a document in the store under --data.")
    p.add_argument("a", metavar="DOC_A", help="earlier document: a file or a document id")
    p.add_argument("b", metavar="DOC_B", help="later document: a file or a document id")
    p.add_argument("--data", metavar="DIR", help="the store that holds document ids (default: $FENGONG_DATA)")
    p.add_argument("--threshold", type=float, default=None, metavar="X",
                   help="lowest similarity (0–1) at which two tasks are the same task (default 0.4)")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the comparison as JSON")
    out.add_argument("--turtle", action="store_true", help="print the change records (fg:Change) as Turtle")
    p.add_argument("--record", action="store_true",
                   help="write the change records into the store under --data (both documents must be ids there)")
    return p


def run(args) -> int:
    from fengong.api.cli import UsageError
    from fengong.store import open_store

    from .analyze import open_source
    from .common import load_documents

    data = args.data or os.environ.get("FENGONG_DATA") or None
    refs = [args.a, args.b]
    is_file = [Path(r).is_file() for r in refs]
    if args.record and (any(is_file) or not data):
        raise UsageError("--record writes into the store under --data: give two document ids held there")
    if all(is_file):
        store = open_store("memory")
        ids = store.add_documents(load_documents(refs))
    else:
        if not data:
            missing = next(r for r, f in zip(refs, is_file) if not f)
            raise UsageError(f"{missing}: no such file (document ids need --data DIR)")
        # A file beside a document id: both go into one store (the data copied into memory).
        documents = {r: load_documents([r])[0] for r, f in zip(refs, is_file) if f}
        store = open_source([], data)
        if documents:
            with store as stored:
                store = open_store("memory", base=stored.base)
                store.load_nquads(stored.dump("nquads"))
            store.add_documents(list(documents.values()))
        ids = [documents[r].id if r in documents else r for r in refs]
    with store:
        return _compare(args, store, ids)


def _compare(args, store, ids: list[str]) -> int:
    from fengong.analysis import UnknownDocument
    from fengong.api.cli import UsageError
    from fengong.diff import DEFAULT_THRESHOLD, change_graph, diff_documents, record_changes

    if ids[0] == ids[1]:
        raise UsageError("both arguments are the same document")
    threshold = DEFAULT_THRESHOLD if args.threshold is None else args.threshold
    if not 0 < threshold <= 1:
        raise UsageError("--threshold must be in (0, 1]")
    try:
        result = diff_documents(store, ids[0], ids[1], threshold=threshold)
    except (UnknownDocument, KeyError) as exc:
        raise UsageError(str(exc).strip('"')) from None
    if args.record:
        iri = record_changes(store, result)
        print(f"recorded {len(result.changes)} changes in graph <{iri}>", file=sys.stderr)
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    elif args.turtle:
        sys.stdout.write(change_graph(result, store.base).serialize(format="turtle"))
    else:
        print(result.summary())
    return 0
