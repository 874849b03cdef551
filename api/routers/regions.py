"""``/api/v1/regions``: the places the tasks mention."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request

from ..common import ERRORS, Limit, Offset, answers, cached, json_entry, paged, region_or_404
from ..examples import SAMPLE, json_example
from ..problems import problem_responses

router = APIRouter(prefix="/api/v1/regions", tags=["regions"])

Ref = Annotated[str, Path(description="Region id (GB/T 2260 code or slug), name or alias.", max_length=200,
                          examples=[SAMPLE["region"], "330100", "杭绍"])]


@router.get("", summary="List regions", responses={**json_example("regions"), **ERRORS},
            description="Regions mentioned by tasks: code, level, parent, members and number of tasks.")
async def list_regions(request: Request, limit: Limit = 100, offset: Offset = 0):
    a = answers(request)
    return await cached(request, lambda: paged(request, a.regions(), limit, offset, "regions"))


@router.get("/{ref}", summary="One region", responses={**problem_responses(404), **ERRORS})
async def get_region(request: Request, ref: Ref):
    a = answers(request)
    return await cached(request, lambda: json_entry(region_or_404(a, ref)))


@router.get("/{ref}/tasks", summary="Tasks that concern a region",
            responses={**json_example("region_tasks"), **problem_responses(404), **ERRORS},
            description="Tasks that mention the region, a group or composite it belongs to (杭绍 for 杭州), "
                        "or a place within it; each mention with its source span.")
async def region_tasks(request: Request, ref: Ref, limit: Limit = 100, offset: Offset = 0):
    a = answers(request)

    def compute():
        region = region_or_404(a, ref)
        return paged(request, a.region_tasks_page(region["id"], offset, limit), limit, offset, "tasks",
                     {"region": region})

    return await cached(request, compute)
