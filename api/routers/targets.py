"""``/api/v1/targets``: the quantified targets (新增停车位10万个 …)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from ..common import ERRORS, Limit, Offset, answers, cached, department_or_404, paged
from ..examples import SAMPLE, json_example
from ..problems import problem_responses

router = APIRouter(prefix="/api/v1/targets", tags=["targets"])


@router.get("", summary="List targets", responses={**json_example("targets"), **problem_responses(404), **ERRORS},
            description="Targets with metric, value, unit, comparator, scope and period, the task they belong "
                        "to and their source span; filtered by a department (tasks it has any role in), a unit "
                        "as written (个, 公顷, %), a section number, or a word of the metric.")
async def list_targets(
    request: Request,
    department: Annotated[str | None, Query(description="Department id, name or alias.", max_length=200,
                                            examples=[SAMPLE["department"]])] = None,
    unit: Annotated[str | None, Query(description="Unit as written: 个, 公顷, 公里, % …", max_length=50,
                                      examples=["个"])] = None,
    section: Annotated[int | None, Query(ge=0, le=100_000, description="Section number (1 = 一、).")] = None,
    metric: Annotated[str | None, Query(description="A word of the metric or target text.", max_length=100,
                                        examples=["停车位"])] = None,
    limit: Limit = 100,
    offset: Offset = 0,
):
    a = answers(request)

    def compute():
        dept = department_or_404(a, department)["id"] if department is not None else None
        items = a.targets_page(dept, unit, section, metric if metric else None, offset, limit)
        extra = {"filters": {"department": dept, "unit": unit, "section": section, "metric": metric}}
        return paged(request, items, limit, offset, "targets", extra)

    return await cached(request, compute)
