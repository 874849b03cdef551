"""``/api/v1/analysis``, ``/api/v1/exports`` and ``/api/v1/diff``: analytics, downloads for
Excel and WPS, and the comparison of two documents.

Every answer is computed from the store with SPARQL (:mod:`fengong.analysis`); the
endpoints are plain functions, so FastAPI runs them off the event loop.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from fengong.analysis import UnknownDocument, analysis_report, document_ids
from fengong.exports import MEDIA_TYPES, export

from ..deps import get_store

try:  # RFC 9457 problem details, when the API has them
    from ..problems import Problem, problem_responses
except ImportError:  # pragma: no cover - the problems module is written in parallel
    Problem = None  # type: ignore[assignment,misc]

    def problem_responses(*statuses: int) -> dict:  # type: ignore[misc]
        return {}


router = APIRouter(tags=["analysis"])

Document = Annotated[
    str | None,
    Query(description="Only this document id (default: every document in the store).", max_length=200,
          pattern=r"^[A-Za-z0-9._~-]+$"),
]
Top = Annotated[int, Query(ge=1, le=1000, description="Number of department pairs to list.")]


def _unknown(exc: UnknownDocument):
    detail = f"No document {exc.doc_id!r} in the store; known: {', '.join(exc.known) or 'none'}."
    if Problem is not None:
        return Problem(404, "unknown-document", detail, known=exc.known)
    from fastapi import HTTPException

    return HTTPException(404, detail)


def _run(request: Request, what: str, document: str | None, top: int = 10) -> dict:
    try:
        return analysis_report(get_store(request), what, document, top)
    except UnknownDocument as exc:
        raise _unknown(exc) from None


@router.get("/api/v1/analysis", summary="All analyses", responses=problem_responses(404),
            description="Workload per department, strongest coordination pairs, centrality, communities and "
                        "structure warnings, in one answer.")
def all_analyses(request: Request, document: Document = None, top: Top = 10):
    return _run(request, "all", document, top)


@router.get("/api/v1/analysis/workload", summary="Workload per department", responses=problem_responses(404),
            description="Per department: tasks led (牵头), supported (配合), co-owned (负责), implemented by a "
                        "general rule (落实), tasks with any explicit role, clauses led and targets answered for; "
                        "busiest first. Each figure can be recounted from the responsibility matrix.")
def workload(request: Request, document: Document = None):
    return _run(request, "workload", document)


@router.get("/api/v1/analysis/coordination", summary="Coordination network", responses=problem_responses(404),
            description="The department pairs that share most tasks (with the tasks), degree, weighted degree "
                        "and betweenness of each department in the coordination network, and its communities "
                        "(seeded Louvain, stable output).")
def coordination(request: Request, document: Document = None, top: Top = 10):
    return _run(request, "coordination", document, top)


@router.get("/api/v1/analysis/warnings", summary="Structure warnings", responses=problem_responses(404),
            description="Tasks with no lead, tasks with several leads, departments that only ever support, and "
                        "targets with no responsible unit.")
def warnings(request: Request, document: Document = None):
    return _run(request, "warnings", document)


def _download(request: Request, what: str, fmt: str, document: str | None) -> Response:
    store = get_store(request)
    try:
        data = export(what, fmt, store, document)
    except UnknownDocument as exc:
        raise _unknown(exc) from None
    stem = {"matrix": "任务分工表", "targets": "目标指标"}[what]
    ascii_stem = {"matrix": "responsibility-matrix", "targets": "targets"}[what]
    suffix = f"-{document}" if document else ""
    filename = f"{stem}{suffix}.{fmt}"
    # RFC 6266: an ASCII fallback plus the UTF-8 name (RFC 8187) for browsers that read it.
    disposition = f"attachment; filename=\"{ascii_stem}{suffix}.{fmt}\"; filename*=UTF-8''{quote(filename)}"
    return Response(data, media_type=MEDIA_TYPES[fmt], headers={"Content-Disposition": disposition})


_DOWNLOAD = {
    200: {"description": "The file", "content": {MEDIA_TYPES["xlsx"]: {}, MEDIA_TYPES["csv"].split(";")[0]: {}}},
    **problem_responses(404),
}


@router.get("/api/v1/exports/matrix.xlsx", summary="Responsibility matrix (Excel)", responses=_DOWNLOAD,
            response_class=Response,
            description="The task × department matrix (任务分工表) as a workbook: tasks in rows with section and "
                        "title, departments in columns, cells 牵头 / 负责 / 配合 / 落实; frozen header, filters.")
def matrix_xlsx(request: Request, document: Document = None):
    return _download(request, "matrix", "xlsx", document)


@router.get("/api/v1/exports/matrix.csv", summary="Responsibility matrix (CSV)", responses=_DOWNLOAD,
            response_class=Response, description="The task × department matrix as CSV (UTF-8 with BOM).")
def matrix_csv(request: Request, document: Document = None):
    return _download(request, "matrix", "csv", document)


@router.get("/api/v1/exports/targets.xlsx", summary="Targets (Excel)", responses=_DOWNLOAD, response_class=Response,
            description="Every target with its task, responsible units, value, unit, comparator, scope, period.")
def targets_xlsx(request: Request, document: Document = None):
    return _download(request, "targets", "xlsx", document)


@router.get("/api/v1/exports/targets.csv", summary="Targets (CSV)", responses=_DOWNLOAD, response_class=Response,
            description="Every target as CSV (UTF-8 with BOM).")
def targets_csv(request: Request, document: Document = None):
    return _download(request, "targets", "csv", document)


@router.get("/api/v1/analysis/matrix", summary="Responsibility matrix (JSON)", responses=problem_responses(404),
            description="The task × department matrix as JSON: departments (columns) and rows with each "
                        "department's roles in the task.")
def matrix_json(request: Request, document: Document = None):
    from fengong.analysis import responsibility_matrix

    try:
        return responsibility_matrix(get_store(request), document).to_dict()
    except UnknownDocument as exc:
        raise _unknown(exc) from None


DocId = Annotated[str, Query(description="Document id.", min_length=1, max_length=200,
                             pattern=r"^[A-Za-z0-9._~-]+$")]


@router.get("/api/v1/diff", summary="Compare two documents", responses={
    200: {"description": "The comparison (JSON), or its change records as Turtle",
          "content": {"application/json": {}, "text/turtle": {}}},
    **problem_responses(400, 404)},
    description="Compare document `a` (earlier) with `b` (later) of one series: tasks matched by content, "
                "added, removed and modified; per department the responsibilities gained and lost; targets "
                "changed. With `Accept: text/turtle`, the typed change records (fg:Change) instead.")
def diff(request: Request, a: DocId, b: DocId,
         threshold: Annotated[float, Query(gt=0, le=1, description="Lowest similarity of a task match.")] = 0.4):
    from fengong.diff import change_graph, diff_documents

    store = get_store(request)
    known = document_ids(store)
    for ref in (a, b):
        if ref not in known:
            raise _unknown(UnknownDocument(ref, known))
    if a == b:
        detail = "a and b are the same document"
        if Problem is not None:
            raise Problem(400, "bad-request", detail)
        from fastapi import HTTPException

        raise HTTPException(400, detail)
    result = diff_documents(store, a, b, threshold=threshold)
    if "text/turtle" in request.headers.get("accept", ""):
        body = change_graph(result, store.base).serialize(format="turtle")
        return Response(body, media_type="text/turtle; charset=utf-8")
    return JSONResponse(result.to_dict())
