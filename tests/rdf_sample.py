"""A small hand-made Document and fake registries for the RDF, SHACL and projection tests.

Built from model objects (not by the extractor) so that these tests pin the builder alone.
Offsets are computed from the text, so every span quotes exactly what it claims.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fengong.model import (
    Assignment,
    Clause,
    Document,
    DocumentMeta,
    Item,
    Reference,
    RegionMention,
    Role,
    Section,
    Target,
)

DOCID = "2023-0badcafe"

TEXT = (
    "关于印发《示例城镇化工作要点》的通知\n"
    "示发改函〔2023〕1号\n"
    "到2023年底,全省常住人口城镇化率达到73.5%,城乡居民收入比保持1.90左右。\n"
    "一、提高市民化质量\n"
    "(一)深化户籍制度改革。全面放开落户限制(省公安厅;以下各项任务均需各市、县(市、区)人民政府落实)。"
    "推进居住年限互认(省公安厅牵头,省人力社保厅按职责负责)。\n"
    "二、优化城市格局\n"
    "(二)推进杭绍同城化。支持杭州新增绿地1500公顷以上,研究制定《示例实施方案》"
    "(省建设厅牵头,省发展改革委、省示例办配合)。\n"
)


def find(needle: str, after: int = 0) -> tuple[int, int]:
    start = TEXT.index(needle, after)
    return start, start + len(needle)


def line(prefix: str) -> tuple[int, int]:
    start = TEXT.index(prefix)
    return start, TEXT.index("\n", start)


def assignment(name: str, department: str, role: Role, after: int, **extra) -> Assignment:
    start, end = find(name, after)
    return Assignment(name=name, department=department, role=role, start=start, end=end, **extra)


def make_document() -> Document:
    s1 = line("一、")
    s2 = line("二、")
    t1 = line("(一)")
    t2 = line("(二)")

    c11 = find("全面放开落户限制(省公安厅;以下各项任务均需各市、县(市、区)人民政府落实)")
    attr11 = find("省公安厅;以下各项任务均需各市、县(市、区)人民政府落实")
    rule = find("以下各项任务均需各市、县(市、区)人民政府落实")
    c12 = find("推进居住年限互认(省公安厅牵头,省人力社保厅按职责负责)")
    attr12 = find("省公安厅牵头,省人力社保厅按职责负责")
    c21 = find("支持杭州新增绿地1500公顷以上,研究制定《示例实施方案》(省建设厅牵头,省发展改革委、省示例办配合)")
    attr21 = find("省建设厅牵头,省发展改革委、省示例办配合")

    def implementer() -> Assignment:
        return assignment(
            "各市、县(市、区)人民政府", "local-govs", Role.IMPLEMENTER, rule[0],
            rule_start=rule[0], rule_end=rule[1],
        )

    clause11 = Clause(
        number=1, text=TEXT[c11[0]:c11[1]], start=c11[0], end=c11[1],
        attribution=TEXT[attr11[0]:attr11[1]], attribution_start=attr11[0], attribution_end=attr11[1],
        assignments=[assignment("省公安厅", "police", Role.LEAD, c11[0])],
    )
    clause12 = Clause(
        number=2, text=TEXT[c12[0]:c12[1]], start=c12[0], end=c12[1],
        attribution=TEXT[attr12[0]:attr12[1]], attribution_start=attr12[0], attribution_end=attr12[1],
        assignments=[
            assignment("省公安厅", "police", Role.LEAD, c12[0]),
            assignment("省人力社保厅", "hrss", Role.CO_RESPONSIBLE, c12[0]),
        ],
    )
    clause21 = Clause(
        number=1, text=TEXT[c21[0]:c21[1]], start=c21[0], end=c21[1],
        attribution=TEXT[attr21[0]:attr21[1]], attribution_start=attr21[0], attribution_end=attr21[1],
        assignments=[
            assignment("省建设厅", "construction", Role.LEAD, c21[0]),
            assignment("省发展改革委", "ndrc", Role.SUPPORT, c21[0]),
            assignment("省示例办", "x-0123456789", Role.SUPPORT, c21[0], registered=False),
        ],
        deadline=None,
    )
    green = find("新增绿地1500公顷以上")
    urban = find("全省常住人口城镇化率达到73.5%")
    ratio = find("城乡居民收入比保持1.90左右")
    hz = find("杭州", t2[0] + 10)
    hs = find("杭绍")
    ref = find("《示例实施方案》")
    item1 = Item(
        number=1, label="(一)", section=1, title="深化户籍制度改革", start=t1[0], end=t1[1],
        clauses=[clause11, clause12], implementers=[implementer()],
    )
    item2 = Item(
        number=2, label="(二)", section=2, title="推进杭绍同城化", start=t2[0], end=t2[1],
        clauses=[clause21], implementers=[implementer()],
        targets=[Target(
            text=TEXT[green[0]:green[1]], start=green[0], end=green[1], metric="新增绿地",
            value=1500.0, unit="公顷", comparator=">=", value_text="1500", scope="杭州",
        )],
        regions=[
            RegionMention(name="杭绍", region="hangshao", start=hs[0], end=hs[1],
                          members=["330100", "330600"]),
            RegionMention(name="杭州", region="330100", start=hz[0], end=hz[1]),
        ],
        references=[Reference(title="《示例实施方案》", start=ref[0], end=ref[1])],
    )
    return Document(
        document=DocumentMeta(
            title="示例城镇化工作要点", doc_number="示发改函〔2023〕1号", issuer="ndrc",
            issuer_name="省发展改革委", issued="2023-07-24", published="2023-09-15",
            source="sample.txt", id=DOCID,
        ),
        text=TEXT,
        sections=[
            Section(number=1, label="一、", title="提高市民化质量", start=s1[0], end=s1[1]),
            Section(number=2, label="二、", title="优化城市格局", start=s2[0], end=s2[1]),
        ],
        items=[item1, item2],
        targets=[
            Target(text=TEXT[urban[0]:urban[1]], start=urban[0], end=urban[1],
                   metric="常住人口城镇化率", value=73.5, unit="%", comparator=">=",
                   value_text="73.5", period="2023年底"),
            Target(text=TEXT[ratio[0]:ratio[1]], start=ratio[0], end=ratio[1],
                   metric="城乡居民收入比", value=1.9, unit="", comparator="~", value_text="1.90"),
        ],
    )


@dataclass
class FakeDepartment:
    id: str
    name: str
    short: str | None = None
    aliases: list[str] = field(default_factory=list)
    en: str | None = None
    kind: str | None = "government_department"
    level: str | None = "province"
    parent: str | None = None
    region: str | None = "330000"
    registered: bool = True


@dataclass
class FakeRegion:
    id: str
    name: str
    short_name: str | None = None
    level: str | None = None
    code: str | None = None
    parent: str | None = None
    members: list[str] = field(default_factory=list)


class FakeRegistry:
    """Duck-typed stand-in for DepartmentRegistry / RegionRegistry: ``get(id)``."""

    def __init__(self, entries) -> None:
        self.entries = {entry.id: entry for entry in entries}

    def get(self, key: str):
        return self.entries.get(key)


def departments() -> FakeRegistry:
    return FakeRegistry([
        FakeDepartment("police", "浙江省公安厅", "省公安厅",
                       en="Zhejiang Provincial Department of Public Security"),
        FakeDepartment("hrss", "浙江省人力资源和社会保障厅", "省人力社保厅", aliases=["省人社厅"]),
        FakeDepartment("construction", "浙江省住房和城乡建设厅", "省建设厅"),
        FakeDepartment("ndrc", "浙江省发展和改革委员会", "省发展改革委", aliases=["省发改委"],
                       en="Zhejiang Provincial Development and Reform Commission"),
        FakeDepartment("local-govs", "各市、县(市、区)人民政府", kind="local_governments",
                       level=None, region=None),
    ])


def regions() -> FakeRegistry:
    return FakeRegistry([
        FakeRegion("330000", "浙江省", "浙江", "province", "330000"),
        FakeRegion("330100", "杭州市", "杭州", "city", "330100", parent="330000"),
        FakeRegion("330600", "绍兴市", "绍兴", "city", "330600", parent="330000"),
        FakeRegion("hangshao", "杭绍", None, None, None, members=["330100", "330600"]),
    ])
