"""The query-side tests of the W3C SPARQL 1.1 Protocol test suite, for a read-only endpoint.

Test names are those of the W3C manifest (http://www.w3.org/2009/sparql/docs/tests/
data-sparql11/protocol/manifest#…). Decisions for a read-only endpoint that never loads
anything from a URL:

- the ``query_dataset_*`` and ``query_multiple_dataset`` tests send ``default-graph-uri`` /
  ``named-graph-uri``, which name graphs the service would have to *fetch*: the endpoint
  refuses them with 400 (the protocol lets a service refuse a dataset it does not serve;
  the W3C validator notes "returns 400 otherwise"). These tests check the refusal;
- the ``update_*`` tests do not apply (no update endpoint); an update sent to the query
  endpoint is refused with 400 (``bad_update_get`` and friends).
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import RDF

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
DATA0 = "http://kasei.us/2009/09/sparql/data/data0.rdf"  # the graph the W3C tests name
SELECT = "SELECT ?s WHERE { ?s a <https://w3id.org/fengong/ns#Task> } LIMIT 2"
ASK = "ASK { ?s a <https://w3id.org/fengong/ns#Task> }"
CONSTRUCT = "CONSTRUCT { ?s a ?t } WHERE { ?s a ?t . FILTER(?t = <https://w3id.org/fengong/ns#Task>) } LIMIT 3"
DESCRIBE = "DESCRIBE <https://w3id.org/fengong/id/department/zj-housing>"

RESULT_TYPES = {"application/sparql-results+xml", "application/sparql-results+json", "text/csv",
                "text/tab-separated-values"}
RDF_TYPES = {"application/rdf+xml", "text/turtle", "application/n-triples"}


@pytest.fixture(scope="module")
def client(sample_doc):
    from fengong.api.app import close, create_app
    from fengong.api.settings import Settings
    from fengong.store import open_store

    store = open_store("oxigraph")
    store.add_documents([sample_doc])
    app = create_app(Settings(), store)
    with TestClient(app) as c:
        yield c
    close(app)


def media(response) -> str:
    return response.headers["content-type"].split(";")[0].strip()


# --- positive tests -------------------------------------------------------------------------


def test_query_get(client):
    """query_get: query via GET."""
    response = client.get("/sparql", params={"query": ASK})
    assert response.status_code == 200
    assert media(response) == "application/sparql-results+json"
    assert response.json()["boolean"] is True


def test_query_post_form(client):
    """query_post_form: query via URL-encoded POST."""
    response = client.post("/sparql", data={"query": ASK},
                           headers={"Accept": "application/sparql-results+xml"})
    assert response.status_code == 200
    assert media(response) == "application/sparql-results+xml"
    assert "<boolean>true</boolean>" in response.text


def test_query_post_direct(client):
    """query_post_direct: query via POST directly (application/sparql-query)."""
    response = client.post("/sparql", content=SELECT.encode("utf-8"),
                           headers={"Content-Type": "application/sparql-query"})
    assert response.status_code == 200
    assert len(response.json()["results"]["bindings"]) == 2


@pytest.mark.parametrize("accept", sorted(RESULT_TYPES))
def test_query_content_type_select(client, accept):
    """query_content_type_select: SELECT answers one of XML, JSON, CSV, TSV."""
    response = client.get("/sparql", params={"query": SELECT}, headers={"Accept": accept})
    assert response.status_code == 200
    assert media(response) == accept


def test_query_content_type_select_default(client):
    """query_content_type_select (no preference): still a results format."""
    response = client.get("/sparql", params={"query": SELECT}, headers={"Accept": "*/*"})
    assert media(response) in RESULT_TYPES


def test_select_results_formats_agree(client):
    json_rows = client.get("/sparql", params={"query": SELECT}).json()["results"]["bindings"]
    csv_lines = client.get("/sparql", params={"query": SELECT}, headers={"Accept": "text/csv"}).text.split("\r\n")
    tsv_lines = client.get("/sparql", params={"query": SELECT},
                           headers={"Accept": "text/tab-separated-values"}).text.splitlines()
    assert csv_lines[0] == "s" and tsv_lines[0] == "?s"
    assert csv_lines[1:3] == [r["s"]["value"] for r in json_rows]
    assert tsv_lines[1:3] == [f"<{r['s']['value']}>" for r in json_rows]


@pytest.mark.parametrize("accept", ["application/sparql-results+xml", "application/sparql-results+json"])
def test_query_content_type_ask(client, accept):
    """query_content_type_ask: ASK answers XML or JSON."""
    response = client.get("/sparql", params={"query": ASK}, headers={"Accept": accept})
    assert response.status_code == 200 and media(response) == accept


def test_query_content_type_ask_without_csv(client):
    """An ASK result has no CSV form: 406 rather than something else."""
    response = client.get("/sparql", params={"query": ASK}, headers={"Accept": "text/csv"})
    assert response.status_code == 406


@pytest.mark.parametrize("query", [DESCRIBE, CONSTRUCT], ids=["query_content_type_describe",
                                                            "query_content_type_construct"])
@pytest.mark.parametrize("accept,fmt", [("application/rdf+xml", "xml"), ("text/turtle", "turtle"),
                                        ("application/n-triples", "nt"), ("application/ld+json", "json-ld"),
                                        ("*/*", "turtle")])
def test_query_content_type_graph(client, query, accept, fmt):
    """query_content_type_describe / query_content_type_construct: RDF/XML, Turtle, N-Triples (and JSON-LD)."""
    response = client.get("/sparql", params={"query": query}, headers={"Accept": accept})
    assert response.status_code == 200
    assert media(response) in RDF_TYPES | {"application/ld+json"}
    g = Graph().parse(data=response.content, format=fmt)
    assert len(g) > 0


def test_graph_result_refuses_results_formats(client):
    response = client.get("/sparql", params={"query": CONSTRUCT},
                          headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 406
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("name,method,params", [
    ("query_dataset_default_graph", "GET", {"default-graph-uri": [DATA0]}),
    ("query_dataset_default_graphs_get", "GET", {"default-graph-uri": [DATA0, DATA0 + "#2"]}),
    ("query_dataset_default_graphs_post", "POST", {"default-graph-uri": [DATA0, DATA0 + "#2"]}),
    ("query_dataset_named_graphs_post", "POST", {"named-graph-uri": [DATA0]}),
    ("query_dataset_named_graphs_get", "GET", {"named-graph-uri": [DATA0]}),
    ("query_dataset_full", "GET", {"default-graph-uri": [DATA0], "named-graph-uri": [DATA0]}),
    ("query_multiple_dataset", "GET", {"default-graph-uri": [DATA0]}),
])
def test_query_dataset_is_refused_by_design(client, name, method, params):
    """query_dataset_*: a protocol dataset would make the service fetch URLs; refused (400)."""
    query = "ASK { ?s ?p ?o }" if name != "query_multiple_dataset" else f"ASK FROM <{DATA0}> {{ ?s ?p ?o }}"
    items = [("query", query)] + [(k, v) for k, values in params.items() for v in values]
    if method == "GET":
        response = client.get("/sparql", params=items)
    else:
        response = client.post("/sparql", content=urlencode(items).encode(),
                               headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 400, name
    assert "graph" in response.json()["detail"]


def test_service_description(client):
    """A GET without a query returns the SPARQL 1.1 Service Description (Turtle)."""
    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and media(response) == "text/turtle"
    g = Graph().parse(data=response.content, format="turtle")
    service = next(g.subjects(RDF.type, SD.Service))
    assert (service, SD.endpoint, URIRef("http://testserver/sparql")) in g
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in g
    assert (service, SD.feature, SD.UnionDefaultGraph) in g
    names = set(g.objects(None, SD.name))
    assert URIRef("https://w3id.org/fengong/id/graph/registry") in names


# --- negative tests ---------------------------------------------------------------------------


def test_bad_query_method(client):
    """bad_query_method: a method other than GET or POST."""
    assert client.put("/sparql", params={"query": "ASK {}"}).status_code == 405
    assert client.delete("/sparql", params={"query": "ASK {}"}).status_code == 405


@pytest.mark.parametrize("dataset", [False, True], ids=["plain", "as_w3c"])
def test_bad_multiple_queries(client, dataset):
    """bad_multiple_queries: more than one query string."""
    items = [("query", "ASK {}"), ("query", "SELECT * {}")] + ([("default-graph-uri", DATA0)] if dataset else [])
    assert client.get("/sparql", params=items).status_code == 400
    body = "query=ASK%20%7B%7D&query=SELECT%20%2A%20%7B%7D"
    response = client.post("/sparql", content=body.encode(),
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 400


def test_bad_query_wrong_media_type(client):
    """bad_query_wrong_media_type: POST with a type that is neither form nor sparql-query."""
    response = client.post("/sparql", content=b"ASK {}", headers={"Content-Type": "text/plain"})
    assert response.status_code == 415


def test_bad_query_missing_form_type(client):
    """bad_query_missing_form_type: URL-encoded body without its media type."""
    response = client.post("/sparql", content=b"query=ASK%20%7B%7D")
    assert response.status_code == 415


def test_bad_query_missing_direct_type(client):
    """bad_query_missing_direct_type: SPARQL body without application/sparql-query."""
    response = client.post("/sparql", content=b"ASK {}")
    assert response.status_code == 415


def test_bad_query_non_utf8(client):
    """bad_query_non_utf8: direct POST in UTF-16."""
    response = client.post("/sparql", content="ASK {}".encode("utf-16"),
                           headers={"Content-Type": "application/sparql-query; charset=UTF-16"})
    assert 400 <= response.status_code < 500
    response = client.post("/sparql", content="ASK {}".encode("utf-16"),
                           headers={"Content-Type": "application/sparql-query"})
    assert response.status_code == 400


@pytest.mark.parametrize("query", ["ASK {", "SELECT * WHERE { ?s ?p }", "SELEKT * { ?s ?p ?o }", "ASK { ?s ?p ?o } }",
                                   "SELECT ?x WHERE { ?x <unterminated ?y }", "SELECT * WHERE { ?s ?p \"open }"])
def test_bad_query_syntax(client, query):
    """bad_query_syntax: invalid query syntax answers 4XX."""
    response = client.get("/sparql", params={"query": query})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")


def test_bad_update_get(client):
    """bad_update_get: an update via GET (and any update at this read-only endpoint)."""
    response = client.get("/sparql", params={"update": "CLEAR ALL"})
    assert response.status_code == 400


def test_bad_multiple_updates_and_update_types(client):
    """bad_multiple_updates / bad_update_wrong_media_type: refused like every update."""
    body = "update=CLEAR%20ALL&update=CLEAR%20ALL"
    response = client.post("/sparql", content=body.encode(), headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 400
    response = client.post("/sparql", content=b"CLEAR ALL", headers={"Content-Type": "application/sparql-update"})
    assert response.status_code == 400


def test_sparqlwrapper_client_interoperates(client, sample_doc):
    """A stock SPARQL client (SPARQLWrapper) against the endpoint on a loopback port."""
    SPARQLWrapper = pytest.importorskip("SPARQLWrapper")
    from test_api_safety import Server

    server = Server(client.app)
    try:
        sparql = SPARQLWrapper.SPARQLWrapper(f"{server.url}/sparql")
        sparql.setQuery(SELECT)
        sparql.setReturnFormat(SPARQLWrapper.JSON)
        rows = sparql.query().convert()["results"]["bindings"]
        assert len(rows) == 2
        sparql.setMethod(SPARQLWrapper.POST)
        sparql.setQuery(ASK)
        assert sparql.query().convert()["boolean"] is True
    finally:
        server.stop()
