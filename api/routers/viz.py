"""``/viz/…``: the interactive networks as self-contained HTML pages.

Each page is drawn from the graph in the store at request time (:mod:`fengong.views`),
inlines every asset (no request leaves the server) and is sent with a
Content-Security-Policy whose nonce matches its inline script and styles. An unknown
department, region or section is a 404 problem (JSON) naming close matches.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from fengong.queries import generation
from fengong.store import Store
from fengong.views import (
    GraphFacts,
    NotFound,
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

from ..deps import get_store
from ..problems import problem_response, problem_responses

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


_CACHE_SIZE = 64
_cache_lock = threading.Lock()


def cached(request: Request, key: Hashable, build: Callable[[], Any]) -> Any:
    """``build()`` once per store generation (a write invalidates everything): drawing a
    view reads the whole graph, rendering it again with a fresh nonce costs little."""
    store = request.app.state.store
    current = generation(store)
    with _cache_lock:
        entry = getattr(request.app.state, "viz_cache", None)
        if entry is None or entry[0] != current:
            entry = (current, OrderedDict())
            request.app.state.viz_cache = entry
        values = entry[1]
        if key in values:
            values.move_to_end(key)
            return values[key]
    value = build()
    with _cache_lock:
        values[key] = value
        while len(values) > _CACHE_SIZE:
            values.popitem(last=False)
    return value


def facts_of(request: Request) -> GraphFacts:
    """Task, department and region details of the store's graph (cached per generation)."""
    return cached(request, "facts", lambda: GraphFacts.load(request.app.state.store))


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
def responsibility(request: Request, store: StoreDep):
    return _render(cached(request, ("responsibility",),
                          lambda: responsibility_view(store, facts=facts_of(request))))


@router.get("/coordination", response_class=HTMLResponse, responses=_HTML,
            summary="Coordination network (HTML)",
            description="Department ↔ department, weighted by shared tasks; arrows point from lead to support.")
def coordination(request: Request, store: StoreDep):
    return _render(cached(request, ("coordination",), lambda: coordination_view(store, facts=facts_of(request))))


@router.get("/department/{ref:path}", response_class=HTMLResponse, responses={**_HTML, **_NOT_FOUND},
            summary="One department's tasks and partners (HTML)",
            description="The department (id, name, short name or alias) with the tasks it leads, supports, "
                        "co-owns or implements, their clause text, and its partners.")
def department(request: Request, store: StoreDep,
               ref: Annotated[str, Path(max_length=200, examples=["省建设厅", "zj-housing"])]):
    try:
        return _render(cached(request, ("department", ref),
                              lambda: department_view(store, ref, facts=facts_of(request))))
    except NotFound as exc:
        return not_found(request, exc)


@router.get("/section/{n}", response_class=HTMLResponse, responses={**_HTML, **_NOT_FOUND},
            summary="One section's tasks and units (HTML)")
def section(request: Request, store: StoreDep, n: Annotated[int, Path(ge=1, le=1000)],
            doc: Annotated[str | None, Query(max_length=100, description="document id")] = None):
    try:
        return _render(cached(request, ("section", n, doc),
                              lambda: section_view(store, n, doc, facts=facts_of(request))))
    except NotFound as exc:
        return not_found(request, exc)


@router.get("/region/{ref:path}", response_class=HTMLResponse, responses={**_HTML, **_NOT_FOUND},
            summary="Tasks naming a region (HTML)")
def region(request: Request, store: StoreDep,
           ref: Annotated[str, Path(max_length=200, examples=["杭州", "330100"])]):
    try:
        return _render(cached(request, ("region", ref), lambda: region_view(store, ref, facts=facts_of(request))))
    except NotFound as exc:
        return not_found(request, exc)


@router.get("/regions", response_class=HTMLResponse, responses=_HTML, summary="Every region and its tasks (HTML)")
def regions(request: Request, store: StoreDep):
    return _render(cached(request, ("regions",), lambda: region_view(store, facts=facts_of(request))))
