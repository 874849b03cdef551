"""Lists and questions restricted to a document or to years: 「省建设厅 these three years:
what did it lead?」 over two versions of the sample, one of 2023 and one of 2024."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from fengong.api.app import close, create_app
from fengong.api.settings import Settings
from fengong.model import Role
from fengong.scope import Scope
from fengong.store import open_store


@pytest.fixture(scope="module")
def docs(sample_doc, sample_text):
    from fengong.extract import extract_text

    later = extract_text(sample_text.replace("〔2023〕388号", "〔2024〕399号"), source="2024.txt")
    assert sample_doc.id.startswith("2023-") and later.id.startswith("2024-")
    return sample_doc, later


@pytest.fixture(scope="module", params=["oxigraph", "memory"])
def client(request, docs):
    store = open_store(request.param)
    store.add_documents(list(docs))
    app = create_app(Settings(), store)
    with TestClient(app) as c:
        yield c, store
    close(app)


def lead_ids(doc) -> list[str]:
    return sorted({f"{doc.id}-t{item.number}" for item in doc.items for clause in item.clauses
                   for a in clause.assignments if a.department == "zj-housing" and a.role == Role.LEAD})


def ids(response) -> list[str]:
    assert response.status_code == 200, response.text
    return sorted(t["id"] for t in response.json()["tasks"])


def test_a_departments_tasks_of_a_year_a_span_of_years_or_a_document(client, docs):
    c, _ = client
    old, new = docs
    url = "/api/v1/departments/省建设厅/tasks?role=lead"
    assert ids(c.get(url)) == sorted(lead_ids(old) + lead_ids(new))
    assert ids(c.get(url + "&year=2024")) == lead_ids(new)
    assert ids(c.get(url + "&year=2023-2024")) == sorted(lead_ids(old) + lead_ids(new))
    assert ids(c.get(url + f"&document={old.id}")) == lead_ids(old)
    assert ids(c.get(url + f"&document={old.id}&year=2024")) == []
    assert ids(c.get(url + "&year=2030")) == []
    r = c.get(url + "&year=2024&limit=2")
    body = r.json()
    assert body["total"] == len(lead_ids(new)) and body["year"] == "2024"
    # The next page keeps the years.
    assert "/api/v1/departments/zj-housing/tasks?role=lead&year=2024&limit=2&offset=2" in r.headers["link"]


def test_bad_years_are_422_problems(client):
    c, _ = client
    for year in ("23", "2023-", "２０２３", "2023-2021", "1800"):
        r = c.get("/api/v1/departments/zj-housing/tasks", params={"year": year})
        assert r.status_code == 422, (year, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")


def test_partners_tasks_and_documents_by_year(client, docs):
    c, _ = client
    old, new = docs
    every = c.get("/api/v1/departments/zj-housing/partners?limit=1000").json()["partners"]
    later = c.get("/api/v1/departments/zj-housing/partners?limit=1000&year=2024").json()["partners"]
    assert {p["department"]["id"] for p in later} == {p["department"]["id"] for p in every}
    for partner in later:
        assert partner["tasks"] and all(t["document"] == new.id for t in partner["tasks"])
        assert partner["count"] * 2 == next(p["count"] for p in every if p["department"] == partner["department"])
    tasks = c.get("/api/v1/tasks?year=2024&limit=1000").json()
    assert tasks["total"] == len(new.items) and {t["document"] for t in tasks["tasks"]} == {new.id}
    assert [d["id"] for d in c.get("/api/v1/documents?year=2023").json()["documents"]] == [old.id]


def test_a_question_with_years_and_the_sparql_it_shows(client, docs):
    c, store = client
    old, new = docs
    body = c.get("/api/v1/ask", params={"q": "2024年省建设厅牵头了哪些任务?"}).json()
    assert body["parsed"]["years"] == [2024, 2024]
    assert body["summary"].startswith(f"省建设厅2024年牵头{len(lead_ids(new))}项任务")
    assert sorted(t["id"] for t in body["answer"]["tasks"]) == lead_ids(new)
    # The query it shows, run as it is, finds the same tasks.
    found = {str(row[0]).rsplit("/task/", 1)[0].rsplit("/", 1)[1] + "-t" + str(row[0]).rsplit("/", 1)[1]
             for row in store.query(body["sparql"]).rows}
    assert sorted(found) == lead_ids(new)
    span = c.get("/api/v1/ask", params={"q": "省建设厅2023年至2024年牵头哪些任务"}).json()
    assert span["answer"]["total"] == len(lead_ids(old)) + len(lead_ids(new))


def test_scope_reads_years_from_document_ids():
    scope = Scope.parse(year="2021-2023")
    assert [scope.covers(d) for d in ("2020-aa", "2021-aa", "2023-aa", "2024-aa", "doc-aa", None)] == [
        False, True, True, False, False, False]
    assert Scope.parse(document="2023-aa").covers("2023-aa") and not Scope.parse(document="2023-aa").covers("2023-ab")
    assert Scope.parse(year="2023").params() == [("year", "2023")]
    with pytest.raises(ValueError):
        Scope.parse(year="twenty")
