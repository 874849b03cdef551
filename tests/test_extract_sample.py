"""The sample document against a hand-written annotation of every clause."""

from __future__ import annotations

from collections import Counter

import pytest

from conftest import load_fixture
from fengong.model import Role

EXPECTED = load_fixture("sample_assignments.json")


def test_counts(sample_doc):
    assert len(sample_doc.sections) == 7
    assert len(sample_doc.items) == 32
    attributed = [c for _, c in sample_doc.clauses() if c.attribution is not None]
    assert len(attributed) == 56
    roles = Counter(a.role for _, c in sample_doc.clauses() for a in c.assignments)
    assert roles == {Role.LEAD: 52, Role.SUPPORT: 30, Role.CO_RESPONSIBLE: 18}


def test_labels_and_sections(sample_doc):
    assert [i.label for i in sample_doc.items] == list(EXPECTED["items"])
    assert [i.number for i in sample_doc.items] == list(range(1, 33))
    assert [s.title for s in sample_doc.sections][0] == "提高农业转移人口市民化质量"
    assert sample_doc.sections[-1].title == "健全组织实施机制"
    by_label = {i.label: i for i in sample_doc.items}
    assert by_label["(五)"].section == 1
    assert by_label["(六)"].section == 2
    assert by_label["(三十二)"].section == 7
    assert by_label["(十三)"].title == "健全市政设施建设"
    assert by_label["(一)"].title == "深化户籍制度和新型居住证制度改革"


@pytest.mark.parametrize("label", list(EXPECTED["items"]))
def test_every_clause(sample_doc, label):
    item = next(i for i in sample_doc.items if i.label == label)
    got = [[[a.name, a.role.value] for a in c.assignments] for c in item.clauses if c.attribution is not None]
    assert got == EXPECTED["items"][label]


def test_spans_point_into_text(sample_doc):
    text = sample_doc.text
    for item in sample_doc.items:
        assert text[item.start:item.end].startswith(item.label)
        for clause in item.clauses:
            assert text[clause.start:clause.end] == clause.text
            if clause.attribution is not None:
                assert text[clause.attribution_start:clause.attribution_end] == clause.attribution
            for a in clause.assignments:
                assert text[a.start:a.end] == a.name


def test_item_five_has_four_owners(sample_doc):
    item = sample_doc.items[4]
    assert item.label == "(五)"
    assert len(item.clauses) == 4
    assert item.clauses[1].text.startswith("制定我省“钱随人走”制度改革总体方案")
    assert item.clauses[3].assignments[0].department == item.clauses[3].assignments[0].department
    assert {a.name for c in item.clauses for a in c.assignments} == {
        "省委编办", "省财政厅", "省自然资源厅", "国家统计局浙江调查总队"}


def test_non_attribution_parentheses_stay_text(sample_doc):
    texts = {i.label: "".join(c.text for c in i.clauses) for i in sample_doc.items}
    assert "县(市、区)" in texts["(一)"] or "县(市、区)" in sample_doc.items[0].clauses[0].attribution
    assert "25万套(间)" in texts["(十八)"]
    assert "(暂名)" in texts["(十九)"]
    assert "(社区卫生服务站)" in texts["(二十)"]
    assert "(城区)" in texts["(十一)"]
    assert "(公卫)" in texts["(十六)"]
    assert "新(改扩)建" in texts["(十九)"]
    assert "(农房浙建事)" in texts["(三十)"]


def test_items_without_units(sample_doc):
    for label in ("(三十一)", "(三十二)"):
        item = next(i for i in sample_doc.items if i.label == label)
        assert item.assignments() == []
        assert len(item.clauses) == 1 and item.clauses[0].attribution is None
    # The footer "信息来源" is not part of the last item.
    assert "信息来源" not in sample_doc.items[-1].clauses[0].text


def test_implementer_rule_is_read_from_the_text(sample_doc):
    rule_unit = EXPECTED["implementer"]
    covered = [i for i in sample_doc.items if i.implementers]
    # Every task that names responsible units, and no other.
    assert [i.label for i in covered] == [l for l, cl in EXPECTED["items"].items() if cl]
    for item in covered:
        (impl,) = item.implementers
        assert impl.role == Role.IMPLEMENTER
        assert impl.name == rule_unit
        assert sample_doc.text[impl.rule_start:impl.rule_end].startswith("以下各项任务均需")
    # The rule itself is not a unit of the first clause.
    assert [a.name for a in sample_doc.items[0].clauses[0].assignments] == ["省公安厅"]


def test_implementer_rule_is_not_hard_coded():
    from fengong.extract import extract_text

    text = ("一、总体\n(一)任务甲。做事(市建委)。\n"
            "(二)任务乙。做事(市水务局;以下任务均由各区政府负责落实,不再单独列出)。\n"
            "(三)任务丙。做事(市交通局)。\n")
    doc = extract_text(text)
    assert [len(i.implementers) for i in doc.items] == [0, 1, 1]
    assert doc.items[1].implementers[0].name == "各区政府"
    plain = extract_text("一、总体\n(一)任务甲。做事(市建委)。\n")
    assert plain.items[0].implementers == []


def test_metadata(sample_doc):
    meta = sample_doc.document
    assert meta.title == "2023年浙江省新型城镇化和城乡融合发展工作要点"
    assert meta.doc_number == "浙发改城镇函〔2023〕388号"
    assert meta.issued == "2023-07-24"
    assert meta.published == "2023-09-15"
    assert meta.issuer_name == "浙江省发展和改革委员会"
    assert meta.issuer  # resolved to the registry id of 省发改委


def test_aliases_resolve_to_one_department(sample_doc):
    ids = {a.department for _, c in sample_doc.clauses() for a in c.assignments if a.name == "省发展改革委"}
    assert len(ids) == 1
    assert sample_doc.document.issuer in ids


def test_all_sample_units_registered(sample_doc):
    assert [w for w in sample_doc.warnings if w.code == "unregistered_unit"] == []
    assert [w for w in sample_doc.warnings if w.code == "suspicious_parenthesis"] == []


def test_document_level_targets(sample_doc):
    values = {(t.metric, t.value, t.unit, t.comparator) for t in sample_doc.targets}
    assert any(v[1] == 73.5 and v[2] == "%" and v[3] == ">=" for v in values)
    assert any(v[1] == 1.9 and v[3] == "~" for v in values)
    assert len(sample_doc.targets) == 2


def test_deterministic(sample_doc):
    from fengong.extract import extract_sample

    assert extract_sample().to_dict() == sample_doc.to_dict()
