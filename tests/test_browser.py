"""Real-browser tests: headless Chromium against a running fengong server.

Each view is opened with every request to a host other than the loopback server blocked
(and recorded); the test reads how many nodes and edges vis-network holds from the page,
compares them with counts computed from the graph with SPARQL, and checks that nothing
left loopback and that the console shows no error. A document whose unit names and
clause text hold ``<script>`` and ``<img onerror>`` must render as text everywhere.
Screenshots go to ``test-artifacts/``.

Uses Debian's chromium (``/usr/bin/chromium``, or ``$FENGONG_CHROMIUM``) through the
Playwright Python package; never downloads a browser. Without them the tests skip,
unless ``FENGONG_REQUIRE_ALL=1`` (CI), where they fail.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from fengong.extract import extract_sample
from fengong.registry import unregistered_id
from fengong.store import open_store
from test_views import (
    IMG,
    SCRIPT,
    expected_coordination,
    expected_department,
    expected_region,
    expected_responsibility,
    expected_section,
    xss_document,
)

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM = os.environ.get("FENGONG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
# Generous: a slow CI machine must not fail a correct page; nothing here measures speed.
READY_MS = 60_000


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed"
    if not (shutil.which(CHROMIUM) or os.access(CHROMIUM, os.X_OK)):
        return f"no chromium at {CHROMIUM} (apt-get install chromium)"
    return None


# ---------------------------------------------------------------------------- server


class Server:
    """uvicorn serving an app on a free loopback port, in a thread."""

    def __init__(self, app) -> None:
        import uvicorn

        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "Server":
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.sock.close()


def _app(store):
    from fengong.api.app import create_app
    from fengong.api.settings import Settings

    return create_app(Settings(), store)


@pytest.fixture(scope="module")
def sample_store():
    store = open_store("memory")
    store.add_documents([extract_sample()])
    return store


@pytest.fixture(scope="module")
def xss_store():
    store = open_store("memory")
    store.add_documents([xss_document()])
    return store


@pytest.fixture(scope="module")
def browser():
    reason = _missing()
    if reason:
        if os.environ.get("FENGONG_REQUIRE_ALL") == "1":
            pytest.fail(f"browser tests required (FENGONG_REQUIRE_ALL=1) but {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def sample_server(browser, sample_store):
    with Server(_app(sample_store)) as server:
        yield server


@pytest.fixture(scope="module")
def xss_server(browser, xss_store):
    with Server(_app(xss_store)) as server:
        yield server


# ------------------------------------------------------------------------------ pages


@dataclass
class Visit:
    page: object
    external: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        assert self.external == [], f"requests left loopback: {self.external}"
        assert not [u for u in self.requests if not _local(u)], self.requests
        assert self.errors == [], f"console errors: {self.errors}"


def _local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("data", "blob", "about", "file") or (parts.hostname or "") in LOOPBACK


def visit(browser, url: str, *, network_view: bool = True) -> Visit:
    """Open ``url`` with every non-loopback request blocked and recorded."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN",
                                  service_workers="block")
    page = context.new_page()
    v = Visit(page)

    def route(r):
        if _local(r.request.url):
            r.continue_()
        else:
            v.external.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page.on("request", lambda request: v.requests.append(request.url))
    page.on("console", lambda message: v.errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: v.errors.append(f"uncaught: {error}"))
    page.goto(url, wait_until="load")
    if network_view:
        page.wait_for_selector("body[data-ready]", state="attached", timeout=READY_MS)
    return v


def drawn(page) -> dict:
    """What vis-network holds, read from the page."""
    return page.evaluate("""() => ({
        nodes: window.fengong.nodes.length,
        edges: window.fengong.edges.length,
        positioned: Object.keys(window.fengong.network.getPositions()).length,
        canvas: document.querySelector('#fg-network canvas') !== null,
    })""")


def hover_node(page, node_id: str) -> str:
    """Move the mouse onto a node; the tooltip's text."""
    box = page.locator("#fg-network").bounding_box()
    point = page.evaluate("""(id) => {
        const net = window.fengong.network;
        return net.canvasToDOM(net.getPositions([id])[id]);
    }""", node_id)
    page.mouse.move(box["x"] + point["x"], box["y"] + point["y"])
    tip = page.locator("div.vis-tooltip")
    tip.wait_for(state="visible", timeout=READY_MS)
    return tip.inner_text()


def click_node(page, node_id: str) -> None:
    box = page.locator("#fg-network").bounding_box()
    point = page.evaluate("""(id) => {
        const net = window.fengong.network;
        return net.canvasToDOM(net.getPositions([id])[id]);
    }""", node_id)
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


# ------------------------------------------------------------------------------ tests


VIEWS = [
    ("responsibility", "/viz/responsibility", lambda s: expected_responsibility(s)),
    ("coordination", "/viz/coordination", lambda s: expected_coordination(s)[:2]),
    ("department", "/viz/department/" + quote("省建设厅"), lambda s: expected_department(s, "zj-housing")),
    ("section", "/viz/section/2", lambda s: expected_section(s, 2)),
    ("region", "/viz/region/" + quote("杭州"), lambda s: expected_region(s, "330100")),
    ("regions", "/viz/regions", lambda s: expected_region(s, None)),
]


@pytest.mark.parametrize("name,path,expected", VIEWS, ids=[v[0] for v in VIEWS])
def test_view_draws_the_graph_offline(browser, sample_server, sample_store, name, path, expected):
    v = visit(browser, sample_server.url + path)
    counts = drawn(v.page)
    nodes, edges = expected(sample_store)
    assert (counts["nodes"], counts["edges"]) == (nodes, edges)
    assert counts["positioned"] == nodes and counts["canvas"]
    shot(v.page, f"view-{name}")
    v.assert_clean()
    v.page.context.close()


def test_tooltip_shows_title_clause_and_role(browser, sample_server):
    v = visit(browser, sample_server.url + "/viz/department/zj-housing")
    lead_task = v.page.evaluate("""() => window.fengong.edges.get()
        .filter(e => e.role === 'lead' && e.from === 'd:zj-housing')[0].to""")
    text = hover_node(v.page, lead_task)
    assert "条款" in text and "牵头:" in text and "省建设厅" in text
    shot(v.page, "tooltip-task")
    text = hover_node(v.page, "d:zj-housing")
    assert "浙江省住房和城乡建设厅" in text and "牵头 8 项" in text
    v.assert_clean()
    v.page.context.close()


def test_search_box_finds_a_department(browser, sample_server):
    v = visit(browser, sample_server.url + "/viz/responsibility")
    v.page.fill("#fg-search", "省建设厅")
    assert v.page.evaluate("window.fengong.network.getSelectedNodes()") == ["d:zj-housing"]
    assert "找到 1 个" in v.page.inner_text("#fg-search-count")
    assert "浙江省住房和城乡建设厅" in v.page.inner_text("#fg-details")
    shot(v.page, "search-in-view")
    # Unticking a role in the legend hides its edges.
    v.page.uncheck("input[data-role=implementer]")
    hidden = v.page.evaluate("window.fengong.edges.get({filter: e => e.hidden}).length")
    implementers = v.page.evaluate("window.fengong.edges.get({filter: e => e.role === 'implementer'}).length")
    assert hidden == implementers > 0
    v.assert_clean()
    v.page.context.close()


def test_landing_page_offline(browser, sample_server):
    v = visit(browser, sample_server.url + "/", network_view=False)
    assert v.page.locator("h1").inner_text().startswith("分工图谱")
    assert v.page.locator('nav a[href="/docs"]').count() == 1
    shot(v.page, "landing")
    v.page.set_viewport_size({"width": 1400, "height": 2200})
    shot(v.page, "landing-long")
    v.assert_clean()
    v.page.context.close()


def test_two_clicks_to_what_a_department_leads_and_its_partners(browser, sample_server, sample_store):
    """/ → click 省建设厅: its lead tasks (with the clause text) and its partners."""
    v = visit(browser, sample_server.url + "/", network_view=False)
    v.page.get_by_role("link", name="省建设厅", exact=True).click()                       # click 1
    v.page.wait_for_url("**/viz/department/zj-housing")
    v.page.wait_for_selector("body[data-ready]", state="attached", timeout=READY_MS)
    lead = v.page.locator("#lead")
    assert "牵头的任务(8 项)" in lead.locator("h2").inner_text()
    rows = sample_store.query("""PREFIX fg: <https://w3id.org/fengong/ns#> PREFIX dct: <http://purl.org/dc/terms/>
        PREFIX eli: <http://data.europa.eu/eli/ontology#>
        SELECT ?number ?title WHERE { ?me fg:leads ?t . ?t eli:number ?number ; dct:title ?title }""",
                              {"me": __import__("fengong.rdf", fromlist=["department_iri"]).department_iri(
                                  "zj-housing", sample_store.base)}).dicts()
    assert len(rows) == 8
    text = lead.inner_text()
    for row in rows:
        assert f"{row['number']}{row['title']}" in text
    assert "条款" in text  # the clause text is shown
    partners = v.page.locator("#partners")
    assert partners.get_by_role("link", name="省发展改革委", exact=True).count() == 1
    assert v.page.evaluate("window.fengong.network.getSelectedNodes()") == ["d:zj-housing"]
    shot(v.page, "click-path-department")
    first = lead.locator("button.fg-node-button").first                                  # click 2: show it
    first.click()
    selected = v.page.evaluate("window.fengong.network.getSelectedNodes()")
    assert len(selected) == 1 and selected[0].startswith("t:")
    assert "条款" in v.page.inner_text("#fg-details")
    partners.scroll_into_view_if_needed()
    shot(v.page, "click-path-partners")
    v.assert_clean()
    v.page.context.close()


def test_exported_file_opens_from_disk(browser, tmp_path, sample_store):
    from fengong.api.cli import main

    out = tmp_path / "coordination.html"
    assert main(["viz", "coordination", "--out", str(out)]) == 0
    v = visit(browser, out.as_uri())
    counts = drawn(v.page)
    assert (counts["nodes"], counts["edges"]) == expected_coordination(sample_store)[:2]
    assert all(u.startswith("file:") or u.startswith("data:") for u in v.requests), v.requests
    shot(v.page, "exported-coordination")
    v.assert_clean()
    v.page.context.close()


# --------------------------------------------------------------------------------- XSS


EVIL_OFFICE = f"省{SCRIPT}办"
XSS_PAGES = [
    ("landing", "/", False),
    ("search", "/search-page?q=" + quote("window"), False),
    ("responsibility", "/viz/responsibility", True),
    ("coordination", "/viz/coordination", True),
    ("department", "/viz/department/" + unregistered_id(EVIL_OFFICE), True),
    ("department-by-name", "/viz/department/" + quote(EVIL_OFFICE, safe=""), True),
    ("housing", "/viz/department/zj-housing", True),
    ("section", "/viz/section/1", True),
    ("region", "/viz/region/" + quote("杭州"), True),
    ("regions", "/viz/regions", True),
]


@pytest.mark.parametrize("name,path,is_view", XSS_PAGES, ids=[p[0] for p in XSS_PAGES])
def test_markup_in_documents_runs_nothing(browser, xss_server, name, path, is_view):
    v = visit(browser, xss_server.url + path, network_view=is_view)
    page = v.page
    body = page.inner_text("body")
    assert SCRIPT in body or IMG in body, "the markup should show as text"
    if is_view:
        evil = page.evaluate("""() => window.fengong.nodes.get()
            .filter(n => (n.search || '').includes('<script>') || (n.search || '').includes('<img'))
            .map(n => n.id)""")
        assert evil, "no node carries the markup"
        tip = hover_node(page, evil[0])
        assert "<script>" in tip or "<img" in tip
        # The search box and the details panel put the same text into the page.
        page.fill("#fg-search", "window.__xss")
        assert page.evaluate("window.fengong.network.getSelectedNodes().length") >= 1
        click_node(page, evil[0])
        page.locator("#fg-details").wait_for(state="visible", timeout=READY_MS)
        details = page.inner_text("#fg-details")
        assert "<script>" in details or "<img" in details
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.evaluate("document.querySelectorAll('img').length") == 0
    shot(page, f"xss-{name}")
    v.assert_clean()
    page.context.close()
