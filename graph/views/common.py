"""Small helpers shared by the view builders: who holds which role on which task."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

import networkx as nx

__all__ = ["RoleIndex", "role_index"]


@dataclass
class RoleIndex:
    """The role edges of a responsibility graph, indexed for tooltips and node sizes."""

    #: task id -> clause number -> [(department id, role)]
    by_clause: dict[str, dict[int, list[tuple[str, str]]]] = field(default_factory=dict)
    #: task id -> implementer department ids
    implementers: dict[str, list[str]] = field(default_factory=dict)
    #: department id -> role -> number of tasks
    counts: dict[str, Counter] = field(default_factory=dict)
    #: task id -> number of distinct departments
    task_load: Counter = field(default_factory=Counter)

    def department_load(self, dept_id: str) -> int:
        """Tasks a department holds any role on (a task counted once)."""
        return sum(self.counts.get(dept_id, Counter()).values())


def role_index(G: nx.MultiGraph) -> RoleIndex:
    """Index the (department, task, role) edges of :func:`fengong.projections.responsibility_graph`."""
    index = RoleIndex()
    depts_of: dict[str, set[str]] = defaultdict(set)
    tasks_of: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for u, v, role, data in G.edges(keys=True, data=True):
        dept, task = (u, v) if G.nodes[u].get("kind") == "department" else (v, u)
        depts_of[task].add(dept)
        tasks_of[dept].add((task, role))
        if role == "implementer":
            index.implementers.setdefault(task, []).append(dept)
        for k in data.get("clauses", []):
            index.by_clause.setdefault(task, {}).setdefault(k, []).append((dept, role))
    for task, depts in depts_of.items():
        index.task_load[task] = len(depts)
    for dept, pairs in tasks_of.items():
        index.counts[dept] = Counter(role for _, role in pairs)
    return index
