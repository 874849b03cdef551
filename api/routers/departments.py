"""``/api/v1/departments``: who the departments are and what they are responsible for.

A ``{ref}`` is the department's canonical id (``zj-housing``), its full name
(浙江省住房和城乡建设厅), its short name (省建设厅) or any alias (省住建厅), URL-encoded;
an unregistered unit is found by the name it is written under. An unknown ref is a 404
problem naming the closest departments ("did you mean 省建设厅?").
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, FastAPI, Path, Query, Request

from fengong.queries import generation
from fengong.scope import Scope

from ..common import (
    ERRORS,
    AnswerCache,
    DocumentRef,
    Entry,
    Limit,
    Offset,
    Year,
    answers,
    cached,
    department_or_404,
    json_entry,
    page_entry,
    paged,
    scope_of,
)
from ..examples import SAMPLE, json_example
from ..problems import problem_responses

router = APIRouter(prefix="/api/v1/departments", tags=["departments"])

Ref = Annotated[str, Path(description="Department id, full name, short name or alias (URL-encoded).",
                          examples=[SAMPLE["department"], "省住建厅", "浙江省住房和城乡建设厅", "zj-housing"],
                          max_length=200)]
Role = Literal["lead", "support", "co_responsible", "implementer", "any"]
NOT_FOUND = problem_responses(404)


@router.get("", summary="List departments", responses={**json_example("departments"), **ERRORS},
            description="Every department in the graph with how many tasks it leads, supports, co-owns "
                        "(co_responsible) and implements; most tasks first.")
async def list_departments(request: Request, limit: Limit = 100, offset: Offset = 0):
    a = answers(request)
    return await cached(request, lambda: paged(request, a.departments(), limit, offset, "departments"))


@router.get("/{ref}", summary="One department", responses={**json_example("department"), **NOT_FOUND, **ERRORS},
            description="The department's names, aliases, kind, level, parent and task counts.")
async def get_department(request: Request, ref: Ref):
    a = answers(request)
    return await cached(request, lambda: json_entry(department_or_404(a, ref)))


@router.get("/{ref}/tasks", summary="Tasks of a department", responses={**json_example("department_tasks"), **NOT_FOUND, **ERRORS},
            description="The tasks for which the department has the role (``any``: every role; each task then "
                        "lists the department's roles), each with the clauses that assign it, their text and "
                        "source spans (character offsets into the document text).")
async def department_tasks(
    request: Request,
    ref: Ref,
    role: Annotated[Role, Query(description="lead (牵头), support (配合), co_responsible (共同负责), "
                                            "implementer (落实) or any.")] = "any",
    year: Year = None,
    document: DocumentRef = None,
    limit: Limit = 100,
    offset: Offset = 0,
):
    a = answers(request)
    root = request.scope.get("root_path", "")
    scope = scope_of(document, year)

    def compute():
        dept = department_or_404(a, ref)
        return department_tasks_entry(request.app, root, dept, role, limit, offset, scope)

    return await cached(request, compute)


def department_tasks_entry(app: FastAPI, root_path: str, dept: dict[str, Any], role: str, limit: int,
                           offset: int, scope: Scope = Scope()) -> Entry:
    """A page of a department's tasks (in the documents of ``scope``), kept under the
    department's id: every spelling of the department (id, names, aliases) shares it, and
    so does the warm-up (:mod:`fengong.api.warmup`). Its links name the department by id."""
    cache: AnswerCache = app.state.answer_cache
    gen = generation(app.state.store)
    key = department_tasks_key(root_path, dept["id"], role, limit, offset, scope)
    entry = cache.get(gen, key)
    if entry is None:
        tasks = app.state.answers.department_tasks_page(dept["id"], role, offset, limit, scope)  # this page only
        path = root_path + app.url_path_for("department_tasks", ref=dept["id"])
        extra: dict[str, Any] = {"department": dept, "role": role}
        extra.update(scope.params())
        entry = page_entry(path, [("role", role), *scope.params()], tasks, limit, offset, "tasks", extra)
        cache.put(gen, key, entry)
    return entry


def department_tasks_key(root_path: str, dept_id: str, role: str, limit: int, offset: int,
                         scope: Scope = Scope()) -> Hashable:
    return (root_path, "department-tasks", dept_id, role, limit, offset, scope)


@router.get("/{ref}/partners", summary="Partners of a department",
            responses={**json_example("department_partners"), **NOT_FOUND, **ERRORS},
            description="The departments that lead, support or co-own a task together with this one "
                        "(implementers named by a general rule are left out), with how many tasks and which.")
async def department_partners(request: Request, ref: Ref, year: Year = None, document: DocumentRef = None,
                              limit: Limit = 100, offset: Offset = 0):
    a = answers(request)
    scope = scope_of(document, year)

    def compute():
        dept = department_or_404(a, ref)
        return paged(request, a.partners(dept["id"], scope), limit, offset, "partners",
                     {"department": dept, **dict(scope.params())})

    return await cached(request, compute)
