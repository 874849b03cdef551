"""Colours, line styles, shapes and fonts shared by every view, the legend and the pages.

One table per visual channel so that a role looks the same in every view, in the legend
and on the landing page: lead is a thick solid red line, support a dashed blue one,
co-responsible a dotted purple one, implementer a thin solid grey one.

>>> ROLE_STYLES["lead"].label
'牵头'
>>> section_colour(1) != section_colour(2)
True
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "RoleStyle",
    "ROLE_STYLES",
    "ROLE_ORDER",
    "FONT_STACK",
    "DEPARTMENT_COLOUR",
    "REGION_COLOUR",
    "COORDINATION_COLOUR",
    "SECTION_PALETTE",
    "section_colour",
    "svg_dasharray",
]


@dataclass(frozen=True)
class RoleStyle:
    """How one role is drawn: ``dashes`` is vis-network's dash pattern (False: solid)."""

    role: str
    label: str  # Chinese name of the role, as documents write it
    colour: str
    width: float
    dashes: tuple[int, ...] | bool

    def vis_edge(self) -> dict:
        """vis-network edge options for this role."""
        return {
            "color": {"color": self.colour, "highlight": self.colour, "hover": self.colour},
            "width": self.width,
            "dashes": list(self.dashes) if self.dashes else False,
        }


#: Roles in the order they are listed everywhere (legend, counts, panels).
ROLE_ORDER = ("lead", "support", "co_responsible", "implementer")

ROLE_STYLES: dict[str, RoleStyle] = {
    "lead": RoleStyle("lead", "牵头", "#d1495b", 3.0, False),
    "support": RoleStyle("support", "配合", "#2e86de", 2.0, (8, 6)),
    "co_responsible": RoleStyle("co_responsible", "共同负责", "#8e44ad", 2.0, (2, 5)),
    "implementer": RoleStyle("implementer", "落实", "#9aa0a6", 1.0, False),
}

#: Canvas and page font: Chinese faces first (Noto CJK on Linux, PingFang/Hiragino on
#: macOS, YaHei on Windows), then a generic family.
FONT_STACK = (
    "'Noto Sans CJK SC', 'Noto Sans SC', 'Source Han Sans SC', 'PingFang SC', "
    "'Hiragino Sans GB', 'Microsoft YaHei', 'WenQuanYi Micro Hei', sans-serif"
)

DEPARTMENT_COLOUR = {"background": "#1f6f78", "border": "#15505a",
                     "highlight": {"background": "#2a9aa6", "border": "#15505a"},
                     "hover": {"background": "#2a9aa6", "border": "#15505a"}}
REGION_COLOUR = {"background": "#e0a030", "border": "#a8741a",
                 "highlight": {"background": "#f2c060", "border": "#a8741a"},
                 "hover": {"background": "#f2c060", "border": "#a8741a"}}
#: Department–department edges of the coordination view.
COORDINATION_COLOUR = "#7f8c9a"

#: Task colours by section (pale enough that the dark labels under them stay readable).
SECTION_PALETTE = (
    "#f4a259", "#8cb369", "#5b8e7d", "#bc4b51", "#6c91c2",
    "#c38d9e", "#e9c46a", "#2a9d8f", "#9c89b8", "#f28482",
)
NO_SECTION_COLOUR = "#b0b7bf"


def section_colour(index: int | None) -> str:
    """Colour of the ``index``-th section (1-based; None: a task outside any section)."""
    if index is None or index < 1:
        return NO_SECTION_COLOUR
    return SECTION_PALETTE[(index - 1) % len(SECTION_PALETTE)]


def svg_dasharray(style: RoleStyle) -> str | None:
    """The same dash pattern for an SVG line in the legend."""
    return " ".join(str(d) for d in style.dashes) if style.dashes else None
