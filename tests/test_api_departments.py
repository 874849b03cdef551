"""GET /api/v1/departments…: the done-when of issue 3, against a hand annotation.

The expected task sets come from tests/fixtures/sample_assignments.json (the sample read
by hand, keyed by item label), never from the graph; names there are resolved with the
department registry, independently of the API.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from conftest import load_fixture
from fengong.registry import DepartmentRegistry

BACKENDS = ["memory", "oxigraph"]


@pytest.fixture(scope="module", params=BACKENDS)
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


def expected_labels(department: str, roles: set[str]) -> set[str]:
    """Item labels whose hand-annotated clauses give ``department`` one of ``roles``."""
    registry = DepartmentRegistry.default()
    annotation = load_fixture("sample_assignments.json")
    labels = set()
    for label, clauses in annotation["items"].items():
        for clause in clauses:
            for name, role in clause:
                found = registry.resolve(name)
                if found is not None and found.id == department and role in roles:
                    labels.add(label)
    return labels


def get_tasks(client, ref: str, role: str) -> dict:
    response = client.get(f"/api/v1/departments/{quote(ref)}/tasks", params={"role": role, "limit": 1000})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("role", ["lead", "support"])
def test_tasks_of_the_housing_department_match_the_hand_annotation(client, role):
    body = get_tasks(client, "省建设厅", role)
    expected = expected_labels("zj-housing", {role})
    assert expected, "the annotation names tasks for 省建设厅"
    assert {t["label"] for t in body["tasks"]} == expected
    assert body["total"] == len(expected)
    assert body["department"]["id"] == "zj-housing"
    assert body["role"] == role


@pytest.mark.parametrize("role", ["lead", "support"])
def test_each_task_carries_its_clause_text_and_source_span(client, sample_text, role):
    body = get_tasks(client, "省建设厅", role)
    for task in body["tasks"]:
        assert task["clauses"], task["label"]
        for clause in task["clauses"]:
            assert role in clause["roles"]
            source = clause["source"]
            # the span quotes exactly the clause text, at those offsets of the document text
            assert sample_text[source["start"]:source["end"]] == clause["text"] == source["text"]
            assert clause["text"] in source["sentence"] or source["sentence"] in clause["text"]
        assert task["source"]["text"].startswith(task["label"])
        assert role in task["roles"]


@pytest.mark.parametrize("department", ["zj-drc", "zj-public-security", "zj-hrss", "zj-natural-resources"])
def test_other_departments_match_the_annotation_too(client, department):
    for role in ("lead", "support", "co_responsible"):
        body = get_tasks(client, department, role)
        assert {t["label"] for t in body["tasks"]} == expected_labels(department, {role}), role


def test_role_any_labels_each_task_with_the_departments_roles(client):
    body = get_tasks(client, "省建设厅", "any")
    labels = {t["label"] for t in body["tasks"]}
    assert labels == expected_labels("zj-housing", {"lead", "support", "co_responsible"})
    by_label = {t["label"]: set(t["roles"]) for t in body["tasks"]}
    # (十八) has 省建设厅 leading one clause and supporting another
    assert by_label["(十八)"] == {"lead", "support"}
    assert by_label["(三)"] == {"support"}


def test_implementer_role(client):
    body = get_tasks(client, "各市、县(市、区)人民政府", "implementer")
    assert body["department"]["id"] == "local-governments"
    assert body["total"] >= 1
    for task in body["tasks"]:
        assert task["roles"] == ["implementer"]
        rule = task["assignments"][0]["rule"]
        assert "落实" in rule["text"]


@pytest.mark.parametrize("ref", ["省建设厅", "省住建厅", "浙江省住房和城乡建设厅", "zj-housing", "省住房和城乡建设厅",
                                 "浙江省住房城乡建设厅", "省建设厅 ", "省建设厅\u200b", "ｚｊ-housing"])
def test_aliases_resolve_to_the_same_answer(client, ref):
    canonical = get_tasks(client, "zj-housing", "lead")
    body = get_tasks(client, ref, "lead")
    assert body["department"]["id"] == "zj-housing"
    assert body["tasks"] == canonical["tasks"]


def test_unregistered_department_found_by_its_label(client):
    listing = client.get("/api/v1/departments", params={"limit": 1000}).json()["departments"]
    unregistered = [d for d in listing if d["registered"] is False]
    for dept in unregistered:
        body = client.get(f"/api/v1/departments/{quote(dept['name'])}").json()
        assert body["id"] == dept["id"]


def test_registered_department_without_tasks_is_empty_not_missing(client):
    registry = DepartmentRegistry.default()
    listing = {d["id"] for d in client.get("/api/v1/departments", params={"limit": 1000}).json()["departments"]}
    absent = next(d for d in registry if d.id not in listing)
    response = client.get(f"/api/v1/departments/{quote(absent.name)}/tasks")
    assert response.status_code == 200
    body = response.json()
    assert body["department"]["id"] == absent.id
    assert body["department"]["in_graph"] is False
    assert body["tasks"] == [] and body["total"] == 0


def test_unknown_department_is_a_problem_naming_close_matches(client):
    response = client.get(f"/api/v1/departments/{quote('省建设局')}/tasks", params={"role": "lead"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == 404
    assert problem["type"].endswith("/unknown-department")
    assert "省建设厅" in problem["suggestions"]
    assert "did you mean" in problem["detail"] and "省建设厅" in problem["detail"]


def test_department_list_counts_match_the_annotation(client):
    body = client.get("/api/v1/departments", params={"limit": 1000}).json()
    by_id = {d["id"]: d for d in body["departments"]}
    assert body["total"] == len(body["departments"])
    for dept in ("zj-housing", "zj-drc", "zj-hrss"):
        counts = by_id[dept]["counts"]
        assert counts["lead"] == len(expected_labels(dept, {"lead"}))
        assert counts["support"] == len(expected_labels(dept, {"support"}))
        assert counts["co_responsible"] == len(expected_labels(dept, {"co_responsible"}))


def test_department_detail(client):
    body = client.get(f"/api/v1/departments/{quote('省发改委')}").json()
    assert body["id"] == "zj-drc"
    assert body["name"] == "浙江省发展和改革委员会"
    assert "省发展改革委" in body["aliases"] or body["short"] == "省发展改革委"
    assert body["counts"]["lead"] == len(expected_labels("zj-drc", {"lead"}))


def test_partners_share_tasks(client):
    body = client.get(f"/api/v1/departments/{quote('省建设厅')}/partners", params={"limit": 1000}).json()
    mine = expected_labels("zj-housing", {"lead", "support", "co_responsible"})
    partners = {p["department"]["id"]: p for p in body["partners"]}
    # 省农业农村厅 supports 省建设厅's (十四) and both appear in (三)
    agri = partners["zj-agriculture"]
    shared = {t["label"] for t in agri["tasks"]}
    assert shared == mine & expected_labels("zj-agriculture", {"lead", "support", "co_responsible"})
    assert agri["count"] == len(shared)
    assert "zj-housing" not in partners
    counts = [p["count"] for p in body["partners"]]
    assert counts == sorted(counts, reverse=True)


def test_paging_and_link_headers(client):
    full = get_tasks(client, "省建设厅", "lead")
    first = client.get(f"/api/v1/departments/{quote('省建设厅')}/tasks", params={"role": "lead", "limit": 3})
    second = client.get(f"/api/v1/departments/{quote('省建设厅')}/tasks",
                        params={"role": "lead", "limit": 3, "offset": 3})
    assert first.json()["total"] == full["total"]
    assert [t["id"] for t in first.json()["tasks"] + second.json()["tasks"]] == [t["id"] for t in full["tasks"]][:6]
    assert 'rel="next"' in first.headers["link"]
    assert 'rel="prev"' in second.headers["link"]
    assert first.headers["x-total-count"] == str(full["total"])


def test_etag_and_conditional_get(client):
    url = f"/api/v1/departments/{quote('省建设厅')}/tasks?role=lead"
    first = client.get(url)
    etag = first.headers["etag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(url, headers={"If-None-Match": f'W/{etag}, "other"'}).status_code == 304
    assert client.get(url, headers={"If-None-Match": '"stale"'}).status_code == 200
    other = client.get(f"/api/v1/departments/{quote('省建设厅')}/tasks?role=support")
    assert other.headers["etag"] != etag


def test_bad_role_is_a_validation_problem(client):
    response = client.get(f"/api/v1/departments/{quote('省建设厅')}/tasks", params={"role": "boss"})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["location"] == ["query", "role"]
