"""Attributions: the parenthesis that closes a clause and names who is responsible.

``(省建设厅牵头,省农业农村厅、省水利厅按职责分工负责)`` → 省建设厅 lead, the others support.

Rules (the same for every attribution style):

- ``lead``: a unit marked 牵头 / 牵头单位 / 主办, or exactly one unit named with no lead marker.
- ``support``: beside a lead, units marked 配合 / 参与 / 协助 / 按职责(分工)负责 / 分工负责 /
  配合单位 / 责任单位 …, and units named without a marker.
- ``co_responsible``: two or more units named with no lead.
- a unit said to be responsible (负责 / 具体负责 / 责任单位) beside units marked 配合 leads;
  ``X会同Y`` : X leads and Y supports; a closing parenthesis may name the lead of the
  list before it (省卫生健康委、省医保局（省卫生健康委牵头）).
- where the first-listed unit leads by convention (``列第一位的为牵头单位``, said in the
  parenthesis, or earlier with ``下同``, or in the document's preamble): the first unit
  named leads and the others support, unless a unit is marked 牵头.

The parser works on the raw text inside the parenthesis and returns units with offsets
relative to it; :func:`parse_attribution` is pure and has no knowledge of the document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .model import Role
from .registry import DepartmentRegistry
from .unit_types import leading_place, looks_like_unit

# Role words that close a group of units: 省公安厅牵头 / 省教育厅、省农业农村厅按职责分工负责.
_LEAD_SUFFIX = re.compile(r"((共同|联合|分别)?牵头(负责|落实|实施)?|主办|主责|总牵头|为(牵头|主办|主责)(单位|部门))$")
# 按职责分工负责 and its kin: beside a lead, support; with none, the units share the task.
_DUTY_SUFFIX = re.compile(
    r"(按职责分工负责|按职责分工落实|按职责负责|按照职责分工负责|按各自职责负责|依职责负责|分工负责)$"
)
_SUPPORT_SUFFIX = re.compile(
    r"(配合(落实|实施)?|参与|协助|协办|参加|按职责配合|共同参与|指导|支持|为(配合|协办|参与)(单位|部门))$"
)
# 负责落实 before 落实: "各市、县(市、区)政府负责落实" names 各市、县(市、区)政府.
_PLAIN_RESPONSIBLE = re.compile(r"((负责|具体|组织|抓好)(落实|实施)|(分别|具体)负责|负责|落实|实施|共同负责|负总责"
                                r"|为责任(单位|部门))$")

# The convention that the unit listed first leads: 列第一位的为牵头单位 / 排在第一位的部门为牵头
# 部门 / 列第一位者为牵头单位; 下同 extends it to the attributions after it.
FIRST_LEADS = re.compile(
    r"(?:(?:列|排|排名|位列)在?(?:第一位?|首位|第一个)|第一个|首位)(?:的|者)?(?:单位|部门)?"
    r"(?:为|是)(?:牵头|主办)(?:单位|部门)?"
)
_ONWARD = re.compile(r"^[(（]?下同[)）]?$")
# "And others" closing a list of units: 省发展改革委等, 宁海县等地, 省财政厅等单位.
_ETC = re.compile(r"等(地|(有关|相关|其他)?(单位|部门))?$")
# The other name of a unit with two plaques, in parentheses: 市市场监管局(市知识产权局).
_OTHER_NAME = re.compile(r"[(（]([^()（）]{3,20})[)）]$")
# A role in brackets after a unit: 市建委(牵头), 市财政局（配合）, 市交通运输局〔牵头〕.
_ROLE_AFTER_NAME = re.compile(r"[(（〔【\[]\s*(?:(?P<lead>牵头|主办|主责)|(?P<support>配合|协办|参与|协助))(?:单位|部门)?\s*[)）〕】\]]$")

# The lead named in a closing parenthesis: 省卫生健康委、省医保局（省卫生健康委牵头）.
_NAMED_LEAD = re.compile(r"[(（]\s*(?P<names>[^()（）]{2,40}?)\s*(?:为?(?:牵头|主办)(?:单位|部门)?)\s*[)）]\s*$")
# A person in charge named among the units (市政府副秘书长张三协调): an official, not a unit.
_OFFICIAL = re.compile(r"秘书长|市长|省长|县长|区长|书记|主任|同志")

# Labelled forms: 牵头单位：X；责任单位：Y、Z (or 【牵头单位】X【责任单位】Y、Z)
LABEL_WORDS = (
    "牵头单位|牵头部门|牵头处室|主办单位|主责单位|责任单位|责任部门|责任处室|配合单位|配合部门|配合处室|"
    "协办单位|参与单位|协助单位|协同单位|协作单位|支持单位|参加单位|实施单位|落实单位|"
    "责任领导|牵头领导|分管领导|联系领导|完成时限|完成时间|时间节点|时限要求|时限|牵头|配合|协办"
)
#: How a label ends: 牵头单位：X, in brackets 【牵头单位】X, or (a label of four characters
#: or more, as tables copied into text write it) a space: 牵头单位 X.
LABEL_END = r"(?:\s*[:：]|[】\]]\s*[:：]?|(?<=单位|部门|处室|领导|时限|时间|节点|要求)[ \t\u3000]+)"
#: A level before a label: 市级责任单位：…；县级责任单位：…
LABEL_LEVEL = r"(?:(?:省|市|县|区|乡镇)级)?"
_LABEL = re.compile(rf"[【\[]?{LABEL_LEVEL}(?P<label>{LABEL_WORDS}){LABEL_END}\s*")
_LABEL_ROLES = {
    "牵头单位": "lead", "牵头部门": "lead", "牵头处室": "lead", "主办单位": "lead", "主责单位": "lead",
    "牵头": "lead",
    "配合单位": "support", "配合部门": "support", "配合处室": "support", "协办单位": "support",
    "参与单位": "support", "协助单位": "support", "协同单位": "support", "协作单位": "support",
    "支持单位": "support", "参加单位": "support", "配合": "support", "协办": "support",
    # 责任单位 beside a lead supports; alone it is the owner (lead or co-responsible).
    "责任单位": "plain", "责任部门": "plain", "责任处室": "plain", "实施单位": "plain", "落实单位": "plain",
    # Officials in charge (责任领导：张三) are people, not units: kept in the attribution's text.
    "责任领导": "official", "牵头领导": "official", "分管领导": "official", "联系领导": "official",
    "完成时限": "deadline", "完成时间": "deadline", "时间节点": "deadline", "时限要求": "deadline",
    "时限": "deadline",
}

_DEADLINE_IN_PARENS = re.compile(r"[(（]([^()（）]+)[)）]$")
_DEADLINE = re.compile(
    r"^(\d{4}年)?(\d{1,2}月(底|末|中旬|上旬|下旬)?|年底|年内|上半年|下半年|\d{4}年(底|内)?)"
    r"(前|以前|之前)?(完成|启动|出台|建成|印发)?$|^(长期|持续推进|持续实施|长期坚持|持续开展)$"
)

# A general rule about implementers: 以下各项任务均需各市、县(市、区)人民政府落实,除特殊情况外,不再单独列出
# (or, right after a list of units, 以下均需各设区市人民政府落实,不再列出)
IMPLEMENTER_RULE = re.compile(
    r"(?:(?P<long>以下|下列|上述|本方案|本要点|本计划|各项|所有)[^。；;]{0,12}?任务[^。；;]{0,8}?|(?:以下|下列|上述)(?:各项)?)"
    r"(均需|均由|均要|需由|都需|都要|均请)\s*(?P<units>[^。；;]+?)\s*(负责|牵头)?(落实|组织实施|实施|推进|完成|负责)"
    # Without the word 任务 (以下均需…落实) it is a rule only if it says the units are not listed again.
    r"(?(long)|(?=[^。；;)）]*?不再[^。；;)）]*?列出))"
    r"(?P<tail>[^。；;)）]*?不再[^。；;)）]*?列出)?"
)

_SEPARATORS = "、,，;；/"
_OPEN, _CLOSE = "(（", ")）"


@dataclass
class UnitMention:
    name: str
    start: int  # relative to the attribution text
    end: int
    role: Role


@dataclass
class ParsedAttribution:
    units: list[UnitMention] = field(default_factory=list)
    deadline: str | None = None
    rule: tuple[int, int] | None = None  # span of an implementer rule inside the text
    rule_units: str | None = None
    leftovers: list[str] = field(default_factory=list)  # parts that are not units
    first_leads: bool = False  # the first unit named leads (the parenthesis says so, or it is in force)
    first_leads_onward: bool = False  # ... and in the attributions after it (下同)
    officials: list[str] = field(default_factory=list)  # people in charge (责任领导：张三, 副市长张三协调)


def split_top_level(text: str, seps: str) -> list[tuple[int, int]]:
    """Spans of ``text`` split at ``seps`` outside parentheses."""
    spans, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        elif ch in seps and depth == 0:
            spans.append((start, i))
            start = i + 1
    spans.append((start, len(text)))
    return spans


def _strip_span(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s] in " \t\n\u3000\u200b":
        s += 1
    while e > s and text[e - 1] in " \t\n\u3000\u200b。":
        e -= 1
    return s, e


def split_units(text: str, start: int, end: int, registry: DepartmentRegistry) -> list[tuple[int, int]]:
    """Spans of the unit names in ``text[start:end]``: registry names first (so that
    各市、县(市、区)人民政府 stays whole), then 、 and 以及/及/和 between plausible units."""
    spans: list[tuple[int, int]] = []
    i = start
    while i < end:
        while i < end and text[i] in "、 \u3000":
            i += 1
        conj = _CONJ.match(text, i)
        if conj and i > start:
            i = conj.end()  # "以及各有关市" after a registry name
        if i >= end:
            break
        known = _longest_name_at(registry, text, i, end)
        if known:
            j = i + known
        else:
            j = i
            depth = 0
            while j < end:
                ch = text[j]
                if ch in _OPEN:
                    depth += 1
                elif ch in _CLOSE:
                    depth = max(0, depth - 1)
                elif ch == "、" and depth == 0:
                    break
                j += 1
        for ps, pe in _split_spaces(text, i, j, registry):
            spans.extend(_split_conjunctions(text, ps, pe, registry))
        i = j
    return [s for s in spans if s[1] > s[0]]


_CONJ = re.compile(r"以及|及|和|与|联合")
# Per registry: first character -> (name lengths, longest first; the names). "省" starts
# hundreds of names, so lengths are tried against a set instead of a startswith per name.
_NAMES_BY_FIRST: dict[int, dict[str, tuple[tuple[int, ...], frozenset[str]]]] = {}


def _name_index(registry: DepartmentRegistry) -> dict[str, tuple[tuple[int, ...], frozenset[str]]]:
    """The registry's names by first character, built once per registry."""
    index = _NAMES_BY_FIRST.get(id(registry))
    if index is None:
        grouped: dict[str, set[str]] = {}
        for name in registry.names():
            grouped.setdefault(name[0], set()).add(name)
        index = {
            first: (tuple(sorted({len(n) for n in names}, reverse=True)), frozenset(names))
            for first, names in grouped.items()
        }
        _NAMES_BY_FIRST[id(registry)] = index
    return index


def _longest_name_at(registry: DepartmentRegistry, text: str, i: int, end: int) -> int:
    """Length of the longest registry name at ``text[i:]`` that ends at a unit boundary."""
    entry = _name_index(registry).get(text[i])
    if entry is None:
        return 0
    lengths, names = entry
    limit = min(end, len(text))  # a slice past the text would be shorter than ``length``
    for length in lengths:
        j = i + length
        if j <= limit and text[i:j] in names:
            if j == end or text[j] in "、 " or _CONJ.match(text, j):
                return length
    return 0


_BETWEEN_UNITS = re.compile(r"[ \t\u3000]+|\s*[/／]\s*")


def _split_spaces(text: str, s: int, e: int, registry: DepartmentRegistry) -> list[tuple[int, int]]:
    """Split "市发改委 市财政局" (or 市发改委/市财政局) into units when every piece is one; a
    name with a space inside (浙江省 发展改革委) stays whole."""
    pieces, at = [], s
    for gap in _BETWEEN_UNITS.finditer(text, s, e):
        if gap.start() > at:
            pieces.append((at, gap.start()))
        at = gap.end()
    if at < e:
        pieces.append((at, e))
    names = [text[a:b] for a, b in pieces]
    if (len(pieces) > 1 and all(registry.resolve(n) or looks_like_unit(n) for n in names)
            and not any(leading_place(a) == a and not _LEVEL_HEAD.match(b) and not leading_place(b)
                        for a, b in zip(names, names[1:]))):
        return pieces
    return [(s, e)]


# How a unit named on its own starts (a place before a bare department word is one name).
_LEVEL_HEAD = re.compile(r"^(省|市|县|区|州|各|国家|国务院|中共|团)")


def _split_conjunctions(text: str, s: int, e: int, registry: DepartmentRegistry) -> list[tuple[int, int]]:
    """Split "省交通运输厅以及各有关市" into two units, but keep "省文化和旅游厅" whole."""
    piece = text[s:e]
    if registry.resolve(piece):
        return [(s, e)]
    for m in _CONJ.finditer(piece):
        left, right = piece[: m.start()], piece[m.end():]
        if left and right and looks_like_unit(left) and looks_like_unit(right):
            return [(s, s + m.start())] + _split_conjunctions(text, s + m.end(), e, registry)
    return [(s, e)]


def _with_partners(text: str, kind: str, s: int, e: int) -> list[tuple[str, int, int]]:
    """The group ``text[s:e]`` of role ``kind``, split at 会同 (省发展改革委会同省财政厅):
    the units before it lead unless the group as a whole supports; the units after it
    support."""
    depth = 0
    for i in range(s, e):
        ch = text[i]
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        elif depth == 0 and i > s and text.startswith("会同", i) and i + 2 < e:
            if looks_like_unit(text[s:i].removeprefix("由")) and looks_like_unit(text[i + 2:e]):
                return [("support" if kind == "support" else "lead", s, i), ("support", i + 2, e)]
    return [(kind, s, e)]


def _group_role(group: str) -> tuple[str, int]:
    """The role word closing a group of units and where the units end."""
    for kind, pattern in (("lead", _LEAD_SUFFIX), ("duty", _DUTY_SUFFIX), ("support", _SUPPORT_SUFFIX),
                          ("plain", _PLAIN_RESPONSIBLE)):
        m = pattern.search(group)
        if m:
            return kind, m.start()
    return "none", len(group)


def parse_attribution(text: str, registry: DepartmentRegistry, first_leads: bool = False) -> ParsedAttribution:
    """Units and roles named in the text inside an attribution parenthesis; with
    ``first_leads`` the convention that the first unit listed leads is in force.

    >>> reg = DepartmentRegistry.default()
    >>> [(u.name, u.role.value) for u in parse_attribution("省建设厅牵头,省水利厅按职责分工负责", reg).units]
    [('省建设厅', 'lead'), ('省水利厅', 'support')]
    >>> parsed = parse_attribution("省建设厅、省水利厅按职责分工负责,列第一位的为牵头单位,下同", reg)
    >>> [(u.name, u.role.value) for u in parsed.units], parsed.first_leads_onward
    ([('省建设厅', 'lead'), ('省水利厅', 'support')], True)
    """
    result = ParsedAttribution(first_leads=first_leads)
    # Segments: ;/；/。 separate rules, deadlines and labelled parts; within a segment ,/， separate groups.
    groups: list[tuple[str, int, int]] = []  # (marker kind, start, end) of unit lists
    rule = IMPLEMENTER_RULE.search(text)
    rule_span = None
    if rule:
        # The rule runs to the end of its sentence (除特殊情况外,不再单独列出).
        rule_end = len(text)
        for stop in "。；;":
            k = text.find(stop, rule.end())
            if k >= 0:
                rule_end = min(rule_end, k)
        rule_span = (rule.start(), rule_end)
        result.rule = rule_span
        result.rule_units = rule.group("units").strip()

    onward: list[str] = []  # 下同
    named_leads: list[tuple[int, int]] = []
    body_end = len(text)
    closing = _NAMED_LEAD.search(text)
    if closing and closing.start() > 0 and looks_like_unit(closing.group("names")):
        body_end = closing.start()
        named_leads = split_units(text, *closing.span("names"), registry)
    # Label lines after a task (牵头单位：…\n配合单位：…) are segments too.
    for seg_s, seg_e in split_top_level(text[:body_end], ";；\n。"):
        if rule_span and seg_s <= rule_span[0] < max(seg_e, seg_s + 1):
            # Text before the rule in the same segment still counts.
            seg_e = rule_span[0]
        seg_s, seg_e = _strip_span(text, seg_s, seg_e)
        if seg_s >= seg_e:
            continue
        # Labelled parts may sit in one segment separated by commas: 牵头单位：X，配合单位：Y
        labels = list(_LABEL.finditer(text, seg_s, seg_e))
        if labels:
            head_s, head_e = _strip_span(text, seg_s, labels[0].start())
            head = text[head_s:head_e].rstrip(",，")
            if head:
                if _DEADLINE.match(head):
                    result.deadline = head
                else:
                    result.leftovers.append(head)
            for k, m in enumerate(labels):
                part_end = labels[k + 1].start() if k + 1 < len(labels) else seg_e
                kind = _LABEL_ROLES[m.group("label")]
                if kind == "deadline":
                    result.deadline = text[m.end():part_end].strip(" ,，。\u3000") or None
                    continue
                if kind == "official":
                    official = text[m.end():part_end].strip(" ,，;；。\u3000")
                    if official:
                        result.officials.append(official)
                    continue
                groups.extend(_cell_groups(text, kind, m.end(), part_end))
            continue
        for s, e in _groups(text, seg_s, seg_e):
            s, e = _strip_span(text, s, e)
            if s >= e:
                continue
            group = text[s:e]
            if _DEADLINE.match(group):
                result.deadline = group
                continue
            if FIRST_LEADS.fullmatch(group):
                result.first_leads = True
                continue
            if _ONWARD.match(group):
                onward.append(group)
                continue
            paren = _DEADLINE_IN_PARENS.search(group)
            if paren and _DEADLINE.match(paren.group(1)):  # 省建设厅牵头（2024年底）
                result.deadline = paren.group(1)
                group = group[:paren.start()]
            kind, cut = _group_role(group)
            groups.extend(_with_partners(text, kind, s, s + cut))

    if onward and result.first_leads:  # 下同 after the convention: it holds from here on
        result.first_leads_onward = True
    else:
        result.leftovers.extend(onward)
    _assign_roles(text, groups, registry, result, named_leads)
    return result


_SPACE_RUN = re.compile(r"[ \t\u3000]+")


def _groups(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of the groups of units in ``text[start:end]``: parts between commas, and also
    between spaces that follow a role word (省建设厅牵头 省财政厅配合, as tables and PDFs
    write them)."""
    spans = []
    for g_s, g_e in split_top_level(text[start:end], ",，"):
        s = start + g_s
        for gap in _SPACE_RUN.finditer(text, s, start + g_e):
            if gap.start() > s and _group_role(text[s:gap.start()])[0] != "none":
                spans.append((s, gap.start()))
                s = gap.end()
        spans.append((s, start + g_e))
    return spans


def _cell_groups(text: str, kind: str, start: int, end: int) -> list[tuple[str, int, int]]:
    """Unit groups of a labelled part or a table cell whose header gives the role; a role
    word inside (X牵头) overrides it."""
    groups = []
    for g_s, g_e in split_top_level(text[start:end], ",，;；"):
        s, e = _strip_span(text, start + g_s, start + g_e)
        if s < e:
            sub_kind, cut = _group_role(text[s:e])
            groups.extend(_with_partners(text, kind if sub_kind in ("none", "plain", "duty") else sub_kind, s, s + cut))
    return groups


def parse_cells(text: str, cells: list[tuple[str, int, int]], registry: DepartmentRegistry,
                first_leads: bool = False) -> ParsedAttribution:
    """Units of a task table's unit columns: ``cells`` are (kind, start, end) with kind
    ``lead`` (牵头单位), ``support`` (配合单位) or ``plain`` (责任单位); offsets into ``text``."""
    result = ParsedAttribution(first_leads=first_leads)
    groups: list[tuple[str, int, int]] = []
    for kind, s, e in cells:
        groups.extend(_cell_groups(text, kind, s, e))
    _assign_roles(text, groups, registry, result)
    return result


def _assign_roles(text: str, groups: list[tuple[str, int, int]], registry: DepartmentRegistry,
                  result: ParsedAttribution, named_leads: list[tuple[int, int]] = ()) -> None:
    """Units of the ``groups`` with their roles, into ``result``; ``named_leads`` are the
    spans of units a closing parenthesis names as leads (…（省卫生健康委牵头）)."""
    named: list[tuple[str, int, int]] = []
    unknown: list[tuple[str, int, int]] = []
    for kind, s, e in groups:
        s, e = _strip_span(text, s, e)
        for us, ue in split_units(text, s, e, registry):
            us, ue = _strip_span(text, us, ue)
            if text.startswith("由", us) and looks_like_unit(text[us + 1:ue]):
                us += 1  # 由市发展改革委会同…
            unit_kind = kind
            marked_role = _ROLE_AFTER_NAME.search(text, us, ue)
            if marked_role and marked_role.end() == ue and marked_role.start() > us:
                unit_kind = "lead" if marked_role.group("lead") else "support"
                us, ue = _strip_span(text, us, marked_role.start())
            etc = _ETC.search(text, us, ue)
            if etc and etc.start() - us >= 2 and not registry.resolve(text[us:ue]):
                ue = etc.start()  # 省经信厅、省发展改革委等按职责分工负责: "and others", not part of a name
            other = _OTHER_NAME.search(text, us, ue)
            if (other and other.end() == ue and not registry.resolve(text[us:ue])
                    and looks_like_unit(other.group(1)) and looks_like_unit(text[us:other.start()])):
                ue = other.start()  # 市市场监管局(市知识产权局): the unit by its first name
            name = text[us:ue]
            if not name:
                continue
            if registry.resolve(name) or looks_like_unit(name):
                named.append((unit_kind, us, ue))
            else:
                unknown.append((unit_kind, us, ue))
    # A name the patterns do not know is still a unit when the parenthesis is plainly an
    # attribution: it names known units or carries a role word (之江实验室牵头). It is kept
    # (and reported as untyped) rather than dropped; otherwise the parenthesis is text.
    marked = any(kind in ("lead", "support", "duty", "plain") for kind, _, _ in [*groups, *named, *unknown])
    for kind, s, e in unknown:
        if _OFFICIAL.search(text[s:e]):
            result.officials.append(text[s:e])
        elif (named or marked) and _plausible_name(text[s:e]):
            named.append((kind, s, e))
        else:
            result.leftovers.append(text[s:e])
    named.sort(key=lambda g: g[1])
    if named_leads and not any(kind == "lead" for kind, _, _ in named):
        leads = {text[s:e]: (s, e) for s, e in named_leads}
        named = [("lead" if text[s:e] in leads else "support", s, e) for _, s, e in named]
        listed = {text[s:e] for _, s, e in named}
        named += [("lead", s, e) for name, (s, e) in leads.items() if name not in listed]
        named.sort(key=lambda g: g[1])
    # X负责，Y配合: the unit said to be responsible beside a supporting one leads.
    if (not any(kind == "lead" for kind, _, _ in named) and any(kind == "plain" for kind, _, _ in named)
            and any(kind == "support" for kind, _, _ in named)):
        named = [("lead" if kind == "plain" else kind, s, e) for kind, s, e in named]

    has_lead = any(kind == "lead" for kind, _, _ in named)
    for k, (kind, s, e) in enumerate(named):
        if has_lead:
            role = Role.LEAD if kind == "lead" else Role.SUPPORT
        elif result.first_leads:
            role = Role.LEAD if k == 0 else Role.SUPPORT
        else:
            role = Role.LEAD if len(named) == 1 else Role.CO_RESPONSIBLE
        result.units.append(UnitMention(text[s:e], s, e, role))


_NOT_A_NAME = re.compile(r"[0-9０-９%。，,：:“”\"《》]|^(含|即|下同|简称|试行|暂名|以下|其中|包括)")


def _plausible_name(name: str) -> bool:
    return 2 <= len(name) <= 30 and not _NOT_A_NAME.search(name)


def is_attribution(parsed: ParsedAttribution) -> bool:
    """An attribution names at least one unit and nothing that is not a unit, a deadline
    or an implementer rule."""
    return bool(parsed.units) and not parsed.leftovers
