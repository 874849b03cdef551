"""The coordination network: departments linked by the tasks they share."""

from __future__ import annotations

from collections.abc import Collection

import networkx as nx

from fengong.projections import Source, coordination_graph, lead_support_graph

from .data import GraphFacts, task_key
from .layout import relative_sizes, spring_positions
from .style import COORDINATION_COLOUR, ROLE_STYLES
from .view import Legend, NetworkBuilder, PanelItem, PanelSection, View, dept_node

__all__ = ["coordination_view"]

_TASKS_IN_TIP = 8


def coordination_view(source: Source, *, facts: GraphFacts | None = None,
                      documents: Collection[str] | None = None, link_query: str = "") -> View:
    """Department ↔ department, one edge per pair sharing a task (lead, support or
    co-responsible roles; implementers named by a general rule would link everyone).

    Edge width is the number of shared tasks; an arrow points from the lead to the unit
    that supports it in at least one clause (both ends when each leads the other).
    ``documents`` (ids): only their tasks (``facts`` of those documents too); ``link_query``
    is kept in the links to the departments.

    >>> from fengong.store import open_store
    >>> from fengong.extract import extract_sample
    >>> store = open_store("memory"); _ = store.add_documents([extract_sample()])
    >>> coordination_view(store).edge_count == coordination_graph(store).number_of_edges()
    True
    """
    facts = facts or GraphFacts.load(source, documents)
    C = coordination_graph(source, documents=documents)
    D = lead_support_graph(source, documents)
    builder = NetworkBuilder(facts, "协同网络")

    shape = nx.Graph()
    shape.add_nodes_from(dept_node(n) for n in C.nodes)
    shape.add_edges_from((dept_node(a), dept_node(b), {"weight": d["weight"]}) for a, b, d in C.edges(data=True))
    sizes = relative_sizes({dept_node(n): C.degree(n, weight="weight") or 1 for n in C.nodes})
    pos = spring_positions(shape, spacing=130.0, weight="weight", sizes=sizes)

    shared: dict[str, set[str]] = {n: set() for n in C.nodes}
    for a, b, data in C.edges(data=True):
        shared[a].update(data["tasks"])
        shared[b].update(data["tasks"])
    for dept in C.nodes:
        builder.add_department(dept, load=C.degree(dept, weight="weight") or 1, position=pos[dept_node(dept)])
        node = builder.net.node_map[dept_node(dept)]
        node["tip"].append(["role", f"与 {C.degree(dept)} 个单位共同承担任务"])

    lead_colour = ROLE_STYLES["lead"].colour
    pairs = []
    for a, b, data in C.edges(data=True):
        forward, backward = D.has_edge(a, b), D.has_edge(b, a)
        if backward and not forward:
            a, b, forward, backward = b, a, True, False  # draw from the lead
        name_a, name_b = facts.department_short(a), facts.department_short(b)
        tasks = sorted(data["tasks"], key=lambda t: task_key(facts.tasks[t]) if t in facts.tasks else ("", 0, t))
        tip = [["h", f"{name_a} — {name_b}"], ["role", f"共同承担任务 {data['weight']} 项"]]
        if forward:
            tip.append(["role", f"{name_a}牵头、{name_b}配合 {D.edges[a, b]['weight']} 项"])
        if backward:
            tip.append(["role", f"{name_b}牵头、{name_a}配合 {D.edges[b, a]['weight']} 项"])
        for t in tasks[:_TASKS_IN_TIP]:
            tip.append(["clause", facts.tasks[t].label if t in facts.tasks else t])
        if len(tasks) > _TASKS_IN_TIP:
            tip.append(["note", f"……共 {len(tasks)} 项"])
        colour = lead_colour if forward else COORDINATION_COLOUR
        builder.add_edge(
            dept_node(a), dept_node(b), edge_id=f"{dept_node(a)}|{dept_node(b)}", tip=tip,
            value=data["weight"], color={"color": colour, "highlight": colour, "hover": colour, "opacity": 0.75},
            arrows={"to": {"enabled": forward, "scaleFactor": 0.7}, "from": {"enabled": backward, "scaleFactor": 0.7}},
            weight=data["weight"],
        )
        pairs.append((data["weight"], name_a, name_b, a, b))

    builder.net.options["edges"]["scaling"] = {"min": 1, "max": 9}
    pairs.sort(key=lambda p: (-p[0], p[1], p[2]))
    top = [PanelItem(f"{na} — {nb}", note=f"共同任务 {w} 项", href=f"/viz/department/{a}{link_query}", node=dept_node(a))
           for w, na, nb, a, b in pairs[:15]]
    stats = [PanelItem(f"单位 {C.number_of_nodes()} 个"), PanelItem(f"协同关系 {C.number_of_edges()} 对"),
             PanelItem(f"牵头→配合关系 {D.number_of_edges()} 条")]
    return View(
        kind="coordination",
        title="协同网络",
        subtitle="单位之间:共同承担任务越多,连线越粗;箭头由牵头单位指向配合单位",
        network=builder.net,
        legend=Legend(shapes=[("department", "责任单位(大小:共同任务数)")],
                      notes=["线宽:共同承担的任务数", "红色箭头:牵头 → 配合", "灰线:共同负责或同任务协作"]),
        panel=[PanelSection("概况", stats), PanelSection("协作最多的单位组合", top, anchor="pairs")],
        path="/viz/coordination",
    )
