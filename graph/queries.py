"""Named SPARQL queries behind every REST answer, and :class:`Answers`, which runs them.

Every answer of the HTTP layer comes from one of the queries in :data:`QUERIES` run over a
:class:`~fengong.store.Store`; values from users (a department, a role, a search string)
reach them only as ``bindings`` (rdflib terms the backend substitutes), never by string
concatenation. The query texts are constants: where a filter is optional, the query is
assembled from constant fragments chosen by which filters are present, never from values.

Every answer carries its source: spans are ``{"document", "start", "end", "text",
"sentence"}``, character offsets into the document's stored text (``fg:text``) read from
the span's ``oa:TextPositionSelector``; ``sentence`` is the sentence of the text around it.

:class:`Answers` caches what it computed per *store generation*: a counter bumped by every
write (:func:`generation`), so a hit costs a dictionary look-up and a write invalidates all.

>>> from fengong.store import open_store
>>> from fengong.extract import extract_sample
>>> store = open_store("memory"); _ = store.add_documents([extract_sample()])
>>> answers = Answers(store)
>>> dept = answers.resolve_department("省住建厅")
>>> dept["id"], dept["short"]
('zj-housing', '省建设厅')
>>> [t["label"] for t in answers.department_tasks("zj-housing", "lead")][:3]
['(十一)', '(十三)', '(十四)']
"""

from __future__ import annotations

import difflib
import re
import threading
import time
import unicodedata
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, ORG, PROV, RDF, SKOS, XSD
from rdflib.term import Node

from fengong.rdf import DEFAULT_BASE, department_iri, document_iri, region_iri, task_iri_from_id
from fengong.store import QueryResult, Store
from fengong.vocab import COMPARATORS, ELI, FG, OA, QUDT, ROLES

__all__ = [
    "QUERIES",
    "PREFIXES",
    "ROLE_NAMES",
    "Answers",
    "NamedQuery",
    "generation",
    "inline_bindings",
    "query",
    "run",
    "sentence_around",
]

#: Role names accepted by the API, in display order; ``any`` means every role.
ROLE_NAMES = ("lead", "support", "co_responsible", "implementer")

PREFIXES = "\n".join(
    f"PREFIX {prefix}: <{iri}>"
    for prefix, iri in (
        ("fg", str(FG._NS)),
        ("eli", str(ELI._NS)),
        ("oa", str(OA._NS)),
        ("qudt", str(QUDT._NS)),
        ("prov", str(PROV)),
        ("skos", str(SKOS)),
        ("dct", str(DCTERMS)),
        ("org", str(ORG)),
        ("rdf", str(RDF)),
        ("xsd", str(XSD)),
    )
)

# The derived department -> task edges of the three explicit roles, and of all four.
_EXPLICIT = "fg:leads|fg:supports|fg:coResponsibleFor"
_ANY_ROLE = "fg:leads|fg:supports|fg:coResponsibleFor|fg:implements"


@dataclass(frozen=True)
class NamedQuery:
    """One query the API runs: ``bind`` names the variables users may pre-bind."""

    name: str
    description: str
    sparql: str
    bind: tuple[str, ...] = ()


def _q(name: str, description: str, body: str, bind: tuple[str, ...] = ()) -> NamedQuery:
    return NamedQuery(name, description, f"{PREFIXES}\n{body.strip()}\n", bind)


QUERIES: dict[str, NamedQuery] = {}


def _register(*queries: NamedQuery) -> None:
    for query in queries:
        QUERIES[query.name] = query


_register(
    _q("documents", "Every work plan with its metadata and number of tasks.", """
SELECT ?doc ?id ?title ?identifier ?issued ?published ?publisher ?source
       (COUNT(DISTINCT ?task) AS ?tasks) WHERE {
  ?doc a fg:WorkPlan ; fg:id ?id .
  OPTIONAL { ?doc dct:title ?title }
  OPTIONAL { ?doc dct:identifier ?identifier }
  OPTIONAL { ?doc eli:date_document ?issued }
  OPTIONAL { ?doc eli:date_publication ?published }
  OPTIONAL { ?doc dct:publisher ?publisher }
  OPTIONAL { ?doc dct:source ?source }
  OPTIONAL { ?doc eli:has_part ?task . ?task a fg:Task }
}
GROUP BY ?doc ?id ?title ?identifier ?issued ?published ?publisher ?source
ORDER BY ?id
""", ("doc",)),
    _q("document_texts", "The stored text of every document (spans are offsets into it).", """
SELECT ?id ?text WHERE { ?doc a fg:WorkPlan ; fg:id ?id ; fg:text ?text . }
"""),
    _q("sections", "The sections of the documents.", """
SELECT ?section ?doc ?ordinal ?label ?title ?span WHERE {
  ?section a fg:Section ; eli:is_part_of ?doc ; fg:ordinal ?ordinal .
  OPTIONAL { ?section eli:number ?label }
  OPTIONAL { ?section dct:title ?title }
  OPTIONAL { ?section prov:wasDerivedFrom ?span }
}
"""),
    _q("spans", "Every source span: its document and character offsets.", """
SELECT ?span ?doc ?start ?end WHERE {
  ?position oa:start ?start ; oa:end ?end .
  ?span oa:hasSelector ?position ; oa:hasSource ?source .
  ?source fg:id ?doc .
}
"""),
    _q("departments", "Every department with its names, kind, level and place in the hierarchy.", """
SELECT ?dept ?id ?name ?en ?short ?kind ?level ?registered ?parent ?region WHERE {
  ?dept a fg:Department ; fg:id ?id .
  OPTIONAL { ?dept skos:prefLabel ?name FILTER(LANGMATCHES(LANG(?name), "zh")) }
  OPTIONAL { ?dept skos:prefLabel ?en FILTER(LANGMATCHES(LANG(?en), "en")) }
  OPTIONAL { ?dept fg:shortName ?short }
  OPTIONAL { ?dept fg:kind/skos:notation ?kind }
  OPTIONAL { ?dept fg:level ?level }
  OPTIONAL { ?dept fg:registered ?registered }
  OPTIONAL { ?dept org:subOrganizationOf/fg:id ?parent }
  OPTIONAL { ?dept dct:spatial/fg:id ?region }
}
""", ("dept",)),
    _q("department_labels", "Every name a department is known by in the graph (to resolve a name).", """
SELECT ?dept ?label WHERE {
  ?dept a fg:Department .
  { ?dept skos:prefLabel ?label } UNION { ?dept skos:altLabel ?label }
  UNION { ?dept fg:shortName ?label } UNION { ?dept fg:id ?label }
}
"""),
    _q("department_counts", "How many tasks each department leads, supports, co-owns and implements.", """
SELECT ?dept ?role (COUNT(DISTINCT ?task) AS ?n) WHERE {
  ?dept a fg:Department ; ?shortcut ?task .
  VALUES (?shortcut ?role) {
    (fg:leads "lead") (fg:supports "support") (fg:coResponsibleFor "co_responsible")
    (fg:implements "implementer")
  }
}
GROUP BY ?dept ?role
"""),
    _q("tasks", "Every task: number, label, title, section, parent, deadline and source span.", """
SELECT ?task ?id ?doc ?ordinal ?label ?title ?section ?parent ?deadline ?span WHERE {
  ?task a fg:Task ; fg:id ?id ; eli:is_part_of/fg:id ?doc ; fg:ordinal ?ordinal .
  OPTIONAL { ?task eli:number ?label }
  OPTIONAL { ?task dct:title ?title }
  OPTIONAL { ?task fg:section ?section }
  OPTIONAL { ?task fg:parentTask/fg:id ?parent }
  OPTIONAL { ?task fg:deadline ?deadline }
  OPTIONAL { ?task prov:wasDerivedFrom ?span }
}
"""),
    _q("clauses", "Every clause of every task, with its text, attribution and span.", """
SELECT ?task ?clause ?ordinal ?text ?attribution ?deadline ?span WHERE {
  ?task fg:clause ?clause .
  ?clause fg:ordinal ?ordinal ; fg:text ?text .
  OPTIONAL { ?clause fg:attribution ?attribution }
  OPTIONAL { ?clause fg:deadline ?deadline }
  OPTIONAL { ?clause prov:wasDerivedFrom ?span }
}
""", ("task",)),
    _q("assignments", "Who is responsible for what: every assignment with its plan, agent, role and span.", """
SELECT ?task ?plan ?dept ?role ?span ?rule WHERE {
  ?task a fg:Task ; prov:qualifiedAssociation|(fg:clause/prov:qualifiedAssociation) ?asg .
  ?asg prov:agent ?dept ; prov:hadRole/skos:notation ?role ; prov:hadPlan ?plan .
  OPTIONAL { ?asg prov:wasDerivedFrom ?span }
  OPTIONAL { ?asg fg:ruleSpan ?rule }
}
""", ("task", "dept")),
    _q("department_tasks", "The tasks and clauses for which a department has a role (?role unbound: any).", """
SELECT ?task ?plan ?roleName ?span ?rule WHERE {
  ?asg prov:agent ?dept ; prov:hadRole ?role ; prov:hadPlan ?plan .
  ?role skos:notation ?roleName .
  ?task a fg:Task ; prov:qualifiedAssociation|(fg:clause/prov:qualifiedAssociation) ?asg .
  OPTIONAL { ?asg prov:wasDerivedFrom ?span }
  OPTIONAL { ?asg fg:ruleSpan ?rule }
}
""", ("dept", "role")),
    _q("common_tasks", "The tasks for which two departments both lead, support or co-own a clause.", f"""
SELECT DISTINCT ?task WHERE {{
  ?first {_EXPLICIT} ?task .
  ?second {_EXPLICIT} ?task .
}}
""", ("first", "second")),
    _q("partners", "The departments that share a task with a department (lead, support, co-responsible).", f"""
SELECT DISTINCT ?other ?task WHERE {{
  ?dept {_EXPLICIT} ?task .
  ?other {_EXPLICIT} ?task .
  FILTER(?other != ?dept)
}}
""", ("dept",)),
    _q("targets", "Every quantified target with its metric, value, unit, comparator and owner.", """
SELECT ?target ?owner ?surface ?metric ?value ?valueText ?unitText ?unit ?comparator ?scope ?period ?span
WHERE {
  ?owner fg:hasTarget ?target .
  ?target fg:surface ?surface .
  OPTIONAL { ?target fg:metric ?metric }
  OPTIONAL { ?target rdf:value ?value }
  OPTIONAL { ?target fg:valueText ?valueText }
  OPTIONAL { ?target fg:unitText ?unitText }
  OPTIONAL { ?target qudt:unit ?unit }
  OPTIONAL { ?target fg:comparator ?comparator }
  OPTIONAL { ?target fg:scope ?scope }
  OPTIONAL { ?target fg:period ?period }
  OPTIONAL { ?target prov:wasDerivedFrom ?span }
}
""", ("owner",)),
    _q("regions", "Every region with its code, level, parent, members and how many tasks mention it.", """
SELECT ?region ?id ?name ?code ?level ?broader ?member (COUNT(DISTINCT ?task) AS ?tasks) WHERE {
  ?region a fg:Region ; fg:id ?id .
  OPTIONAL { ?region skos:prefLabel ?name }
  OPTIONAL { ?region skos:notation ?code }
  OPTIONAL { ?region fg:level ?level }
  OPTIONAL { ?region skos:broader/fg:id ?broader }
  OPTIONAL { ?region fg:member/fg:id ?member }
  OPTIONAL { ?task a fg:Task ; dct:spatial ?region }
}
GROUP BY ?region ?id ?name ?code ?level ?broader ?member
"""),
    _q("region_labels", "Every name a region is known by in the graph.", """
SELECT ?region ?label WHERE {
  ?region a fg:Region .
  { ?region skos:prefLabel ?label } UNION { ?region skos:altLabel ?label }
  UNION { ?region skos:notation ?label } UNION { ?region fg:id ?label }
}
"""),
    _q("region_tasks", "The tasks that mention a region, a group it belongs to, or a place within it.", """
SELECT ?task ?via ?span WHERE {
  ?task a fg:Task ; dct:spatial ?via .
  ?via (fg:member|skos:broader)* ?region .
  OPTIONAL { ?task fg:hasMention ?mention . ?mention fg:mentions ?via ; prov:wasDerivedFrom ?span }
}
""", ("region",)),
    _q("mentions", "The regions and referenced documents each task mentions, with spans.", """
SELECT ?owner ?entity ?kind ?title ?span WHERE {
  ?owner fg:hasMention ?mention .
  ?mention fg:mentions ?entity ; prov:wasDerivedFrom ?span .
  { ?entity a fg:Region . BIND("region" AS ?kind) }
  UNION { ?entity a fg:ReferencedDocument ; dct:title ?title . BIND("reference" AS ?kind) }
}
""", ("owner",)),
    _q("search", "Task titles, clause texts and targets containing a string (?q).", """
SELECT ?kind ?subject ?text ?span WHERE {
  {
    ?subject a fg:Task ; dct:title ?text .
    OPTIONAL { ?subject prov:wasDerivedFrom ?span }
    BIND("task" AS ?kind)
  } UNION {
    ?subject a fg:Clause ; fg:text ?text .
    OPTIONAL { ?subject prov:wasDerivedFrom ?span }
    BIND("clause" AS ?kind)
  } UNION {
    ?subject a fg:Target ; fg:surface ?text .
    OPTIONAL { ?subject prov:wasDerivedFrom ?span }
    BIND("target" AS ?kind)
  }
  FILTER(CONTAINS(LCASE(STR(?text)), LCASE(STR(?q))))
}
""", ("q",)),
)


# Optional target filters, as constant fragments (values only ever arrive as bindings).
_TARGET_FILTERS = {
    "department": f"?dept {_ANY_ROLE} ?owner .",
    "unit": "?target fg:unitText ?unitFilter . FILTER(STR(?unitFilter) = STR(?unit_q))",
    "section": "?owner fg:section/fg:ordinal ?sectionOrdinal .",
    "metric": "FILTER(CONTAINS(STR(?metric), STR(?metric_q)) || CONTAINS(STR(?surface), STR(?metric_q)))",
}


def targets_query(*filters: str) -> NamedQuery:
    """The targets query with the named filters (``department``, ``unit``, ``section``,
    ``metric``) added; their values are bound as ``?dept``, ``?unit_q``, ``?sectionOrdinal``
    and ``?metric_q``.

    >>> "?dept" in targets_query("department").sparql
    True
    """
    base = QUERIES["targets"]
    extra = [_TARGET_FILTERS[f] for f in sorted(set(filters))]
    if not extra:
        return base
    sparql = base.sparql.replace("?owner fg:hasTarget ?target .", "?owner fg:hasTarget ?target .\n  " + "\n  ".join(extra), 1)
    binds = {"department": "dept", "unit": "unit_q", "section": "sectionOrdinal", "metric": "metric_q"}
    return NamedQuery(f"targets[{','.join(sorted(set(filters)))}]", base.description, sparql,
                      tuple(binds[f] for f in sorted(set(filters))))


# --- running ---------------------------------------------------------------------------


# rdflib's SPARQL parser (pyparsing) is not thread-safe, and the memory store parses
# outside its lock: queries on it are serialised here (it evaluates one at a time anyway).
_RDFLIB_LOCK = threading.RLock()


def query(store: Store, sparql: str, bindings: Mapping[str, Node] | None = None, **kwargs) -> QueryResult:
    """``store.query``, made safe to call from several threads on every backend."""
    if store.name == "memory":
        with _RDFLIB_LOCK:
            return store.query(sparql, dict(bindings or {}), **kwargs)
    return store.query(sparql, dict(bindings or {}), **kwargs)


def run(store: Store, query_: NamedQuery | str, bindings: Mapping[str, Node] | None = None,
        timeout: float | None = None) -> QueryResult:
    """Run a named query (or its name) with bindings."""
    named = QUERIES[query_] if isinstance(query_, str) else query_
    return query(store, named.sparql, bindings, timeout=timeout)


def inline_bindings(sparql: str, bindings: Mapping[str, Node] | None) -> str:
    """The query with its bindings shown as a ``VALUES`` block at the top of the WHERE
    clause, so that a user can run it as it is (terms serialised by the N-Triples rules).

    >>> q = "SELECT ?t WHERE { ?d fg:leads ?t }"
    >>> print(inline_bindings(q, {"d": URIRef("https://x/d")}))
    SELECT ?t WHERE {
      VALUES (?d) { (<https://x/d>) }
      ?d fg:leads ?t }
    """
    if not bindings:
        return sparql
    names = sorted(bindings)
    head = " ".join(f"?{n}" for n in names)
    row = " ".join(bindings[n].n3() for n in names)
    block = f"VALUES ({head}) {{ ({row}) }}"
    match = re.search(r"WHERE\s*\{", sparql)
    if not match:
        return f"# bindings: {block}\n{sparql}"
    return f"{sparql[:match.end()]}\n  {block}\n  {sparql[match.end():].lstrip()}"


# --- generations -----------------------------------------------------------------------

_GENERATION_ATTR = "_fengong_generation"
_tracking_lock = threading.Lock()
_WRITES = ("add_documents", "add_prepared", "replace_all", "remove_document", "load_nquads")
#: Remote stores can change behind our back: their answers are kept this long (seconds).
REMOTE_TTL = 5.0


def generation(store: Store) -> Hashable:
    """A value that changes whenever the store's content may have changed.

    Uses the store's own ``generation`` when it has one; otherwise the first call wraps
    the store's write methods on the instance so that each write bumps a counter. A
    remote store (whose data others may change) also changes generation every few seconds.

    >>> from fengong.store import open_store
    >>> s = open_store("memory"); g = generation(s); _ = s.remove_document("none")
    >>> generation(s) != g
    True
    """
    native = getattr(store, "generation", None)
    if native is None:
        native = getattr(store, _GENERATION_ATTR, None)
        if native is None:
            _track(store)
            native = getattr(store, _GENERATION_ATTR)
    if store.name in ("sparql", "remote", "virtuoso"):
        return (native, int(time.monotonic() // REMOTE_TTL))
    return native


def _track(store: Store) -> None:
    with _tracking_lock:
        if getattr(store, _GENERATION_ATTR, None) is not None:
            return
        setattr(store, _GENERATION_ATTR, 0)
        for name in _WRITES:
            method = getattr(store, name, None)
            if method is None:
                continue
            setattr(store, name, _bumping(store, method))


def _bumping(store: Store, method: Callable) -> Callable:
    def write(*args, **kwargs):
        try:
            return method(*args, **kwargs)
        finally:
            # Bump after the write (readers then see new data with a new generation) and
            # also on failure: an all-or-nothing write may still have touched something.
            setattr(store, _GENERATION_ATTR, getattr(store, _GENERATION_ATTR, 0) + 1)

    write.__wrapped__ = method  # type: ignore[attr-defined]
    write.__doc__ = method.__doc__
    return write


# --- small helpers -----------------------------------------------------------------------

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_SENTENCE_END = "。；;！!？?\n"


def clean_text(value: str) -> str:
    """NFKC, zero-width characters removed, outer whitespace stripped."""
    return unicodedata.normalize("NFKC", value).translate(_ZERO_WIDTH).strip()


def sentence_around(text: str, start: int, end: int) -> str:
    """The sentence of ``text`` containing ``text[start:end]`` (ends at 。；！？ or a newline).

    >>> sentence_around("一句。二句有目标;三句。", 5, 7)
    '二句有目标;'
    >>> sentence_around("一句。二句。(省建设厅)", 8, 12)
    '二句。(省建设厅)'
    """
    if not text:
        return ""
    start = max(0, min(start, len(text)))
    end = max(start, min(end, len(text)))
    left = start
    while left > 0 and text[left - 1] not in _SENTENCE_END:
        left -= 1
    # An attribution parenthesis after the full stop belongs to the sentence before it.
    if left > 0 and text[left:start + 1].lstrip()[:1] in ("(", "（") and text[left - 1] != "\n":
        left -= 1
        while left > 0 and text[left - 1] not in _SENTENCE_END:
            left -= 1
    right = end
    if right > start and text[right - 1] in _SENTENCE_END:
        pass
    else:
        while right < len(text) and text[right] not in _SENTENCE_END:
            right += 1
        if right < len(text) and text[right] != "\n":
            right += 1
    return text[left:right].strip()


def _str(node: Node | None) -> str | None:
    return None if node is None else str(node)


def _int(node: Node | None) -> int | None:
    if node is None:
        return None
    try:
        return int(str(node))
    except ValueError:
        return None


def _number(node: Node | None) -> float | int | None:
    if node is None:
        return None
    try:
        value = float(str(node))
    except ValueError:
        return None
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def _bool(node: Node | None) -> bool | None:
    return None if node is None else str(node).lower() in ("true", "1")


def _tail(iri: Node | str | None) -> str | None:
    if iri is None:
        return None
    return str(iri).rsplit("/", 1)[-1]


_COMPARATOR_SYMBOLS = {str(v): k for k, v in COMPARATORS.items()}
_ROLE_ORDER = {name: i for i, name in enumerate(ROLE_NAMES)}


def _sorted_roles(roles: Iterable[str]) -> list[str]:
    return sorted(set(roles), key=lambda r: (_ROLE_ORDER.get(r, 99), r))


def _page_key(task: dict[str, Any]) -> tuple:
    return (task["document"], task["number"] if task["number"] is not None else 0, task["id"])


# --- answers ---------------------------------------------------------------------------


class Answers:
    """The API's answers over one store, computed by the named queries and cached per
    store generation. Thread-safe: concurrent misses may compute the same value twice.

    ``registry`` (a :class:`~fengong.registry.DepartmentRegistry`) and ``regions`` (a
    :class:`~fengong.regions.RegionRegistry`) help resolve names; the graph decides.
    """

    def __init__(self, store: Store, registry: Any = None, regions: Any = None,
                 timeout: float | None = None) -> None:
        self.store = store
        self.base = getattr(store, "base", DEFAULT_BASE) or DEFAULT_BASE
        self._registry = registry
        self._regions = regions
        self.timeout = timeout
        self._cache: dict[Hashable, Any] = {}
        self._generation: Hashable = object()
        self._lock = threading.Lock()

    # -- caching ------------------------------------------------------------------------
    @property
    def registry(self):
        if self._registry is None:
            from fengong.registry import DepartmentRegistry

            self._registry = DepartmentRegistry.default()
        return self._registry

    @property
    def region_registry(self):
        if self._regions is None:
            from fengong.regions import RegionRegistry

            self._regions = RegionRegistry.default()
        return self._regions

    def generation(self) -> Hashable:
        return generation(self.store)

    def cached(self, key: Hashable, compute: Callable[[], Any], limit: int = 4096) -> Any:
        """The value for ``key`` in the current generation, computing it on a miss."""
        current = generation(self.store)
        with self._lock:
            if current != self._generation:
                self._cache = {}
                self._generation = current
            if key in self._cache:
                return self._cache[key]
        value = compute()
        with self._lock:
            if current == self._generation:
                if len(self._cache) >= limit:
                    self._cache.pop(next(iter(self._cache)))
                self._cache[key] = value
        return value

    def _run(self, query: NamedQuery | str, bindings: Mapping[str, Node] | None = None) -> QueryResult:
        return run(self.store, query, bindings, timeout=self.timeout)

    # -- tables (one query each, per generation) ------------------------------------------
    def texts(self) -> dict[str, str]:
        def compute():
            return {str(r["id"]): str(r["text"]) for r in self._run("document_texts").dicts()}

        return self.cached("texts", compute)

    def spans(self) -> dict[str, tuple[str, int, int]]:
        def compute():
            out = {}
            for span, doc, start, end in self._run("spans").rows:
                out[str(span)] = (str(doc), int(str(start)), int(str(end)))
            return out

        return self.cached("spans", compute)

    def source(self, span: Node | str | None) -> dict[str, Any] | None:
        """The source object of a span IRI: document, offsets, exact text and sentence."""
        if span is None:
            return None
        found = self.spans().get(str(span))
        if found is None:
            return None
        doc, start, end = found
        text = self.texts().get(doc, "")
        return {
            "document": doc,
            "start": start,
            "end": end,
            "text": text[start:end],
            "sentence": sentence_around(text, start, end),
        }

    def department_table(self) -> dict[str, dict[str, Any]]:
        """Department IRI -> description (with aliases and task counts)."""

        def compute():
            table: dict[str, dict[str, Any]] = {}
            for r in self._run("departments").dicts():
                iri = str(r["dept"])
                entry = table.get(iri)
                if entry is None:
                    entry = table[iri] = {
                        "id": str(r["id"]),
                        "iri": iri,
                        "name": _str(r["name"]),
                        "name_en": _str(r["en"]),
                        "short": _str(r["short"]),
                        "aliases": [],
                        "kind": _str(r["kind"]),
                        "level": _str(r["level"]),
                        "registered": _bool(r["registered"]),
                        "parent": _str(r["parent"]),
                        "region": _str(r["region"]),
                        "counts": {role: 0 for role in ROLE_NAMES},
                    }
                else:  # several values of an optional property: keep the smallest, stable
                    for key, var in (("name", "name"), ("name_en", "en"), ("short", "short")):
                        value = _str(r[var])
                        if value and (entry[key] is None or value < entry[key]):
                            entry[key] = value
            for dept, label in self._run("department_labels").rows:
                entry = table.get(str(dept))
                if entry is None or getattr(label, "language", None) == "en":
                    continue
                label = str(label)
                if label not in (entry["name"], entry["id"]) and label not in entry["aliases"]:
                    entry["aliases"].append(label)
            for entry in table.values():
                entry["aliases"].sort()
                if entry["name"] is None:
                    entry["name"] = entry["short"] or entry["id"]
                if entry["short"] is None:
                    entry["short"] = entry["name"]
            for dept, role, n in self._run("department_counts").rows:
                entry = table.get(str(dept))
                if entry is not None:
                    entry["counts"][str(role)] = int(str(n))
            return table

        return self.cached("departments", compute)

    def department_index(self) -> dict[str, str]:
        """Normalised label (any name in the graph) -> department IRI; ambiguous labels
        are dropped."""

        def compute():
            from fengong.registry import normalize

            index: dict[str, str] = {}
            ambiguous: set[str] = set()
            for dept, label in self._run("department_labels").rows:
                key = normalize(str(label))
                if not key:
                    continue
                if key in index and index[key] != str(dept):
                    ambiguous.add(key)
                index.setdefault(key, str(dept))
            for key in ambiguous:
                index.pop(key, None)
            return index

        return self.cached("department_index", compute)

    def task_table(self) -> dict[str, dict[str, Any]]:
        """Task IRI -> summary (id, document, number, label, title, section, source)."""

        def compute():
            sections = self.section_table()
            table: dict[str, dict[str, Any]] = {}
            for r in self._run("tasks").dicts():
                iri = str(r["task"])
                if iri in table:
                    continue
                section = sections.get(str(r["section"])) if r["section"] is not None else None
                table[iri] = {
                    "id": str(r["id"]),
                    "iri": iri,
                    "document": str(r["doc"]),
                    "number": _int(r["ordinal"]),
                    "label": _str(r["label"]),
                    "title": _str(r["title"]),
                    "section": section,
                    "parent": _str(r["parent"]),
                    "deadline": _str(r["deadline"]),
                    "source": self.source(r["span"]),
                }
            return dict(sorted(table.items(), key=lambda kv: _page_key(kv[1])))

        return self.cached("tasks", compute)

    def task_by_id(self) -> dict[str, str]:
        return self.cached("task_ids", lambda: {t["id"]: iri for iri, t in self.task_table().items()})

    def section_table(self) -> dict[str, dict[str, Any]]:
        def compute():
            out = {}
            for r in self._run("sections").dicts():
                out[str(r["section"])] = {
                    "number": _int(r["ordinal"]),
                    "label": _str(r["label"]),
                    "title": _str(r["title"]),
                }
            return out

        return self.cached("sections", compute)

    def clause_table(self) -> dict[str, list[dict[str, Any]]]:
        """Task IRI -> its clauses in order."""

        def compute():
            out: dict[str, dict[str, dict[str, Any]]] = {}
            for r in self._run("clauses").dicts():
                clauses = out.setdefault(str(r["task"]), {})
                iri = str(r["clause"])
                if iri in clauses:
                    continue
                clauses[iri] = {
                    "number": _int(r["ordinal"]),
                    "iri": iri,
                    "text": str(r["text"]),
                    "attribution": _str(r["attribution"]),
                    "deadline": _str(r["deadline"]),
                    "source": self.source(r["span"]),
                }
            return {task: sorted(c.values(), key=lambda c: c["number"] or 0) for task, c in out.items()}

        return self.cached("clauses", compute)

    def _task_summary(self, iri: str) -> dict[str, Any]:
        task = self.task_table().get(iri)
        if task is None:  # a task without fg:id etc. — describe it by its IRI
            return {"id": _tail(iri), "iri": iri, "document": None, "number": None, "label": None,
                    "title": None, "section": None, "parent": None, "deadline": None, "source": None}
        return dict(task)

    def _dept_ref(self, iri: str) -> dict[str, Any]:
        entry = self.department_table().get(iri)
        if entry is None:
            return {"id": _tail(iri), "name": None, "short": None}
        return {"id": entry["id"], "name": entry["name"], "short": entry["short"]}

    # -- resolution ---------------------------------------------------------------------
    def resolve_department(self, ref: str) -> dict[str, Any] | None:
        """The department ``ref`` names: its id, full name, short name or any alias, as the
        registry knows them or as the graph labels it (unregistered units too). None if
        nothing matches. Registered departments with no tasks in the graph are returned
        with ``in_graph: False`` and zero counts.
        """
        from fengong.registry import normalize

        if not isinstance(ref, str):
            return None
        table = self.department_table()
        text = clean_text(ref)
        if not text or len(text) > 200:
            return None
        by_id = self.cached("department_ids", lambda: {e["id"]: iri for iri, e in table.items()})
        if text in by_id:
            return dict(table[by_id[text]], in_graph=True)
        registered = self.registry.resolve(text) if normalize(text) else None
        if registered is not None:
            iri = by_id.get(registered.id)
            if iri is not None:
                return dict(table[iri], in_graph=True)
        iri = self.department_index().get(normalize(text))
        if iri is not None:
            return dict(table[iri], in_graph=True)
        if registered is not None:
            return {
                "id": registered.id, "iri": str(department_iri(registered.id, self.base)),
                "name": registered.name, "name_en": registered.en, "short": registered.short,
                "aliases": list(registered.aliases), "kind": registered.kind, "level": registered.level,
                "registered": True, "parent": registered.parent, "region": registered.region,
                "counts": {role: 0 for role in ROLE_NAMES}, "in_graph": False,
            }
        return None

    def suggest_departments(self, ref: str, n: int = 3) -> list[str]:
        """Short names of the departments whose names are closest to ``ref``."""
        from fengong.registry import normalize

        query = normalize(clean_text(ref or ""))[:100]
        if not query:
            return []
        table = self.department_table()
        scores: dict[str, float] = {}
        for dept in self.registry.suggest(query, n=n):
            scores[dept.short] = 1.0 + 0.01 * (n - len(scores))
        matcher = difflib.SequenceMatcher(autojunk=False)
        matcher.set_seq2(query)
        for key, iri in self.department_index().items():
            matcher.set_seq1(key)
            score = matcher.ratio()
            if query in key or key in query:
                score = max(score, 0.6 + 0.4 * min(len(query), len(key)) / max(len(query), len(key)))
            name = table[iri]["short"] or table[iri]["name"]
            if score >= 0.5 and score > scores.get(name, 0.0):
                scores[name] = score
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
        return [name for name, _ in ranked[:n]]

    def resolve_region(self, ref: str) -> dict[str, Any] | None:
        """The region ``ref`` names (id, GB/T 2260 code, name or alias), as the graph knows it."""
        from fengong.registry import normalize

        if not isinstance(ref, str):
            return None
        text = clean_text(ref)
        if not text or len(text) > 200:
            return None
        table = self.region_table()
        index = self.region_index()
        iri = index.get(text) or index.get(normalize(text))
        if iri is None:
            try:
                found = self.region_registry.resolve(text)
            except (KeyError, LookupError, ValueError):
                found = None
            if found is not None:
                candidate = str(region_iri(found.id, self.base))
                iri = candidate if candidate in table else None
        return dict(table[iri]) if iri else None

    def suggest_regions(self, ref: str, n: int = 3) -> list[str]:
        from fengong.registry import normalize

        query = normalize(clean_text(ref or ""))[:100]
        keys = list(self.region_index())
        close = difflib.get_close_matches(query, keys, n=n, cutoff=0.5) if query else []
        table = self.region_table()
        return list(dict.fromkeys(table[self.region_index()[k]]["name"] for k in close))

    # -- departments --------------------------------------------------------------------
    def departments(self) -> list[dict[str, Any]]:
        """Every department, most tasks first."""

        def compute():
            rows = [dict(e, in_graph=True) for e in self.department_table().values()]
            rows.sort(key=lambda e: (-sum(e["counts"].values()), e["id"]))
            return rows

        return self.cached("department_list", compute)

    @staticmethod
    def department_tasks_bindings(dept_iri: str, role: str) -> dict[str, Node]:
        bindings: dict[str, Node] = {"dept": URIRef(dept_iri)}
        if role != "any":
            bindings["role"] = ROLES[role]
        return bindings

    def department_tasks(self, dept_id: str, role: str = "any") -> list[dict[str, Any]]:
        """The tasks for which the department has ``role`` (``any``: every role), each with
        the department's roles on it and the clauses that say so."""
        if role != "any" and role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
        iri = str(department_iri(dept_id, self.base))

        def compute():
            result = self._run("department_tasks", self.department_tasks_bindings(iri, role))
            return self._shape_department_tasks(result.dicts())

        return self.cached(("department_tasks", dept_id, role), compute)

    def _shape_department_tasks(self, rows: list[dict[str, Node | None]]) -> list[dict[str, Any]]:
        clauses_by_task = self.clause_table()
        tasks: dict[str, dict[str, Any]] = {}
        for r in rows:
            task_iri = str(r["task"])
            plan = str(r["plan"])
            role = str(r["roleName"])
            task = tasks.get(task_iri)
            if task is None:
                task = tasks[task_iri] = self._task_summary(task_iri)
                task["roles"] = []
                task["clauses"] = {}
                task["assignments"] = []
            task["roles"].append(role)
            assignment = {"role": role, "clause": None, "source": self.source(r["span"])}
            if plan != task_iri:
                clause = next((c for c in clauses_by_task.get(task_iri, []) if c["iri"] == plan), None)
                if clause is not None:
                    entry = task["clauses"].setdefault(plan, dict(clause, roles=[]))
                    entry["roles"].append(role)
                    assignment["clause"] = clause["number"]
            if r.get("rule") is not None:
                assignment["rule"] = self.source(r["rule"])
            task["assignments"].append(assignment)
        out = []
        for task in tasks.values():
            task["roles"] = _sorted_roles(task["roles"])
            clauses = sorted(task["clauses"].values(), key=lambda c: c["number"] or 0)
            for clause in clauses:
                clause["roles"] = _sorted_roles(clause["roles"])
            task["clauses"] = clauses
            task["assignments"].sort(key=lambda a: (a["clause"] or 0, _ROLE_ORDER.get(a["role"], 99)))
            out.append(task)
        out.sort(key=_page_key)
        return out

    def common_tasks(self, first_id: str, second_id: str) -> list[dict[str, Any]]:
        """Tasks both departments lead, support or co-own, with each one's roles and clauses."""
        first = str(department_iri(first_id, self.base))
        second = str(department_iri(second_id, self.base))

        def compute():
            result = self._run("common_tasks", {"first": URIRef(first), "second": URIRef(second)})
            shared = {str(t) for t in result.values("task")}
            a = {t["iri"]: t for t in self.department_tasks(first_id, "any")}
            b = {t["iri"]: t for t in self.department_tasks(second_id, "any")}
            out = []
            for iri in shared:
                task = self._task_summary(iri)
                task["departments"] = [
                    {"department": self._dept_ref(first), "roles": a.get(iri, {}).get("roles", []),
                     "clauses": a.get(iri, {}).get("clauses", [])},
                    {"department": self._dept_ref(second), "roles": b.get(iri, {}).get("roles", []),
                     "clauses": b.get(iri, {}).get("clauses", [])},
                ]
                out.append(task)
            out.sort(key=_page_key)
            return out

        return self.cached(("common", first_id, second_id), compute)

    def partners(self, dept_id: str) -> list[dict[str, Any]]:
        """Departments sharing a task with this one (as lead, support or co-responsible):
        how many tasks and which, most shared first."""
        iri = str(department_iri(dept_id, self.base))

        def compute():
            result = self._run("partners", {"dept": URIRef(iri)})
            shared: dict[str, set[str]] = {}
            for other, task in result.rows:
                shared.setdefault(str(other), set()).add(str(task))
            out = []
            for other, tasks in shared.items():
                summaries = sorted((self._task_summary(t) for t in tasks), key=_page_key)
                out.append({
                    "department": self._dept_ref(other),
                    "count": len(tasks),
                    "tasks": [{k: t[k] for k in ("id", "document", "number", "label", "title")} for t in summaries],
                })
            out.sort(key=lambda p: (-p["count"], p["department"]["id"]))
            return out

        return self.cached(("partners", dept_id), compute)

    # -- tasks --------------------------------------------------------------------------
    def assignment_table(self) -> dict[str, list[dict[str, Any]]]:
        """Task IRI -> its assignments (department, role, clause number, spans)."""

        def compute():
            clause_numbers = {c["iri"]: c["number"] for cs in self.clause_table().values() for c in cs}
            out: dict[str, list[dict[str, Any]]] = {}
            seen = set()
            for r in self._run("assignments").dicts():
                key = (str(r["task"]), str(r["plan"]), str(r["dept"]), str(r["role"]))
                if key in seen:
                    continue
                seen.add(key)
                entry = {
                    "department": self._dept_ref(str(r["dept"])),
                    "role": str(r["role"]),
                    "clause": clause_numbers.get(str(r["plan"])),
                    "source": self.source(r["span"]),
                }
                if r["rule"] is not None:
                    entry["rule"] = self.source(r["rule"])
                out.setdefault(str(r["task"]), []).append(entry)
            for items in out.values():
                items.sort(key=lambda a: (a["clause"] or 0, _ROLE_ORDER.get(a["role"], 99),
                                          (a["source"] or {}).get("start", 0)))
            return out

        return self.cached("assignments", compute)

    def tasks(self, document: str | None = None, section: int | None = None) -> list[dict[str, Any]]:
        """Every task (optionally of one document / section) with who leads and supports it."""

        def compute():
            assignments = self.assignment_table()
            out = []
            for iri, task in self.task_table().items():
                if document is not None and task["document"] != document:
                    continue
                if section is not None and (task["section"] or {}).get("number") != section:
                    continue
                by_role: dict[str, list[dict[str, Any]]] = {role: [] for role in ROLE_NAMES}
                for a in assignments.get(iri, []):
                    names = by_role.setdefault(a["role"], [])
                    if a["department"] not in names:
                        names.append(a["department"])
                out.append(dict(task, departments=by_role))
            return out

        return self.cached(("tasks", document, section), compute)

    def task(self, task_id: str) -> dict[str, Any] | None:
        """Everything about one task: clauses with their assignments, assignments by role,
        targets, regions, references and source span."""

        def compute():
            iri = self.task_by_id().get(task_id)
            if iri is None:
                return None
            task = self._task_summary(iri)
            assignments = self.assignment_table().get(iri, [])
            clauses = []
            for clause in self.clause_table().get(iri, []):
                clauses.append(dict(clause, assignments=[
                    {k: v for k, v in a.items() if k != "clause"} for a in assignments if a["clause"] == clause["number"]
                ]))
            by_role: dict[str, list[dict[str, Any]]] = {role: [] for role in ROLE_NAMES}
            for a in assignments:
                by_role.setdefault(a["role"], []).append(
                    {"department": a["department"], "clause": a["clause"], "source": a["source"],
                     **({"rule": a["rule"]} if "rule" in a else {})})
            mentions = self._mentions(iri)
            task.update(
                clauses=clauses,
                assignments=by_role,
                targets=[t for t in self.all_targets() if t["task"] and t["task"]["id"] == task["id"]],
                regions=mentions["region"],
                references=mentions["reference"],
                subtasks=[t["id"] for t in self.task_table().values() if t["parent"] == task["id"]],
            )
            return task

        return self.cached(("task", task_id), compute)

    def _mentions(self, owner_iri: str) -> dict[str, list[dict[str, Any]]]:
        result = self._run("mentions", {"owner": URIRef(owner_iri)})
        regions = self.region_table()
        out: dict[str, dict[str, dict[str, Any]]] = {"region": {}, "reference": {}}
        for r in result.dicts():
            kind = str(r["kind"])
            entity = str(r["entity"])
            if kind == "region":
                region = regions.get(entity, {"id": _tail(entity), "name": None})
                entry = out["region"].setdefault(entity, {
                    "id": region["id"], "name": region["name"], "code": region.get("code"),
                    "kind": region.get("kind"), "mentions": []})
            else:
                entry = out["reference"].setdefault(entity, {"id": _tail(entity), "title": _str(r["title"]), "mentions": []})
            source = self.source(r["span"])
            if source and source not in entry["mentions"]:
                entry["mentions"].append(source)
        result_lists = {}
        for kind, entries in out.items():
            for entry in entries.values():
                entry["mentions"].sort(key=lambda s: s["start"])
            result_lists[kind] = sorted(entries.values(), key=lambda e: (e["mentions"][0]["start"] if e["mentions"] else 0))
        return result_lists

    # -- targets ------------------------------------------------------------------------
    def all_targets(self) -> list[dict[str, Any]]:
        return self.cached("targets", lambda: self._shape_targets(self._run("targets").dicts()))

    @staticmethod
    def targets_bindings(dept_iri: str | None = None, unit: str | None = None, section: int | None = None,
                         metric: str | None = None) -> tuple[NamedQuery, dict[str, Node]]:
        filters, bindings = [], {}
        if dept_iri is not None:
            filters.append("department")
            bindings["dept"] = URIRef(dept_iri)
        if unit is not None:
            filters.append("unit")
            bindings["unit_q"] = Literal(unit)
        if section is not None:
            filters.append("section")
            bindings["sectionOrdinal"] = Literal(int(section))
        if metric is not None:
            filters.append("metric")
            bindings["metric_q"] = Literal(metric)
        return targets_query(*filters), bindings

    def targets(self, department: str | None = None, unit: str | None = None, section: int | None = None,
                metric: str | None = None) -> list[dict[str, Any]]:
        """Targets, optionally only those of tasks a department has a role in, with a unit
        as written (个, 公顷, %), of a section (its number), or whose metric contains a word."""
        if department is None and unit is None and section is None and metric is None:
            return self.all_targets()
        dept_iri = str(department_iri(department, self.base)) if department is not None else None
        query, bindings = self.targets_bindings(dept_iri, unit, section, metric)

        def compute():
            return self._shape_targets(self._run(query, bindings).dicts())

        return self.cached(("targets", department, unit, section, metric), compute)

    def _shape_targets(self, rows: list[dict[str, Node | None]]) -> list[dict[str, Any]]:
        tasks = self.task_table()
        out: dict[str, dict[str, Any]] = {}
        for r in rows:
            iri = str(r["target"])
            if iri in out:
                continue
            owner = str(r["owner"])
            task = tasks.get(owner)
            out[iri] = {
                "id": _tail(iri),
                "iri": iri,
                "surface": str(r["surface"]),
                "metric": _str(r["metric"]),
                "value": _number(r["value"]),
                "value_text": _str(r["valueText"]),
                "unit": _str(r["unitText"]),
                "qudt_unit": _str(r["unit"]),
                "comparator": _COMPARATOR_SYMBOLS.get(str(r["comparator"])) if r["comparator"] is not None else None,
                "scope": _str(r["scope"]),
                "period": _str(r["period"]),
                "task": {k: task[k] for k in ("id", "number", "label", "title")} if task else None,
                "document": (self.spans().get(str(r["span"])) or (None,))[0] if r["span"] is not None else None,
                "source": self.source(r["span"]),
            }
        return sorted(out.values(), key=lambda t: (t["document"] or "", (t["source"] or {}).get("start", 0), t["id"]))

    # -- regions ------------------------------------------------------------------------
    def region_table(self) -> dict[str, dict[str, Any]]:
        def compute():
            table: dict[str, dict[str, Any]] = {}
            for r in self._run("regions").dicts():
                iri = str(r["region"])
                entry = table.setdefault(iri, {
                    "id": str(r["id"]), "iri": iri, "name": _str(r["name"]), "code": _str(r["code"]),
                    "level": _str(r["level"]), "broader": [], "members": [], "tasks": 0, "kind": None,
                })
                if r["broader"] is not None and str(r["broader"]) not in entry["broader"]:
                    entry["broader"].append(str(r["broader"]))
                if r["member"] is not None and str(r["member"]) not in entry["members"]:
                    entry["members"].append(str(r["member"]))
                entry["tasks"] = max(entry["tasks"], int(str(r["tasks"])))
            for entry in table.values():
                entry["kind"] = "group" if entry["members"] else ("division" if entry["code"] else "place")
            return table

        return self.cached("regions", compute)

    def region_index(self) -> dict[str, str]:
        def compute():
            from fengong.registry import normalize

            index: dict[str, str] = {}
            for region, label in self._run("region_labels").rows:
                index.setdefault(str(label), str(region))
                key = normalize(str(label))
                if key:
                    index.setdefault(key, str(region))
            return index

        return self.cached("region_index", compute)

    def regions(self) -> list[dict[str, Any]]:
        """Regions the tasks mention, most mentioned first."""

        def compute():
            rows = [dict(e) for e in self.region_table().values() if e["tasks"]]
            rows.sort(key=lambda e: (-e["tasks"], e["id"]))
            return rows

        return self.cached("region_list", compute)

    def region_tasks(self, region_id: str) -> list[dict[str, Any]]:
        """Tasks that mention the region, a group or composite it belongs to (杭绍 for 杭州),
        or a place within it, each with the mention's span."""
        iri = str(region_iri(region_id, self.base))

        def compute():
            result = self._run("region_tasks", {"region": URIRef(iri)})
            regions = self.region_table()
            tasks: dict[str, dict[str, Any]] = {}
            for r in result.dicts():
                task_iri = str(r["task"])
                task = tasks.get(task_iri)
                if task is None:
                    task = tasks[task_iri] = self._task_summary(task_iri)
                    task["mentions"] = []
                via = regions.get(str(r["via"]), {"id": _tail(r["via"]), "name": None})
                mention = {"region": {"id": via["id"], "name": via["name"]}, "source": self.source(r["span"])}
                if mention not in task["mentions"]:
                    task["mentions"].append(mention)
            for task in tasks.values():
                task["mentions"].sort(key=lambda m: (m["source"] or {}).get("start", 0))
            return sorted(tasks.values(), key=_page_key)

        return self.cached(("region_tasks", region_id), compute)

    # -- documents ----------------------------------------------------------------------
    def documents(self) -> list[dict[str, Any]]:
        def compute():
            out = []
            seen = set()
            for r in self._run("documents").dicts():
                doc_id = str(r["id"])
                if doc_id in seen:
                    continue
                seen.add(doc_id)
                publisher = self.department_table().get(str(r["publisher"])) if r["publisher"] is not None else None
                out.append({
                    "id": doc_id,
                    "iri": str(r["doc"]),
                    "title": _str(r["title"]),
                    "identifier": _str(r["identifier"]),
                    "issued": _str(r["issued"]),
                    "published": _str(r["published"]),
                    "publisher": ({"id": publisher["id"], "name": publisher["name"]} if publisher
                                  else ({"id": _tail(r["publisher"]), "name": None} if r["publisher"] is not None else None)),
                    "source": _str(r["source"]),
                    "tasks": int(str(r["tasks"])),
                    "length": len(self.texts().get(doc_id, "")),
                })
            return out

        return self.cached("documents", compute)

    def document(self, doc_id: str) -> dict[str, Any] | None:
        """One document: metadata, sections, tasks (summaries), targets and its text."""

        def compute():
            found = next((d for d in self.documents() if d["id"] == doc_id), None)
            if found is None:
                return None
            doc = dict(found)
            sections: dict[int, dict[str, Any]] = {}
            for task in self.tasks(document=doc_id):
                number = (task["section"] or {}).get("number") or 0
                section = sections.setdefault(number, dict(task["section"] or {"number": None, "label": None, "title": None}, tasks=[]))
                section["tasks"].append({k: task[k] for k in ("id", "number", "label", "title")})
            doc["sections"] = [sections[k] for k in sorted(sections)]
            doc["targets"] = [t for t in self.all_targets() if t["document"] == doc_id and t["task"] is None]
            doc["regions"] = self._mentions(str(document_iri(doc_id, self.base)))["region"]
            doc["text"] = self.texts().get(doc_id, "")
            return doc

        return self.cached(("document", doc_id), compute)

    # -- search -------------------------------------------------------------------------
    def search(self, q: str) -> list[dict[str, Any]]:
        """Task titles, clause texts and targets containing ``q`` (case-insensitive; the
        query is also tried in NFKC form, so full-width digits find half-width ones)."""
        raw = q.translate(_ZERO_WIDTH).strip()
        variants = list(dict.fromkeys(v for v in (raw, clean_text(raw)) if v))

        def compute():
            clause_owner = {c["iri"]: task for task, cs in self.clause_table().items() for c in cs}
            target_owner = {t["iri"]: t for t in self.all_targets()}
            tasks = self.task_table()
            hits: dict[tuple[str, str], dict[str, Any]] = {}
            for variant in variants:
                for r in self._run("search", {"q": Literal(variant)}).dicts():
                    kind, subject = str(r["kind"]), str(r["subject"])
                    if (kind, subject) in hits:
                        continue
                    text = str(r["text"])
                    if kind == "task":
                        task = tasks.get(subject)
                    elif kind == "clause":
                        task = tasks.get(clause_owner.get(subject, ""))
                    else:
                        owner = target_owner.get(subject, {}).get("task")
                        task = tasks.get(self.task_by_id().get(owner["id"], "")) if owner else None
                    lowered = text.lower()
                    needle = variant.lower()
                    matches, at = [], lowered.find(needle)
                    while at >= 0 and len(matches) < 50:
                        matches.append([at, at + len(needle)])
                        at = lowered.find(needle, at + max(1, len(needle)))
                    hits[(kind, subject)] = {
                        "kind": kind,
                        "text": text,
                        "matches": matches,
                        "task": {k: task[k] for k in ("id", "document", "number", "label", "title")} if task else None,
                        "source": self.source(r["span"]),
                    }
            order = {"task": 0, "clause": 1, "target": 2}
            return sorted(hits.values(), key=lambda h: ((h["source"] or {}).get("document") or "",
                                                        (h["source"] or {}).get("start", 0), order[h["kind"]]))

        return self.cached(("search", tuple(variants)), compute, limit=4096)

    def task_iri(self, task_id: str) -> str | None:
        """IRI of a task id, if the graph has it."""
        try:
            task_iri_from_id(task_id, self.base)
        except ValueError:
            return None
        return self.task_by_id().get(task_id)

