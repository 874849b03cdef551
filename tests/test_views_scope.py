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
