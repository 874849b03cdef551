"""Attribution and numbering styles of the genre beyond the sample, on documents written
for these tests (tests/fixtures/styles/). Each fixture document ends every task with the
expected assignments in tests/fixtures/styles/expected.json: item label → clauses →
[unit as written, role]."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fengong.extract import extract_file, extract_text

STYLES = Path(__file__).parent / "fixtures" / "styles"
EXPECTED = json.loads((STYLES / "expected.json").read_text(encoding="utf-8"))


def assignments(doc):
    return [[i.label, [[[a.name, a.role.value] for a in c.assignments] for c in i.clauses if c.attribution is not None]]
            for i in doc.items]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_style_document(name):
    expected = EXPECTED[name]
    doc = extract_file(STYLES / name)
    assert assignments(doc) == expected["items"]
    if "sections" in expected:
        assert [s.title for s in doc.sections] == expected["sections"]
    if "deadlines" in expected:
        assert [[i.label, i.deadline] for i in doc.items if i.deadline] == expected["deadlines"]
    for item in doc.items:
        for c in item.clauses:
            assert doc.text[c.start:c.end] == c.text
            for a in c.assignments:
                assert doc.text[a.start:a.end] == a.name


def test_relative_names_follow_the_documents_jurisdiction():
    zj = extract_text("浙江省2024年工作要点\n一、总体\n(一)任务。做事(省发改委牵头,省财政厅配合)。\n")
    js = extract_text("江苏省2024年工作要点\n一、总体\n(一)任务。做事(省发改委牵头,省财政厅配合)。\n")
    zj_ids = [a.department for a in zj.items[0].clauses[0].assignments]
    js_ids = [a.department for a in js.items[0].clauses[0].assignments]
    assert zj_ids[0] == "zj-drc"
    assert not set(zj_ids) & set(js_ids)  # Jiangsu's 省发改委 is not Zhejiang's
    warnings = [w.message for w in js.warnings if w.code == "unregistered_unit"]
    assert any("江苏省发改委" in m for m in warnings)


def test_dropped_prefix_is_restored():
    doc = extract_text("杭州市2024年工作要点\n一、总体\n(一)任务。做事(市发改委、财政局、住建局按职责分工负责)。\n"
                       "(二)任务。做事(市财政局)。\n")
    first = {a.name: a.department for a in doc.items[0].clauses[0].assignments}
    second = doc.items[1].clauses[0].assignments[0]
    assert first["财政局"] == second.department  # 财政局 after 市发改委 is 市财政局
    assert [a.role.value for a in doc.items[0].clauses[0].assignments] == ["co_responsible"] * 3


def test_jurisdiction_from_doc_number():
    doc = extract_text("苏政办发〔2024〕12号\n关于做好若干工作的通知\n一、总体\n(一)任务。做事(省发改委)。\n")
    (a,) = doc.items[0].clauses[0].assignments
    assert a.department != "zj-drc"


def test_numbering_restarts_and_variants():
    text = ("一、第一部分\n1．任务甲。做事(市建设局)。\n2. 任务乙。做事(市水务局)。\n"
            "二、第二部分\n1、任务丙。做事(市交通局牵头，市公安局配合)。\n"
            "（1）细项一。\n（2）细项二。\n2.任务丁。做事(市教育局)。\n")
    doc = extract_text(text)
    assert [i.label for i in doc.items] == ["1．", "2.", "1、", "2."]
    assert [i.section for i in doc.items] == [1, 1, 2, 2]
    assert "（1）细项一" in doc.items[2].clauses[-1].text or "细项一" in doc.text[doc.items[2].start:doc.items[2].end]


def test_task_level_is_the_one_with_attributions():
    text = ("一、稳增长\n（一）扩大有效投资\n1.推进重大项目。做事(市发改委牵头，市财政局配合)。\n"
            "2.推进技改。做事(市经信局)。\n（二）促进消费\n1.办好消费节。做事(市商务局牵头)。\n")
    doc = extract_text(text)
    assert [i.label for i in doc.items] == ["1.", "2.", "1."]
    assert [i.number for i in doc.items] == [1, 2, 3]


def test_boxes_and_annexes_are_not_tasks():
    text = ("一、总体\n(一)任务甲。做事(市建设局)。\n\n专栏1 重点项目\n1.项目一\n2.项目二\n\n"
            "(二)任务乙。做事(市水务局)。\n\n附件：1.名词解释\n(三)不是任务。做事(市财政局)。\n")
    doc = extract_text(text)
    assert [i.label for i in doc.items] == ["(一)", "(二)"]
    assert "项目一" not in "".join(c.text for i in doc.items for c in i.clauses)


def test_units_the_patterns_do_not_know_are_kept_and_reported():
    doc = extract_text("一、总体\n(一)任务。做事(之江实验室牵头，省科技厅配合)。\n(二)任务。做事(之江实验室)。\n")
    first = doc.items[0].clauses[0].assignments
    assert [(a.name, a.role.value, a.registered) for a in first] == [
        ("之江实验室", "lead", False), ("省科技厅", "support", True)]
    codes = [w.code for w in doc.warnings]
    assert "untyped_unit" in codes or "unregistered_unit" in codes
    # Alone and unmarked, the parenthesis is not read as an attribution, but it is reported.
    assert doc.items[1].clauses[0].attribution is None
    assert any(w.code == "suspicious_parenthesis" and "之江实验室" in w.message for w in doc.warnings) or any(
        w.code == "no_attribution" and "(二)" in w.message for w in doc.warnings)
