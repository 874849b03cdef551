"""The fengong vocabulary as Python names, and the standard vocabularies it reuses.

:class:`FG` lists every term of ``ontology/fengong.ttl`` (``fg:``), so a misspelt term is an
``AttributeError`` at import time instead of a silent new IRI in the graph; a test checks
that the two lists agree. Standard namespaces that rdflib does not ship (ELI, Web
Annotation, QUDT) are declared here the same way, restricted to the terms fengong uses.

The mapping tables at the end translate the values of the document model (role names,
comparator symbols, department kinds, unit strings) into vocabulary terms; they are the
only place where such a translation is written down.

>>> from fengong.vocab import FG, ROLES
>>> FG.Task
rdflib.term.URIRef('https://w3id.org/fengong/ns#Task')
>>> ROLES["lead"] == FG.Lead
True
"""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import (
    DCTERMS,
    ODRL2,
    ORG,
    OWL,
    PROV,
    RDF,
    RDFS,
    SH,
    SKOS,
    XSD,
    DefinedNamespace,
    NamespaceManager,
)

__all__ = [
    "FG",
    "ELI",
    "OA",
    "QUDT",
    "UNIT",
    "ODRL",
    "ORG",
    "PROV",
    "SKOS",
    "DCTERMS",
    "PREFIXES",
    "ROLES",
    "ROLE_SHORTCUTS",
    "CHANGE_KINDS",
    "COMPARATORS",
    "DEPARTMENT_KINDS",
    "UNITS",
    "bind_prefixes",
    "fg_terms",
]

FG_NS = "https://w3id.org/fengong/ns#"
ODRL = ODRL2


class FG(DefinedNamespace):
    """fengong ontology terms (``fg:``); see ``ontology/fengong.ttl`` for their meaning."""

    _NS = Namespace(FG_NS)
    _fail = True

    # Classes
    WorkPlan: URIRef
    Section: URIRef
    Task: URIRef
    Clause: URIRef
    Assignment: URIRef
    Department: URIRef
    Target: URIRef
    Region: URIRef
    AdministrativeDivision: URIRef
    RegionGroup: URIRef
    ReferencedDocument: URIRef
    Mention: URIRef
    Change: URIRef

    # Concept schemes
    Roles: URIRef
    DepartmentKinds: URIRef
    Regions: URIRef
    ChangeKinds: URIRef

    # Roles (skos:Concept in fg:Roles, prov:Role)
    Lead: URIRef
    Support: URIRef
    CoResponsible: URIRef
    Implementer: URIRef

    # Department kinds (skos:Concept in fg:DepartmentKinds)
    GovernmentDepartment: URIRef
    PartyOrgan: URIRef
    VerticalAgency: URIRef
    PublicInstitution: URIRef
    PeopleOrganization: URIRef
    JointMeeting: URIRef
    WorkingGroup: URIRef
    CityGovernment: URIRef
    CountyGovernment: URIRef
    LocalGovernments: URIRef
    Collective: URIRef
    Enterprise: URIRef
    OtherKind: URIRef

    # Change kinds (skos:Concept in fg:ChangeKinds)
    TaskAdded: URIRef
    TaskRemoved: URIRef
    TaskModified: URIRef
    ResponsibilityGained: URIRef
    ResponsibilityLost: URIRef
    TargetChanged: URIRef
    TargetAdded: URIRef
    TargetRemoved: URIRef

    # Comparator beyond ODRL's operators (左右)
    approximately: URIRef

    # Object properties
    section: URIRef
    clause: URIRef
    parentTask: URIRef
    leads: URIRef
    supports: URIRef
    coResponsibleFor: URIRef
    implements: URIRef
    hasTarget: URIRef
    comparator: URIRef
    kind: URIRef
    member: URIRef
    hasMention: URIRef
    mentions: URIRef
    ruleSpan: URIRef
    changeKind: URIRef
    fromDocument: URIRef
    toDocument: URIRef
    affectedTask: URIRef
    fromTask: URIRef
    toTask: URIRef
    affectedDepartment: URIRef
    affectedRole: URIRef
    fromTarget: URIRef
    toTarget: URIRef
    shortcut: URIRef

    # Datatype properties
    id: URIRef
    ordinal: URIRef
    text: URIRef
    attribution: URIRef
    deadline: URIRef
    surface: URIRef
    metric: URIRef
    valueText: URIRef
    unitText: URIRef
    scope: URIRef
    period: URIRef
    shortName: URIRef
    level: URIRef
    registered: URIRef
    similarity: URIRef


class ELI(DefinedNamespace):
    """European Legislation Identifier ontology, the terms fengong uses."""

    _NS = Namespace("http://data.europa.eu/eli/ontology#")
    _fail = True

    LegalResource: URIRef
    LegalResourceSubdivision: URIRef
    is_part_of: URIRef
    has_part: URIRef
    number: URIRef
    date_document: URIRef
    date_publication: URIRef
    title: URIRef
    passed_by: URIRef


class OA(DefinedNamespace):
    """W3C Web Annotation vocabulary, the terms fengong uses for source spans."""

    _NS = Namespace("http://www.w3.org/ns/oa#")
    _fail = True

    SpecificResource: URIRef
    TextPositionSelector: URIRef
    TextQuoteSelector: URIRef
    hasSource: URIRef
    hasSelector: URIRef
    start: URIRef
    end: URIRef
    exact: URIRef
    prefix: URIRef
    suffix: URIRef


class QUDT(DefinedNamespace):
    """QUDT schema, the terms fengong uses."""

    _NS = Namespace("http://qudt.org/schema/qudt/")
    _fail = True

    Unit: URIRef
    unit: URIRef


# Units are an open list of thousands of terms: a plain namespace.
UNIT = Namespace("http://qudt.org/vocab/unit/")

PREFIXES: dict[str, Namespace | str] = {
    "fg": FG_NS,
    "eli": str(ELI._NS),
    "oa": str(OA._NS),
    "odrl": str(ODRL),
    "qudt": str(QUDT._NS),
    "unit": str(UNIT),
    "org": str(ORG),
    "prov": str(PROV),
    "skos": str(SKOS),
    "dct": str(DCTERMS),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "sh": str(SH),
}


def bind_prefixes(target: NamespaceManager | object) -> None:
    """Bind the usual prefixes on a Graph, Dataset or NamespaceManager."""
    for prefix, ns in PREFIXES.items():
        target.bind(prefix, Namespace(str(ns)), override=True)  # type: ignore[attr-defined]


def fg_terms() -> frozenset[URIRef]:
    """Every term listed in :class:`FG`."""
    return frozenset(URIRef(FG_NS + name) for name in FG.__annotations__)


# --- Translation tables: document model values -> vocabulary terms -----------------

#: Role (``fengong.model.Role`` value) -> role concept.
ROLES: dict[str, URIRef] = {
    "lead": FG.Lead,
    "support": FG.Support,
    "co_responsible": FG.CoResponsible,
    "implementer": FG.Implementer,
}

#: Role -> derived shortcut property department -> task.
ROLE_SHORTCUTS: dict[str, URIRef] = {
    "lead": FG.leads,
    "support": FG.supports,
    "co_responsible": FG.coResponsibleFor,
    "implementer": FG.implements,
}

#: Change kind slug (``fengong.diff.Change.kind``) -> concept in fg:ChangeKinds.
CHANGE_KINDS: dict[str, URIRef] = {
    "task_added": FG.TaskAdded,
    "task_removed": FG.TaskRemoved,
    "task_modified": FG.TaskModified,
    "responsibility_gained": FG.ResponsibilityGained,
    "responsibility_lost": FG.ResponsibilityLost,
    "target_changed": FG.TargetChanged,
    "target_added": FG.TargetAdded,
    "target_removed": FG.TargetRemoved,
}

#: Target comparator symbol (``Target.comparator``) -> operator. 以上/以下/以内 include the
#: number (《民法典》第1259条), 超过/不满 exclude it, 左右 is approximate.
COMPARATORS: dict[str, URIRef] = {
    ">=": ODRL.gteq,
    ">": ODRL.gt,
    "<=": ODRL.lteq,
    "<": ODRL.lt,
    "=": ODRL.eq,
    "~": FG.approximately,
}

#: Department kind slug (registry ``Department.kind``) -> concept in fg:DepartmentKinds.
DEPARTMENT_KINDS: dict[str, URIRef] = {
    "government_department": FG.GovernmentDepartment,
    "party_organ": FG.PartyOrgan,
    "vertical_agency": FG.VerticalAgency,
    "public_institution": FG.PublicInstitution,
    "people_organization": FG.PeopleOrganization,
    "joint_meeting": FG.JointMeeting,
    "working_group": FG.WorkingGroup,
    "city_government": FG.CityGovernment,
    "county_government": FG.CountyGovernment,
    "local_governments": FG.LocalGovernments,
    "collective": FG.Collective,
    "enterprise": FG.Enterprise,
    "other": FG.OtherKind,
}

_COUNT_WORDS = (
    "个 家 所 座 条 项 户 套 间 套(间) 套（间） 辆 处 张 台 人 名 批 次 人次 件 栋 幢 宗 场 期 "
    "种 支 块 类 篇 部 本 册 只 头 棵 株 艘 架 列 对 组 片 镇 村 县 市 区 园 园区 街区 社区 "
    "小区 单元 床 床位 所(个)"
).split()

#: Unit as written -> QUDT unit, only where QUDT has one. Counting words (个, 家, 套 …)
#: all map to unit:NUM; currencies and 个百分点 (a percentage *point*) have none.
UNITS: dict[str, URIRef] = {
    "公顷": UNIT.HA,
    "公里": UNIT.KiloM,
    "千米": UNIT.KiloM,
    "米": UNIT.M,
    "平方米": UNIT.M2,
    "平方公里": UNIT.KiloM2,
    "立方米": UNIT.M3,
    "%": UNIT.PERCENT,
    "％": UNIT.PERCENT,
    "吨": UNIT.TONNE,
    "千克": UNIT.KiloGM,
    "公斤": UNIT.KiloGM,
    "千瓦": UNIT.KiloW,
    "兆瓦": UNIT.MegaW,
    "千瓦时": UNIT["KiloW-HR"],
    "小时": UNIT.HR,
    "分钟": UNIT.MIN,
    "天": UNIT.DAY,
    "年": UNIT.YR,
    **{word: UNIT.NUM for word in _COUNT_WORDS},
}
