"""Typing of unit names by pattern, for any province or city."""

from __future__ import annotations

import pytest

from fengong.registry import DepartmentRegistry
from fengong.unit_types import KINDS, LEVELS, classify, leading_place, looks_like_unit, split_units


@pytest.mark.parametrize(
    "name, expected",
    [
        # Other provinces and cities.
        ("江苏省住房和城乡建设厅", ("government_department", "province")),
        ("广州市发展改革委", ("government_department", "city")),
        ("深圳市规划和自然资源局", ("government_department", "city")),
        ("成都市各区(市)县政府", ("local_governments", "county")),
        ("海关总署", ("government_department", "national")),
        ("国家税务总局江苏省税务局", ("vertical_agency", "province")),
        ("武汉市总工会", ("people_organization", "city")),
        ("南京市城市更新工作专班", ("working_group", "city")),
        ("福田区住房和建设局", ("government_department", "county")),
        ("内蒙古自治区发展和改革委员会", ("government_department", "province")),
        ("宁波市鄞州区住房和城乡建设局", ("government_department", "county")),
        ("国家税务总局杭州市税务局", ("vertical_agency", "city")),
        ("中国人民银行浙江省分行", ("vertical_agency", "province")),
        ("人行杭州中心支行", ("vertical_agency", "province")),
        ("杭州海关", ("vertical_agency", "province")),
        ("国家金融监督管理总局浙江监管局", ("vertical_agency", "province")),
        ("中共广东省委组织部", ("party_organ", "province")),
        ("广东省委宣传部", ("party_organ", "province")),
        ("市委政法委", ("party_organ", "city")),
        ("山东省推进新型城镇化工作领导小组", ("working_group", "province")),
        ("湖北省城乡融合发展联席会议", ("joint_meeting", "province")),
        ("团市委", ("people_organization", "city")),
        ("市妇联", ("people_organization", "city")),
        ("中国科学技术协会", ("people_organization", "national")),
        ("国网江苏省电力有限公司", ("enterprise", "province")),
        ("广州市人民政府", ("city_government", "city")),
        ("西湖区人民政府", ("county_government", "county")),
        ("晋城市", ("city_government", "city")),
        ("各县(市、区)政府", ("local_governments", "county")),
        ("各设区市政府", ("local_governments", "city")),
        ("各有关部门", ("collective", "mixed")),
        ("有关单位", ("collective", "mixed")),
        ("省级有关部门", ("collective", "province")),
        ("各市、县(市、区)发展改革委(局)", ("collective", "mixed")),
        ("国家发展和改革委员会", ("government_department", "national")),
        ("住房城乡建设部", ("government_department", "national")),
        ("国家市场监督管理总局", ("government_department", "national")),
        ("中国气象局", ("government_department", "national")),
        ("省气象局", ("vertical_agency", "province")),
        ("广东省社会科学院", ("public_institution", "province")),
        ("市住房城乡建设局", ("government_department", "city")),
        ("区发改局", ("government_department", "county")),
        # Units of the sample.
        ("省建设厅", ("government_department", "province")),
        ("省委编办", ("party_organ", "province")),
        ("省委政法委", ("party_organ", "province")),
        ("国家统计局浙江调查总队", ("vertical_agency", "province")),
        ("省消防救援总队", ("vertical_agency", "province")),
        ("杭州市", ("city_government", "city")),
        ("各有关市", ("collective", "city")),
        ("省特色小镇规划建设工作联席会议相关成员单位", ("joint_meeting", "province")),
        ("各市、县(市、区)人民政府", ("local_governments", "mixed")),
        ("各地政府", ("local_governments", "mixed")),
    ],
)
def test_classify(name, expected):
    assert classify(name) == expected


def test_classify_ignores_width_and_spaces():
    assert classify("成都市各区（市）县政府") == classify("成都市 各区(市)县政府") == ("local_governments", "county")


def test_classify_agrees_with_the_registry_on_full_names():
    """The registry's kinds and levels are written by hand; the patterns must find them
    from the official names alone."""
    registry = DepartmentRegistry.default()
    disagreements = [d.name for d in registry if classify(d.name) != (d.kind, d.level)]
    assert disagreements == []


@pytest.mark.parametrize("name", ["", "某某", "(暂名)", "人民", "12345", "各"])
def test_classify_always_answers_in_the_vocabulary(name):
    kind, level = classify(name)
    assert kind in KINDS and level in LEVELS


@pytest.mark.parametrize(
    "name, place",
    [("杭州市住房保障和房产管理局", "杭州市"), ("中共浙江省委组织部", "浙江省"), ("国家市场监督管理总局", None),
     ("住房城乡建设部", None), ("省建设厅", None), ("城市更新工作专班", None)],
)
def test_leading_place(name, place):
    assert leading_place(name) == place


UNITS = [
    "省建设厅",
    "杭州市",
    "各有关市",
    "国家统计局浙江调查总队",
    "省特色小镇规划建设工作联席会议相关成员单位",
    "市住房城乡建设局",
    "区发改局",
    "各区县(市)政府",
    "各县(市、区)政府",
    "团市委",
    "市妇联",
    "人行杭州中心支行",
    "省委",
    "省公共资源交易中心",
    "各市、县(市、区)人民政府",
    "省发展改革委牵头,省经信厅、省自然资源厅、省生态环境厅、省建设厅、省交通运输厅以及各有关市按职责分工负责",
    "省发展改革委,杭州市、宁波市、绍兴市",
    "省公安厅;以下各项任务均需各市、县(市、区)人民政府落实,除特殊情况外,不再单独列出",
    "省人力社保厅牵头,省医保局按职责负责",
]

REMARKS = [
    "暂名",
    "城区",
    "公卫",
    "社区卫生服务站",
    "市、区",
    "间",
    "改扩",
    "农房浙建事",
    "工种",
    "全部",
    "试行",
    "含",
    "街道",
    "海绵城市",
    "示范区",
    "2023—2025年",
    "以下简称省发改委",
    "医、防、护",
    "150个美丽宜居示范村,其中 30个浙派民居特色村",
    "",
]


@pytest.mark.parametrize("text", UNITS)
def test_units_look_like_units(text):
    assert looks_like_unit(text)


@pytest.mark.parametrize("text", REMARKS)
def test_remarks_do_not_look_like_units(text):
    assert not looks_like_unit(text)


def test_split_units():
    assert split_units("省发展改革委牵头,省经信厅、省建设厅以及各有关市按职责分工负责") == [
        "省发展改革委",
        "省经信厅",
        "省建设厅",
        "各有关市",
    ]
    # 、 inside parentheses and in 市、县 level lists does not split.
    assert split_units("各市、县（市、区）人民政府,省财政厅") == ["各市、县(市、区)人民政府", "省财政厅"]
    assert split_units("省公安厅;以下各项任务均需各市、县(市、区)人民政府落实") == ["省公安厅"]
    assert split_units("由省建设厅会同省自然资源厅等") == ["省建设厅", "省自然资源厅"]
