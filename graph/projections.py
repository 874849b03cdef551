"""networkx projections of the RDF graph: who works on what, and with whom.

The projections are read from the RDF graph with SPARQL (the graph is the single source
of truth), never from :class:`fengong.model.Document` objects, so they work on any graph
built by :mod:`fengong.rdf` or loaded from a store. They accept an :class:`rdflib.Graph`,
an :class:`rdflib.Dataset` (whose named graphs are read as one union) or a
:class:`fengong.store.Store` (anything with ``query(sparql) -> QueryResult``), so that they
run on whichever backend holds the graph.

Nodes are the short ids (``fg:id``): department ids such as ``"ndrc"`` and task ids such
as ``"2023-ab12cd34-t13"``.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from itertools import combinations
from typing import TYPE_CHECKING, Any, Union

import networkx as nx
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.graph import ReadOnlyGraphAggregate
from rdflib.namespace import DCTERMS, PROV, SKOS

from fengong.vocab import ELI, FG, ROLES

if TYPE_CHECKING:
    from fengong.store import Store

__all__ = ["responsibility_graph", "coordination_graph", "lead_support_graph", "Source", "select_rows", "scope_tasks"]

#: What the projections read: an rdflib Graph or Dataset, or a fengong Store.
Source = Union[Graph, "Store"]

#: Roles that tie departments together by default in :func:`coordination_graph`.
#: Implementers are named once by a general rule (各市、县(市、区)人民政府落实) and then sit on
#: every task, which would connect them to everyone.
EXPLICIT_ROLES = ("lead", "support", "co_responsible")

_ROLE_NAMES = {concept: name for name, concept in ROLES.items()}

# An assignment and its task: the owner of the clause it was given in, or the task itself.
_ASSIGNMENT = """
    ?assignment a fg:Assignment ;
        prov:agent ?agent ;
        prov:hadRole ?role ;
        prov:hadPlan ?plan .
    OPTIONAL { ?owner fg:clause ?plan }
    BIND (COALESCE(?owner, ?plan) AS ?task)
"""

_ASSIGNMENTS = """
SELECT ?agent ?deptId ?deptLabel ?task ?taskId ?ordinal ?docId ?role ?plan ?clauseNo
WHERE {""" + _ASSIGNMENT + """    ?task a fg:Task .
    OPTIONAL { ?plan a fg:Clause ; fg:ordinal ?clauseNo }
    OPTIONAL { ?agent fg:id ?deptId }
    OPTIONAL { ?agent skos:prefLabel ?deptLabel FILTER (langMatches(lang(?deptLabel), "zh")) }
    OPTIONAL { ?task fg:id ?taskId }
    OPTIONAL { ?task fg:ordinal ?ordinal }
    OPTIONAL { ?task eli:is_part_of/fg:id ?docId }
}
"""

# A store keeps each document in its named graph: the rows of some documents are read
# there, and the tasks' and departments' ids joined here (joined in the query, after the
# BIND, they took five times as long).
_ASSIGNMENTS_IN_GRAPHS = """
SELECT ?agent ?task ?docId ?role ?plan ?clauseNo
WHERE {
    VALUES_HERE
    GRAPH ?g {""" + _ASSIGNMENT + """        OPTIONAL { ?plan a fg:Clause ; fg:ordinal ?clauseNo }
    }
}
"""

_TASKS_IN_GRAPHS = """
SELECT ?task ?taskId ?ordinal WHERE {
    VALUES_HERE
    GRAPH ?g {
        ?task a fg:Task .
        OPTIONAL { ?task fg:id ?taskId }
        OPTIONAL { ?task fg:ordinal ?ordinal }
    }
}
"""

_AGENTS = """
SELECT ?agent ?deptId ?deptLabel WHERE {
    VALUES_HERE
    OPTIONAL { ?agent fg:id ?deptId }
    OPTIONAL { ?agent skos:prefLabel ?deptLabel FILTER (langMatches(lang(?deptLabel), "zh")) }
}
"""

_TASKS = """
SELECT ?task ?taskId ?taskTitle ?ordinal ?sectionTitle ?docId
WHERE {
    ?task a fg:Task .
    OPTIONAL { ?task fg:id ?taskId }
    OPTIONAL { ?task fg:ordinal ?ordinal }
    OPTIONAL { ?task dct:title ?taskTitle }
    OPTIONAL { ?task fg:section/dct:title ?sectionTitle }
    OPTIONAL { ?task eli:is_part_of/fg:id ?docId }
}
"""

_NAMESPACES = {"fg": FG._NS, "prov": PROV, "skos": SKOS, "dct": DCTERMS, "eli": ELI._NS}
_PROLOGUE = "".join(f"PREFIX {prefix}: <{ns}>\n" for prefix, ns in _NAMESPACES.items())


@dataclass(frozen=True)
class _Row:
    department: str
    department_label: str
    task: str
    ordinal: int  # of the task, for document order
    document: str | None
    role: str
    plan: str
    clause: int | None


def _union(graph: Graph) -> Graph:
    """A read-only view of all named graphs of a Dataset (no copy), or the Graph itself."""
    if isinstance(graph, Dataset) and not graph.default_union:
        return ReadOnlyGraphAggregate(list(graph.graphs()))
    return graph


def select_rows(source: Source, sparql: str, bindings: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """Rows of a SELECT query (the fg, prov, skos, dct and eli prefixes are declared) as
    dicts of rdflib terms, unbound variables left out, from a Graph, Dataset or Store.

    >>> from rdflib import Graph
    >>> select_rows(Graph(), "SELECT ?s WHERE { ?s a fg:Task }")
    []
    """
    query = _PROLOGUE + sparql
    if isinstance(source, Graph):
        result = _union(source).query(query, initBindings=dict(bindings or {}))
        return [row.asdict() for row in result]
    if not hasattr(source, "query"):
        raise TypeError(f"expected an rdflib Graph or a fengong Store, got {type(source).__name__}")
    rows = source.query(query, dict(bindings or {})).dicts()
    return [{k: v for k, v in row.items() if v is not None} for row in rows]


def scope_tasks(sparql: str, documents: Collection[str] | None) -> str:
    """The query with ``?task`` restricted to the tasks of the listed documents (ids), by a
    ``VALUES`` block at the start of its WHERE group (ids written by the N-Triples rules);
    ``None``: unchanged.

    >>> print(scope_tasks("SELECT ?task WHERE { ?task a fg:Task }", ["2023-ab"]).split("{", 1)[1].strip())
    VALUES ?scopeDocId { "2023-ab" } ?scopeDoc fg:id ?scopeDocId ; a fg:WorkPlan . ?task eli:is_part_of ?scopeDoc . ?task a fg:Task }
    """
    if documents is None:
        return sparql
    from fengong.store import ntriples

    listed = " ".join(ntriples.term(Literal(doc)) for doc in sorted(documents))
    block = (f"VALUES ?scopeDocId {{ {listed} }} ?scopeDoc fg:id ?scopeDocId ; a fg:WorkPlan . "
             f"?task eli:is_part_of ?scopeDoc .")
    at = sparql.index("{", sparql.index("WHERE")) + 1
    return f"{sparql[:at]} {block} {sparql[at:].lstrip()}"


# The last rows read from a store: a view draws two projections of the same rows (tasks
# and lead → support), and reading them is most of its cost at scale.
_last_rows: tuple[Any, Any, Any, list[_Row]] | None = None
_last_lock = threading.Lock()


def _rows(graph: Source, documents: Collection[str] | None = None) -> list[_Row]:
    """The assignment rows of the graph (of the ``documents``), in document order; from a
    store, the last answer is kept until the store changes."""
    global _last_rows
    if isinstance(graph, Graph):
        return _read_rows(graph, documents)
    from fengong.queries import generation

    key = (generation(graph), None if documents is None else frozenset(documents))
    with _last_lock:
        last = _last_rows
    if last is not None and last[0] is graph and (last[1], last[2]) == key:
        return last[3]
    rows = _read_rows(graph, documents)
    with _last_lock:
        _last_rows = (graph, *key, rows)
    return rows


def _store_rows(store: "Store", documents: Collection[str]) -> list[dict[str, Any]]:
    """:data:`_ASSIGNMENTS` rows of some documents of a store, read inside their named
    graphs (a sixth of the time of a join on their ids at 100 documents); the tasks' and
    departments' ids and names by one query each, joined as the single query joins them."""
    from fengong.store import ntriples

    ordered = sorted(documents)
    pairs = " ".join(f"({ntriples.iri(store.graph_iri(doc))} {ntriples.term(Literal(doc))})" for doc in ordered)
    graphs = " ".join(ntriples.iri(store.graph_iri(doc)) for doc in ordered)
    rows = select_rows(store, _ASSIGNMENTS_IN_GRAPHS.replace("VALUES_HERE", f"VALUES (?g ?docId) {{ {pairs} }}"))
    tasks = {r["task"]: r for r in select_rows(store, _TASKS_IN_GRAPHS.replace("VALUES_HERE", f"VALUES ?g {{ {graphs} }}"))}
    agents = sorted({r["agent"] for r in rows if isinstance(r.get("agent"), URIRef)})
    named: dict[Any, list[dict[str, Any]]] = {}
    if agents:
        listed = " ".join(ntriples.iri(a) for a in agents)
        for r in select_rows(store, _AGENTS.replace("VALUES_HERE", f"VALUES ?agent {{ {listed} }}")):
            named.setdefault(r["agent"], []).append(r)
    out = []
    for r in rows:
        task = tasks.get(r.get("task"))
        if task is None:  # `?task a fg:Task` of the single query
            continue
        joined = {**r, **{k: task[k] for k in ("taskId", "ordinal") if k in task}}
        for agent in named.get(r.get("agent"), [{}]):  # its OPTIONAL join of the agent's names
            out.append({**joined, **{k: agent[k] for k in ("deptId", "deptLabel") if k in agent}})
    return out


def _read_rows(graph: Source, documents: Collection[str] | None) -> list[_Row]:
    rows = set()
    if documents is None:
        found = select_rows(graph, _ASSIGNMENTS)
    elif isinstance(graph, Graph):  # one built in memory: small, filtered here
        wanted = set(documents)
        found = [r for r in select_rows(graph, _ASSIGNMENTS) if r.get("docId") is not None
                 and str(r["docId"]) in wanted]
    else:
        found = _store_rows(graph, documents)
    for r in found:
        role = _ROLE_NAMES.get(r.get("role"))
        if role is None:
            continue
        dept_id, agent = r.get("deptId"), r.get("agent")
        label, task_id = r.get("deptLabel"), r.get("taskId")
        ordinal, doc_id, clause = r.get("ordinal"), r.get("docId"), r.get("clauseNo")
        rows.add(
            _Row(
                department=str(dept_id if dept_id is not None else agent),
                department_label=str(label if label is not None else dept_id or agent),
                task=str(task_id if task_id is not None else r["task"]),
                ordinal=int(ordinal) if ordinal is not None else 0,
                document=str(doc_id) if doc_id is not None else None,
                role=role,
                plan=str(r["plan"]),
                clause=int(clause) if clause is not None else None,
            )
        )
    # Sorted so that node and edge order (and so drawings and exports) are reproducible.
    return sorted(
        rows,
        key=lambda r: (r.document or "", r.ordinal, r.task, r.clause or 0, r.department, r.role),
    )


def _tasks(graph: Source, documents: Collection[str] | None = None) -> list[tuple[str, dict]]:
    """Every task (of the ``documents``) with its node attributes, in document order (also
    tasks nobody is assigned)."""
    tasks = {}
    for r in select_rows(graph, scope_tasks(_TASKS, documents)):
        title, section, doc_id, ordinal = (
            r.get("taskTitle"), r.get("sectionTitle"), r.get("docId"), r.get("ordinal")
        )
        tasks[str(r.get("taskId", r["task"]))] = {
            "kind": "task",
            "label": str(title) if title is not None else "",
            "section": str(section) if section is not None else None,
            "document": str(doc_id) if doc_id is not None else None,
            "ordinal": int(ordinal) if ordinal is not None else 0,
        }
    return sorted(tasks.items(), key=lambda t: (t[1]["document"] or "", t[1]["ordinal"], t[0]))


def _select(rows: list[_Row], roles: Iterable[str] | None) -> list[_Row]:
    if roles is None:
        return rows
    wanted = set(roles)
    unknown = wanted - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}; expected some of {sorted(ROLES)}")
    return [r for r in rows if r.role in wanted]


def _add_department(g: nx.Graph, row: _Row) -> None:
    if row.department not in g:
        g.add_node(row.department, kind="department", label=row.department_label)


def responsibility_graph(graph: Source, roles: Iterable[str] | None = None,
                         documents: Collection[str] | None = None) -> nx.MultiGraph:
    """Bipartite department–task graph with one edge per (department, task, role).

    Department nodes have ``kind="department"`` and ``label`` (the Chinese name); task
    nodes have ``kind="task"``, ``label`` (the title), ``section`` (the section title),
    ``document`` (the document id) and ``ordinal``. Edges are keyed by role (``"lead"``,
    ``"support"``, ``"co_responsible"``, ``"implementer"``) and carry ``role`` and
    ``clauses``, the clause numbers the role was given in (empty for implementers, who are
    assigned to the whole task). ``roles`` keeps only some roles; ``documents`` (ids) only
    the tasks of those documents. Every task is a node, so a task that names no responsible
    unit shows up isolated.

    Examples
    --------
    >>> from fengong.rdf import build_graph
    >>> G = responsibility_graph(build_graph(documents))  # doctest: +SKIP
    >>> sorted(t for _, t, role in G.edges("ndrc", keys=True) if role == "lead")  # doctest: +SKIP
    ['2023-ab12cd34-t2', '2023-ab12cd34-t9']
    """
    G = nx.MultiGraph()
    G.add_nodes_from(_tasks(graph, documents))
    for row in _select(_rows(graph, documents), roles):
        _add_department(G, row)
        if G.has_edge(row.department, row.task, key=row.role):
            clauses = G.edges[row.department, row.task, row.role]["clauses"]
        else:
            clauses = []
            G.add_edge(row.department, row.task, key=row.role, role=row.role, clauses=clauses)
        if row.clause is not None and row.clause not in clauses:
            clauses.append(row.clause)
    return G


def coordination_graph(
    graph: Source, roles: Iterable[str] | None = EXPLICIT_ROLES, documents: Collection[str] | None = None
) -> nx.Graph:
    """Department–department graph: an edge for every pair that shares a task.

    Edge ``weight`` is the number of shared tasks and ``tasks`` lists their ids in document
    order. Only assignments with the given ``roles`` count; by default implementers named by
    a general rule are left out (they sit on every task); ``roles=None`` counts every role.
    ``documents`` (ids): only their tasks. Nodes have ``kind="department"`` and ``label``.

    Examples
    --------
    >>> from fengong.rdf import build_graph
    >>> C = coordination_graph(build_graph(documents))  # doctest: +SKIP
    >>> C.edges["police", "hrss"]  # doctest: +SKIP
    {'weight': 1, 'tasks': ['2023-ab12cd34-t1']}
    """
    rows = _select(_rows(graph, documents), roles)
    C = nx.Graph()
    by_task: dict[str, list[str]] = {}
    for row in rows:
        _add_department(C, row)
        departments = by_task.setdefault(row.task, [])
        if row.department not in departments:
            departments.append(row.department)
    for task, departments in by_task.items():
        for a, b in combinations(sorted(departments), 2):
            if C.has_edge(a, b):
                C.edges[a, b]["tasks"].append(task)
                C.edges[a, b]["weight"] += 1
            else:
                C.add_edge(a, b, weight=1, tasks=[task])
    return C


def lead_support_graph(graph: Source, documents: Collection[str] | None = None) -> nx.DiGraph:
    """Directed lead → support graph: who leads the work that whom supports.

    An edge A → B means that in at least one clause A is the lead (牵头) and B supports
    (配合) it; ``weight`` is the number of distinct tasks where this happens and ``tasks``
    lists them. Clauses are compared, not whole tasks, so B supporting another unit's
    clause in the same task does not count as supporting A. ``documents`` (ids): only their
    tasks. Nodes have ``kind="department"`` and ``label``.

    Examples
    --------
    >>> from fengong.rdf import build_graph
    >>> D = lead_support_graph(build_graph(documents))  # doctest: +SKIP
    >>> D.edges["construction", "ndrc"]  # doctest: +SKIP
    {'weight': 1, 'tasks': ['2023-ab12cd34-t2']}
    """
    rows = _select(_rows(graph, documents), ("lead", "support"))
    D = nx.DiGraph()
    by_plan: dict[str, dict[str, list[_Row]]] = {}
    for row in rows:
        _add_department(D, row)
        by_plan.setdefault(row.plan, {"lead": [], "support": []})[row.role].append(row)
    for roles in by_plan.values():
        for lead in roles["lead"]:
            for support in roles["support"]:
                a, b, task = lead.department, support.department, lead.task
                if a == b:
                    continue
                if not D.has_edge(a, b):
                    D.add_edge(a, b, weight=0, tasks=[])
                edge = D.edges[a, b]
                if task not in edge["tasks"]:
                    edge["tasks"].append(task)
                    edge["weight"] += 1
    return D
