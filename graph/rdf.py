"""Build the RDF knowledge graph from extracted documents.

The graph follows the IRI scheme and vocabulary of ``ontology/fengong.ttl``: each document
goes into its own named graph ``{base}graph/{docid}``; the shared descriptions of the
departments, regions, roles and department kinds that the documents use go into
``{base}graph/registry``. Every node is an IRI (no blank nodes) and every triple follows
from the documents and registries alone, so building twice gives identical graphs.

>>> from fengong.model import Document, DocumentMeta
>>> doc = Document(DocumentMeta(title="示例", id="2023-00000000"), text="示例")
>>> ds = build_dataset([doc])
>>> sorted(str(g.identifier) for g in ds.graphs() if len(g))
['https://w3id.org/fengong/id/graph/2023-00000000', 'https://w3id.org/fengong/id/graph/registry']

All IRIs are minted by the ``*_iri`` helpers below and nowhere else.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterable
from decimal import Decimal
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib import namespace as _rdflib_namespace
from rdflib.term import Node

from fengong import ontology, vocab
from fengong.model import Assignment, Document, Item, Reference, RegionMention, Target
from fengong.registry import unregistered_id
from fengong.vocab import COMPARATORS, DEPARTMENT_KINDS, ROLE_SHORTCUTS, ROLES, UNITS, bind_prefixes


class _Terms:
    """A namespace whose terms are looked up once: a DefinedNamespace checks every
    attribute access (about 3 µs), and building one document reads some 9,000 terms.
    Unknown names still raise, as the namespace itself decides."""

    def __init__(self, namespace: Any) -> None:
        self._namespace = namespace

    def __getattr__(self, name: str) -> URIRef:
        term = getattr(self._namespace, name)
        setattr(self, name, term)
        return term

    def __getitem__(self, name: str) -> URIRef:
        return self._namespace[name]


DCTERMS, ORG, PROV, RDF, SKOS, XSD = (_Terms(getattr(_rdflib_namespace, n))
                                      for n in ("DCTERMS", "ORG", "PROV", "RDF", "SKOS", "XSD"))
ELI, FG, OA, QUDT = (_Terms(vocab.ELI), _Terms(vocab.FG), _Terms(vocab.OA), _Terms(vocab.QUDT))

__all__ = [
    "DEFAULT_BASE",
    "CONTEXT_FILE",
    "build_dataset",
    "build_quads",
    "build_graph",
    "union_graph",
    "graph_iri",
    "registry_graph_iri",
    "document_iri",
    "section_iri",
    "task_iri",
    "task_iri_from_id",
    "clause_iri",
    "assignment_iri",
    "target_iri",
    "span_iri",
    "mention_iri",
    "department_iri",
    "region_iri",
    "reference_iri",
    "to_turtle",
    "to_trig",
    "to_jsonld",
    "to_ntriples",
    "jsonld_context",
    "validate",
]

DEFAULT_BASE = "https://w3id.org/fengong/id/"
#: The compact JSON-LD @context shipped in fengong.ontology (``.json`` so that the
#: package-data globs ship it).
CONTEXT_FILE = "context.json"

_ZH = "zh"
_DIVISION_CODE = re.compile(r"^[0-9]{6}$")
_DEPARTMENT_SLUG = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


# --- IRI scheme ------------------------------------------------------------------------


@lru_cache(maxsize=65536)
def _segment(value: str) -> str:
    """One path segment: ids are ASCII slugs already, but never trust that in an IRI.
    Cached: a document's id is quoted for each of its ~2,000 node IRIs."""
    return quote(str(value), safe="-._~")


def graph_iri(docid: str, base: str = DEFAULT_BASE) -> URIRef:
    """Named graph holding one document: ``{base}graph/{docid}``."""
    return URIRef(f"{base}graph/{_segment(docid)}")


def registry_graph_iri(base: str = DEFAULT_BASE) -> URIRef:
    """Named graph holding the shared department/region/role/kind descriptions."""
    return URIRef(f"{base}graph/registry")


def document_iri(docid: str, base: str = DEFAULT_BASE) -> URIRef:
    """``{base}doc/{docid}``."""
    return URIRef(f"{base}doc/{_segment(docid)}")


def section_iri(docid: str, number: int, base: str = DEFAULT_BASE) -> URIRef:
    """``{doc}/section/{n}``."""
    return URIRef(f"{document_iri(docid, base)}/section/{int(number)}")


def task_iri(docid: str, number: int, base: str = DEFAULT_BASE) -> URIRef:
    """``{doc}/task/{n}``; the task's fg:id is ``{docid}-t{n}``."""
    return URIRef(f"{document_iri(docid, base)}/task/{int(number)}")


def task_iri_from_id(task_id: str, base: str = DEFAULT_BASE) -> URIRef:
    """Task IRI from a task id ``{docid}-t{n}``.

    >>> str(task_iri_from_id("2023-ab12cd34-t13"))
    'https://w3id.org/fengong/id/doc/2023-ab12cd34/task/13'
    """
    docid, sep, number = task_id.rpartition("-t")
    if not sep or not docid or not number.isdigit():
        raise ValueError(f"not a task id: {task_id!r}")
    return task_iri(docid, int(number), base)


def clause_iri(docid: str, task: int, clause: int, base: str = DEFAULT_BASE) -> URIRef:
    """``{task}/clause/{k}``."""
    return URIRef(f"{task_iri(docid, task, base)}/clause/{int(clause)}")


def assignment_iri(
    docid: str,
    task: int,
    clause: int | None,
    department: str,
    role: str,
    base: str = DEFAULT_BASE,
) -> URIRef:
    """``{clause}/assignment/{deptid}/{role}``; implementers (``clause=None``) hang off the task."""
    plan = task_iri(docid, task, base) if clause is None else clause_iri(docid, task, clause, base)
    return URIRef(f"{plan}/assignment/{_segment(department)}/{_segment(_role_value(role))}")


def target_iri(docid: str, number: int, base: str = DEFAULT_BASE) -> URIRef:
    """``{doc}/target/{k}``, k running over :meth:`Document.all_targets`."""
    return URIRef(f"{document_iri(docid, base)}/target/{int(number)}")


def span_iri(docid: str, start: int, end: int, base: str = DEFAULT_BASE) -> URIRef:
    """``{doc}/span/{start}-{end}``; its position selector is ``…/position``."""
    return URIRef(f"{document_iri(docid, base)}/span/{int(start)}-{int(end)}")


def mention_iri(docid: str, start: int, end: int, base: str = DEFAULT_BASE) -> URIRef:
    """``{doc}/mention/{start}-{end}``: one mention of a region or referenced document."""
    return URIRef(f"{document_iri(docid, base)}/mention/{int(start)}-{int(end)}")


def department_iri(department: str, base: str = DEFAULT_BASE) -> URIRef:
    """``{base}department/{id}``."""
    return URIRef(f"{base}department/{_segment(department)}")


def region_iri(region: str, base: str = DEFAULT_BASE) -> URIRef:
    """``{base}region/{id}`` (GB/T 2260 code for divisions, slug for groups)."""
    return URIRef(f"{base}region/{_segment(region)}")


def reference_iri(title: str, base: str = DEFAULT_BASE) -> URIRef:
    """``{base}reference/{sha1(title)[:12]}``, title including 《》."""
    return URIRef(f"{base}reference/{_sha1(title)[:12]}")


def _sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _role_value(role: Any) -> str:
    return str(getattr(role, "value", role))


# --- Building --------------------------------------------------------------------------


def build_dataset(
    documents: Iterable[Document],
    departments: Any = None,
    regions: Any = None,
    base: str = DEFAULT_BASE,
) -> Dataset:
    """RDF dataset of the documents: one named graph each, plus the registry graph.

    ``departments`` (a ``DepartmentRegistry``) and ``regions`` (a ``RegionRegistry``) are
    optional and duck-typed: anything with ``get(id)`` returning an object with the
    registry's attributes (or ``None`` / ``KeyError`` for an unknown id). Without them, or
    for ids they do not know, nodes are labelled with the names as written in the text.

    >>> ds = build_dataset([])
    >>> len(ds.graph(registry_graph_iri())) > 0  # roles and department kinds are always there
    True
    """
    dataset = Dataset()
    bind_prefixes(dataset)
    for name, triples in build_quads(documents, departments, regions, base).items():
        graph = dataset.graph(name)
        for triple in triples:
            graph.add(triple)
    return dataset


class _Triples(dict):
    """The triples of one graph, in the order first added, without duplicates: what the
    builders write into instead of an rdflib Graph (whose indexes are costly to fill)."""

    def add(self, triple: tuple[Any, Any, Any]) -> None:
        self[triple] = None


def build_quads(
    documents: Iterable[Document],
    departments: Any = None,
    regions: Any = None,
    base: str = DEFAULT_BASE,
    memo: RegistryMemo | None = None,
) -> dict[URIRef, list[tuple[Any, Any, Any]]]:
    """The triples of every graph :func:`build_dataset` builds, by graph name, without an
    rdflib Dataset: what the stores load (filling rdflib's indexes costs more than the
    building). Same triples as :func:`build_dataset`; the registry graph comes last.
    ``memo`` keeps registry descriptions between calls with the same two registries.

    >>> graphs = build_quads([])
    >>> list(graphs) == [registry_graph_iri()]
    True
    """
    used = _Used()
    graphs: dict[URIRef, _Triples] = {}
    for document in documents:
        sink = graphs.setdefault(graph_iri(document.id, base), _Triples())
        _DocumentBuilder(document, sink, base, used).build()
    registry = _Triples()
    _describe_concept_schemes(registry)
    _describe_departments(registry, used, departments, base, memo)
    _describe_regions(registry, used, regions, base, memo)
    graphs[registry_graph_iri(base)] = registry
    return {name: list(triples) for name, triples in graphs.items()}


def build_graph(
    documents: Iterable[Document],
    departments: Any = None,
    regions: Any = None,
    base: str = DEFAULT_BASE,
) -> Graph:
    """Like :func:`build_dataset` but one plain :class:`rdflib.Graph`, the union of all graphs.

    >>> g = build_graph([])
    >>> (FG.Lead, SKOS.inScheme, FG.Roles) in g
    True
    """
    return union_graph(build_dataset(documents, departments, regions, base))


def union_graph(graph: Graph) -> Graph:
    """A plain Graph with every triple of a Dataset (or the Graph itself if it is one)."""
    if not isinstance(graph, Dataset):
        return graph
    union = Graph()
    bind_prefixes(union)
    for s, p, o, _ in graph.quads((None, None, None, None)):
        union.add((s, p, o))
    return union


class _Used:
    """Departments and regions the documents refer to, with their names as written."""

    def __init__(self) -> None:
        self.departments: dict[str, list[str]] = {}
        self.department_registered: dict[str, bool] = {}
        self.regions: dict[str, list[str]] = {}
        self.region_members: dict[str, list[str]] = {}

    def department(self, department: str, name: str | None, registered: bool) -> None:
        names = self.departments.setdefault(department, [])
        if name and name not in names:
            names.append(name)
        self.department_registered[department] = (
            self.department_registered.get(department, False) or registered
        )

    def region(self, region: str, name: str | None, members: Iterable[str] = ()) -> None:
        names = self.regions.setdefault(region, [])
        if name and name not in names:
            names.append(name)
        known = self.region_members.setdefault(region, [])
        known.extend(m for m in members if m not in known)


class _DocumentBuilder:
    """Writes one document into its named graph."""

    def __init__(self, document: Document, graph: _Triples, base: str, used: _Used) -> None:
        self.document = document
        self.docid = document.id
        self.graph = graph
        self.base = base
        self.used = used
        self.doc = document_iri(self.docid, base)
        self.text = document.text
        self._jurisdiction: Any = False  # found when first needed

    def _qualified(self, name: str) -> str:
        """``name`` with the document's jurisdiction written out (市发改委 in a Chengdu plan
        → 成都市发改委): the label an unregistered unit is known by across documents."""
        if self._jurisdiction is False:
            from fengong.jurisdiction import find_jurisdiction
            from fengong.regions import RegionRegistry

            self._jurisdiction = find_jurisdiction(self.document.document, RegionRegistry.default())
        if self._jurisdiction is None:
            return name
        from fengong.jurisdiction import qualify

        return qualify(name, self._jurisdiction)

    def add(self, s: URIRef, p: URIRef, o: Any) -> None:
        self.graph[(s, p, o)] = None  # _Triples.add without its call: thousands per document

    def build(self) -> None:
        self._metadata()
        for section in self.document.sections:
            node = section_iri(self.docid, section.number, self.base)
            self.add(node, RDF.type, FG.Section)
            self.add(node, FG.ordinal, _integer(section.number))
            self.add(node, ELI.number, Literal(section.label))
            self.add(node, DCTERMS.title, _zh(section.title))
            self.add(node, ELI.is_part_of, self.doc)
            self.add(self.doc, ELI.has_part, node)
            self.add(node, PROV.wasDerivedFrom, self.span(section.start, section.end))
        for item in self.document.items:
            self._task(item)
        for number, (item, target) in enumerate(self.document.all_targets(), start=1):
            owner = self.doc if item is None else task_iri(self.docid, item.number, self.base)
            self._target(owner, number, target)
        self._mentions(self.doc, self.document.regions, self.document.references)

    def _metadata(self) -> None:
        meta = self.document.document
        doc = self.doc
        self.add(doc, RDF.type, FG.WorkPlan)
        self.add(doc, FG.id, Literal(self.docid))
        if meta.title:
            self.add(doc, DCTERMS.title, _zh(meta.title))
        if meta.doc_number:
            self.add(doc, DCTERMS.identifier, Literal(meta.doc_number))
        if meta.issued:
            self.add(doc, ELI.date_document, Literal(meta.issued, datatype=XSD.date))
        if meta.published:
            self.add(doc, ELI.date_publication, Literal(meta.published, datatype=XSD.date))
        if meta.source:
            source = meta.source
            is_url = source.startswith(("http://", "https://"))
            self.add(doc, DCTERMS.source, URIRef(source) if is_url else Literal(source))
        if meta.issuer or meta.issuer_name:
            issuer, registered = _issuer_id(meta.issuer, meta.issuer_name)
            self.used.department(issuer, meta.issuer_name or meta.issuer, registered)
            self.add(doc, DCTERMS.publisher, department_iri(issuer, self.base))
        self.add(doc, FG.text, _zh(self.text))

    def _task(self, item: Item) -> None:
        task = task_iri(self.docid, item.number, self.base)
        self.add(task, RDF.type, FG.Task)
        self.add(task, FG.id, Literal(f"{self.docid}-t{item.number}"))
        self.add(task, FG.ordinal, _integer(item.number))
        self.add(task, ELI.number, Literal(item.label))
        self.add(task, DCTERMS.title, _zh(item.title))
        self.add(task, ELI.is_part_of, self.doc)
        self.add(self.doc, ELI.has_part, task)
        self.add(task, PROV.wasDerivedFrom, self.span(item.start, item.end))
        if item.section is not None:
            self.add(task, FG.section, section_iri(self.docid, item.section, self.base))
        if item.parent is not None:
            self.add(task, FG.parentTask, task_iri(self.docid, item.parent, self.base))
        if item.deadline:
            self.add(task, FG.deadline, _zh(item.deadline))
        for clause in item.clauses:
            node = clause_iri(self.docid, item.number, clause.number, self.base)
            self.add(task, FG.clause, node)
            self.add(node, RDF.type, FG.Clause)
            self.add(node, FG.ordinal, _integer(clause.number))
            self.add(node, FG.text, _zh(clause.text))
            self.add(node, PROV.wasDerivedFrom, self.span(clause.start, clause.end))
            if clause.attribution is not None:
                self.add(node, FG.attribution, _zh(clause.attribution))
            if clause.deadline:
                self.add(node, FG.deadline, _zh(clause.deadline))
            for assignment in clause.assignments:
                self._assignment(task, item.number, clause.number, node, assignment)
        for assignment in item.implementers:
            self._assignment(task, item.number, None, task, assignment)
        self._mentions(task, item.regions, item.references)

    def _assignment(
        self, task: URIRef, number: int, clause: int | None, plan: URIRef, assignment: Assignment
    ) -> None:
        role = _role_value(assignment.role)
        department = assignment.department or unregistered_id(assignment.name)
        node = assignment_iri(self.docid, number, clause, department, role, self.base)
        agent = department_iri(department, self.base)
        if not assignment.registered:
            # 市发改委 of one city is not another's: the qualified name comes first (prefLabel).
            qualified = self._qualified(assignment.name)
            if qualified != assignment.name:
                self.used.department(department, qualified, False)
        self.used.department(department, assignment.name, assignment.registered)
        self.add(plan, PROV.qualifiedAssociation, node)
        self.add(node, RDF.type, FG.Assignment)
        self.add(node, PROV.agent, agent)
        self.add(node, PROV.hadRole, ROLES[role])
        self.add(node, PROV.hadPlan, plan)
        self.add(node, PROV.wasDerivedFrom, self.span(assignment.start, assignment.end))
        if assignment.rule_start is not None and assignment.rule_end is not None:
            self.add(node, FG.ruleSpan, self.span(assignment.rule_start, assignment.rule_end))
        self.add(agent, ROLE_SHORTCUTS[role], task)

    def _target(self, owner: URIRef, number: int, target: Target) -> None:
        node = target_iri(self.docid, number, self.base)
        self.add(owner, FG.hasTarget, node)
        self.add(node, RDF.type, FG.Target)
        self.add(node, FG.surface, _zh(target.text))
        self.add(node, FG.metric, _zh(target.metric))
        if target.value is not None and math.isfinite(float(target.value)):
            self.add(node, RDF.value, _decimal(target.value))
        if target.value_text:
            self.add(node, FG.valueText, Literal(target.value_text))
        unit = target.unit or ""
        self.add(node, FG.unitText, _zh(unit))
        if unit in UNITS:
            self.add(node, QUDT.unit, UNITS[unit])
        if target.comparator in COMPARATORS:
            self.add(node, FG.comparator, COMPARATORS[target.comparator])
        if target.scope:
            self.add(node, FG.scope, _zh(target.scope))
        if target.period:
            self.add(node, FG.period, _zh(target.period))
        self.add(node, PROV.wasDerivedFrom, self.span(target.start, target.end))

    def _mentions(
        self, owner: URIRef, regions: Iterable[RegionMention], references: Iterable[Reference]
    ) -> None:
        for region in regions:
            entity = region_iri(region.region, self.base)
            self.used.region(region.region, region.name, region.members)
            self.add(owner, DCTERMS.spatial, entity)
            self._mention(owner, entity, region.start, region.end)
        for reference in references:
            entity = reference_iri(reference.title, self.base)
            self.add(owner, DCTERMS.references, entity)
            self.add(entity, RDF.type, FG.ReferencedDocument)
            self.add(entity, DCTERMS.title, _zh(reference.title))
            self._mention(owner, entity, reference.start, reference.end)

    def _mention(self, owner: URIRef, entity: URIRef, start: int, end: int) -> None:
        node = mention_iri(self.docid, start, end, self.base)
        self.add(owner, FG.hasMention, node)
        self.add(node, RDF.type, FG.Mention)
        self.add(node, FG.mentions, entity)
        self.add(node, PROV.wasDerivedFrom, self.span(start, end))

    def span(self, start: int, end: int) -> URIRef:
        """The span node for text[start:end]: the document and a position selector. Its text
        is the document's ``fg:text`` between the offsets, so no quote is stored: a quote
        selector made a third of every document's quads for text the graph already holds."""
        if not 0 <= start <= end <= len(self.text):
            raise ValueError(
                f"span {start}-{end} outside the text of document {self.docid} "
                f"({len(self.text)} characters)"
            )
        node = span_iri(self.docid, start, end, self.base)
        position = URIRef(f"{node}/position")
        self.add(node, RDF.type, OA.SpecificResource)
        self.add(node, OA.hasSource, self.doc)
        self.add(node, OA.hasSelector, position)
        self.add(position, RDF.type, OA.TextPositionSelector)
        self.add(position, OA.start, _integer(start))
        self.add(position, OA.end, _integer(end))
        return node


@lru_cache(maxsize=65536)
def _integer(value: int) -> Literal:
    """xsd:integer literals, shared: offsets and numbers repeat across documents, and
    rdflib's Literal constructor was the largest single cost of building a document."""
    return Literal(int(value))


def _zh(text: str) -> Literal:
    return Literal(text, lang=_ZH)


def _decimal(value: float | int | str) -> Literal:
    """xsd:decimal in canonical form ("1500.0", "73.5") from the model's float.

    repr() gives the shortest decimal that reads back as the same float; the canonical
    form keeps one digit after the point, as Turtle writes decimals, so the lexical form
    survives a round trip through Turtle.
    """
    number = Decimal(value) if isinstance(value, (int, str)) else Decimal(repr(float(value)))
    if number == number.to_integral_value():
        return Literal(f"{number.quantize(Decimal(1))}.0", datatype=XSD.decimal)
    return Literal(format(number.normalize(), "f"), datatype=XSD.decimal)


def _issuer_id(issuer: str | None, issuer_name: str | None) -> tuple[str, bool]:
    """The issuer is a department id when registered, else the name as written."""
    if issuer and _DEPARTMENT_SLUG.match(issuer):
        return issuer, not issuer.startswith("x-")
    name = issuer_name or issuer or ""
    return unregistered_id(name), False


# --- Registry graph --------------------------------------------------------------------


@lru_cache(maxsize=1)
def _ontology() -> Graph:
    return Graph().parse(ontology.path("fengong.ttl"), format="turtle")


def _describe_concept_schemes(graph: Graph) -> None:
    """Copy the role, department-kind and region scheme descriptions from the ontology."""
    for triple in _concept_scheme_triples():
        graph.add(triple)


@lru_cache(maxsize=1)
def _concept_scheme_triples() -> tuple[tuple[Node, Node, Node], ...]:
    onto = _ontology()
    schemes = (FG.Roles, FG.DepartmentKinds, FG.Regions)
    subjects = set(schemes)
    for scheme in schemes:
        subjects.update(onto.subjects(SKOS.inScheme, scheme))
    return tuple((subject, p, o) for subject in subjects for p, o in onto.predicate_objects(subject))


class RegistryMemo:
    """Descriptions of departments and regions already built, by everything that decides
    them (id, names as written, flags, base) — for one pair of registries. Each document
    built alone (``fengong ingest`` builds them one by one) describes the forty-odd
    departments and the regions it names again: a fifth of its build time, saved."""

    LIMIT = 50_000

    def __init__(self) -> None:
        self.departments: dict[tuple, tuple[list, str | None, str | None]] = {}
        self.regions: dict[tuple, tuple[list, list[str]]] = {}

    def keep(self, table: dict, key: tuple, value: Any) -> None:
        if len(table) >= self.LIMIT:
            table.clear()
        table[key] = value


def _lookup(registry: Any, key: str) -> Any:
    if registry is None:
        return None
    try:
        return registry.get(key)
    except (KeyError, LookupError):
        return None


def _describe_departments(graph: Graph, used: _Used, registry: Any, base: str,
                          memo: RegistryMemo | None = None) -> None:
    pending = list(used.departments)
    seen: set[str] = set()
    while pending:
        department = pending.pop(0)
        if department in seen:
            continue
        seen.add(department)
        written = tuple(used.departments.get(department, []))
        key = (department, written, used.department_registered.get(department, False), base)
        found = memo.departments.get(key) if memo is not None else None
        if found is None:
            sink = _Triples()
            found = (sink, *_describe_department(sink, used, registry, base, department, list(written)))
            if memo is not None:
                memo.keep(memo.departments, key, found)
        triples, parent, region = found
        for triple in triples:
            graph.add(triple)
        if parent:
            used.departments.setdefault(parent, [])
            pending.append(parent)
        if region:
            used.region(region, None)


def _describe_department(graph: Graph, used: _Used, registry: Any, base: str, department: str,
                         written: list[str]) -> tuple[str | None, str | None]:
    """Describe one department; returns its parent and its region (to describe too), if any."""
    node = department_iri(department, base)
    entry = _lookup(registry, department)
    graph.add((node, RDF.type, FG.Department))
    graph.add((node, FG.id, Literal(department)))
    graph.add((node, ORG.identifier, Literal(department)))
    if entry is None:
        registered = False if registry is not None else used.department_registered.get(department, False)
        name = written[0] if written else department
        graph.add((node, SKOS.prefLabel, _zh(name)))
        for alias in written[1:]:
            graph.add((node, SKOS.altLabel, _zh(alias)))
        graph.add((node, FG.registered, Literal(registered)))
        return None, None
    name = getattr(entry, "name", None) or (written[0] if written else department)
    graph.add((node, SKOS.prefLabel, _zh(name)))
    english = getattr(entry, "en", None)
    if english:
        graph.add((node, SKOS.prefLabel, Literal(english, lang="en")))
    short = getattr(entry, "short", None)
    if short:
        graph.add((node, FG.shortName, _zh(short)))
    aliases = [short, *(getattr(entry, "aliases", None) or ()), *written]
    for alias in aliases:
        if alias and alias != name:
            graph.add((node, SKOS.altLabel, _zh(alias)))
    kind = getattr(entry, "kind", None)
    if kind:
        graph.add((node, FG.kind, DEPARTMENT_KINDS.get(str(kind), FG.OtherKind)))
    level = getattr(entry, "level", None)
    if level:
        graph.add((node, FG.level, Literal(str(level))))
    parent = getattr(entry, "parent", None)
    if parent:
        graph.add((node, ORG.subOrganizationOf, department_iri(parent, base)))
    region = getattr(entry, "region", None)
    if region:
        graph.add((node, DCTERMS.spatial, region_iri(region, base)))
    graph.add((node, FG.registered, Literal(bool(getattr(entry, "registered", True)))))
    return parent or None, region or None


def _resolve_region(registry: Any, region: str, written: list[str]) -> Any:
    """Composites (杭绍) are not stored in the registry by id but resolve from their name."""
    resolve = getattr(registry, "resolve", None)
    if resolve is None:
        return None
    for name in written:
        try:
            entry = resolve(name)
        except (KeyError, LookupError, ValueError):
            continue
        if entry is not None and getattr(entry, "id", None) == region:
            return entry
    return None


def _describe_regions(graph: Graph, used: _Used, registry: Any, base: str,
                      memo: RegistryMemo | None = None) -> None:
    pending = list(used.regions)
    seen: set[str] = set()
    while pending:
        region = pending.pop(0)
        if region in seen:
            continue
        seen.add(region)
        written = tuple(used.regions.get(region, []))
        key = (region, written, tuple(used.region_members.get(region, [])), base)
        found = memo.regions.get(key) if memo is not None else None
        if found is None:
            sink = _Triples()
            found = (sink, _describe_region(sink, used, registry, base, region, list(written)))
            if memo is not None:
                memo.keep(memo.regions, key, found)
        triples, more = found
        for triple in triples:
            graph.add(triple)
        pending.extend(more)


def _describe_region(graph: Graph, used: _Used, registry: Any, base: str, region: str,
                     written: list[str]) -> list[str]:
    """Describe one region; returns the regions it names (parents, members) to describe too."""
    more: list[str] = []
    node = region_iri(region, base)
    entry = _lookup(registry, region) or _resolve_region(registry, region, written)
    members = list(used.region_members.get(region, []))
    code = None
    names = list(written)
    if entry is not None:
        names = [
            getattr(entry, "name", None),
            getattr(entry, "short_name", None),
            *(getattr(entry, "aliases", None) or ()),
            *written,
        ]
        code = getattr(entry, "code", None)
        members.extend(m for m in getattr(entry, "members", None) or () if m not in members)
        level = getattr(entry, "level", None)
        if level:
            graph.add((node, FG.level, Literal(str(level))))
        # A place may straddle divisions (梅山-佛渡-六横): then ``parents`` has them all.
        parents = getattr(entry, "parents", None) or [getattr(entry, "parent", None)]
        for parent in parents:
            if parent:
                graph.add((node, SKOS.broader, region_iri(parent, base)))
                more.append(parent)
    elif _DIVISION_CODE.match(region):
        code = region
    names = [n for i, n in enumerate(names) if n and n not in names[:i]]
    graph.add((node, RDF.type, FG.Region))
    graph.add((node, RDF.type, SKOS.Concept))
    graph.add((node, SKOS.inScheme, FG.Regions))
    graph.add((node, FG.id, Literal(region)))
    graph.add((node, SKOS.prefLabel, _zh(names[0] if names else region)))
    for alias in names[1:]:
        graph.add((node, SKOS.altLabel, _zh(alias)))
    if code:
        graph.add((node, RDF.type, FG.AdministrativeDivision))
        graph.add((node, SKOS.notation, Literal(str(code))))
    if members:
        graph.add((node, RDF.type, FG.RegionGroup))
        for member in members:
            graph.add((node, FG.member, region_iri(member, base)))
            more.append(member)
    return more


# --- Serialisation ---------------------------------------------------------------------


@lru_cache(maxsize=1)
def _context() -> dict[str, Any]:
    with open(ontology.path(CONTEXT_FILE), encoding="utf-8") as handle:
        return json.load(handle)["@context"]


def jsonld_context() -> dict[str, Any]:
    """The compact JSON-LD ``@context`` shipped as ``fengong/ontology/context.json``."""
    return dict(_context())


def to_turtle(graph: Graph) -> str:
    """Turtle of a Graph, or of the union of a Dataset's graphs (use :func:`to_trig` to keep them)."""
    return union_graph(graph).serialize(format="turtle")


def to_trig(dataset: Dataset) -> str:
    """TriG of a Dataset, keeping the named graphs."""
    return dataset.serialize(format="trig")


def to_jsonld(graph: Graph) -> str:
    """Compact JSON-LD using the shipped @context; a Dataset keeps its named graphs."""
    return graph.serialize(format="json-ld", context=jsonld_context(), indent=2)


def to_ntriples(graph: Graph) -> str:
    """Sorted N-Triples: a byte-stable form for comparing and diffing builds."""
    lines = union_graph(graph).serialize(format="nt").splitlines()
    return "".join(line + "\n" for line in sorted(set(lines)) if line.strip())


def validate(graph: Graph) -> tuple[bool, Graph, str]:
    """Check a built graph against ``ontology/shapes.ttl`` with pySHACL.

    The shapes follow links between a document and the registry (an assignment's agent
    must be a described fg:Department), so a Dataset is validated as its union graph.
    Returns ``(conforms, report graph, report text)``.
    """
    import pyshacl  # imported here: validation is optional and pySHACL is slow to import

    shapes = Graph().parse(ontology.path("shapes.ttl"), format="turtle")
    conforms, report, text = pyshacl.validate(
        union_graph(graph), shacl_graph=shapes, inference="none", advanced=False
    )
    return bool(conforms), report, str(text)
