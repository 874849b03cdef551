"""The store contract: the same tests on rdflib in memory, Oxigraph (in memory and on disk)
and a real Virtuoso started by the tests (SPARQL Update, and the Graph Store Protocol)."""

from __future__ import annotations

import copy
import os
from decimal import Decimal
import subprocess
import sys
import textwrap
import time

import pyoxigraph as ox
import pytest
from rdflib import XSD, Literal, URIRef
from virtuoso import clear_fengong_graphs, virtuoso  # noqa: F401  (fixture)

from fengong.model import Role
from fengong.rdf import DEFAULT_BASE, department_iri, document_iri, graph_iri, task_iri
from fengong.store import QueryError, QueryTimeout, StoreUnavailable
from fengong.store.base import documents_quads
from fengong.store.memory import MemoryStore
from fengong.store.ntriples import term
from fengong.store.oxigraph import OxigraphStore, to_oxigraph

FG = "https://w3id.org/fengong/ns#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
NUMERIC = {str(XSD.decimal), str(XSD.integer), str(XSD.double)}
JST = department_iri("zj-housing")  # 省建设厅
LEADS = f"PREFIX fg: <{FG}> SELECT DISTINCT ?id WHERE {{ ?dept fg:leads ?task . ?task fg:id ?id }}"
LEADS_PROJECTED = f"PREFIX fg: <{FG}> SELECT DISTINCT ?dept ?id WHERE {{ ?dept fg:leads ?task . ?task fg:id ?id }}"
LEAD_COUNT = (f"PREFIX fg: <{FG}> SELECT (COUNT(DISTINCT ?task) AS ?n) WHERE {{ ?dept fg:leads ?task }}")

BACKENDS = [
    "memory",
    "oxigraph-memory",
    "oxigraph-disk",
    pytest.param("virtuoso", marks=pytest.mark.virtuoso),
    pytest.param("virtuoso-gsp", marks=pytest.mark.virtuoso),
]


@pytest.fixture(params=BACKENDS)
def new_store(request, tmp_path):
    """A factory of empty stores of one backend (several for round trips)."""
    kind = request.param
    made = []

    def make():
        if kind == "memory":
            store = MemoryStore()
        elif kind == "oxigraph-memory":
            store = OxigraphStore()
        elif kind == "oxigraph-disk":
            store = OxigraphStore(tmp_path / f"store{len(made)}")
        else:
            server = request.getfixturevalue("virtuoso")
            store = server.store(graph_store_url=server.graph_store_url if kind == "virtuoso-gsp" else None)
            clear_fengong_graphs(store)
        made.append(store)
        return store

    yield make
    for store in made:
        if kind.startswith("virtuoso"):
            clear_fengong_graphs(store)
        store.close()


@pytest.fixture
def store(new_store):
    return new_store()


@pytest.fixture(scope="module")
def other_doc(sample_text):
    """The sample under another document number: another document id, same content."""
    from fengong.extract import extract_text

    return extract_text(sample_text.replace("〔2023〕388号", "〔2023〕399号"), source="other.txt")


def lead_tasks(doc, department="zj-housing") -> set[str]:
    return {f"{doc.id}-t{item.number}" for item in doc.items for clause in item.clauses
            for a in clause.assignments if a.department == department and a.role == Role.LEAD}


def _key(node) -> str:
    """A pyoxigraph term as comparable text. Stores keep the value of a number, not its
    lexical form (Oxigraph writes the xsd:decimal "1500.0" as "1500"): numbers by value."""
    if isinstance(node, ox.Literal) and node.datatype.value in NUMERIC:
        return f"{Decimal(node.value).normalize()}^^{node.datatype.value}"
    return str(node)


def reference_quads(docs) -> set:
    """What a store must hold after adding ``docs``: the built quads."""
    return {(str(to_oxigraph(s)), str(to_oxigraph(p)), _key(to_oxigraph(o)), str(to_oxigraph(g)))
            for g, triples in documents_quads(docs, DEFAULT_BASE).items() for s, p, o in triples}


def quads_of(dump: bytes) -> set:
    """The quads of an N-Quads dump (parsed by Oxigraph: rdflib's parser is slow)."""
    return {(str(q.subject), str(q.predicate), _key(q.object), str(q.graph_name))
            for q in ox.parse(dump, format=ox.RdfFormat.N_QUADS)}


def graph_quads(quads: set, docid: str) -> set:
    name = f"<{graph_iri(docid)}>"
    return {q for q in quads if q[3] == name}


# --- adding and asking --------------------------------------------------------------------


def test_add_the_sample(store, sample_doc):
    assert store.document_ids() == []
    assert store.add_documents([sample_doc]) == [sample_doc.id]
    assert store.document_ids() == [sample_doc.id]
    assert quads_of(store.dump("nquads")) == reference_quads([sample_doc])


def test_lead_tasks_of_the_construction_department_by_binding(store, sample_doc, other_doc):
    store.add_documents([sample_doc, other_doc])
    expected = lead_tasks(sample_doc) | lead_tasks(other_doc)
    assert len(expected) == 16  # 8 tasks in each document
    # The bound variable is not projected (Oxigraph binds it by VALUES then) …
    found = {str(v) for v in store.query(LEADS, {"dept": JST}).values("id")}
    assert found == expected
    # … or projected (Oxigraph substitutes it); either way it is in the results.
    rows = store.select(LEADS_PROJECTED, {"dept": JST})
    assert {str(r["id"]) for r in rows} == expected and {r["dept"] for r in rows} == {JST}
    # An aggregate sees the binding before grouping.
    (n,) = store.query(LEAD_COUNT, {"dept": JST}).values("n")
    assert int(n) == 16
    # Another department, another answer.
    other = {str(v) for v in store.query(LEADS, {"dept": department_iri("zj-drc")}).values("id")}
    assert other == lead_tasks(sample_doc, "zj-drc") | lead_tasks(other_doc, "zj-drc") and other != expected


def test_bound_values_never_become_query_text(store, sample_doc):
    store.add_documents([sample_doc])
    hostile = ['"} ?s ?p ?o . FILTER("1"="1', "x> . ?s ?p ?o } #", "\\\"'\n}"]
    for value in hostile:
        for query in (LEADS, LEADS_PROJECTED):
            assert store.select(query, {"dept": Literal(value)}) == []
            # Not an IRI at all: no rows, or refused as a bad query; never more rows.
            try:
                rows = store.select(query, {"dept": URIRef("https://example.org/" + value.replace(" ", "%20"))})
            except QueryError:
                continue
            assert rows == []


def test_typed_and_language_bindings(store, sample_doc):
    store.add_documents([sample_doc])
    title = f"PREFIX fg: <{FG}> PREFIX dct: <http://purl.org/dc/terms/> SELECT ?title WHERE {{ ?t fg:ordinal ?n ; a fg:Task ; dct:title ?title }}"
    rows = store.query(title, {"n": Literal(13)}).values("title")
    assert [str(t) for t in rows] == [sample_doc.items[12].title]
    who = (f"PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
           f"SELECT ?d WHERE {{ ?d skos:prefLabel ?name }}")
    assert store.query(who, {"name": Literal("浙江省住房和城乡建设厅", lang="zh")}).values("d") == [JST]


def test_query_forms_and_refusals(store, sample_doc):
    store.add_documents([sample_doc])
    doc = document_iri(sample_doc.id)
    assert store.query(f"ASK {{ ?doc a <{FG}WorkPlan> }}", {"doc": doc}).boolean is True
    assert store.query(f"ASK {{ ?doc a <{FG}Task> }}", {"doc": doc}).boolean is False
    graph = store.query(f"CONSTRUCT {{ ?doc ?p ?o }} WHERE {{ ?doc ?p ?o }}", {"doc": doc}).graph
    assert (doc, URIRef(f"{FG}id"), Literal(sample_doc.id)) in graph
    capped = store.query(f"SELECT ?t WHERE {{ ?t a <{FG}Task> }}", max_rows=5)
    assert len(capped.rows) == 5 and capped.truncated
    whole = store.query(f"SELECT ?t WHERE {{ ?t a <{FG}Task> }}", max_rows=1000)
    assert len(whole.rows) == 32 and not whole.truncated
    for bad in ["SELECT ?s WHERE { ?s ?p ", f"INSERT DATA {{ <{doc}> <{FG}x> 1 }}",
                f"SELECT * WHERE {{ ?s ?p ?o }} ; DELETE WHERE {{ <{doc}> ?p ?o }}"]:
        with pytest.raises(QueryError):
            store.query(bad)
    assert store.document_ids() == [sample_doc.id]
    assert store.count((doc, None, None)) > 0


def test_service_is_refused(store):
    """Federated queries would reach out of the machine (fengong runs offline)."""
    for query in ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
                  "SELECT * WHERE { SER\\u0056ICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"):
        with pytest.raises(QueryError, match="SERVICE"):
            store.query(query)


def test_timeout_stops_a_runaway_query(store, sample_doc):
    store.add_documents([sample_doc])
    with pytest.raises(QueryTimeout):
        store.query("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", timeout=0.2)


# --- writing ------------------------------------------------------------------------------


def test_adding_again_changes_nothing(store, sample_doc):
    store.add_documents([sample_doc])
    before = quads_of(store.dump("nquads"))
    store.add_documents([sample_doc])
    store.add_documents([copy.deepcopy(sample_doc)])
    assert quads_of(store.dump("nquads")) == before
    assert store.document_ids() == [sample_doc.id]


def test_re_adding_replaces_the_documents_graph(store, sample_doc):
    store.add_documents([sample_doc])
    changed = copy.deepcopy(sample_doc)
    changed.document.title = "改过的标题"
    changed.items = changed.items[:3]
    store.add_documents([changed])
    held = graph_quads(quads_of(store.dump("nquads")), sample_doc.id)
    assert held == graph_quads(reference_quads([changed]), sample_doc.id)
    assert len(held) < len(graph_quads(reference_quads([sample_doc]), sample_doc.id))
    assert store.count((task_iri(sample_doc.id, 4), None, None)) == 0
    # The departments only the dropped tasks named are no longer described.
    from fengong.store.orphans import orphans

    assert orphans(store) == []
    described = {q[0] for q in quads_of(store.dump("nquads")) if q[1] == f"<{RDF_TYPE}>"
                 and q[2] in (f"<{FG}Department>", f"<{FG}Region>")}
    expected = {q[0] for q in reference_quads([changed]) if q[1] == f"<{RDF_TYPE}>"
                and q[2] in (f"<{FG}Department>", f"<{FG}Region>")}
    assert described == expected


def test_remove(store, sample_doc, other_doc):
    store.add_documents([sample_doc, other_doc])
    assert store.remove_document("2000-00000000") is False
    assert store.remove_document(sample_doc.id) is True
    assert store.document_ids() == [other_doc.id]
    assert store.count((document_iri(sample_doc.id), None, None)) == 0
    assert store.count((document_iri(other_doc.id), None, None)) > 0
    assert {str(v) for v in store.query(LEADS, {"dept": JST}).values("id")} == lead_tasks(other_doc)
    assert store.remove_document(sample_doc.id) is False


@pytest.fixture(scope="module")
def generated_doc():
    """A synthetic document (scripts/generate_corpus.py) naming departments the sample does not."""
    import importlib.util
    from pathlib import Path

    from fengong.extract import extract_text

    path = Path(__file__).resolve().parent.parent / "scripts" / "generate_corpus.py"
    spec = importlib.util.spec_from_file_location("generate_corpus", path)
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    name, text = generator.generate(1, seed=3)[0]
    return extract_text(text, source=name)


def test_a_removal_takes_out_the_descriptions_only_that_document_needed(store, sample_doc, generated_doc):
    from fengong.store.orphans import orphans

    registry = f"<{DEFAULT_BASE}graph/registry>"
    alone = {q for q in reference_quads([sample_doc]) if q[3] == registry}
    both = {q for q in reference_quads([sample_doc, generated_doc]) if q[3] == registry}
    assert len(both - alone) > 50  # the generated document names departments the sample does not
    store.add_documents([sample_doc, generated_doc])
    assert orphans(store) == []  # a built store needs every description it holds
    assert store.remove_document(generated_doc.id) is True
    assert orphans(store) == []
    # Exactly what the sample alone gives: the departments list no longer shows the others.
    assert quads_of(store.dump("nquads")) == reference_quads([sample_doc])
    store.add_documents([generated_doc])  # its descriptions come back with it
    assert quads_of(store.dump("nquads")) == reference_quads([sample_doc, generated_doc])


def test_a_failed_batch_leaves_the_store_as_before(store, sample_doc, other_doc):
    store.add_documents([sample_doc])
    before = quads_of(store.dump("nquads"))
    broken = copy.deepcopy(other_doc)
    broken.document.id = "2023-badbad00"
    broken.items[0].end = len(broken.text) + 10  # a span outside the text: the build fails
    changed = copy.deepcopy(sample_doc)
    changed.items = changed.items[:2]
    with pytest.raises(ValueError):
        store.add_documents([other_doc, broken])
    with pytest.raises(ValueError):
        store.add_documents([changed, broken])
    assert quads_of(store.dump("nquads")) == before
    assert store.document_ids() == [sample_doc.id]


# --- backup, triples ----------------------------------------------------------------------


def test_dump_and_load_round_trip(new_store, sample_doc, other_doc):
    first = new_store()
    first.add_documents([sample_doc, other_doc])
    dump = first.dump("nquads")
    if first.name == "sparql":
        clear_fengong_graphs(first)  # same server: empty it and load the dump back
        second = first
    else:
        second = new_store()
    second.load_nquads(dump)
    assert second.document_ids() == sorted([sample_doc.id, other_doc.id])
    assert quads_of(second.dump("nquads")) == quads_of(dump) == reference_quads([sample_doc, other_doc])
    assert {str(v) for v in second.query(LEADS, {"dept": JST}).values("id")} == \
        lead_tasks(sample_doc) | lead_tasks(other_doc)
    for fmt, parser in (("turtle", ox.RdfFormat.TURTLE), ("nt", ox.RdfFormat.N_TRIPLES)):
        union = set(ox.parse(second.dump(fmt), format=parser))
        assert len(union) == second.count((None, None, None)) == len({q[:3] for q in reference_quads([sample_doc, other_doc])})


def test_triples_and_count(store, sample_doc, other_doc):
    store.add_documents([sample_doc, other_doc])
    union = {t for triples in documents_quads([sample_doc, other_doc], DEFAULT_BASE).values() for t in triples}
    assert store.count((None, None, None)) == len(union)
    pattern = (JST, None, None)
    expected = {t for t in union if t[0] == JST}
    listed = list(store.triples(pattern))
    assert set(listed) == expected and len(listed) == len(expected) == store.count(pattern)
    pages = [list(store.triples(pattern, limit=7, offset=k)) for k in range(0, len(expected), 7)]
    assert [t for page in pages for t in page] == listed
    leads = (None, URIRef(f"{FG}leads"), None)
    assert store.count(leads) == sum(1 for t in union if t[1] == leads[1])
    label = (None, None, Literal("浙江省住房和城乡建设厅", lang="zh"))
    assert list(store.triples(label)) == [(JST, URIRef("http://www.w3.org/2004/02/skos/core#prefLabel"), label[2])]
    assert store.count((Literal("x"), None, None)) == 0 and list(store.triples((None, Literal("p"), None))) == []


# --- Oxigraph on disk ---------------------------------------------------------------------


def test_oxigraph_persists_and_locks(tmp_path, sample_doc):
    path = tmp_path / "store"
    with OxigraphStore(path) as store:
        store.add_documents([sample_doc])
        # While one process holds the store, another is told so in one line.
        run = subprocess.run([sys.executable, "-c", "import sys; from fengong.store.oxigraph import OxigraphStore\n"
                              "try:\n    OxigraphStore(sys.argv[1])\nexcept Exception as e:\n    print(e); sys.exit(3)",
                              str(path)], capture_output=True, text=True, timeout=60)
        assert run.returncode == 3 and "in use by another process" in run.stdout
    reopened = OxigraphStore(path)
    assert reopened.document_ids() == [sample_doc.id]
    assert quads_of(reopened.dump()) == reference_quads([sample_doc])
    reopened.close()
    reader = OxigraphStore(path, read_only=True)
    assert reader.document_ids() == [sample_doc.id]
    with pytest.raises(PermissionError):
        reader.remove_document(sample_doc.id)


_BATCH_WRITER = textwrap.dedent("""
    import copy, json, sys
    from fengong.model import Document
    from fengong.store.oxigraph import OxigraphStore
    doc = Document.from_dict(json.load(open(sys.argv[2], encoding="utf-8")))
    batch = []
    for k in range(12):
        d = copy.deepcopy(doc)
        d.document.id = f"2099-{k:08d}"
        batch.append(d)
    store = OxigraphStore(sys.argv[1])
    print("writing", flush=True)
    store.add_documents(batch)
    print("committed", flush=True)
""")


def test_kill_during_a_batch_leaves_all_or_nothing(tmp_path, sample_doc):
    """kill -9 while one transaction writes twelve documents: the store opens and holds
    the document added before, and either the whole batch or none of it."""
    import json

    path = tmp_path / "store"
    with OxigraphStore(path) as store:
        store.add_documents([sample_doc])
    model = tmp_path / "doc.json"
    model.write_text(json.dumps(sample_doc.to_dict(), ensure_ascii=False), encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-c", _BATCH_WRITER, str(path), str(model)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "writing"
    time.sleep(0.3)  # into the build or the transaction (not a timing assertion: both outcomes are checked)
    proc.kill()
    proc.wait()
    reopened = OxigraphStore(path)
    ids = reopened.document_ids()
    batch = [f"2099-{k:08d}" for k in range(12)]
    assert ids in ([sample_doc.id], sorted([sample_doc.id, *batch]))
    for docid in ids:  # every document held is whole
        graph = URIRef(graph_iri(docid))
        held = sum(1 for _ in reopened.oxigraph.quads_for_pattern(None, None, None, _ox(graph)))
        assert held == len(documents_quads([sample_doc], DEFAULT_BASE)[graph_iri(sample_doc.id)])
    reopened.add_documents([sample_doc])  # and it takes writes again
    assert sample_doc.id in reopened.document_ids()


def _ox(node):
    return to_oxigraph(node)


def test_ntriples_terms_escape_everything():
    assert term(Literal('a"b\\c\nd\re\tf\x00g', lang="zh")) == '"a\\"b\\\\c\\nd\\re\\tf\\u0000g"@zh'
    assert term(URIRef("http://x/a b>c")) == "<http://x/a\\u0020b\\u003Ec>"
    assert term(Literal("1", datatype=URIRef("http://www.w3.org/2001/XMLSchema#string"))) == '"1"'
    with pytest.raises(ValueError):
        term(Literal("x", lang="zh} ?s ?p ?o {"))


@pytest.mark.skipif(os.environ.get("FENGONG_STORE_BENCH") != "1", reason="set FENGONG_STORE_BENCH=1")
def test_term_conversion_cost_is_reported(sample_doc):  # pragma: no cover - a measurement, not a check
    from fengong.store.oxigraph import from_oxigraph

    store = OxigraphStore()
    store.add_documents([sample_doc])
    terms = [q.object for q in store.oxigraph.quads_for_pattern(None, None, None, None)]
    start = time.perf_counter()
    for t in terms:
        from_oxigraph(t)
    print(f"\n{len(terms)} terms: {(time.perf_counter() - start) / len(terms) * 1e6:.2f} µs each")


# --- the remote store without a server: errors, bindings, authentication -------------------------


def _remote(handler, **kw):
    import httpx

    from fengong.store.remote import RemoteStore

    return RemoteStore("http://sparql.test/sparql", transport=httpx.MockTransport(handler), **kw)


def _json(rows=(), variables=("x",)):
    import httpx

    return httpx.Response(200, json={"head": {"vars": list(variables)}, "results": {"bindings": list(rows)}},
                          headers={"Content-Type": "application/sparql-results+json"})


def test_remote_errors_map_to_the_store_exceptions():
    import httpx

    from fengong.store.remote import RemoteStore

    down = RemoteStore("http://127.0.0.1:9/sparql", timeout=5)
    with pytest.raises(StoreUnavailable, match="does not answer"):
        down.query("ASK {}")
    cases = [
        (httpx.Response(503, text="busy"), StoreUnavailable),
        (httpx.Response(502, text="bad gateway"), StoreUnavailable),
        (httpx.Response(500, text="Virtuoso 37000 Error SP030: SPARQL compiler, line 1: syntax error"), QueryError),
        (httpx.Response(500, text="Virtuoso 42000 Error The estimated execution time 999 (sec) exceeds the limit"),
         QueryTimeout),
        (httpx.Response(500, text="Virtuoso 40001 Error SR172: Transaction deadlocked"), StoreUnavailable),
        (httpx.Response(400, text="Parse error: line 1"), QueryError),
        (httpx.Response(401, text="no"), StoreUnavailable),
        (httpx.Response(404, text="no"), StoreUnavailable),
    ]
    for response, error in cases:
        store = _remote(lambda request, r=response: r)
        with pytest.raises(error):
            store.query("SELECT ?x WHERE { ?x ?p ?o }")

    def slow(request):
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(QueryTimeout):
        _remote(slow).query("SELECT ?x WHERE { ?x ?p ?o }", timeout=0.5)


def test_remote_bindings_are_escaped_terms_in_a_values_block():
    from urllib.parse import parse_qs

    sent = []

    def handler(request):
        sent.append(parse_qs(request.content.decode())["query"][0])
        return _json([{"x": {"type": "literal", "value": "省建设厅", "xml:lang": "zh"}},
                      {"x": {"type": "typed-literal", "value": "96",
                             "datatype": "http://www.w3.org/2001/XMLSchema#integer"}},
                      {"x": {"type": "uri", "value": "https://example.org/a"}}])

    store = _remote(handler)
    hostile = Literal('"} } DELETE WHERE { ?s ?p ?o } #', lang="zh")
    rows = store.query("SELECT ?x WHERE { ?d <https://example.org/p> ?x }", {"d": hostile}).values("x")
    assert rows == [Literal("省建设厅", lang="zh"), Literal(96), URIRef("https://example.org/a")]
    (query,) = sent
    assert query.startswith("SELECT ?x WHERE { VALUES (?d) { (")
    assert '"\\"} } DELETE WHERE { ?s ?p ?o } #"@zh' in query
    for refused in ("INSERT DATA { <a:b> <a:c> <a:d> }", "SELECT * { SERVICE <http://x/> { ?s ?p ?o } }",
                    "SELECT * { SER\\u0056ICE <http://x/> { ?s ?p ?o } }"):
        with pytest.raises(QueryError):
            store.query(refused)
    assert len(sent) == 1  # refused queries never left the machine


def test_remote_authentication_basic_or_digest():
    import httpx

    for scheme in ("Basic", "Digest"):
        seen = []

        def handler(request, scheme=scheme):
            header = request.headers.get("authorization", "")
            seen.append(header.split(" ")[0])
            if not header.startswith(scheme):
                challenge = 'Basic realm="x"' if scheme == "Basic" else \
                    'Digest realm="SPARQL", nonce="abc", qop="auth", algorithm="MD5", opaque="o"'
                return httpx.Response(401, headers={"WWW-Authenticate": challenge})
            return _json()

        store = _remote(handler, user="dba", password="dba")
        store.query("SELECT ?x WHERE { ?x ?p ?o }")
        store.query("SELECT ?x WHERE { ?x ?p ?o }")
        assert seen[-1] == scheme and seen.count(scheme) == 2, seen
