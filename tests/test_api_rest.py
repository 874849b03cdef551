"""The other REST resources: tasks, targets, regions, documents, search, dumps, fragments,
docs and OpenAPI, CORS, problem JSON."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from rdflib import Dataset, Graph, URIRef

from conftest import load_fixture

TASK = "2023-044de8f5-t13"


@pytest.fixture(scope="module", params=["memory", "oxigraph"])
def client(request, sample_doc):
    from fengong.api.app import close, create_app
    from fengong.api.settings import Settings
    from fengong.store import open_store

    store = open_store(request.param)
    store.add_documents([sample_doc])
    app = create_app(Settings(cors_origins=["https://portal.example.gov.cn"]), store)
    with TestClient(app) as c:
        yield c
    close(app)


def test_task_list_has_every_item_of_the_sample(client, sample_doc):
    body = client.get("/api/v1/tasks", params={"limit": 1000}).json()
    assert body["total"] == len(sample_doc.items)
    assert [t["label"] for t in body["tasks"]] == [i.label for i in sample_doc.items]
    first = body["tasks"][0]
    assert [d["id"] for d in first["departments"]["lead"]] == ["zj-public-security"]
    assert first["source"]["text"].startswith("(一)")


def test_task_list_filters(client, sample_doc):
    doc_id = sample_doc.id
    assert client.get("/api/v1/tasks", params={"document": doc_id}).json()["total"] == len(sample_doc.items)
    assert client.get("/api/v1/tasks", params={"document": "nope"}).json()["total"] == 0
    section2 = client.get("/api/v1/tasks", params={"section": 2}).json()["tasks"]
    assert {t["label"] for t in section2} == {i.label for i in sample_doc.items if i.section == 2}


def test_task_detail(client, sample_text):
    task = client.get(f"/api/v1/tasks/{TASK}").json()
    assert task["label"] == "(十三)"
    assert task["clauses"][0]["assignments"][0]["department"]["id"] == "zj-housing"
    assert [a["department"]["id"] for a in task["assignments"]["lead"]] == ["zj-housing"]
    assert task["assignments"]["implementer"][0]["department"]["id"] == "local-governments"
    metrics = {t["metric"] for t in task["targets"]}
    assert "新增停车位" in metrics and "新增绿地" in metrics
    for target in task["targets"]:
        src = target["source"]
        assert sample_text[src["start"]:src["end"]] == target["surface"]
    src = task["source"]
    assert sample_text[src["start"]:src["end"]] == src["text"]


def test_task_detail_regions_and_references(client):
    tasks = client.get("/api/v1/tasks", params={"limit": 1000}).json()["tasks"]
    nine = next(t for t in tasks if t["label"] == "(九)")
    detail = client.get(f"/api/v1/tasks/{nine['id']}").json()
    names = {r["name"] for r in detail["regions"]}
    assert "杭绍" in names
    for region in detail["regions"]:
        assert region["mentions"] and all(m["text"] for m in region["mentions"])
    two = next(t for t in tasks if t["label"] == "(二)")
    refs = client.get(f"/api/v1/tasks/{two['id']}").json()["references"]
    assert refs and all(r["title"].startswith("《") for r in refs)


def test_unknown_task_is_404_problem(client):
    response = client.get("/api/v1/tasks/2023-044de8f5-t999")
    assert response.status_code == 404
    assert response.json()["type"].endswith("/unknown-task")


def test_targets_match_the_sample_fixture(client):
    fixture = load_fixture("sample_targets.json")
    body = client.get("/api/v1/targets", params={"limit": 1000}).json()
    surfaces = {t["surface"] for t in body["targets"]}
    expected = {t["text"] for t in fixture["targets"]} if isinstance(fixture, dict) and "targets" in fixture else None
    if expected is not None:
        assert expected <= surfaces
    parking = [t for t in body["targets"] if t["metric"] == "新增停车位"]
    assert parking and parking[0]["value"] == 100000 and parking[0]["unit"] == "个"
    assert parking[0]["task"]["label"] == "(十三)"


def test_target_filters(client):
    all_targets = client.get("/api/v1/targets", params={"limit": 1000}).json()["targets"]
    by_unit = client.get("/api/v1/targets", params={"unit": "公顷", "limit": 1000}).json()["targets"]
    assert by_unit and all(t["unit"] == "公顷" for t in by_unit)
    assert len(by_unit) == sum(1 for t in all_targets if t["unit"] == "公顷")
    housing = client.get("/api/v1/targets", params={"department": "省住建厅", "limit": 1000}).json()
    assert housing["filters"]["department"] == "zj-housing"
    housing_tasks = {t["label"] for t in client.get(
        f"/api/v1/departments/{quote('省建设厅')}/tasks", params={"limit": 1000}).json()["tasks"]}
    assert housing["targets"] and {t["task"]["label"] for t in housing["targets"]} <= housing_tasks
    sec = client.get("/api/v1/targets", params={"section": 3, "limit": 1000}).json()["targets"]
    tasks3 = {t["label"] for t in client.get("/api/v1/tasks", params={"section": 3}).json()["tasks"]}
    assert sec and {t["task"]["label"] for t in sec} <= tasks3
    metric = client.get("/api/v1/targets", params={"metric": "停车位"}).json()["targets"]
    assert [t["metric"] for t in metric] == ["新增停车位"]
    assert client.get("/api/v1/targets", params={"department": "省建设局"}).status_code == 404


def test_regions_and_region_tasks(client):
    regions = client.get("/api/v1/regions", params={"limit": 1000}).json()["regions"]
    hangzhou = next(r for r in regions if r["id"] == "330100")
    assert hangzhou["name"] == "杭州市" and hangzhou["code"] == "330100"
    for ref in ("杭州", "杭州市", "330100"):
        body = client.get(f"/api/v1/regions/{quote(ref)}/tasks", params={"limit": 1000}).json()
        assert body["region"]["id"] == "330100"
        labels = {t["label"] for t in body["tasks"]}
        # (九) mentions 杭绍 (a composite with 杭州 as a member), not 杭州 alone
        assert {"(一)", "(九)"} <= labels
        nine = next(t for t in body["tasks"] if t["label"] == "(九)")
        assert any(m["region"]["name"] == "杭绍" and m["source"]["text"] == "杭绍" for m in nine["mentions"])
    missing = client.get(f"/api/v1/regions/{quote('杭洲')}/tasks")
    assert missing.status_code == 404 and "杭州市" in missing.json()["suggestions"]


def test_documents(client, sample_doc, sample_text):
    body = client.get("/api/v1/documents").json()
    assert body["total"] == 1
    doc = body["documents"][0]
    assert doc["id"] == sample_doc.id and doc["identifier"] == "浙发改城镇函〔2023〕388号"
    assert doc["tasks"] == len(sample_doc.items)
    detail = client.get(f"/api/v1/documents/{sample_doc.id}").json()
    assert detail["text"] == sample_doc.text
    assert sum(len(s["tasks"]) for s in detail["sections"]) == len(sample_doc.items)
    assert client.get("/api/v1/documents/none").status_code == 404


def test_search(client, sample_text):
    body = client.get("/api/v1/search", params={"q": "停车位"}).json()
    assert body["total"] >= 2
    kinds = {h["kind"] for h in body["hits"]}
    assert {"clause", "target"} <= kinds
    for hit in body["hits"]:
        for start, end in hit["matches"]:
            assert hit["text"][start:end] == "停车位"
        src = hit["source"]
        assert sample_text[src["start"]:src["end"]] == hit["text"]
    full_width = client.get("/api/v1/search", params={"q": "１５００"}).json()
    assert any("1500" in h["text"] for h in full_width["hits"])
    assert client.get("/api/v1/search", params={"q": "火星殖民"}).json()["total"] == 0
    assert client.get("/api/v1/search", params={"q": ""}).status_code == 422
    assert client.get("/api/v1/search", params={"q": "\u200b"}).status_code == 422


@pytest.mark.parametrize("accept,fmt", [("text/turtle", "turtle"), ("application/n-triples", "nt"),
                                        ("application/ld+json", "json-ld")])
def test_graph_dump_by_content_negotiation(client, accept, fmt):
    response = client.get("/api/v1/graph", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(accept)
    g = Graph().parse(data=response.content, format=fmt)
    assert (URIRef("https://w3id.org/fengong/id/department/zj-housing"),
            URIRef("https://w3id.org/fengong/ns#leads"),
            URIRef("https://w3id.org/fengong/id/doc/2023-044de8f5/task/13")) in g


def test_graph_dump_quads_keep_named_graphs(client):
    response = client.get("/api/v1/graph", params={"format": "nquads"})
    ds = Dataset()
    ds.parse(data=response.content, format="nquads")
    names = {str(g.identifier) for g in ds.graphs() if len(g)}
    assert "https://w3id.org/fengong/id/graph/registry" in names
    assert client.get("/api/v1/graph", headers={"Accept": "image/png"}).status_code == 406


def test_fragments_paging_and_controls(client):
    leads = "https://w3id.org/fengong/ns#leads"
    response = client.get("/fragments", params={"predicate": leads}, headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    g = Graph().parse(data=response.content, format="turtle")
    hydra = "http://www.w3.org/ns/hydra/core#"
    total = int(next(g.objects(None, URIRef(hydra + "totalItems"))))
    data = [t for t in g if str(t[1]) == leads]
    assert total == len(data) > 0
    assert next(g.objects(None, URIRef(hydra + "template"))).endswith("{?subject,predicate,object}")
    everything = client.get("/fragments", headers={"Accept": "text/turtle"})
    g1 = Graph().parse(data=everything.content, format="turtle")
    nxt = next(g1.objects(None, URIRef(hydra + "next")))
    page2 = client.get(str(nxt).replace("http://testserver", ""), headers={"Accept": "text/turtle"})
    g2 = Graph().parse(data=page2.content, format="turtle")
    assert list(g2.objects(None, URIRef(hydra + "previous")))
    literal = client.get("/fragments", params={"object": '"省建设厅"@zh'}, headers={"Accept": "application/n-triples"})
    assert literal.status_code == 200 and "省建设厅" in literal.text
    assert client.get("/fragments", params={"subject": "not an iri"}).status_code == 400


def test_docs_are_served_from_local_assets(client):
    page = client.get("/docs")
    assert page.status_code == 200
    html = page.text
    assert "/docs/assets/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    assert "http://" not in html and "https://" not in html
    js = client.get("/docs/assets/swagger-ui-bundle.js")
    assert js.status_code == 200 and len(js.content) > 100_000
    assert client.get("/docs/assets/swagger-ui.css").status_code == 200
    assert client.get("/docs/assets/../../etc/passwd").status_code == 404


def test_sparql_page_is_local(client):
    page = client.get("/sparql", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "https://" not in page.text and "http://" not in page.text
    assert client.get("/static/sparql.js").status_code == 200
    assert ".innerHTML" not in client.get("/static/sparql.js").text


def test_openapi_documents_every_endpoint_with_examples(client):
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    for path in ("/api/v1/departments", "/api/v1/departments/{ref}/tasks", "/api/v1/departments/{ref}/partners",
                 "/api/v1/tasks", "/api/v1/tasks/{task_id}", "/api/v1/targets", "/api/v1/regions",
                 "/api/v1/regions/{ref}/tasks", "/api/v1/documents", "/api/v1/documents/{doc_id}",
                 "/api/v1/search", "/api/v1/ask", "/sparql", "/fragments", "/api/v1/graph"):
        assert path in paths, path
    ok = paths["/api/v1/departments/{ref}/tasks"]["get"]["responses"]["200"]["content"]["application/json"]
    assert ok["example"]["department"]["id"] == "zj-housing"
    params = paths["/api/v1/departments/{ref}/tasks"]["get"]["parameters"]
    ref = next(p for p in params if p["name"] == "ref")
    assert "省建设厅" in json.dumps(ref, ensure_ascii=False)


def test_examples_match_the_live_answers(client):
    from fengong.api.examples import example

    live = client.get(f"/api/v1/departments/{quote('省建设厅')}/tasks", params={"role": "lead", "limit": 2}).json()
    stored = example("department_tasks")
    assert stored["department"]["id"] == live["department"]["id"]
    assert [t["id"] for t in stored["tasks"]] == [t["id"] for t in live["tasks"]]
    assert stored["tasks"][0]["clauses"][0]["text"] == live["tasks"][0]["clauses"][0]["text"]
    ask = example("ask")
    assert ask["sparql"] == client.get("/api/v1/ask", params={"q": ask["question"]}).json()["sparql"]


def test_cors_for_configured_origins_only(client):
    allowed = client.get("/api/v1/documents", headers={"Origin": "https://portal.example.gov.cn"})
    assert allowed.headers["access-control-allow-origin"] == "https://portal.example.gov.cn"
    assert "ETag" in allowed.headers["access-control-expose-headers"]
    other = client.get("/api/v1/documents", headers={"Origin": "https://evil.example.com"})
    assert "access-control-allow-origin" not in other.headers
    preflight = client.options("/sparql", headers={"Origin": "https://portal.example.gov.cn",
                                                  "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 200


def test_every_error_is_problem_json(client):
    for method, url, status in [("GET", "/nowhere", 404), ("DELETE", "/api/v1/tasks", 405),
                                ("GET", "/api/v1/tasks?limit=0", 422), ("GET", "/api/v1/tasks?limit=x", 422),
                                ("GET", "/api/v1/departments?offset=-1", 422)]:
        response = client.request(method, url)
        assert response.status_code == status, url
        assert response.headers["content-type"].startswith("application/problem+json")
        body = response.json()
        assert body["status"] == status and body["title"] and body["type"]
