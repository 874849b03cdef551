"""ontology/shapes.ttl: built graphs conform, broken graphs are rejected for the right reason."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, ODRL2, PROV, RDF, SH, SKOS

from fengong.rdf import build_graph, department_iri, region_iri, validate
from fengong.vocab import FG, OA
from rdf_sample import DOCID, departments, make_document, regions

DOC = URIRef(f"https://w3id.org/fengong/id/doc/{DOCID}")
T1 = URIRef(f"{DOC}/task/1")
T2 = URIRef(f"{DOC}/task/2")
LEAD_T1 = URIRef(f"{T1}/clause/2/assignment/police/lead")
TARGET = URIRef(f"{DOC}/target/3")


@pytest.fixture(scope="module")
def built() -> Graph:
    return build_graph([make_document()], departments(), regions())


def fresh(built: Graph) -> Graph:
    copy = Graph()
    for triple in built:
        copy.add(triple)
    return copy


def violations(graph: Graph) -> list[tuple[URIRef, URIRef | None]]:
    """(focus node, result path) of every violation."""
    conforms, report, _ = validate(graph)
    results = [
        (report.value(r, SH.focusNode), report.value(r, SH.resultPath))
        for r in report.subjects(RDF.type, SH.ValidationResult)
    ]
    assert conforms == (not results)
    return results


def test_graph_with_registries_conforms(built):
    conforms, _, text = validate(built)
    assert conforms, text


def test_graph_without_registries_conforms():
    conforms, _, text = validate(build_graph([make_document()]))
    assert conforms, text


def test_dataset_is_validated_as_its_union():
    from fengong.rdf import build_dataset

    conforms, _, text = validate(build_dataset([make_document()], departments(), regions()))
    assert conforms, text


def remove_agent(g: Graph) -> None:
    g.remove((LEAD_T1, PROV.agent, None))


def second_agent(g: Graph) -> None:
    g.add((LEAD_T1, PROV.agent, department_iri("hrss")))


def agent_not_a_department(g: Graph) -> None:
    g.set((LEAD_T1, PROV.agent, region_iri("330100")))


def role_outside_scheme(g: Graph) -> None:
    g.set((LEAD_T1, PROV.hadRole, FG.GovernmentDepartment))


def remove_plan(g: Graph) -> None:
    g.remove((LEAD_T1, PROV.hadPlan, None))


def bad_comparator(g: Graph) -> None:
    g.set((TARGET, FG.comparator, ODRL2.neq))


def value_not_decimal(g: Graph) -> None:
    g.set((TARGET, RDF.value, Literal("1500公顷")))


def target_without_unit_text(g: Graph) -> None:
    g.remove((TARGET, FG.unitText, None))


def target_without_span(g: Graph) -> None:
    g.remove((TARGET, PROV.wasDerivedFrom, None))


def unbacked_lead_shortcut(g: Graph) -> None:
    g.add((department_iri("hrss"), FG.leads, T2))


def shortcut_missing(g: Graph) -> None:
    g.remove((department_iri("police"), FG.leads, T1))


def task_without_title(g: Graph) -> None:
    g.remove((T1, DCTERMS.title, None))


def task_in_two_plans(g: Graph) -> None:
    other = URIRef("https://w3id.org/fengong/id/doc/2023-other")
    g.add((other, RDF.type, FG.WorkPlan))
    g.add((T1, URIRef("http://data.europa.eu/eli/ontology#is_part_of"), other))


def task_without_ordinal(g: Graph) -> None:
    g.remove((T1, FG.ordinal, None))


def department_without_zh_label(g: Graph) -> None:
    node = department_iri("x-0123456789")
    g.remove((node, SKOS.prefLabel, None))
    g.add((node, SKOS.prefLabel, Literal("Example office", lang="en")))


def span_ends_before_start(g: Graph) -> None:
    position = URIRef(f"{DOC}/span/145-149/position")
    g.set((position, OA.start, Literal(150)))


def division_without_code(g: Graph) -> None:
    g.remove((region_iri("330100"), SKOS.notation, None))


BROKEN: dict[str, tuple[Callable[[Graph], None], URIRef, URIRef | None]] = {
    # name: (mutation, focus node that must be reported, path that must be reported)
    "assignment without agent": (remove_agent, LEAD_T1, PROV.agent),
    "assignment with two agents": (second_agent, LEAD_T1, PROV.agent),
    "agent not a department": (agent_not_a_department, LEAD_T1, PROV.agent),
    "role outside fg:Roles": (role_outside_scheme, LEAD_T1, PROV.hadRole),
    "assignment without plan": (remove_plan, LEAD_T1, PROV.hadPlan),
    "target with a bad comparator": (bad_comparator, TARGET, FG.comparator),
    "target value not a decimal": (value_not_decimal, TARGET, RDF.value),
    "target without unit text": (target_without_unit_text, TARGET, FG.unitText),
    "target without span": (target_without_span, TARGET, PROV.wasDerivedFrom),
    "lead shortcut without assignment": (unbacked_lead_shortcut, department_iri("hrss"), None),
    "assignment without shortcut": (shortcut_missing, LEAD_T1, None),
    "task without title": (task_without_title, T1, DCTERMS.title),
    "task part of two plans": (task_in_two_plans, T1, URIRef("http://data.europa.eu/eli/ontology#is_part_of")),
    "task without ordinal": (task_without_ordinal, T1, FG.ordinal),
    "department without Chinese label": (department_without_zh_label, department_iri("x-0123456789"), SKOS.prefLabel),
    "span ending before its start": (span_ends_before_start, URIRef(f"{DOC}/span/145-149/position"), OA.start),
    "administrative division without code": (division_without_code, region_iri("330100"), SKOS.notation),
}


@pytest.mark.parametrize("name", list(BROKEN))
def test_broken_graph_is_rejected(built, name):
    mutate, focus, path = BROKEN[name]
    graph = fresh(built)
    mutate(graph)
    found = violations(graph)
    assert found, f"{name}: the broken graph conforms"
    assert (focus, path) in found, f"{name}: expected a violation at {focus} {path}, got {found}"


def test_shortcut_message_names_the_missing_role(built):
    graph = fresh(built)
    unbacked_lead_shortcut(graph)
    conforms, _, text = validate(graph)
    assert not conforms
    assert "https://w3id.org/fengong/ns#Lead" in text


def test_sample_graph_conforms(sample_doc):
    from fengong.regions import RegionRegistry
    from fengong.registry import DepartmentRegistry

    graph = build_graph([sample_doc], DepartmentRegistry.default(), RegionRegistry.default())
    conforms, _, text = validate(graph)
    assert conforms, text
