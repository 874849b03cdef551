"""Quantitative targets: fengong.targets.find_targets."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fengong.model import Target
from fengong.targets import COMPARATORS, find_targets

FIXTURE = Path(__file__).parent / "fixtures" / "sample_targets.json"


@pytest.fixture(scope="module")
def text() -> str:
    return resources.files("fengong.data").joinpath("zhejiang-2023-urbanization-work-points.txt").read_text(
        encoding="utf-8")


@pytest.fixture(scope="module")
def expected() -> list[dict]:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))["targets"]


def _paragraphs(text: str) -> list[tuple[str, int, int, list[tuple[int, int]]]]:
    """(label, body start, end, attribution spans) for the preamble and each numbered item,
    found the simple way the sample allows: one paragraph per line, attributions are the
    parentheses naming 省…/国家… units."""
    out, pos = [], 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\n")
        m = re.match(r"\([一二三四五六七八九十]+\)", body)
        label = m.group() if m else "preamble" if body.startswith("2023年我省新型城镇化") else None
        if label:
            start = pos + (m.end() if m else 0)
            spans = [(pos + a.start(), pos + a.end()) for a in re.finditer(r"\((?:省|国家)[^()]*\)", body)]
            out.append((label, start, pos + len(body), spans))
        pos += len(line)
    return out


def _key(t: Target) -> tuple[int, int]:
    return (t.start, t.end)


def _check(found: list[Target], expected: list[dict], text: str) -> None:
    by_span = {_key(t): t for t in found}
    missing = [e["text"] for e in expected if (e["start"], e["end"]) not in by_span]
    assert not missing, f"targets not found: {missing}"
    extra = sorted(set(by_span) - {(e["start"], e["end"]) for e in expected})
    assert not extra, f"unexpected targets: {[by_span[k].text for k in extra]}"
    for e in expected:
        t = by_span[(e["start"], e["end"])]
        assert text[t.start:t.end] == t.text == e["text"]
        got = {k: getattr(t, k) for k in ("metric", "value", "value_text", "unit", "comparator", "scope", "period")}
        want = {k: e[k] for k in got}
        assert got == want, t.text


# -- the sample -----------------------------------------------------------------------------

def test_fixture_is_consistent(text, expected):
    assert len(expected) == 54
    for e in expected:
        assert text[e["start"]:e["end"]] == e["text"]
        assert e["comparator"] in COMPARATORS


def test_sample_per_item(text, expected):
    """As the extractor calls it: once per item body and once for the preamble, with the
    attribution parentheses excluded."""
    found = []
    for label, start, end, spans in _paragraphs(text):
        targets = find_targets(text, start, end, exclude=spans)
        for t in targets:
            assert start <= t.start < t.end <= end
            assert not any(a <= t.start < b or a < t.end <= b for a, b in spans)
        found.extend(targets)
        mine = [e for e in expected if e["item"] == label]
        _check(targets, mine, text)
    _check(found, expected, text)


def test_sample_whole_document_without_exclusions(text, expected):
    # The head (dates, 发文字号, 2023- 09- 15 09: 42) gives nothing; attributions that are not
    # excluded do not leak into metrics.
    _check(find_targets(text), expected, text)


def test_exclusions_given_without_brackets(text, expected):
    found = []
    for _, start, end, spans in _paragraphs(text):
        found += find_targets(text, start, end, exclude=[(a + 1, b - 1) for a, b in spans])
    _check(found, expected, text)


def test_window_offsets_are_absolute(text, expected):
    label, start, end, spans = next(p for p in _paragraphs(text) if p[0] == "(十三)")
    targets = find_targets(text, start, end, exclude=spans)
    assert [t.text for t in targets] == [e["text"] for e in expected if e["item"] == "(十三)"]
    assert all(text[t.start:t.end] == t.text for t in targets)
    # A window that ends inside a target cuts it off rather than reading past the end.
    cut = targets[1].start + 4  # inside 新增绿地1500公顷以上
    assert [t.text for t in find_targets(text, start, cut)] == [targets[0].text]


def test_window_does_not_borrow_context_from_outside():
    text = "到2025年,全省新增停车位10万个。"
    inside = find_targets(text, text.index("新增"))
    assert [(t.text, t.scope, t.period) for t in inside] == [("新增停车位10万个", None, None)]


def test_excluded_spans_are_ignored_and_end_clauses():
    text = "新增停车位10万个(省建设厅、杭州等10个市)。新增绿地20公顷(省林业局)"
    a = text.index("(")
    b = text.index(")") + 1
    with_exclusion = find_targets(text, exclude=[(a, b)])
    assert [t.text for t in with_exclusion] == ["新增停车位10万个", "新增绿地20公顷"]
    without = find_targets(text)
    assert "10个市" in {t.text for t in without}  # the number in the parenthesis is a count when not excluded


# -- not targets ----------------------------------------------------------------------------

@pytest.mark.parametrize(
    "sentence",
    [
        "持续推进“双城记”八大专项行动、十大标志性工程和十项重大改革。",
        "持续推进双城记八大专项行动、十大标志性工程和十项重大改革。",
        "深入实施高水平县级医院建设七大行动20条举措。",
        "复制推广长三角生态绿色一体化发展示范区第二批制度创新经验。",
        "2023年我省新型城镇化和城乡融合发展工作总的要求是加快发展。",
        "6月底前完成。",
        "鼓励有条件的幼儿园开设面向2-3岁托班。",
        "努力打造“10分钟品质体育生活圈”。",
        "努力打造10分钟品质体育生活圈。",
        "打造城乡15分钟亲水圈。",
        "深化“1+5”国家农村宅基地制度改革试点。",
        "深化1+5国家农村宅基地制度改革试点。",
        "加强基层治理“一中心四平台一网格”建设。",
        "加强基层治理一中心四平台一网格建设。",
        "加快提升山区26县县城发展水平。",
        "深入贯彻落实党的二十大和省第十五次党代会精神。",
        "在全国率先实现“两县”广覆盖。",
        "在全国率先实现两县广覆盖。",
        "深化农村承包地“三权分置”改革。",
        "加快补齐农产品冷链物流“最初一公里”的短板。",
        "加快补齐农产品冷链物流最初一公里的短板。",
        "推进城市容貌从一处美、一片美向一体美、一城美迭代。",
        "国家发展改革委等十五部门联合印发《关于支持浙江率先实现城乡融合发展的若干意见》。",
        "印发《2023年浙江省新型城镇化和城乡融合发展工作要点》。",
        "浙发改城镇函〔2023〕388号",
        "发布时间: 2023- 09- 15 09: 42",
        "2023年7月24日",
        "(1)加强组织领导。1.明确责任分工。",
        "打造1小时交通圈,实施三年行动计划,推动5G网络覆盖,培育G60科创走廊。",
        "围绕“3+N”产业体系,出台“十百千”工程方案,落实惠企政策30条。",
        "建设总投资100亿元的项目。",
    ],
)
def test_not_targets(sentence):
    assert find_targets(sentence) == []


# -- other documents of the genre ------------------------------------------------------------

GENRE = [
    ("到2025年,全市新增城镇就业5万人以上。",
     [dict(metric="新增城镇就业", value=50000, unit="人", comparator=">=", scope="全市", period="2025年",
           value_text="5万", text="全市新增城镇就业5万人以上")]),
    ("PM2.5平均浓度控制在30微克/立方米以内。",
     [dict(metric="PM2.5平均浓度", value=30, unit="微克/立方米", comparator="<=")]),
    ("单位GDP能耗下降3%左右。",
     [dict(metric="单位GDP能耗下降", value=3, unit="%", comparator="~")]),
    ("力争完成投资200亿元。",
     [dict(metric="完成投资", value=2e10, unit="元", comparator="=", value_text="200亿")]),
    ("新增光伏装机容量100万千瓦,粮食播种面积稳定在1500万亩以上。",
     [dict(metric="新增光伏装机容量", value=1e6, unit="千瓦", comparator="="),
      dict(metric="粮食播种面积", value=1.5e7, unit="亩", comparator=">=")]),
    ("森林覆盖率提高0.5个百分点,城镇调查失业率控制在5.5%以内。",
     [dict(metric="森林覆盖率提高", value=0.5, unit="个百分点", comparator="="),
      dict(metric="城镇调查失业率", value=5.5, unit="%", comparator="<=")]),
    ("研发经费投入强度力争达到3.2%,城镇新增就业确保完成10万人。",
     [dict(metric="研发经费投入强度", value=3.2, unit="%", comparator=">="),
      dict(metric="城镇新增就业", value=100000, unit="人", comparator="=")]),
    ("全年接待游客超过1亿人次。",
     [dict(metric="接待游客", value=1e8, unit="人次", comparator=">", period="全年")]),
    ("新建5G基站1.2万个。",
     [dict(metric="新建5G基站", value=12000, unit="个", comparator="=")]),
    ("建成区面积不超过120平方公里,二氧化硫排放量低于1万吨。",
     [dict(metric="建成区面积", value=120, unit="平方公里", comparator="<="),
      dict(metric="二氧化硫排放量", value=10000, unit="吨", comparator="<")]),
    ("人均预期寿命达到80岁,每千人口拥有3岁以下婴幼儿托位数达到4.5个。",
     [dict(metric="人均预期寿命", value=80, unit="岁", comparator=">="),
      dict(metric="每千人口拥有3岁以下婴幼儿托位数", value=4.5, unit="个", comparator=">=")]),
    ("地表水省控断面优良水质比例不低于95%,新增城镇就业人数不少于10万人。",
     [dict(metric="地表水省控断面优良水质比例", value=95, unit="%", comparator=">="),
      dict(metric="新增城镇就业人数", value=100000, unit="人", comparator=">=")]),
    ("新增规上工业企业100家左右,约30家企业上市。",
     [dict(metric="新增规上工业企业", value=100, unit="家", comparator="~"),
      dict(metric="企业上市", value=30, unit="家", comparator="~", text="约30家企业上市")]),
    ("城乡居民人均可支配收入分别增长6.5%和7.5%。",
     [dict(metric="城乡居民人均可支配收入分别增长", value=6.5, unit="%"),
      dict(metric="城乡居民人均可支配收入分别增长", value=7.5, unit="%", text="7.5%")]),
    ("建设10个示范区和5个产业园。",
     [dict(metric="示范区", value=10, unit="个", text="10个示范区"),
      dict(metric="产业园", value=5, unit="个", text="5个产业园")]),
    ("新培育30家国家级专精特新“小巨人”企业。",
     [dict(metric="国家级专精特新“小巨人”企业", value=30, unit="家")]),
    ("新建农村公路三千公里。",
     [dict(metric="新建农村公路", value=3000, unit="公里", value_text="三千")]),
    ("到“十四五”末,全省污水处理率达到98%。",
     [dict(metric="污水处理率", value=98, unit="%", comparator=">=", scope="全省", period="“十四五”末")]),
    ("新增高速公路里程100公里,完成交通投资3000亿元以上。",
     [dict(metric="新增高速公路里程", value=100, unit="公里"),
      dict(metric="交通投资", value=3e11, unit="元", comparator=">=")]),
    ("新增3000余辆新能源公交车,培训农民工100多万人次,吸纳就业1万余人。",
     [dict(metric="新能源公交车", value=3000, unit="辆", comparator=">", value_text="3000"),
      dict(metric="培训农民工", value=1e6, unit="人次", comparator=">", value_text="100万"),
      dict(metric="吸纳就业", value=10000, unit="人", comparator=">", value_text="1万")]),
    ("新增污水处理能力10万吨/日。",
     [dict(metric="新增污水处理能力", value=100000, unit="吨/日")]),
    ("开工建设保障性住房１５００套,新增绿地１，５００公顷。",
     [dict(value=1500, unit="套", value_text="１５００"),
      dict(metric="新增绿地", value=1500, unit="公顷", value_text="１，５００")]),
    ("全省县级以上城市建成区绿地率达到40%以上。",
     [dict(metric="县级以上城市建成区绿地率", value=40, unit="%", comparator=">=", scope="全省")]),
    ("各县(市、区)新增托位500个以上。",
     [dict(metric="新增托位", value=500, unit="个", comparator=">=", scope="各县(市、区)")]),
    ("实施重点项目200个,其中总投资10亿元以上的项目50个。",
     [dict(metric="重点项目", value=200, unit="个"),
      dict(metric="总投资10亿元以上的项目", value=50, unit="个")]),
    ("到2025年,全省常住人口城镇化率达到75%,户籍人口城镇化率达到60%;2023年全省新增城镇就业100万人。",
     [dict(metric="常住人口城镇化率", value=75, period="2025年", scope="全省"),
      dict(metric="户籍人口城镇化率", value=60, period="2025年", scope=None),
      dict(metric="新增城镇就业", value=1e6, unit="人", period="2023年", scope="全省")]),
    ("义务教育巩固率保持在99.5%以上,城乡居民收入倍差缩小到1.9以内。",
     [dict(metric="义务教育巩固率", value=99.5, comparator=">="),
      dict(metric="城乡居民收入倍差", value=1.9, unit="", comparator="<=")]),
    ("清洁能源装机容量达到500万千瓦,单位地区生产总值二氧化碳排放比2020年下降18%。",
     [dict(metric="清洁能源装机容量", value=5e6, unit="千瓦", comparator=">="),
      dict(metric="单位地区生产总值二氧化碳排放比2020年下降", value=18, unit="%")]),
    ("建设15分钟品质文化生活圈3000个,每年新建改造农村公路1000公里。",
     [dict(metric="15分钟品质文化生活圈", value=3000, unit="个"),
      dict(metric="新建改造农村公路", value=1000, unit="公里", period="每年")]),
    ("培育百亿级产业集群10个,新增高标准农田5万亩、高效节水灌溉面积2万亩。",
     [dict(metric="百亿级产业集群", value=10, unit="个"),
      dict(metric="新增高标准农田", value=50000, unit="亩"),
      dict(metric="高效节水灌溉面积", value=20000, unit="亩")]),
    ("生活垃圾焚烧处理能力达到每日1.2万吨,新增风电装机50MW,全年提供就业岗位超过百分之五十。",
     [dict(metric="生活垃圾焚烧处理能力", value=12000, unit="吨", comparator=">=", period="每日"),
      dict(metric="新增风电装机", value=50, unit="MW"),
      dict(value=50, unit="%", comparator=">")]),
]


@pytest.mark.parametrize("sentence, wanted", GENRE, ids=[g[0][:16] for g in GENRE])
def test_genre_sentences(sentence, wanted):
    found = find_targets(sentence)
    assert len(found) == len(wanted), [t.text for t in found]
    for t, w in zip(found, wanted):
        assert sentence[t.start:t.end] == t.text
        for k, v in w.items():
            assert getattr(t, k) == v, (t.text, k)


def test_comparator_vocabulary():
    cases = {
        "新增绿地100公顷以上": ">=", "覆盖率达到90%": ">=", "覆盖率达90%": ">=", "托位不少于100个": ">=",
        "比例不低于95%": ">=", "面积稳定在100亩以上": ">=", "力争新增绿地100公顷以上": ">=",
        "淘汰货车超3000辆": ">", "淘汰货车超过3000辆": ">", "淘汰货车多于3000辆": ">",
        "能耗下降3%左右": "~", "新增企业约30家": "~",
        "浓度控制在30微克/立方米以内": "<=", "用水量不超过100万立方米": "<=", "比例5%以下": "<=",
        "失业率低于5.5%": "<", "人数不满100人": "<", "人数少于100人": "<",
        "新增绿地100公顷": "=",
    }
    for sentence, op in cases.items():
        found = find_targets(sentence)
        assert len(found) == 1, sentence
        assert found[0].comparator == op, sentence


# -- robustness -----------------------------------------------------------------------------

_ALPHABET = list("0123456789１５.,,;。、()()“”‘’《》%％-~+万亿千百十一二三四五两零第个家条处所辆人元吨亩公里顷"
                 "以上内下左右约超达到不少于低控制在新增建设绿地城镇化率的县市区和及年月底每全省各 ") + [
    "公顷", "平方米", "个百分点", "微克/立方米", "套(间)", "分钟", "岁", "(省建设厅)", "牵头", "力争", "完成"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_ALPHABET), max_size=60), st.data())
def test_random_text_never_breaks_invariants(parts, data):
    text = "".join(parts)
    start = data.draw(st.integers(min_value=0, max_value=len(text)))
    end = data.draw(st.integers(min_value=start, max_value=len(text)))
    for t in find_targets(text, start, end):
        assert start <= t.start < t.end <= end
        assert text[t.start:t.end] == t.text
        assert t.comparator in COMPARATORS
        assert t.value >= 0 and t.metric
        assert t.value_text and t.value_text in t.text
