"""``/api/v1/graph``: one document's graph, and the whole graph written to a file once per
store generation and streamed from it (a store of 1,000 documents is a gigabyte of
N-Quads: built in memory per request, it took 2 GB of the server's memory)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from rdflib import Dataset, Graph, URIRef

from fengong.api.app import close, create_app
from fengong.api.settings import Settings
from fengong.rdf import department_iri, document_iri
from fengong.store import open_store

FIXTURES = Path(__file__).resolve().parent / "fixtures"
LABEL = URIRef("http://www.w3.org/2004/02/skos/core#prefLabel")


@pytest.fixture(scope="module")
def docs(sample_doc):
    from fengong.extract import extract_file

    return sample_doc, extract_file(FIXTURES / "zhejiang-2024-edited.txt")


@pytest.fixture(params=["oxigraph", "memory"])
def app_and_store(request, docs):
    store = open_store(request.param)
    store.add_documents([docs[0]])
    app = create_app(Settings(), store)
    yield app, store
    close(app)


def test_one_documents_graph_with_the_registry(app_and_store, docs):
    app, store = app_and_store
    store.add_documents([docs[1]])
    old, new = docs
    with TestClient(app) as client:
        response = client.get("/api/v1/graph", params={"document": new.id, "format": "nquads"})
        assert response.status_code == 200 and response.headers["content-type"].startswith("application/n-quads")
        ds = Dataset()
        ds.parse(data=response.content, format="nquads")
        names = {str(g.identifier) for g in ds.graphs() if len(g)}
        assert names == {str(store.graph_iri(new.id)), "https://w3id.org/fengong/id/graph/registry"}
        union = Graph().parse(data=client.get("/api/v1/graph", params={"document": new.id}).content,
                              format="turtle")
        assert (document_iri(new.id), None, None) in union and (document_iri(old.id), None, None) not in union
        assert (department_iri("zj-housing"), LABEL, None) in union  # the names come with it
        missing = client.get("/api/v1/graph", params={"document": "1999-00000000"})
        assert missing.status_code == 404 and missing.json()["type"].endswith("/unknown-document")


def test_the_whole_graph_is_written_once_per_generation_and_streamed(app_and_store, docs):
    app, store = app_and_store
    old, new = docs
    with TestClient(app) as client:
        first = client.get("/api/v1/graph", params={"format": "nquads"})
        assert first.status_code == 200 and int(first.headers["content-length"]) == len(first.content)
        again = client.get("/api/v1/graph", params={"format": "nquads"},
                           headers={"If-None-Match": first.headers["etag"]})
        assert again.status_code == 304
        (written,) = list(app.state.dump_files._dir.iterdir())
        assert written.read_bytes() == first.content

        store.add_documents([new])  # a new generation: a new file, the old one deleted
        after = client.get("/api/v1/graph", params={"format": "nquads"})
        assert after.headers["etag"] != first.headers["etag"]
        assert str(store.graph_iri(new.id)).encode() in after.content
        assert str(store.graph_iri(old.id)).encode() in after.content
        assert not written.exists() and len(list(app.state.dump_files._dir.iterdir())) == 1

        quads = Dataset()
        quads.parse(data=after.content, format="nquads")
        union = Graph().parse(data=client.get("/api/v1/graph").content, format="turtle")
        assert len(union) == len({(s, p, o) for s, p, o, _ in quads.quads((None, None, None, None))})
    close(app)
    assert app.state.dump_files._dir is None  # closing the app deletes the files
