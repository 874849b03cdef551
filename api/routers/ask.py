"""``/api/v1/ask``: questions in Chinese, answered from the graph with the SPARQL that ran."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from fengong.ask import FORMS, UnknownDepartment, UnknownQuestion, UnknownRegion, answer

from ..common import ERRORS, Limit, Offset, answers, cached, json_entry, page_headers
from ..examples import SAMPLE, json_example
from ..problems import Problem, problem_responses

router = APIRouter(prefix="/api/v1/ask", tags=["ask"])


@router.get("", summary="Ask a question in Chinese",
            responses={**json_example("ask"), **problem_responses(404), **ERRORS},
            description="Understood forms: " + "、".join(f"「{f}」" for f in FORMS) +
                        " (with or without 的, spaces, ？, 有哪些; any name or alias of a department). The answer "
                        "carries the result, a one-line summary and the SPARQL that produced it, with its "
                        "bindings written as a VALUES block so that it runs as it is at /sparql. A question "
                        "that is not understood is a 422 problem listing the forms. The list (tasks or targets) "
                        "comes in pages (limit, offset; total counts them all, the Link header names the next "
                        "page); the summary counts them all.")
async def ask(
    request: Request,
    q: Annotated[str, Query(min_length=1, max_length=200, description="The question.",
                            examples=[SAMPLE["question"], "哪些任务涉及杭州", "停车位的目标是多少"])],
    limit: Limit = 100,
    offset: Offset = 0,
):
    a = answers(request)

    def compute():
        try:
            found = answer(q, a, offset, limit)
            return json_entry(found, page_headers(request, found["answer"]["total"], limit, offset))
        except UnknownQuestion:
            raise Problem(422, "unparsed-question", f"The question “{q}” is not one of the forms understood: "
                          + "、".join(f"「{f}」" for f in FORMS) + ".", forms=list(FORMS)) from None
        except UnknownDepartment as exc:
            hint = f"; did you mean {'、'.join(exc.suggestions)}?" if exc.suggestions else "."
            raise Problem(404, "unknown-department", f"No department is called “{exc.name}”{hint}",
                          suggestions=exc.suggestions) from None
        except UnknownRegion as exc:
            hint = f"; did you mean {'、'.join(exc.suggestions)}?" if exc.suggestions else "."
            raise Problem(404, "unknown-region", f"No region is called “{exc.name}”{hint}",
                          suggestions=exc.suggestions) from None

    return await cached(request, compute)
