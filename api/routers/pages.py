"""The landing page ``/`` and the search page ``/search-page``, in Chinese, for people.

``/`` says what the graph holds (documents, departments, tasks, targets), lists the
departments with their lead/support counts (each a link to its page: the tasks it leads
and supports with their clause text, and its partners), and links to the views and to
``/docs``. ``/search-page?q=`` searches task titles and clause text, department names,
regions and targets, rendered on the server (no script): the hits of ``/api/v1/search``,
then the first 100 tasks' departments, so that a search reads its hits, not every
document. Every value is read from the graph with SPARQL and HTML-escaped by the
template engine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader

from fengong.projections import select_rows
from fengong.queries import clean_text
from fengong.store import Store
from fengong.views import GraphFacts, new_nonce
from fengong.views.render import asset_text
from fengong.views.style import ROLE_ORDER, ROLE_STYLES

from ..common import answers, kept
from ..deps import get_store
from .viz import facts_of, html_page, view_scope

router = APIRouter(tags=["pages"])

_TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "pages"

_COUNTS = """
SELECT ?id (COUNT(DISTINCT ?lead) AS ?leads) (COUNT(DISTINCT ?support) AS ?supports)
       (COUNT(DISTINCT ?co) AS ?cos) (COUNT(DISTINCT ?impl) AS ?impls)
WHERE {
    ?d a fg:Department ; fg:id ?id .
    { ?d fg:leads ?lead } UNION { ?d fg:supports ?support }
    UNION { ?d fg:coResponsibleFor ?co } UNION { ?d fg:implements ?impl }
}
GROUP BY ?id
"""

_TOTALS = """
SELECT
    (COUNT(DISTINCT ?doc) AS ?documents) (COUNT(DISTINCT ?task) AS ?tasks) (COUNT(DISTINCT ?target) AS ?targets)
WHERE {
    { ?doc a fg:WorkPlan } UNION { ?task a fg:Task } UNION { ?target a fg:Target }
}
"""

_DOCUMENTS = """
SELECT ?id ?title ?number ?date WHERE {
    ?doc a fg:WorkPlan ; fg:id ?id .
    OPTIONAL { ?doc dct:title ?title }
    OPTIONAL { ?doc dct:identifier ?number }
    OPTIONAL { ?doc eli:date_document ?date }
}
ORDER BY ?id
"""

#: Tasks and targets a search page lists (it says how many more there are).
MAX_HITS = 100


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(str(_TEMPLATES)), autoescape=True)


def _page(template: str, **context) -> HTMLResponse:
    nonce = new_nonce()
    html = _environment().get_template(template).render(nonce=nonce, css=asset_text("view.css"), **context)
    return html_page(html, nonce)


@dataclass
class DepartmentRow:
    id: str
    short: str
    name: str
    lead: int
    support: int
    co_responsible: int
    implementer: int


def department_rows(store: Store, facts: GraphFacts) -> list[DepartmentRow]:
    """Departments holding any role, with their task counts per role, most leads first."""
    rows = []
    for r in select_rows(store, _COUNTS):
        dept_id = str(r["id"])
        facts_d = facts.departments.get(dept_id)
        rows.append(DepartmentRow(
            dept_id, facts_d.short if facts_d else dept_id, facts_d.name if facts_d else dept_id,
            int(r.get("leads", 0)), int(r.get("supports", 0)), int(r.get("cos", 0)), int(r.get("impls", 0)),
        ))
    rows.sort(key=lambda d: (-d.lead, -d.support, -d.co_responsible, -d.implementer, d.short))
    return rows


def _int(row: dict, key: str) -> int:
    value = row.get(key)
    return int(value) if value is not None else 0


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def landing(request: Request, store: Annotated[Store, Depends(get_store)]):
    # Over many documents, sections and regions are those of the latest year, as in the views.
    scope = view_scope(request, None, None)
    label = scope.label if scope.documents is not None else None
    return kept(request, ("landing",), lambda: _landing(store, facts_of(request, scope.documents), label))()


def _landing(store: Store, facts: GraphFacts, scope_label: str | None = None) -> Callable[[], HTMLResponse]:
    departments = department_rows(store, facts)
    totals = (select_rows(store, _TOTALS) or [{}])[0]
    stats = {"documents": _int(totals, "documents"), "tasks": _int(totals, "tasks"),
             "targets": _int(totals, "targets"), "departments": len(departments)}
    several = len(facts.documents()) > 1
    doc_titles = dict(facts.documents())
    sections = [{"number": n, "title": title,
                 "document": doc_titles.get(d, d) if several else None,
                 "href": f"/viz/section/{n}" + (f"?doc={quote(d, safe='')}" if several and d else "")}
                for d, n, title in facts.sections()]
    region_counts: dict[str, int] = {}
    for _, region in facts.spatial:
        region_counts[region] = region_counts.get(region, 0) + 1
    regions = [{"id": r, "name": facts.regions[r].name if r in facts.regions else r, "tasks": n}
               for r, n in sorted(region_counts.items(), key=lambda x: (-x[1], x[0]))]
    documents = [{"title": str(r.get("title") or r["id"]), "number": str(r["number"]) if r.get("number") else None,
                  "date": str(r["date"]) if r.get("date") else None} for r in select_rows(store, _DOCUMENTS)]
    context = dict(active="home", stats=stats, departments=departments, sections=sections,
                   regions=regions, documents=documents, scope_label=scope_label, q=None)
    # Rendered per request: each response gets its own nonce.
    return lambda: _page("index.html", **context)


def _marked(text: str, q: str) -> list[tuple[str, bool]]:
    """``text`` split into (part, is_match) for highlighting; case-insensitive."""
    if not q:
        return [(text, False)]
    parts, low, needle, i = [], text.lower(), q.lower(), 0
    while True:
        j = low.find(needle, i)
        if j < 0:
            parts.append((text[i:], False))
            break
        if j > i:
            parts.append((text[i:j], False))
        parts.append((text[j:j + len(q)], True))
        i = j + len(q)
    return [p for p in parts if p[0]]


def _snippet(text: str, q: str, width: int = 60) -> str:
    j = text.lower().find(q.lower())
    if j < 0:
        return text[: 2 * width]
    start, end = max(j - width, 0), min(j + len(q) + width, len(text))
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")


def _roles(departments: dict[str, list[dict]]) -> list[tuple[str, list[tuple[str, str]]]]:
    """[(role label, [(department id, short name)])] in role order, for linked role lines."""
    return [(ROLE_STYLES[role].label, [(d["id"], d["short"] or d["name"] or d["id"]) for d in departments[role]])
            for role in ROLE_ORDER if departments.get(role)]


@router.get("/search-page", response_class=HTMLResponse, include_in_schema=False)
def search_page(request: Request, q: Annotated[str | None, Query(max_length=100)] = None):
    q = (q or "").strip()
    if not q:
        return _page("search.html", q=None, tasks=[], task_total=0, departments=[], targets=[], target_total=0,
                     regions=[])
    a = answers(request)
    needle = q.lower()
    # The hits of /api/v1/search (one pass over the texts), grouped by task; then only
    # the tasks shown are read: at 1,000 documents, reading every task's facts took minutes.
    hits = a.search(q, sources=False) if clean_text(q) else []
    by_task: dict[str, list[str]] = {}  # task id -> matching clause texts, in text order
    targets = []
    for hit in hits:
        task = hit["task"]
        if hit["kind"] == "target":
            targets.append({"surface": _marked(hit["text"], q),
                            "task": f"{task['label'] or ''}{task['title'] or ''}" if task else None})
        elif task is not None:
            clauses = by_task.setdefault(task["id"], [])
            if hit["kind"] == "clause":
                clauses.append(hit["text"])
    briefs = a.task_briefs(list(by_task)[:MAX_HITS])
    several = len(a.documents()) > 1
    tasks = []
    for task_id, texts in list(by_task.items())[:MAX_HITS]:
        brief = briefs.get(task_id)
        if brief is None:
            continue
        section = (brief["section"] or {}).get("number")
        tasks.append({
            "title": _marked(f"{brief['label'] or ''}{brief['title'] or ''}" or task_id, q),
            "roles": _roles(brief["departments"]),
            "snippets": [_marked(_snippet(text, q), q) for text in texts],
            "section_href": (f"/viz/section/{section}" + (f"?doc={quote(brief['document'], safe='')}"
                             if several and brief["document"] else "")) if section else None,
        })
    departments = []
    for d in a.department_table().values():
        names = [d["name"], d["short"], *d["aliases"]]
        if any(n and needle in n.lower() for n in names):
            short = d["short"] or d["name"] or d["id"]
            departments.append({"id": d["id"], "short": _marked(short, q),
                                "name_parts": _marked(d["name"], q) if d["name"] and d["name"] != short else None})
    departments.sort(key=lambda d: "".join(t for t, _ in d["short"]))
    table = a.region_table()
    matched = dict.fromkeys(iri for label, iri in a.region_index().items()
                            if needle in label.lower() and iri in table
                            and label not in (table[iri]["id"], table[iri]["code"]))
    regions = sorted(({"id": table[iri]["id"], "name": _marked(table[iri]["name"] or table[iri]["id"], q)}
                      for iri in matched), key=lambda r: r["id"])
    return _page("search.html", q=q, tasks=tasks, task_total=len(by_task), departments=departments,
                 targets=targets[:MAX_HITS], target_total=len(targets), regions=regions)
