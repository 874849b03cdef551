"""Networks of some documents: ``?year=`` / ``?document=`` on the views, the latest year by
default beyond ``VIEW_DOCUMENTS`` documents, projections read per document, and a layout
for networks of thousands of nodes (networkx would need scipy from 500 on)."""

from __future__ import annotations

import re

import networkx as nx
import pytest
from fastapi.testclient import TestClient

from fengong import projections
from fengong.api.app import close, create_app
from fengong.api.routers import viz
from fengong.api.settings import Settings
from fengong.store import open_store
from fengong.views.data import GraphFacts
from fengong.views.layout import LARGE, spring_positions


@pytest.fixture(scope="module")
def docs(sample_doc, sample_text):
    from fengong.extract import extract_text

    return sample_doc, extract_text(sample_text.replace("〔2023〕388号", "〔2024〕399号"), source="2024.txt")


@pytest.fixture(scope="module", params=["oxigraph", "memory"])
def stores(request, docs):
    both, first = open_store(request.param), open_store(request.param)
    both.add_documents(list(docs))
    first.add_documents([docs[0]])
    return both, first


def test_projections_of_some_documents_are_those_of_a_store_holding_only_them(stores, docs):
    both, first = stores
    ids = [docs[0].id]
    assert projections._read_rows(both, ids) == projections._read_rows(first, None)
    for project in (projections.responsibility_graph, projections.coordination_graph):
        alone, scoped = project(first), project(both, documents=ids)
        assert nx.utils.graphs_equal(alone, scoped)
        assert sorted(alone.nodes(data=True)) == sorted(scoped.nodes(data=True))
    assert nx.utils.graphs_equal(projections.lead_support_graph(first), projections.lead_support_graph(both, ids))
    assert GraphFacts.load(first).tasks == GraphFacts.load(both, ids).tasks
    # All documents listed: the same as none listed.
    assert projections._read_rows(both, [d.id for d in docs]) == projections._read_rows(both, None)


def test_projections_of_some_documents_of_an_rdflib_graph(docs):
    from fengong.rdf import build_graph

    both, first = build_graph(list(docs)), build_graph([docs[0]])
    assert projections._read_rows(both, [docs[0].id]) == projections._read_rows(first, None)
    assert nx.utils.graphs_equal(projections.responsibility_graph(both, documents=[docs[0].id]),
                                 projections.responsibility_graph(first))


def task_nodes(html: str) -> set[str]:
    return set(re.findall(r'"t:((?:19|20)[0-9]{2}-[0-9a-f]{8})-t[0-9]+"', html))


@pytest.fixture()
def client(stores, monkeypatch):
    app = create_app(Settings(), stores[0])
    with TestClient(app) as c:
        yield c, monkeypatch
    close(app)


def test_views_of_a_year_a_document_or_all(client, docs):
    c, _ = client
    old, new = docs
    for path in ("/viz/department/省建设厅", "/viz/coordination", "/viz/responsibility"):
        assert task_nodes(c.get(path + "?year=2024").text) <= {new.id}
        assert task_nodes(c.get(path + f"?document={old.id}").text) <= {old.id}
        page = c.get(path).text  # two documents: under VIEW_DOCUMENTS, all of them
        assert "文件范围:全部 2 份文件" in page and 'href="' in page
    assert task_nodes(c.get("/viz/department/省建设厅?year=2024").text) == {new.id}
    assert task_nodes(c.get("/viz/responsibility?year=all").text) == {old.id, new.id}
    # A partner's link keeps the year.
    assert "/viz/department/zj-drc?year=2024" in c.get("/viz/department/省建设厅?year=2024").text
    bad = c.get("/viz/coordination?year=twenty")
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")


def test_beyond_view_documents_a_view_shows_the_latest_year(client, docs):
    c, monkeypatch = client
    old, new = docs
    monkeypatch.setattr(viz, "VIEW_DOCUMENTS", 1)
    page = c.get("/viz/department/省建设厅").text
    assert task_nodes(page) == {new.id}
    assert "文件范围:2024年 1 份文件" in page
    for year in ("2023", "2024", "all"):
        assert f'href="/viz/department/zj-housing?year={year}"' in page
    assert task_nodes(c.get("/viz/department/省建设厅?year=all").text) == {old.id, new.id}
    for path in ("/viz/region/杭州", "/viz/regions"):
        page = c.get(path).text
        assert task_nodes(page) == {new.id}, path
        assert "文件范围:2024年 1 份文件" in page
    assert task_nodes(c.get("/viz/region/杭州?year=2023").text) == {old.id}
    assert task_nodes(c.get("/viz/section/1").text) == {new.id}
    assert task_nodes(c.get(f"/viz/section/1?doc={old.id}").text) == {old.id}
    home = c.get("/").text  # sections and regions of the latest year, said so
    assert "2024年 1 份文件" in home


def test_large_networks_are_laid_out_without_scipy():
    graph = nx.complete_bipartite_graph(20, LARGE + 100)
    pos = spring_positions(graph)
    assert set(pos) == set(graph.nodes)
    assert pos == spring_positions(graph)
    assert len(set(pos.values())) > LARGE  # spread out, not piled on a few points


# --- analyses and exports: the same scopes --------------------------------------------------


def test_analyses_and_exports_cover_a_year_a_document_or_all(client, docs):
    from fengong.api.routers import analysis

    c, monkeypatch = client
    old, new = docs
    both = c.get("/api/v1/analysis/workload").json()  # two documents: all of them
    assert both["documents"] == sorted([old.id, new.id]) and both["scope"]["year"] is None
    assert c.get("/api/v1/analysis/workload?year=2023").json()["documents"] == [old.id]
    one = c.get(f"/api/v1/analysis?document={new.id}").json()
    assert one["documents"] == [new.id] and one["scope"]["document"] == new.id
    lead = {w["department"]: w["lead"] for w in one["workload"]}
    assert lead["zj-housing"] == {w["department"]: w["lead"] for w in both["workload"]}["zj-housing"] // 2

    monkeypatch.setattr(analysis, "MANY_DOCUMENTS", 1)  # now "many": the latest year by default
    latest = c.get("/api/v1/analysis/coordination").json()
    assert latest["documents"] == [new.id] and latest["scope"] == {
        "document": None, "year": "2024", "total_documents": 2}
    assert c.get("/api/v1/analysis/warnings?year=all").json()["documents"] == sorted([old.id, new.id])
    matrix = c.get("/api/v1/analysis/matrix").json()
    assert {row["task"].rsplit("-t", 1)[0] for row in matrix["rows"]} == {new.id}
    csv = c.get("/api/v1/exports/matrix.csv")
    assert csv.status_code == 200 and "responsibility-matrix-2024.csv" in csv.headers["content-disposition"]
    assert new.id in csv.text and old.id not in csv.text
    assert old.id in c.get("/api/v1/exports/targets.csv?year=all").text

    for bad, status in (("year=2024-2023", 422), ("year=twenty", 422), ("document=1999-00000000", 404)):
        response = c.get(f"/api/v1/analysis/workload?{bad}")
        assert response.status_code == status, bad
        assert response.headers["content-type"].startswith("application/problem+json")


def test_analyses_are_answered_once_per_generation(client, docs):
    from fengong.analysis import facts

    c, monkeypatch = client
    reads = []
    read = facts.read_facts
    monkeypatch.setattr("fengong.api.routers.analysis.read_facts", lambda *a: reads.append(a) or read(*a))
    first = c.get("/api/v1/analysis/workload?year=2024")
    again = c.get("/api/v1/analysis/workload?year=2024", headers={"If-None-Match": first.headers["etag"]})
    c.get("/api/v1/analysis/warnings?year=2024")
    c.get("/api/v1/exports/matrix.csv?year=2024")
    assert first.status_code == 200 and again.status_code == 304
    assert len(reads) == 1  # one read of the facts for the four answers of that year
