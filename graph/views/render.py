"""A View as one self-contained HTML page: vis-network, styles, script and data inlined.

pyvis' own templates link Bootstrap, tom-select and vis-network from CDNs (even in
``in_line`` mode), which leaves a blank page on an intranet; this renderer uses its own
template and inlines the vis-network build that pyvis ships inside its package, so the
page makes no request at all. Inline scripts and styles carry a nonce matched by the
Content-Security-Policy (sent as a header by the server, and as a ``<meta>`` in exported
files).

Document text goes into the page in two ways only: through Jinja2 autoescaping (panel)
and inside a JSON data block whose ``<``, ``>`` and ``&`` are written as ``\\u003c`` …,
which the page's script inserts with ``textContent``.

>>> page = render_html(View("responsibility", "示例", NetworkBuilder(GraphFacts({}, {}, {}, {}, {}, [])).net))
>>> any(attr in page for attr in ('src="http', 'href="http', 'src="//', 'href="//'))
False
"""

from __future__ import annotations

import json
import re
import secrets
from functools import lru_cache
from importlib import resources
from pathlib import Path

from jinja2 import Environment, FileSystemLoader

from .data import GraphFacts
from .style import ROLE_STYLES, svg_dasharray
from .view import NetworkBuilder, View

__all__ = ["render_html", "content_security_policy", "new_nonce", "script_json", "asset_text", "vis_assets"]

_HERE = Path(__file__).parent
_SOURCE_MAP = re.compile(r"^\s*//# sourceMappingURL=.*$", re.MULTILINE)
_CSS_SOURCE_MAP = re.compile(r"/\*# sourceMappingURL=.*?\*/")


def new_nonce() -> str:
    """A fresh CSP nonce (128 bits, URL-safe base64)."""
    return secrets.token_urlsafe(16)


def content_security_policy(nonce: str, *, meta: bool = False) -> str:
    """The policy every fengong HTML page satisfies: nothing from any other origin, inline
    scripts and styles only with ``nonce``. ``meta=True`` leaves out the directives a
    ``<meta>`` element may not carry."""
    directives = [
        "default-src 'none'",
        f"script-src 'nonce-{nonce}'",
        f"style-src 'nonce-{nonce}'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
    ]
    if not meta:
        directives.append("frame-ancestors 'self'")
    return "; ".join(directives)


def script_json(data) -> str:
    """JSON safe to place inside a ``<script>`` element: no ``</script>``, no ``<!--``."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _inline_safe(text: str, tag: str) -> str:
    if re.search(rf"</{tag}", text, re.IGNORECASE) or "<!--" in text:
        raise ValueError(f"asset cannot be inlined in <{tag}>: it contains </{tag} or <!--")
    return text


@lru_cache(maxsize=None)
def asset_text(name: str) -> str:
    """One of this package's page assets (``view.css``, ``view.js``)."""
    return (_HERE / name).read_text(encoding="utf-8")


def _version_key(path) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", path.name))


@lru_cache(maxsize=1)
def vis_assets() -> tuple[str, str, str]:
    """(version, minified JS, CSS) of the vis-network build shipped in the pyvis package.

    The licence header at the top of the JS is kept; the source-map comment is dropped so
    that developer tools do not try to fetch the map.
    """
    lib = resources.files("pyvis") / "lib"
    builds = sorted((d for d in lib.iterdir() if d.name.startswith("vis-") and (d / "vis-network.min.js").is_file()),
                    key=_version_key)
    if not builds:
        raise RuntimeError("the pyvis package does not ship vis-network (pyvis/lib/vis-*/vis-network.min.js)")
    build = builds[-1]
    js = _SOURCE_MAP.sub("", (build / "vis-network.min.js").read_text(encoding="utf-8"))
    css = _CSS_SOURCE_MAP.sub("", (build / "vis-network.css").read_text(encoding="utf-8"))
    return build.name.removeprefix("vis-"), _inline_safe(js, "script"), _inline_safe(css, "style")


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(_HERE)), autoescape=True, trim_blocks=False)
    env.globals.update(role_styles=ROLE_STYLES, dasharray=svg_dasharray)
    return env


def page_data(view: View, *, links: bool = True) -> dict:
    """What the page script reads: nodes and edges (their ``tip`` lines, not the escaped
    ``title``), vis-network options, and which node to select first."""
    nodes = [{k: v for k, v in node.items() if k != "title"} for node in view.network.nodes]
    edges = [{k: v for k, v in edge.items() if k != "title"} for edge in view.network.edges]
    options = view.network.options if isinstance(view.network.options, dict) else json.loads(
        view.network.options.to_json())
    ref = view.focus.split(":", 1)[1] if view.focus else None
    return {"view": view.kind, "title": view.title, "nodes": nodes, "edges": edges, "options": options,
            "focus": view.focus, "ref": ref, "links": links, "base": ""}


def render_html(view: View, *, nonce: str | None = None, links: bool = True, standalone: bool = False,
                generated: str | None = None) -> str:
    """The page of ``view``. ``links``: link to the other views (served pages; an exported
    file has nowhere to link to). ``standalone``: add the CSP as a ``<meta>`` element, for
    a file opened from disk."""
    from fengong import __version__

    nonce = nonce or new_nonce()
    vis_version, vis_js, vis_css = vis_assets()
    return _environment().get_template("page.html").render(
        view=view,
        nonce=nonce,
        csp_meta=content_security_policy(nonce, meta=True) if standalone else None,
        links=links,
        version=__version__,
        generated=generated,
        vis_version=vis_version,
        vis_js=vis_js,
        vis_css=vis_css,
        app_css=_inline_safe(asset_text("view.css"), "style"),
        app_js=_inline_safe(asset_text("view.js"), "script"),
        data_json=script_json(page_data(view, links=links)),
    )
