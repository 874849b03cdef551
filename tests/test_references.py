"""References: 《…》 titles with exact spans."""

from __future__ import annotations

from importlib import resources

import pytest

from fengong.model import Reference
from fengong.references import MAX_TITLE_LENGTH, find_references

DOC_TITLE = "《2023年浙江省新型城镇化和城乡融合发展工作要点》"


@pytest.fixture(scope="module")
def text() -> str:
    return (resources.files("fengong.data") / "zhejiang-2023-urbanization-work-points.txt").read_text(
        encoding="utf-8"
    )


def titles(refs: list[Reference]) -> list[str]:
    return [r.title for r in refs]


def test_sample_titles_in_order(text):
    refs = find_references(text)
    assert titles(refs) == [
        DOC_TITLE,  # 关于印发《…》的通知 (the document's own title)
        DOC_TITLE,  # 现将《…》印发给你们
        "《浙江省推动落实常住地提供基本公共服务制度 有序推进农业转移人口市民化实施方案》",
        "《关于深入推进城乡风貌整治提升 打造中国式现代化品质城市的意见》",
        "《关于全面推进现代化美丽城镇建设的意见》",
        "《关于支持浙江率先实现城乡融合发展的若干意见》",
    ]
    for r in refs:
        assert text[r.start : r.end] == r.title
        assert r.title.startswith("《") and r.title.endswith("》")
    # The two (十一) titles are written back to back.
    assert refs[3].end == refs[4].start


def test_sample_item_window(text):
    s = text.index("(十一)")
    e = text.index("(十二)")
    refs = find_references(text, s, e)
    assert len(refs) == 2 and all(s <= r.start and r.end <= e for r in refs)
    # A window that cuts a title in half does not report it.
    assert find_references(text, refs[0].start + 1, e) == [refs[1]]
    assert find_references(text, s, refs[1].end - 1) == [refs[0]]


@pytest.mark.parametrize(
    "sentence, expected",
    [
        ("关于印发《关于推进〈城乡融合〉的意见》的通知", ["《关于推进〈城乡融合〉的意见》"]),
        ("关于印发《关于印发《实施方案》的通知》", ["《关于印发《实施方案》的通知》"]),
        ("落实《方案》《意见》和《细则》", ["《方案》", "《意见》", "《细则》"]),
        ("《甲 乙  丙》", ["《甲 乙  丙》"]),
        ("没有书名号", []),
        ("空的《》不算", []),
        ("未闭合《标题\n下一行》", []),
        ("多余的》和《", []),
        ("外层未闭合《甲《乙》", ["《乙》"]),
        ("〈单独的尖括号〉不是", []),
    ],
)
def test_titles(sentence, expected):
    refs = find_references(sentence)
    assert titles(refs) == expected
    for r in refs:
        assert sentence[r.start : r.end] == r.title


def test_offsets_are_absolute():
    s = "前文《甲》。后文《乙》。"
    refs = find_references(s, start=s.index("后"))
    assert refs == [Reference(title="《乙》", start=8, end=11)]


def test_runaway_bracket_is_bounded():
    s = "《" + "字" * (MAX_TITLE_LENGTH + 10) + "》,落实《方案》"
    assert titles(find_references(s)) == ["《方案》"]
