"""The View: a pyvis Network plus what the page around it shows (legend, side panel).

Builders add nodes and edges through :class:`NetworkBuilder`, which keeps the conventions
of every view in one place: node ids are prefixed by kind (``d:`` department, ``t:`` task,
``r:`` region) so that ids of different kinds never collide; every node and edge carries a
structured tooltip ``tip`` (a list of ``[kind, text]`` lines of raw text that the page
inserts with ``textContent``) and, for pyvis' own templates, a ``title`` holding the same
text HTML-escaped.
"""

from __future__ import annotations

import html
from collections import Counter
from dataclasses import dataclass, field

from pyvis.network import Network

from .data import DepartmentFacts, GraphFacts, TaskFacts, shorten
from .layout import SEED
from .style import (
    DEPARTMENT_COLOUR,
    FONT_STACK,
    REGION_COLOUR,
    ROLE_ORDER,
    ROLE_STYLES,
    section_colour,
)

__all__ = ["View", "Legend", "PanelSection", "PanelItem", "NetworkBuilder", "dept_node", "task_node",
           "region_node", "TIP_CLAUSE_LIMIT"]

#: Characters of clause text shown in a tooltip (the side panel shows it whole).
TIP_CLAUSE_LIMIT = 240
#: Characters of a task title in a node label.
LABEL_LIMIT = 14


def dept_node(dept_id: str) -> str:
    return f"d:{dept_id}"


def task_node(task_id: str) -> str:
    return f"t:{task_id}"


def region_node(region_id: str) -> str:
    return f"r:{region_id}"


@dataclass
class PanelItem:
    """One entry of a side-panel list: ``text`` (a link when ``href``), with ``note`` and
    ``details`` (clause texts …) under it. All raw text; the template escapes it."""

    text: str
    href: str | None = None
    note: str | None = None
    details: list[str] = field(default_factory=list)
    node: str | None = None  # network node to select when clicked


@dataclass
class PanelSection:
    title: str
    items: list[PanelItem]
    anchor: str | None = None
    empty: str = "无"


@dataclass
class Legend:
    roles: list[str] = field(default_factory=list)
    sections: list[tuple[str, str]] = field(default_factory=list)  # (colour, label)
    shapes: list[tuple[str, str]] = field(default_factory=list)  # (kind, label)
    notes: list[str] = field(default_factory=list)


@dataclass
class View:
    """A drawn view: ``network`` (pyvis) and the page furniture around it."""

    kind: str  # responsibility | coordination | department | section | region
    title: str
    network: Network
    subtitle: str = ""
    legend: Legend = field(default_factory=Legend)
    panel: list[PanelSection] = field(default_factory=list)
    focus: str | None = None  # node selected when the page opens
    path: str = ""  # the URL path this view is served at, e.g. /viz/department/zj-housing

    @property
    def node_count(self) -> int:
        return len(self.network.nodes)

    @property
    def edge_count(self) -> int:
        return len(self.network.edges)


def _tip_title(tip: list[list[str]]) -> str:
    """The tooltip as escaped text, for renderers that put ``title`` into innerHTML."""
    return html.escape("\n".join(text for _, text in tip), quote=True)


def base_options() -> dict:
    """vis-network options shared by every view: physics off (positions are computed),
    CJK fonts, hover tooltips."""
    return {
        "physics": {"enabled": False},
        "layout": {"randomSeed": SEED, "improvedLayout": False},
        "interaction": {"hover": True, "tooltipDelay": 120, "hideEdgesOnDrag": False,
                        "multiselect": True, "navigationButtons": False, "keyboard": False},
        "nodes": {"font": {"face": FONT_STACK, "size": 14, "color": "#1d2733",
                           "strokeWidth": 3, "strokeColor": "#ffffff"},
                  "borderWidth": 1, "scaling": {"min": 8, "max": 34,
                                                "label": {"enabled": False}}},
        "edges": {"smooth": False, "selectionWidth": 1.5, "hoverWidth": 0.5,
                  "font": {"face": FONT_STACK, "size": 11}},
    }


class NetworkBuilder:
    """Adds department, task and region nodes and role edges to a pyvis Network."""

    def __init__(self, facts: GraphFacts, heading: str = "") -> None:
        self.facts = facts
        # directed=True only so that pyvis keeps parallel edges (one per role); arrows are
        # switched off per edge where direction means nothing.
        self.net = Network(height="100%", width="100%", directed=True, heading=heading,
                           cdn_resources="remote")
        self.net.options = base_options()
        self._pairs: Counter[tuple[str, str]] = Counter()
        self.section_index = facts.section_index()
        self.sections_used: dict[int, str] = {}

    # -- nodes ----------------------------------------------------------------------------
    def has(self, node: str) -> bool:
        return node in self.net.node_map

    def add_node(self, node: str, *, label: str, tip: list[list[str]], search: str, kind: str,
                 ref: str, **options) -> None:
        if self.has(node):
            return
        self.net.add_node(node, label=label, title=_tip_title(tip), tip=tip, search=search, kind=kind,
                          ref=ref, **options)

    def add_department(self, dept_id: str, *, load: float, counts: dict[str, int] | None = None,
                       position: tuple[int, int] | None = None, focus: bool = False) -> str:
        node = dept_node(dept_id)
        facts = self.facts.departments.get(dept_id) or DepartmentFacts(dept_id, dept_id, dept_id, None, False)
        tip = [["h", facts.name]]
        if facts.short != facts.name:
            tip.append(["meta", f"简称:{facts.short}"])
        if facts.kind:
            tip.append(["meta", f"类别:{facts.kind}" + ("" if facts.registered else "(未登记单位)")])
        if counts:
            parts = [f"{ROLE_STYLES[r].label} {counts[r]} 项" for r in ROLE_ORDER if counts.get(r)]
            if parts:
                tip.append(["role", " · ".join(parts)])
        options: dict = {"shape": "dot", "color": DEPARTMENT_COLOUR, "value": max(load, 1)}
        if focus:
            options["borderWidth"] = 4
            options["color"] = dict(DEPARTMENT_COLOUR, border="#0b2e33")
            options["font"] = {"size": 18, "face": FONT_STACK, "bold": True}
        if position:
            options["x"], options["y"] = position
        self.add_node(node, label=facts.short, tip=tip,
                      search=" ".join([facts.name, facts.short, *facts.aliases, dept_id]),
                      kind="department", ref=dept_id, **options)
        return node

    def add_task(self, task_id: str, *, load: float, roles_by_clause: dict[int, list[tuple[str, str]]] | None = None,
                 implementers: list[str] | None = None, position: tuple[int, int] | None = None) -> str:
        node = task_node(task_id)
        task = self.facts.tasks.get(task_id) or TaskFacts(task_id, "", task_id, 0, None, None, None, None)
        index = self.section_index.get((task.document, task.section)) if task.section is not None else None
        colour = section_colour(index)
        if index is not None:
            self.sections_used[index] = task.section_title or f"第{task.section}部分"
        options: dict = {"shape": "diamond", "value": max(load, 1),
                         "color": {"background": colour, "border": "#5f6b76",
                                   "highlight": {"background": colour, "border": "#1d2733"},
                                   "hover": {"background": colour, "border": "#1d2733"}}}
        if position:
            options["x"], options["y"] = position
        self.add_node(node, label=shorten(task.label, LABEL_LIMIT), tip=task_tip(task, self.facts,
                      roles_by_clause or {}, implementers or []),
                      search=" ".join([task.label, task.id]), kind="task", ref=task.id, **options)
        return node

    def add_region(self, region_id: str, *, load: float, position: tuple[int, int] | None = None,
                   focus: bool = False) -> str:
        node = region_node(region_id)
        facts = self.facts.regions.get(region_id)
        name = facts.name if facts else region_id
        tip = [["h", name]]
        if facts and facts.notation:
            tip.append(["meta", f"行政区划代码:{facts.notation}"])
        tip.append(["meta", f"涉及任务 {int(load)} 项"])
        options: dict = {"shape": "square", "color": REGION_COLOUR, "value": max(load, 1)}
        if focus:
            options["borderWidth"] = 4
        if position:
            options["x"], options["y"] = position
        self.add_node(node, label=name, tip=tip, search=" ".join([name, region_id, *(facts.aliases if facts else ())]),
                      kind="region", ref=region_id, **options)
        return node

    # -- edges ----------------------------------------------------------------------------
    def _curve(self, a: str, b: str) -> dict | bool:
        """Parallel edges between one pair bend apart instead of drawing over each other."""
        pair = (a, b) if a < b else (b, a)
        k = self._pairs[pair]
        self._pairs[pair] += 1
        if k == 0:
            return False
        return {"enabled": True, "type": "curvedCW" if k % 2 else "curvedCCW", "roundness": 0.18 * ((k + 1) // 2)}

    def add_role_edge(self, dept_id: str, task_id: str, role: str, clauses: list[int]) -> None:
        style = ROLE_STYLES[role]
        dept_name = self.facts.department_short(dept_id)
        task = self.facts.tasks.get(task_id)
        task_label = task.label if task else task_id
        tip = [["h", f"{dept_name} {style.label} {task_label}"], ["role", f"角色:{style.label}"]]
        if task:
            for clause in task.clauses:
                if clause.ordinal in clauses:
                    tip.append(["clause", f"条款{clause.ordinal}:{shorten(clause.text, TIP_CLAUSE_LIMIT)}"])
        if role == "implementer":
            tip.append(["note", "由通则指定落实全部任务"])
        a, b = dept_node(dept_id), task_node(task_id)
        self.net.add_edge(a, b, id=f"{a}|{b}|{role}", role=role, title=_tip_title(tip), tip=tip,
                          arrows={"to": {"enabled": False}}, smooth=self._curve(a, b), **style.vis_edge())

    def add_edge(self, a: str, b: str, *, edge_id: str, tip: list[list[str]], **options) -> None:
        options.setdefault("arrows", {"to": {"enabled": False}})
        self.net.add_edge(a, b, id=edge_id, title=_tip_title(tip), tip=tip, smooth=self._curve(a, b), **options)

    def legend_sections(self) -> list[tuple[str, str]]:
        return [(section_colour(i), title) for i, title in sorted(self.sections_used.items())]


def task_tip(task: TaskFacts, facts: GraphFacts, roles_by_clause: dict[int, list[tuple[str, str]]],
             implementers: list[str]) -> list[list[str]]:
    """Tooltip of a task: title, section and document, then each clause with its units."""
    tip = [["h", task.label]]
    where = []
    if task.section_title:
        where.append(f"第{task.section}部分 {task.section_title}" if task.section else task.section_title)
    if task.document_title:
        where.append(f"《{task.document_title}》")
    if where:
        tip.append(["meta", " · ".join(where)])
    for clause in task.clauses:
        tip.append(["clause", f"条款{clause.ordinal}:{shorten(clause.text, TIP_CLAUSE_LIMIT)}"])
        assigned = roles_by_clause.get(clause.ordinal, [])
        if assigned:
            tip.append(["role", role_summary(assigned, facts)])
    if implementers:
        tip.append(["role", "落实:" + "、".join(facts.department_short(d) for d in implementers)])
    return tip


def role_summary(assigned: list[tuple[str, str]], facts: GraphFacts) -> str:
    """"牵头:省建设厅;配合:省发展改革委、省财政厅" from (department id, role) pairs."""
    parts = []
    for role in ROLE_ORDER:
        names = [facts.department_short(d) for d, r in assigned if r == role]
        if names:
            parts.append(f"{ROLE_STYLES[role].label}:" + "、".join(dict.fromkeys(names)))
    return ";".join(parts)
