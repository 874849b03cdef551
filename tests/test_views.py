"""fengong.views, the /viz and landing pages, and `fengong viz`: counts, escaping, offline.

Expected node and edge counts are computed here with SPARQL over the store, from the
derived shortcut properties (fg:leads, fg:supports …) and dct:spatial, independently of
the projections and of the views' own queries.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from rdflib import Literal

from fengong.extract import extract_sample, extract_text
from fengong.model import Assignment, Role
from fengong.projections import coordination_graph, lead_support_graph, responsibility_graph
from fengong.rdf import build_graph, department_iri, region_iri
from fengong.registry import DepartmentRegistry, unregistered_id
from fengong.regions import RegionRegistry
from fengong.store import open_store
from fengong.views import (
    NotFound,
    content_security_policy,
    coordination_view,
    department_view,
    region_view,
    render_html,
    responsibility_view,
    section_view,
)

PREFIXES = """
PREFIX fg: <https://w3id.org/fengong/ns#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX prov: <http://www.w3.org/ns/prov#>
"""

SCRIPT = "<script>window.__xss=1</script>"
IMG = '<img src=x onerror="window.__xss=1">'


# --------------------------------------------------------------------------- fixtures


def xss_document():
    """A plan whose title, section, task titles, clause text and unit names hold markup.

    The extractor rightly does not read ``省<script>…</script>办`` as a unit name, so the
    units are assigned by hand, with their true offsets into the text.
    """
    text = (
        f"关于印发《{SCRIPT}测试工作要点》的通知\n"
        "浙政办发〔2023〕99号\n"
        f"一、总体要求{SCRIPT}\n"
        f"(一)推进{SCRIPT}测试任务。加强{IMG}建设,推进{SCRIPT}改革(省{SCRIPT}办牵头,省{IMG}局、省发展改革委配合)。\n"
        f"(二)开展杭州{IMG}试点。完成杭州试点工作(省建设厅牵头,省{SCRIPT}办配合)。\n"
    )
    doc = extract_text(text, source="xss.txt")
    evil_office, evil_bureau = f"省{SCRIPT}办", f"省{IMG}局"

    def unit(name: str, role: Role, after: int, department: str | None = None) -> Assignment:
        start = text.index(name, after)
        return Assignment(name=name, department=department or unregistered_id(name), role=role,
                          start=start, end=start + len(name), registered=department is not None)

    first, second = doc.items[0].clauses[0], doc.items[1].clauses[0]
    first.assignments = [
        unit(evil_office, Role.LEAD, first.start),
        unit(evil_bureau, Role.SUPPORT, first.start),
        unit("省发展改革委", Role.SUPPORT, first.start, "zj-drc"),
    ]
    second.assignments = [
        unit("省建设厅", Role.LEAD, second.start, "zj-housing"),
        unit(evil_office, Role.SUPPORT, second.start),
    ]
    return doc


@pytest.fixture(scope="module", params=["memory", "oxigraph"])
def store(request):
    """The sample in each embedded backend: the views only use the Store interface."""
    s = open_store(request.param)
    s.add_documents([extract_sample()])
    return s


@pytest.fixture(scope="module")
def xss_store():
    s = open_store("memory")
    s.add_documents([xss_document()])
    return s


# ------------------------------------------------------------ expected counts (SPARQL)


def count(store, query: str, bindings=None, var: str = "n") -> int:
    rows = store.query(PREFIXES + query, bindings).dicts()
    return int(rows[0][var]) if rows and rows[0].get(var) is not None else 0


ANY_ROLE = "fg:leads|fg:supports|fg:coResponsibleFor|fg:implements"
EXPLICIT = "fg:leads|fg:supports|fg:coResponsibleFor"


def expected_responsibility(store) -> tuple[int, int]:
    tasks = count(store, "SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE { ?t a fg:Task }")
    depts = count(store, f"SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE {{ ?d {ANY_ROLE} ?t . ?t a fg:Task }}")
    edges = count(store, """SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?d ?p ?t WHERE {
        VALUES ?p { fg:leads fg:supports fg:coResponsibleFor fg:implements } ?d ?p ?t . ?t a fg:Task } }""")
    return tasks + depts, edges


def expected_coordination(store) -> tuple[int, int, int]:
    """(nodes, edges, edges with a lead → support arrow)."""
    nodes = count(store, f"SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE {{ ?d {EXPLICIT} ?t . ?t a fg:Task }}")
    edges = count(store, f"""SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?a ?b WHERE {{
        ?a {EXPLICIT} ?t . ?b {EXPLICIT} ?t . ?t a fg:Task . FILTER (STR(?a) < STR(?b)) }} }}""")
    arrows = count(store, """SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?a ?b WHERE {
        ?clause prov:qualifiedAssociation ?x , ?y .
        ?x prov:agent ?p ; prov:hadRole ?rx . ?y prov:agent ?q ; prov:hadRole ?ry .
        FILTER (?rx = fg:Lead && ?ry = fg:Support && ?p != ?q)
        BIND (IF(STR(?p) < STR(?q), ?p, ?q) AS ?a) BIND (IF(STR(?p) < STR(?q), ?q, ?p) AS ?b) } }""")
    return nodes, edges, arrows


def expected_department(store, dept_id: str) -> tuple[int, int]:
    me = {"me": department_iri(dept_id, store.base)}
    tasks = count(store, f"SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE {{ ?me {ANY_ROLE} ?t . ?t a fg:Task }}", me)
    partners = count(store, f"""SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE {{
        ?me {ANY_ROLE} ?t . ?t a fg:Task . ?o {EXPLICIT} ?t . FILTER (?o != ?me) }}""", me)
    # No sub-select: a store may pre-bind ?me with a VALUES block at the top of the group.
    own = count(store, """SELECT (COUNT(DISTINCT CONCAT(STR(?p), " ", STR(?t))) AS ?n) WHERE {
        VALUES ?p { fg:leads fg:supports fg:coResponsibleFor fg:implements } ?me ?p ?t . ?t a fg:Task }""", me)
    theirs = count(store, f"""SELECT (COUNT(DISTINCT CONCAT(STR(?o), " ", STR(?p), " ", STR(?t))) AS ?n) WHERE {{
        VALUES ?p {{ fg:leads fg:supports fg:coResponsibleFor }}
        ?me {ANY_ROLE} ?t . ?t a fg:Task . ?o ?p ?t . FILTER (?o != ?me) }}""", me)
    return 1 + tasks + partners, own + theirs


def expected_section(store, number: int) -> tuple[int, int]:
    n = {"number": Literal(number)}
    tasks = count(store, "SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE { ?t a fg:Task ; fg:section/fg:ordinal ?number }", n)
    depts = count(store, f"""SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE {{
        ?t a fg:Task ; fg:section/fg:ordinal ?number . ?d {ANY_ROLE} ?t }}""", n)
    edges = count(store, """SELECT (COUNT(DISTINCT CONCAT(STR(?d), " ", STR(?p), " ", STR(?t))) AS ?n) WHERE {
        VALUES ?p { fg:leads fg:supports fg:coResponsibleFor fg:implements }
        ?t a fg:Task ; fg:section/fg:ordinal ?number . ?d ?p ?t }""", n)
    return tasks + depts, edges


def expected_region(store, region_id: str | None) -> tuple[int, int]:
    if region_id is None:
        where = "?t a fg:Task ; dct:spatial ?x ."
        bindings, extra = None, 0
    else:
        region = region_iri(region_id, store.base)
        where = """{ ?t dct:spatial ?region . BIND (?region AS ?x) }
                   UNION { ?x fg:member ?region . ?t dct:spatial ?x }
                   UNION { ?x skos:broader+ ?region . ?t dct:spatial ?x }
                   ?t a fg:Task ."""
        bindings = {"region": region}
        direct = count(store, "SELECT (COUNT(*) AS ?n) WHERE { ?t a fg:Task ; dct:spatial ?region }", bindings)
        extra = 0 if direct else 1  # the region itself is drawn even when only its parts are named
    tasks = count(store, f"SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE {{ {where} }}", bindings)
    regions = count(store, f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ {where} }}", bindings)
    edges = count(store, f"""SELECT (COUNT(DISTINCT CONCAT(STR(?t), " ", STR(?x))) AS ?n)
                             WHERE {{ {where} }}""", bindings)
    return tasks + regions + extra, edges


# ------------------------------------------------------------------- page inspection


class _Page(HTMLParser):
    """Collects the URLs a page would load or link, and its script elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[tuple[str, str, str]] = []
        self.scripts: list[dict[str, str | None]] = []
        self.styles: list[dict[str, str | None]] = []
        self.links: list[dict[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for name in ("src", "href", "action", "srcset", "poster", "data"):
            if a.get(name) is not None:
                self.urls.append((tag, name, a[name] or ""))
        if tag == "script":
            self.scripts.append(a)
        if tag == "style":
            self.styles.append(a)
        if tag == "link":
            self.links.append(a)


def inspect(html: str) -> _Page:
    parser = _Page()
    parser.feed(html)
    return parser


def page_data(html: str) -> dict:
    """The JSON data block the page script draws from."""
    match = re.search(r'<script type="application/json" id="fg-data">(.*?)</script>', html, re.S)
    assert match, "no data block"
    return json.loads(match.group(1))


def assert_offline(html: str) -> None:
    page = inspect(html)
    for tag, attr, url in page.urls:
        assert not re.match(r"^\s*(https?:)?//", url, re.I), f"<{tag} {attr}={url!r}> leaves the server"
        assert not url.lower().startswith("javascript:"), url
    assert all(s.get("src") is None for s in page.scripts), "a script is loaded from a URL"
    assert all((l.get("rel") or "") == "icon" and l.get("href") == "data:," for l in page.links), page.links
    for url in re.findall(r"url\(\s*['\"]?([^'\")]+)", html):
        assert url.startswith("data:"), f"CSS url({url}) is not inline"
    assert "@import" not in html
    assert "sourceMappingURL" not in html


# ------------------------------------------------------------------------ projections


def test_projections_read_a_store_like_a_graph(store):
    graph = build_graph([extract_sample()], DepartmentRegistry.default(), RegionRegistry.default())
    a, b = responsibility_graph(store), responsibility_graph(graph)
    assert sorted(a.edges(keys=True)) == sorted(b.edges(keys=True))
    assert dict(a.nodes(data=True)) == dict(b.nodes(data=True))
    assert dict(coordination_graph(store).edges) == dict(coordination_graph(graph).edges)
    assert dict(lead_support_graph(store).edges) == dict(lead_support_graph(graph).edges)


# ------------------------------------------------------------------------------ views


def test_responsibility_view_counts(store):
    view = responsibility_view(store)
    assert (view.node_count, view.edge_count) == expected_responsibility(store)
    data = page_data(render_html(view))
    assert (len(data["nodes"]), len(data["edges"])) == expected_responsibility(store)
    # One edge per (department, task, role), styled by role.
    styles = {(e["role"], json.dumps(e["dashes"]), e["width"]) for e in data["edges"]}
    assert {s[0] for s in styles} == {"lead", "support", "co_responsible", "implementer"}
    assert len(styles) == 4, styles  # one style per role, the same on every edge
    lead = next(e for e in data["edges"] if e["role"] == "lead")
    support = next(e for e in data["edges"] if e["role"] == "support")
    assert lead["dashes"] is False and support["dashes"] != False  # noqa: E712
    # Node size follows load: the unit named on most tasks is the largest department.
    depts = [n for n in data["nodes"] if n["kind"] == "department"]
    assert max(depts, key=lambda n: n["value"])["ref"] == "local-governments"


def test_tasks_are_coloured_by_section(store):
    data = page_data(render_html(responsibility_view(store)))
    colour_of = {}
    for node in data["nodes"]:
        if node["kind"] == "task":
            section = node["tip"][1][1].split()[0]  # "第2部分 …"
            colour_of.setdefault(section, set()).add(node["color"]["background"])
    assert len(colour_of) == 7
    assert all(len(c) == 1 for c in colour_of.values())
    assert len({next(iter(c)) for c in colour_of.values()}) == 7


def test_coordination_view_counts_and_arrows(store):
    view = coordination_view(store)
    nodes, edges, arrows = expected_coordination(store)
    assert (view.node_count, view.edge_count) == (nodes, edges)
    with_arrow = [e for e in view.network.edges if e["arrows"]["to"]["enabled"] or e["arrows"]["from"]["enabled"]]
    assert len(with_arrow) == arrows
    # 省建设厅 leads and 省发展改革委 supports in some clause: the arrow points away from the lead.
    pairs = {(e["from"], e["to"]): e for e in with_arrow}
    edge = pairs.get(("d:zj-housing", "d:zj-drc")) or pairs.get(("d:zj-drc", "d:zj-housing"))
    assert edge is not None
    assert sum(e["value"] for e in view.network.edges) == sum(
        d["weight"] for *_, d in coordination_graph(store).edges(data=True))


@pytest.mark.parametrize("ref", ["省建设厅", "zj-housing", "浙江省住房和城乡建设厅", "省住建厅", "zj-drc"])
def test_department_view_counts(store, ref):
    view = department_view(store, ref)
    dept = view.focus.removeprefix("d:")
    assert (view.node_count, view.edge_count) == expected_department(store, dept)


def test_department_view_lists_lead_tasks_with_clause_text_and_partners(store):
    view = department_view(store, "省建设厅")
    sections = {s.anchor: s for s in view.panel}
    lead_tasks = count(store, "SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE { ?me fg:leads ?t }",
                       {"me": department_iri("zj-housing", store.base)})
    assert len(sections["lead"].items) == lead_tasks == 8
    clause_texts = {str(r["text"]) for r in store.query(PREFIXES + """SELECT ?text WHERE {
        ?c fg:text ?text ; prov:qualifiedAssociation [ prov:agent ?me ; prov:hadRole fg:Lead ] }""",
        {"me": department_iri("zj-housing", store.base)}).dicts()}
    shown = {d.split(":", 1)[1] for item in sections["lead"].items for d in item.details}
    assert shown == clause_texts
    partners = {item.text for item in sections["partners"].items}
    assert "省发展改革委" in partners
    assert all(item.href.startswith("/viz/department/") for item in sections["partners"].items)


def test_unknown_department_suggests_close_names(store):
    with pytest.raises(NotFound) as err:
        department_view(store, "省建设局")
    assert ("zj-housing", "省建设厅") in err.value.suggestions
    assert "省建设厅" in str(err.value)


@pytest.mark.parametrize("number", [1, 2, 7])
def test_section_view_counts(store, number):
    view = section_view(store, number)
    assert (view.node_count, view.edge_count) == expected_section(store, number)


def test_unknown_section(store):
    with pytest.raises(NotFound):
        section_view(store, 99)


@pytest.mark.parametrize("ref", ["杭州", "330100", "浙江省", "宁波市", "舟山市", None])
def test_region_view_counts(store, ref):
    view = region_view(store, ref)
    region = view.focus.removeprefix("r:") if view.focus else None
    assert (view.node_count, view.edge_count) == expected_region(store, region)
    assert view.edge_count > 0


def test_unknown_region_suggests(store):
    with pytest.raises(NotFound) as err:
        region_view(store, "杭洲")
    assert "330100" in [i for i, _ in err.value.suggestions]


def test_layout_is_stable(store):
    def positions():
        return {n["id"]: (n["x"], n["y"]) for n in responsibility_view(store).network.nodes}

    first = positions()
    assert first == positions()
    assert len(set(first.values())) == len(first)  # no two nodes on one spot
    data = page_data(render_html(responsibility_view(store)))
    assert data["options"]["physics"]["enabled"] is False


# --------------------------------------------------------------------------- escaping


def _views(store):
    return [responsibility_view(store), coordination_view(store), department_view(store, f"省{SCRIPT}办"),
            department_view(store, "省建设厅"), section_view(store, 1), region_view(store, "杭州"), region_view(store)]


def test_markup_in_the_document_is_escaped_in_every_view(xss_store):
    for view in _views(xss_store):
        html = render_html(view)
        assert SCRIPT not in html and IMG not in html, view.kind
        assert "onerror=\"" not in html
        page = inspect(html)
        assert len(page.scripts) == 3  # the data block, vis-network and the page script
        data = page_data(html)
        texts = json.dumps(data, ensure_ascii=False)
        assert SCRIPT in texts or IMG in texts, view.kind  # the text itself survives, as data
        # pyvis' own `title` (innerHTML in its templates) is HTML-escaped.
        for item in [*view.network.nodes, *view.network.edges]:
            assert "<" not in item["title"], item["title"]
    panel = render_html(department_view(xss_store, f"省{SCRIPT}办"))
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in panel


def test_script_json_cannot_close_the_script_element():
    from fengong.views.render import script_json

    text = script_json({"a": "</script><script>alert(1)</script><!--", "b": "\u2028&"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"a": "</script><script>alert(1)</script><!--", "b": "\u2028&"}


# ---------------------------------------------------------------------------- offline


def test_pages_load_nothing_from_other_hosts(store):
    for view in [responsibility_view(store), coordination_view(store), department_view(store, "省建设厅"),
                 section_view(store, 3), region_view(store, "杭州"), region_view(store)]:
        html = render_html(view)
        assert_offline(html)
        assert "@license" in html and "vis-network" in html  # the inlined build keeps its licence header
        for host in ("cdnjs.cloudflare.com", "cdn.jsdelivr.net", "unpkg.com", "fonts.googleapis.com"):
            assert host not in html


def test_nonce_on_every_inline_script_and_style(store):
    html = render_html(responsibility_view(store), nonce="abc123")
    page = inspect(html)
    executable = [s for s in page.scripts if s.get("type") != "application/json"]
    assert executable and all(s.get("nonce") == "abc123" for s in executable)
    assert page.styles and all(s.get("nonce") == "abc123" for s in page.styles)
    assert "'nonce-abc123'" in content_security_policy("abc123")
    assert "unsafe-inline" not in content_security_policy("abc123")
    assert " style=" not in html.split('<script type="application/json"')[0]  # CSP would block style attributes


# --------------------------------------------------------------------------------- API


@pytest.fixture(scope="module")
def client(store):
    from fastapi.testclient import TestClient

    from fengong.api.app import create_app
    from fengong.api.settings import Settings

    return TestClient(create_app(Settings(), store))


@pytest.fixture(scope="module")
def xss_client(xss_store):
    from fastapi.testclient import TestClient

    from fengong.api.app import create_app
    from fengong.api.settings import Settings

    return TestClient(create_app(Settings(), xss_store))


VIEW_URLS = ["/viz/responsibility", "/viz/coordination", "/viz/department/%E7%9C%81%E5%BB%BA%E8%AE%BE%E5%8E%85",
             "/viz/section/2", "/viz/region/杭州", "/viz/regions"]


@pytest.mark.parametrize("url", VIEW_URLS + ["/", "/search-page?q=停车位"])
def test_html_pages_are_served_with_a_nonce_csp(client, url):
    r = client.get(url)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    csp = r.headers["content-security-policy"]
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    page = inspect(r.text)
    for element in [*page.styles, *(s for s in page.scripts if s.get("type") != "application/json")]:
        assert element.get("nonce") == nonce
    assert "default-src 'none'" in csp and "unsafe" not in csp
    assert_offline(r.text)
    assert client.get(url).headers["content-security-policy"] != csp  # a fresh nonce per response


def test_unknown_refs_are_404_problems_with_did_you_mean(client):
    r = client.get("/viz/department/省建设局")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == 404 and "省建设厅" in body["detail"]
    assert "省建设厅" in body["suggestions"]
    r = client.get("/viz/region/杭洲")
    assert r.status_code == 404 and "杭州市" in r.json()["suggestions"]
    assert client.get("/viz/section/99").status_code == 404


def test_landing_page(client, store):
    r = client.get("/")
    html = r.text
    assert "分工图谱" in html and 'href="/docs"' in html
    for url in ("/viz/responsibility", "/viz/coordination", "/viz/department/zj-housing"):
        assert f'href="{url}"' in html
    # The counts it states are the graph's.
    tasks = count(store, "SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE { ?t a fg:Task }")
    targets = count(store, "SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE { ?t a fg:Target }")
    assert f"<strong>{tasks}</strong>项任务" in html and f"<strong>{targets}</strong>个目标指标" in html
    # 省建设厅 is listed with its lead and support counts, linking to its page.
    row = re.search(r'<a class="fg-dept" href="/viz/department/zj-housing">省建设厅</a>(.*?)</tr>', html, re.S)
    assert row, "省建设厅 not listed"
    assert re.findall(r">(\d+)</a>", row.group(1))[:2] == ["8", "4"]


def test_search_page(client):
    html = client.get("/search-page", params={"q": "停车位"}).text
    assert "(十三)健全市政设施建设" in html and "<mark>停车位</mark>" in html
    evil = client.get("/search-page", params={"q": SCRIPT}).text
    assert SCRIPT not in evil and "&lt;script&gt;" in evil


def test_pages_escape_the_document(xss_client):
    from urllib.parse import quote

    urls = ["/", "/search-page?q=window", "/viz/responsibility", "/viz/coordination", "/viz/section/1",
            "/viz/department/" + quote(f"省{SCRIPT}办", safe=""), "/viz/department/zj-housing",
            "/viz/region/杭州", "/viz/regions"]
    for url in urls:
        r = xss_client.get(url)
        assert r.status_code == 200, url
        assert SCRIPT not in r.text and IMG not in r.text, url
    landing = xss_client.get("/").text
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in landing


# --------------------------------------------------------------------------------- CLI


def test_fengong_viz_writes_a_page(tmp_path):
    from fengong.api.cli import main

    out = tmp_path / "sub" / "dept.html"
    assert main(["viz", "department", "--department", "省建设厅", "--out", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert '<meta http-equiv="Content-Security-Policy"' in html
    assert_offline(html)
    assert 'href="/' not in html  # no links into a server that is not there
    data = page_data(html)
    s = open_store("memory")
    s.add_documents([extract_sample()])
    assert (len(data["nodes"]), len(data["edges"])) == expected_department(s, "zj-housing")
    assert data["links"] is False


def test_fengong_viz_reads_files_and_reports_bad_refs(tmp_path, capsys):
    from fengong.api.cli import main
    from fengong.reading import sample_path

    out = tmp_path / "r.html"
    assert main(["viz", "responsibility", str(sample_path()), "--out", str(out)]) == 0
    assert out.stat().st_size > 100_000
    assert main(["viz", "department", "--department", "省建设局", "--out", str(tmp_path / "x.html")]) == 2
    assert "省建设厅" in capsys.readouterr().err
    assert main(["viz", "section", "--out", str(tmp_path / "x.html")]) == 2
    assert not (tmp_path / "x.html").exists()
