"""The landing page ``/`` and the search page ``/search-page``, in Chinese, for people.

``/`` says what the graph holds (documents, departments, tasks, targets), lists the
departments with their lead/support counts (each a link to its page: the tasks it leads
and supports with their clause text, and its partners), and links to the views and to
``/docs``. ``/search-page?q=`` searches task titles and clause text, department names,
regions and targets, rendered on the server (no script). Every value is read from the
graph with SPARQL and HTML-escaped by the template engine.
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
from rdflib import Literal

from fengong.projections import responsibility_graph, select_rows
from fengong.store import Store
from fengong.views import GraphFacts, new_nonce
from fengong.views.common import role_index
from fengong.views.render import asset_text
from fengong.views.style import ROLE_ORDER, ROLE_STYLES

from ..deps import get_store
from .viz import cached, facts_of, html_page, view_scope

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

# ?q is bound by the store (initBindings / substitutions), never pasted into the text.
_TASK_HITS = """
SELECT DISTINCT ?taskId ?k ?text WHERE {
    ?task a fg:Task ; fg:id ?taskId .
    { ?task dct:title ?text BIND (0 AS ?k) }
    UNION
    { ?task fg:clause ?clause . ?clause fg:ordinal ?k ; fg:text ?text }
    FILTER (CONTAINS(LCASE(STR(?text)), LCASE(STR(?q))))
}
"""

_TARGET_HITS = """
SELECT DISTINCT ?target ?surface ?taskId WHERE {
    ?target a fg:Target ; fg:surface ?surface .
    OPTIONAL { ?target fg:metric ?metric }
    OPTIONAL { ?task fg:hasTarget ?target ; fg:id ?taskId }
    FILTER (CONTAINS(LCASE(STR(?surface)), LCASE(STR(?q))) || CONTAINS(LCASE(STR(COALESCE(?metric, ""))), LCASE(STR(?q))))
}
"""

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
    return cached(request, ("landing",), lambda: _landing(store, facts_of(request, scope.documents), label))()


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


def _roles(assigned: list[tuple[str, str]], facts: GraphFacts) -> list[tuple[str, list[tuple[str, str]]]]:
    """[(role label, [(department id, short name)])] in role order, for linked role lines."""
    out = []
    for role in ROLE_ORDER:
        depts = list(dict.fromkeys(d for d, r in assigned if r == role))
        if depts:
            out.append((ROLE_STYLES[role].label, [(d, facts.department_short(d)) for d in depts]))
    return out


@router.get("/search-page", response_class=HTMLResponse, include_in_schema=False)
def search_page(request: Request, store: Annotated[Store, Depends(get_store)],
                q: Annotated[str | None, Query(max_length=100)] = None):
    q = (q or "").strip()
    if not q:
        return _page("search.html", q=None, tasks=[], departments=[], targets=[], regions=[])
    facts = facts_of(request)
    needle = q.lower()

    departments = [
        {"id": d.id, "short": _marked(d.short, q), "name_parts": _marked(d.name, q) if d.name != d.short else None}
        for d in facts.departments.values()
        if any(needle in s.lower() for s in (d.name, d.short, *d.aliases))
    ]
    departments.sort(key=lambda d: "".join(t for t, _ in d["short"]))
    regions = [{"id": r.id, "name": _marked(r.name, q)} for r in facts.regions.values()
               if any(needle in s.lower() for s in (r.name, *r.aliases))]

    hits: dict[str, list[tuple[int, str]]] = {}
    for r in select_rows(store, _TASK_HITS, {"q": Literal(q)}):
        hits.setdefault(str(r["taskId"]), []).append((int(r["k"]), str(r["text"])))
    index = cached(request, "role_index", lambda: role_index(responsibility_graph(store)))
    several = len(facts.documents()) > 1
    tasks = []
    for task_id in sorted(hits, key=lambda t: (facts.tasks[t].document or "", facts.tasks[t].ordinal)
                          if t in facts.tasks else ("", 0))[:MAX_HITS]:
        task = facts.tasks.get(task_id)
        if task is None:
            continue
        assigned = [(d, role) for k in index.by_clause.get(task_id, {}) for d, role in index.by_clause[task_id][k]]
        snippets = [_marked(_snippet(text, q), q) for k, text in sorted(hits[task_id]) if k > 0]
        tasks.append({
            "title": _marked(task.label, q),
            "roles": _roles(assigned, facts),
            "snippets": snippets,
            "section_href": (f"/viz/section/{task.section}" + (f"?doc={quote(task.document, safe='')}"
                             if several and task.document else "")) if task.section else None,
        })
    targets = []
    for r in select_rows(store, _TARGET_HITS, {"q": Literal(q)})[:MAX_HITS]:
        task = facts.tasks.get(str(r["taskId"])) if r.get("taskId") is not None else None
        targets.append({"surface": _marked(str(r["surface"]), q), "task": task.label if task else None})
    return _page("search.html", q=q, tasks=tasks, departments=departments, targets=targets, regions=regions)
