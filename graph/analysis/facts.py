"""The facts the analyses read from the RDF graph, with SPARQL.

Every analysis in :mod:`fengong.analysis`, every export and the document comparison start
here: a handful of SELECT queries over a :class:`fengong.store.Store` (any backend) or a
plain :class:`rdflib.Graph` / :class:`rdflib.Dataset`, turned into small frozen records.
The graph stays the single source of truth; nothing here reads a
:class:`fengong.model.Document`.

>>> from fengong.extract import extract_sample
>>> from fengong.store import open_store
>>> store = open_store("memory"); _ = store.add_documents([extract_sample()])
>>> facts = read_facts(store)
>>> facts.task("2023-044de8f5-t13").title
'健全市政设施建设'
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any, Union

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.graph import ReadOnlyGraphAggregate
from rdflib.term import Identifier, Node

from fengong.store.base import Store
from fengong.vocab import COMPARATORS, FG_NS, ROLES

__all__ = [
    "GraphSource",
    "PREFIXES",
    "ROLE_ORDER",
    "EXPLICIT_ROLES",
    "ROLE_LABELS",
    "DocumentFact",
    "TaskFact",
    "ClauseFact",
    "AssignmentFact",
    "DepartmentFact",
    "TargetFact",
    "Facts",
    "UnknownDocument",
    "select",
    "read_facts",
    "document_ids",
]

#: A store, or an rdflib Graph/Dataset (named graphs read as one union).
GraphSource = Union[Store, Graph]

PREFIXES = f"""PREFIX fg: <{FG_NS}>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX eli: <http://data.europa.eu/eli/ontology#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
"""

#: Roles in the order they are listed in a cell: who carries the task first.
ROLE_ORDER = ("lead", "co_responsible", "support", "implementer")
#: Roles named in an attribution parenthesis. Implementers are named once by a general
#: rule (各市、县(市、区)人民政府落实) and then sit on every task.
EXPLICIT_ROLES = ("lead", "co_responsible", "support")
#: How the 任务分工表 labels a role in a cell.
ROLE_LABELS = {"lead": "牵头", "support": "配合", "co_responsible": "负责", "implementer": "落实"}

_ROLE_NAMES = {concept: name for name, concept in ROLES.items()}
_COMPARATOR_SYMBOLS = {iri: symbol for symbol, iri in COMPARATORS.items()}


class UnknownDocument(LookupError):
    """A document id that the graph does not hold."""

    def __init__(self, doc_id: str, known: Iterable[str] = ()) -> None:
        self.doc_id = doc_id
        self.known = sorted(known)
        super().__init__(f"no document {doc_id!r} in the graph; known: {', '.join(self.known) or 'none'}")


# --- Records ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentFact:
    id: str
    iri: str
    title: str | None
    number: str | None  # 发文字号
    issued: str | None  # eli:date_document, ISO date

    @property
    def label(self) -> str:
        """What a person calls the document: its 发文字号, else its title, else its id."""
        return self.number or self.title or self.id


@dataclass(frozen=True)
class TaskFact:
    id: str  # "{docid}-t{n}"
    iri: str
    document: str
    ordinal: int
    label: str  # as written, "(十三)"
    title: str
    section: str | None  # section title
    section_label: str | None  # "三、"
    section_ordinal: int | None


@dataclass(frozen=True)
class ClauseFact:
    iri: str
    task: str  # task id
    ordinal: int
    text: str
    start: int | None
    end: int | None
    attribution: str | None


@dataclass(frozen=True)
class AssignmentFact:
    task: str  # task id
    clause: int | None  # clause ordinal; None for implementers (assigned to the task)
    department: str  # department id
    role: str  # lead, support, co_responsible, implementer


@dataclass(frozen=True)
class DepartmentFact:
    id: str
    iri: str
    name: str  # skos:prefLabel@zh, the full name
    short_name: str | None  # fg:shortName, e.g. 省建设厅
    registered: bool

    @property
    def label(self) -> str:
        """The name people write in tables: the short name when there is one."""
        return self.short_name or self.name


@dataclass(frozen=True)
class TargetFact:
    iri: str
    document: str
    task: str | None  # task id; None for a document-level (preamble) target
    metric: str
    surface: str
    value: Decimal | None
    value_text: str | None
    unit: str
    comparator: str | None  # ">=", ">", "~", "<=", "<", "="
    scope: str | None
    period: str | None
    start: int | None
    end: int | None

    @property
    def number(self) -> int:
        """The k of ``{doc}/target/{k}``: the target's running number in its document."""
        tail = self.iri.rsplit("/", 1)[-1]
        return int(tail) if tail.isdigit() else 0


@dataclass
class Facts:
    """Everything the analyses need, read once. Lists are in document order."""

    documents: list[DocumentFact] = field(default_factory=list)
    tasks: list[TaskFact] = field(default_factory=list)
    clauses: list[ClauseFact] = field(default_factory=list)
    assignments: list[AssignmentFact] = field(default_factory=list)
    departments: dict[str, DepartmentFact] = field(default_factory=dict)
    targets: list[TargetFact] = field(default_factory=list)

    @cached_property
    def _tasks(self) -> dict[str, TaskFact]:
        return {t.id: t for t in self.tasks}

    @cached_property
    def _documents(self) -> dict[str, DocumentFact]:
        return {d.id: d for d in self.documents}

    # Look-ups by task, built on first use (the lists are complete by then): scanning the
    # lists per task made the analyses of a year of 100 documents take a minute.
    @cached_property
    def _clauses_by_task(self) -> dict[str, list[ClauseFact]]:
        return _group(self.clauses, lambda c: c.task)

    @cached_property
    def _assignments_by_task(self) -> dict[str, list[AssignmentFact]]:
        return _group(self.assignments, lambda a: a.task)

    @cached_property
    def _targets_by_owner(self) -> dict[tuple[str | None, str | None], list[TargetFact]]:
        return _group(self.targets, lambda t: (t.task, None) if t.task is not None else (None, t.document))

    def task(self, task_id: str) -> TaskFact:
        return self._tasks[task_id]

    def document(self, doc_id: str) -> DocumentFact:
        return self._documents[doc_id]

    def department(self, dept_id: str) -> DepartmentFact:
        """The department's description (a bare record if the registry graph lacks it)."""
        found = self.departments.get(dept_id)
        return found or DepartmentFact(dept_id, "", dept_id, None, False)

    def clauses_of(self, task_id: str) -> list[ClauseFact]:
        return list(self._clauses_by_task.get(task_id, ()))

    def assignments_of(self, task_id: str) -> list[AssignmentFact]:
        return list(self._assignments_by_task.get(task_id, ()))

    def targets_of(self, task_id: str | None, document: str | None = None) -> list[TargetFact]:
        """Targets of a task; with ``task_id=None``, the document-level targets of ``document``."""
        key = (task_id, None) if task_id is not None else (None, document)
        return list(self._targets_by_owner.get(key, ()))

    def roles(self, task_id: str, department: str) -> tuple[str, ...]:
        """The department's roles in a task, in :data:`ROLE_ORDER`."""
        found = {a.role for a in self._assignments_by_task.get(task_id, ()) if a.department == department}
        return tuple(r for r in ROLE_ORDER if r in found)

    def target_clause(self, target: TargetFact) -> ClauseFact | None:
        """The clause whose text contains the target (by character offsets)."""
        if target.task is None or target.start is None:
            return None
        for clause in self.clauses_of(target.task):
            if clause.start is not None and clause.end is not None and clause.start <= target.start < clause.end:
                return clause
        return None

    def target_units(self, target: TargetFact) -> list[AssignmentFact]:
        """Who answers for a target: the explicit assignments of the clause that states it.

        A target outside any attributed clause (a preamble target, or one in a task with no
        attribution) has no responsible unit; implementers named by a general rule do not
        count, since they sit on every task.
        """
        clause = self.target_clause(target)
        if clause is None:
            return []
        return [
            a
            for a in self._assignments_by_task.get(target.task, ())
            if a.clause == clause.ordinal and a.role in EXPLICIT_ROLES
        ]


def _group(items: Iterable[Any], key: Callable[[Any], Hashable]) -> dict[Any, list[Any]]:
    """``items`` grouped by ``key``, each group in the items' order."""
    groups: dict[Any, list[Any]] = {}
    for item in items:
        groups.setdefault(key(item), []).append(item)
    return groups


# --- Reading ---------------------------------------------------------------------------


def _union(graph: Graph) -> Graph:
    if isinstance(graph, Dataset) and not graph.default_union:
        return ReadOnlyGraphAggregate(list(graph.graphs()))
    return graph


def select(source: GraphSource, query: str, bindings: Mapping[str, Identifier] | None = None) -> list[dict[str, Node | None]]:
    """Rows of a SELECT query (``PREFIXES`` prepended) as dicts, from a store or a Graph.

    Values reach the query only as ``bindings``, never by string concatenation.
    """
    text = PREFIXES + query
    if isinstance(source, Store):
        return source.select(text, dict(bindings or {}))
    if isinstance(source, Graph):
        result = _union(source).query(text, initBindings=dict(bindings or {}))
        names = [str(v) for v in result.vars]
        return [dict(zip(names, row)) for row in result]
    raise TypeError(f"expected a fengong Store or an rdflib Graph, not {type(source).__name__}")


_DOCUMENTS = """
SELECT ?doc ?docId ?title ?number ?issued WHERE {
    ?doc a fg:WorkPlan ; fg:id ?docId .
    OPTIONAL { ?doc dct:title ?title }
    OPTIONAL { ?doc dct:identifier ?number }
    OPTIONAL { ?doc eli:date_document ?issued }
}
"""

# Patterns are written most selective first: rdflib's engine joins them in that order.
_TASKS = """
SELECT ?task ?taskId ?docId ?ordinal ?label ?title ?section ?sectionLabel ?sectionOrdinal WHERE {
    ?doc fg:id ?docId .
    ?task eli:is_part_of ?doc ; a fg:Task ; fg:id ?taskId .
    OPTIONAL { ?task fg:ordinal ?ordinal }
    OPTIONAL { ?task eli:number ?label }
    OPTIONAL { ?task dct:title ?title }
    OPTIONAL { ?task fg:section ?sec .
               OPTIONAL { ?sec dct:title ?section }
               OPTIONAL { ?sec eli:number ?sectionLabel }
               OPTIONAL { ?sec fg:ordinal ?sectionOrdinal } }
}
"""

_CLAUSES = """
SELECT ?clause ?taskId ?ordinal ?text ?attribution WHERE {
    ?doc fg:id ?docId .
    ?task eli:is_part_of ?doc ; a fg:Task ; fg:id ?taskId ; fg:clause ?clause .
    OPTIONAL { ?clause fg:ordinal ?ordinal }
    OPTIONAL { ?clause fg:text ?text }
    OPTIONAL { ?clause fg:attribution ?attribution }
}
"""

#: Character offsets of the clauses and of the targets of the documents (``?docId`` bound,
#: or every document): read with them, not for the whole store (12 s of the 12.5 s an
#: analysis of one document took at 1,000 documents).
_CLAUSE_SPANS = """
SELECT ?x ?start ?end WHERE {
    ?doc fg:id ?docId .
    ?task eli:is_part_of ?doc ; fg:clause ?x .
    ?x prov:wasDerivedFrom ?span .
    ?span oa:hasSelector ?sel .
    ?sel oa:start ?start ; oa:end ?end .  # only a TextPositionSelector has these
}
"""

_TARGET_SPANS = """
SELECT ?x ?start ?end WHERE {
    ?doc fg:id ?docId .
    { ?task eli:is_part_of ?doc ; fg:hasTarget ?x } UNION { ?doc fg:hasTarget ?x }
    ?x prov:wasDerivedFrom ?span .
    ?span oa:hasSelector ?sel .
    ?sel oa:start ?start ; oa:end ?end .
}
"""

# Explicit roles hang off a clause of the task; implementers off the task itself.
_CLAUSE_ASSIGNMENTS = """
SELECT ?taskId ?clauseNo ?deptId ?agent ?role WHERE {
    ?doc fg:id ?docId .
    ?task eli:is_part_of ?doc ; a fg:Task ; fg:id ?taskId ; fg:clause ?plan .
    ?plan fg:ordinal ?clauseNo ; prov:qualifiedAssociation ?assignment .
    ?assignment prov:agent ?agent ; prov:hadRole ?role .
    OPTIONAL { ?agent fg:id ?deptId }
}
"""

_TASK_ASSIGNMENTS = """
SELECT ?taskId ?deptId ?agent ?role WHERE {
    ?doc fg:id ?docId .
    ?task eli:is_part_of ?doc ; a fg:Task ; fg:id ?taskId ; prov:qualifiedAssociation ?assignment .
    ?assignment prov:agent ?agent ; prov:hadRole ?role .
    OPTIONAL { ?agent fg:id ?deptId }
}
"""

_DEPARTMENTS = """
SELECT ?dept ?deptId ?name ?short ?registered WHERE {
    ?dept a fg:Department ; fg:id ?deptId .
    OPTIONAL { ?dept skos:prefLabel ?name FILTER (langMatches(lang(?name), "zh")) }
    OPTIONAL { ?dept fg:shortName ?short }
    OPTIONAL { ?dept fg:registered ?registered }
}
"""

_TARGET_FIELDS = """
    OPTIONAL { ?target fg:metric ?metric }
    OPTIONAL { ?target fg:surface ?surface }
    OPTIONAL { ?target rdf:value ?value }
    OPTIONAL { ?target fg:valueText ?valueText }
    OPTIONAL { ?target fg:unitText ?unit }
    OPTIONAL { ?target fg:comparator ?comparator }
    OPTIONAL { ?target fg:scope ?scope }
    OPTIONAL { ?target fg:period ?period }
"""

_TASK_TARGETS = (
    """
SELECT ?target ?docId ?taskId ?metric ?surface ?value ?valueText ?unit ?comparator ?scope ?period WHERE {
    ?doc fg:id ?docId .
    ?task eli:is_part_of ?doc ; a fg:Task ; fg:id ?taskId ; fg:hasTarget ?target .
"""
    + _TARGET_FIELDS
    + "}"
)

_DOCUMENT_TARGETS = (
    """
SELECT ?target ?docId ?metric ?surface ?value ?valueText ?unit ?comparator ?scope ?period WHERE {
    ?doc a fg:WorkPlan ; fg:id ?docId ; fg:hasTarget ?target .
"""
    + _TARGET_FIELDS
    + "}"
)


def _str(node: Node | None) -> str | None:
    return None if node is None else str(node)


def _int(node: Node | None) -> int | None:
    if node is None:
        return None
    try:
        return int(node.toPython() if isinstance(node, Literal) else node)
    except (TypeError, ValueError):
        return None


def _decimal(node: Node | None) -> Decimal | None:
    if node is None:
        return None
    try:
        return Decimal(str(node))
    except ArithmeticError:
        return None


def document_ids(source: GraphSource) -> list[str]:
    """Ids of the work plans in the graph, sorted.

    >>> from fengong.store import open_store
    >>> document_ids(open_store("memory"))
    []
    """
    return sorted({str(r["docId"]) for r in select(source, _DOCUMENTS)})


def _spans(source: GraphSource, query: str, wanted: list[str] | None) -> dict[str, tuple[int | None, int | None]]:
    return {str(r["x"]): (_int(r["start"]), _int(r["end"])) for r in _per_document(source, query, wanted)}


def _documents_filter(source: GraphSource, documents: str | Iterable[str] | None) -> list[str] | None:
    if documents is None:
        return None
    wanted = [documents] if isinstance(documents, str) else list(documents)
    known = set(document_ids(source))
    for doc_id in wanted:
        if doc_id not in known:
            raise UnknownDocument(doc_id, known)
    return wanted


def _per_document(source: GraphSource, query: str, wanted: list[str] | None) -> list[dict[str, Node | None]]:
    if wanted is None:
        return select(source, query)
    rows: list[dict[str, Node | None]] = []
    for doc_id in wanted:
        rows.extend(select(source, query, {"docId": Literal(doc_id)}))
    return rows


def read_facts(source: GraphSource, document: str | Iterable[str] | None = None) -> Facts:
    """Read documents, tasks, clauses, assignments, departments and targets from the graph.

    ``document`` restricts everything to one document id (or several); an id the graph
    does not hold raises :class:`UnknownDocument`. Results are sorted in document order,
    so every analysis built on them is reproducible.

    Examples
    --------
    >>> facts = read_facts(store, "2023-044de8f5")  # doctest: +SKIP
    >>> [a.department for a in facts.assignments_of("2023-044de8f5-t13")]  # doctest: +SKIP
    ['zj-housing', 'local-governments']
    """
    wanted = _documents_filter(source, document)
    facts = Facts()

    for r in _per_document(source, _DOCUMENTS, wanted):
        facts.documents.append(
            DocumentFact(str(r["docId"]), str(r["doc"]), _str(r.get("title")), _str(r.get("number")),
                         _str(r.get("issued")))
        )
    facts.documents = sorted(set(facts.documents), key=lambda d: d.id)
    order = {d.id: i for i, d in enumerate(facts.documents)}

    tasks = set()
    for r in _per_document(source, _TASKS, wanted):
        tasks.add(
            TaskFact(
                id=str(r["taskId"]),
                iri=str(r["task"]),
                document=str(r["docId"]),
                ordinal=_int(r.get("ordinal")) or 0,
                label=_str(r.get("label")) or "",
                title=_str(r.get("title")) or "",
                section=_str(r.get("section")),
                section_label=_str(r.get("sectionLabel")),
                section_ordinal=_int(r.get("sectionOrdinal")),
            )
        )
    facts.tasks = sorted(tasks, key=lambda t: (order.get(t.document, 0), t.ordinal, t.id))
    task_order = {t.id: i for i, t in enumerate(facts.tasks)}

    spans = _spans(source, _CLAUSE_SPANS, wanted)
    clauses = set()
    for r in _per_document(source, _CLAUSES, wanted):
        start, end = spans.get(str(r["clause"]), (None, None))
        clauses.add(
            ClauseFact(
                iri=str(r["clause"]),
                task=str(r["taskId"]),
                ordinal=_int(r.get("ordinal")) or 0,
                text=_str(r.get("text")) or "",
                start=start,
                end=end,
                attribution=_str(r.get("attribution")),
            )
        )
    facts.clauses = sorted(clauses, key=lambda c: (task_order.get(c.task, 0), c.ordinal))

    assignments = set()
    rows = _per_document(source, _CLAUSE_ASSIGNMENTS, wanted) + _per_document(source, _TASK_ASSIGNMENTS, wanted)
    for r in rows:
        role = _ROLE_NAMES.get(r["role"])
        if role is None:
            continue
        department = _str(r.get("deptId")) or str(r["agent"])
        assignments.add(AssignmentFact(str(r["taskId"]), _int(r.get("clauseNo")), department, role))
    facts.assignments = sorted(
        assignments,
        key=lambda a: (task_order.get(a.task, 0), a.clause or 0, ROLE_ORDER.index(a.role), a.department),
    )

    used = {a.department for a in facts.assignments}
    for r in select(source, _DEPARTMENTS):
        dept_id = str(r["deptId"])
        if dept_id not in used or dept_id in facts.departments:
            continue
        registered = r.get("registered")
        facts.departments[dept_id] = DepartmentFact(
            id=dept_id,
            iri=str(r["dept"]),
            name=_str(r.get("name")) or dept_id,
            short_name=_str(r.get("short")),
            registered=bool(registered.toPython()) if isinstance(registered, Literal) else False,
        )

    spans = _spans(source, _TARGET_SPANS, wanted)
    targets = set()
    rows = [(r, str(r["taskId"])) for r in _per_document(source, _TASK_TARGETS, wanted)]
    rows += [(r, None) for r in _per_document(source, _DOCUMENT_TARGETS, wanted)]
    for r, task in rows:
        comparator = r.get("comparator")
        start, end = spans.get(str(r["target"]), (None, None))
        targets.add(
            TargetFact(
                iri=str(r["target"]),
                document=str(r["docId"]),
                task=task,
                metric=_str(r.get("metric")) or "",
                surface=_str(r.get("surface")) or "",
                value=_decimal(r.get("value")),
                value_text=_str(r.get("valueText")),
                unit=_str(r.get("unit")) or "",
                comparator=_COMPARATOR_SYMBOLS.get(comparator) if isinstance(comparator, URIRef) else None,
                scope=_str(r.get("scope")),
                period=_str(r.get("period")),
                start=start,
                end=end,
            )
        )
    facts.targets = sorted(targets, key=lambda t: (order.get(t.document, 0), t.number, t.iri))
    return facts


def as_plain(value: Any) -> Any:
    """JSON-ready form of the records (Decimals as numbers)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: as_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [as_plain(v) for v in value]
    return value
