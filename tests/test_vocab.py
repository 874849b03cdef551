"""The Python vocabulary (fengong.vocab) and the ontology (ontology/fengong.ttl) agree."""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from fengong import ontology
from fengong.model import Role
from fengong.rdf import build_graph
from fengong.vocab import (
    COMPARATORS,
    DEPARTMENT_KINDS,
    FG,
    FG_NS,
    ODRL,
    ROLE_SHORTCUTS,
    ROLES,
    UNIT,
    UNITS,
    fg_terms,
)
from rdf_sample import departments, make_document, regions


@pytest.fixture(scope="module")
def onto() -> Graph:
    return Graph().parse(ontology.path("fengong.ttl"), format="turtle")


def defined_fg_terms(onto: Graph) -> set[URIRef]:
    return {s for s in onto.subjects(RDF.type, None) if isinstance(s, URIRef) and s.startswith(FG_NS)}


def test_every_fg_term_is_defined_in_the_ontology_and_vice_versa(onto):
    defined = defined_fg_terms(onto)
    assert fg_terms() - defined == set(), "in fengong.vocab.FG but not in fengong.ttl"
    assert defined - fg_terms() == set(), "in fengong.ttl but not in fengong.vocab.FG"


def test_no_fg_term_is_used_in_the_ontology_without_a_definition(onto):
    used = {
        term
        for triple in onto
        for term in triple
        if isinstance(term, URIRef) and term.startswith(FG_NS)
    }
    assert used <= defined_fg_terms(onto)


def test_misspelt_term_is_an_error():
    with pytest.raises(AttributeError):
        FG.Taks  # noqa: B018


def test_ontology_header(onto):
    header = URIRef("https://w3id.org/fengong/ns")
    assert (header, RDF.type, OWL.Ontology) in onto
    langs = {o.language for o in onto.objects(header, RDFS.label)}
    assert {"zh", "en"} <= langs


@pytest.mark.parametrize("term", sorted(fg_terms()))
def test_every_term_has_zh_and_en_labels_and_a_comment(onto, term):
    labels = {o.language for o in onto.objects(term, RDFS.label)}
    assert {"zh", "en"} <= labels, term
    comments = {o.language for o in onto.objects(term, RDFS.comment)}
    assert {"zh", "en"} <= comments, term


@pytest.mark.parametrize(
    "term",
    sorted(
        t
        for t in fg_terms()
        if t[len(FG_NS)].islower() and t != FG.approximately  # properties start lower-case
    ),
)
def test_every_property_is_typed_with_domain_and_range(onto, term):
    types = set(onto.objects(term, RDF.type))
    assert types & {OWL.ObjectProperty, OWL.DatatypeProperty}, term
    assert onto.value(term, RDFS.domain) is not None, term
    assert onto.value(term, RDFS.range) is not None, term


def test_reused_vocabularies(onto):
    assert (FG.Department, RDFS.subClassOf, URIRef("http://www.w3.org/ns/org#Organization")) in onto
    assert (FG.WorkPlan, RDFS.subClassOf, URIRef("http://data.europa.eu/eli/ontology#LegalResource")) in onto
    subdivision = URIRef("http://data.europa.eu/eli/ontology#LegalResourceSubdivision")
    assert (FG.Task, RDFS.subClassOf, subdivision) in onto
    assert (FG.Section, RDFS.subClassOf, subdivision) in onto
    assert (FG.Assignment, RDFS.subClassOf, URIRef("http://www.w3.org/ns/prov#Association")) in onto
    assert (FG.Clause, RDFS.subClassOf, URIRef("http://www.w3.org/ns/prov#Plan")) in onto
    assert (FG.approximately, RDF.type, ODRL.Operator) in onto


def test_roles_are_a_concept_scheme_matching_the_model(onto):
    assert set(ROLES) == {role.value for role in Role}
    assert set(ROLE_SHORTCUTS) == set(ROLES)
    assert (FG.Roles, RDF.type, SKOS.ConceptScheme) in onto
    for name, concept in ROLES.items():
        assert (concept, SKOS.inScheme, FG.Roles) in onto
        assert (concept, RDF.type, URIRef("http://www.w3.org/ns/prov#Role")) in onto
        assert (concept, SKOS.notation, Literal(name)) in onto
        assert (concept, FG.shortcut, ROLE_SHORTCUTS[name]) in onto
    labels = {
        str(label)
        for concept in ROLES.values()
        for label in onto.objects(concept, SKOS.prefLabel)
        if label.language == "zh"
    }
    assert labels == {"牵头", "配合", "共同负责", "落实"}


def test_department_kinds_scheme_matches_the_table(onto):
    in_scheme = set(onto.subjects(SKOS.inScheme, FG.DepartmentKinds))
    assert in_scheme == set(DEPARTMENT_KINDS.values())
    for slug, concept in DEPARTMENT_KINDS.items():
        assert (concept, SKOS.notation, Literal(slug)) in onto
    assert len(DEPARTMENT_KINDS) == 13


def test_comparators_are_odrl_operators_or_approximately():
    assert COMPARATORS[">="] == ODRL.gteq
    assert COMPARATORS[">"] == ODRL.gt
    assert COMPARATORS["<="] == ODRL.lteq
    assert COMPARATORS["<"] == ODRL.lt
    assert COMPARATORS["="] == ODRL.eq
    assert COMPARATORS["~"] == FG.approximately


def test_units_map_to_qudt():
    assert UNITS["公顷"] == UNIT.HA
    assert UNITS["公里"] == UNIT.KiloM
    assert UNITS["平方米"] == UNIT.M2
    assert UNITS["%"] == UNIT.PERCENT
    assert UNITS["个"] == UNIT.NUM
    assert "个百分点" not in UNITS  # a percentage point is not a percent


def test_built_graph_uses_only_defined_fg_terms(onto):
    graph = build_graph([make_document()], departments(), regions())
    used = {
        term
        for triple in graph
        for term in triple
        if isinstance(term, URIRef) and term.startswith(FG_NS)
    }
    assert used <= defined_fg_terms(onto)
    # …and the builder exercises most of the vocabulary, so the check above means something.
    assert len(used) >= 50
