"""A small Chinese question grammar for people who do not write queries.

Understood forms (with or without 的, spaces, ？/?, 有哪些, 了; any name or alias of a
department; full-width or half-width characters):

- 「X牵头哪些任务」 (lead), 「X配合哪些任务」 (support), 「X负责哪些任务」 (any role),
  「X落实哪些任务」 (implementer), 「X共同负责哪些任务」 (co-responsible);
  also 「X牵头的任务有哪些」「哪些任务由X牵头」「X有哪些牵头任务」;
- with years: 「X2023年牵头哪些任务」「2021年至2023年X牵头了哪些任务」 (documents of those years);
- 「X和Y共同负责哪些任务」 (and 与/及/、/同/跟; tasks both have a role in);
- 「哪些任务涉及杭州」「涉及杭州的任务有哪些」 (a region, its groups and the places in it);
- 「停车位的目标是多少」「新增绿地的指标」 (targets whose metric contains the words).

:func:`parse` turns a question into a :class:`Question`; :func:`answer` runs the named query
of :mod:`fengong.queries` behind it and returns the result together with the SPARQL it ran,
its bindings shown as a ``VALUES`` block so that the query can be rerun as it is.

>>> parse("省建设厅牵头哪些任务？")
Question(form='department_tasks', role='lead', departments=('省建设厅',), region=None, metric=None, years=None)
>>> parse("省建设厅2021年至2023年牵头了哪些任务").years
(2021, 2023)
>>> parse("哪些任务 涉及 杭州?").region
'杭州'
>>> parse("停车位的目标是多少").metric
'停车位'
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from rdflib import Literal, URIRef

from fengong.queries import QUERIES, Answers, inline_bindings
from fengong.scope import Scope

__all__ = ["Question", "UnknownQuestion", "UnknownDepartment", "UnknownRegion", "parse", "answer", "FORMS"]

#: The forms understood, as examples (what an unparsed question is told).
FORMS = (
    "省建设厅牵头哪些任务",
    "省建设厅配合哪些任务",
    "省建设厅负责哪些任务",
    "省建设厅2021年至2023年牵头哪些任务",
    "省发改委和杭州市共同负责哪些任务",
    "哪些任务涉及杭州",
    "停车位的目标是多少",
)

_VERBS = {
    "牵头": "lead",
    "主抓": "lead",
    "配合": "support",
    "协助": "support",
    "协同": "support",
    "负责": "any",
    "承担": "any",
    "参与": "any",
    "落实": "implementer",
}
_VERB = "|".join(sorted(_VERBS, key=len, reverse=True))
_TOGETHER = "共同|一起|一同|都|同时"
_WHICH = r"(?:哪些|什么|哪几项|哪几个|哪项|哪个)"
_TASK = r"(?:工作)?任务"
_SEPARATORS = "和与及、同跟,"

_DEPARTMENT_FORMS = [
    # X(和Y)(共同)牵头(了)(的)哪些任务(有哪些)
    re.compile(rf"^(?P<x>.+?)(?:的)?(?P<together>{_TOGETHER})?(?P<verb>{_VERB})(?:了)?(?:的)?{_WHICH}{_TASK}(?:有哪些)?$"),
    # X牵头的任务(有哪些|是什么|都有哪些|包括哪些)
    re.compile(rf"^(?P<x>.+?)(?P<together>{_TOGETHER})?(?P<verb>{_VERB})(?:了)?的{_TASK}(?:都?有哪些|是什么|都?有什么|包括哪些|有几项|)$"),
    # 哪些任务由X(和Y)(共同)牵头
    re.compile(rf"^{_WHICH}{_TASK}(?:是)?由(?P<x>.+?)(?P<together>{_TOGETHER})?(?P<verb>{_VERB})(?:的)?$"),
    # X有哪些牵头任务
    re.compile(rf"^(?P<x>.+?)有{_WHICH}(?P<together>{_TOGETHER})?(?P<verb>{_VERB})(?:的)?{_TASK}$"),
]
_REGION_FORMS = [
    re.compile(rf"^{_WHICH}{_TASK}(?:涉及到?|关于|提到|提及|涉及|针对|在)(?P<r>.+?)(?:的)?$"),
    re.compile(rf"^(?:涉及到?|关于|提到|提及|针对)(?P<r>.+?)的{_TASK}(?:都?有哪些|是什么|有什么|)$"),
    re.compile(rf"^(?P<r>.+?)(?:涉及|有){_WHICH}{_TASK}$"),
]
_TARGET_FORMS = [
    re.compile(r"^(?:关于)?(?P<m>.+?)(?:的)?(?:目标值|目标任务|目标|指标)(?:是|为|要|要求|达到)?(?:多少|什么|几|哪些|有哪些|有多少|)$"),
    re.compile(r"^(?P<m>.+?)(?:要|计划)?(?:达到|新增|建设|完成)?多少$"),
]

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_END = "?？。.!！~～"


@dataclass(frozen=True)
class Question:
    """A parsed question: ``form`` names the answer; the other fields are its parameters."""

    form: str  # department_tasks | common_tasks | region_tasks | targets
    role: str | None = None
    departments: tuple[str, ...] = ()
    region: str | None = None
    metric: str | None = None
    years: tuple[int, int] | None = None  # department_tasks: documents of these years only


class UnknownQuestion(ValueError):
    """The question matches none of the forms; ``FORMS`` lists them."""

    forms = FORMS


class UnknownDepartment(LookupError):
    def __init__(self, name: str, suggestions: list[str]) -> None:
        hint = f"; did you mean {'、'.join(suggestions)}?" if suggestions else ""
        super().__init__(f"unknown department {name!r}{hint}")
        self.name = name
        self.suggestions = suggestions


class UnknownRegion(LookupError):
    def __init__(self, name: str, suggestions: list[str]) -> None:
        hint = f"; did you mean {'、'.join(suggestions)}?" if suggestions else ""
        super().__init__(f"unknown region {name!r}{hint}")
        self.name = name
        self.suggestions = suggestions


def normalize_question(text: str) -> str:
    """NFKC, no zero-width characters or spaces, no final ?/。/!, no 请问/一下.

    >>> normalize_question(" 请问 省建设厅\\u200b 牵头哪些任务？ ")
    '省建设厅牵头哪些任务'
    """
    s = unicodedata.normalize("NFKC", text or "").translate(_ZERO_WIDTH)
    s = "".join(ch for ch in s if not ch.isspace())
    s = s.strip(_END)
    for prefix in ("请问", "请告诉我", "查询", "我想知道"):
        if s.startswith(prefix):
            s = s[len(prefix):]
    return s.replace("一下", "").strip(_END + ",")


def parse(text: str, known: Callable[[str], bool] | None = None) -> Question:
    """The :class:`Question` a text asks, or :class:`UnknownQuestion`.

    ``known(name)`` tells whether a name is a department; it decides how 「X和Y」 splits,
    since names such as 住房和城乡建设厅 contain 和 (without it: at the last separator).

    >>> parse("省住房和城乡建设厅和省发改委共同负责哪些任务", known=lambda n: n in ("省住房和城乡建设厅", "省发改委")).departments
    ('省住房和城乡建设厅', '省发改委')
    """
    s = normalize_question(text)
    if not s or len(s) > 200:
        raise UnknownQuestion(text)
    years, rest = _years(s)
    if years is not None:
        try:
            question = parse(rest, known)
        except UnknownQuestion:
            question = None
        if question is not None and question.form == "department_tasks":
            return replace(question, years=years)
    for pattern in _DEPARTMENT_FORMS:
        m = pattern.match(s)
        if m:
            x = m.group("x").strip(_SEPARATORS + "的")
            if not x:
                continue
            role = _VERBS[m.group("verb")]
            parts = split_departments(x, known)
            if len(parts) >= 2:
                return Question("common_tasks", "any", tuple(parts))
            if m.group("together") == "共同" and role == "any":
                role = "co_responsible"
            return Question("department_tasks", role, (x,))
    for pattern in _REGION_FORMS:
        m = pattern.match(s)
        if m and m.group("r").strip("的"):
            return Question("region_tasks", region=m.group("r").strip("的"))
    for pattern in _TARGET_FORMS:
        m = pattern.match(s)
        if m:
            metric = m.group("m").strip("的")
            if metric and metric not in ("任务", "哪些", "什么"):
                return Question("targets", metric=metric)
    raise UnknownQuestion(text)


_YEARS = re.compile(r"(?:在)?((?:19|20)[0-9]{2})年?(?:(?:至|到|-|—|–|~)((?:19|20)[0-9]{2})年?)?(?:期间|间|度)?")


def _years(s: str) -> tuple[tuple[int, int] | None, str]:
    """The years a question names (「2023年」, 「2021年至2023年」) and the question without them.

    >>> _years("省建设厅2021年至2023年牵头了哪些任务")
    ((2021, 2023), '省建设厅牵头了哪些任务')
    >>> _years("省建设厅牵头哪些任务")
    (None, '省建设厅牵头哪些任务')
    """
    found = _YEARS.search(s)
    if found is None:
        return None, s
    first = int(found.group(1))
    last = int(found.group(2) or first)
    if last < first:
        first, last = last, first
    return (first, last), (s[:found.start()] + s[found.end():]).strip(_SEPARATORS + "的")


def split_departments(x: str, known: Callable[[str], bool] | None = None) -> list[str]:
    """「X和Y」 as two names: the whole if ``known`` accepts it, else the first split whose
    two sides ``known`` accepts, else the split at the last separator.

    >>> split_departments("省建设厅、省发改委")
    ['省建设厅', '省发改委']
    """
    points = [i for i, ch in enumerate(x) if ch in _SEPARATORS and 0 < i < len(x) - 1]
    if not points:
        return [x]
    if known is not None:
        if known(x):
            return [x]
        for i in points:
            left, right = x[:i].strip(_SEPARATORS), x[i + 1:].strip(_SEPARATORS)
            if left and right and known(left) and known(right):
                return [left, right]
    i = points[-1]
    return [x[:i].strip(_SEPARATORS), x[i + 1:].strip(_SEPARATORS)]


def _resolve_departments(answers: Answers, names: tuple[str, ...]) -> list[dict[str, Any]]:
    out = []
    for name in names:
        found = answers.resolve_department(name)
        if found is None:
            raise UnknownDepartment(name, answers.suggest_departments(name))
        out.append(found)
    return out


def _brief(dept: dict[str, Any]) -> dict[str, Any]:
    return {k: dept.get(k) for k in ("id", "name", "short")}


def answer(text: str, answers: Answers, offset: int = 0, limit: int | None = None) -> dict[str, Any]:
    """Parse a question and answer it from the graph.

    Returns ``{"question", "form", "parsed", "answer", "summary", "query", "sparql",
    "bindings"}``: ``sparql`` is the query run with its bindings inlined as ``VALUES``.
    ``answer`` holds the list (tasks or targets) from ``offset``, at most ``limit`` items
    (None: all), with ``total``, ``offset`` and ``limit``; the summary counts them all.
    Raises :class:`UnknownQuestion`, :class:`UnknownDepartment` or :class:`UnknownRegion`.
    """
    end = None if limit is None else offset + limit

    def page(items: Sequence[Any]) -> list[Any]:
        return list(items[offset:end])

    question = parse(text, known=lambda name: answers.resolve_department(name) is not None)
    if question.form in ("department_tasks", "common_tasks"):
        depts = _resolve_departments(answers, question.departments)
    if question.form == "department_tasks":
        dept = depts[0]
        role = question.role or "any"
        query = QUERIES["department_tasks"]
        bindings = answers.department_tasks_bindings(dept["iri"], role)
        scope, when = Scope(), ""
        if question.years is not None:
            first, last = question.years
            scope = Scope(first_year=first, last_year=last)
            query = QUERIES["department_tasks_in_years"]
            bindings.update(first=Literal(first), last=Literal(last))
            when = f"{first}年" if first == last else f"{first}—{last}年"
        # A page reads only its tasks in full: at 1,000 documents a department leads
        # hundreds, and the whole list is megabytes.
        if limit is None:
            tasks = [t for t in answers.department_tasks(dept["id"], role) if scope.covers(t.get("document"))]
        else:
            tasks = answers.department_tasks_page(dept["id"], role, offset, limit, scope)
        result = {"department": dept, "role": role, "tasks": page(tasks)}
        if question.years is not None:
            result["year"] = dict(scope.params())["year"]
        verb = {"lead": "牵头", "support": "配合", "co_responsible": "共同负责", "implementer": "落实", "any": "负责"}[role]
        summary = (f"{dept['short'] or dept['name']}{when}{verb}{len(tasks)}项任务"
                   + _listing(result["tasks"], len(tasks)))
    elif question.form == "common_tasks":
        first, second = depts[0], depts[1]
        query = QUERIES["common_tasks"]
        bindings = {"first": URIRef(first["iri"]), "second": URIRef(second["iri"])}
        tasks = answers.common_tasks(first["id"], second["id"])
        result = {"departments": [_brief(first), _brief(second)], "tasks": page(tasks)}
        summary = (f"{first['short'] or first['name']}和{second['short'] or second['name']}"
                   f"共同负责{len(tasks)}项任务" + _listing(result["tasks"], len(tasks)))
    elif question.form == "region_tasks":
        region = answers.resolve_region(question.region or "")
        if region is None:
            raise UnknownRegion(question.region or "", answers.suggest_regions(question.region or ""))
        query = QUERIES["region_tasks"]
        bindings = {"region": URIRef(region["iri"])}
        tasks = answers.region_tasks(region["id"])
        result = {"region": region, "tasks": page(tasks)}
        summary = f"涉及{region['name']}的任务有{len(tasks)}项" + _listing(result["tasks"], len(tasks))
    else:
        metric = question.metric or ""
        query, bindings = answers.targets_bindings(metric=metric)
        targets = answers.targets(metric=metric)
        result = {"metric": metric, "targets": page(targets)}
        summary = (f"关于“{metric}”的目标有{len(targets)}项" +
                   ("：" + "；".join(t["surface"] for t in targets[:10]) if targets else ""))
        tasks = targets
    result.update(total=len(tasks), offset=offset, limit=limit)
    return {
        "question": text,
        "form": question.form,
        "parsed": {"role": question.role, "departments": list(question.departments),
                   "region": question.region, "metric": question.metric,
                   "years": list(question.years) if question.years else None},
        "summary": summary,
        "answer": result,
        "query": query.name,
        "sparql": inline_bindings(query.sparql, bindings),
        "bindings": {k: {"type": "uri" if isinstance(v, URIRef) else "literal", "value": str(v),
                         **({"datatype": str(v.datatype)} if isinstance(v, Literal) and v.datatype else {})}
                     for k, v in bindings.items()},
    }


def _listing(tasks: list[dict[str, Any]], total: int, n: int = 10) -> str:
    """The first ``n`` of the tasks shown, and 等 when there are more in all."""
    if not tasks:
        return ""
    shown = "；".join(f"{t.get('label') or ''}{t.get('title') or ''}" for t in tasks[:n])
    return "：" + shown + ("等" if total > min(n, len(tasks)) else "")
