"""Whose plan is it? The jurisdiction a document speaks for, and unit names read in it.

Work plans name units relative to their issuer: in a Jiangsu plan 省发改委 is 江苏省发展和改革
委员会, in a Hangzhou plan 市财政局 is 杭州市财政局. The jurisdiction comes from the title
(2024年杭州市…方案), the issuer (浙江省发展和改革委员会) or the 发文字号's abbreviation
(浙发改…, 苏政发…). Relative names are qualified with it before the registry is asked,
so units of different provinces never share a node.

>>> j = Jurisdiction(province="江苏省", city=None)
>>> qualify("省发改委", j)
'江苏省发改委'
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache

from fengong import ontology

from .model import DocumentMeta
from .regions import RegionRegistry
from .unit_types import leading_place


@dataclass(frozen=True)
class Jurisdiction:
    province: str | None  # e.g. 浙江省
    city: str | None = None  # e.g. 杭州市
    county: str | None = None

    @property
    def code_name(self) -> str | None:
        return self.county or self.city or self.province


@cache
def _province_abbreviations() -> dict[str, str]:
    data = tomllib.loads(ontology.path("regions/abbreviations.toml").read_text(encoding="utf-8"))
    return dict(data["scheme"]["province"]["abbreviations"])


def _from_place(place: str, regions: RegionRegistry) -> Jurisdiction | None:
    region = regions.resolve(place)
    if region is None or not region.is_division:
        return None
    chain = [region]
    while chain[-1].parent and (parent := regions.get(chain[-1].parent)) is not None:
        chain.append(parent)
    by_level = {r.level: r.name for r in chain}
    province = by_level.get("province")
    city = by_level.get("city") or by_level.get("prefecture")
    county = by_level.get("county")
    # Municipalities (北京市, 上海市) are provinces whose units say 市.
    if province and not city and province.endswith("市"):
        city = province
    return Jurisdiction(province, city, county)


def find_jurisdiction(meta: DocumentMeta, regions: RegionRegistry) -> Jurisdiction | None:
    """The jurisdiction of a document from its title, issuer and 发文字号, most specific first."""
    candidates: list[Jurisdiction] = []
    for text in (meta.title, meta.issuer_name):
        if not text:
            continue
        stripped = re.sub(r"^[0-9０-９]{4}\s*(年度?|—|-)?", "", text.strip("《》 "))
        place = leading_place(stripped)
        if place:
            found = _from_place(place, regions)
            if found:
                candidates.append(found)
    if candidates:
        return max(candidates, key=lambda j: (j.county is not None, j.city is not None))
    if meta.doc_number:
        province = _province_abbreviations().get(meta.doc_number[0])
        if province:
            return Jurisdiction(province)
    return None


_RELATIVE = re.compile(r"^(省|市(?!场)|区|县)")
_PREFIX_OF_UNIT = re.compile(r"^(省|市(?!场)|区|县)")


def qualify(name: str, jurisdiction: Jurisdiction | None, inherited: str | None = None) -> str:
    """The name with its jurisdiction written out, for the registry to resolve.

    ``inherited`` is the prefix of the unit before it in the same list: after 市发改局, a
    bare 财政局 is 市财政局 (lists drop the repeated prefix).

    >>> qualify("财政局", Jurisdiction("浙江省", "杭州市"), inherited="市")
    '杭州市财政局'
    >>> qualify("省建设厅", Jurisdiction("浙江省"))
    '浙江省建设厅'
    """
    if inherited and not _RELATIVE.match(name) and not leading_place(name) and _is_bare_department(name):
        name = inherited + name
    if jurisdiction is None or leading_place(name):
        return name
    m = _RELATIVE.match(name)
    if not m:
        return name
    level = m.group(1)
    place = {"省": jurisdiction.province, "市": jurisdiction.city, "区": jurisdiction.county,
             "县": jurisdiction.county}[level]
    if not place:
        return name
    return place + name[1:]


def unit_prefix(name: str) -> str | None:
    """The level prefix a following bare name in the same list inherits: 市 for 市发改局,
    杭州市 for 杭州市发改局, None for 各有关部门."""
    place = leading_place(name)
    if place:
        return place
    m = _PREFIX_OF_UNIT.match(name)
    return m.group(1) if m else None


def _is_bare_department(name: str) -> bool:
    """财政局, 住建局, 发改委: a department word with no level and no collective word."""
    return bool(re.fullmatch(r"[\u4e00-\u9fff]{1,10}(局|委|厅|办|委员会|办公室|中心)", name)) and not re.match(
        r"^(各|有关|相关|国家|中央|国务院)", name)
