"""Reading: encodings, BOM, HTML, and the offsets that point into the stored text."""

from __future__ import annotations

import codecs

import pytest

from fengong.extract import extract_bytes
from fengong.reading import ReadError, decode, read_bytes

SNIPPET = "一、总体要求\n(一)建设绿道。新建绿道500公里以上(省建设厅牵头,省林业局配合)。\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16"])
def test_encodings_give_the_same_document(encoding):
    doc = extract_bytes(SNIPPET.encode(encoding), "plan.txt")
    assert doc.text == SNIPPET
    (clause,) = doc.items[0].clauses
    assert [(a.name, a.role.value) for a in clause.assignments] == [("省建设厅", "lead"), ("省林业局", "support")]


def test_bom_is_not_part_of_the_text():
    text, enc = decode(codecs.BOM_UTF8 + "省".encode())
    assert text == "省" and enc == "utf-8-sig"


def test_sample_in_gb18030_equals_utf8(sample_text, sample_doc):
    doc = extract_bytes(sample_text.encode("gb18030"), "sample.txt")
    assert doc.to_dict()["items"] == sample_doc.to_dict()["items"]


def test_html_page_keeps_text_drops_navigation(sample_text, sample_doc):
    body = "".join(f"<p>{line}</p>\n" for line in sample_text.splitlines() if line.strip())
    page = ("<!DOCTYPE html><html><head><title>x</title><script>var a='(省建设厅)';</script>"
            "<style>p{}</style></head><body><div class='nav-menu'>首页 | 政务公开 | (一)导航项目。(省财政厅)</div>"
            f"<div class='breadcrumb'>当前位置</div><div class='article-content'>{body}</div>"
            "<div class='footer'>版权所有 浙江省发展和改革委员会</div></body></html>")
    doc = extract_bytes(page.encode("utf-8"), "page.html")
    assert "导航项目" not in doc.text and "版权所有" not in doc.text and "var a" not in doc.text
    assert len(doc.items) == 32
    ours = [[(a.name, a.role) for c in i.clauses for a in c.assignments] for i in doc.items]
    theirs = [[(a.name, a.role) for c in i.clauses for a in c.assignments] for i in sample_doc.items]
    assert ours == theirs
    for item in doc.items:
        for c in item.clauses:
            assert doc.text[c.start:c.end] == c.text


def test_html_entities_and_gb18030_meta():
    page = "<html><body><p>(一)建设&amp;管理。推进(市建设局)。</p></body></html>"
    doc = extract_bytes(page.encode("gb18030"), "p.htm")
    assert doc.items[0].title == "建设&管理"


@pytest.mark.parametrize("data,message", [
    (b"", "empty"),
    (b"   \n\n", "empty"),
    (b"\x00\x01\x02\x03binary", "binary"),
    (bytes(range(128, 256)) * 20, "decode"),
])
def test_bad_bytes(data, message):
    with pytest.raises(ReadError, match=message):
        read_bytes(data, "x.txt")


def test_html_ordered_lists_get_the_numbers_a_browser_draws():
    from fengong.extract import extract_bytes
    from fengong.html_text import html_to_text

    page = ("<html><body><div class='nav'><ol><li>首页</li><li>政务公开</li></ol></div>"
            "<div class='article'><h1>某市2024年工作要点</h1><ol><li>推进城市更新（市住建局负责）。"
            "<ol><li>细化改造清单</li><li>推进城中村改造</li></ol></li>"
            "<li>推进乡村振兴（市农业农村局牵头，市财政局配合）。</li></ol><ul><li>说明</li></ul>"
            "<ol start='3'><li>强化保障（市政府办公室负责）。</li></ol></div></body></html>")
    lines = [line for line in html_to_text(page).splitlines() if line]
    assert lines == ["某市2024年工作要点", "1.推进城市更新（市住建局负责）。", "（1）细化改造清单", "（2）推进城中村改造",
                     "2.推进乡村振兴（市农业农村局牵头，市财政局配合）。", "说明", "3.强化保障（市政府办公室负责）。"]
    doc = extract_bytes(page.encode(), "plan.html")
    assert [(i.label, [(a.name, a.role.value) for c in i.clauses for a in c.assignments]) for i in doc.items] == [
        ("1.", [("市住建局", "lead")]), ("2.", [("市农业农村局", "lead"), ("市财政局", "support")]),
        ("3.", [("市政府办公室", "lead")])]
