"""fengong.analysis: workload, coordination and structure warnings of the sample, each
figure checked against the hand annotation and against counts redone from the matrix."""

from __future__ import annotations

import csv
import io
import json
from itertools import combinations

import pytest

from conftest import load_fixture
from fengong.analysis import (
    busiest_departments,
    centrality,
    communities,
    coordination_network,
    department_workload,
    read_facts,
    responsibility_matrix,
    strongest_pairs,
    structure_warnings,
)
from fengong.analysis.facts import UnknownDocument
from fengong.exports import matrix_csv, targets_table

EXPLICIT = ("lead", "support", "co_responsible")
LABELS = {"lead": "牵头", "support": "配合", "co_responsible": "负责", "implementer": "落实"}


@pytest.fixture(scope="module")
def store(sample_doc):
    from fengong.store import open_store

    s = open_store("memory")
    s.add_documents([sample_doc])
    return s


@pytest.fixture(scope="module")
def facts(store):
    return read_facts(store)


@pytest.fixture(scope="module")
def registry():
    from fengong.registry import DepartmentRegistry

    return DepartmentRegistry.default()


@pytest.fixture(scope="module")
def annotated(registry):
    """From the hand annotation: department id -> role -> set of item labels."""
    data = load_fixture("sample_assignments.json")
    out: dict[str, dict[str, set[str]]] = {}
    for label, clauses in data["items"].items():
        for clause in clauses:
            for name, role in clause:
                dept = registry.resolve(name).id
                out.setdefault(dept, {}).setdefault(role, set()).add(label)
    return out


@pytest.fixture(scope="module")
def matrix_rows(store):
    """The matrix as a person gets it: the CSV export, parsed back."""
    text = matrix_csv(store).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], rows[1:]


def test_busiest_departments_and_strongest_pairs_of_the_sample(facts):
    busiest = busiest_departments(facts, 3)
    assert [w.label for w in busiest[:2]] == ["省发展改革委", "省建设厅"]
    drc, housing = busiest[0], busiest[1]
    assert (drc.tasks, drc.lead, drc.co_responsible, drc.support) == (11, 9, 3, 0)
    assert (housing.tasks, housing.lead, housing.co_responsible, housing.support) == (11, 8, 0, 4)
    assert busiest[2].label == "省自然资源厅"

    pairs = strongest_pairs(facts, 5)
    top = pairs[0]
    assert {top.a_label, top.b_label} == {"省农业农村厅", "省建设厅"}
    assert top.weight == 4
    assert [facts.task(t).label for t in top.tasks] == ["(三)", "(十四)", "(二十八)", "(三十)"]
    # Then the pairs of the three tasks that 省发展改革委, 杭州市 and 宁波市 share, and others with 3.
    assert all(p.weight == 3 for p in pairs[1:])
    assert {frozenset((p.a_label, p.b_label)) for p in pairs[1:4]} == {
        frozenset(("宁波市", "杭州市")), frozenset(("宁波市", "省发展改革委")), frozenset(("杭州市", "省发展改革委"))
    }


def test_workload_agrees_with_the_hand_annotation(facts, annotated):
    loads = {w.department: w for w in department_workload(facts)}
    for dept, by_role in annotated.items():
        w = loads[dept]
        for role in EXPLICIT:
            assert getattr(w, role) == len(by_role.get(role, ())), (dept, role)
        assert w.tasks == len(set().union(*by_role.values())), dept
    assert set(loads) == set(annotated) | {"local-governments"}
    assert loads["local-governments"].implementer == 30
    assert loads["local-governments"].tasks == 0


def test_every_workload_figure_can_be_recounted_from_the_matrix(facts, matrix_rows):
    header, rows = matrix_rows
    first = header.index("任务") + 1
    loads = {w.label: w for w in department_workload(facts)}
    assert sorted(header[first:]) == sorted(loads)
    for c in range(first, len(header)):
        column = [row[c] for row in rows]
        w = loads[header[c]]
        assert w.lead == sum("牵头" in cell for cell in column), header[c]
        assert w.support == sum("配合" in cell for cell in column), header[c]
        assert w.co_responsible == sum("负责" in cell for cell in column), header[c]
        assert w.implementer == sum("落实" in cell for cell in column), header[c]
        assert w.tasks == sum(any(LABELS[r] in cell for r in EXPLICIT) for cell in column), header[c]


def test_every_pair_weight_can_be_recounted_from_the_matrix(facts, matrix_rows):
    header, rows = matrix_rows
    first = header.index("任务") + 1
    explicit = [[any(LABELS[r] in cell for r in EXPLICIT) for cell in row[first:]] for row in rows]
    expected = {}
    for i, j in combinations(range(len(header) - first), 2):
        shared = [rows[k][0] for k, flags in enumerate(explicit) if flags[i] and flags[j]]
        if shared:
            expected[frozenset((header[first + i], header[first + j]))] = shared
    pairs = strongest_pairs(facts, n=10_000)
    assert {frozenset((p.a_label, p.b_label)): list(p.tasks) for p in pairs} == expected
    # Degree = partners one can read off the matrix; weighted degree = sum of shared rows.
    for c in centrality(facts):
        mine = [k for k in expected if c.label in k]
        assert c.degree == len(mine), c.label
        assert c.weighted_degree == sum(len(expected[k]) for k in mine), c.label


def test_targets_attached_agree_with_the_targets_table(facts):
    table = targets_table(facts)
    units = table[0].index("责任单位")
    loads = department_workload(facts)
    for w in loads:
        listed = [row for row in table[1:] if any(u.split("(")[0] == w.label for u in row[units].split("、") if u)]
        assert w.targets == len(listed), w.label
        assert w.targets_led == sum(f"{w.label}(牵头)" in row[units].split("、") for row in listed), w.label
    housing = next(w for w in loads if w.department == "zj-housing")
    # (十一)1 + (十三)5 + (十四)8 + (十五)2 + (十六)4 + (十七)2 + (十八)1 led; (二十八) 3 supported.
    assert (housing.targets, housing.targets_led) == (26, 23)


def test_structure_warnings_of_the_sample(facts):
    warnings = structure_warnings(facts)
    by_code: dict[str, list] = {}
    for w in warnings:
        by_code.setdefault(w.code, []).append(w)
    label = lambda w: facts.task(w.task).label  # noqa: E731
    assert [label(w) for w in by_code["task_without_lead"]] == ["(七)", "(九)", "(三十一)", "(三十二)"]
    assert "no responsible unit" in by_code["task_without_lead"][2].message
    assert [label(w) for w in by_code["task_with_several_leads"]] == [
        "(五)", "(十五)", "(十六)", "(十七)", "(十八)", "(二十一)", "(二十二)", "(二十四)", "(二十七)", "(二十八)", "(二十九)"
    ]
    fifteen = by_code["task_with_several_leads"][1]
    assert set(fifteen.departments) == {"zj-drc", "zj-transport", "zj-housing", "zj-ecology"}
    assert {w.department for w in by_code["support_only_department"]} == {
        "relevant-cities", "zj-party-organization", "zj-market-regulation", "zj-characteristic-towns-jm-members"
    }
    assert [w.task for w in by_code["target_without_unit"]] == [None, None]  # the two preamble targets


def test_structure_warnings_flag_a_target_in_an_unattributed_task():
    from fengong.extract import extract_text
    from fengong.store import open_store

    text = ("示例工作要点\n\n一、总体\n\n(一)建设停车位。新增停车位100个。\n\n"
            "(二)建设绿道。新建绿道50公里(省建设厅牵头,省交通运输厅配合)。\n")
    store = open_store("memory")
    store.add_documents([extract_text(text)])
    warnings = structure_warnings(store)
    codes = [(w.code, w.task.rsplit("-", 1)[-1] if w.task else None) for w in warnings]
    assert ("target_without_unit", "t1") in codes
    assert ("task_without_lead", "t1") in codes
    assert ("target_without_unit", "t2") not in codes
    assert ("support_only_department", None) in codes  # 省交通运输厅 only supports here


def test_coordination_network_and_communities(facts):
    C = coordination_network(facts)
    assert C.nodes["zj-housing"]["label"] == "省建设厅"
    assert "local-governments" not in C  # implementers are left out by default
    assert "local-governments" in coordination_network(facts, roles=None)
    by_clause = coordination_network(facts, by="clause")
    # 省发展改革委 and 省交通运输厅 share (八), (十五), (二十八) but only one attribution: (八).
    assert C.edges["zj-drc", "zj-transport"]["weight"] == 3
    assert by_clause.edges["zj-drc", "zj-transport"]["weight"] == 1
    groups = communities(C)
    assert sorted(d for g in groups for d in g) == sorted(C.nodes)
    assert groups == communities(coordination_network(facts))  # seeded: stable
    assert groups == sorted(groups, key=lambda g: (-len(g), g))
    # The cities and 省发展改革委 that share (六)(七)(九) end up together.
    together = next(g for g in groups if "zj-drc" in g)
    assert {"zj-hangzhou", "zj-ningbo", "zj-shaoxing"} <= set(together)
    greedy = communities(C, method="greedy")
    assert sorted(d for g in greedy for d in g) == sorted(C.nodes)
    top = centrality(C)[0]
    assert top.label == "省发展改革委" and top.betweenness > 0
    with pytest.raises(ValueError):
        coordination_network(facts, roles=["boss"])


def test_analyses_read_an_rdflib_graph_the_same_way(sample_doc, facts):
    from fengong.rdf import build_graph
    from fengong.regions import RegionRegistry
    from fengong.registry import DepartmentRegistry

    graph = build_graph([sample_doc], DepartmentRegistry.default(), RegionRegistry.default())
    assert department_workload(graph) == department_workload(facts)
    assert responsibility_matrix(graph).table() == responsibility_matrix(facts).table()


def test_document_filter(sample_doc, facts):
    from fengong.extract import extract_file
    from fengong.store import open_store

    from conftest import FIXTURES

    both = open_store("memory")
    both.add_documents([sample_doc, extract_file(FIXTURES / "zhejiang-2024-edited.txt")])
    only = department_workload(both, sample_doc.id)
    assert only == department_workload(facts)
    assert department_workload(both) != only
    with pytest.raises(UnknownDocument):
        read_facts(both, "1999-00000000")


def test_matrix_cells_combine_roles(facts):
    m = responsibility_matrix(facts)
    row = next(r for r in m.rows if r.task.label == "(十八)")
    assert row.cell("zj-housing") == "牵头、配合"  # leads clauses 1 and 3, supports clause 2
    row = next(r for r in m.rows if r.task.label == "(六)")
    assert row.cell("zj-drc") == "牵头、负责"
    assert m.header()[5:7] == ["省发展改革委", "省建设厅"]  # most tasks led first
    assert m.header()[-1] == "各市、县(市、区)政府"  # implementers last


def test_cli_analyze(capsys):
    from fengong.api.cli import main

    assert main(["analyze", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["workload"][0]["label"] == "省发展改革委"
    assert {data["pairs"][0]["a_label"], data["pairs"][0]["b_label"]} == {"省农业农村厅", "省建设厅"}
    assert main(["analyze", "coordination", "--top", "3"]) == 0
    out = capsys.readouterr().out
    assert "省农业农村厅 — 省建设厅" in out and "Communities" in out
    assert main(["analyze", "--document", "nope"]) == 2
    capsys.readouterr()
    assert main(["analyze", "workload", "--json", "--year", "2023"]) == 0  # the sample is of 2023
    assert json.loads(capsys.readouterr().out)["documents"] == [data["documents"][0]]
    assert main(["analyze", "workload", "--json", "--year", "2020-2021"]) == 0
    assert json.loads(capsys.readouterr().out)["documents"] == []
    assert main(["analyze", "--year", "2023-2020"]) == 2
    assert "ends before it starts" in capsys.readouterr().err


@pytest.fixture(scope="module")
def client(store):
    from fastapi.testclient import TestClient

    from fengong.api.app import create_app
    from fengong.api.settings import Settings

    return TestClient(create_app(Settings(), store=store))


def test_api_analysis(client, sample_doc):
    r = client.get("/api/v1/analysis/workload")
    assert r.status_code == 200
    assert r.json()["workload"][0]["department"] == "zj-drc"
    r = client.get("/api/v1/analysis/coordination", params={"top": 1, "document": sample_doc.id})
    assert r.status_code == 200
    pair = r.json()["pairs"][0]
    assert {pair["a"], pair["b"]} == {"zj-agriculture", "zj-housing"} and pair["weight"] == 4
    assert r.json()["communities"]
    r = client.get("/api/v1/analysis/warnings")
    assert {w["code"] for w in r.json()["warnings"]} == {
        "task_without_lead", "task_with_several_leads", "support_only_department", "target_without_unit"
    }
    r = client.get("/api/v1/analysis/matrix")
    assert r.status_code == 200 and len(r.json()["rows"]) == 32
    r = client.get("/api/v1/analysis/workload", params={"document": "1999-00000000"})
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
