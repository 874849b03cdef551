"""The region view: regions ↔ the tasks that name them (dct:spatial)."""

from __future__ import annotations

from collections.abc import Collection

import networkx as nx

from fengong.projections import Source, responsibility_graph

from .common import role_index
from .data import GraphFacts, task_key
from .layout import relative_sizes, spring_positions
from .resolve import resolve_region
from .style import REGION_COLOUR
from .view import Legend, NetworkBuilder, PanelItem, PanelSection, View, region_node, role_summary, task_node

__all__ = ["region_view", "related_regions"]


def related_regions(facts: GraphFacts, region: str) -> list[str]:
    """``region``, the groups it is a member of, and the regions inside it (skos:broader,
    transitively), in that order."""
    related = [region]
    related += sorted(g for g, members in facts.members.items() if region in members and g != region)
    inside: list[str] = []
    frontier = [region]
    while frontier:
        current = frontier.pop()
        for child in sorted(r for r, up in facts.broader.items() if current in up):
            if child not in inside and child not in related:
                inside.append(child)
                frontier.append(child)
    return related + inside


def region_view(source: Source, ref: str | None = None, *, facts: GraphFacts | None = None,
                documents: Collection[str] | None = None, link_query: str = "") -> View:
    """Regions and the tasks that name them. With ``ref`` (an id, code or name): that
    region, the groups it belongs to and the regions inside it, and their tasks; without:
    every region named by a task. ``documents`` (ids): only their tasks (``facts`` of those
    documents too); ``link_query`` is kept in the links to other regions.

    >>> from fengong.store import open_store
    >>> from fengong.extract import extract_sample
    >>> store = open_store("memory"); _ = store.add_documents([extract_sample()])
    >>> region_view(store, "杭州").focus
    'r:330100'
    """
    facts = facts or GraphFacts.load(source, documents)
    region = resolve_region(source, ref, facts) if ref is not None else None
    wanted = set(related_regions(facts, region)) if region else None
    pairs = [(t, r) for t, r in facts.spatial if t in facts.tasks and (wanted is None or r in wanted)]
    tasks = sorted({t for t, _ in pairs}, key=lambda t: task_key(facts.tasks[t]))
    regions = list(dict.fromkeys(([region] if region else []) + [r for _, r in pairs]))

    G = responsibility_graph(source, documents=documents)
    index = role_index(G)
    shape = nx.Graph()
    shape.add_nodes_from(region_node(r) for r in regions)
    shape.add_nodes_from(task_node(t) for t in tasks)
    shape.add_edges_from((task_node(t), region_node(r)) for t, r in pairs)
    sizes = {**relative_sizes({region_node(r): sum(1 for _, rr in pairs if rr == r) for r in regions}),
             **relative_sizes({task_node(t): index.task_load.get(t, 0) for t in tasks})}
    pos = spring_positions(shape, sizes=sizes)
    name = facts.regions[region].name if region and region in facts.regions else "地域"
    builder = NetworkBuilder(facts, name)
    for r in regions:
        builder.add_region(r, load=sum(1 for _, rr in pairs if rr == r), position=pos[region_node(r)],
                           focus=r == region)
    for t in tasks:
        builder.add_task(t, load=index.task_load.get(t, 0), roles_by_clause=index.by_clause.get(t),
                         implementers=index.implementers.get(t), position=pos[task_node(t)])
    colour = REGION_COLOUR["border"]
    for t, r in pairs:
        tip = [["h", f"{facts.tasks[t].label} — {facts.regions[r].name if r in facts.regions else r}"],
               ["role", "任务涉及该地域"]]
        builder.add_edge(task_node(t), region_node(r), edge_id=f"{task_node(t)}|{region_node(r)}", tip=tip,
                         color={"color": colour, "highlight": colour, "hover": colour}, width=1.5)

    items = []
    for t in tasks:
        task = facts.tasks[t]
        named = [facts.regions[r].name for tt, r in pairs if tt == t and r in facts.regions]
        assigned = [(d, role) for k in index.by_clause.get(t, {}) for d, role in index.by_clause[t][k]]
        note = "涉及:" + "、".join(dict.fromkeys(named))
        if assigned:
            note += " · " + role_summary(assigned, facts)
        items.append(PanelItem(task.label, note=note, details=[f"条款{c.ordinal}:{c.text}" for c in task.clauses],
                               node=task_node(t)))
    region_items = [PanelItem(facts.regions[r].name if r in facts.regions else r, href=f"/viz/region/{r}{link_query}",
                              note=f"任务 {sum(1 for _, rr in pairs if rr == r)} 项", node=region_node(r))
                    for r in regions]
    return View(
        kind="region",
        title=f"{name}相关任务" if region else "地域与任务",
        subtitle=f"地域 {len(regions)} 个,任务 {len(tasks)} 项",
        network=builder.net,
        legend=Legend(sections=builder.legend_sections(),
                      shapes=[("region", "地域(大小:涉及任务数)"), ("task", "任务(颜色:所属部分)")],
                      notes=["连线:任务文本中提到该地域(含所属区域组合与下辖地区)"] if region else
                      ["连线:任务文本中提到该地域"]),
        panel=[PanelSection("地域", region_items, anchor="regions"), PanelSection("相关任务", items, anchor="tasks")],
        focus=region_node(region) if region else None,
        path=f"/viz/region/{region}" if region else "/viz/regions",
    )
