"""Named SPARQL queries behind every REST answer, and :class:`Answers`, which runs them.

Every answer of the HTTP layer comes from one of the queries in :data:`QUERIES` run over a
:class:`~fengong.store.Store`; values from users (a department, a role, a search string)
reach them only as ``bindings`` (rdflib terms the backend substitutes), never by string
concatenation. The query texts are constants: where a filter is optional, the query is
assembled from constant fragments chosen by which filters are present, never from values.
The one other thing added to a query is a VALUES block listing IRIs the graph returned
(:func:`with_values`, written by the N-Triples rules): how an answer fetches exactly the
tasks, clauses, spans and texts it shows, in a few queries, instead of whole-store tables.

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
>>> page = answers.department_tasks_page("zj-housing", "lead", 0, 2)  # reads two tasks in full
>>> len(page), [t["label"] for t in page[0:2]]
(8, ['(十一)', '(十三)'])
"""

from __future__ import annotations

import difflib
import re
import threading
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from rdflib import Literal, URIRef, Variable
from rdflib.namespace import DCTERMS, ORG, PROV, RDF, SKOS, XSD
from rdflib.term import Node

from fengong.rdf import DEFAULT_BASE, department_iri, document_iri, region_iri, task_iri_from_id
from fengong.scope import Scope
from fengong.store import QueryResult, Store, ntriples
from fengong.vocab import COMPARATORS, ELI, FG, OA, QUDT, ROLE_SHORTCUTS, ROLES

__all__ = [
    "QUERIES",
    "PREFIXES",
    "ROLE_NAMES",
    "Answers",
    "NamedQuery",
    "Page",
    "generation",
    "inline_bindings",
    "query",
    "run",
    "sentence_around",
    "values_rows",
    "with_values",
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
    _q("department_tasks_in_years", "The tasks and clauses for which a department has a role (?role unbound: "
       "any) in the documents of the years ?first to ?last (the year of a document is the one its id begins with).", """
SELECT ?task ?plan ?roleName ?span ?rule WHERE {
  ?asg prov:agent ?dept ; prov:hadRole ?role ; prov:hadPlan ?plan .
  ?role skos:notation ?roleName .
  ?task a fg:Task ; prov:qualifiedAssociation|(fg:clause/prov:qualifiedAssociation) ?asg ;
        eli:is_part_of/fg:id ?docId .
  FILTER(REGEX(STR(?docId), "^(19|20)[0-9][0-9]-"))
  BIND(xsd:integer(SUBSTR(STR(?docId), 1, 4)) AS ?year)
  FILTER(?year >= ?first && ?year <= ?last)
  OPTIONAL { ?asg prov:wasDerivedFrom ?span }
  OPTIONAL { ?asg fg:ruleSpan ?rule }
}
""", ("dept", "role", "first", "last")),
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
    _q("target_texts", "The targets whose surface or metric contains a string (?metric_q): one pass over "
       "those texts, before the rest of the targets is read (6.4 s at 1,000 documents when the filter "
       "waited for every target's optional fields). Virtuoso 7 finds nothing without the OPTIONAL.", """
SELECT DISTINCT ?target WHERE {
  { ?target fg:surface ?text } UNION { ?target fg:metric ?text }
  OPTIONAL { ?target prov:wasDerivedFrom ?span }
  FILTER(CONTAINS(STR(?text), STR(?metric_q)))
}
""", ("metric_q",)),
    _q("target_keys", "Every target with its span: the order of the target list (its document and place in "
       "it), without the rest of the targets (a second for 50,000 targets against 19 s).", """
SELECT ?target ?span WHERE {
  ?owner fg:hasTarget ?target .
  ?target fg:surface ?surface .
  OPTIONAL { ?target prov:wasDerivedFrom ?span }
}
"""),
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
    _q("search", "Texts containing a string (?q), ignoring case, with their spans: task titles, clause "
       "texts and target surfaces are among them (search_kinds tells which). One pass over the texts, the "
       "types looked up for the hits only: joining the types first made Oxigraph read every task, clause and "
       "target (5 to 10 s at 1,000 documents, against 1.3 s). Virtuoso 7 finds nothing without the OPTIONAL.",
       """
SELECT ?subject ?property ?text ?span WHERE {
  { ?subject dct:title ?text BIND(dct:title AS ?property) }
  UNION { ?subject fg:text ?text BIND(fg:text AS ?property) }
  UNION { ?subject fg:surface ?text BIND(fg:surface AS ?property) }
  OPTIONAL { ?subject prov:wasDerivedFrom ?span }
  FILTER(CONTAINS(LCASE(STR(?text)), LCASE(STR(?q))))
}
""", ("q",)),
    _q("search_kinds", "Which of the subjects of search hits are tasks, clauses or targets.", """
SELECT ?subject ?type WHERE {
  ?subject a ?type .
  FILTER(?type IN (fg:Task, fg:Clause, fg:Target))
}
"""),
)


#: What a search hit is, by its subject's type and by the property holding its text.
_SEARCH_KINDS = {str(FG.Task): "task", str(FG.Clause): "clause", str(FG.Target): "target"}
_SEARCH_PROPERTIES = {str(DCTERMS.title): "task", str(FG.text): "clause", str(FG.surface): "target"}


# The look-ups behind the answers about one department, one task or one page: each is run
# with a VALUES block over the IRIs (or ids) involved — terms computed from the graph,
# written by the N-Triples rules (:func:`values_rows`) — or with bindings. On Oxigraph,
# required patterns and single-pattern OPTIONALs over bound subjects cost a few index
# look-ups per row; an OPTIONAL of several patterns may be evaluated over the whole store,
# so spans, sections and names are fetched by their own queries.
_register(
    _q("department_assignments",
       "The assignments of a department (?role unbound: any role): the task, the clause or task "
       "planned, the role and the spans (the rows of department_tasks, shaped for Oxigraph).", """
SELECT ?task ?plan ?role ?span ?rule WHERE {
  ?asg prov:agent ?dept ; prov:hadRole ?role ; prov:hadPlan ?plan .
  { ?task prov:qualifiedAssociation ?asg } UNION { ?clause prov:qualifiedAssociation ?asg . ?task fg:clause ?clause }
  ?task a fg:Task .
  OPTIONAL { ?asg prov:wasDerivedFrom ?span }
  OPTIONAL { ?asg fg:ruleSpan ?rule }
}
""", ("dept", "role", "task")),
    # No `?task a fg:Task`: the listed IRIs were read as tasks, and the check is a look-up
    # for each of a page's ~500 assignments (a third of this query on 1,000 documents).
    _q("task_assignments", "The assignments of tasks (?task listed): department, role IRI, plan and spans.", """
SELECT ?task ?plan ?dept ?role ?span ?rule WHERE {
  ?task prov:qualifiedAssociation|(fg:clause/prov:qualifiedAssociation) ?asg .
  ?asg prov:agent ?dept ; prov:hadRole ?role ; prov:hadPlan ?plan .
  OPTIONAL { ?asg prov:wasDerivedFrom ?span }
  OPTIONAL { ?asg fg:ruleSpan ?rule }
}
""", ("task", "dept")),
    _q("role_names", "The notation (lead, support …) of role concepts.", """
SELECT ?role ?name WHERE { ?role skos:notation ?name . }
""", ("role",)),
    _q("task_keys", "What orders tasks on a page: document id, number and task id.", """
SELECT ?task ?id ?doc ?ordinal WHERE {
  ?task a fg:Task ; fg:id ?id ; eli:is_part_of/fg:id ?doc ; fg:ordinal ?ordinal .
}
""", ("task",)),
    _q("task_sections", "The section number of each task (to filter tasks by section).", """
SELECT ?task ?number WHERE {
  ?task a fg:Task ; fg:section ?section .
  ?section a fg:Section ; eli:is_part_of ?doc ; fg:ordinal ?number .
}
"""),
    _q("task_by_id", "The task with an id (?id).", """
SELECT ?task WHERE { ?task a fg:Task ; fg:id ?id . }
""", ("id",)),
    _q("subtasks", "The tasks whose parent task has the id ?id.", """
SELECT ?task WHERE { ?task fg:parentTask ?parent . ?parent fg:id ?parentId . FILTER(STR(?parentId) = STR(?id)) }
""", ("id",)),
    _q("clause_owners", "The task and number of clauses (?clause listed).", """
SELECT ?clause ?task ?ordinal WHERE { ?task fg:clause ?clause . ?clause fg:ordinal ?ordinal ; fg:text ?text . }
""", ("clause",)),
    _q("document_lengths", "The length (characters) of every document's stored text.", """
SELECT ?id (STRLEN(?text) AS ?length) WHERE { ?doc a fg:WorkPlan ; fg:id ?id ; fg:text ?text . }
"""),
    _q("department_ids", "The department with an id (?id).", """
SELECT ?dept WHERE { ?dept a fg:Department ; fg:id ?id . }
""", ("id",)),
    _q("department_role_counts", "How many tasks a department (?dept) leads, supports, co-owns and implements.", """
SELECT ?role (COUNT(DISTINCT ?task) AS ?n) WHERE {
  ?dept ?shortcut ?task .
  VALUES (?shortcut ?role) {
    (fg:leads "lead") (fg:supports "support") (fg:coResponsibleFor "co_responsible")
    (fg:implements "implementer")
  }
}
GROUP BY ?role
""", ("dept",)),
    _q("department_task_list", "The tasks a department (?dept) has a role on, by the role's shortcut edge "
       "(?shortcut bound: that role only): what orders and counts a page of its tasks.", """
SELECT DISTINCT ?task WHERE {
  ?dept ?shortcut ?task .
  VALUES ?shortcut { fg:leads fg:supports fg:coResponsibleFor fg:implements }
}
""", ("dept", "shortcut")),
    _q("region_entries", "The names, code and members of regions (?region listed).", """
SELECT ?region ?id ?name ?code ?member WHERE {
  ?region a fg:Region ; fg:id ?id .
  OPTIONAL { ?region skos:prefLabel ?name }
  OPTIONAL { ?region skos:notation ?code }
  OPTIONAL { ?region fg:member/fg:id ?member }
}
""", ("region",)),
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
    from fengong.store.ntriples import term

    row = " ".join(term(bindings[n]) for n in names)  # not n3(): it leaves control characters raw
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


# --- batched look-ups ----------------------------------------------------------------------

#: Terms per VALUES block: the query text is checked and parsed on every run, so a block
#: of thousands of IRIs costs more than a few queries of hundreds.
BATCH = 400
#: Entries kept per kind of fetched entity (task, span, clause …) and store generation.
FETCH_LIMIT = 50_000
#: Document texts kept per store generation (a text is ~20 KB).
TEXT_LIMIT = 256
#: Answers up to this many tasks read them in full at once (the API's default page size).
PAGE = 100


def values_rows(variable: str, terms: Iterable[Node]) -> str:
    """``VALUES ?variable { … }`` listing ``terms``, each written by the N-Triples rules
    (:func:`fengong.store.ntriples.term`: no IRI or literal can end early), one row each.

    >>> values_rows("task", [URIRef("https://x/t1"), Literal('a"b')])
    'VALUES ?task { <https://x/t1> "a\\\\"b" }'
    """
    head = ntriples.term(Variable(variable))
    return f"VALUES {head} {{ {' '.join(ntriples.term(t) for t in terms)} }}"


def with_values(sparql: str, variable: str, terms: Iterable[Node]) -> str:
    """The query with a :func:`values_rows` block at the start of its WHERE group.

    >>> with_values("SELECT ?t WHERE { ?t a ?c }", "t", [URIRef("https://x/t")])
    'SELECT ?t WHERE {\\n  VALUES ?t { <https://x/t> } ?t a ?c }'
    """
    at = ntriples.where_position(sparql)
    return f"{sparql[:at]}\n  {values_rows(variable, terms)}{sparql[at:]}"


class Page(Sequence):
    """One page of a longer answer: ``len()`` is the whole answer's length, but only the
    items of the page (from ``offset``) are held — what :func:`fengong.api.common.paged`
    needs, without computing the items of other pages.

    >>> page = Page(10, 4, ["e", "f"])
    >>> len(page), page[4:6], page[20:30]
    (10, ['e', 'f'], [])
    >>> Page(10, 8, ["i", "j"])[8:108]
    ['i', 'j']
    """

    def __init__(self, total: int, offset: int, items: list[Any]) -> None:
        self.total = total
        self.offset = offset
        self.items = items

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, index):
        if isinstance(index, slice):
            start, stop, step = index.indices(self.total)
            if step != 1:
                raise ValueError("a page is sliced with step 1 only")
            if start >= stop:
                return []
            held = self.offset + len(self.items)
            if start < self.offset or (stop > held and held < self.total):
                raise IndexError("outside the page")
            return self.items[start - self.offset:stop - self.offset]
        if index < 0:
            index += self.total
        if not self.offset <= index < self.offset + len(self.items):
            raise IndexError("outside the page")
        return self.items[index - self.offset]


class _Src:
    """A source span not read yet: :meth:`Answers.resolve` turns it into the source object
    when the answer (or the page of it) is shown."""

    __slots__ = ("span",)

    def __init__(self, span: str) -> None:
        self.span = span

    def __repr__(self) -> str:
        return f"_Src({self.span!r})"


_MINTED_SPAN = re.compile(r"/span/(0|[1-9][0-9]{0,8})-(0|[1-9][0-9]{0,8})$")


def _minted_span(iri: str, base: str) -> tuple[str, int, int, Node] | None:
    """(document id, start, end, the id as a term) of a span IRI as fengong mints it —
    ``{doc}/span/{start}-{end}`` (:func:`fengong.rdf.span_iri`), offsets equal to its
    selector's — read from the IRI itself; None for any other IRI (the query reads it).
    Saves four index look-ups per span: an answer shows hundreds of spans.

    >>> _minted_span("https://w3id.org/fengong/doc/zj-2023/span/10-24", "https://w3id.org/fengong/")
    ('zj-2023', 10, 24, rdflib.term.Literal('zj-2023'))
    >>> _minted_span("https://example.org/span/10-24", "https://w3id.org/fengong/") is None
    True
    """
    found = _MINTED_SPAN.search(iri)
    prefix = f"{base}doc/"
    if found is None or not iri.startswith(prefix):
        return None
    segment = iri[len(prefix):found.start()]
    start, end = int(found.group(1)), int(found.group(2))
    if "/" in segment or start > end:
        return None
    docid = unquote(segment)
    if str(document_iri(docid, base)) != iri[:found.start()]:
        return None  # not the one spelling fengong writes for that id
    return docid, start, end, Literal(docid)


def _src(span: Node | str | None) -> _Src | None:
    return None if span is None else _Src(str(span))


def _collect(value: Any, out: list[str]) -> None:
    if isinstance(value, _Src):
        out.append(value.span)
    elif isinstance(value, dict):
        for v in value.values():
            _collect(v, out)
    elif isinstance(value, list):
        for v in value:
            _collect(v, out)


def _fill(value: Any, sources: Mapping[str, dict[str, Any] | None]) -> Any:
    if isinstance(value, _Src):
        found = sources.get(value.span)
        return dict(found) if found is not None else None
    if isinstance(value, dict):
        return {k: _fill(v, sources) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, sources) for v in value]
    return value


_NOT_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\]')


def _listable(term: str) -> bool:
    """Whether a term from an answer can be listed in a VALUES block: an IRI (which has a
    scheme, hence a colon, and no character IRIREF forbids — no store holds such an IRI).
    Blank nodes cannot be named in a query (a label there is a variable)."""
    return ":" in term and not term.startswith("_:") and not _NOT_IRI.search(term)


_TASK_STUB_FIELDS = ("document", "number", "label", "title", "section", "parent", "deadline", "source")


def _task_stub(iri: str) -> dict[str, Any]:
    """A task without fg:id etc. — described by its IRI."""
    return {"id": _tail(iri), "iri": iri, **dict.fromkeys(_TASK_STUB_FIELDS)}


# --- answers ---------------------------------------------------------------------------


class Answers:
    """The API's answers over one store, computed by the named queries and cached per
    store generation. Thread-safe: concurrent misses may compute the same value twice.

    An answer about one department, one task or one page fetches only what it shows: the
    department's assignments, then the tasks, clauses, sections, spans and document texts
    involved, each kind by one query with a VALUES block over the IRIs (kept per
    generation, texts in a small LRU). Whole-store tables remain only behind the endpoints
    that list everything (departments, tasks, targets, regions, documents), and never hold
    document texts: a page's sources are read for that page (:meth:`page`).

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
        self._text_lock = threading.Lock()

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

    def _peek(self, key: Hashable) -> Any:
        """The cached value for ``key`` in the current generation, or None."""
        current = generation(self.store)
        with self._lock:
            if current != self._generation:
                return None
            return self._cache.get(key)

    def _run(self, query: NamedQuery | str, bindings: Mapping[str, Node] | None = None) -> QueryResult:
        return run(self.store, query, bindings, timeout=self.timeout)

    def _rows(self, name: str, variable: str, terms: Iterable[Node],
              bindings: Mapping[str, Node] | None = None) -> list[dict[str, Node | None]]:
        """Rows of the named query with ``variable`` ranging over ``terms`` (in batches)."""
        terms = list(terms)
        sparql = QUERIES[name].sparql
        rows: list[dict[str, Node | None]] = []
        for at in range(0, len(terms), BATCH):
            text = with_values(sparql, variable, terms[at:at + BATCH])
            rows.extend(query(self.store, text, bindings, timeout=self.timeout).dicts())
        return rows

    def _fetch(self, kind: str, keys: Iterable[str], load: Callable[[list[str]], Mapping[str, Any]]) -> dict[str, Any]:
        """``{key: value}`` for each key (None where the graph has nothing), from the
        generation's cache of ``kind``; the missing keys are loaded by one ``load`` call."""
        cache: dict[str, Any] = self.cached(("fetched", kind), dict)
        out: dict[str, Any] = {}
        missing: list[str] = []
        for key in keys:
            if key in out:
                continue
            try:
                out[key] = cache[key]
            except KeyError:
                out[key] = None
                missing.append(key)
        if missing:
            found = load(missing)
            if len(cache) + len(missing) > FETCH_LIMIT:
                cache.clear()
            for key in missing:
                value = found.get(key)
                cache[key] = value
                out[key] = value
        return out

    # -- spans, texts and sources -------------------------------------------------------
    def _span_info(self, spans: Iterable[str], in_graph: bool = True) -> dict[str, tuple[str, int, int, Node] | None]:
        """Span IRI -> (document id, start, end, the id as a term) or None. ``in_graph``:
        the IRIs were read from the graph, so those fengong minted are read from the IRI
        (an IRI from elsewhere must be looked up: it may name no span)."""

        def load(keys: list[str]) -> dict[str, tuple[str, int, int, Node]]:
            out = {}
            for key in keys if in_graph else ():
                parsed = _minted_span(key, self.base)
                if parsed is not None:
                    out[key] = parsed
            listed = [URIRef(k) for k in keys if k not in out and _listable(k)]
            for r in self._rows("spans", "span", listed):
                out[str(r["span"])] = (str(r["doc"]), int(str(r["start"])), int(str(r["end"])), r["doc"])
            return out

        return self._fetch("span", spans, load)

    def _texts(self, docs: Mapping[str, Node]) -> dict[str, str]:
        """Document id -> stored text ("" if none), for the documents ``docs`` names (id ->
        the id as a term), from a small LRU of the generation."""
        lru: OrderedDict[str, str] = self.cached(("fetched", "text"), OrderedDict)
        out: dict[str, str] = {}
        missing: list[Node] = []
        with self._text_lock:
            for doc, term in docs.items():
                if doc in lru:
                    lru.move_to_end(doc)
                    out[doc] = lru[doc]
                else:
                    missing.append(term)
        if missing:
            found: dict[str, str] = {}
            for r in self._rows("document_texts", "id", missing):
                found[str(r["id"])] = str(r["text"])
            with self._text_lock:
                for doc in docs:
                    if doc in out:
                        continue
                    out[doc] = found.get(doc, "")
                    lru[doc] = out[doc]
                    lru.move_to_end(doc)
                while len(lru) > TEXT_LIMIT:
                    lru.popitem(last=False)
        return out

    def sources(self, spans: Iterable[Node | str | None], in_graph: bool = False) -> dict[str, dict[str, Any] | None]:
        """Span IRI -> its source object (document, offsets, exact text, sentence) or None,
        for many spans at once: one query for the spans, one for the texts not cached.
        ``in_graph``: the spans were read from the graph (see :meth:`_span_info`)."""
        keys = list(dict.fromkeys(str(s) for s in spans if s is not None))
        if not keys:
            return {}
        info = self._span_info(keys, in_graph)
        texts = self._texts({i[0]: i[3] for i in info.values() if i is not None})
        out: dict[str, dict[str, Any] | None] = {}
        for key in keys:
            found = info.get(key)
            if found is None:
                out[key] = None
                continue
            doc, start, end, _ = found
            text = texts.get(doc, "")
            out[key] = {
                "document": doc,
                "start": start,
                "end": end,
                "text": text[start:end],
                "sentence": sentence_around(text, start, end),
            }
        return out

    def source(self, span: Node | str | None) -> dict[str, Any] | None:
        """The source object of a span IRI: document, offsets, exact text and sentence."""
        if span is None:
            return None
        return self.sources([span]).get(str(span))

    def resolve(self, value: Any) -> Any:
        """A copy of an answer with its pending sources read (one batch for all of them)."""
        spans: list[str] = []
        _collect(value, spans)
        return _fill(value, self.sources(spans, in_graph=True) if spans else {})

    def page(self, items: list[Any], offset: int, limit: int) -> Page:
        """The page ``items[offset:offset + limit]`` with its sources read."""
        return Page(len(items), offset, self.resolve(items[offset:offset + limit]))

    # -- whole-store tables (kept for the listing endpoints and for callers) --------------
    def warm(self) -> None:
        """Compute what the listing endpoints share (no texts, no spans): departments, the
        order of the tasks and of the targets, regions and documents."""
        self.departments()
        self._task_skeleton()
        self._target_order()
        self.regions()
        self.documents()

    # -- tasks, clauses, sections by IRI -------------------------------------------------
    def _task_skeleton(self) -> dict[str, tuple[str, int, str]]:
        """Every task IRI -> (document id, number, task id), in page order (no sources)."""

        def compute():
            keys: dict[str, tuple[str, int | None, str]] = {}
            for r in self._run("task_keys").dicts():
                iri = str(r["task"])
                if iri not in keys:
                    keys[iri] = (str(r["doc"]), _int(r["ordinal"]), str(r["id"]))
            return dict(sorted(keys.items(), key=lambda kv: (kv[1][0], kv[1][1] if kv[1][1] is not None else 0,
                                                            kv[1][2])))

        return self.cached("task_skeleton", compute)

    def _task_keys(self, iris: Iterable[str]) -> dict[str, tuple[str, int | None, str] | None]:
        """Task IRI -> (document id, number, task id), or None for an IRI that is no task
        with those (the answers then describe it by its IRI)."""
        full = self._peek("task_skeleton")

        def load(keys: list[str]) -> dict[str, tuple[str, int | None, str]]:
            out: dict[str, tuple[str, int | None, str]] = {}
            if full is not None:
                return {k: full[k] for k in keys if k in full}
            for r in self._rows("task_keys", "task", [URIRef(k) for k in keys if _listable(k)]):
                iri = str(r["task"])
                if iri not in out:
                    out[iri] = (str(r["doc"]), _int(r["ordinal"]), str(r["id"]))
            return out

        return self._fetch("task_key", iris, load)

    def _task_rows(self, iris: Iterable[str]) -> dict[str, dict[str, Any] | None]:
        """Task IRI -> summary with the section as its IRI and a pending source (None: no
        such task)."""

        def load(keys: list[str]) -> dict[str, dict[str, Any]]:
            out: dict[str, dict[str, Any]] = {}
            for r in self._rows("tasks", "task", [URIRef(k) for k in keys if _listable(k)]):
                iri = str(r["task"])
                if iri not in out:
                    out[iri] = _task_entry(r, None)
            return out

        return self._fetch("task", iris, load)

    def _sections(self, iris: Iterable[str]) -> dict[str, dict[str, Any] | None]:
        def load(keys: list[str]) -> dict[str, dict[str, Any]]:
            return {str(r["section"]): _section_entry(r)
                    for r in self._rows("sections", "section", [URIRef(k) for k in keys if _listable(k)])}

        return self._fetch("section", iris, load)

    def _summaries(self, iris: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Task IRI -> a fresh summary (id, iri, document, number, label, title, section,
        parent, deadline, pending source); a stub for an IRI that is no full task."""
        iris = list(dict.fromkeys(iris))
        rows = self._task_rows(iris)
        sections = self._sections({r["section"] for r in rows.values() if r is not None and r["section"]})
        out = {}
        for iri in iris:
            row = rows.get(iri)
            if row is None:
                out[iri] = _task_stub(iri)
            else:
                out[iri] = dict(row, section=sections.get(row["section"]) if row["section"] else None)
        return out

    def _clauses_of(self, tasks: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
        """Task IRI -> its clauses in order (number, iri, text, attribution, deadline,
        pending source)."""

        def load(keys: list[str]) -> dict[str, list[dict[str, Any]]]:
            return _shape_clauses(self._rows("clauses", "task", [URIRef(k) for k in keys if _listable(k)]))

        return {k: v or [] for k, v in self._fetch("clauses", tasks, load).items()}

    def _clauses(self, iris: Iterable[str]) -> dict[str, dict[str, dict[str, Any]]]:
        """Clause IRI -> {task IRI: the clause as :meth:`_clauses_of` lists it}."""

        def load(keys: list[str]) -> dict[str, dict[str, dict[str, Any]]]:
            out: dict[str, dict[str, dict[str, Any]]] = {}
            by_task = _shape_clauses(self._rows("clauses", "clause", [URIRef(k) for k in keys if _listable(k)]))
            for task, clauses in by_task.items():
                for clause in clauses:
                    out.setdefault(clause["iri"], {})[task] = clause
            return out

        return {k: v or {} for k, v in self._fetch("clause", iris, load).items()}

    def _clause_numbers(self, plans: Iterable[str]) -> dict[str, int | None]:
        """Clause IRI -> its number, for IRIs that are clauses of a task (else None)."""

        def load(keys: list[str]) -> dict[str, int | None]:
            out: dict[str, int | None] = {}
            for r in self._rows("clause_owners", "clause", [URIRef(k) for k in keys if _listable(k)]):
                out[str(r["clause"])] = _int(r["ordinal"])
            return out

        return self._fetch("clause_number", plans, load)

    def _clause_owner(self, clauses: Iterable[str]) -> dict[str, str | None]:
        def load(keys: list[str]) -> dict[str, str]:
            return {str(r["clause"]): str(r["task"])
                    for r in self._rows("clause_owners", "clause", [URIRef(k) for k in keys if _listable(k)])}

        return self._fetch("clause_owner", clauses, load)

    def _role_names(self, roles: Iterable[str]) -> dict[str, list[str]]:
        """Role IRI -> its notations (lead, support …)."""

        def load(keys: list[str]) -> dict[str, list[str]]:
            out: dict[str, list[str]] = {}
            for r in self._rows("role_names", "role", [URIRef(k) for k in keys if _listable(k)]):
                out.setdefault(str(r["role"]), []).append(str(r["name"]))
            return out

        return {k: v or [] for k, v in self._fetch("role", roles, load).items()}

    def _assignments_of(self, tasks: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
        """Task IRI -> its assignments (department, role, clause number, pending sources),
        in the order of the clauses, the roles and the text."""
        tasks = list(dict.fromkeys(tasks))
        rows = self._rows("task_assignments", "task", [URIRef(t) for t in tasks if _listable(t)])
        names = self._role_names({str(r["role"]) for r in rows})
        numbers = self._clause_numbers({str(r["plan"]) for r in rows})
        refs = self._dept_refs({str(r["dept"]) for r in rows})
        info = self._span_info({str(r["span"]) for r in rows if r["span"] is not None})
        out: dict[str, list[dict[str, Any]]] = {}
        seen = set()
        for r in rows:
            for role in names.get(str(r["role"]), ()):
                key = (str(r["task"]), str(r["plan"]), str(r["dept"]), role)
                if key in seen:
                    continue
                seen.add(key)
                entry = {"department": dict(refs[str(r["dept"])]), "role": role,
                         "clause": numbers.get(str(r["plan"])), "source": _src(r["span"])}
                if r["rule"] is not None:
                    entry["rule"] = _src(r["rule"])
                out.setdefault(str(r["task"]), []).append(entry)
        for items in out.values():
            items.sort(key=lambda a: (a["clause"] or 0, _ROLE_ORDER.get(a["role"], 99), _start_of(a["source"], info)))
        return out

    # -- departments ----------------------------------------------------------------------
    def _department_names(self) -> dict[str, dict[str, Any]]:
        """Department IRI -> description without task counts, for every department (a table
        as large as the departments, not the documents)."""

        def compute():
            return _shape_departments(self._run("departments").dicts(), self._department_labels())

        return self.cached("department_names", compute)

    def _department_labels(self) -> list[tuple[Node, Node]]:
        return self.cached("department_labels", lambda: list(self._run("department_labels").rows))

    def _department_entries(self, iris: Iterable[str]) -> dict[str, dict[str, Any] | None]:
        """Department IRI -> description without counts (None: no such department)."""
        table = self._peek("department_names")

        def load(keys: list[str]) -> dict[str, dict[str, Any]]:
            if table is not None:
                return {k: table[k] for k in keys if k in table}
            listed = [URIRef(k) for k in keys if _listable(k)]
            labels = [(r["dept"], r["label"]) for r in self._rows("department_labels", "dept", listed)]
            return _shape_departments(self._rows("departments", "dept", listed), labels)

        return self._fetch("department", iris, load)

    def _department_counts(self, iri: str) -> dict[str, int]:
        def compute():
            counts = {role: 0 for role in ROLE_NAMES}
            for role, n in self._run("department_role_counts", {"dept": URIRef(iri)}).rows:
                counts[str(role)] = int(str(n))
            return counts

        return self.cached(("department_counts", iri), compute)

    def _dept_refs(self, iris: Iterable[str]) -> dict[str, dict[str, Any]]:
        entries = self._department_entries(iris)
        return {iri: ({"id": e["id"], "name": e["name"], "short": e["short"]} if e is not None
                      else {"id": _tail(iri), "name": None, "short": None})
                for iri, e in entries.items()}

    def _dept_ref(self, iri: str) -> dict[str, Any]:
        return self._dept_refs([iri])[iri]

    def department_table(self) -> dict[str, dict[str, Any]]:
        """Department IRI -> description (with aliases and task counts)."""

        def compute():
            table = {iri: dict(e, counts={role: 0 for role in ROLE_NAMES}) for iri, e in self._department_names().items()}
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
            for dept, label in self._department_labels():
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

    def _department_by_id(self, dept_id: str) -> str | None | bool:
        """The IRI of the one department with this id, None if none, False if several."""

        found = list(dict.fromkeys(str(t) for t in self._run("department_ids", {"id": Literal(dept_id)}).values("dept")))
        if len(found) > 1:
            return False
        return found[0] if found else None

    def _in_graph(self, iri: str) -> dict[str, Any]:
        full = self._peek("departments")
        if full is not None and iri in full:
            return dict(full[iri], in_graph=True)
        entry = self._department_entries([iri])[iri]
        return dict(entry, counts=self._department_counts(iri), in_graph=True)

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
        text = clean_text(ref)
        if not text or len(text) > 200:
            return None
        # An id (what REST clients send) is looked up directly; names go through the tables.
        iri = self._department_by_id(text)
        if iri is False:
            return self._resolve_by_table(text)
        if iri is not None:
            return self._in_graph(iri)
        registered = self._registered(text) if normalize(text) else None
        if registered is not None:
            iri = self._department_by_id(registered.id)
            if iri is False:
                return self._resolve_by_table(text)
            if iri is not None:
                return self._in_graph(iri)
        iri = self.department_index().get(normalize(text))
        if iri is not None:
            if self._department_entries([iri])[iri] is None:
                return None
            return self._in_graph(iri)
        if registered is not None:
            return {
                "id": registered.id, "iri": str(department_iri(registered.id, self.base)),
                "name": registered.name, "name_en": registered.en, "short": registered.short,
                "aliases": list(registered.aliases), "kind": registered.kind, "level": registered.level,
                "registered": True, "parent": registered.parent, "region": registered.region,
                "counts": {role: 0 for role in ROLE_NAMES}, "in_graph": False,
            }
        return None

    def _registered(self, text: str):
        """The registry's department for ``text``, or the government of the division it
        names (成都市锦江区 → gov-510104), or None."""
        local_government = getattr(self.registry, "local_government", None)
        return self.registry.resolve(text) or (local_government(text) if local_government else None)

    def _resolve_by_table(self, text: str) -> dict[str, Any] | None:
        """Resolution over the whole department table (when an id is ambiguous)."""
        from fengong.registry import normalize

        table = self.department_table()
        by_id = self.cached("department_ids", lambda: {e["id"]: iri for iri, e in table.items()})
        if text in by_id:
            return dict(table[by_id[text]], in_graph=True)
        registered = self._registered(text) if normalize(text) else None
        if registered is not None and registered.id in by_id:
            return dict(table[by_id[registered.id]], in_graph=True)
        iri = self.department_index().get(normalize(text))
        if iri is not None and iri in table:
            return dict(table[iri], in_graph=True)
        return None

    def suggest_departments(self, ref: str, n: int = 3) -> list[str]:
        """Short names of the departments whose names are closest to ``ref``."""
        from fengong.registry import normalize

        query = normalize(clean_text(ref or ""))[:100]
        if not query:
            return []
        table = self._department_names()
        scores: dict[str, float] = {}
        for dept in self.registry.suggest(query, n=n):
            scores[dept.short] = 1.0 + 0.01 * (n - len(scores))
        matcher = difflib.SequenceMatcher(autojunk=False)
        matcher.set_seq2(query)
        for key, iri in self.department_index().items():
            if iri not in table:
                continue
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

    def _department_skeleton(self, dept_iri: str, role: str,
                             tasks: Iterable[str] | None = None) -> list[tuple[str, list[dict[str, Any]]]]:
        """(task IRI, the department's assignment rows on it) in page order — one query for
        the assignments (of the listed ``tasks`` only, if given), one for the tasks' keys."""

        def compute():
            bindings = self.department_tasks_bindings(dept_iri, role)
            if tasks is None:
                rows = self._run("department_assignments", bindings).dicts()
            else:
                # From the tasks to their assignments: with few tasks listed, far fewer look-ups
                # than from all the department's assignments (about 2.5 times faster for 100 of 400).
                rows = self._rows("task_assignments", "task", [URIRef(t) for t in tasks if _listable(t)],
                                  bindings)
            names = self._role_names({str(r["role"]) for r in rows})
            by_task: dict[str, list[dict[str, Any]]] = {}
            for r in rows:
                for name in names.get(str(r["role"]), ()):
                    by_task.setdefault(str(r["task"]), []).append(
                        {"plan": str(r["plan"]), "role": name, "span": r["span"], "rule": r["rule"]})
            if len(by_task) <= PAGE:  # one page: read the tasks in full now, they are all shown
                keys = {iri: (r["document"], r["number"], r["id"]) if r is not None else None
                        for iri, r in self._task_rows(by_task).items()}
            else:
                keys = self._task_keys(by_task)
            order = sorted(by_task, key=lambda iri: _key_order(iri, keys.get(iri)))
            return [(iri, by_task[iri]) for iri in order]

        if tasks is not None:
            return compute()
        return self.cached(("department_skeleton", dept_iri, role), compute)

    def _expand_department_tasks(self, items: list[tuple[str, list[dict[str, Any]]]]) -> list[dict[str, Any]]:
        """The answer items for (task, assignment rows) pairs, sources pending."""
        summaries = self._summaries(iri for iri, _ in items)
        planned = self._clauses(r["plan"] for iri, rows in items for r in rows if r["plan"] != iri)
        out = []
        for task_iri, rows in items:
            task = summaries[task_iri]
            task["roles"] = []
            task["clauses"] = {}
            task["assignments"] = []
            for r in rows:
                plan, role = r["plan"], r["role"]
                task["roles"].append(role)
                assignment = {"role": role, "clause": None, "source": _src(r["span"])}
                if plan != task_iri:
                    clause = planned.get(plan, {}).get(task_iri)
                    if clause is not None:
                        entry = task["clauses"].setdefault(plan, dict(clause, roles=[]))
                        entry["roles"].append(role)
                        assignment["clause"] = clause["number"]
                if r["rule"] is not None:
                    assignment["rule"] = _src(r["rule"])
                task["assignments"].append(assignment)
            task["roles"] = _sorted_roles(task["roles"])
            clauses = sorted(task["clauses"].values(), key=lambda c: c["number"] or 0)
            for clause in clauses:
                clause["roles"] = _sorted_roles(clause["roles"])
            task["clauses"] = clauses
            task["assignments"].sort(key=lambda a: (a["clause"] or 0, _ROLE_ORDER.get(a["role"], 99)))
            out.append(task)
        return out

    def _check_role(self, role: str) -> None:
        if role != "any" and role not in ROLES:
            raise ValueError(f"unknown role {role!r}")

    def department_tasks(self, dept_id: str, role: str = "any") -> list[dict[str, Any]]:
        """The tasks for which the department has ``role`` (``any``: every role), each with
        the department's roles on it and the clauses that say so."""
        self._check_role(role)
        iri = str(department_iri(dept_id, self.base))

        def compute():
            return self.resolve(self._expand_department_tasks(self._department_skeleton(iri, role)))

        return self.cached(("department_tasks", dept_id, role), compute)

    def _department_order(self, dept_iri: str, role: str) -> list[str]:
        """The department's tasks (with ``role``, or any) in page order: one range of its
        role shortcut edges (``fg:leads`` …, one per assignment) and the tasks' keys —
        not its assignments, which only the tasks of a page need."""

        def compute():
            bindings: dict[str, Node] = {"dept": URIRef(dept_iri)}
            if role != "any":
                bindings["shortcut"] = ROLE_SHORTCUTS[role]
            tasks = list(dict.fromkeys(str(t) for t in self._run("department_task_list", bindings).values("task")))
            keys = self._task_keys(tasks)
            return sorted(tasks, key=lambda iri: _key_order(iri, keys.get(iri)))

        return self.cached(("department_order", dept_iri, role), compute)

    def department_tasks_page(self, dept_id: str, role: str, offset: int, limit: int,
                              scope: Scope | None = None) -> Page:
        """One page of :meth:`department_tasks` (of the documents in ``scope``): only that
        page's tasks are read in full."""
        self._check_role(role)
        everything = scope is None or scope.everything
        full = self._peek(("department_tasks", dept_id, role)) if everything else None
        if full is not None:
            return Page(len(full), offset, full[offset:offset + limit])
        iri = str(department_iri(dept_id, self.base))
        order = self._department_order(iri, role)
        if not everything:
            order = self._in_scope(order, scope)
        shown = order[offset:offset + limit]
        items = self._department_skeleton(iri, role, shown) if shown else []
        return Page(len(order), offset, self.resolve(self._expand_department_tasks(items)))

    def common_tasks(self, first_id: str, second_id: str) -> list[dict[str, Any]]:
        """Tasks both departments lead, support or co-own, with each one's roles and clauses."""
        first = str(department_iri(first_id, self.base))
        second = str(department_iri(second_id, self.base))

        def compute():
            result = self._run("common_tasks", {"first": URIRef(first), "second": URIRef(second)})
            shared = list(dict.fromkeys(str(t) for t in result.values("task")))
            a = {t["iri"]: t for t in self._expand_department_tasks(self._department_skeleton(first, "any", shared))}
            b = {t["iri"]: t for t in self._expand_department_tasks(self._department_skeleton(second, "any", shared))}
            summaries = self._summaries(shared)
            refs = self._dept_refs([first, second])
            out = []
            for iri in shared:
                task = summaries[iri]
                task["departments"] = [
                    {"department": dict(refs[first]), "roles": a.get(iri, {}).get("roles", []),
                     "clauses": a.get(iri, {}).get("clauses", [])},
                    {"department": dict(refs[second]), "roles": b.get(iri, {}).get("roles", []),
                     "clauses": b.get(iri, {}).get("clauses", [])},
                ]
                out.append(task)
            out.sort(key=_page_key)
            return self.resolve(out)

        return self.cached(("common", first_id, second_id), compute)

    def partners(self, dept_id: str, scope: Scope | None = None) -> list[dict[str, Any]]:
        """Departments sharing a task with this one (as lead, support or co-responsible)
        in the documents of ``scope``: how many tasks and which, most shared first."""
        iri = str(department_iri(dept_id, self.base))
        scope = scope or Scope()

        def compute():
            result = self._run("partners", {"dept": URIRef(iri)})
            shared: dict[str, set[str]] = {}
            rows = result.rows
            if not scope.everything:
                kept = set(self._in_scope(list(dict.fromkeys(str(task) for _, task in rows)), scope))
                rows = [(other, task) for other, task in rows if str(task) in kept]
            for other, task in rows:
                shared.setdefault(str(other), set()).add(str(task))
            rows = self._task_rows({t for tasks in shared.values() for t in tasks})
            refs = self._dept_refs(shared)
            out = []
            for other, tasks in shared.items():
                summaries = sorted((rows.get(t) or _task_stub(t) for t in tasks), key=_page_key)
                out.append({
                    "department": dict(refs[other]),
                    "count": len(tasks),
                    "tasks": [{k: t[k] for k in ("id", "document", "number", "label", "title")} for t in summaries],
                })
            out.sort(key=lambda p: (-p["count"], p["department"]["id"]))
            return out

        return self.cached(("partners", dept_id, scope), compute)

    # -- tasks --------------------------------------------------------------------------
    def _task_list(self, document: str | None, section: int | None) -> list[str]:
        """IRIs of the tasks (of a document / section) in page order."""

        def compute():
            skeleton = self._task_skeleton()
            numbers = self._task_section_numbers() if section is not None else {}
            return [iri for iri, (doc, _, _) in skeleton.items()
                    if (document is None or doc == document) and (section is None or numbers.get(iri) == section)]

        return self.cached(("task_list", document, section), compute)

    def _task_section_numbers(self) -> dict[str, int | None]:
        def compute():
            out: dict[str, int | None] = {}
            for r in self._run("task_sections").dicts():
                out.setdefault(str(r["task"]), _int(r["number"]))
            return out

        return self.cached("task_section_numbers", compute)

    def _expand_tasks(self, iris: list[str]) -> list[dict[str, Any]]:
        """List items for task IRIs: summary and the departments in each role."""
        summaries = self._summaries(iris)
        assignments = self._assignments_of(iris)
        out = []
        for iri in iris:
            by_role: dict[str, list[dict[str, Any]]] = {role: [] for role in ROLE_NAMES}
            for a in assignments.get(iri, []):
                names = by_role.setdefault(a["role"], [])
                if a["department"] not in names:
                    names.append(a["department"])
            out.append(dict(summaries[iri], departments=by_role))
        return out

    def tasks(self, document: str | None = None, section: int | None = None) -> list[dict[str, Any]]:
        """Every task (optionally of one document / section) with who leads and supports it."""

        def compute():
            return self.resolve(self._expand_tasks(self._task_list(document, section)))

        return self.cached(("tasks", document, section), compute)

    def tasks_page(self, document: str | None, section: int | None, offset: int, limit: int,
                   scope: Scope | None = None) -> Page:
        """One page of :meth:`tasks` (of the documents in ``scope`` too): only that page's
        tasks are read in full."""
        everything = scope is None or scope.everything
        full = self._peek(("tasks", document, section)) if everything else None
        if full is not None:
            return Page(len(full), offset, full[offset:offset + limit])
        iris = self._task_list(document, section)
        if not everything:
            iris = self._in_scope(iris, scope)
        return Page(len(iris), offset, self.resolve(self._expand_tasks(iris[offset:offset + limit])))

    def _in_scope(self, tasks: list[str], scope: Scope) -> list[str]:
        """The tasks (IRIs) of documents in ``scope``, in their order."""
        keys = self._task_keys(tasks)
        return [iri for iri in tasks if keys.get(iri) is not None and scope.covers(keys[iri][0])]

    def _task_iri(self, task_id: str) -> str | None:
        """IRI of the task with this id (fg:id), if the graph has one."""

        def compute():
            found = [str(t) for t in self._run("task_by_id", {"id": Literal(task_id)}).values("task")]
            keys = self._task_keys(found)
            valid = [iri for iri in dict.fromkeys(found) if keys.get(iri) is not None and keys[iri][2] == task_id]
            if not valid:
                return None
            # As a table keyed by id would hold it: the last task in page order wins.
            return sorted(valid, key=lambda iri: _key_order(iri, keys[iri]))[-1]

        return self.cached(("task_iri", task_id), compute)

    def task(self, task_id: str) -> dict[str, Any] | None:
        """Everything about one task: clauses with their assignments, assignments by role,
        targets, regions, references and source span."""

        def compute():
            iri = self._task_iri(task_id)
            if iri is None:
                return None
            task = self._summaries([iri])[iri]
            assignments = self._assignments_of([iri]).get(iri, [])
            clauses = []
            for clause in self._clauses_of([iri]).get(iri, []):
                clauses.append(dict(clause, assignments=[
                    {k: v for k, v in a.items() if k != "clause"} for a in assignments if a["clause"] == clause["number"]
                ]))
            by_role: dict[str, list[dict[str, Any]]] = {role: [] for role in ROLE_NAMES}
            for a in assignments:
                by_role.setdefault(a["role"], []).append(
                    {"department": a["department"], "clause": a["clause"], "source": a["source"],
                     **({"rule": a["rule"]} if "rule" in a else {})})
            mentions = self._mentions(iri)
            subtasks = [str(t) for t in self._run("subtasks", {"id": Literal(task["id"])}).values("task")]
            keys = self._task_keys(subtasks)
            task.update(
                clauses=clauses,
                assignments=by_role,
                targets=[t for t in self._targets_of_owners([iri]) if t["task"] and t["task"]["id"] == task["id"]],
                regions=mentions["region"],
                references=mentions["reference"],
                subtasks=[keys[t][2] for t in sorted({t for t in subtasks if keys.get(t)},
                                                     key=lambda t: _key_order(t, keys[t]))],
            )
            return self.resolve(task)

        return self.cached(("task", task_id), compute)

    def _region_entries(self, iris: Iterable[str]) -> dict[str, dict[str, Any] | None]:
        """Region IRI -> id, name, code and kind (group, division or place)."""
        table = self._peek("regions")

        def load(keys: list[str]) -> dict[str, dict[str, Any]]:
            if table is not None:
                return {k: table[k] for k in keys if k in table}
            out: dict[str, dict[str, Any]] = {}
            for r in self._rows("region_entries", "region", [URIRef(k) for k in keys if _listable(k)]):
                iri = str(r["region"])
                entry = out.setdefault(iri, {"id": str(r["id"]), "iri": iri, "name": _str(r["name"]),
                                             "code": _str(r["code"]), "members": []})
                if r["member"] is not None and str(r["member"]) not in entry["members"]:
                    entry["members"].append(str(r["member"]))
            for entry in out.values():
                entry["members"].sort()  # by id: a store returns them in any order
                entry["kind"] = "group" if entry["members"] else ("division" if entry["code"] else "place")
            return out

        return self._fetch("region", iris, load)

    def _mentions(self, owner_iri: str) -> dict[str, list[dict[str, Any]]]:
        rows = self._run("mentions", {"owner": URIRef(owner_iri)}).dicts()
        regions = self._region_entries({str(r["entity"]) for r in rows if str(r["kind"]) == "region"})
        info = self._span_info({str(r["span"]) for r in rows})
        out: dict[str, dict[str, dict[str, Any]]] = {"region": {}, "reference": {}}
        seen: dict[str, set] = {}
        for r in rows:
            kind = str(r["kind"])
            entity = str(r["entity"])
            if kind == "region":
                region = regions.get(entity) or {"id": _tail(entity), "name": None}
                entry = out["region"].setdefault(entity, {
                    "id": region["id"], "name": region["name"], "code": region.get("code"),
                    "kind": region.get("kind"), "mentions": []})
            else:
                entry = out["reference"].setdefault(entity, {"id": _tail(entity), "title": _str(r["title"]), "mentions": []})
            found = info.get(str(r["span"]))
            marks = seen.setdefault(f"{kind} {entity}", set())
            if found is not None and found[:3] not in marks:
                marks.add(found[:3])
                entry["mentions"].append(_src(r["span"]))
        result_lists = {}
        for kind, entries in out.items():
            for entry in entries.values():
                entry["mentions"].sort(key=lambda s: _start_of(s, info))
            result_lists[kind] = sorted(entries.values(),
                                        key=lambda e: (_start_of(e["mentions"][0], info) if e["mentions"] else 0))
        return result_lists

    # -- targets ------------------------------------------------------------------------
    def _all_targets(self) -> list[dict[str, Any]]:
        return self.cached("targets_pending", lambda: self._shape_targets(self._run("targets").dicts()))

    def all_targets(self) -> list[dict[str, Any]]:
        return self.cached("targets", lambda: self.resolve(self._all_targets()))

    def _targets_of_owners(self, owners: list[str]) -> list[dict[str, Any]]:
        return self._shape_targets(self._rows("targets", "owner", [URIRef(o) for o in owners if _listable(o)]))

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

    def _targets(self, department: str | None, unit: str | None, section: int | None,
                 metric: str | None) -> list[dict[str, Any]]:
        if department is None and unit is None and section is None and metric is None:
            return self._all_targets()
        dept_iri = str(department_iri(department, self.base)) if department is not None else None

        def compute():
            if metric is None:
                query_, bindings = self.targets_bindings(dept_iri, unit, section, None)
                return self._shape_targets(self._run(query_, bindings).dicts())
            # The targets whose texts match first, then those of them the other filters keep.
            found = [URIRef(str(t)) for t in self._run("target_texts", {"metric_q": Literal(metric)}).values("target")]
            query_, bindings = self.targets_bindings(dept_iri, unit, section, None)
            rows: list[dict[str, Node | None]] = []
            for at in range(0, len(found), BATCH):
                text = with_values(query_.sparql, "target", found[at:at + BATCH])
                rows.extend(query(self.store, text, bindings, timeout=self.timeout).dicts())
            return self._shape_targets(rows)

        return self.cached(("targets_pending", department, unit, section, metric), compute)

    def targets(self, department: str | None = None, unit: str | None = None, section: int | None = None,
                metric: str | None = None) -> list[dict[str, Any]]:
        """Targets, optionally only those of tasks a department has a role in, with a unit
        as written (个, 公顷, %), of a section (its number), or whose metric contains a word."""
        if department is None and unit is None and section is None and metric is None:
            return self.all_targets()
        return self.cached(("targets", department, unit, section, metric),
                           lambda: self.resolve(self._targets(department, unit, section, metric)))

    def targets_page(self, department: str | None, unit: str | None, section: int | None, metric: str | None,
                     offset: int, limit: int) -> Page:
        """One page of :meth:`targets` (sources read for that page only; without filters,
        only that page's targets are read in full)."""
        if department is None and unit is None and section is None and metric is None:
            full = self._peek("targets_pending")
            if full is None:
                order = self._target_order()
                rows = self._rows("targets", "target", [URIRef(t) for t in order[offset:offset + limit]])
                return Page(len(order), offset, self.resolve(self._shape_targets(rows)))
        return self.page(self._targets(department, unit, section, metric), offset, limit)

    def _target_order(self) -> list[str]:
        """Every target IRI in the order of the target list (document, offset, id), read
        from the targets' span IRIs (:meth:`_shape_targets` sorts by the same key)."""

        def compute():
            spans: dict[str, Node | None] = {}
            for target, span in self._run("target_keys").rows:
                spans.setdefault(str(target), span)
            info = self._span_info({str(s) for s in spans.values() if s is not None})

            def key(iri: str) -> tuple:
                found = info.get(str(spans[iri])) if spans[iri] is not None else None
                return (found[0], found[1], _tail(iri)) if found is not None else ("", 0, _tail(iri))

            return sorted(spans, key=key)

        return self.cached("target_order", compute)

    def _shape_targets(self, rows: list[dict[str, Node | None]]) -> list[dict[str, Any]]:
        first: dict[str, dict[str, Node | None]] = {}
        for r in rows:
            first.setdefault(str(r["target"]), r)
        tasks = self._task_rows({str(r["owner"]) for r in first.values()})  # None for a document
        info = self._span_info({str(r["span"]) for r in first.values() if r["span"] is not None})
        out: list[dict[str, Any]] = []
        for iri, r in first.items():
            task = tasks.get(str(r["owner"]))
            span = info.get(str(r["span"])) if r["span"] is not None else None
            out.append({
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
                "document": span[0] if span is not None else None,
                "source": _src(r["span"]) if span is not None else None,
            })
        return sorted(out, key=lambda t: (t["document"] or "", _start_of(t["source"], info), t["id"]))

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
                entry["broader"].sort()  # by id: a store returns them in any order
                entry["members"].sort()
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

    def _region_rows(self, region_id: str) -> list[dict[str, Node | None]]:
        """The rows of ``region_tasks`` for a region (task, the region mentioned, span)."""
        iri = str(region_iri(region_id, self.base))
        return self.cached(("region_rows", region_id),
                           lambda: self._run("region_tasks", {"region": URIRef(iri)}).dicts())

    def _region_tasks(self, region_id: str) -> list[dict[str, Any]]:
        return self.cached(("region_tasks_pending", region_id),
                           lambda: self._shape_region_tasks(self._region_rows(region_id)))

    def _shape_region_tasks(self, rows: list[dict[str, Node | None]]) -> list[dict[str, Any]]:
        """The tasks of ``region_tasks`` rows, each with its mentions, in page order."""
        summaries = self._summaries(dict.fromkeys(str(r["task"]) for r in rows))
        regions = self._region_entries({str(r["via"]) for r in rows})
        info = self._span_info({str(r["span"]) for r in rows if r["span"] is not None})
        tasks: dict[str, dict[str, Any]] = {}
        seen: dict[str, set] = {}
        for r in rows:
            task_iri = str(r["task"])
            task = tasks.get(task_iri)
            if task is None:
                task = tasks[task_iri] = summaries[task_iri]
                task["mentions"] = []
            via = regions.get(str(r["via"])) or {"id": _tail(r["via"]), "name": None}
            found = info.get(str(r["span"])) if r["span"] is not None else None
            key = (via["id"], via["name"], found[:3] if found is not None else None)
            if key not in seen.setdefault(task_iri, set()):
                seen[task_iri].add(key)
                task["mentions"].append({"region": {"id": via["id"], "name": via["name"]},
                                         "source": _src(r["span"]) if found is not None else None})
        for task in tasks.values():
            task["mentions"].sort(key=lambda m: _start_of(m["source"], info))
        return sorted(tasks.values(), key=_page_key)

    def region_tasks(self, region_id: str) -> list[dict[str, Any]]:
        """Tasks that mention the region, a group or composite it belongs to (杭绍 for 杭州),
        or a place within it, each with the mention's span."""
        return self.cached(("region_tasks", region_id), lambda: self.resolve(self._region_tasks(region_id)))

    def region_tasks_page(self, region_id: str, offset: int, limit: int) -> Page:
        """One page of :meth:`region_tasks`: only that page's tasks are read in full (a
        city mentioned by 2,000 tasks of 1,000 documents took 3 s for its first page)."""
        full = self._peek(("region_tasks_pending", region_id))
        if full is not None:
            return self.page(full, offset, limit)
        rows = self._region_rows(region_id)
        iris = list(dict.fromkeys(str(r["task"]) for r in rows))
        keys = self._task_keys(iris)
        order = sorted(iris, key=lambda iri: _key_order(iri, keys.get(iri)))
        shown = set(order[offset:offset + limit])
        return Page(len(order), offset,
                    self.resolve(self._shape_region_tasks([r for r in rows if str(r["task"]) in shown])))

    # -- documents ----------------------------------------------------------------------
    def _document_lengths(self) -> dict[str, int]:
        def compute():
            return {str(doc): int(str(n)) for doc, n in self._run("document_lengths").rows}

        return self.cached("document_lengths", compute)

    def documents(self) -> list[dict[str, Any]]:
        def compute():
            rows = []
            seen = set()
            for r in self._run("documents").dicts():
                if str(r["id"]) not in seen:
                    seen.add(str(r["id"]))
                    rows.append(r)
            publishers = self._department_entries({str(r["publisher"]) for r in rows if r["publisher"] is not None})
            lengths = self._document_lengths()
            out = []
            for r in rows:
                doc_id = str(r["id"])
                publisher = publishers.get(str(r["publisher"])) if r["publisher"] is not None else None
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
                    "length": lengths.get(doc_id, 0),
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
            iris = self._task_list(doc_id, None)
            summaries = self._summaries(iris)
            for iri in iris:
                task = summaries[iri]
                number = (task["section"] or {}).get("number") or 0
                section = sections.setdefault(number, dict(task["section"] or {"number": None, "label": None, "title": None}, tasks=[]))
                section["tasks"].append({k: task[k] for k in ("id", "number", "label", "title")})
            doc["sections"] = [sections[k] for k in sorted(sections)]
            doc["targets"] = [t for t in self._targets_of_owners([found["iri"]])
                              if t["document"] == doc_id and t["task"] is None]
            doc["regions"] = self._mentions(str(document_iri(doc_id, self.base)))["region"]
            doc["text"] = self._texts({doc_id: Literal(doc_id)})[doc_id]
            return self.resolve(doc)

        return self.cached(("document", doc_id), compute)

    # -- search -------------------------------------------------------------------------
    def _search(self, variants: tuple[str, ...]) -> list[dict[str, Any]]:
        def compute():
            hits: dict[tuple[str, str], dict[str, Any]] = {}
            found: list[tuple[str, str, str, Node | None, str]] = []
            texts: dict[tuple[str, str, str], tuple[Node | None, str]] = {}  # -> its first span, variant
            for variant in variants:
                for r in self._run("search", {"q": Literal(variant)}).dicts():
                    texts.setdefault((str(r["subject"]), str(r["property"]), str(r["text"])), (r["span"], variant))
            kinds: set[tuple[str, str]] = set()  # (subject, kind)
            subjects = [URIRef(s) for s in dict.fromkeys(t[0] for t in texts) if _listable(s)]
            for r in self._rows("search_kinds", "subject", subjects):
                kind = _SEARCH_KINDS.get(str(r["type"]))
                if kind is not None:
                    kinds.add((str(r["subject"]), kind))
            for (subject, prop, text), (span, variant) in texts.items():
                kind = _SEARCH_PROPERTIES[prop]
                if (subject, kind) not in kinds or (kind, subject) in hits:
                    continue
                hits[(kind, subject)] = {}
                found.append((kind, subject, text, span, variant))
            clause_owner = self._clause_owner(s for k, s, *_ in found if k == "clause")
            target_rows: dict[str, str] = {}
            targets = [URIRef(s) for k, s, *_ in found if k == "target" and _listable(s)]
            for r in self._rows("targets", "target", targets):
                target_rows.setdefault(str(r["target"]), str(r["owner"]))
            owners = {s for k, s, *_ in found if k == "task"} | {t for t in clause_owner.values() if t}
            owners |= set(target_rows.values())
            tasks = self._task_rows(owners)
            info = self._span_info({str(f[3]) for f in found if f[3] is not None})
            for kind, subject, text, span, variant in found:
                if kind == "task":
                    task = tasks.get(subject)
                elif kind == "clause":
                    task = tasks.get(clause_owner.get(subject) or "")
                else:
                    task = tasks.get(target_rows.get(subject, ""))
                lowered = text.lower()
                needle = variant.lower()
                matches, at = [], lowered.find(needle)
                while at >= 0 and len(matches) < 50:
                    matches.append([at, at + len(needle)])
                    at = lowered.find(needle, at + max(1, len(needle)))
                located = info.get(str(span)) if span is not None else None
                hits[(kind, subject)] = {
                    "kind": kind,
                    "text": text,
                    "matches": matches,
                    "task": {k: task[k] for k in ("id", "document", "number", "label", "title")} if task else None,
                    "source": _src(span) if located is not None else None,
                    "_at": (located[0], located[1]) if located is not None else ("", 0),
                }
            order = {"task": 0, "clause": 1, "target": 2}
            ranked = sorted(hits.values(), key=lambda h: (h["_at"][0], h["_at"][1], order[h["kind"]]))
            for hit in ranked:
                del hit["_at"]
            return ranked

        return self.cached(("search_pending", variants), compute, limit=4096)

    @staticmethod
    def _variants(q: str) -> tuple[str, ...]:
        raw = q.translate(_ZERO_WIDTH).strip()
        return tuple(dict.fromkeys(v for v in (raw, clean_text(raw)) if v))

    def search(self, q: str, sources: bool = True) -> list[dict[str, Any]]:
        """Task titles, clause texts and targets containing ``q`` (case-insensitive; the
        query is also tried in NFKC form, so full-width digits find half-width ones).
        ``sources=False`` leaves out each hit's source (reading the sentences of thousands
        of hits took seconds at 1,000 documents)."""
        variants = self._variants(q)
        if not sources:
            return self.cached(("search_hits", variants), lambda: [
                {k: v for k, v in hit.items() if k != "source"} for hit in self._search(variants)], limit=4096)
        return self.cached(("search", variants), lambda: self.resolve(self._search(variants)), limit=4096)

    def search_page(self, q: str, offset: int, limit: int) -> Page:
        """One page of :meth:`search` (sources read for that page only)."""
        return self.page(self._search(self._variants(q)), offset, limit)

    def task_briefs(self, task_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Many tasks at once as a list of hits shows them: id, document, number, label,
        title, section (number, label, title) and the departments by role (``{role: [{id,
        name, short}]}``, in clause and text order), with no texts or sources. Task ids the
        graph does not have are left out.

        >>> from fengong.store import open_store
        >>> from fengong.extract import extract_text
        >>> doc = extract_text("一、推进建设\\n1.新增绿地100公顷。(省建设厅牵头,省水利厅配合)")
        >>> store = open_store("memory"); _ = store.add_documents([doc])
        >>> brief = Answers(store).task_briefs([f"{doc.id}-t1", "none"])
        >>> len(brief), [d["short"] for d in brief[f"{doc.id}-t1"]["departments"]["support"]]
        (1, ['省水利厅'])
        """
        ids = list(dict.fromkeys(task_ids))
        iris: dict[str, str] = {}
        minted: dict[str, str] = {}
        for task_id in ids:
            try:
                minted[task_id] = str(task_iri_from_id(task_id, self.base))
            except ValueError:
                continue
        keys = self._task_keys(minted.values())
        for task_id in ids:
            iri = minted.get(task_id)
            if iri is None or keys.get(iri) is None or keys[iri][2] != task_id:
                iri = self._task_iri(task_id)  # a task whose IRI fengong did not mint
            if iri is not None:
                iris[task_id] = iri
        summaries = self._summaries(iris.values())
        assignments = self._assignments_of(iris.values())
        out: dict[str, dict[str, Any]] = {}
        for task_id, iri in iris.items():
            summary = summaries[iri]
            departments: dict[str, list[dict[str, Any]]] = {}
            for a in assignments.get(iri, []):
                listed = departments.setdefault(a["role"], [])
                if a["department"] not in listed:
                    listed.append(a["department"])
            out[task_id] = {**{k: summary.get(k) for k in ("id", "document", "number", "label", "title", "section")},
                            "departments": departments}
        return out

    def task_iri(self, task_id: str) -> str | None:
        """IRI of a task id, if the graph has it."""
        try:
            task_iri_from_id(task_id, self.base)
        except ValueError:
            return None
        return self._task_iri(task_id)


# --- shaping rows ----------------------------------------------------------------------------


def _section_entry(r: Mapping[str, Node | None]) -> dict[str, Any]:
    return {"number": _int(r["ordinal"]), "label": _str(r["label"]), "title": _str(r["title"])}


def _task_entry(r: Mapping[str, Node | None], sections: Mapping[str, dict[str, Any]] | None) -> dict[str, Any]:
    """A task summary from a row of the ``tasks`` query; the section as its entry when
    ``sections`` is given, else as its IRI; the source pending."""
    section: Any = str(r["section"]) if r["section"] is not None else None
    if sections is not None:
        section = sections.get(section) if section is not None else None
    return {
        "id": str(r["id"]),
        "iri": str(r["task"]),
        "document": str(r["doc"]),
        "number": _int(r["ordinal"]),
        "label": _str(r["label"]),
        "title": _str(r["title"]),
        "section": section,
        "parent": _str(r["parent"]),
        "deadline": _str(r["deadline"]),
        "source": _src(r["span"]),
    }


def _shape_clauses(rows: Iterable[Mapping[str, Node | None]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for r in rows:
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
            "source": _src(r["span"]),
        }
    return {task: sorted(c.values(), key=lambda c: c["number"] or 0) for task, c in out.items()}


def _shape_departments(rows: Iterable[Mapping[str, Node | None]],
                       labels: Iterable[tuple[Node, Node]]) -> dict[str, dict[str, Any]]:
    """Department IRI -> description (names, aliases, kind, level …) without task counts."""
    table: dict[str, dict[str, Any]] = {}
    for r in rows:
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
            }
        else:  # several values of an optional property: keep the smallest, stable
            for key, var in (("name", "name"), ("name_en", "en"), ("short", "short")):
                value = _str(r[var])
                if value and (entry[key] is None or value < entry[key]):
                    entry[key] = value
    for dept, label in labels:
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
    return table


def _start_of(source: _Src | None, info: Mapping[str, tuple[str, int, int, Node] | None]) -> int:
    """Start offset of a pending source whose span was fetched (0 if unknown), for sorting."""
    found = info.get(source.span) if source is not None else None
    return found[1] if found is not None else 0


def _key_order(iri: str, key: tuple[str, int | None, str] | None) -> tuple:
    """The page order of a task from its key; a task without one is described by its IRI
    (as the answers' stubs are: no document, number 0)."""
    if key is None:
        return (None, 0, _tail(iri))
    return (key[0], key[1] if key[1] is not None else 0, key[2])
