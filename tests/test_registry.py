"""The department registry: shipped data, name resolution, unregistered units, extension."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest

from fengong.ontology import path as ontology_path
from fengong.registry import ENV_VAR, Department, DepartmentRegistry, normalize, unregistered_id
from fengong.unit_types import KINDS, LEVELS, looks_like_unit, split_units

SAMPLE_NAME = "zhejiang-2023-urbanization-work-points.txt"

# Every unit named in the sample's attributions: as written -> (id, full official name).
SAMPLE_UNITS = {
    "省公安厅": ("zj-public-security", "浙江省公安厅"),
    "省人力社保厅": ("zj-hrss", "浙江省人力资源和社会保障厅"),
    "省发展改革委": ("zj-drc", "浙江省发展和改革委员会"),
    "省教育厅": ("zj-education", "浙江省教育厅"),
    "省农业农村厅": ("zj-agriculture", "浙江省农业农村厅"),
    "省经信厅": ("zj-economy", "浙江省经济和信息化厅"),
    "省建设厅": ("zj-housing", "浙江省住房和城乡建设厅"),
    "省委编办": ("zj-party-staffing", "中共浙江省委机构编制委员会办公室"),
    "省财政厅": ("zj-finance", "浙江省财政厅"),
    "省自然资源厅": ("zj-natural-resources", "浙江省自然资源厅"),
    "国家统计局浙江调查总队": ("zj-nbs-survey", "国家统计局浙江调查总队"),
    "杭州市": ("zj-hangzhou", "杭州市人民政府"),
    "宁波市": ("zj-ningbo", "宁波市人民政府"),
    "绍兴市": ("zj-shaoxing", "绍兴市人民政府"),
    "湖州市": ("zj-huzhou", "湖州市人民政府"),
    "嘉兴市": ("zj-jiaxing", "嘉兴市人民政府"),
    "台州市": ("zj-taizhou", "台州市人民政府"),
    "舟山市": ("zj-zhoushan", "舟山市人民政府"),
    "省生态环境厅": ("zj-ecology", "浙江省生态环境厅"),
    "省交通运输厅": ("zj-transport", "浙江省交通运输厅"),
    "各有关市": ("relevant-cities", "各有关市"),
    "省特色小镇规划建设工作联席会议相关成员单位": (
        "zj-characteristic-towns-jm-members",
        "浙江省特色小镇规划建设工作联席会议成员单位",
    ),
    "省水利厅": ("zj-water", "浙江省水利厅"),
    "省卫生健康委": ("zj-health", "浙江省卫生健康委员会"),
    "省消防救援总队": ("zj-fire-rescue", "浙江省消防救援总队"),
    "省应急管理厅": ("zj-emergency", "浙江省应急管理厅"),
    "省医保局": ("zj-healthcare-security", "浙江省医疗保障局"),
    "省民政厅": ("zj-civil-affairs", "浙江省民政厅"),
    "省体育局": ("zj-sport", "浙江省体育局"),
    "省文化和旅游厅": ("zj-culture-tourism", "浙江省文化和旅游厅"),
    "省委政法委": ("zj-party-politics-law", "中共浙江省委政法委员会"),
    "省委组织部": ("zj-party-organization", "中共浙江省委组织部"),
    "省商务厅": ("zj-commerce", "浙江省商务厅"),
    "省市场监管局": ("zj-market-regulation", "浙江省市场监督管理局"),
    "各市、县(市、区)人民政府": ("local-governments", "各市、县(市、区)人民政府"),
    # Named outside attributions: the issuer, the addressees, the general rule.
    "浙江省发展和改革委员会": ("zj-drc", "浙江省发展和改革委员会"),
    "省发改委": ("zj-drc", "浙江省发展和改革委员会"),
    "省级有关部门": ("provincial-departments", "省级有关部门"),
    "各地政府": ("local-governments", "各市、县(市、区)人民政府"),
    "国家发展改革委": ("cn-ndrc", "国家发展和改革委员会"),
}


@pytest.fixture(scope="module")
def registry() -> DepartmentRegistry:
    return DepartmentRegistry.default()


@pytest.fixture(scope="module")
def sample() -> str:
    return resources.files("fengong.data").joinpath(SAMPLE_NAME).read_text(encoding="utf-8")


def parentheses(text: str) -> list[str]:
    """Contents of the outermost (balanced) parentheses of ``text``."""
    out, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "(（":
            depth += 1
            if depth == 1:
                start = i + 1
        elif ch in ")）" and depth:
            depth -= 1
            if depth == 0:
                out.append(text[start:i])
    return out


# ------------------------------------------------------------------------------ the data


@pytest.mark.parametrize("written, expected", sorted(SAMPLE_UNITS.items()))
def test_sample_units_resolve_to_full_name_and_id(registry, written, expected):
    dept = registry.resolve(written)
    assert dept is not None, written
    assert (dept.id, dept.name) == expected
    assert dept.registered


def test_every_attribution_in_the_sample_resolves(registry, sample):
    """Read every unit list in the sample's parentheses; each unit must be registered."""
    seen: set[str] = set()
    lists = [p for p in parentheses(sample) if looks_like_unit(p)]
    assert len(lists) == 56  # counted by hand; the other 49 are (一)…(三十二) and remarks
    for content in lists:
        for unit in split_units(content):
            dept = registry.resolve(unit)
            assert dept is not None, f"{unit!r} in ({content})"
            seen.add(dept.id)
    expected = {dept_id for dept_id, _ in SAMPLE_UNITS.values()}
    # The issuer, addressees, implementer rule and 国家发展改革委 are not in unit lists.
    missing = expected - seen - {"provincial-departments", "local-governments", "cn-ndrc"}
    assert not missing


def test_all_forms_of_the_drc_resolve_to_one_id(registry):
    forms = [
        "浙江省发展和改革委员会",
        "省发展和改革委员会",
        "省发展改革委",
        "省发改委",
        "浙江省发改委",
        "浙江省发展改革委",
        "省 发改委",
        "省发改委\u200b",
        "省发展改革委 ",
    ]
    assert {registry.resolve(f).id for f in forms} == {"zj-drc"}
    drc = registry.get("zj-drc")
    assert drc.short == "省发展改革委"
    assert "省发改委" in drc.aliases
    assert drc.en and "Development and Reform" in drc.en


@pytest.mark.parametrize(
    "forms, dept_id",
    [
        (["省建设厅", "省住房城乡建设厅", "省住建厅", "浙江省住房和城乡建设厅", "省住房和城乡建设厅"], "zj-housing"),
        (["省委组织部", "中共浙江省委组织部", "浙江省委组织部", "中共浙江省委 组织部"], "zj-party-organization"),
        (["省委编办", "中共浙江省委机构编制委员会办公室", "省委机构编制委员会办公室"], "zj-party-staffing"),
        (["杭州市", "杭州市人民政府", "杭州市政府"], "zj-hangzhou"),
        (["各市、县(市、区)人民政府", "各市、县（市、区）人民政府", "各市、县(市、区)政府", "各市县政府", "各地政府"], "local-governments"),
        (["各县(市、区)政府", "各县（市、区）人民政府", "各区县(市)政府"], "county-governments"),
        (["省政府", "浙江省人民政府", "浙江省政府"], "zj-gov"),
        (["人行杭州中心支行", "中国人民银行浙江省分行"], "zj-pbc"),
    ],
)
def test_normalisation_and_prefix_forms(registry, forms, dept_id):
    assert [registry.resolve(f) and registry.resolve(f).id for f in forms] == [dept_id] * len(forms)


def test_normalize():
    assert normalize("各市、县（市、区）人民政府") == normalize("各市、县(市、区)政府")
    assert normalize("中共浙江省委\u200b组织部") == normalize("浙江省委组织部")
    assert normalize("省 建设厅") == "省建设厅"


def test_ambiguous_prefix_forms_are_not_guessed(registry):
    # 市政府 would fit each of the eleven city governments.
    assert registry.resolve("市政府") is None
    assert registry.resolve("江苏省发改委") is None


def test_provincial_departments_are_complete(registry):
    """The office and the 组成部门 of the Zhejiang government, and the main 省委 organs."""
    government = (
        "省政府办公厅 省发展改革委 省经信厅 省教育厅 省科技厅 省民宗委 省公安厅 省民政厅 省司法厅"
        " 省财政厅 省人力社保厅 省自然资源厅 省生态环境厅 省建设厅 省交通运输厅 省水利厅 省农业农村厅"
        " 省商务厅 省文化和旅游厅 省卫生健康委 省退役军人事务厅 省应急管理厅 省审计厅 省外办"
    ).split()
    assert len(government) == 24
    direct = "省国资委 省市场监管局 省广电局 省体育局 省统计局 省医保局 省机关事务局 省地方金融监管局 省人防办 省信访局 省粮食物资局".split()
    party = "省委办公厅 省纪委 省委组织部 省委宣传部 省委统战部 省委政法委 省委政研室 省委改革办 省委编办 省委网信办 省直机关工委".split()
    for name in government + direct + party:
        dept = registry.resolve(name)
        assert dept is not None and dept.id.startswith("zj-"), name
        assert dept.level == "province"
    assert {registry.resolve(n).kind for n in government + direct} == {"government_department"}
    assert {registry.resolve(n).kind for n in party} == {"party_organ"}


def test_city_governments_have_regions(registry):
    cities = [d for d in registry if d.kind == "city_government" and d.id.startswith("zj-")]
    assert sorted(d.region for d in cities) == [f"33{n:02d}00" for n in range(1, 12)]
    assert {d.short for d in cities} == set("杭州市 宁波市 温州市 嘉兴市 湖州市 绍兴市 金华市 衢州市 舟山市 台州市 丽水市".split())
    assert all(d.name == d.short + "人民政府" and d.level == "city" for d in cities)
    assert registry.get("zj-gov").region == "330000"


def test_entries_are_well_formed(registry):
    assert len(registry) > 150
    for dept in registry:
        assert re.fullmatch(r"[a-z0-9][a-z0-9-]*", dept.id)
        assert dept.kind in KINDS and dept.level in LEVELS
        assert dept.parent is None or dept.parent in registry
        assert dept.en, dept.id
        assert dept.registered
    assert not registry.conflicts  # no written form claimed by two units


def test_joint_meeting_and_members(registry):
    members = registry.resolve("省特色小镇规划建设工作联席会议相关成员单位")
    meeting = registry.get(members.parent)
    assert meeting.kind == members.kind == "joint_meeting"
    assert meeting.name == "浙江省特色小镇规划建设工作联席会议"


def test_vertical_agencies(registry):
    assert registry.resolve("国家统计局浙江调查总队").kind == "vertical_agency"
    assert registry.resolve("国家统计局浙江调查总队").parent == "cn-nbs"
    assert registry.resolve("省消防救援总队").kind == "vertical_agency"


# -------------------------------------------------------------------------- unregistered


def test_unknown_units_become_unregistered_and_never_vanish(registry):
    dept = registry.resolve_or_unregistered("杭州市住房保障和房产管理局")
    assert registry.resolve("杭州市住房保障和房产管理局") is None
    assert not dept.registered
    assert dept.name == "杭州市住房保障和房产管理局"
    assert re.fullmatch(r"x-[0-9a-f]{10}", dept.id)
    assert dept.id == unregistered_id("杭州市住房保障和房产管理局")
    assert (dept.kind, dept.level) == ("government_department", "city")
    # Stable across spellings that normalise alike, distinct for different units.
    assert registry.resolve_or_unregistered(" 杭州市住房保障和房产管理局\u200b").id == dept.id
    assert registry.resolve_or_unregistered("宁波市住房和城乡建设局").id != dept.id
    working_group = registry.resolve_or_unregistered("南京市城市更新工作专班")
    assert (working_group.kind, working_group.level, working_group.registered) == ("working_group", "city", False)


def test_registered_units_come_back_registered(registry):
    assert registry.resolve_or_unregistered("省建设厅") is registry.get("zj-housing")


def test_empty_name_is_rejected(registry):
    with pytest.raises(ValueError):
        registry.resolve_or_unregistered(" 、 ")


# ----------------------------------------------------------------- scanning, suggestions


def test_names_are_longest_first_and_resolve(registry):
    names = registry.names()
    assert [len(n) for n in names] == sorted((len(n) for n in names), reverse=True)
    assert "省发改委" in names and "省特色小镇规划建设工作联席会议相关成员单位" in names
    assert "各市、县（市、区）人民政府" in names  # full-width spelling for raw text
    assert all(registry.resolve(n) is not None for n in names)
    assert "市政府" not in names


def test_longest_match_scan_of_an_attribution(registry):
    text = "省发展改革委牵头,省特色小镇规划建设工作联席会议相关成员单位按职责分工负责"
    found, i = [], 0
    names = registry.names()
    while i < len(text):
        hit = next((n for n in names if text.startswith(n, i)), None)
        if hit:
            found.append(registry.resolve(hit).id)
            i += len(hit)
        else:
            i += 1
    assert found == ["zj-drc", "zj-characteristic-towns-jm-members"]


@pytest.mark.parametrize(
    "query, expected",
    [("省建设局", "zj-housing"), ("省发改局", "zj-drc"), ("国家发改局", "cn-ndrc"), ("杭州", "zj-hangzhou")],
)
def test_suggest(registry, query, expected):
    suggestions = registry.suggest(query)
    assert 1 <= len(suggestions) <= 3
    assert suggestions[0].id == expected


def test_suggest_nothing_for_unrelated_text(registry):
    assert registry.suggest("今天天气很好") == []
    assert registry.suggest("") == []


# ----------------------------------------------------------- loading and user extensions


def test_default_reads_the_shipped_files_once(registry):
    files = {p.name for p in DepartmentRegistry.default_paths()}
    assert {"zhejiang.toml", "national.toml", "generic.toml"} <= files
    assert all(p.parent == ontology_path("departments") for p in DepartmentRegistry.default_paths()[:3])
    assert DepartmentRegistry.default() is registry


USER_TOML = """
[[department]]
id = "js-housing"
name = "江苏省住房和城乡建设厅"
short = "江苏省住建厅"
aliases = ["江苏省住房城乡建设厅"]
en = "Department of Housing and Urban-Rural Development of Jiangsu Province"

[[department]]
id = "zj-drc"
aliases = ["浙江发展改革委"]

[[department]]
id = "hz-housing"
name = "杭州市住房保障和房产管理局"
short = "市住保房管局"
aliases = ["杭州市住保房管局"]
kind = "government_department"
level = "city"
parent = "zj-hangzhou"
"""


def test_a_user_toml_extends_the_registry(tmp_path: Path):
    user = tmp_path / "mine.toml"
    user.write_text(USER_TOML, encoding="utf-8")
    registry = DepartmentRegistry.load([*DepartmentRegistry.default_paths(), user])
    jiangsu = registry.resolve("江苏省住房城乡建设厅")
    assert jiangsu.id == "js-housing" and jiangsu.registered
    # kind and level left out: guessed from the name.
    assert (jiangsu.kind, jiangsu.level) == ("government_department", "province")
    assert registry.resolve("浙江发展改革委").id == "zj-drc"
    assert registry.resolve("省发改委").id == "zj-drc"  # existing aliases kept
    assert registry.resolve("杭州市住保房管局").parent == "zj-hangzhou"
    assert len(registry) == len(DepartmentRegistry.default()) + 2


def test_the_environment_variable_extends_the_default(tmp_path: Path, monkeypatch):
    folder = tmp_path / "departments"
    folder.mkdir()
    (folder / "jiangsu.toml").write_text(USER_TOML.split("[[department]]\nid = \"zj-drc\"")[0], encoding="utf-8")
    monkeypatch.setenv(ENV_VAR, str(folder))
    DepartmentRegistry.default.cache_clear()
    try:
        assert DepartmentRegistry.default().resolve("江苏省住建厅").id == "js-housing"
    finally:
        monkeypatch.delenv(ENV_VAR)
        DepartmentRegistry.default.cache_clear()
    assert DepartmentRegistry.default().resolve("江苏省住建厅") is None


@pytest.mark.parametrize(
    "body, message",
    [
        ('[[department]]\nid = "a-b"\nname = "某某局"\nkind = "ministry"\n', "kind"),
        ('[[department]]\nid = "A B"\nname = "某某局"\n', "slug"),
        ('[[department]]\nid = "zj-drc"\nname = "重复"\n', "already defined"),
        ('[[department]]\nid = "a-b"\nname = "某某局"\nparent = "nope"\n', "parent"),
        ('[[department]]\nid = "a-b"\nname = "某某局"\nregion = "33"\n', "region"),
        ('[[department]]\nid = "a-b"\nname = "某某局"\nalias = ["x"]\n', "unknown keys"),
        ('[[department]]\nid = "a-b"\n', "name"),
        ('[[departments]]\nid = "a-b"\n', "top-level"),
        ("[[department]\n", "mine.toml"),
    ],
)
def test_bad_files_are_reported(tmp_path: Path, body, message):
    user = tmp_path / "mine.toml"
    user.write_text(body, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        DepartmentRegistry.load([*DepartmentRegistry.default_paths(), user])


def test_department_serialises():
    dept = DepartmentRegistry.default().get("zj-housing")
    data = dept.to_dict()
    assert data["aliases"] == list(dept.aliases) and data["registered"] is True
    assert Department(**{**data, "aliases": tuple(data["aliases"])}) == dept
    assert dept.labels[:2] == ["浙江省住房和城乡建设厅", "省建设厅"]
