"""Interactive networks of who works on what, drawn with pyvis from the RDF graph.

Every view reads the graph through SPARQL (the projections of :mod:`fengong.projections`
and the queries of :mod:`fengong.views.data`) over a :class:`fengong.store.Store` or an
rdflib Graph, and returns a :class:`View` holding a pyvis ``Network``;
:func:`render_html` turns it into one self-contained, offline HTML page.

>>> from fengong.store import open_store
>>> from fengong.extract import extract_sample
>>> store = open_store("memory"); _ = store.add_documents([extract_sample()])
>>> view = department_view(store, "省建设厅")
>>> html = render_html(view)
>>> "浙江省住房和城乡建设厅" in html and 'src="http' not in html
True

Views: :func:`responsibility_view` (departments ↔ tasks, one edge per role),
:func:`coordination_view` (department ↔ department by shared tasks, lead → support
arrows), :func:`department_view` (one unit, its tasks and partners), :func:`section_view`
and :func:`region_view`.
"""

from .coordination import coordination_view
from .data import GraphFacts
from .department import department_view
from .region import region_view
from .render import content_security_policy, new_nonce, render_html
from .resolve import NotFound, resolve_department, resolve_region
from .responsibility import responsibility_view
from .section import section_view
from .style import FONT_STACK, ROLE_ORDER, ROLE_STYLES
from .view import Legend, PanelItem, PanelSection, View

__all__ = [
    "View", "Legend", "PanelItem", "PanelSection", "GraphFacts", "NotFound",
    "responsibility_view", "coordination_view", "department_view", "section_view", "region_view",
    "render_html", "content_security_policy", "new_nonce", "resolve_department", "resolve_region",
    "ROLE_STYLES", "ROLE_ORDER", "FONT_STACK", "VIEWS",
]

#: View names as the CLI and the URLs spell them.
VIEWS = ("responsibility", "coordination", "department", "section", "region")
