"""``/api/v1/tasks``: the numbered tasks of the work plans."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from ..common import ERRORS, Limit, Offset, Year, answers, cached, json_entry, paged, scope_of
from ..examples import SAMPLE, json_example
from ..problems import Problem, problem_responses

router = APIRouter(prefix="/api/v1/tasks", tags=["tasks"])


@router.get("", summary="List tasks", responses={**json_example("tasks"), **ERRORS},
            description="Every task with its section, source span and the departments in each role.")
async def list_tasks(
    request: Request,
    document: Annotated[str | None, Query(description="Only tasks of this document id.", max_length=200,
                                          examples=[SAMPLE["document"]])] = None,
    section: Annotated[int | None, Query(ge=0, le=100_000, description="Only tasks of this section number.")] = None,
    year: Year = None,
    limit: Limit = 100,
    offset: Offset = 0,
):
    a = answers(request)
    scope = scope_of(None, year)
    return await cached(request, lambda: paged(request, a.tasks_page(document, section, offset, limit, scope),
                                               limit, offset, "tasks"))


@router.get("/{task_id}", summary="One task", responses={**json_example("task"), **problem_responses(404), **ERRORS},
            description="A task with its clauses (text, attribution, assignments), assignments by role, "
                        "targets, regions, referenced documents and source spans.")
async def get_task(
    request: Request,
    task_id: Annotated[str, Path(description="Task id: {document id}-t{number}.", max_length=200,
                                 examples=[SAMPLE["task"]])],
):
    a = answers(request)

    def compute():
        task = a.task(task_id)
        if task is None:
            raise Problem(404, "unknown-task", f"No task has the id “{task_id}”; task ids look like {SAMPLE['task']}.")
        return json_entry(task)

    return await cached(request, compute)
