"""fengong.diff: the sample against a second version written by hand
(tests/fixtures/zhejiang-2024-edited.txt); the comparison must report exactly the edits
listed in tests/fixtures/zhejiang-2024-edits.json, and record them in the graph."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from rdflib import Literal
from rdflib.namespace import RDF

from conftest import FIXTURES, load_fixture
from fengong.diff import change_graph, changes_graph_iri, diff_documents, record_changes, task_similarity
from fengong.rdf import department_iri
from fengong.vocab import CHANGE_KINDS, FG

EDITED = FIXTURES / "zhejiang-2024-edited.txt"


@pytest.fixture(scope="module")
def edits():
    return load_fixture("zhejiang-2024-edits.json")


@pytest.fixture(scope="module")
def edited_doc():
    from fengong.extract import extract_file

    return extract_file(EDITED)


@pytest.fixture(scope="module")
def store(sample_doc, edited_doc):
    from fengong.store import open_store

    s = open_store("memory")
    s.add_documents([sample_doc, edited_doc])
    return s


@pytest.fixture(scope="module")
def diff(store, sample_doc, edited_doc):
    return diff_documents(store, sample_doc.id, edited_doc.id)


@pytest.fixture(scope="module")
def registry():
    from fengong.registry import DepartmentRegistry

    return DepartmentRegistry.default()


def label(diff, task_id):
    return None if task_id is None else diff.facts.task(task_id).label


def test_the_edited_version_is_a_different_document(edited_doc, sample_doc, edits):
    meta = edited_doc.document
    assert edited_doc.id != sample_doc.id
    assert (meta.title, meta.doc_number, meta.issued) == (edits["to"]["title"], edits["to"]["doc_number"],
                                                          edits["to"]["issued"])


def test_tasks_added_removed_modified_are_exactly_the_edits(diff, edits):
    assert [(t.label, t.title) for t in diff.added_tasks()] == [(e["to"], e["title"]) for e in edits["tasks_added"]]
    assert [(t.label, t.title) for t in diff.removed_tasks()] == [
        (e["from"], e["title"]) for e in edits["tasks_removed"]
    ]
    assert [(a.label, b.label, b.title) for a, b in diff.modified_tasks()] == [
        (e["from"], e["to"], e["title"]) for e in edits["tasks_modified"]
    ]


def test_tasks_are_matched_by_content_not_by_number(diff):
    pairs = {(label(diff, m.from_task), label(diff, m.to_task)) for m in diff.matches}
    assert len(diff.matches) == 31
    assert ("(十八)", "(十九)") in pairs  # 打造“浙里安居”名片, renumbered
    assert ("(二十四)", "(二十五)") in pairs
    assert ("(二十六)", "(二十六)") in pairs  # back on its old number after the drop
    assert ("(二十五)", "(二十五)") not in pairs  # same number, different task
    for m in diff.matches:
        assert diff.facts.task(m.from_task).title == diff.facts.task(m.to_task).title


@pytest.mark.parametrize("kind", ["responsibility_gained", "responsibility_lost"])
def test_responsibilities_gained_and_lost_are_exactly_the_edits(diff, edits, registry, kind):
    expected = sorted(
        (registry.resolve(e["department"]).id, e["role"], e["from"] or "", e["to"] or "")
        for e in edits["responsibilities_" + kind.split("_")[1]]
    )
    found = sorted((c.department, c.role, label(diff, c.from_task) or "", label(diff, c.to_task) or "")
                   for c in diff.of_kind(kind))
    assert found == expected


def test_per_department_view(diff):
    housing = diff.by_department()["zj-housing"]
    assert {(c.role, label(diff, c.to_task)) for c in housing["gained"]} == {
        ("lead", "(十八)"), ("lead", "(二十四)"), ("support", "(十四)")
    }
    assert [(c.role, label(diff, c.from_task)) for c in housing["lost"]] == [("lead", "(十四)")]


def test_targets_changed_are_exactly_the_edits(diff, edits):
    found = sorted(
        (label(diff, c.from_task) or "", label(diff, c.to_task) or "", c.metric, c.before, c.after)
        for c in diff.of_kind("target_changed")
    )
    expected = sorted(
        (e["from"] or "", e["to"] or "", e["metric"], Decimal(str(e["before"])), Decimal(str(e["after"])))
        for e in edits["targets_changed"]
    )
    assert found == expected
    assert len(diff.of_kind("target_added")) == len(edits["targets_added"]) == 0
    assert len(diff.of_kind("target_removed")) == len(edits["targets_removed"]) == 0


def test_nothing_more_is_reported(diff, edits):
    expected = {
        "task_added": len(edits["tasks_added"]),
        "task_removed": len(edits["tasks_removed"]),
        "task_modified": len(edits["tasks_modified"]),
        "responsibility_gained": len(edits["responsibilities_gained"]),
        "responsibility_lost": len(edits["responsibilities_lost"]),
        "target_changed": len(edits["targets_changed"]),
        "target_added": 0,
        "target_removed": 0,
    }
    assert diff.to_dict()["counts"] == expected
    assert len(diff.changes) == sum(expected.values())


def test_a_document_against_itself_has_no_changes(store, sample_doc):
    same = diff_documents(store, sample_doc.id, sample_doc.id)
    assert same.changes == []
    assert len(same.matches) == 32


def test_similarity_prefers_the_rewritten_task():
    m = task_similarity(["新增停车位10万个,新增绿地1500公顷以上"], ["新增停车位12万个,新增绿地1800公顷以上", "建设城市书房200个"])
    assert m[0][0] > 0.6 > 0.3 > m[0][1]


def test_change_records_in_the_graph(store, diff):
    g = change_graph(diff, store.base)
    changes = set(g.subjects(RDF.type, FG.Change))
    assert len(changes) == len(diff.changes)
    for node in changes:
        assert g.value(node, FG.changeKind) in set(CHANGE_KINDS.values())
        assert g.value(node, FG.fromDocument) is not None and g.value(node, FG.toDocument) is not None
    gained = [n for n in changes if g.value(n, FG.changeKind) == FG.ResponsibilityGained]
    assert all(g.value(n, FG.affectedDepartment) and g.value(n, FG.affectedRole) for n in gained)
    # Content-derived IRIs: the same comparison gives the same graph.
    assert set(change_graph(diff, store.base)) == set(g)


WHEN_GAINED = """
PREFIX fg: <https://w3id.org/fengong/ns#>
PREFIX eli: <http://data.europa.eu/eli/ontology#>
PREFIX dct: <http://purl.org/dc/terms/>
SELECT ?date ?number ?label ?role WHERE {
    ?change fg:changeKind fg:ResponsibilityGained ;
            fg:affectedDepartment ?dept ;
            fg:affectedRole ?role ;
            fg:toTask ?task ;
            fg:toDocument ?doc .
    ?task dct:title ?title ; eli:number ?label .
    ?doc eli:date_document ?date ; dct:identifier ?number .
}
"""


def test_when_did_the_construction_department_gain_this_task(store, diff):
    """"When did 省建设厅 gain 优化城市空间治理?" is a SPARQL query over the recorded changes."""
    iri = record_changes(store, diff)
    assert iri == changes_graph_iri(diff.a.id, diff.b.id, store.base)
    bindings = {"dept": department_iri("zj-housing", store.base), "title": Literal("优化城市空间治理", lang="zh")}
    rows = store.select(WHEN_GAINED, bindings)
    assert [(str(r["date"]), str(r["number"]), str(r["label"]), r["role"]) for r in rows] == [
        ("2024-06-18", "浙发改城镇函〔2024〕112号", "(二十四)", FG.Lead)
    ]
    # It never gained 加强基层社会治理.
    bindings["title"] = Literal("加强基层社会治理", lang="zh")
    assert store.select(WHEN_GAINED, bindings) == []
    # Recording again changes nothing, and the documents are still the only documents.
    before = store.count((None, None, None))
    record_changes(store, diff)
    assert store.count((None, None, None)) == before
    assert store.document_ids() == sorted([diff.a.id, diff.b.id])


def test_cli_diff_of_two_files(capsys, edits):
    from fengong.api.cli import main
    from fengong.reading import sample_path

    assert main(["diff", str(sample_path()), str(EDITED), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["counts"]["task_added"] == 1 and data["counts"]["responsibility_lost"] == 6
    assert data["to"]["number"] == edits["to"]["doc_number"]
    assert main(["diff", str(sample_path()), str(EDITED)]) == 0
    out = capsys.readouterr().out
    assert "新增任务 (十八)加快城市燃气管道等老化更新改造" in out
    assert "不再承担 省自然资源厅 牵头 (二十三)优化城市空间治理" in out
    assert main(["diff", str(sample_path()), str(EDITED), "--turtle"]) == 0
    assert "fg:ResponsibilityGained" in capsys.readouterr().out
    assert main(["diff", str(sample_path()), "no-such-id"]) == 2
    assert main(["diff", str(sample_path()), str(EDITED), "--record"]) == 2


def test_api_diff(store, diff):
    from fastapi.testclient import TestClient

    from fengong.api.app import create_app
    from fengong.api.settings import Settings

    client = TestClient(create_app(Settings(), store=store))
    r = client.get("/api/v1/diff", params={"a": diff.a.id, "b": diff.b.id})
    assert r.status_code == 200
    body = r.json()
    assert body["counts"] == diff.to_dict()["counts"]
    gained = [c for c in body["changes"] if c["kind"] == "responsibility_gained"]
    assert {"department": {"id": "zj-housing", "label": "省建设厅", "name": "浙江省住房和城乡建设厅"}}.items() <= \
        next(c for c in gained if c["to_task"]["title"] == "优化城市空间治理").items()
    r = client.get("/api/v1/diff", params={"a": diff.a.id, "b": diff.b.id}, headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    assert "fg:TaskAdded" in r.text
    r = client.get("/api/v1/diff", params={"a": diff.a.id, "b": "1999-00000000"})
    assert r.status_code == 404
    r = client.get("/api/v1/diff", params={"a": diff.a.id, "b": diff.a.id})
    assert r.status_code == 400


def test_cli_diff_records_into_a_data_directory(tmp_path, sample_doc, edited_doc, capsys):
    """`fengong diff ID_A ID_B --data DIR --record` writes the change records into the
    persistent store, where the "when" question finds them."""
    from fengong.api.cli import main
    from fengong.store import open_store

    with open_store("oxigraph", path=tmp_path / "store") as store:
        store.add_documents([sample_doc, edited_doc])
    assert main(["diff", sample_doc.id, edited_doc.id, "--data", str(tmp_path), "--record"]) == 0
    assert "不再承担 省发展改革委 牵头 (二十六)积极打造城乡融合发展省域范例" in capsys.readouterr().out
    with open_store("oxigraph", path=tmp_path / "store") as store:
        rows = store.select(WHEN_GAINED, {"dept": department_iri("zj-agriculture", store.base),
                                          "title": Literal("积极打造城乡融合发展省域范例", lang="zh")})
        assert [(str(r["date"]), r["role"]) for r in rows] == [("2024-06-18", FG.Lead)]
        assert store.document_ids() == sorted([sample_doc.id, edited_doc.id])
    # A file beside a document id of the store.
    assert main(["diff", sample_doc.id, str(EDITED), "--data", str(tmp_path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["counts"]["task_removed"] == 1
