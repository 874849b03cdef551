"""The responsibility network: departments ↔ tasks, one edge per role."""

from __future__ import annotations

from collections.abc import Collection, Iterable

import networkx as nx

from fengong.projections import Source, responsibility_graph

from .common import role_index
from .data import GraphFacts, task_key
from .layout import relative_sizes, spring_positions
from .style import ROLE_ORDER, ROLE_STYLES
from .view import Legend, NetworkBuilder, PanelItem, PanelSection, View, dept_node, task_node

__all__ = ["responsibility_view"]


def responsibility_view(source: Source, roles: Iterable[str] | None = None, *,
                        facts: GraphFacts | None = None, documents: Collection[str] | None = None,
                        link_query: str = "") -> View:
    """Departments and tasks, an edge per (department, task, role), styled by role.

    Department nodes (dots) are sized by the number of tasks they hold a role on, task
    nodes (diamonds) by the number of departments on them and coloured by section.
    ``documents`` (ids): only their tasks (``facts`` of those documents too); ``link_query``
    is kept in the links to the departments.

    >>> from fengong.store import open_store
    >>> from fengong.extract import extract_sample
    >>> store = open_store("memory"); _ = store.add_documents([extract_sample()])
    >>> view = responsibility_view(store)
    >>> view.edge_count == responsibility_graph(store).number_of_edges()
    True
    """
    facts = facts or GraphFacts.load(source, documents)
    G = responsibility_graph(source, roles, documents)
    index = role_index(G)
    builder = NetworkBuilder(facts, "责任网络")

    shape = nx.Graph()
    for n, kind in G.nodes(data="kind"):
        shape.add_node(dept_node(n) if kind == "department" else task_node(n))
    for u, v, role in G.edges(keys=True):
        a, b = (u, v) if G.nodes[u]["kind"] == "department" else (v, u)
        # Implementers named by a general rule sit on every task: let them pull weakly.
        w = 0.1 if role == "implementer" else 1.0
        if not shape.has_edge(dept_node(a), task_node(b)) or shape.edges[dept_node(a), task_node(b)]["weight"] < w:
            shape.add_edge(dept_node(a), task_node(b), weight=w)
    departments = [n for n, k in G.nodes(data="kind") if k == "department"]
    sizes = {**relative_sizes({dept_node(d): index.department_load(d) for d in departments}),
             **relative_sizes({task_node(t): index.task_load[t] for t, k in G.nodes(data="kind") if k == "task"})}
    pos = spring_positions(shape, weight="weight", sizes=sizes)

    tasks = sorted((n for n, k in G.nodes(data="kind") if k == "task"),
                   key=lambda t: task_key(facts.tasks[t]) if t in facts.tasks else ("", 0, t))
    for dept in departments:
        builder.add_department(dept, load=index.department_load(dept), counts=index.counts.get(dept),
                               position=pos[dept_node(dept)])
    for task in tasks:
        builder.add_task(task, load=index.task_load[task], roles_by_clause=index.by_clause.get(task),
                         implementers=index.implementers.get(task), position=pos[task_node(task)])
    for u, v, role, data in G.edges(keys=True, data=True):
        dept, task = (u, v) if G.nodes[u]["kind"] == "department" else (v, u)
        builder.add_role_edge(dept, task, role, data.get("clauses", []))

    role_totals = {r: sum(1 for *_, k in G.edges(keys=True) if k == r) for r in ROLE_ORDER}
    stats = [PanelItem(f"责任单位 {len(departments)} 个"), PanelItem(f"任务 {len(tasks)} 项")]
    stats += [PanelItem(f"{ROLE_STYLES[r].label}关系 {n} 条") for r, n in role_totals.items() if n]
    leaders = sorted(departments, key=lambda d: (-index.counts[d].get("lead", 0),
                                                 -index.department_load(d), facts.department_short(d)))
    top = [PanelItem(facts.department_short(d), href=f"/viz/department/{d}{link_query}", node=dept_node(d),
                     note=f"牵头 {index.counts[d].get('lead', 0)} 项 · 配合 {index.counts[d].get('support', 0)} 项")
           for d in leaders[:12] if index.counts[d].get("lead", 0) or index.counts[d].get("support", 0)]
    used_roles = [r for r in ROLE_ORDER if role_totals.get(r)]
    return View(
        kind="responsibility",
        title="责任网络",
        subtitle="单位与任务:每条线是一个单位在一项任务中的一种角色",
        network=builder.net,
        legend=Legend(roles=used_roles, sections=builder.legend_sections(),
                      shapes=[("department", "责任单位(大小:承担任务数)"), ("task", "任务(颜色:所属部分)")]),
        panel=[PanelSection("概况", stats), PanelSection("牵头任务最多的单位", top, anchor="leaders")],
        path="/viz/responsibility",
    )
