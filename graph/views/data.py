"""What the views read from the graph besides the projections: task, clause, department,
section and region details, by SPARQL over a Store (or an rdflib Graph).

Everything here comes from the RDF graph; nothing is read from Document objects.

>>> from fengong.store import open_store
>>> facts = GraphFacts.load(open_store("memory"))
>>> facts.tasks
{}
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from fengong.projections import Source, scope_tasks, select_rows

__all__ = ["ClauseFacts", "TaskFacts", "DepartmentFacts", "RegionFacts", "GraphFacts", "shorten", "task_key"]

_TASKS = """
SELECT ?task ?taskId ?number ?title ?ordinal ?sectionNo ?sectionTitle ?docId ?docTitle WHERE {
    ?task a fg:Task ; fg:id ?taskId .
    OPTIONAL { ?task eli:number ?number }
    OPTIONAL { ?task dct:title ?title }
    OPTIONAL { ?task fg:ordinal ?ordinal }
    OPTIONAL { ?task fg:section ?section .
               OPTIONAL { ?section fg:ordinal ?sectionNo }
               OPTIONAL { ?section dct:title ?sectionTitle } }
    OPTIONAL { ?task eli:is_part_of ?doc . ?doc fg:id ?docId .
               OPTIONAL { ?doc dct:title ?docTitle } }
}
"""

_CLAUSES = """
SELECT ?taskId ?k ?text ?attribution WHERE {
    ?task a fg:Task ; fg:id ?taskId ; fg:clause ?clause .
    ?clause fg:ordinal ?k .
    OPTIONAL { ?clause fg:text ?text }
    OPTIONAL { ?clause fg:attribution ?attribution }
}
"""

_DEPARTMENTS = """
SELECT ?id ?label ?short ?kind ?registered WHERE {
    ?d a fg:Department ; fg:id ?id .
    OPTIONAL { ?d skos:prefLabel ?label FILTER (langMatches(lang(?label), "zh")) }
    OPTIONAL { ?d fg:shortName ?short }
    OPTIONAL { ?d fg:kind/skos:prefLabel ?kind FILTER (langMatches(lang(?kind), "zh")) }
    OPTIONAL { ?d fg:registered ?registered }
}
"""

_DEPARTMENT_ALIASES = """
SELECT ?id ?alias WHERE { ?d a fg:Department ; fg:id ?id ; skos:altLabel ?alias . }
"""

_REGIONS = """
SELECT ?id ?label ?notation WHERE {
    ?r a fg:Region ; fg:id ?id .
    OPTIONAL { ?r skos:prefLabel ?label FILTER (langMatches(lang(?label), "zh")) }
    OPTIONAL { ?r skos:notation ?notation }
}
"""

_REGION_ALIASES = """
SELECT ?id ?alias WHERE { ?r a fg:Region ; fg:id ?id ; skos:altLabel ?alias . }
"""

_REGION_LINKS = """
SELECT ?id ?broader ?member WHERE {
    ?r a fg:Region ; fg:id ?id .
    { ?r skos:broader/fg:id ?broader } UNION { ?r fg:member/fg:id ?member }
}
"""

_SPATIAL = """
SELECT DISTINCT ?taskId ?regionId WHERE {
    ?task a fg:Task ; fg:id ?taskId ; dct:spatial ?region .
    ?region fg:id ?regionId .
}
"""


def shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis.

    >>> shorten("推进杭绍同城化", 4)
    '推进杭…'
    """
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


@dataclass(frozen=True)
class ClauseFacts:
    ordinal: int
    text: str
    attribution: str | None


@dataclass
class TaskFacts:
    id: str
    number: str  # as written: "(十三)"
    title: str
    ordinal: int
    section: int | None
    section_title: str | None
    document: str | None
    document_title: str | None
    clauses: list[ClauseFacts] = field(default_factory=list)

    @property
    def label(self) -> str:
        """Number and title, as the document heads the task: "(十三)推进杭绍同城化"."""
        return f"{self.number}{self.title}" if self.number else self.title or self.id


@dataclass(frozen=True)
class DepartmentFacts:
    id: str
    name: str
    short: str
    kind: str | None
    registered: bool
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class RegionFacts:
    id: str
    name: str
    notation: str | None
    aliases: tuple[str, ...] = ()


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def _int(value: Any) -> int | None:
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None


@dataclass
class GraphFacts:
    """Details of the tasks, departments and regions in a graph, keyed by their fg:id."""

    tasks: dict[str, TaskFacts]
    departments: dict[str, DepartmentFacts]
    regions: dict[str, RegionFacts]
    #: region id -> ids of regions it is part of (skos:broader) / groups it belongs to.
    broader: dict[str, set[str]]
    members: dict[str, set[str]]
    #: (task id, region id) pairs of dct:spatial, in document order.
    spatial: list[tuple[str, str]]

    @classmethod
    def load(cls, source: Source, documents: Collection[str] | None = None) -> "GraphFacts":
        """The details of every task (of the ``documents``, ids, if given), department and region."""
        tasks: dict[str, TaskFacts] = {}
        for r in select_rows(source, scope_tasks(_TASKS, documents)):
            task_id = str(r["taskId"])
            if task_id in tasks:
                continue
            tasks[task_id] = TaskFacts(
                id=task_id,
                number=_str(r.get("number")) or "",
                title=_str(r.get("title")) or "",
                ordinal=_int(r.get("ordinal")) or 0,
                section=_int(r.get("sectionNo")),
                section_title=_str(r.get("sectionTitle")),
                document=_str(r.get("docId")),
                document_title=_str(r.get("docTitle")),
            )
        seen: set[tuple[str, int]] = set()
        for r in select_rows(source, scope_tasks(_CLAUSES, documents)):
            task = tasks.get(str(r["taskId"]))
            k = _int(r.get("k")) or 0
            if task is None or (task.id, k) in seen:
                continue
            seen.add((task.id, k))
            task.clauses.append(ClauseFacts(k, _str(r.get("text")) or "", _str(r.get("attribution"))))
        for task in tasks.values():
            task.clauses.sort(key=lambda c: c.ordinal)

        aliases: dict[str, list[str]] = {}
        for r in select_rows(source, _DEPARTMENT_ALIASES):
            aliases.setdefault(str(r["id"]), []).append(str(r["alias"]))
        departments: dict[str, DepartmentFacts] = {}
        for r in select_rows(source, _DEPARTMENTS):
            dept_id = str(r["id"])
            if dept_id in departments:
                continue
            name = _str(r.get("label")) or dept_id
            registered = r.get("registered")
            departments[dept_id] = DepartmentFacts(
                id=dept_id,
                name=name,
                short=_str(r.get("short")) or name,
                kind=_str(r.get("kind")),
                registered=bool(registered.toPython()) if registered is not None else False,
                aliases=tuple(sorted(set(aliases.get(dept_id, ())))),
            )

        region_aliases: dict[str, list[str]] = {}
        for r in select_rows(source, _REGION_ALIASES):
            region_aliases.setdefault(str(r["id"]), []).append(str(r["alias"]))
        regions: dict[str, RegionFacts] = {}
        for r in select_rows(source, _REGIONS):
            region_id = str(r["id"])
            if region_id not in regions:
                regions[region_id] = RegionFacts(
                    region_id, _str(r.get("label")) or region_id, _str(r.get("notation")),
                    tuple(sorted(set(region_aliases.get(region_id, ())))),
                )
        broader: dict[str, set[str]] = {}
        members: dict[str, set[str]] = {}
        for r in select_rows(source, _REGION_LINKS):
            if r.get("broader") is not None:
                broader.setdefault(str(r["id"]), set()).add(str(r["broader"]))
            if r.get("member") is not None:
                members.setdefault(str(r["id"]), set()).add(str(r["member"]))
        order = {task_id: i for i, task_id in enumerate(sorted(tasks, key=lambda t: task_key(tasks[t])))}
        spatial = sorted(
            {(str(r["taskId"]), str(r["regionId"])) for r in select_rows(source, scope_tasks(_SPATIAL, documents))},
            key=lambda pair: (order.get(pair[0], len(order)), pair[1]),
        )
        return cls(tasks, departments, regions, broader, members, spatial)

    def department_name(self, dept_id: str) -> str:
        facts = self.departments.get(dept_id)
        return facts.name if facts else dept_id

    def department_short(self, dept_id: str) -> str:
        facts = self.departments.get(dept_id)
        return facts.short if facts else dept_id

    def documents(self) -> list[tuple[str, str]]:
        """(document id, title) of the documents that have tasks, sorted by id."""
        found = {t.document: t.document_title or t.document for t in self.tasks.values() if t.document}
        return sorted(found.items())

    def sections(self) -> list[tuple[str | None, int, str]]:
        """(document id, section number, title) of every section holding tasks, in order."""
        found = {(t.document, t.section): t.section_title or "" for t in self.tasks.values()
                 if t.section is not None}
        return sorted(((d, n, title) for (d, n), title in found.items()), key=lambda x: (x[0] or "", x[1]))

    def section_index(self) -> dict[tuple[str | None, int], int]:
        """A running colour index for each (document, section), 1-based."""
        return {(d, n): i for i, (d, n, _) in enumerate(self.sections(), start=1)}


def task_key(task: TaskFacts) -> tuple:
    """Document order of tasks: by document, then number."""
    return (task.document or "", task.ordinal, task.id)
