"""Regions: the division data, groups, composites and mentions in text."""

from __future__ import annotations

import csv
import re
from importlib import resources

import pytest

from fengong import ontology
from fengong.regions import Region, RegionRegistry, find_regions, region_for_unit

ZHEJIANG_CITIES = {
    "330100": "杭州市",
    "330200": "宁波市",
    "330300": "温州市",
    "330400": "嘉兴市",
    "330500": "湖州市",
    "330600": "绍兴市",
    "330700": "金华市",
    "330800": "衢州市",
    "330900": "舟山市",
    "331000": "台州市",
    "331100": "丽水市",
}
HZ, NB, WZ, JX, HU, SX, JH, QZ, ZS, TZ, LS = ZHEJIANG_CITIES


@pytest.fixture(scope="module")
def reg() -> RegionRegistry:
    return RegionRegistry.default()


@pytest.fixture(scope="module")
def text() -> str:
    return (resources.files("fengong.data") / "zhejiang-2023-urbanization-work-points.txt").read_text(
        encoding="utf-8"
    )


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    lines = ontology.path("regions/divisions.csv").read_text(encoding="utf-8").splitlines()
    return list(csv.DictReader(ln for ln in lines if not ln.startswith("#")))


def items(text: str) -> dict[str, tuple[int, int]]:
    """Span of each numbered item "(一)…" up to the next item or section heading."""
    heads = [(m.start(), m.group(1)) for m in re.finditer(r"^\(([一二三四五六七八九十]+)\)", text, re.M)]
    sections = [m.start() for m in re.finditer(r"^[一二三四五六七八九十]+、", text, re.M)]
    spans = {}
    for k, (s, label) in enumerate(heads):
        nxt = heads[k + 1][0] if k + 1 < len(heads) else len(text)
        nxt = min([nxt] + [p for p in sections if p > s])
        spans[label] = (s, nxt)
    return spans


def attributions(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Parenthesised unit lists (省发展改革委,杭州市、宁波市) inside a span — a stand-in for
    the extractor's attribution spans."""
    pattern = re.compile(r"\([^()]*(?:省|委|厅|局|队)[^()]*\)")
    return [(start + m.start(), start + m.end()) for m in pattern.finditer(text[start:end])]


def mentions_in(text, label, **kw):
    s, e = items(text)[label]
    return find_regions(text, s, e, exclude=attributions(text, s, e), **kw)


def names(ms) -> list[tuple[str, str]]:
    return [(m.name, m.region) for m in ms]


# ------------------------------------------------------------------ data file
def test_zhejiang_city_codes_in_data_file(rows):
    by_code = {r["code"]: r for r in rows}
    for code, name in ZHEJIANG_CITIES.items():
        row = by_code[code]
        assert row["name"] == name
        assert row["short_name"] == name[:-1]
        assert row["level"] == "prefecture"
        assert row["parent_code"] == "330000"
    assert by_code["330000"]["name"] == "浙江省"
    zj_prefectures = {r["code"] for r in rows if r["level"] == "prefecture" and r["parent_code"] == "330000"}
    assert zj_prefectures == set(ZHEJIANG_CITIES)


def test_data_file_coverage_and_consistency(rows):
    levels = [r["level"] for r in rows]
    assert levels.count("province") == 31
    assert levels.count("prefecture") == 333
    zj_counties = [r for r in rows if r["level"] == "county" and r["code"].startswith("33")]
    assert len(zj_counties) == 90
    assert levels.count("county") == 2975  # every county-level division of the mainland
    codes = {r["code"] for r in rows}
    assert len(codes) == len(rows)
    for r in rows:
        assert re.fullmatch(r"\d{6}", r["code"]), r
        assert r["short_name"] and len(r["short_name"]) >= 2
        if r["level"] == "province":
            assert r["code"].endswith("0000") and not r["parent_code"]
        else:
            assert r["parent_code"] in codes and r["parent_code"][:2] == r["code"][:2], r
        assert "市辖区" not in r["name"] and "直辖县级" not in r["name"]


def test_short_names_derived(reg):
    assert reg["330127"].short_name == "淳安"
    assert reg["331127"].name == "景宁畲族自治县" and reg["331127"].short_name == "景宁"
    assert reg["450000"].short_name == "广西"
    assert reg["150000"].short_name == "内蒙古"
    assert reg["540000"].short_name == "西藏"


# ------------------------------------------------------------------ registry
def test_resolve_divisions(reg):
    for code, name in ZHEJIANG_CITIES.items():
        assert reg.resolve(name).code == code
        assert reg.resolve(name[:-1]).code == code
    assert reg.resolve("淳安").code == "330127"
    assert reg.resolve("浙江").id == "330000"
    assert reg.resolve("330100").name == "杭州市"
    assert reg.resolve("不存在的地方") is None
    # Collisions go to the higher level; the full name picks the other one.
    assert reg.resolve("吉林").level == "province"
    assert reg.resolve("吉林市").level == "prefecture"
    assert reg.resolve("海南").name == "海南省"
    # Ambiguous short names still resolve when asked explicitly.
    assert reg.resolve("西湖").code == "330106"


def test_default_is_cached(reg):
    assert RegionRegistry.default() is reg


@pytest.mark.parametrize(
    "written, members",
    [
        ("杭绍", [HZ, SX]),
        ("杭嘉", [HZ, JX]),
        ("甬绍", [NB, SX]),
        ("甬舟", [NB, ZS]),
        ("甬台", [NB, TZ]),
        ("嘉湖", [JX, HU]),
        ("杭嘉湖", [HZ, JX, HU]),
        ("甬台温", [NB, TZ, WZ]),
        ("义甬舟", ["330782", NB, ZS]),
        ("京津冀", ["110000", "120000", "130000"]),
        ("沪苏浙皖", ["310000", "320000", "330000", "340000"]),
    ],
)
def test_composites_resolve(reg, written, members):
    r = reg.resolve(written)
    assert r.level == "composite"
    assert list(r.members) == members
    assert r.id == "composite-" + "-".join(sorted(members))
    # Order of writing does not change the identity.
    assert reg.resolve(written[::-1]).id == r.id


@pytest.mark.parametrize("written", ["杭杭", "苏锡常", "新青", "浙", "杭"])
def test_not_composites(reg, written):
    assert reg.resolve(written) is None


def test_mountain_26_counties(reg):
    g = reg.resolve("山区26县")
    assert g.level == "group" and g.parent == "330000"
    assert len(g.members) == 26 == len(set(g.members))
    for m in g.members:
        assert reg[m].level == "county" and reg[m].code.startswith("33")
    # All of 衢州 and 丽水 are in it.
    for city in (QZ, LS):
        assert {c.id for c in reg.children(city)} <= set(g.members)
    assert {reg[m].short_name for m in g.members} >= {"淳安", "泰顺", "磐安", "景宁", "天台", "仙居"}
    assert reg.resolve("山区二十六县") is g
    later = reg.resolve("山区海岛县")
    assert set(g.members) - set(later.members) == {"330326", "330802", "331102"}  # 平阳 柯城 莲都
    assert set(later.members) - set(g.members) == {"330305", "330922"}  # 洞头 嵊泗


def test_other_groups_and_places(reg):
    jiahu = reg.resolve("嘉湖片区")
    assert list(jiahu.members) == [JX, HU]
    assert reg.resolve("国家城乡融合发展试验区嘉湖片区") is jiahu
    demo = reg.resolve("长三角生态绿色一体化发展示范区")
    assert [reg[m].name for m in demo.members] == ["青浦区", "吴江区", "嘉善县"]
    assert [reg[m].parent for m in demo.members] == ["310000", "320500", "330400"]
    assert list(reg.resolve("长三角").members) == ["310000", "320000", "330000", "340000"]
    place = reg.resolve("梅山-佛渡-六横")
    assert place.level == "place" and place.id == "meishan-fodu-liuheng"
    assert [reg[p].name for p in place.parents] == ["北仑区", "普陀区"]
    assert [reg[reg[p].parent].name for p in place.parents] == ["宁波市", "舟山市"]
    metro = reg.resolve("杭州都市圈")
    assert metro.core == (HZ,) and metro.members == ()
    four = reg.resolve("四大都市区")
    assert metro.id in four.members and len(four.members) == 4
    assert reg.expand(four.id) == []  # metropolitan areas list no members
    assert reg.expand(jiahu.id) == [JX, HU]
    assert reg.expand(HZ) == [HZ]


@pytest.mark.parametrize(
    "unit, code",
    [
        ("杭州市", HZ),
        ("杭州市人民政府", HZ),
        ("宁波市政府", NB),
        ("湖州", HU),
        ("淳安县人民政府", "330127"),
        ("浙江省人民政府", "330000"),
        ("省政府", None),
        ("各市、县(市、区)人民政府", None),
        ("杭州市委", None),
        ("省发展改革委", None),
    ],
)
def test_region_for_unit(unit, code):
    assert region_for_unit(unit) == code


def test_load_custom_files_and_errors(tmp_path):
    csv_path = tmp_path / "d.csv"
    csv_path.write_text(
        "# test\ncode,name,short_name,level,parent_code\n"
        "990000,测试省,测试,province,\n990100,甲乙市,甲乙,prefecture,990000\n990200,丙丁市,丙丁,prefecture,990000\n",
        encoding="utf-8",
    )
    toml_path = tmp_path / "g.toml"
    toml_path.write_text(
        '[[group]]\nid = "t-group"\nname = "两市片区"\nmembers = ["甲乙市", "测试省/丙丁市"]\n'
        '[scheme.t]\nweak = []\n[scheme.t.abbreviations]\n"甲" = "甲乙市"\n"丙" = "丙丁市"\n',
        encoding="utf-8",
    )
    reg = RegionRegistry.load([toml_path, csv_path])  # order of files does not matter
    assert reg.resolve("两市片区").members == ("990100", "990200")
    assert reg.resolve("甲丙").members == ("990100", "990200")
    ms = find_regions("推进两市片区和甲丙合作,甲乙发展", registry=reg)
    assert names(ms) == [("两市片区", "t-group"), ("甲丙", "composite-990100-990200"), ("甲乙", "990100")]

    bad = tmp_path / "bad.toml"
    bad.write_text('[[group]]\nid = "x"\nname = "坏"\nmembers = ["不存在市"]\n', encoding="utf-8")
    with pytest.raises(ValueError, match="不存在市"):
        RegionRegistry.load([csv_path, bad])


# ------------------------------------------------------------------ the sample
def test_sample_spans_are_exact(text):
    ms = find_regions(text)
    assert ms
    for m in ms:
        assert text[m.start : m.end] == m.name
        assert isinstance(m.members, list)


def test_sample_item_1_city_proper(text):
    ms = mentions_in(text, "一")
    assert names(ms) == [("杭州", HZ)]
    m = ms[0]
    assert text[m.start : m.end + 2] == "杭州市区"


def test_sample_item_6_metropolitan_areas(text):
    ms = mentions_in(text, "六")
    assert names(ms) == [
        ("杭州都市圈", "hangzhou-metropolitan-area"),
        ("杭州", HZ),
        ("宁波都市圈", "ningbo-metropolitan-area"),
        ("宁波", NB),
    ]
    # The attribution "(省发展改革委,杭州市、宁波市)" is a list of units, not regions …
    assert "杭州市" not in [m.name for m in ms]
    # … but only because it was excluded: without the exclusion it would be found.
    s, e = items(text)["六"]
    assert ("杭州市", HZ) in names(find_regions(text, s, e))


def test_sample_item_7(text):
    assert names(mentions_in(text, "七")) == [("杭州", HZ), ("宁波", NB)] * 2


def test_sample_item_9_composites_and_places(text):
    ms = mentions_in(text, "九")
    got = [(m.name, m.members) for m in ms]
    assert got[:6] == [
        ("杭绍", [HZ, SX]),
        ("杭嘉", [HZ, JX]),
        ("甬绍", [NB, SX]),
        ("甬舟", [NB, ZS]),
        ("甬台", [NB, TZ]),
        ("嘉湖", [JX, HU]),
    ]
    assert got[6:8] == [("杭绍", [HZ, SX]), ("嘉湖", [JX, HU])]
    demo, place = ms[8], ms[9]
    assert (demo.name, demo.region) == ("长三角生态绿色一体化发展示范区", "yrd-eco-green-demo-zone")
    assert demo.members == ["310118", "320509", "330421"]
    assert (place.name, place.region) == ("梅山-佛渡-六横", "meishan-fodu-liuheng")
    assert len(ms) == 10


def test_sample_item_10_mountain_counties(text):
    ms = mentions_in(text, "十")
    assert [(m.name, m.region, len(m.members)) for m in ms] == [("山区26县", "zj-mountain-26-counties", 26)]


def test_sample_item_26_jiahu(text):
    ms = mentions_in(text, "二十六")
    assert [(m.region, m.members) for m in ms] == [("jiahu-urban-rural-integration-zone", [JX, HU])] * 2
    assert all(m.name.endswith("嘉湖片区") for m in ms)
    # 浙江 inside the 《title》 is not a mention unless asked for.
    s, e = items(text)["二十六"]
    assert ("浙江", "330000") in names(find_regions(text, s, e, include_titles=True))


@pytest.mark.parametrize("label", ["三", "四", "五", "十一", "十四", "十八", "十九", "二十", "三十"])
def test_sample_items_without_regions(text, label):
    # 宁波东方理工大学 (十九), 浙里新市民 (四), 国家统计局浙江调查总队 (五), 浙派民居 and
    # 体现浙江特色 (十四), 浙里安居 (十八), 浙里健康 (二十), 农房浙建事 (三十).
    assert mentions_in(text, label) == []


def test_sample_preamble(text):
    first = items(text)["一"][0]
    ms = find_regions(text, 0, first)
    # Only the plain heading of the plan names the province; the 《title》 and the
    # issuing department 浙江省发展和改革委员会 do not.
    assert names(ms) == [("浙江省", "330000")]
    assert text[ms[0].start - 5 : ms[0].start] == "2023年"


def test_window_offsets_are_absolute(text):
    s, e = items(text)["九"]
    inside = find_regions(text, s, e)
    assert all(s <= m.start < m.end <= e for m in inside)
    assert [(m.start, m.end) for m in inside] == [(m.start, m.end) for m in find_regions(text) if s <= m.start and m.end <= e]


# ------------------------------------------------------------------ rules on sentences
@pytest.mark.parametrize(
    "sentence",
    [
        "加快推进宁波东方理工大学(暂名)筹建",
        "支持浙江大学、浙江工业大学建设",
        "浙江省发展和改革委员会",
        "浙江省住房和城乡建设厅、杭州市公安局、宁波海关",
        "国家统计局浙江调查总队",
        "杭州市人民政府、湖州市政府",
        "办好杭州亚运会",
        "省公安厅、省委编办",
        "迭代“浙里新市民”应用,创建浙派民居特色村,农房浙建事系统",
        "打造一批体现浙江特色的项目,总结杭州经验",
        "全省常住人口,我省,省域,各市、县(市、区)人民政府",
        "完善平台金融服务,出台金融政策,新增3台金属设备",
        "太湖南岸、黄河北岸",
        "大理石加工,三明治",
    ],
)
def test_not_mentions(sentence):
    assert find_regions(sentence) == []


@pytest.mark.parametrize(
    "sentence, expected",
    [
        ("支持杭州建设世界一流大学", [("杭州", HZ)]),
        ("优化杭州城市空间布局", [("杭州", HZ)]),
        ("完善浙江省基本公共服务标准体系", [("浙江省", "330000")]),
        ("推进杭州市余杭区发展", [("杭州市", HZ), ("余杭区", "330110")]),
        ("支持淳安、景宁加快发展", [("淳安", "330127"), ("景宁", "331127")]),
        ("上海宁波合作", [("上海", "310000"), ("宁波", NB)]),
        ("沿海宁波", [("宁波", NB)]),
        ("浙江西部", [("浙江", "330000")]),
        ("吉林市区", [("吉林", "220200")]),
        ("江山市、江山如画", [("江山市", "330881")]),
        ("天台县,楼顶天台", [("天台县", "331023")]),
        ("美丽杭嘉湖", [("杭嘉湖", "composite-330100-330400-330500")]),
        ("梅山—佛渡—六横", [("梅山—佛渡—六横", "meishan-fodu-liuheng")]),
        ("山区 26 县", [("山区 26 县", "zj-mountain-26-counties")]),
        ("温州都市圈", [("温州都市圈", "wenzhou-metropolitan-area"), ("温州", WZ)]),
    ],
)
def test_mentions(sentence, expected):
    ms = find_regions(sentence)
    assert names(ms) == expected
    for m in ms:
        assert sentence[m.start : m.end] == m.name


def test_other_provinces():
    """A Jiangsu-style plan: named cities and provinces, provincial composites, the
    Yangtze delta. Other provinces' city abbreviations (苏锡常, 宁镇扬) are out of scope."""
    s = (
        "推动南京都市圈、苏锡常都市圈、宁镇扬一体化建设,支持苏州、无锡、常州协同发展。"
        "深化沪苏浙皖合作,服务京津冀协同发展和长三角一体化,加强川渝合作。"
        "江苏省人民政府办公厅印发,省各委办厅局落实。"
    )
    got = names(find_regions(s))
    assert got == [
        ("南京", "320100"),
        ("苏州", "320500"),
        ("无锡", "320200"),
        ("常州", "320400"),
        ("沪苏浙皖", "composite-310000-320000-330000-340000"),
        ("京津冀", "composite-110000-120000-130000"),
        ("长三角", "yangtze-river-delta"),
        ("川渝", "composite-500000-510000"),
    ]


def test_exclude_and_titles():
    s = "落实杭州都市圈规划(省发展改革委,杭州市、宁波市),研究《关于支持浙江率先发展的意见》"
    p = s.index("(")
    q = s.index(")") + 1
    ms = find_regions(s, exclude=[(p, q)])
    assert [m.name for m in ms] == ["杭州都市圈", "杭州"]
    assert [m.name for m in find_regions(s)] == ["杭州都市圈", "杭州", "杭州市", "宁波市"]
    assert "浙江" in [m.name for m in find_regions(s, include_titles=True)]


def test_region_dataclass(reg):
    r = reg["330127"]
    assert isinstance(r, Region)
    assert (r.id, r.code, r.level, r.parent, r.members) == ("330127", "330127", "county", HZ, ())
    assert r.is_division and not reg.resolve("山区26县").is_division


def test_counties_of_every_province_by_their_full_names(reg):
    text = "支持惠东县、博罗县等县建设省级县城示范，推动新兴产业发展。"
    assert names(find_regions(text, registry=reg, within="440000")) == [("惠东县", "441323"), ("博罗县", "441322")]
    # no short names outside Zhejiang: 新兴 (新兴县) is "emerging", 惠东 alone is not matched
    assert names(find_regions("惠东、博罗", registry=reg, within="440000")) == []
    assert reg.resolve("惠东县").parent == "441300"


def test_a_shared_county_name_is_the_one_in_the_jurisdiction(reg):
    text = "推进鼓楼区老旧小区改造"
    assert names(find_regions(text, registry=reg, within="350000")) == [("鼓楼区", "350102")]
    assert names(find_regions(text, registry=reg, within="320100")) == [("鼓楼区", "320106")]
    assert names(find_regions(text, registry=reg, within="320300")) == [("鼓楼区", "320302")]
    # two in 江苏 (南京, 徐州) and no city to choose by, or no jurisdiction: no guess
    assert find_regions(text, registry=reg, within="320000") == []
    assert find_regions(text, registry=reg) == []
    # Zhejiang documents keep their own 普陀区 (上海 has one too)
    assert names(find_regions("舟山市普陀区", registry=reg, within="330000"))[-1] == ("普陀区", "330903")


def test_two_character_counties_only_in_their_province_and_generic_names_never(reg):
    assert find_regions("建立省、市和县三级联动机制", registry=reg, within="330000") == []
    assert names(find_regions("支持雄县发展", registry=reg, within="130000")) == [("雄县", "130638")]
    assert find_regions("推进新城区和城关区建设", registry=reg, within="620000") == []
