"""``/api/v1/documents`` (read): the work plans in the graph. Uploads and deletions are
the ``write`` router's."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request

from ..common import ERRORS, Limit, Offset, Year, answers, cached, json_entry, paged, scope_of
from ..examples import SAMPLE, json_example
from ..problems import Problem, problem_responses

router = APIRouter(prefix="/api/v1/documents", tags=["documents"])


@router.get("", summary="List documents", responses={**json_example("documents"), **ERRORS},
            description="Every work plan: title, 发文字号, dates, issuer and number of tasks.")
async def list_documents(request: Request, year: Year = None, limit: Limit = 100, offset: Offset = 0):
    a = answers(request)
    scope = scope_of(None, year)
    return await cached(request, lambda: paged(request, [d for d in a.documents() if scope.covers(d["id"])],
                                               limit, offset, "documents"))


@router.get("/{doc_id}", summary="One document", responses={**json_example("document"), **problem_responses(404), **ERRORS},
            description="A document's metadata, sections with their tasks, document-level targets and regions, "
                        "and its full stored text (the text every span's offsets refer to).")
async def get_document(
    request: Request,
    doc_id: Annotated[str, Path(description="Document id.", max_length=200, examples=[SAMPLE["document"]])],
):
    a = answers(request)

    def compute():
        doc = a.document(doc_id)
        if doc is None:
            raise Problem(404, "unknown-document", f"No document has the id “{doc_id}”.")
        return json_entry(doc)

    return await cached(request, compute)
