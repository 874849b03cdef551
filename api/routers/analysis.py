"""``/api/v1/analysis``, ``/api/v1/exports`` and ``/api/v1/diff``: analytics, downloads for
Excel and WPS, and the comparison of two documents.

Every answer is computed from the store with SPARQL (:mod:`fengong.analysis`) and kept in
the answer cache for the store's generation, like the REST answers: one computation per
question however many clients ask, and a 503 problem past the answer deadline while it
goes on in the background (the next request gets it). An analysis or export asked for
without ``document`` or ``year`` covers every document, or the latest year's when the
store holds more than 50 (:func:`fengong.scope.whole_graph_scope`; ``year=all`` for every
document: minutes at 1,000 documents).
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import Response

from fengong.analysis import UnknownDocument, analysis_report, document_ids
from fengong.analysis.facts import Facts, read_facts
from fengong.exports import MEDIA_TYPES, export
from fengong.scope import MANY_DOCUMENTS, Scope, whole_graph_scope

from ..common import Entry, cache_key, cached, json_entry, kept
from ..deps import get_store
from ..problems import Problem, problem_responses

router = APIRouter(tags=["analysis"])

Document = Annotated[
    str | None,
    Query(description="Only this document id.", max_length=200, pattern=r"^[A-Za-z0-9._~-]+$"),
]
Year = Annotated[str | None, Query(
    pattern=r"^((19|20)[0-9]{2}(-(19|20)[0-9]{2})?|all)$", examples=["2023", "2021-2023", "all"],
    description=f"Only the documents of this year or span of years (the year in the document id); ``all``: "
                f"every document. Without it or ``document``: every document up to {MANY_DOCUMENTS}, "
                f"beyond that the latest year's.")]
Top = Annotated[int, Query(ge=1, le=1000, description="Number of department pairs to list.")]


def _unknown(exc: UnknownDocument) -> Problem:
    known = list(exc.known)
    shown = ", ".join(known[:20]) + (f" … ({len(known)} in all)" if len(known) > 20 else "")
    return Problem(404, "unknown-document", f"No document {exc.doc_id!r} in the store; known: {shown or 'none'}.",
                   known=known[:100])


def _documents(request: Request, document: str | None, year: str | None) -> tuple[list[str] | None, dict]:
    """The document ids an answer covers (None: every document) and how to say so."""
    known = document_ids(get_store(request))
    try:
        scope: Scope = whole_graph_scope(known, year, document, MANY_DOCUMENTS)
    except ValueError as exc:
        raise Problem(422, "bad-year", str(exc)) from None
    if scope.document is not None and scope.document not in known:
        raise _unknown(UnknownDocument(scope.document, known))
    params = dict(scope.params())
    described = {"document": params.get("document"), "year": params.get("year"), "total_documents": len(known)}
    if scope.everything:
        return None, described
    return [d for d in known if scope.covers(d)], described


#: Facts kept per generation for the analyses and exports (those of a year of 1,000
#: documents: some 6 s to read, tens of MB).
_FACTS_KEPT = 2


def _facts(request: Request, documents: list[str] | None) -> Facts:
    """The facts of ``documents`` (None: all), shared by the analyses and exports of a scope."""
    key = tuple(documents) if documents is not None else None
    return kept(request, key, lambda: read_facts(get_store(request), documents), shelf="analysis_facts",
                size=_FACTS_KEPT)


async def _report(request: Request, what: str, document: str | None, year: str | None, top: int = 10):
    def compute() -> Entry:
        documents, scope = _documents(request, document, year)
        report = analysis_report(_facts(request, documents), what, top=top)
        return json_entry({"scope": scope, **jsonable_encoder(report)})

    return await cached(request, compute, heavy=True)


@router.get("/api/v1/analysis", summary="All analyses", responses=problem_responses(404, 422, 503),
            description="Workload per department, strongest coordination pairs, centrality, communities and "
                        "structure warnings, in one answer.")
async def all_analyses(request: Request, document: Document = None, year: Year = None, top: Top = 10):
    return await _report(request, "all", document, year, top)


@router.get("/api/v1/analysis/workload", summary="Workload per department",
            responses=problem_responses(404, 422, 503),
            description="Per department: tasks led (牵头), supported (配合), co-owned (负责), implemented by a "
                        "general rule (落实), tasks with any explicit role, clauses led and targets answered for; "
                        "busiest first. Each figure can be recounted from the responsibility matrix.")
async def workload(request: Request, document: Document = None, year: Year = None):
    return await _report(request, "workload", document, year)


@router.get("/api/v1/analysis/coordination", summary="Coordination network",
            responses=problem_responses(404, 422, 503),
            description="The department pairs that share most tasks (with the tasks), degree, weighted degree "
                        "and betweenness of each department in the coordination network, and its communities "
                        "(seeded Louvain, stable output).")
async def coordination(request: Request, document: Document = None, year: Year = None, top: Top = 10):
    return await _report(request, "coordination", document, year, top)


@router.get("/api/v1/analysis/warnings", summary="Structure warnings", responses=problem_responses(404, 422, 503),
            description="Tasks with no lead, tasks with several leads, departments that only ever support, and "
                        "targets with no responsible unit.")
async def warnings(request: Request, document: Document = None, year: Year = None):
    return await _report(request, "warnings", document, year)


async def _download(request: Request, what: str, fmt: str, document: str | None, year: str | None):
    def compute() -> Entry:
        documents, scope = _documents(request, document, year)
        data = export(what, fmt, _facts(request, documents))
        stem = {"matrix": "任务分工表", "targets": "目标指标"}[what]
        ascii_stem = {"matrix": "responsibility-matrix", "targets": "targets"}[what]
        suffix = "".join(f"-{scope[k]}" for k in ("document", "year") if scope[k])
        filename = f"{stem}{suffix}.{fmt}"
        # RFC 6266: an ASCII fallback plus the UTF-8 name (RFC 8187) for browsers that read it.
        disposition = f"attachment; filename=\"{ascii_stem}{suffix}.{fmt}\"; filename*=UTF-8''{quote(filename)}"
        return Entry(data, MEDIA_TYPES[fmt], headers={"Content-Disposition": disposition})

    return await cached(request, compute, heavy=True)


_DOWNLOAD = {
    200: {"description": "The file", "content": {MEDIA_TYPES["xlsx"]: {}, MEDIA_TYPES["csv"].split(";")[0]: {}}},
    **problem_responses(404, 422, 503),
}


@router.get("/api/v1/exports/matrix.xlsx", summary="Responsibility matrix (Excel)", responses=_DOWNLOAD,
            response_class=Response,
            description="The task × department matrix (任务分工表) as a workbook: tasks in rows with section and "
                        "title, departments in columns, cells 牵头 / 负责 / 配合 / 落实; frozen header, filters.")
async def matrix_xlsx(request: Request, document: Document = None, year: Year = None):
    return await _download(request, "matrix", "xlsx", document, year)


@router.get("/api/v1/exports/matrix.csv", summary="Responsibility matrix (CSV)", responses=_DOWNLOAD,
            response_class=Response, description="The task × department matrix as CSV (UTF-8 with BOM).")
async def matrix_csv(request: Request, document: Document = None, year: Year = None):
    return await _download(request, "matrix", "csv", document, year)


@router.get("/api/v1/exports/targets.xlsx", summary="Targets (Excel)", responses=_DOWNLOAD,
            response_class=Response,
            description="Every target with its task, responsible units, value, unit, comparator, scope, period.")
async def targets_xlsx(request: Request, document: Document = None, year: Year = None):
    return await _download(request, "targets", "xlsx", document, year)


@router.get("/api/v1/exports/targets.csv", summary="Targets (CSV)", responses=_DOWNLOAD,
            response_class=Response, description="Every target as CSV (UTF-8 with BOM).")
async def targets_csv(request: Request, document: Document = None, year: Year = None):
    return await _download(request, "targets", "csv", document, year)


@router.get("/api/v1/analysis/matrix", summary="Responsibility matrix (JSON)",
            responses=problem_responses(404, 422, 503),
            description="The task × department matrix as JSON: departments (columns) and rows with each "
                        "department's roles in the task.")
async def matrix_json(request: Request, document: Document = None, year: Year = None):
    from fengong.analysis import responsibility_matrix

    def compute() -> Entry:
        documents, scope = _documents(request, document, year)
        matrix = responsibility_matrix(_facts(request, documents))
        return json_entry({"scope": scope, **jsonable_encoder(matrix.to_dict())})

    return await cached(request, compute, heavy=True)


DocId = Annotated[str, Query(description="Document id.", min_length=1, max_length=200,
                             pattern=r"^[A-Za-z0-9._~-]+$")]


@router.get("/api/v1/diff", summary="Compare two documents", responses={
    200: {"description": "The comparison (JSON), or its change records as Turtle",
          "content": {"application/json": {}, "text/turtle": {}}},
    **problem_responses(400, 404, 503)},
    description="Compare document `a` (earlier) with `b` (later) of one series: tasks matched by content, "
                "added, removed and modified; per department the responsibilities gained and lost; targets "
                "changed. With `Accept: text/turtle`, the typed change records (fg:Change) instead.")
async def diff(request: Request, a: DocId, b: DocId,
               threshold: Annotated[float, Query(gt=0, le=1, description="Lowest similarity of a task match.")] = 0.4):
    from fengong.diff import change_graph, diff_documents

    turtle = "text/turtle" in request.headers.get("accept", "")

    def compute() -> Entry:
        store = get_store(request)
        known = document_ids(store)
        for ref in (a, b):
            if ref not in known:
                raise _unknown(UnknownDocument(ref, known))
        if a == b:
            raise Problem(400, "bad-request", "a and b are the same document")
        result = diff_documents(store, a, b, threshold=threshold)
        if turtle:
            body = change_graph(result, store.base).serialize(format="turtle").encode("utf-8")
            return Entry(body, "text/turtle; charset=utf-8")
        return json_entry(jsonable_encoder(result.to_dict()))

    return await cached(request, compute, key=cache_key(request, turtle), heavy=True)
