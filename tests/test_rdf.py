"""fengong.rdf: the RDF built from a small hand-made Document."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, ORG, PROV, RDF, SKOS, XSD

from fengong.model import Document, DocumentMeta
from fengong.rdf import (
    DEFAULT_BASE,
    assignment_iri,
    build_dataset,
    build_graph,
    clause_iri,
    department_iri,
    document_iri,
    graph_iri,
    jsonld_context,
    reference_iri,
    region_iri,
    registry_graph_iri,
    section_iri,
    span_iri,
    target_iri,
    task_iri,
    task_iri_from_id,
    to_jsonld,
    to_ntriples,
    to_trig,
    to_turtle,
)
from fengong.registry import unregistered_id
from fengong.vocab import ELI, FG, OA, ODRL, QUDT, UNIT
from rdf_sample import DOCID, TEXT, FakeRegistry, departments, make_document, regions

BASE = DEFAULT_BASE
DOC = URIRef(f"{BASE}doc/{DOCID}")
T1 = URIRef(f"{DOC}/task/1")
T2 = URIRef(f"{DOC}/task/2")


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return build_dataset([make_document()], departments(), regions())


@pytest.fixture(scope="module")
def graph(dataset) -> Graph:
    return build_graph([make_document()], departments(), regions())


def count(graph: Graph, query: str, **bindings) -> int:
    rows = list(graph.query(query, initBindings=bindings, initNs={"fg": FG._NS, "prov": PROV}))
    return int(rows[0][0])


# --- IRI scheme --------------------------------------------------------------------------


def test_iri_helpers_follow_the_decided_scheme():
    assert document_iri(DOCID) == DOC
    assert graph_iri(DOCID) == URIRef(f"{BASE}graph/{DOCID}")
    assert registry_graph_iri() == URIRef(f"{BASE}graph/registry")
    assert section_iri(DOCID, 2) == URIRef(f"{DOC}/section/2")
    assert task_iri(DOCID, 13) == URIRef(f"{DOC}/task/13")
    assert clause_iri(DOCID, 13, 2) == URIRef(f"{DOC}/task/13/clause/2")
    assert assignment_iri(DOCID, 13, 2, "ndrc", "lead") == URIRef(
        f"{DOC}/task/13/clause/2/assignment/ndrc/lead"
    )
    assert assignment_iri(DOCID, 13, None, "local-govs", "implementer") == URIRef(
        f"{DOC}/task/13/assignment/local-govs/implementer"
    )
    assert target_iri(DOCID, 3) == URIRef(f"{DOC}/target/3")
    assert span_iri(DOCID, 5, 9) == URIRef(f"{DOC}/span/5-9")
    assert department_iri("ndrc") == URIRef(f"{BASE}department/ndrc")
    assert region_iri("330100") == URIRef(f"{BASE}region/330100")


def test_reference_iri_is_sha1_of_the_title():
    import hashlib

    title = "《示例实施方案》"
    digest = hashlib.sha1(title.encode("utf-8")).hexdigest()[:12]
    assert reference_iri(title) == URIRef(f"{BASE}reference/{digest}")


def test_ids_are_escaped_in_iris():
    assert department_iri("a b/c") == URIRef(f"{BASE}department/a%20b%2Fc")


def test_task_iri_from_id():
    assert task_iri_from_id(f"{DOCID}-t13") == URIRef(f"{DOC}/task/13")
    with pytest.raises(ValueError):
        task_iri_from_id("not-a-task")


# --- Dataset layout ----------------------------------------------------------------------


def test_document_and_registry_are_separate_named_graphs(dataset):
    doc_graph = dataset.graph(graph_iri(DOCID))
    registry = dataset.graph(registry_graph_iri())
    assert (DOC, RDF.type, FG.WorkPlan) in doc_graph
    assert (DOC, RDF.type, FG.WorkPlan) not in registry
    police = department_iri("police")
    assert (police, RDF.type, FG.Department) in registry
    assert (police, RDF.type, FG.Department) not in doc_graph
    assert (FG.Lead, SKOS.inScheme, FG.Roles) in registry
    assert (FG.GovernmentDepartment, SKOS.inScheme, FG.DepartmentKinds) in registry
    # The shortcut edge is derived from the document, so it lives in the document graph.
    assert (police, FG.leads, T1) in doc_graph


def test_build_graph_is_the_union_of_the_dataset(dataset, graph):
    union = {(s, p, o) for s, p, o, _ in dataset.quads((None, None, None, None))}
    assert set(graph) == union


def test_no_blank_nodes(graph):
    assert not any(isinstance(term, BNode) for triple in graph for term in triple)


def test_building_twice_gives_identical_triples():
    first = build_dataset([make_document()], departments(), regions())
    second = build_dataset([make_document()], departments(), regions())
    assert to_ntriples(first) == to_ntriples(second)
    assert isomorphic(build_graph([make_document()]), build_graph([make_document()]))


def test_base_is_configurable():
    base = "http://example.org/kg/"
    g = build_graph([make_document()], base=base)
    assert (URIRef(f"{base}doc/{DOCID}"), RDF.type, FG.WorkPlan) in g
    assert not any(str(s).startswith(DEFAULT_BASE) for s in g.subjects())


# --- Document, sections, tasks, clauses --------------------------------------------------


def test_document_metadata(graph):
    assert graph.value(DOC, DCTERMS.title) == Literal("示例城镇化工作要点", lang="zh")
    assert graph.value(DOC, DCTERMS.identifier) == Literal("示发改函〔2023〕1号")
    assert graph.value(DOC, FG.id) == Literal(DOCID)
    assert graph.value(DOC, ELI.date_document) == Literal("2023-07-24", datatype=XSD.date)
    assert graph.value(DOC, ELI.date_publication) == Literal("2023-09-15", datatype=XSD.date)
    assert graph.value(DOC, DCTERMS.publisher) == department_iri("ndrc")
    assert graph.value(DOC, FG.text) == Literal(TEXT, lang="zh")


def test_sections_and_tasks(graph):
    s2 = URIRef(f"{DOC}/section/2")
    assert (s2, RDF.type, FG.Section) in graph
    assert graph.value(s2, ELI.number) == Literal("二、")
    assert (DOC, ELI.has_part, T2) in graph
    assert (T2, ELI.is_part_of, DOC) in graph
    assert graph.value(T2, FG.section) == s2
    assert graph.value(T2, FG.id) == Literal(f"{DOCID}-t2")
    assert graph.value(T2, FG.ordinal) == Literal(2)
    assert graph.value(T2, ELI.number) == Literal("(二)")
    assert graph.value(T2, DCTERMS.title) == Literal("推进杭绍同城化", lang="zh")


def test_clauses(graph):
    clause = URIRef(f"{T1}/clause/2")
    assert (T1, FG.clause, clause) in graph
    assert (clause, RDF.type, FG.Clause) in graph
    assert graph.value(clause, FG.ordinal) == Literal(2)
    assert graph.value(clause, FG.text) == Literal(
        "推进居住年限互认(省公安厅牵头,省人力社保厅按职责负责)", lang="zh"
    )
    assert graph.value(clause, FG.attribution) == Literal("省公安厅牵头,省人力社保厅按职责负责", lang="zh")


# --- Assignments -------------------------------------------------------------------------


def test_assignment_nodes(graph):
    clause = URIRef(f"{T1}/clause/2")
    asg = URIRef(f"{clause}/assignment/hrss/co_responsible")
    assert (clause, PROV.qualifiedAssociation, asg) in graph
    assert (asg, RDF.type, FG.Assignment) in graph
    assert graph.value(asg, PROV.agent) == department_iri("hrss")
    assert graph.value(asg, PROV.hadRole) == FG.CoResponsible
    assert graph.value(asg, PROV.hadPlan) == clause


def test_roles_counted_by_sparql(graph):
    query = "SELECT (COUNT(?a) AS ?n) WHERE { ?a a fg:Assignment ; prov:hadRole ?role }"
    assert count(graph, query, role=FG.Lead) == 3
    assert count(graph, query, role=FG.Support) == 2
    assert count(graph, query, role=FG.CoResponsible) == 1
    assert count(graph, query, role=FG.Implementer) == 2


def test_implementers_hang_off_the_task_with_the_rule_span(graph):
    asg = URIRef(f"{T2}/assignment/local-govs/implementer")
    assert (T2, PROV.qualifiedAssociation, asg) in graph
    assert graph.value(asg, PROV.hadPlan) == T2
    assert graph.value(asg, PROV.hadRole) == FG.Implementer
    rule = graph.value(asg, FG.ruleSpan)
    assert span_text(graph, rule) == "以下各项任务均需各市、县(市、区)人民政府落实"
    assert (department_iri("local-govs"), FG.implements, T2) in graph


def test_shortcut_edges(graph):
    assert set(graph.subjects(FG.leads, T1)) == {department_iri("police")}
    assert set(graph.subjects(FG.coResponsibleFor, T1)) == {department_iri("hrss")}
    assert set(graph.subjects(FG.supports, T2)) == {
        department_iri("ndrc"),
        department_iri("x-0123456789"),
    }
    assert set(graph.subjects(FG.implements, None)) == {department_iri("local-govs")}


# --- Departments ---------------------------------------------------------------------------


def test_registered_department_from_the_registry(graph):
    ndrc = department_iri("ndrc")
    labels = set(graph.objects(ndrc, SKOS.prefLabel))
    assert Literal("浙江省发展和改革委员会", lang="zh") in labels
    assert Literal("Zhejiang Provincial Development and Reform Commission", lang="en") in labels
    assert Literal("省发改委", lang="zh") in set(graph.objects(ndrc, SKOS.altLabel))
    assert graph.value(ndrc, FG.shortName) == Literal("省发展改革委", lang="zh")
    assert graph.value(ndrc, ORG.identifier) == Literal("ndrc")
    assert graph.value(ndrc, FG.kind) == FG.GovernmentDepartment
    assert graph.value(ndrc, FG.level) == Literal("province")
    assert graph.value(ndrc, FG.registered) == Literal(True)
    assert graph.value(ndrc, DCTERMS.spatial) == region_iri("330000")
    local = department_iri("local-govs")
    assert graph.value(local, FG.kind) == FG.LocalGovernments


def test_department_unknown_to_the_registry_keeps_the_name_as_written(graph):
    node = department_iri("x-0123456789")
    assert graph.value(node, SKOS.prefLabel) == Literal("省示例办", lang="zh")
    assert graph.value(node, FG.registered) == Literal(False)
    # An id the registry does not know, even if the extractor thought it registered:
    partial = FakeRegistry([d for d in departments().entries.values() if d.id != "hrss"])
    g = build_graph([make_document()], partial, regions())
    hrss = department_iri("hrss")
    assert g.value(hrss, SKOS.prefLabel) == Literal("省人力社保厅", lang="zh")
    assert g.value(hrss, FG.registered) == Literal(False)


def test_without_registries_names_as_written_are_used():
    g = build_graph([make_document()])
    police = department_iri("police")
    assert g.value(police, SKOS.prefLabel) == Literal("省公安厅", lang="zh")
    assert g.value(police, FG.registered) == Literal(True)
    assert g.value(department_iri("x-0123456789"), FG.registered) == Literal(False)
    # The issuer is a registry id; its label is the name as written in the document.
    assert g.value(department_iri("ndrc"), SKOS.prefLabel) == Literal("省发展改革委", lang="zh")
    # Region nodes: codes are divisions, named as written.
    hz = region_iri("330100")
    assert g.value(hz, SKOS.notation) == Literal("330100")
    assert g.value(hz, SKOS.prefLabel) == Literal("杭州", lang="zh")
    assert (region_iri("hangshao"), RDF.type, FG.RegionGroup) in g


def test_registry_raising_key_error_is_handled():
    class Strict:
        def get(self, key):
            raise KeyError(key)

    g = build_graph([make_document()], Strict(), Strict())
    assert g.value(department_iri("police"), FG.registered) == Literal(False)


def test_unregistered_issuer_gets_an_x_id():
    doc = Document(DocumentMeta(title="示例", issuer="某某办公室", issuer_name="某某办公室", id="2023-00000001"), text="示例")
    g = build_graph([doc])
    node = department_iri(unregistered_id("某某办公室"))
    assert g.value(URIRef(f"{BASE}doc/2023-00000001"), DCTERMS.publisher) == node
    assert g.value(node, FG.registered) == Literal(False)
    assert g.value(node, SKOS.prefLabel) == Literal("某某办公室", lang="zh")


# --- Targets -------------------------------------------------------------------------------


def test_task_target(graph):
    target = graph.value(T2, FG.hasTarget)
    assert target == URIRef(f"{DOC}/target/3")  # numbered after the two preamble targets
    assert graph.value(target, FG.surface) == Literal("新增绿地1500公顷以上", lang="zh")
    value = graph.value(target, RDF.value)
    assert value.datatype == XSD.decimal and value.toPython() == Decimal(1500)
    assert graph.value(target, FG.unitText) == Literal("公顷", lang="zh")
    assert graph.value(target, QUDT.unit) == UNIT.HA
    assert graph.value(target, FG.comparator) == ODRL.gteq
    assert graph.value(target, FG.metric) == Literal("新增绿地", lang="zh")
    assert graph.value(target, FG.scope) == Literal("杭州", lang="zh")
    assert graph.value(target, FG.valueText) == Literal("1500")


def test_document_level_targets(graph):
    targets = set(graph.objects(DOC, FG.hasTarget))
    assert targets == {URIRef(f"{DOC}/target/1"), URIRef(f"{DOC}/target/2")}
    urban = URIRef(f"{DOC}/target/1")
    assert graph.value(urban, RDF.value) == Literal("73.5", datatype=XSD.decimal)
    assert graph.value(urban, QUDT.unit) == UNIT.PERCENT
    assert graph.value(urban, FG.period) == Literal("2023年底", lang="zh")
    ratio = URIRef(f"{DOC}/target/2")
    assert graph.value(ratio, FG.comparator) == FG.approximately
    assert graph.value(ratio, RDF.value).toPython() == Decimal("1.9")
    assert graph.value(ratio, FG.unitText) == Literal("", lang="zh")
    assert graph.value(ratio, QUDT.unit) is None


# --- Regions and references ------------------------------------------------------------------


def test_regions(graph):
    hz = region_iri("330100")
    assert (T2, DCTERMS.spatial, hz) in graph
    assert (hz, RDF.type, FG.AdministrativeDivision) in graph
    assert (hz, SKOS.inScheme, FG.Regions) in graph
    assert graph.value(hz, SKOS.notation) == Literal("330100")
    assert graph.value(hz, SKOS.prefLabel) == Literal("杭州市", lang="zh")
    assert graph.value(hz, SKOS.broader) == region_iri("330000")
    group = region_iri("hangshao")
    assert (group, RDF.type, FG.RegionGroup) in graph
    assert set(graph.objects(group, FG.member)) == {hz, region_iri("330600")}
    assert graph.value(group, SKOS.notation) is None
    # Members and parents are described even though the text names only 杭州 and 杭绍.
    assert graph.value(region_iri("330600"), SKOS.prefLabel) == Literal("绍兴市", lang="zh")


def test_references(graph):
    ref = reference_iri("《示例实施方案》")
    assert (T2, DCTERMS.references, ref) in graph
    assert (ref, RDF.type, FG.ReferencedDocument) in graph
    assert graph.value(ref, DCTERMS.title) == Literal("《示例实施方案》", lang="zh")


def test_mentions_keep_their_spans(graph):
    mentions = {graph.value(m, FG.mentions): m for m in graph.objects(T2, FG.hasMention)}
    assert set(mentions) == {region_iri("hangshao"), region_iri("330100"), reference_iri("《示例实施方案》")}
    span = graph.value(mentions[region_iri("hangshao")], PROV.wasDerivedFrom)
    assert span_text(graph, span) == "杭绍"


# --- Provenance spans -------------------------------------------------------------------------


def test_every_fact_has_a_span(graph):
    for cls in (FG.Task, FG.Clause, FG.Assignment, FG.Target, FG.Mention, FG.Section):
        for node in graph.subjects(RDF.type, cls):
            assert graph.value(node, PROV.wasDerivedFrom) is not None, node


def span_text(graph, span):
    """The text a span points to, read as a SPARQL user would: its position selector's
    offsets into its source document's fg:text."""
    source = graph.value(span, OA.hasSource)
    (position,) = graph.objects(span, OA.hasSelector)
    start = graph.value(position, OA.start).toPython()
    end = graph.value(position, OA.end).toPython()
    return str(graph.value(source, FG.text))[start:end]


def test_spans_point_into_the_text_by_position(graph):
    spans = set(graph.subjects(RDF.type, OA.SpecificResource))
    assert len(spans) > 10
    for span in spans:
        assert graph.value(span, OA.hasSource) == DOC
        position = URIRef(f"{span}/position")
        assert set(graph.objects(span, OA.hasSelector)) == {position}
        assert (position, RDF.type, OA.TextPositionSelector) in graph
        start = graph.value(position, OA.start).toPython()
        end = graph.value(position, OA.end).toPython()
        assert str(span).endswith(f"/span/{start}-{end}")
        assert span_text(graph, span) == TEXT[start:end]
    # The quote is the document's text between the offsets: not stored a second time.
    assert not list(graph.subjects(RDF.type, OA.TextQuoteSelector))
    assert not list(graph.triples((None, OA.exact, None)))


def test_sparql_reads_a_span_text_from_the_document(graph):
    asg = URIRef(f"{T2}/clause/1/assignment/x-0123456789/support")
    rows = list(graph.query(
        """SELECT ?exact WHERE {
             ?asg prov:wasDerivedFrom ?span .
             ?span oa:hasSource ?doc ; oa:hasSelector ?position .
             ?position oa:start ?start ; oa:end ?end .
             ?doc fg:text ?text .
             BIND(SUBSTR(?text, ?start + 1, ?end - ?start) AS ?exact)
           }""",
        initNs={"prov": PROV, "oa": OA, "fg": FG}, initBindings={"asg": asg}))
    assert [str(r.exact) for r in rows] == ["省示例办"]


def test_assignment_span_is_the_name_as_written(graph):
    asg = URIRef(f"{T2}/clause/1/assignment/x-0123456789/support")
    span = graph.value(asg, PROV.wasDerivedFrom)
    assert span_text(graph, span) == "省示例办"


def test_span_outside_the_text_is_an_error():
    doc = make_document()
    doc.items[0].clauses[0].end = len(doc.text) + 5
    with pytest.raises(ValueError, match="outside the text"):
        build_dataset([doc])


def test_language_tags(graph):
    for title in graph.objects(None, DCTERMS.title):
        assert title.language == "zh"
    english = [o for o in graph.objects(None, SKOS.prefLabel) if o.language == "en"]
    assert english and all(o.isascii() for o in english)


# --- Several documents ---------------------------------------------------------------------


def test_two_documents_share_registry_nodes():
    other = make_document()
    other.document.id = "2024-feedface"
    ds = build_dataset([make_document(), other], departments(), regions())
    police = department_iri("police")
    g1 = ds.graph(graph_iri(DOCID))
    g2 = ds.graph(graph_iri("2024-feedface"))
    assert (police, FG.leads, T1) in g1
    assert (police, FG.leads, task_iri("2024-feedface", 1)) in g2
    union = build_graph([make_document(), other], departments(), regions())
    assert len(set(union.objects(police, FG.leads))) == 2
    assert len(set(union.subjects(RDF.type, FG.WorkPlan))) == 2


# --- Serialisation -------------------------------------------------------------------------


def test_turtle_round_trip(graph):
    text = to_turtle(graph)
    assert "@prefix fg: <https://w3id.org/fengong/ns#>" in text
    assert isomorphic(Graph().parse(data=text, format="turtle"), graph)


def test_trig_keeps_named_graphs(dataset):
    back = Dataset()
    back.parse(data=to_trig(dataset), format="trig")
    ids = {g.identifier for g in back.graphs() if len(g)}
    assert {graph_iri(DOCID), registry_graph_iri()} <= ids


def test_jsonld_is_compact_and_round_trips(graph):
    text = to_jsonld(graph)
    data = json.loads(text)
    assert data["@context"]["fg"] == "https://w3id.org/fengong/ns#"
    assert "fg:leads" in text  # compacted with the shipped prefixes
    back = Graph().parse(data=text, format="json-ld")
    assert isomorphic(back, graph)


def test_jsonld_context_is_shipped():
    context = jsonld_context()
    for prefix in ("fg", "eli", "oa", "odrl", "qudt", "unit", "org", "prov", "skos", "dct"):
        assert prefix in context


def test_sorted_ntriples_are_sorted_and_complete(graph):
    text = to_ntriples(graph)
    lines = text.splitlines()
    assert lines == sorted(lines)
    assert len(lines) == len(graph)


# --- The bundled sample, extracted by fengong.extract ------------------------------------


@pytest.fixture(scope="module")
def registries():
    from fengong.regions import RegionRegistry
    from fengong.registry import DepartmentRegistry

    return DepartmentRegistry.default(), RegionRegistry.default()


@pytest.fixture(scope="module")
def sample_graph(sample_doc, registries) -> Graph:
    return build_graph([sample_doc], *registries)


def test_sample_assignments_counted_by_sparql(sample_graph):
    query = "SELECT (COUNT(?a) AS ?n) WHERE { ?a a fg:Assignment ; prov:hadRole ?role }"
    assert count(sample_graph, query, role=FG.Lead) == 52
    assert count(sample_graph, query, role=FG.Support) == 30
    assert count(sample_graph, query, role=FG.CoResponsible) == 18


def test_sample_metadata(sample_graph, sample_doc):
    doc = document_iri(sample_doc.id)
    assert sample_graph.value(doc, DCTERMS.identifier) == Literal("浙发改城镇函〔2023〕388号")
    assert sample_graph.value(doc, DCTERMS.title) == Literal(
        "2023年浙江省新型城镇化和城乡融合发展工作要点", lang="zh"
    )
    publisher = sample_graph.value(doc, DCTERMS.publisher)
    assert Literal("浙江省发展和改革委员会", lang="zh") in set(sample_graph.objects(publisher, SKOS.prefLabel))
    assert len(set(sample_graph.subjects(RDF.type, FG.Task))) == len(sample_doc.items)


def test_sample_builds_are_identical(sample_graph, registries):
    from fengong.extract import extract_sample

    again = build_graph([extract_sample()], *registries)
    assert isomorphic(again, sample_graph)
    first = to_ntriples(sample_graph).encode("utf-8")
    second = to_ntriples(again).encode("utf-8")
    assert first == second


def test_sample_spans_quote_the_text(sample_graph, sample_doc):
    text = sample_doc.text
    positions = list(sample_graph.subjects(RDF.type, OA.TextPositionSelector))
    assert len(positions) > 200
    for position in positions:
        start = sample_graph.value(position, OA.start).toPython()
        end = sample_graph.value(position, OA.end).toPython()
        span = URIRef(str(position).removesuffix("/position"))
        assert span_text(sample_graph, span) == text[start:end]


def test_registry_descriptions_kept_between_documents_are_the_same(sample_doc, registries):
    """`fengong ingest` builds documents one at a time and keeps the departments' and
    regions' descriptions between them (RegistryMemo): each document's registry triples
    must be exactly those built from scratch, whatever was built before it."""
    from pathlib import Path

    from fengong.extract import extract_file
    from fengong.rdf import RegistryMemo, build_quads, registry_graph_iri

    edited = extract_file(Path(__file__).parent / "fixtures" / "zhejiang-2024-edited.txt")
    departments, regions = registries
    memo = RegistryMemo()
    registry = registry_graph_iri()
    for document in (sample_doc, edited, sample_doc, edited):
        kept = build_quads([document], departments, regions, memo=memo)
        fresh = build_quads([document], departments, regions)
        assert kept == fresh
        assert len(kept[registry]) > 500
    assert memo.departments and memo.regions
