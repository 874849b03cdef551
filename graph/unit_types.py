"""Guess what kind of unit a name denotes, and at which level, from the name alone.

Chinese unit names are built from a jurisdiction prefix (国家, 江苏省, 广州市, 福田区, or the
bare level word 省/市/区 that a document uses for its own jurisdiction), a body
(住房和城乡建设, 发展改革) and a suffix that tells the type (厅, 委, 局, 联席会议, 总工会 …).
:func:`classify` reads those parts; :func:`looks_like_unit` tells a list of responsible units
in a parenthesis from a parenthetical remark such as (暂名) or (市、区).

Nothing here is specific to one province: the registry (:mod:`fengong.registry`) holds the
known units, this module types the ones it does not know.

>>> classify("广州市发展改革委")
('government_department', 'city')
>>> classify("国家税务总局江苏省税务局")
('vertical_agency', 'province')
>>> looks_like_unit("省人力社保厅牵头,省医保局按职责负责"), looks_like_unit("暂名")
(True, False)
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "KINDS",
    "LEVELS",
    "PROVINCES",
    "classify",
    "clean",
    "leading_place",
    "looks_like_unit",
    "split_units",
]

KINDS: tuple[str, ...] = (
    "government_department",
    "party_organ",
    "vertical_agency",
    "public_institution",
    "people_organization",
    "joint_meeting",
    "working_group",
    "city_government",
    "county_government",
    "local_governments",
    "collective",
    "enterprise",
    "other",
)
"""Values of ``Department.kind`` (``fg:kind``)."""

LEVELS: tuple[str, ...] = ("national", "province", "city", "county", "township", "mixed")
"""Values of ``Department.level`` (``fg:level``); ``mixed`` also stands for "cannot tell"."""

PROVINCES: tuple[str, ...] = (
    "北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江",
    "安徽", "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州",
    "云南", "陕西", "甘肃", "青海", "台湾", "内蒙古", "广西", "西藏", "宁夏", "新疆", "香港",
    "澳门",
)  # fmt: skip
"""Short names of the provincial-level divisions (GB/T 2260 first level)."""

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_CJK = "\u4e00-\u9fff"


def clean(name: str) -> str:
    """Full-width to half-width (NFKC), zero-width characters and all whitespace removed.

    >>> clean("省 发改委（牵头）")
    '省发改委(牵头)'
    """
    s = unicodedata.normalize("NFKC", name).translate(_ZERO_WIDTH)
    return "".join(s.split())


# ---------------------------------------------------------------------------------- level

_PROVINCE_RE = "|".join(sorted(PROVINCES, key=len, reverse=True))
_NATIONAL_PREFIX = re.compile(r"^(中华人民共和国|国务院|中共中央|中央|全国|国家|中国|中华)")
# A bare central ministry or agency written without prefix: 教育部, 海关总署, 审计署.
_NATIONAL_BARE = re.compile(rf"^[{_CJK}]{{1,10}}(部|总署|署|总局)$")
_SUFFIX_LEVEL = {
    "特别行政区": "province", "自治区": "province", "省": "province",
    "自治州": "city", "盟": "city", "地区": "city", "市": "city",
    "自治县": "county", "区": "county", "县": "county", "旗": "county",
    "镇": "township", "乡": "township", "街道": "township",
}  # fmt: skip
# One jurisdiction in a chain such as 浙江省杭州市西湖区. The place name is 2-8 characters
# (恩施土家族苗族自治州); township suffixes only count before 政府/办事处 or at the end, which
# keeps 住房城乡建设部 from reading as a township called 住房城. A bare 州 is no suffix: it
# would cut 人行杭州中心支行 after 杭州.
_PLACE = re.compile(
    rf"(?P<place>[{_CJK}]{{2,8}}?)"
    r"(?P<suffix>特别行政区|自治区|自治州|自治县|省|市|盟|地区|区|县|旗"
    r"|(?:镇|乡|街道)(?=人民政府|政府|办事处|$))"
)
_BAD_PLACE_CHARS = re.compile(r"[和与及的、各]|有关|相关")
_BAD_PLACE_START = tuple("省市区县各")
# Words ending in a level character that are not places: 城区, 示范区, 县级市 …
_NOT_PLACES = re.compile(
    rf"([{_CJK}]{{2,}}城|大都|主城|老城|社|园|景|校|片|小|郊|辖|级|设区|示范|先行|试验|实验|功能"
    r"|核心|开发|保护|合作|集聚|产业|服务|商务|创新|特色|重点|风景|山区|海岛)(区|市|县)$"
)
_BARE_LEVEL = [
    (re.compile(r"^(共青)?团中央"), "national"),
    (re.compile(r"^团省委"), "province"),
    (re.compile(r"^团(市|州)委"), "city"),
    (re.compile(r"^团(区|县)委"), "county"),
    (re.compile(r"^(省|自治区)(?!份)"), "province"),
    (re.compile(r"^(市|州)(?!场|民(?!政|宗|族)|区)"), "city"),
    (re.compile(r"^(区|县)(?!域|块|间|位|城)"), "county"),
    (re.compile(r"^(乡镇|乡|镇|街道)"), "township"),
]
# Collectives: 各市、县(市、区)人民政府, 各有关市, 省级有关部门 … (parentheses half-width after clean).
_COLLECTIVE_LEVEL = [
    (re.compile(r"^(省级|省直|省)(各)?(有关|相关)"), "province"),
    (re.compile(r"^(市级|市直|市)(各)?(有关|相关)"), "city"),
    (re.compile(r"^(县级|区级|县直|区直)(各)?(有关|相关)"), "county"),
    (re.compile(r"^(各|有关|相关)(有关|相关)?(市、?县|市、?区|市、?州|地|级)"), "mixed"),
    (re.compile(r"^(各|有关|相关)(有关|相关)?(设区的?市|市|州|盟)"), "city"),
    (re.compile(r"^(各|有关|相关)(有关|相关)?(区|县|旗)"), "county"),
    (re.compile(r"^(各|有关|相关)(有关|相关)?(乡|镇|街道)"), "township"),
    (re.compile(r"^(各|有关|相关)"), "mixed"),
]


def _place(text: str) -> tuple[str, int] | None:
    """(level, length) of a valid jurisdiction name at the start of ``text``."""
    m = _PLACE.match(text)
    if not m:
        return None
    place = m.group("place")
    if place.startswith(_BAD_PLACE_START) or _BAD_PLACE_CHARS.search(place):
        return None
    if _NATIONAL_PREFIX.match(place):
        return None  # 国家市场监督管理总局 is no city called 国家
    if _NOT_PLACES.search(m.group(0)):
        return None
    return _SUFFIX_LEVEL[m.group("suffix")], m.end()


def _chain(s: str) -> tuple[str | None, str]:
    """Read the jurisdiction prefix chain 浙江省杭州市…: (level of the last place, rest)."""
    level: str | None = None
    pos = 0
    while True:
        if s.startswith("中共", pos):
            pos += 2
            continue
        found = _place(s[pos:])
        if not found:
            break
        level, length = found
        pos += length
    return level, s[pos:]


def leading_place(name: str) -> str | None:
    """The jurisdiction a unit name starts with, if any.

    >>> leading_place("杭州市住房保障和房产管理局"), leading_place("国家市场监督管理总局")
    ('杭州市', None)
    """
    s = _strip_party_prefix(clean(name))[0]
    found = _place(s)
    return s[: found[1]] if found else None


def _embedded_level(tail: str) -> str | None:
    """Level of the local office of a vertically managed system, e.g. the 江苏省 in
    国家税务总局江苏省税务局 or the 杭州 in 人行杭州中心支行."""
    if re.search(rf"(?:局|署|行|会|部)[{_CJK}]{{2,3}}?(区|县)(?:税务局|分局|支行|调查队)", tail):
        return "county"
    if re.search(rf"(?:局|署|行|会|部|省)[{_CJK}]{{2,3}}?市", tail) or "调查队" in tail:
        return "city"
    if re.search(_PROVINCE_RE, tail) or "调查总队" in tail:
        return "province"
    if tail.endswith("中心支行") or tail.endswith("海关"):
        return "province"  # 中心支行 at provincial capitals; 直属海关 rank as provincial units
    return None


def _level(s: str, chain_level: str | None, rest: str) -> str | None:
    if chain_level is None and _NATIONAL_PREFIX.match(s):
        tail = s[_NATIONAL_PREFIX.match(s).end() :]
        return _embedded_level(tail) or "national"
    for pattern, level in _COLLECTIVE_LEVEL:
        if pattern.match(rest):
            # 成都市各区(市)县政府: the collective word is more specific than the city prefix.
            return level if level != "mixed" or chain_level is None else chain_level
    if chain_level:
        return chain_level
    for pattern, level in _BARE_LEVEL:
        if pattern.match(s):
            return level
    if re.match(r"^(人行|人民银行)", s):
        return _embedded_level(s) or "national"
    if _NATIONAL_BARE.match(s):
        return "national"
    if "中央" in s:
        return "national"  # 共青团中央
    if re.search(rf"({_PROVINCE_RE})(省|自治区|市)?", s):
        return "province"  # 共青团浙江省委员会, 杭州海关 is handled as vertical above
    return _embedded_level(s)


# ----------------------------------------------------------------------------------- kind

_WORKING_GROUP = re.compile(r"领导小组|工作专班|专班|工作组|指挥部|推进组|协调小组|工作小组|协调机制")
_PEOPLE = re.compile(
    r"总工会|工会$|共青团|青年团|^团(中央|省委|市委|区委|县委|州委)|团(省|市|区|县)委$|妇联|妇女联合会|科协"
    r"|科学技术协会|残联|残疾人联合会|文联|文学艺术界联合会|侨联|归国华侨联合会|工商联"
    r"|工商业联合会|总商会|红十字会|社科联|社会科学界联合会|作家协会|作协|台联|青联|学联"
)
_VERTICAL = re.compile(
    r"海关|调查总队|调查队|税务局|人民银行|^人行|(?<!地方)金融监管|金融监督管理总局.+监管|银保监|证监局"
    r"|(证监会|能源局|银保监会).+监管(局|办公室|办)$"
    r"|证券监督管理委员会.+监管局|银行保险监督管理委员会.+监管局|气象局|地震局|通信管理局"
    r"|邮政管理局|海事局|消防救援(总队|支队|大队)|消防总队|烟草专卖局|外汇管理局|能源监管"
    r"|铁路监督管理局|民航.+管理局|出入境边防检查|海警局|国家安全厅"
)
_PARTY = re.compile(
    r"^中共|^中国共产党|^(省|市|区|县|州|自治区)委|纪委|纪律检查委员会|监察委员会|监委|党委|党组"
    r"|工委|党校|机构编制委员会|编办|网信办|网络安全和信息化委员会|全面深化改革委员会|改革办"
    r"|财经委员会办公室|财经办|外事工作委员会办公室|政法委|组织部|宣传部|统战部|统一战线工作部"
    r"|政研室|政策研究室|老干部局|台湾工作办公室|社会工作部|金融委员会办公室|农办"
    r"|依法治(省|市|区|县)办|社建委|社会建设委员会|机关工作委员会|党中央|中组部|中宣部|^中央"
)
_ENTERPRISE = re.compile(r"集团|公司|股份|(?<!人民)银行|^国网|电网$|交投$")
_JUDICIAL = re.compile(r"(人民)?(法院|检察院)$")
_INSTITUTION = re.compile(
    r"(大学|学院|学校|医院|研究院|研究所|研究中心|科学院|中心|院|馆|站|所|台|报社|出版社|杂志社"
    r"|协会|学会|基金会)$"
)
_DEPARTMENT = re.compile(
    r"(厅|委|局|办|办公室|办公厅|部|署|委员会|监会|管委会|管理委员会|研究室|处|参事室)$|(?<!人民)政府.+"
)
_GOVERNMENT_REST = re.compile(r"^(人民政府|政府)?$")
_COLLECTIVE_KIND = re.compile(r"^(各|有关|相关)|(有关|相关|各)(部门|单位|方面|市|县|区)|成员单位$")


def _strip_party_prefix(s: str) -> tuple[str, bool]:
    for prefix in ("中国共产党", "中共"):
        if s.startswith(prefix):
            return s[len(prefix) :], True
    return s, False


def classify(name: str) -> tuple[str, str]:
    """``(kind, level)`` of a unit name, by patterns; works for any province or city.

    ``kind`` is one of :data:`KINDS`, ``level`` one of :data:`LEVELS` (``mixed`` when the
    name spans levels or does not say).

    >>> classify("江苏省住房和城乡建设厅")
    ('government_department', 'province')
    >>> classify("成都市各区(市)县政府")
    ('local_governments', 'county')
    >>> classify("省特色小镇规划建设工作联席会议相关成员单位")
    ('joint_meeting', 'province')
    >>> classify("武汉市总工会")
    ('people_organization', 'city')
    """
    s = clean(name)
    if _INTERNAL_DIVISION.match(s):  # 厅房地产市场监管处: the level is the document's department's
        return "government_department", "mixed"
    body, party_prefix = _strip_party_prefix(s)
    chain_level, rest = _chain(body)
    level = _level(body, chain_level, rest) or "mixed"
    return _kind(body, rest, chain_level, party_prefix), level


def _kind(s: str, rest: str, chain_level: str | None, party: bool) -> str:
    if s in {"国务院", "中华人民共和国国务院"}:
        return "other"
    if "联席会议" in s:
        return "joint_meeting"
    if _WORKING_GROUP.search(s):
        return "working_group"
    if _COLLECTIVE_KIND.search(rest) or rest in {"各地", "各级"}:
        if rest.endswith("政府") or not re.search(r"有关|相关|部门|单位|成员|[委局厅办](\([局委]\))?$", rest):
            return "local_governments"
        return "collective"  # 各有关部门, 各有关市, 各市、县(市、区)发展改革委(局)
    if _PEOPLE.search(s):
        return "people_organization"
    if _VERTICAL.search(s):
        national_hq = _NATIONAL_PREFIX.match(s) and not _embedded_level(
            s[_NATIONAL_PREFIX.match(s).end() :]
        )
        if national_hq or s in {"中国人民银行", "人民银行", "人行"} or s.endswith(("总署", "总局")):
            return "government_department"
        return "vertical_agency"
    if party or _PARTY.search(s) or rest.startswith("委"):  # 浙江省委组织部
        return "party_organ"
    if _ENTERPRISE.search(s):
        return "enterprise"
    if chain_level and _GOVERNMENT_REST.match(rest):
        if chain_level == "city":
            return "city_government"
        if chain_level == "county":
            return "county_government"
        return "other"  # a provincial or township government
    if re.fullmatch(r"(市|州)(人民)?政府", s):
        return "city_government"
    if re.fullmatch(r"(区|县|旗)(人民)?政府", s):
        return "county_government"
    if _JUDICIAL.search(s):
        return "other"
    if _DEPARTMENT.search(s):
        return "government_department"
    if _INSTITUTION.search(s):
        return "public_institution"
    return "other"


# ------------------------------------------------------------------------ looks_like_unit

_ROLE_TAIL = re.compile(
    r"(牵头负责|牵头|按照?职责分工负责|按照?职责负责|按照?职能分工负责|按照?职责分工|按照?职责"
    r"|分工负责|共同负责|负责|配合|协助|参与|指导|落实|等部门|等单位|等)$"
)
_ROLE_HEAD = re.compile(r"^(由|会同|以及|及)")
_REMARK_HEAD = re.compile(r"^(以下简称|以下统称|简称|下称|统称|含|不含|包括|其中|即|如|暂名|试行|草案)")
_LEVEL_COMMA = re.compile(r"(?<=[省市县区乡镇州])、(?=[省市县区乡镇州])")
_STRONG_END = re.compile(
    r"(厅|委|局|办|办公室|办公厅|部|署|总队|支队|海关|政府|专班|领导小组|工作组|指挥部|联席会议"
    r"|委员会|管委会|总工会|工会|妇联|科协|残联|文联|侨联|工商联|社科联|红十字会|分行|支行|集团"
    r"|公司|党校|法院|检察院|调查队)$"
)
# A department's own division, in the department's own plan: 厅住房保障处, 局办公室, 委规划处.
_INTERNAL_DIVISION = re.compile(r"^(厅|局|委|办)[\u4e00-\u9fff]{2,16}(处|处室|科|室|中心)$")
_STRONG_SHORT = {"省委", "市委", "区委", "县委", "州委", "党委", "国办", "央行", "人行"}
# Named offices and bodies that need a jurisdiction in front (市委督查室, 市供销社, 市广播电视台,
# 省军区); the words alone (平台, 合作社) are too common in remarks to count.
_WEAK_END = re.compile(
    r"(中心|院|站|所|馆|学校|大学|学院|医院|协会|学会|研究室|督查室|督察室|督办室|供销社|报社|电视台"
    r"|气象台|队|军区|军分区|警备区)$"
)
_JURISDICTION_HEAD = re.compile(rf"^(省|市|区|县|州|国家|国务院|中央|中国|全国|中华|{_PROVINCE_RE})")


def split_units(text: str) -> list[str]:
    """Split an attribution into unit names: role words dropped, commas and 、 outside
    parentheses (and outside 市、县-style level lists) as separators; text after the
    first semicolon is commentary and ignored.

    >>> split_units("省发展改革委牵头,省经信厅、省建设厅以及各有关市按职责分工负责")
    ['省发展改革委', '省经信厅', '省建设厅', '各有关市']
    >>> split_units("省公安厅;以下各项任务均需各市、县(市、区)人民政府落实")
    ['省公安厅']
    """
    s = clean(text)
    s = re.split(r"[;;]", s, maxsplit=1)[0]
    s = _LEVEL_COMMA.sub("\x00", s)
    parts: list[str] = []
    depth = 0
    current = ""
    for ch in s:
        depth += ch == "("
        depth -= ch == ")" and depth > 0
        if depth == 0 and ch in ",、/":
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    out: list[str] = []
    for part in parts:
        for piece in re.split("以及|会同", part):
            piece = piece.replace("\x00", "、")
            previous = None
            while piece != previous:
                previous = piece
                piece = _ROLE_HEAD.sub("", _ROLE_TAIL.sub("", piece))
            if piece:
                out.append(piece)
    return out


def _is_unit_name(p: str) -> bool:
    if len(p) < 2 or _REMARK_HEAD.match(p):
        return False
    if re.search(r"[0-9a-zA-Z%]", p) and not re.match(r"^[A-Z]{2,}", p):
        return False
    if p in _STRONG_SHORT:
        return True
    _, rest = _chain(_strip_party_prefix(p)[0])
    if re.match(r"^各(有关|相关)?(市|县|区|地|设区|乡|镇|级|部门|单位|成员)", rest) or re.match(
        r"^(有关|相关|省级有关|省直有关|市级有关|市直有关)", rest
    ):
        return True
    if _INTERNAL_DIVISION.match(p):
        return True
    m = _STRONG_END.search(p)
    if m:
        # 全部, (局): a one-character suffix needs two characters in front of it (省建设厅),
        # a longer one at least one (市妇联).
        before = len(p) - len(m.group(0))
        return before >= 2 or (before >= 1 and len(m.group(0)) >= 2)
    if re.search(r"(部门|单位)$", p):
        return len(p) >= 4
    if _WEAK_END.search(p):
        # 省公共资源交易中心 is a unit, 社区卫生服务站 a remark.
        return bool(_JURISDICTION_HEAD.match(p)) or _place(p) is not None
    # A bare jurisdiction names its government: 杭州市, 福田区.
    chain_level, rest = _chain(p)
    return chain_level is not None and rest == ""


def looks_like_unit(text: str) -> bool:
    """True when ``text`` (a parenthesis' content or one name) reads as responsible units.

    Every unit in the list must look like a unit name; remarks such as 暂名, 城区, 公卫,
    社区卫生服务站, 市、区, 间 are not units.

    >>> looks_like_unit("省发展改革委,杭州市、宁波市")
    True
    >>> looks_like_unit("市、区"), looks_like_unit("社区卫生服务站")
    (False, False)
    """
    parts = split_units(text)
    return bool(parts) and all(_is_unit_name(p) for p in parts)
