"""One department's ego view: its tasks (by role) and the partners on those tasks."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection

from fengong.projections import EXPLICIT_ROLES, Source, lead_support_graph, responsibility_graph

from .common import role_index
from .data import GraphFacts, task_key
from .layout import ring_positions
from .resolve import resolve_department
from .style import ROLE_ORDER, ROLE_STYLES
from .view import (
    Legend,
    NetworkBuilder,
    PanelItem,
    PanelSection,
    View,
    dept_node,
    role_summary,
    task_node,
)

__all__ = ["department_view"]


def department_view(source: Source, ref: str, *, facts: GraphFacts | None = None,
                    documents: Collection[str] | None = None, link_query: str = "") -> View:
    """The department ``ref`` (id, name or alias) in the middle, the tasks it holds any role
    on around it, and outside them its partners: the units with a lead, support or
    co-responsible role on those tasks, with their role edges.

    ``documents`` (ids): only their tasks (``facts`` must then be of those documents too);
    ``link_query`` (``?year=2023``) is kept in the links to other departments.

    Raises :class:`fengong.views.NotFound` (with close matches) for an unknown department.

    >>> from fengong.store import open_store
    >>> from fengong.extract import extract_sample
    >>> store = open_store("memory"); _ = store.add_documents([extract_sample()])
    >>> view = department_view(store, "省建设厅")
    >>> view.focus
    'd:zj-housing'
    """
    facts = facts or GraphFacts.load(source, documents)
    dept = resolve_department(source, ref, facts)
    G = responsibility_graph(source, documents=documents)
    index = role_index(G)
    name = facts.department_name(dept)
    short = facts.department_short(dept)
    builder = NetworkBuilder(facts, name)

    own: list[tuple[str, str, list[int]]] = []  # (task, role, clauses)
    if dept in G:
        for _, task, role, data in G.edges(dept, keys=True, data=True):
            own.append((task, role, list(data.get("clauses", []))))
    tasks = sorted({t for t, _, _ in own}, key=lambda t: task_key(facts.tasks[t]) if t in facts.tasks else ("", 0, t))
    partner_edges: list[tuple[str, str, str, list[int]]] = []  # (partner, task, role, clauses)
    partner_tasks: dict[str, set[str]] = {}
    for task in tasks:
        for _, other, role, data in G.edges(task, keys=True, data=True):
            if other != dept and role in EXPLICIT_ROLES:
                partner_edges.append((other, task, role, list(data.get("clauses", []))))
                partner_tasks.setdefault(other, set()).add(task)
    partners = sorted(partner_tasks, key=lambda p: (-len(partner_tasks[p]), facts.department_short(p)))

    pos = ring_positions(dept_node(dept), [task_node(t) for t in tasks], [dept_node(p) for p in partners],
                         {dept_node(p): [task_node(t) for t in ts] for p, ts in partner_tasks.items()})
    builder.add_department(dept, load=max(len(tasks), 1), counts=index.counts.get(dept),
                           position=pos[dept_node(dept)], focus=True)
    for task in tasks:
        builder.add_task(task, load=index.task_load[task], roles_by_clause=index.by_clause.get(task),
                         implementers=index.implementers.get(task), position=pos[task_node(task)])
    for partner in partners:
        builder.add_department(partner, load=len(partner_tasks[partner]), counts=index.counts.get(partner),
                               position=pos[dept_node(partner)])
    for task, role, clauses in own:
        builder.add_role_edge(dept, task, role, clauses)
    for partner, task, role, clauses in partner_edges:
        builder.add_role_edge(partner, task, role, clauses)

    # -- side panel: tasks by role (with the clause text), then partners ---------------------
    D = lead_support_graph(source, documents)
    panel = []
    roles_held = Counter(role for _, role, _ in own)
    for role in ROLE_ORDER:
        items = []
        for task, r, clauses in own:
            if r != role:
                continue
            facts_task = facts.tasks.get(task)
            if facts_task is None:
                continue
            details = [f"条款{c.ordinal}:{c.text}" for c in facts_task.clauses if c.ordinal in clauses]
            others = [(d, rr) for k in clauses for d, rr in index.by_clause.get(task, {}).get(k, []) if d != dept]
            note_parts = []
            if facts_task.section_title:
                note_parts.append(f"第{facts_task.section}部分 {facts_task.section_title}")
            if others:
                note_parts.append(role_summary(others, facts))
            if role == "implementer":
                note_parts.append("由通则指定落实")
            items.append(PanelItem(facts_task.label, note=" · ".join(note_parts), details=details,
                                   node=task_node(task)))
        items.sort(key=lambda item: task_key(facts.tasks[item.node[2:]]))
        if items or role in ("lead", "support"):
            panel.append(PanelSection(f"{ROLE_STYLES[role].label}的任务({roles_held.get(role, 0)} 项)", items,
                                      anchor=role, empty=f"没有{ROLE_STYLES[role].label}的任务"))
    partner_items = []
    for p in partners:
        notes = [f"共同任务 {len(partner_tasks[p])} 项"]
        if D.has_edge(dept, p):
            notes.append(f"{short}牵头、其配合 {D.edges[dept, p]['weight']} 项")
        if D.has_edge(p, dept):
            notes.append(f"其牵头、{short}配合 {D.edges[p, dept]['weight']} 项")
        shared = sorted(partner_tasks[p], key=lambda t: task_key(facts.tasks[t]))
        partner_items.append(PanelItem(facts.department_short(p), href=f"/viz/department/{p}{link_query}", note=";".join(notes),
                                       details=[facts.tasks[t].label for t in shared], node=dept_node(p)))
    panel.append(PanelSection(f"合作单位({len(partners)} 个)", partner_items, anchor="partners",
                              empty="没有与其共同承担任务的单位"))

    lead_n, support_n = roles_held.get("lead", 0), roles_held.get("support", 0)
    subtitle = f"{name}:牵头 {lead_n} 项、配合 {support_n} 项任务,合作单位 {len(partners)} 个"
    return View(
        kind="department",
        title=name,
        subtitle=subtitle,
        network=builder.net,
        legend=Legend(roles=[r for r in ROLE_ORDER if any(role == r for _, _, role, _ in partner_edges)
                             or roles_held.get(r)],
                      sections=builder.legend_sections(),
                      shapes=[("department", "责任单位(中心为本单位)"), ("task", "任务(颜色:所属部分)")],
                      notes=["内圈:本单位承担的任务;外圈:在这些任务中牵头、配合或共同负责的其他单位"]),
        panel=panel,
        focus=dept_node(dept),
        path=f"/viz/department/{dept}",
    )
