"""Injection and escaping: hostile input changes no query's meaning; document text is
always escaped.

Department, region, search, question and target inputs are sent clean and with every
decoration below (quotes, ``>``, ``}``, SPARQL keywords, full-width lookalikes,
zero-width characters, right-to-left marks and overrides, escapes). Each answer is either
the clean input's answer (the decoration was normalised away), or a 404/422 problem, or —
for free-text searches — a subset of the clean answer (never more: no ``|| true``
widened a filter). The SPARQL an answer shows is valid and gives the same rows when run
at ``/sparql``. The store is the same before and after.

Escaping: a plan whose title, sections, tasks, clause text and unit names hold markup is
uploaded through the write API; then every HTML page reachable from ``/`` (and the
search, department and region pages asked for the hostile names) is parsed: no markup
from the document survives as markup, every script runs only by the page's nonce or hash.
(tests/test_api_safety.py covers department refs on /api/v1/departments/{ref}/tasks and a
few searches; tests/test_views.py a hand-built document in a store.)
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import quote, urlsplit

import pytest
from fastapi.testclient import TestClient

TOKEN = "injection-test-token-0123456789"
PROBLEM = "application/problem+json"


def fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


DECORATIONS = {
    "double-quote": lambda x: x + '"',
    "single-quote": lambda x: x + "'",
    "angle": lambda x: x + ">",
    "brace": lambda x: x + "}",
    "union": lambda x: x + '" } UNION { ?s ?p ?o } #',
    "iri-break": lambda x: x + "> . ?s ?p ?o . <urn:x",
    "drop": lambda x: x + " } ; DROP ALL ; #",
    "keywords": lambda x: "SELECT * WHERE { " + x + " }",
    "or-true": lambda x: x + '") || true || ("',
    "values": lambda x: x + '" } VALUES ?s { <urn:x> } #',
    "zero-width": lambda x: "\u200b".join(x),
    "zero-width-mixed": lambda x: x[:1] + "\u200c\u200d\u2060" + x[1:] + "\ufeff",
    "rtl-override": lambda x: "\u202e" + x + "\u202c",
    "rtl-mark": lambda x: x + "\u200f",
    "rtl-isolate": lambda x: "\u2067" + x + "\u2069",
    "full-width": fullwidth,
    "full-width-syntax": lambda x: x + "＂｝＞",
    "combining": lambda x: x + "\u0301",
    "escape-u": lambda x: "\\u0022" + x,
    "percent": lambda x: x + "%22%7D",
    "newline": lambda x: x + "\n} #",
    "nul": lambda x: x + "\x00",
}


@pytest.fixture(scope="module")
def setup(sample_doc):
    from fengong.api.app import close, create_app
    from fengong.api.settings import Settings
    from fengong.store import open_store

    store = open_store("oxigraph")
    store.add_documents([sample_doc])
    app = create_app(Settings(query_budget=0), store)
    before = (store.document_ids(), store.count((None, None, None)), len(store))
    with TestClient(app) as client:
        yield client, store
    after = (store.document_ids(), store.count((None, None, None)), len(store))
    close(app)
    assert after == before, "the store changed"


def store_state(store):
    return store.document_ids(), store.count((None, None, None)), len(store)


def get(client, path: str, **params):
    return client.get(path, params=params or None)


def is_problem(response, statuses=(404, 422)) -> bool:
    if response.status_code not in statuses:
        return False
    assert response.headers["content-type"].startswith(PROBLEM), response.text[:200]
    return True


# --- references in paths ---------------------------------------------------------------------

REF_ENDPOINTS = [
    ("/api/v1/departments/{}", "省建设厅"),
    ("/api/v1/departments/{}/tasks?role=lead", "省建设厅"),
    ("/api/v1/departments/{}/partners", "zj-housing"),
    ("/api/v1/regions/{}", "杭州"),
    ("/api/v1/regions/{}/tasks", "杭州市"),
    ("/api/v1/regions/{}/tasks", "330100"),
]


@pytest.mark.parametrize("template,clean", REF_ENDPOINTS, ids=[f"{t.split('/')[3]}-{c}" for t, c in REF_ENDPOINTS])
def test_references_mean_the_same_or_nothing(setup, template, clean):
    client, store = setup
    before = store_state(store)
    expected = client.get(template.format(quote(clean, safe="")))
    assert expected.status_code == 200
    outcomes = {}
    for name, decorate in DECORATIONS.items():
        ref = decorate(clean)
        response = client.get(template.format(quote(ref, safe="")))
        if response.status_code == 200:
            assert response.json() == expected.json(), (name, ref)
            outcomes[name] = "same"
        else:
            assert is_problem(response), (name, ref, response.status_code, response.text[:200])
            outcomes[name] = response.status_code
    assert store_state(store) == before
    # invisible characters and width are normalised away; syntax is not
    assert outcomes["zero-width"] == outcomes["rtl-mark"] == "same"
    assert outcomes["union"] == outcomes["keywords"] == outcomes["drop"] == 404


@pytest.mark.parametrize("kind,clean", [("department", "省建设厅"), ("region", "杭州")])
def test_view_references_mean_the_same_or_nothing(setup, kind, clean):
    client, _ = setup

    def page(ref: str):
        response = client.get(f"/viz/{kind}/{quote(ref, safe='')}")
        return response, re.sub(r"nonce-[^']+'|nonce=\"[^\"]+\"", "NONCE", response.text)

    expected, expected_text = page(clean)
    assert expected.status_code == 200
    for name, decorate in DECORATIONS.items():
        response, text = page(decorate(clean))
        if response.status_code == 200:
            assert text == expected_text, name
        else:
            assert is_problem(response, (404,)), (name, response.status_code)


# --- free text -----------------------------------------------------------------------------------


def hit_keys(body) -> set:
    """What identifies a hit: its kind, task and source span."""
    return {(h["kind"], (h.get("task") or {}).get("id"), (h.get("source") or {}).get("start"),
             (h.get("source") or {}).get("end")) for h in body["hits"]}


@pytest.mark.parametrize("clean", ["停车位", "绿道", "城市"])
def test_search_is_never_widened(setup, clean):
    client, store = setup
    before = store_state(store)
    expected = get(client, "/api/v1/search", q=clean, limit=1000)
    assert expected.status_code == 200 and expected.json()["total"] > 0
    allowed = hit_keys(expected.json())
    for name, decorate in DECORATIONS.items():
        response = get(client, "/api/v1/search", q=decorate(clean), limit=1000)
        if response.status_code != 200:
            assert is_problem(response, (422,)), (name, response.status_code)
            continue
        got = hit_keys(response.json())
        assert got <= allowed, (name, len(got), len(allowed))
    # the same decorated searches on the HTML search page: 200, nothing more than the clean one
    clean_page = client.get("/search-page", params={"q": clean}).text
    clean_tasks = clean_page.count('class="fg-hit')
    for name, decorate in DECORATIONS.items():
        response = client.get("/search-page", params={"q": decorate(clean)})
        assert response.status_code in (200, 422), name
        if response.status_code == 200:
            assert response.text.count('class="fg-hit') <= clean_tasks, name
    assert store_state(store) == before


@pytest.mark.parametrize("param,clean", [("metric", "停车位"), ("unit", "公里"), ("department", "省建设厅")])
def test_target_filters_are_never_widened(setup, param, clean):
    client, _ = setup
    expected = get(client, "/api/v1/targets", **{param: clean, "limit": 1000})
    assert expected.status_code == 200 and expected.json()["total"] > 0
    allowed = {t["iri"] for t in expected.json()["targets"]}
    everything = get(client, "/api/v1/targets", limit=1000).json()["total"]
    assert len(allowed) < everything  # the filter does filter
    for name, decorate in DECORATIONS.items():
        response = get(client, "/api/v1/targets", **{param: decorate(clean), "limit": 1000})
        if response.status_code != 200:
            assert is_problem(response), (name, response.status_code)
            continue
        assert {t["iri"] for t in response.json()["targets"]} <= allowed, name


QUESTIONS = [
    ("{}牵头哪些任务", "省建设厅"),
    ("哪些任务由{}牵头", "省发展改革委"),
    ("{}和省发展改革委共同负责哪些任务", "省建设厅"),
    ("哪些任务涉及{}", "杭州"),
    ("{}的目标是多少", "停车位"),
]


@pytest.mark.parametrize("template,clean", QUESTIONS, ids=[t.format(c) for t, c in QUESTIONS])
def test_questions_mean_the_same_or_nothing(setup, template, clean):
    client, store = setup
    before = store_state(store)
    expected = get(client, "/api/v1/ask", q=template.format(clean))
    assert expected.status_code == 200, expected.text
    want = expected.json()
    for name, decorate in DECORATIONS.items():
        question = template.format(decorate(clean))
        response = get(client, "/api/v1/ask", q=question)
        if response.status_code != 200:
            assert is_problem(response), (name, question, response.status_code)
            continue
        got = response.json()
        if got["form"] == "targets" or "metric" in got.get("answer", {}):
            # a metric is free text: fewer targets, never more, never others
            ids = {t["iri"] for t in got["answer"]["targets"]}
            assert ids <= {t["iri"] for t in want["answer"]["targets"]}, name
        else:
            assert got["answer"] == want["answer"] and got["summary"] == want["summary"], (name, question)
        if "\x00" in question:
            continue  # see test_the_sparql_shown_runs_even_with_control_characters
        # the SPARQL shown is valid and, run at /sparql, gives the rows the answer holds
        run = client.post("/sparql", data={"query": got["sparql"]})
        assert run.status_code == 200, (name, run.text[:300])
        shown = client.post("/sparql", data={"query": want["sparql"]}).json()["results"]["bindings"]
        rows = run.json()["results"]["bindings"]
        assert len(rows) <= len(shown) or got["answer"] == want["answer"], name
    assert store_state(store) == before


def test_the_sparql_shown_runs_even_with_control_characters(setup):
    client, _ = setup
    answer = get(client, "/api/v1/ask", q="停车位\x00的目标是多少")
    assert answer.status_code == 200
    run = client.post("/sparql", data={"query": answer.json()["sparql"]})
    assert run.status_code == 200, run.text[:200]


def test_hostile_questions_run_no_other_query(setup):
    """Whatever the question holds, the query that runs is one of the named ones, with the
    user's text only inside a literal or resolved to an IRI."""
    client, _ = setup
    from fengong.queries import QUERIES

    for name, decorate in DECORATIONS.items():
        for template, clean in QUESTIONS:
            response = get(client, "/api/v1/ask", q=template.format(decorate(clean)))
            if response.status_code != 200:
                continue
            body = response.json()
            assert body["query"].split("[")[0] in QUERIES, body["query"]  # a named query (and its variant)
            text = body["sparql"]
            for word in ("DROP", "UNION { ?s ?p ?o }", "<urn:x>", "INSERT"):
                if word in text:
                    # only inside a quoted literal of the VALUES block
                    values = text[text.index("VALUES"):]
                    assert re.search(r'"[^"\n]*' + re.escape(word), values), (name, word)


# --- HTML built from document text --------------------------------------------------------------

SCRIPT = "<script>window.__xss=1</script>"
IMG = '<img src=x onerror="window.__xss=1">'
SVG = "<svg/onload=window.__xss=1>"
QUOTE_BREAK = '"><b id=pwn>'
TEMPLATE = "{{7*7}}${7*7}"
# Unit names the extractor does read as units (markup and quotes inside 省…办).
UNITS = ["省<b>测试</b>办", "省<svg>测试</svg>办", "省<img>办", "省<i>x</i>局", "省<style>测</style>办",
         "省</title><b>测试</b>办", '省"测试"办', "省'测试'办"]
HOSTILE_TEXT = (
    f"关于印发《{SCRIPT}测试{QUOTE_BREAK}工作要点》的通知\n\n"
    "浙政办发〔2024〕66号\n\n"
    f"一、总体要求{IMG}\n"
    f"(一)推进{SCRIPT}测试任务。加强{SVG}建设,新建绿道{TEMPLATE}100公里({UNITS[0]}牵头,{UNITS[1]}、省发展改革委配合)。\n"
    f"(二)开展杭州{QUOTE_BREAK}试点。完成杭州试点工作,改造小区300个({UNITS[2]}牵头,{UNITS[3]}配合)。\n"
    f"二、保障措施</title></style></textarea>{SCRIPT}\n"
    f"(三)强化保障。<!-- -->]]>完善{SVG}制度({UNITS[4]}牵头,{UNITS[5]}、{UNITS[6]}配合)。\n"
    f"(四)做好宣传。加强javascript:alert(1)宣传({UNITS[7]}、省建设厅按职责分工负责)。\n"
)
# None of these may appear as they are in a page: only escaped.
MARKERS = (SCRIPT, IMG, SVG, "<b id=pwn>", *(u for u in UNITS if "<" in u))
_ATTRIBUTE = re.compile(r"^[a-z][a-z0-9:_.-]*$")


class Page(HTMLParser):
    """Tags, attributes, script elements and links of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[dict[str, str | None]] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs_d = dict(attrs)
        self.tags.append((tag, attrs_d))
        if tag == "script":
            self.scripts.append(attrs_d)
        if tag == "a" and attrs_d.get("href"):
            self.links.append(attrs_d["href"])


def check_page(path: str, response) -> Page:
    html = response.text
    for marker in MARKERS:
        assert marker not in html, (path, marker)
    page = Page()
    page.feed(html)
    policy = response.headers["content-security-policy"]
    nonces = set(re.findall(r"'nonce-([^']+)'", policy))
    for tag, attrs in page.tags:
        assert tag not in ("img", "iframe", "object", "embed", "base"), (path, tag, attrs)
        assert attrs.get("id") != "pwn", path
        if tag == "style":
            assert attrs.get("nonce") in nonces, (path, attrs)
        for name, value in attrs.items():
            # a quote that broke out of an attribute would leave a stray attribute behind
            assert _ATTRIBUTE.match(name), (path, tag, name)
            assert not name.startswith("on"), (path, tag, name)
            assert not (value or "").strip().lower().startswith("javascript:"), (path, tag, name, value)
    for attrs in page.scripts:
        if attrs.get("src"):
            assert attrs["src"].startswith("/"), (path, attrs)  # same origin only
        elif attrs.get("type") not in ("application/json",):
            assert attrs.get("nonce") in nonces or "'sha256-" in policy, (path, attrs)
    return page


def test_document_text_is_escaped_on_every_page():
    from fengong.api.app import close, create_app
    from fengong.api.settings import Settings
    from fengong.store import open_store

    store = open_store("oxigraph")
    app = create_app(Settings(write_tokens=[TOKEN], write_rate=0), store)
    try:
        with TestClient(app) as client:
            created = client.post("/api/v1/documents", json={"text": HOSTILE_TEXT, "filename": f"{SCRIPT}.txt"},
                                  headers={"Authorization": f"Bearer {TOKEN}"})
            assert created.status_code == 201, created.text
            doc_id = created.json()["id"]
            # the hostile names did become data: units, titles, clause text
            units = [d["short"] for d in client.get("/api/v1/departments", params={"limit": 1000})
                     .json()["departments"]]
            hostile_units = [u for u in units if "<" in u or '"' in u or "'" in u]
            # (省"测试"办 and 省'测试'办 are one unit: names match without their punctuation;
            # unregistered units are named with the plan's jurisdiction, 浙江省, from 浙政办发)
            assert {"浙江" + u for u in UNITS if "<" in u} | {"浙江" + UNITS[6]} == set(hostile_units), units
            title = client.get(f"/api/v1/documents/{doc_id}").json()["title"]
            assert "<script>" in title

            seeds = ["/", "/search-page?q=" + quote("<script>"), "/search-page?q=" + quote(IMG),
                     "/search-page?q=" + quote("绿道"), "/viz/responsibility", "/viz/coordination",
                     "/viz/regions", "/docs", "/sparql"]
            seeds += [f"/viz/department/{quote(u, safe='')}" for u in hostile_units]
            seen: set[str] = set()
            todo = list(seeds)
            pages = 0
            while todo and pages < 300:
                path = todo.pop(0)
                if path in seen:
                    continue
                seen.add(path)
                response = client.get(path, headers={"Accept": "text/html"})
                if not response.headers.get("content-type", "").startswith("text/html"):
                    continue
                assert response.status_code == 200, (path, response.status_code)
                pages += 1
                page = check_page(path, response)
                for href in page.links:
                    parts = urlsplit(href)
                    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
                        assert parts.scheme in ("", "http", "https"), (path, href)
                        continue
                    if parts.path.startswith(("/api/", "/static/", "/docs/assets", "/openapi.json", "/fragments")):
                        continue
                    todo.append(href)
            # the crawl reached the department pages of the hostile units and the sections
            assert pages >= 10, pages
            assert any(p.startswith("/viz/section/") for p in seen), sorted(seen)
            assert any(p.startswith("/viz/department/") for p in seen)
    finally:
        close(app)
