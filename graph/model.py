"""The document model: what extraction produces and what the RDF builder consumes.

It is also a public contract (``fengong extract`` prints it; its JSON Schema ships as
``fengong/ontology/document.schema.json``), so field names are stable. Every fact keeps
``start``/``end`` character offsets into :attr:`Document.text`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any


class Role(str, Enum):
    """How a unit is responsible for a clause or task."""

    LEAD = "lead"
    SUPPORT = "support"
    CO_RESPONSIBLE = "co_responsible"
    IMPLEMENTER = "implementer"


ROLE_LABELS_ZH = {
    Role.LEAD: "牵头",
    Role.SUPPORT: "配合",
    Role.CO_RESPONSIBLE: "共同负责",
    Role.IMPLEMENTER: "落实",
}


@dataclass
class Span:
    start: int
    end: int


@dataclass
class Assignment:
    """One unit named in one attribution, with its role."""

    name: str  # as written (after dropping role words), e.g. "省发改委"
    department: str  # canonical department id from the registry (or an unregistered id)
    role: Role
    start: int  # span of ``name`` in the document text
    end: int
    registered: bool = True
    # For implementers: where the general rule that put them here is stated.
    rule_start: int | None = None
    rule_end: int | None = None


@dataclass
class Clause:
    """The run of text closed by one attribution parenthesis (or the item's text when
    it has no attribution)."""

    number: int  # running 1..K within the item
    text: str
    start: int
    end: int
    attribution: str | None = None  # raw text inside the parenthesis
    attribution_start: int | None = None  # span of the raw text inside the parenthesis
    attribution_end: int | None = None
    assignments: list[Assignment] = field(default_factory=list)
    deadline: str | None = None


@dataclass
class Target:
    text: str  # the surface string, e.g. "新增绿地1500公顷以上"
    start: int
    end: int
    metric: str  # what is counted, e.g. "新增绿地"
    value: float  # normalised plain number: 10万 -> 100000
    unit: str  # 个, 公顷, %, 套(间) …
    comparator: str  # one of >=, >, ~, <=, <, =
    value_text: str = ""  # the number as written, e.g. "10万"
    scope: str | None = None  # 全省各设区市主城区 …
    period: str | None = None  # 2023年底, 每年 …


@dataclass
class RegionMention:
    name: str  # as written: "杭州", "杭绍", "山区26县"
    region: str  # region id (GB/T 2260 code for divisions, slug for groups)
    start: int
    end: int
    members: list[str] = field(default_factory=list)  # for composites/groups: member region ids


@dataclass
class Reference:
    title: str  # including 《》
    start: int
    end: int


@dataclass
class Section:
    number: int  # running 1..N
    label: str  # as written: "一、"
    title: str
    start: int
    end: int


@dataclass
class Item:
    """A numbered task: (一)…(三十二)."""

    number: int  # running 1..N across the document
    label: str  # as written: "(十三)"
    section: int | None  # Section.number
    title: str
    start: int
    end: int
    clauses: list[Clause] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    regions: list[RegionMention] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    implementers: list[Assignment] = field(default_factory=list)
    deadline: str | None = None
    parent: int | None = None  # Item.number of the parent for sub-items

    def assignments(self) -> list[Assignment]:
        """Explicit assignments of all clauses, then implementers."""
        return [a for c in self.clauses for a in c.assignments] + list(self.implementers)


@dataclass
class Warning:
    code: str  # unregistered_unit, no_attribution, suspicious_parenthesis, …
    message: str
    start: int | None = None
    line: int | None = None
    column: int | None = None


@dataclass
class DocumentMeta:
    title: str | None = None
    doc_number: str | None = None  # 发文字号, e.g. 浙发改城镇函〔2023〕388号
    issuer: str | None = None  # canonical department id when registered, else as written
    issuer_name: str | None = None  # as written
    issued: str | None = None  # ISO date
    published: str | None = None  # ISO date
    source: str | None = None  # file name or URL it was read from
    id: str | None = None  # deterministic document id


@dataclass
class Document:
    document: DocumentMeta
    text: str
    sections: list[Section] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)  # document-level (preamble) targets
    regions: list[RegionMention] = field(default_factory=list)  # document-level regions
    references: list[Reference] = field(default_factory=list)  # document-level references
    warnings: list[Warning] = field(default_factory=list)

    @property
    def id(self) -> str:
        assert self.document.id, "document id is set by extraction"
        return self.document.id

    def clauses(self) -> list[tuple[Item, Clause]]:
        return [(item, clause) for item in self.items for clause in item.clauses]

    def all_targets(self) -> list[tuple[Item | None, Target]]:
        return [(None, t) for t in self.targets] + [
            (item, t) for item in self.items for t in item.targets
        ]

    def to_dict(self) -> dict[str, Any]:
        return _plain(asdict(self))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Document":
        def assignment(a: dict) -> Assignment:
            return Assignment(**{**a, "role": Role(a["role"])})

        def clause(c: dict) -> Clause:
            return Clause(**{**c, "assignments": [assignment(a) for a in c["assignments"]]})

        def item(i: dict) -> Item:
            return Item(
                **{
                    **i,
                    "clauses": [clause(c) for c in i["clauses"]],
                    "targets": [Target(**t) for t in i["targets"]],
                    "regions": [RegionMention(**r) for r in i["regions"]],
                    "references": [Reference(**r) for r in i["references"]],
                    "implementers": [assignment(a) for a in i["implementers"]],
                }
            )

        return cls(
            document=DocumentMeta(**data["document"]),
            text=data["text"],
            sections=[Section(**s) for s in data["sections"]],
            items=[item(i) for i in data["items"]],
            targets=[Target(**t) for t in data["targets"]],
            regions=[RegionMention(**r) for r in data.get("regions", [])],
            references=[Reference(**r) for r in data.get("references", [])],
            warnings=[Warning(**w) for w in data["warnings"]],
        )


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
