"""Fuzzing the extractor with hypothesis: any text or bytes either extracts into a
document whose every span points into its text, or fails with the one clear error type
the CLI and API report (ReadError / ExtractionError). No other exception, no hang."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fengong.extract import ExtractionError, extract_bytes, extract_text
from fengong.reading import ReadError

# Pieces of the genre, so that generated texts reach deep into the parser.
FRAGMENTS = [
    "一、", "二、", "(一)", "（二）", "1.", "2、", "（3）", "①", "专栏1", "附件：", "信息来源:", "\n", "\n\n", "。", "，",
    "、", ";", "；", "(", ")", "（", "）", "牵头", "配合", "按职责分工负责", "负责", "参与", "牵头单位：", "责任单位：",
    "配合单位：", "完成时限：", "省建设厅", "省发展改革委", "杭州市", "各有关部门", "各市、县(市、区)人民政府",
    "市财政局", "财政局", "以及", "和", "新增绿地", "1500", "10万", "1.1万", "公顷", "个", "%", "以上", "左右", "超",
    "以内", "杭绍", "山区26县", "《关于…的意见》", "以下各项任务均需", "落实,不再单独列出", "\t", "序号\t任务\t牵头单位\n",
    "2023年7月24日", "浙发改城镇函〔2023〕388号", "<p>", "</p>", "<script>", "&amp;", "\u200b", "\u202e", "\ufeff",
]

texts = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=8)), max_size=80).map("".join)


def _check(doc) -> None:
    text = doc.text
    for item in doc.items:
        assert 0 <= item.start <= item.end <= len(text)
        for c in item.clauses:
            assert text[c.start:c.end] == c.text
            for a in c.assignments:
                assert text[a.start:a.end] == a.name
        for t in item.targets:
            assert text[t.start:t.end] == t.text
        for r in item.regions:
            assert 0 <= r.start <= r.end <= len(text)
    doc.to_dict()


@settings(max_examples=400, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
def test_text_never_crashes(text):
    try:
        doc = extract_text(text)
    except ExtractionError:
        return
    _check(doc)


@settings(max_examples=200, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000), st.sampled_from(["x.txt", "x.html", "x.docx", "x.pdf", None, "x.bin"]))
def test_bytes_never_crash(data, name):
    try:
        doc = extract_bytes(data, name)
    except (ReadError, ExtractionError):
        return
    _check(doc)
