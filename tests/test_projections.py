"""fengong.projections: networkx views read from the RDF graph."""

from __future__ import annotations

import networkx as nx
import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from fengong.projections import coordination_graph, lead_support_graph, responsibility_graph
from fengong.rdf import build_dataset, build_graph, department_iri, to_turtle
from fengong.vocab import FG
from rdf_sample import DOCID, departments, make_document, regions

T1 = f"{DOCID}-t1"
T2 = f"{DOCID}-t2"
X = "x-0123456789"


@pytest.fixture(scope="module")
def graph() -> Graph:
    return build_graph([make_document()], departments(), regions())


def test_responsibility_graph_nodes(graph):
    G = responsibility_graph(graph)
    assert nx.is_bipartite(G)
    assert G.nodes["police"] == {"kind": "department", "label": "浙江省公安厅"}
    assert G.nodes[X]["label"] == "省示例办"
    task = G.nodes[T2]
    assert task["kind"] == "task"
    assert task["label"] == "推进杭绍同城化"
    assert task["section"] == "优化城市格局"
    assert task["document"] == DOCID
    assert task["ordinal"] == 2
    departments_ = {n for n, kind in G.nodes(data="kind") if kind == "department"}
    assert departments_ == {"police", "hrss", "construction", "ndrc", X, "local-govs"}


def test_responsibility_graph_has_one_edge_per_department_task_role(graph):
    G = responsibility_graph(graph)
    edges = sorted((u, v, k) if G.nodes[u]["kind"] == "department" else (v, u, k) for u, v, k in G.edges(keys=True))
    assert edges == sorted([
        ("police", T1, "lead"),  # leads clauses 1 and 2: still one edge
        ("hrss", T1, "co_responsible"),
        ("local-govs", T1, "implementer"),
        ("construction", T2, "lead"),
        ("ndrc", T2, "support"),
        (X, T2, "support"),
        ("local-govs", T2, "implementer"),
    ])
    assert G.edges["police", T1, "lead"] == {"role": "lead", "clauses": [1, 2]}
    assert G.edges["local-govs", T2, "implementer"]["clauses"] == []


def test_responsibility_graph_role_filter(graph):
    G = responsibility_graph(graph, roles=["lead"])
    assert sorted(k for _, _, k in G.edges(keys=True)) == ["lead", "lead"]
    with pytest.raises(ValueError):
        responsibility_graph(graph, roles=["boss"])


def test_coordination_graph(graph):
    C = coordination_graph(graph)
    assert C.edges["police", "hrss"] == {"weight": 1, "tasks": [T1]}
    assert C.edges["construction", "ndrc"] == {"weight": 1, "tasks": [T2]}
    assert C.has_edge("ndrc", X)
    assert not C.has_edge("police", "ndrc")  # never on the same task
    # Implementers named by the general rule are left out unless asked for.
    assert "local-govs" not in C
    everyone = coordination_graph(graph, roles=None)
    assert everyone.edges["local-govs", "police"] == {"weight": 1, "tasks": [T1]}
    assert everyone.degree("local-govs") == 5


def test_coordination_weight_counts_shared_tasks():
    other = make_document()
    other.document.id = "2024-feedface"
    C = coordination_graph(build_graph([make_document(), other], departments(), regions()))
    assert C.edges["police", "hrss"] == {"weight": 2, "tasks": [T1, "2024-feedface-t1"]}


def test_lead_support_graph(graph):
    D = lead_support_graph(graph)
    assert set(D.edges) == {("construction", "ndrc"), ("construction", X)}
    assert D.edges["construction", "ndrc"] == {"weight": 1, "tasks": [T2]}
    # Co-responsible is not support.
    assert not D.has_edge("police", "hrss")


def test_lead_support_compares_clauses_not_whole_tasks():
    doc = make_document()
    # Move the supporters of task 2 to a clause of their own with no lead.
    clause = doc.items[1].clauses[0]
    from dataclasses import replace

    supporters = clause.assignments[1:]
    clause.assignments = clause.assignments[:1]
    doc.items[1].clauses.append(replace(clause, number=2, assignments=supporters))
    D = lead_support_graph(build_graph([doc], departments(), regions()))
    assert D.number_of_edges() == 0


def test_projections_accept_a_dataset(graph):
    ds = build_dataset([make_document()], departments(), regions())
    assert nx.utils.edges_equal(
        responsibility_graph(ds).edges(keys=True, data=True),
        responsibility_graph(graph).edges(keys=True, data=True),
    )
    assert dict(coordination_graph(ds).edges) == dict(coordination_graph(graph).edges)
    # Reading the dataset as a union does not add graphs to it.
    assert len(list(ds.graphs())) == 3


def test_projections_read_the_rdf_not_the_documents(graph):
    # A graph parsed back from Turtle has no Document objects behind it.
    parsed = Graph().parse(data=to_turtle(graph), format="turtle")
    assert nx.utils.graphs_equal(responsibility_graph(parsed), responsibility_graph(graph))
    # Removing an assignment from the RDF removes the edge.
    asg = URIRef(f"https://w3id.org/fengong/id/doc/{DOCID}/task/2/clause/1/assignment/ndrc/support")
    for triple in list(parsed.triples((asg, None, None))):
        parsed.remove(triple)
    parsed.remove((None, None, asg))
    parsed.remove((department_iri("ndrc"), FG.supports, None))
    assert not responsibility_graph(parsed).has_edge("ndrc", T2)
    assert not lead_support_graph(parsed).has_edge("construction", "ndrc")
    assert (asg, RDF.type, FG.Assignment) not in parsed


def test_node_order_is_reproducible():
    a = responsibility_graph(build_graph([make_document()], departments(), regions()))
    b = responsibility_graph(build_graph([make_document()], departments(), regions()))
    assert list(a.nodes) == list(b.nodes)
    assert list(a.edges(keys=True)) == list(b.edges(keys=True))


def test_sample_projections_agree_with_the_shortcut_edges(sample_doc):
    from fengong.regions import RegionRegistry
    from fengong.registry import DepartmentRegistry

    g = build_graph([sample_doc], DepartmentRegistry.default(), RegionRegistry.default())
    G = responsibility_graph(g)
    for role, prop in (("lead", FG.leads), ("support", FG.supports), ("co_responsible", FG.coResponsibleFor)):
        edges = sum(1 for _, _, k in G.edges(keys=True) if k == role)
        assert edges == len(set(g.subject_objects(prop))), role
    assert sum(1 for _, kind in G.nodes(data="kind") if kind == "task") == len(sample_doc.items)
    D = lead_support_graph(g)
    assert D.number_of_edges() > 0
    for a, b, tasks in D.edges(data="tasks"):
        for task in tasks:
            assert G.has_edge(a, task, key="lead") and G.has_edge(b, task, key="support")
