"""``/viz/…``: the interactive networks as self-contained HTML pages.

Each page is drawn from the graph in the store at request time (:mod:`fengong.views`),
inlines every asset (no request leaves the server) and is sent with a
Content-Security-Policy whose nonce matches its inline script and styles. An unknown
department, region or section is a 404 problem (JSON) naming close matches.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from fengong.scope import MANY_DOCUMENTS, document_year, whole_graph_scope
from fengong.store import Store
from fengong.views import (
    GraphFacts,
    NotFound,
    PanelItem,
    PanelSection,
    View,
    content_security_policy,
    coordination_view,
    department_view,
    new_nonce,
    region_view,
    render_html,
    responsibility_view,
    section_view,
)

from ..common import kept
from ..deps import get_store
from ..problems import Problem, problem_response, problem_responses

router = APIRouter(prefix="/viz", tags=["views"])

_HTML = {200: {"content": {"text/html": {}}, "description": "A self-contained HTML page (no external assets)."}}
_NOT_FOUND = problem_responses(404)
_KINDS = {"department": "unknown-department", "region": "unknown-region", "section": "not-found"}


def html_page(html: str, nonce: str, status: int = 200) -> HTMLResponse:
    """An HTML response with the headers every fengong page carries."""
    return HTMLResponse(html, status_code=status, headers=page_headers(nonce))


def page_headers(nonce: str) -> dict[str, str]:
    return {
        "Content-Security-Policy": content_security_policy(nonce),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-cache",
    }


#: Facts kept per generation: those of a year of a thousand documents take tens of MB.
_FACTS_KEPT = 4


def facts_of(request: Request, documents: tuple[str, ...] | None = None) -> GraphFacts:
    """Task (of ``documents``: ids, None for all), department and region details of the
    store's graph (the last few scopes asked, per generation)."""
    return kept(request, documents, lambda: GraphFacts.load(request.app.state.store, documents),
                  shelf="viz_facts", size=_FACTS_KEPT)


#: Above this many documents, a network asked for without ``?year=`` or ``?document=`` shows
#: the documents of the latest year (:func:`fengong.scope.whole_graph_scope`).
VIEW_DOCUMENTS = MANY_DOCUMENTS

ViewYear = Annotated[str | None, Query(
    pattern=r"^((19|20)[0-9]{2}(-(19|20)[0-9]{2})?|all)$", examples=["2023", "2021-2023", "all"],
    description=f"Only the documents of this year or span of years; ``all``: every document (the "
                f"default up to {VIEW_DOCUMENTS} documents; beyond, the latest year).")]
ViewDocument = Annotated[str | None, Query(max_length=200, description="Only this document (its id).")]


@dataclass(frozen=True)
class ViewScope:
    """The documents a network is drawn from and how the page says so."""

    documents: tuple[str, ...] | None  # ids; None: every document
    query: str  # what links to other views keep: "?year=2023", or ""
    label: str  # 文件范围, in Chinese
    years: tuple[int, ...]  # the years the store holds documents of
    total: int  # documents in the store


def view_scope(request: Request, year: str | None, document: str | None) -> ViewScope:
    """The documents of ``?year=`` / ``?document=`` (see :data:`VIEW_DOCUMENTS`)."""
    store = request.app.state.store
    ids: tuple[str, ...] = kept(request, "document_ids", lambda: tuple(store.document_ids()))
    years = tuple(sorted({y for y in map(document_year, ids) if y is not None}))
    try:
        scope = whole_graph_scope(ids, year, document, VIEW_DOCUMENTS)
    except ValueError as exc:
        raise Problem(422, "bad-year", str(exc)) from None
    params = scope.params()
    if year == "all" and len(ids) > VIEW_DOCUMENTS:
        params.append(("year", "all"))
    if scope.everything:
        return ViewScope(None, "?" + urlencode(params) if params else "", f"全部 {len(ids)} 份文件", years, len(ids))
    documents = tuple(d for d in ids if scope.covers(d))
    when = ""
    if scope.first_year is not None:
        when = f"{scope.first_year}年" if scope.first_year == scope.last_year else f"{scope.first_year}—{scope.last_year}年"
    label = f"{when}{'文件 ' + scope.document if scope.document else ''} {len(documents)} 份文件".strip()
    return ViewScope(documents, "?" + urlencode(params), label, years, len(ids))


def scoped_page(request: Request, key: tuple, scope: ViewScope, draw: Callable[[ViewScope], View]) -> HTMLResponse:
    """The page of the view ``draw(scope)`` draws (cached per generation and scope)."""
    return _render(scoped(kept(request, (*key, scope.documents), lambda: draw(scope)), scope))


def scoped(view: View, scope: ViewScope) -> View:
    """The view with its scope in the subtitle and, when the store holds several years, a
    panel section linking to each year (a copy: the drawn view is cached)."""
    if scope.total <= 1:
        return view
    items = [PanelItem(f"{y}年", href=f"{view.path}?year={y}") for y in scope.years]
    items.append(PanelItem("全部年份", href=f"{view.path}?year=all",
                           note="文件多时绘制较慢" if scope.total > VIEW_DOCUMENTS else None))
    section = PanelSection(f"文件范围:{scope.label}", items, anchor="scope")
    return dataclasses.replace(view, subtitle=f"{view.subtitle}(文件范围:{scope.label})",
                               panel=[*view.panel, section])


def _render(view: View) -> HTMLResponse:
    nonce = new_nonce()
    return html_page(render_html(view, nonce=nonce), nonce)


def not_found(request: Request, exc: NotFound) -> Response:
    """404 problem JSON with "did you mean" suggestions."""
    return problem_response(
        404, _KINDS.get(exc.kind, "not-found"), str(exc), instance=request.url.path,
        suggestions=[name for _, name in exc.suggestions],
        did_you_mean=[{"id": item_id, "name": name,
                       "href": f"/viz/{exc.kind}/{item_id}"} for item_id, name in exc.suggestions],
    )


StoreDep = Annotated[Store, Depends(get_store)]


@router.get("/responsibility", response_class=HTMLResponse, responses=_HTML,
            summary="Responsibility network (HTML)",
            description="Departments ↔ tasks, one edge per role (牵头 solid red, 配合 dashed blue, "
                        "共同负责 dotted purple, 落实 thin grey); tasks coloured by section.")
def responsibility(request: Request, store: StoreDep, year: ViewYear = None, document: ViewDocument = None):
    return scoped_page(request, ("responsibility",), view_scope(request, year, document),
                       lambda scope: responsibility_view(store, facts=facts_of(request, scope.documents),
                                                         documents=scope.documents, link_query=scope.query))


@router.get("/coordination", response_class=HTMLResponse, responses=_HTML,
            summary="Coordination network (HTML)",
            description="Department ↔ department, weighted by shared tasks; arrows point from lead to support.")
def coordination(request: Request, store: StoreDep, year: ViewYear = None, document: ViewDocument = None):
    return scoped_page(request, ("coordination",), view_scope(request, year, document),
                       lambda scope: coordination_view(store, facts=facts_of(request, scope.documents),
                                                       documents=scope.documents, link_query=scope.query))


@router.get("/department/{ref:path}", response_class=HTMLResponse, responses={**_HTML, **_NOT_FOUND},
            summary="One department's tasks and partners (HTML)",
            description="The department (id, name, short name or alias) with the tasks it leads, supports, "
                        "co-owns or implements, their clause text, and its partners.")
def department(request: Request, store: StoreDep,
               ref: Annotated[str, Path(max_length=200, examples=["省建设厅", "zj-housing"])],
               year: ViewYear = None, document: ViewDocument = None):
    try:
        return scoped_page(request, ("department", ref), view_scope(request, year, document),
                           lambda scope: department_view(store, ref, facts=facts_of(request, scope.documents),
                                                         documents=scope.documents, link_query=scope.query))
    except NotFound as exc:
        return not_found(request, exc)


@router.get("/section/{n}", response_class=HTMLResponse, responses={**_HTML, **_NOT_FOUND},
            summary="One section's tasks and units (HTML)")
def section(request: Request, store: StoreDep, n: Annotated[int, Path(ge=1, le=1000)],
            doc: Annotated[str | None, Query(max_length=100, description="document id")] = None):
    # One document's section reads that document only; without ?doc=, the documents of
    # the view's default scope (the latest year beyond VIEW_DOCUMENTS documents).
    scope = view_scope(request, None, doc)
    try:
        return _render(kept(request, ("section", n, doc, scope.documents),
                              lambda: section_view(store, n, doc, facts=facts_of(request, scope.documents),
                                                   documents=scope.documents)))
    except NotFound as exc:
        return not_found(request, exc)


@router.get("/region/{ref:path}", response_class=HTMLResponse, responses={**_HTML, **_NOT_FOUND},
            summary="Tasks naming a region (HTML)")
def region(request: Request, store: StoreDep,
           ref: Annotated[str, Path(max_length=200, examples=["杭州", "330100"])],
           year: ViewYear = None, document: ViewDocument = None):
    try:
        return scoped_page(request, ("region", ref), view_scope(request, year, document),
                           lambda scope: region_view(store, ref, facts=facts_of(request, scope.documents),
                                                     documents=scope.documents, link_query=scope.query))
    except NotFound as exc:
        return not_found(request, exc)


@router.get("/regions", response_class=HTMLResponse, responses=_HTML, summary="Every region and its tasks (HTML)")
def regions(request: Request, store: StoreDep, year: ViewYear = None, document: ViewDocument = None):
    return scoped_page(request, ("regions",), view_scope(request, year, document),
                       lambda scope: region_view(store, facts=facts_of(request, scope.documents),
                                                 documents=scope.documents, link_query=scope.query))
