"""Coordination between departments: who shares tasks with whom, how central each one
is, and which groups form.

The coordination network has a node per department and an edge per pair that shares at
least one task, weighted by the number of shared tasks; it is the row-wise reading of
the matrix (two cells of one row both filled).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from itertools import combinations

import networkx as nx

from .facts import EXPLICIT_ROLES, ROLE_ORDER, Facts, GraphSource, read_facts

__all__ = [
    "Pair",
    "Centrality",
    "coordination_network",
    "strongest_pairs",
    "centrality",
    "communities",
]


@dataclass(frozen=True)
class Pair:
    a: str
    b: str
    a_label: str
    b_label: str
    weight: int  # shared tasks
    tasks: tuple[str, ...]  # their ids, in document order

    def to_dict(self) -> dict:
        return {**asdict(self), "tasks": list(self.tasks)}


@dataclass(frozen=True)
class Centrality:
    department: str
    label: str
    degree: int  # partners
    weighted_degree: int  # sum of shared tasks over partners
    betweenness: float  # normalised, unweighted shortest paths

    def to_dict(self) -> dict:
        return asdict(self)


def coordination_network(
    source: GraphSource | Facts,
    document: str | Iterable[str] | None = None,
    roles: Iterable[str] | None = EXPLICIT_ROLES,
    by: str = "task",
) -> nx.Graph:
    """Department–department graph: an edge for every pair that works on a common task.

    Edge ``weight`` is the number of shared tasks (``by="clause"``: shared clauses, i.e.
    named in the same attribution parenthesis) and ``tasks`` lists the task ids in document
    order. Only assignments with the given ``roles`` count; by default implementers named
    by a general rule are left out (they sit on every task). Nodes carry ``label`` (short
    name), ``name`` and ``kind="department"``; departments that share nothing are isolated
    nodes.

    Examples
    --------
    >>> C = coordination_network(store)  # doctest: +SKIP
    >>> C.edges["zj-drc", "zj-hangzhou"]["weight"]  # doctest: +SKIP
    3
    """
    if by not in ("task", "clause"):
        raise ValueError("by must be 'task' or 'clause'")
    wanted = set(ROLE_ORDER if roles is None else roles)
    unknown = wanted - set(ROLE_ORDER)
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}; expected some of {list(ROLE_ORDER)}")
    facts = source if isinstance(source, Facts) else read_facts(source, document)
    C = nx.Graph()
    groups: dict[tuple[str, int | None], list[str]] = {}
    for a in facts.assignments:
        if a.role not in wanted:
            continue
        if a.department not in C:
            d = facts.department(a.department)
            C.add_node(a.department, kind="department", label=d.label, name=d.name)
        key = (a.task, a.clause if by == "clause" else None)
        members = groups.setdefault(key, [])
        if a.department not in members:
            members.append(a.department)
    # Clause groups of one task can repeat a pair: count each task once per pair for
    # by="task", each clause for by="clause".
    for (task, _), members in groups.items():
        for u, v in combinations(sorted(members), 2):
            if not C.has_edge(u, v):
                C.add_edge(u, v, weight=0, tasks=[])
            edge = C.edges[u, v]
            edge["weight"] += 1
            if task not in edge["tasks"]:
                edge["tasks"].append(task)
    return C


def _as_network(source, document, roles) -> nx.Graph:
    if isinstance(source, nx.Graph):
        return source
    return coordination_network(source, document, roles)


def strongest_pairs(
    source: GraphSource | Facts | nx.Graph,
    n: int = 10,
    document: str | Iterable[str] | None = None,
    roles: Iterable[str] | None = EXPLICIT_ROLES,
) -> list[Pair]:
    """The ``n`` department pairs sharing the most tasks, with the tasks they share.

    Ties are broken by name so the list is stable. ``source`` may also be a network from
    :func:`coordination_network`.

    >>> [(p.a_label, p.b_label, p.weight) for p in strongest_pairs(store, 1)]  # doctest: +SKIP
    [('宁波市', '省发展改革委', 3)]
    """
    C = _as_network(source, document, roles)
    pairs = []
    for u, v, data in C.edges(data=True):
        a, b = sorted((u, v), key=lambda x: (C.nodes[x].get("label", x), x))
        pairs.append(
            Pair(a, b, C.nodes[a].get("label", a), C.nodes[b].get("label", b), data["weight"], tuple(data["tasks"]))
        )
    pairs.sort(key=lambda p: (-p.weight, p.a_label, p.b_label, p.a, p.b))
    return pairs[:n]


def centrality(
    source: GraphSource | Facts | nx.Graph,
    document: str | Iterable[str] | None = None,
    roles: Iterable[str] | None = EXPLICIT_ROLES,
) -> list[Centrality]:
    """Degree, weighted degree and betweenness of every department, most central first.

    Betweenness (normalised, on unweighted shortest paths) is high for a department that
    bridges groups which otherwise do not share tasks.

    >>> centrality(store)[0].label  # doctest: +SKIP
    '省发展改革委'
    """
    C = _as_network(source, document, roles)
    between = nx.betweenness_centrality(C, normalized=True)
    out = [
        Centrality(
            department=node,
            label=C.nodes[node].get("label", node),
            degree=C.degree(node),
            weighted_degree=int(C.degree(node, weight="weight")),
            betweenness=round(between.get(node, 0.0), 6),
        )
        for node in C.nodes
    ]
    return sorted(out, key=lambda c: (-c.betweenness, -c.weighted_degree, -c.degree, c.label, c.department))


def communities(
    source: GraphSource | Facts | nx.Graph,
    document: str | Iterable[str] | None = None,
    roles: Iterable[str] | None = EXPLICIT_ROLES,
    method: str = "louvain",
    seed: int = 6,
) -> list[list[str]]:
    """Groups of departments that share tasks mostly among themselves.

    ``method`` is ``"louvain"`` (networkx's Louvain, seeded so that the output is stable)
    or ``"greedy"`` (greedy modularity, deterministic). Isolated departments form
    groups of one. Groups are sorted largest first, members by id.

    >>> communities(store)[0][:3]  # doctest: +SKIP
    ['zj-drc', 'zj-hangzhou', 'zj-huzhou']
    """
    C = _as_network(source, document, roles)
    if C.number_of_nodes() == 0:
        return []
    # Sorted node and edge order: community detection depends on it.
    H = nx.Graph()
    H.add_nodes_from(sorted(C.nodes))
    H.add_weighted_edges_from(sorted((min(u, v), max(u, v), d["weight"]) for u, v, d in C.edges(data=True)))
    if method == "louvain":
        found = nx.community.louvain_communities(H, weight="weight", seed=seed)
    elif method == "greedy":
        found = nx.community.greedy_modularity_communities(H, weight="weight")
    else:
        raise ValueError("method must be 'louvain' or 'greedy'")
    groups = [sorted(g) for g in found]
    return sorted(groups, key=lambda g: (-len(g), g))
