"""``fengong analyze``: workload, coordination and structure warnings of the graph.

The store is the bundled sample (no arguments), the documents given as files, or the
store built under ``--data DIR`` (``$FENGONG_DATA``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from fengong.analysis.report import REPORT_PARTS as WHAT
from fengong.store import Store


def open_source(files: list[str] | None = None, data: str | None = None) -> Store:
    """The store a command reads: files extracted into memory, the data directory's store,
    or, with neither, the bundled sample. Files and a data directory together: the data
    directory's documents copied into memory beside the files."""
    from fengong.api.app import open_configured_store
    from fengong.api.settings import Settings
    from fengong.store import open_store

    from .common import load_documents

    data = data or os.environ.get("FENGONG_DATA") or None
    files = list(files or [])
    if data and not Path(data).is_dir():
        from fengong.api.cli import UsageError

        raise UsageError(f"no data directory {data}")
    if data and not files:
        return open_configured_store(Settings(data_dir=Path(data)))
    store = open_store("memory")
    if data:
        with open_configured_store(Settings(data_dir=Path(data))) as stored:
            store.load_nquads(stored.dump("nquads"))
    store.add_documents(load_documents(files) if files or not data else [])
    return store


def add_source_arguments(p) -> None:
    p.add_argument("files", nargs="*", metavar="FILE", help="documents to read; default: the bundled sample "
                                                              "(or the store under --data)")
    p.add_argument("--data", metavar="DIR", help="read the store built under this directory "
                                                 "(default: $FENGONG_DATA)")
    p.add_argument("--document", metavar="ID", help="only this document id")
    p.add_argument("--year", metavar="YEAR", help="only the documents of this year or span of years (2023, "
                                                  "2021-2023; the year in the document id)")


def documents_of(store: Store, document: str | None, year: str | None) -> str | list[str] | None:
    """What ``--document`` and ``--year`` select: a document id, the ids of the documents in
    the years (of that document, if both), or None for every document."""
    if year is None:
        return document
    from fengong.analysis import document_ids
    from fengong.api.cli import UsageError
    from fengong.scope import Scope

    try:
        scope = Scope.parse(document, year)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if document is not None:
        return [document] if scope.covers(document) else []
    return [d for d in document_ids(store) if scope.covers(d)]


def add_parser(sub):
    p = sub.add_parser("analyze", help="workload per department, coordination pairs and centrality, structure warnings",
                       description="Analyse who carries what: tasks led, supported and co-owned per department; "
                                   "the department pairs that share most tasks; degree, weighted degree and "
                                   "betweenness in the coordination network; communities; and structure warnings "
                                   "(tasks with no lead or several leads, departments that only support, targets "
                                   "with no responsible unit).")
    p.add_argument("what", nargs="?", choices=WHAT, default="all", help="which analysis (default: all)")
    add_source_arguments(p)
    p.add_argument("--top", type=int, default=10, metavar="N", help="rows per table (default 10)")
    p.add_argument("--json", action="store_true", help="print JSON")
    return p


def _table(rows: list[list], header: list[str]) -> str:
    from unicodedata import east_asian_width

    def width(s: str) -> int:
        return sum(2 if east_asian_width(c) in "WF" else 1 for c in s)

    cells = [header] + [[str(c) for c in row] for row in rows]
    widths = [max(width(r[i]) for r in cells) for i in range(len(header))]
    return "\n".join(
        "  ".join(c + " " * (w - width(c)) for c, w in zip(row, widths)).rstrip() for row in cells
    )


def run(args) -> int:
    from fengong.analysis import UnknownDocument, analysis_report

    try:
        with open_source(args.files, args.data) as store:
            result = analysis_report(store, args.what, documents_of(store, args.document, args.year), args.top)
    except UnknownDocument as exc:
        from fengong.api.cli import UsageError

        raise UsageError(str(exc)) from None
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    parts = []
    if "workload" in result:
        rows = [[w["label"], w["tasks"], w["lead"], w["co_responsible"], w["support"], w["implementer"], w["targets"]]
                for w in result["workload"][: args.top]]
        parts.append("Workload (tasks):\n" + _table(rows, ["department", "any", "lead", "co-resp.", "support",
                                                           "implementer", "targets"]))
    if "pairs" in result:
        rows = [[f"{p['a_label']} — {p['b_label']}", p["weight"], " ".join(t.rsplit("-", 1)[-1] for t in p["tasks"])]
                for p in result["pairs"]]
        parts.append("Strongest pairs (shared tasks):\n" + _table(rows, ["pair", "tasks", "which"]))
        rows = [[c["label"], c["degree"], c["weighted_degree"], f"{c['betweenness']:.3f}"]
                for c in result["centrality"][: args.top]]
        parts.append("Centrality:\n" + _table(rows, ["department", "degree", "weighted", "betweenness"]))
        parts.append("Communities:\n" + "\n".join(
            f"  {i}. " + "、".join(d["label"] for d in group) for i, group in enumerate(result["communities"], 1)))
    if "warnings" in result:
        lines = [f"  [{w['code']}] {w['message']}" for w in result["warnings"]]
        parts.append(f"Structure warnings ({len(lines)}):\n" + ("\n".join(lines) or "  none"))
    print("\n\n".join(parts))
    return 0
