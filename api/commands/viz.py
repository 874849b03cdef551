"""``fengong viz VIEW --out FILE.html``: write a view as one HTML file that opens from disk.

The page is the one ``fengong serve`` answers at ``/viz/…``, with every asset inlined and
its Content-Security-Policy in a ``<meta>`` element; links to the other views are left
out (a file has no server to link to). The graph is the bundled sample, the documents
given as files, or the store built under ``--data DIR``.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path

VIEWS = ("responsibility", "coordination", "department", "section", "region")


def add_parser(sub):
    p = sub.add_parser(
        "viz", help="write an interactive network view as a self-contained HTML file",
        description="Draw a view of the graph (responsibility: departments and tasks by role; coordination: "
                    "departments by shared tasks; department: one unit's tasks and partners; section: one part of "
                    "a plan; region: tasks naming a region) as one HTML file with no external assets.")
    p.add_argument("view", choices=VIEWS, help="which view")
    p.add_argument("files", nargs="*", metavar="FILE",
                   help="documents to read; default: the bundled sample (or the store under --data)")
    p.add_argument("--department", metavar="REF", help="department id, name or alias (department view)")
    p.add_argument("--section", type=int, metavar="N", help="section number (section view)")
    p.add_argument("--region", metavar="REF", help="region id, code or name (region view; default: all regions)")
    p.add_argument("--document", metavar="ID", help="document id (section view, when several have section N)")
    p.add_argument("--data", metavar="DIR", help="read the store built under this directory (default: $FENGONG_DATA)")
    p.add_argument("-o", "--out", required=True, metavar="FILE.html", help="where to write the page")
    return p


def _store(files: list[str], data: str | None):
    from fengong.api.cli import UsageError
    from fengong.store import open_store

    from .common import load_documents

    data = data or os.environ.get("FENGONG_DATA") or None
    if data and not files:
        if not Path(data).is_dir():
            raise UsageError(f"no data directory {data}")
        from fengong.api.app import open_configured_store
        from fengong.api.settings import Settings

        return open_configured_store(Settings(data_dir=Path(data)))
    store = open_store("memory")
    store.add_documents(load_documents(files))
    return store


def build_view(store, view: str, *, department: str | None = None, section: int | None = None,
               region: str | None = None, document: str | None = None):
    """The View the arguments ask for (raises UsageError for a missing or unknown reference)."""
    from fengong.api.cli import UsageError
    from fengong.views import (
        NotFound,
        coordination_view,
        department_view,
        region_view,
        responsibility_view,
        section_view,
    )

    try:
        if view == "responsibility":
            return responsibility_view(store)
        if view == "coordination":
            return coordination_view(store)
        if view == "department":
            if not department:
                raise UsageError("the department view needs --department REF (id, name or alias)")
            return department_view(store, department)
        if view == "section":
            if section is None:
                raise UsageError("the section view needs --section N")
            return section_view(store, section, document)
        if view == "region":
            return region_view(store, region)
    except NotFound as exc:
        raise UsageError(str(exc)) from None
    raise UsageError(f"unknown view {view!r}; use one of {', '.join(VIEWS)}")


def run(args) -> int:
    from fengong.views import render_html

    store = _store(args.files, args.data)
    try:
        view = build_view(store, args.view, department=args.department, section=args.section,
                          region=args.region, document=args.document)
        html = render_html(view, links=False, standalone=True,
                           generated=f"生成于 {datetime.now().strftime('%Y-%m-%d %H:%M')}")
    finally:
        store.close()
    out = Path(args.out)
    if out.parent and not out.parent.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    print(f"{out}: {view.title}, {view.node_count} nodes, {view.edge_count} edges", file=sys.stderr)
    return 0
