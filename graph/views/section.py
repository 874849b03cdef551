"""A section view: the tasks of one part (一、二、…) of a plan and the units on them."""

from __future__ import annotations

from collections.abc import Collection

import networkx as nx

from fengong.projections import Source, responsibility_graph

from .common import role_index
from .data import GraphFacts, task_key
from .layout import relative_sizes, spring_positions
from .resolve import NotFound
from .style import ROLE_ORDER
from .view import Legend, NetworkBuilder, PanelItem, PanelSection, View, dept_node, role_summary, task_node

__all__ = ["section_view"]


def section_view(source: Source, number: int, document: str | None = None, *,
                 facts: GraphFacts | None = None, documents: Collection[str] | None = None) -> View:
    """Tasks of section ``number`` (of ``document``, or of every document that has such a
    section) and every department with a role on them, one edge per role. ``documents``
    (ids): read only their tasks (``facts`` of those documents too).

    Raises :class:`fengong.views.NotFound` when no document has that section.

    >>> from fengong.store import open_store
    >>> from fengong.extract import extract_sample
    >>> store = open_store("memory"); _ = store.add_documents([extract_sample()])
    >>> section_view(store, 1).title
    '第1部分 提高农业转移人口市民化质量'
    """
    facts = facts or GraphFacts.load(source, documents)
    sections = [(d, n, t) for d, n, t in facts.sections() if n == number and (document is None or d == document)]
    if not sections:
        options = [(str(n), f"第{n}部分 {t}") for _, n, t in facts.sections()]
        raise NotFound("section", str(number), options[:12])
    chosen = {(d, n) for d, n, _ in sections}
    G = responsibility_graph(source, documents=documents)
    index = role_index(G)
    tasks = sorted((t for t, kind in G.nodes(data="kind") if kind == "task" and t in facts.tasks
                    and (facts.tasks[t].document, facts.tasks[t].section) in chosen),
                   key=lambda t: task_key(facts.tasks[t]))
    # Every task of the section, also those nobody was assigned to (they show alone).
    unassigned = sorted((t.id for t in facts.tasks.values() if (t.document, t.section) in chosen and t.id not in G),
                        key=lambda t: task_key(facts.tasks[t]))
    edges = [(d, t, role, data.get("clauses", [])) for t in tasks for _, d, role, data in G.edges(t, keys=True, data=True)]
    departments = list(dict.fromkeys(d for d, _, _, _ in edges))

    shape = nx.Graph()
    shape.add_nodes_from(task_node(t) for t in [*tasks, *unassigned])
    shape.add_nodes_from(dept_node(d) for d in departments)
    for d, t, role, _ in edges:
        # Implementers named by a general rule sit on every task: let them pull weakly.
        w = 0.1 if role == "implementer" else 1.0
        if not shape.has_edge(dept_node(d), task_node(t)) or shape.edges[dept_node(d), task_node(t)]["weight"] < w:
            shape.add_edge(dept_node(d), task_node(t), weight=w)
    dept_loads = {dept_node(d): sum(1 for dd, *_ in edges if dd == d) for d in departments}
    sizes = {**relative_sizes(dept_loads),
             **relative_sizes({task_node(t): index.task_load.get(t, 0) for t in [*tasks, *unassigned]})}
    pos = spring_positions(shape, weight="weight", sizes=sizes)
    title = sections[0][2] if len({t for _, _, t in sections}) == 1 else ""
    heading = f"第{number}部分 {title}".strip()
    builder = NetworkBuilder(facts, heading)
    for t in [*tasks, *unassigned]:
        builder.add_task(t, load=index.task_load.get(t, 0), roles_by_clause=index.by_clause.get(t),
                         implementers=index.implementers.get(t), position=pos[task_node(t)])
    for d in departments:
        in_section = {r for dd, _, r, _ in edges if dd == d}
        counts = {r: sum(1 for dd, _, rr, _ in edges if dd == d and rr == r) for r in in_section}
        builder.add_department(d, load=sum(counts.values()), counts=counts, position=pos[dept_node(d)])
    for d, t, role, clauses in edges:
        builder.add_role_edge(d, t, role, clauses)

    items = []
    for t in [*tasks, *unassigned]:
        task = facts.tasks[t]
        leads = [(d, r) for d, tt, r, _ in edges if tt == t and r != "implementer"]
        items.append(PanelItem(task.label, note=role_summary(leads, facts) if leads else "未写明责任单位",
                               details=[f"条款{c.ordinal}:{c.text}" for c in task.clauses], node=task_node(t)))
    roles = [r for r in ROLE_ORDER if any(role == r for _, _, role, _ in edges)]
    docs = sorted({d for d, _, _ in sections if d})
    subtitle = f"本部分任务 {len(tasks) + len(unassigned)} 项,涉及单位 {len(departments)} 个"
    if len(docs) > 1:
        subtitle += f"(来自 {len(docs)} 份文件)"
    return View(
        kind="section",
        title=heading,
        subtitle=subtitle,
        network=builder.net,
        legend=Legend(roles=roles, sections=builder.legend_sections(),
                      shapes=[("department", "责任单位"), ("task", "任务")]),
        panel=[PanelSection("本部分的任务", items, anchor="tasks")],
        path=f"/viz/section/{number}" + (f"?doc={document}" if document else ""),
    )
