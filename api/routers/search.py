"""``/api/v1/search``: Chinese substring search over task titles, clause texts and targets."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from fengong.queries import clean_text

from ..common import ERRORS, Limit, Offset, answers, cached, paged
from ..examples import SAMPLE, json_example
from ..problems import Problem

router = APIRouter(prefix="/api/v1/search", tags=["search"])


@router.get("", summary="Search tasks and targets", responses={**json_example("search"), **ERRORS},
            description="Task titles, clause texts and target texts containing ``q`` (case-insensitive; "
                        "full-width digits also find half-width ones), each with the offsets of the matches "
                        "in its text, its task and its source span.")
async def search(
    request: Request,
    q: Annotated[str, Query(min_length=1, max_length=200, description="Text to find.", examples=[SAMPLE["q"]])],
    limit: Limit = 100,
    offset: Offset = 0,
):
    a = answers(request)

    def compute():
        if not clean_text(q):
            raise Problem(422, "validation-error", "q is empty once spaces and invisible characters are removed.")
        return paged(request, a.search_page(q, offset, limit), limit, offset, "hits", {"q": q})

    return await cached(request, compute)
