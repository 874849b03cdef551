"""GET /api/v1/ask: the Chinese question grammar, answered with the SPARQL that ran."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from test_api_departments import expected_labels


@pytest.fixture(scope="module", params=["memory", "oxigraph"])
def client(request, sample_doc):
    from fengong.api.app import close, create_app
    from fengong.api.settings import Settings
    from fengong.store import open_store

    store = open_store(request.param)
    store.add_documents([sample_doc])
    app = create_app(Settings(), store)
    with TestClient(app) as c:
        yield c
    close(app)


def ask(client, q: str) -> dict:
    response = client.get("/api/v1/ask", params={"q": q})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("q", [
    "省建设厅牵头哪些任务", "省建设厅牵头哪些任务？", "省建设厅牵头哪些任务?", " 省建设厅 牵头 哪些 任务 ",
    "省建设厅牵头的任务有哪些", "哪些任务由省建设厅牵头", "省建设厅有哪些牵头任务", "省住建厅牵头哪些任务",
    "浙江省住房和城乡建设厅牵头哪些任务？", "省建设厅牵头了哪些任务", "省建设厅\u200b牵头哪些任务",
    "省建设厅牵头哪些任务？", "请问省建设厅牵头哪些任务",
])
def test_lead_questions(client, q):
    body = ask(client, q)
    assert body["form"] == "department_tasks"
    assert body["answer"]["role"] == "lead"
    assert body["answer"]["department"]["id"] == "zj-housing"
    assert {t["label"] for t in body["answer"]["tasks"]} == expected_labels("zj-housing", {"lead"})
    assert all(t["clauses"] and t["clauses"][0]["text"] for t in body["answer"]["tasks"])


@pytest.mark.parametrize("q,role,roles", [
    ("省建设厅配合哪些任务", "support", {"support"}),
    ("省建设厅负责哪些任务", "any", {"lead", "support", "co_responsible"}),
    ("省委编办共同负责哪些任务", "co_responsible", {"co_responsible"}),
])
def test_other_roles(client, q, role, roles):
    body = ask(client, q)
    dept = body["answer"]["department"]["id"]
    assert body["answer"]["role"] == role
    assert {t["label"] for t in body["answer"]["tasks"]} == expected_labels(dept, roles)


@pytest.mark.parametrize("q", ["省发改委和杭州市共同负责哪些任务", "省发展改革委与杭州市共同负责哪些任务？",
                               "浙江省发展和改革委员会和杭州市共同负责哪些任务"])
def test_two_departments(client, q):
    body = ask(client, q)
    assert body["form"] == "common_tasks"
    assert [d["id"] for d in body["answer"]["departments"]] == ["zj-drc", "zj-hangzhou"]
    roles = {"lead", "support", "co_responsible"}
    expected = expected_labels("zj-drc", roles) & expected_labels("zj-hangzhou", roles)
    assert {t["label"] for t in body["answer"]["tasks"]} == expected
    for task in body["answer"]["tasks"]:
        assert all(d["roles"] for d in task["departments"])


def test_region_question(client):
    for q in ("哪些任务涉及杭州", "哪些任务涉及杭州？", "涉及杭州的任务有哪些"):
        body = ask(client, q)
        assert body["form"] == "region_tasks"
        assert body["answer"]["region"]["id"] == "330100"
        labels = {t["label"] for t in body["answer"]["tasks"]}
        assert {"(一)", "(九)"} <= labels


def test_target_question(client, sample_text):
    body = ask(client, "停车位的目标是多少")
    assert body["form"] == "targets"
    (target,) = body["answer"]["targets"]
    assert target["value"] == 100000 and target["unit"] == "个"
    assert sample_text[target["source"]["start"]:target["source"]["end"]] == target["surface"]
    assert "10万个" in body["summary"]


@pytest.mark.parametrize("q", ["省建设厅牵头哪些任务", "省发改委和杭州市共同负责哪些任务", "哪些任务涉及杭州",
                               "停车位的目标是多少", "省建设厅配合哪些任务"])
def test_the_sparql_shown_reruns_to_the_same_answer(client, q):
    body = ask(client, q)
    assert "VALUES" in body["sparql"]
    response = client.post("/sparql", data={"query": body["sparql"]},
                           headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    rows = response.json()["results"]["bindings"]
    if body["form"] == "targets":
        got = {r["target"]["value"] for r in rows}
        assert got == {t["iri"] for t in body["answer"]["targets"]}
    else:
        got = {r["task"]["value"] for r in rows}
        assert got == {t["iri"] for t in body["answer"]["tasks"]}


def test_unparsed_question_lists_the_forms(client):
    response = client.get("/api/v1/ask", params={"q": "今天天气怎么样"})
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"].endswith("/unparsed-question")
    assert "省建设厅牵头哪些任务" in problem["forms"]


def test_unknown_department_in_a_question(client):
    response = client.get("/api/v1/ask", params={"q": "省建设局牵头哪些任务"})
    assert response.status_code == 404
    assert "省建设厅" in response.json()["suggestions"]


@pytest.mark.parametrize("q", [
    '省建设厅"} UNION { ?s ?p ?o }牵头哪些任务',
    "省建设厅> . ?s ?p ?o . <x牵头哪些任务",
    "省建设厅'; DROP GRAPH <x>; #牵头哪些任务",
    "省建设厅 } } SELECT * WHERE { ?s ?p ?o 牵头哪些任务",
    "哪些任务涉及杭州\" } UNION { ?s ?p ?o",
    "停车位\")) } UNION { ?s ?p ?o } #的目标是多少",
    "ＳＥＬＥＣＴ牵头哪些任务",
])
def test_injection_in_questions_changes_nothing(client, q):
    response = client.get("/api/v1/ask", params={"q": q})
    assert response.status_code in (200, 404, 422), response.text
    if response.status_code == 200:
        body = response.json()
        answer = body["answer"]
        # the answer is one of the legitimate ones: never the whole graph
        items = answer.get("tasks", answer.get("targets", []))
        assert len(items) <= 32
        for item in items:
            assert item["iri"].startswith("https://w3id.org/fengong/id/doc/")


@pytest.mark.parametrize("q, name", [
    ("省建设厅牵头哪些任务", "tasks"), ("省建设厅负责哪些任务", "tasks"), ("哪些任务涉及杭州", "tasks"),
    ("省发展改革委和省建设厅共同负责哪些任务", "tasks"), ("新增的目标是多少", "targets"),
])
def test_answers_come_in_pages(client, q, name):
    """A department leads hundreds of tasks across a province's plans: the list comes in
    pages, like the REST lists, and the summary still counts them all."""
    whole = ask(client, q)
    items = whole["answer"][name]
    total = whole["answer"]["total"]
    assert total == len(items) and whole["answer"]["offset"] == 0 and whole["answer"]["limit"] == 100
    assert total >= 2, "pick a question with several answers: there is nothing to page"
    first = client.get("/api/v1/ask", params={"q": q, "limit": 1})
    body = first.json()
    assert body["answer"][name] == items[:1] and body["answer"]["total"] == total
    assert first.headers["X-Total-Count"] == str(total)
    assert 'rel="next"' in first.headers["Link"] and "offset=1" in first.headers["Link"]
    assert body["summary"].startswith(whole["summary"].split("：")[0])  # the count of them all
    last = client.get("/api/v1/ask", params={"q": q, "limit": 2, "offset": total - 1}).json()
    assert last["answer"][name] == items[total - 1:] and last["answer"]["offset"] == total - 1
    assert last["sparql"] == whole["sparql"]
    beyond = client.get("/api/v1/ask", params={"q": q, "offset": total + 5}).json()
    assert beyond["answer"][name] == [] and beyond["answer"]["total"] == total


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 1001}, {"offset": -1}, {"limit": "x"}])
def test_bad_pages_are_problems(client, params):
    response = client.get("/api/v1/ask", params={"q": "省建设厅牵头哪些任务", **params})
    assert response.status_code == 422 and response.headers["content-type"].startswith("application/problem+json")
