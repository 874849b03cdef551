"""Regions: GB/T 2260 administrative divisions, named groups and places, and their mentions.

Reference data lives in ``fengong/ontology/regions/`` (read with :func:`fengong.ontology.path`):

- ``divisions.csv`` — every province-, prefecture- and county-level division of the
  mainland, with codes from the National Bureau of Statistics data set (see ``SOURCE.md``);
  a division's region id is its 6-digit code. Counties outside 浙江省 are written with their
  full names (惠东县): their short names are too often ordinary words (新兴, 清新).
- ``groups.toml`` — named groups (山区26县, 嘉湖片区, 长三角生态绿色一体化发展示范区, the
  metropolitan areas) and places that are not divisions (梅山-佛渡-六横); slug ids.
- ``abbreviations.toml`` — one-character abbreviations (杭 甬 温 … and 京 津 冀 …) from
  which composites such as 杭绍, 甬舟, 杭嘉湖, 京津冀 are recognised in general.
- ``matching.toml`` — word lists that steer matching (ambiguous short names, institution
  heads, blockers).

What :func:`find_regions` reports (decisions, so that extraction stays predictable):

- Named places only. 全省, 我省, 省域, 各市, 县(市、区) are not mentions.
- The province name is a mention where it is written as a place (完善浙江省基本公共服务标准
  体系); not when it is an attribute (体现浙江特色, 浙江经验: a name directly followed by
  特色/经验/模式/样板…), nor inside an institution's, department's or event's name
  (浙江大学, 浙江省发展和改革委员会, 国家统计局浙江调查总队, 宁波东方理工大学, 杭州市人民政府,
  杭州亚运会), nor inside a 《title》 (unless ``include_titles``). The one-character 浙 of
  浙里新市民, 浙派民居, 浙建事 is never a mention.
- Longest match first; on equal length the higher level wins (上海宁波 is 上海 + 宁波, not
  海宁), then the earlier start. 杭州市区 is the city, written "杭州".
- Composites (杭绍, 甬舟, 嘉湖, 杭嘉湖, 京津冀, 沪苏浙皖) are recognised from the abbreviation
  schemes: two or more abbreviations of one scheme in a row, each a different division. Their
  region id is ``composite-<codes sorted>``; ``members`` lists the divisions in written order.
  Abbreviation schemes cover Zhejiang's cities (and 义乌) and the provinces; other
  provinces' city abbreviations (苏锡常, 长株潭) are out of scope and yield nothing.
- Groups (山区26县, 嘉湖片区) come with their members. A group named after its core city
  (杭州都市圈) yields the group and, nested in its span, the city (杭州), as an undefined
  one (南京都市圈) yields the city.
- A name several divisions share (鼓楼区) is the one inside the document's jurisdiction
  (``within``), or no mention without one; two-character county names (雄县, 和县) count
  only in documents of their own province.
- Spans in ``exclude`` (attribution parentheses: units, handled elsewhere) are skipped.

>>> [(m.name, m.region) for m in find_regions("除杭州市区以外,推进杭绍一体化。")]
[('杭州', '330100'), ('杭绍', 'composite-330100-330600')]
"""

from __future__ import annotations

import csv
import functools
import re
import tomllib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .model import RegionMention
from .references import find_references

__all__ = [
    "Region",
    "RegionRegistry",
    "find_regions",
    "region_for_unit",
    "DEFAULT_DATA_FILES",
]

DEFAULT_DATA_FILES = (
    "regions/divisions.csv",
    "regions/groups.toml",
    "regions/abbreviations.toml",
    "regions/matching.toml",
)

# Smaller is preferred when two matches of equal length compete for the same characters.
LEVEL_RANK = {"group": 0, "place": 0, "province": 1, "prefecture": 2, "county": 3, "composite": 4}
DIVISION_LEVELS = ("province", "prefecture", "county")

_DASHES = ("-", "－", "—", "–", "‑", "‐", "")
_NUMERALS = set("0123456789０１２３４５６７８９一二三四五六七八九十百千万两几多每各数")
# Characters that end the phrase in which an institution head is looked for.
_PHRASE_END = re.compile(r"[\s\u3000,，。;；:：、!！?？()（）\[\]【】《》〈〉“”\"'‘’]")
_GOVERNMENT_SUFFIXES = ("人民政府", "政府")


@dataclass(frozen=True)
class Region:
    """A division (id = GB/T 2260 code), a group or place (slug id), or a composite.

    ``parent`` is the enclosing division (None for provinces and cross-province groups);
    ``parents`` lists all of them for places that straddle divisions (梅山-佛渡-六横).
    ``members`` are region ids of a group or composite; ``core`` the city a group is named
    after.
    """

    id: str
    name: str
    short_name: str
    level: str  # province | prefecture | county | group | place | composite
    code: str | None = None
    parent: str | None = None
    members: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    parents: tuple[str, ...] = ()
    core: tuple[str, ...] = ()
    note: str | None = None

    @property
    def is_division(self) -> bool:
        return self.level in DIVISION_LEVELS


@dataclass(frozen=True)
class _Entry:
    region: str
    kind: str  # full | short | alias


@dataclass
class _Scheme:
    name: str
    abbreviations: dict[str, str]  # char -> region id
    weak: frozenset[str] = frozenset()


@dataclass
class _Lexicon:
    ambiguous_short_names: set[str] = field(default_factory=set)
    institution_heads: list[str] = field(default_factory=list)
    institution_max_gap: int = 10
    head_exceptions: list[str] = field(default_factory=list)
    stop_words: list[str] = field(default_factory=list)
    attributive_heads: list[str] = field(default_factory=list)
    blockers: set[str] = field(default_factory=set)
    not_names: list[str] = field(default_factory=list)
    generic_names: set[str] = field(default_factory=set)


class RegionRegistry:
    """Regions by id, the surfaces they are written as, and the abbreviation schemes.

    >>> reg = RegionRegistry.default()
    >>> reg.resolve("杭州").code, reg.resolve("杭州市人民政府") is None
    ('330100', True)
    >>> reg.resolve("甬舟").members
    ('330200', '330900')
    """

    def __init__(self) -> None:
        self.regions: dict[str, Region] = {}
        self.schemes: list[_Scheme] = []
        self.lexicon = _Lexicon()
        self._surfaces: dict[str, list[_Entry]] = {}
        self._lengths: dict[str, list[int]] = {}  # first char -> surface lengths, longest first
        self._starts: re.Pattern[str] = re.compile("[^\\s\\S]")  # matches nothing until built
        self._prefixes: frozenset[str] = frozenset()  # first two characters of every surface
        self._children: dict[str, list[str]] = {}
        self._shared: frozenset[str] = frozenset()

    # ----------------------------------------------------------------- loading
    @classmethod
    def default(cls) -> "RegionRegistry":
        """The registry built from the shipped data files (loaded once, then cached)."""
        return _default_registry()

    @classmethod
    def load(cls, paths: Iterable[str | Path]) -> "RegionRegistry":
        """Build a registry from data files: ``*.csv`` division tables, then ``*.toml`` files
        with any of ``[[group]]``, ``[[place]]``, ``[scheme.*]`` and matching word lists.

        Division tables are read first whatever the order, so groups can name divisions.
        """
        reg = cls()
        paths = [Path(p) for p in paths]
        for p in paths:
            if p.suffix == ".csv":
                reg._load_divisions(p)
        reg._index_children()
        tomls = [tomllib.loads(p.read_text(encoding="utf-8")) for p in paths if p.suffix == ".toml"]
        for data in tomls:
            reg._load_lexicon(data)
        for data in tomls:
            for kind in ("group", "place"):
                for spec in data.get(kind, []):
                    reg._load_group(spec, kind)
        for data in tomls:
            for name, spec in data.get("scheme", {}).items():
                reg._load_scheme(name, spec)
        reg._index_surfaces()
        return reg

    def _load_divisions(self, path: Path) -> None:
        lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]
        for row in csv.DictReader(lines):
            code = row["code"].strip()
            parent = row["parent_code"].strip() or None
            self.regions[code] = Region(
                id=code,
                name=row["name"].strip(),
                short_name=(row.get("short_name") or row["name"]).strip(),
                level=row["level"].strip(),
                code=code,
                parent=parent,
                parents=(parent,) if parent else (),
            )

    def _index_children(self) -> None:
        self._children = {}
        for r in self.regions.values():
            if r.parent:
                self._children.setdefault(r.parent, []).append(r.id)

    def _load_lexicon(self, data: dict) -> None:
        lx = self.lexicon
        lx.ambiguous_short_names.update(data.get("ambiguous_short_names", []))
        lx.institution_heads.extend(data.get("institution_heads", []))
        lx.institution_max_gap = int(data.get("institution_max_gap", lx.institution_max_gap))
        lx.head_exceptions.extend(data.get("head_exceptions", []))
        lx.stop_words.extend(data.get("stop_words", []))
        lx.attributive_heads.extend(data.get("attributive_heads", []))
        lx.blockers.update(data.get("blockers", []))
        lx.not_names.extend(data.get("not_names", []))
        lx.generic_names.update(data.get("generic_names", []))

    def _load_group(self, spec: dict, kind: str) -> None:
        rid = spec["id"]
        if rid in self.regions:
            raise ValueError(f"duplicate region id {rid!r}")
        name = spec["name"]
        parents = tuple(self._ref(p, rid) for p in spec.get("parents", []))
        parent = self._ref(spec["parent"], rid) if spec.get("parent") else (parents[0] if parents else None)
        self.regions[rid] = Region(
            id=rid,
            name=name,
            short_name=spec.get("short_name", name),
            level=kind,
            code=None,
            parent=parent,
            members=tuple(self._ref(m, rid) for m in spec.get("members", [])),
            aliases=tuple(dict.fromkeys([name, *spec.get("aliases", [])])),
            parents=parents or ((parent,) if parent else ()),
            core=tuple(self._ref(c, rid) for c in spec.get("core", [])),
            note=spec.get("note"),
        )

    def _load_scheme(self, name: str, spec: dict) -> None:
        abbreviations = {ch: self._ref(target, f"scheme {name}") for ch, target in spec["abbreviations"].items()}
        for ch in abbreviations:
            if len(ch) != 1:
                raise ValueError(f"scheme {name}: abbreviation {ch!r} is not one character")
        self.schemes.append(_Scheme(name, abbreviations, frozenset(spec.get("weak", []))))

    def _ref(self, ref: str, where: str) -> str:
        """Region id for a reference in a data file: an id/code, a unique full name, or a
        path of full names ("宁波市/北仑区")."""
        if ref in self.regions:
            return ref
        parts = ref.split("/")
        candidates = [r.id for r in self.regions.values() if r.is_division and r.name == parts[0]]
        for part in parts[1:]:
            candidates = [d for c in candidates for d in self._descendants(c) if self.regions[d].name == part]
        if len(candidates) != 1:
            raise ValueError(f"{where}: {ref!r} names {len(candidates)} divisions, expected one")
        return candidates[0]

    def _descendants(self, rid: str) -> list[str]:
        out: list[str] = []
        for c in self._children.get(rid, []):
            out.append(c)
            out.extend(self._descendants(c))
        return out

    def _index_surfaces(self) -> None:
        surfaces: dict[str, list[_Entry]] = {}

        def add(surface: str, entry: _Entry) -> None:
            if len(surface) >= 2 and entry not in surfaces.setdefault(surface, []):
                surfaces[surface].append(entry)

        for r in self.regions.values():
            if r.is_division:
                add(r.name, _Entry(r.id, "full"))
                if r.short_name != r.name:
                    add(r.short_name, _Entry(r.id, "short"))
            for alias in r.aliases:
                for variant in _alias_variants(alias):
                    add(variant, _Entry(r.id, "alias"))
        self._surfaces = surfaces
        # Names several divisions share (鼓楼区 in 南京, 徐州, 福州 and 开封): resolved by the
        # document's jurisdiction when it has one (find_regions' ``within``).
        self._shared = frozenset(
            s for s, entries in surfaces.items() if sum(1 for e in entries if e.kind != "alias") > 1)
        lengths: dict[str, set[int]] = {}
        for s in surfaces:
            lengths.setdefault(s[0], set()).add(len(s))
        self._lengths = {ch: sorted(ls, reverse=True) for ch, ls in lengths.items()}
        # Any character a surface starts with: find_regions visits only those positions.
        firsts = "".join(re.escape(c) for c in sorted(self._lengths))
        self._starts = re.compile(f"[{firsts}]" if firsts else "[^\\s\\S]")
        # Surfaces have two characters or more: a start whose first two are no surface's
        # prefix is dropped with one set look-up.
        self._prefixes = frozenset(s[:2] for s in surfaces)

    # ----------------------------------------------------------------- lookup
    def get(self, region_id: str) -> Region | None:
        return self.regions.get(region_id)

    def __getitem__(self, region_id: str) -> Region:
        return self.regions[region_id]

    def __contains__(self, region_id: object) -> bool:
        return region_id in self.regions

    def __len__(self) -> int:
        return len(self.regions)

    def divisions(self, level: str | None = None, parent: str | None = None) -> list[Region]:
        """Divisions, optionally of one level and/or directly under one parent, by code."""
        return sorted(
            (
                r
                for r in self.regions.values()
                if r.is_division and (level is None or r.level == level) and (parent is None or r.parent == parent)
            ),
            key=lambda r: r.id,
        )

    def children(self, region_id: str) -> list[Region]:
        return [self.regions[c] for c in sorted(self._children.get(region_id, []))]

    def resolve(self, name: str) -> Region | None:
        """The region a name denotes: an id or code, a full or short name (also the
        ambiguous ones: this is an explicit question), a group alias, or a composite of
        abbreviations (杭绍). Collisions go to the higher level (吉林 is the province;
        吉林市 is the city). Names of institutions (杭州市人民政府) are not regions: see
        :func:`region_for_unit`.
        """
        name = name.strip()
        if name in self.regions:
            return self.regions[name]
        entries = self._surfaces.get(name)
        if entries:
            return self.regions[self._best(entries).region]
        members = self._composite_members(name)
        if members:
            return self.composite(members, name)
        return None

    def composite(self, members: Sequence[str], name: str | None = None) -> Region:
        """A composite region of ``members`` (written order kept in ``members``)."""
        rid = "composite-" + "-".join(sorted(members))
        label = name or "".join(self.regions[m].short_name for m in members)
        return Region(id=rid, name=label, short_name=label, level="composite", members=tuple(members))

    def unit_region(self, name: str) -> str | None:
        """Region id of a government unit named after its division: 杭州市, 杭州市人民政府,
        杭州市政府, 淳安县人民政府, 浙江省人民政府. None for anything else (省政府, 各市)."""
        name = re.sub(r"\s+", "", name)
        for suffix in _GOVERNMENT_SUFFIXES:
            if name.endswith(suffix):
                name = name[: -len(suffix)]
                break
        entries = [e for e in self._surfaces.get(name, []) if e.kind in ("full", "short")]
        return self._best(entries).region if entries else None

    def division_named(self, name: str, within: str | None = None) -> Region | None:
        """The division whose full name is ``name``, also written after its province's or
        city's (成都市成华区, 四川省成都市): the one inside ``within`` (a region code) when
        several share the name, else None if they are several.

        >>> reg = RegionRegistry.default()
        >>> reg.division_named("成都市成华区").code, reg.division_named("淳安县").code
        ('510108', '330127')
        >>> reg.division_named("鼓楼区") is None, reg.division_named("鼓楼区", within="350000").code
        (True, '350102')
        """
        name = re.sub(r"\s+", "", name)
        found: list[_Entry] = []
        for k in range(len(name) - 1):
            for entry in self._surfaces.get(name[k:], ()):
                region = self.regions[entry.region]
                if entry.kind == "full" and region.is_division and name[:k] in self._ancestor_prefixes(region):
                    found.append(entry)
        if len(found) > 1:
            found = _inside(self, found, within)
        return self.regions[found[0].region] if len(found) == 1 else None

    def _ancestor_prefixes(self, region: Region) -> set[str]:
        """What may be written before a division's name: nothing, its city's or province's
        name, or both."""
        names = []
        parent = region.parent
        while parent:
            names.insert(0, self.regions[parent].name)
            parent = self.regions[parent].parent
        return {"", *names, "".join(names)}

    def expand(self, region_id: str) -> list[str]:
        """Divisions a region covers: itself for a division, members (recursively) for a
        group or composite, in order, without repeats."""
        r = self.regions.get(region_id)
        if r is None or r.is_division or not r.members:
            return [region_id] if r is not None and r.is_division else []
        out: list[str] = []
        for m in r.members:
            for d in self.expand(m):
                if d not in out:
                    out.append(d)
        return out

    def _best(self, entries: Sequence[_Entry]) -> _Entry:
        kind_rank = {"full": 0, "alias": 0, "short": 1}
        return min(entries, key=lambda e: (kind_rank[e.kind], LEVEL_RANK[self.regions[e.region].level], e.region))

    def _composite_members(self, run: str) -> list[str] | None:
        for scheme in self.schemes:
            if len(run) >= 2 and all(ch in scheme.abbreviations for ch in run):
                members = [scheme.abbreviations[ch] for ch in run]
                if len(set(members)) == len(members) and any(ch not in scheme.weak for ch in run):
                    return members
        return None


@functools.lru_cache(maxsize=1)
def _default_registry() -> RegionRegistry:
    from fengong import ontology

    return RegionRegistry.load(ontology.path(name) for name in DEFAULT_DATA_FILES)


def _alias_variants(alias: str) -> list[str]:
    """Written forms of an alias: dash variants (梅山-佛渡-六横, 梅山—佛渡—六横, 梅山佛渡六横)
    and spaced numbers (山区 26 县)."""
    forms = [alias]
    if "-" in alias:
        forms = [alias.replace("-", d) for d in _DASHES]
    out: list[str] = []
    for f in forms:
        out.append(f)
        if re.search(r"\d", f):
            out.append(re.sub(r"(?<=\D)(\d+)", r" \1", f))
            out.append(re.sub(r"(\d+)(?=\D)", r"\1 ", f))
            out.append(re.sub(r"(?<=\D)(\d+)(?=\D)", r" \1 ", f))
    return list(dict.fromkeys(out))


# --------------------------------------------------------------------- matching
@dataclass
class _Candidate:
    start: int
    end: int
    surface: str
    entry: _Entry
    rank: tuple


@functools.lru_cache(maxsize=8)
def _title_spans(text: str) -> tuple[tuple[int, int], ...]:
    """Spans of the 《titles》 in a document text: the extractor asks for the regions of
    each of its items in turn, and scanning the whole text each time cost a third of it."""
    return tuple((r.start, r.end) for r in find_references(text))


@functools.lru_cache(maxsize=8)
def _by_first_character(words: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """Words grouped by their first character: one dict look-up per position of the text
    instead of a startswith per word."""
    grouped: dict[str, list[str]] = {}
    for word in words:
        if word:
            grouped.setdefault(word[0], []).append(word)
    return {first: tuple(ws) for first, ws in grouped.items()}


def find_regions(
    text: str,
    start: int = 0,
    end: int | None = None,
    registry: RegionRegistry | None = None,
    exclude: Iterable[tuple[int, int]] = (),
    *,
    include_titles: bool = False,
    within: str | None = None,
) -> list[RegionMention]:
    """Region mentions in ``text[start:end]``, spans into ``text``, in text order.

    ``exclude`` holds (start, end) spans to skip (attribution parentheses). Mentions inside
    《titles》 are skipped unless ``include_titles``. ``within`` is the region id of the
    document's jurisdiction (a province's or city's code): a name several divisions share
    (鼓楼区) is the one inside it, and two-character county names (雄县) are matched only
    inside its province; without it, shared names are left out. See the module docstring
    for what counts as a mention.

    >>> [(m.name, m.members) for m in find_regions("推进杭绍、甬舟一体化")]
    [('杭绍', ['330100', '330600']), ('甬舟', ['330200', '330900'])]
    >>> find_regions("加快推进宁波东方理工大学筹建")
    []
    """
    reg = registry or RegionRegistry.default()
    end = len(text) if end is None else min(end, len(text))
    start = max(start, 0)
    skip = [(s, e) for s, e in exclude]
    if not include_titles:
        skip.extend(_title_spans(text))

    def skipped(s: int, e: int) -> bool:
        return any(s < ke and ks < e for ks, ke in skip)

    lx = reg.lexicon
    not_names = _by_first_character(tuple(lx.not_names))
    candidates: list[_Candidate] = []
    lengths, surfaces, prefixes = reg._lengths, reg._surfaces, reg._prefixes  # used at every start
    # Only where a name can start: most characters start none (a regex finds them in C).
    for found in reg._starts.finditer(text, start, end):
        i = found.start()
        if text[i : i + 2] not in prefixes:
            continue
        first = text[i]
        words = not_names.get(first)
        if words is not None and any(text.startswith(w, i) for w in words):
            continue
        for length in lengths.get(first, ()):
            j = i + length
            if j > end:
                continue
            surface = text[i:j]
            entries = surfaces.get(surface, ())
            if surface in reg._shared:
                entries = _inside(reg, entries, within)
            for entry in entries:
                if surface in lx.generic_names:
                    continue
                if (length == 2 and entry.kind == "full" and reg.regions[entry.region].level == "county"
                        and not (within and entry.region[:2] == within[:2])):
                    continue  # 和县 in 市和县两级: only where the document is in that province
                if entry.kind == "short" and (
                    surface in lx.ambiguous_short_names or _ends_blocker(text, i, lx.blockers)
                ):
                    continue
                if skipped(i, j):
                    continue
                level = LEVEL_RANK[reg.regions[entry.region].level]
                kind = 0 if entry.kind != "short" else 1
                candidates.append(_Candidate(i, j, surface, entry, (-length, level, kind, i)))

    # Longest first; on ties the higher level, a full name before a short one, then earlier.
    candidates.sort(key=lambda c: c.rank)
    taken = bytearray(len(text) + 1)  # 1 where a candidate occupies the character
    mentions: list[RegionMention] = []
    for c in candidates:
        if any(taken[c.start : c.end]):
            continue
        taken[c.start : c.end] = b"\x01" * (c.end - c.start)
        if _attributive(text, c.end, lx) or _institution(text, c.end, lx):
            continue  # occupies its characters, but is not a mention
        region = reg.regions[c.entry.region]
        name, s, e = c.surface, c.start, c.end
        if c.entry.kind == "full" and name.endswith("市") and text[e : e + 1] == "区" and text[e : e + 2] != "区域":
            name, e = name[:-1], e - 1  # 杭州市区: the city, written 杭州
        mentions.append(RegionMention(name=name, region=region.id, start=s, end=e, members=list(region.members)))
        for core in region.core:
            mentions.extend(_core_mentions(reg, reg.regions[core], text, s, e))

    mentions.extend(_composites(reg, text, start, end, taken, skipped))
    mentions.sort(key=lambda m: (m.start, -(m.end - m.start), m.region))
    return mentions


def _inside(reg: RegionRegistry, entries: Sequence[_Entry], within: str | None) -> list[_Entry]:
    """Of the divisions sharing a name, the one inside ``within`` (its city first, then its
    province). Otherwise the highest level if only one division has it (吉林 is the
    province, not 吉林市), else none: a guess would be a wrong fact. Group aliases stay."""
    divisions = [e for e in entries if e.kind != "alias"]
    others = [e for e in entries if e.kind == "alias"]
    if within and within.isdigit():
        prefixes = ([within[:4]] if within[2:4] != "00" else []) + [within[:2]]
        for prefix in prefixes:
            inside = [e for e in divisions if e.region.startswith(prefix)]
            if len(inside) == 1:
                return inside + others
    ranks = [LEVEL_RANK[reg.regions[e.region].level] for e in divisions]
    top = [e for e, rank in zip(divisions, ranks) if rank == min(ranks)] if ranks else []
    return (top if len(top) == 1 else []) + others


def region_for_unit(name: str, registry: RegionRegistry | None = None) -> str | None:
    """GB/T 2260 code of the division a government unit is named after, for linking city
    governments to regions in the department registry.

    >>> region_for_unit("杭州市人民政府"), region_for_unit("宁波市"), region_for_unit("省政府")
    ('330100', '330200', None)
    """
    return (registry or RegionRegistry.default()).unit_region(name)


def _core_mentions(reg: RegionRegistry, core: Region, text: str, s: int, e: int) -> list[RegionMention]:
    """The core city of a group, where its name is written inside the group's span."""
    span = text[s:e]
    for surface in (core.name, core.short_name):
        k = span.find(surface)
        if k >= 0:
            return [RegionMention(name=surface, region=core.id, start=s + k, end=s + k + len(surface))]
    return []


def _ends_blocker(text: str, i: int, blockers: set[str]) -> bool:
    """Whether the character at ``i`` is the last of a blocker word that starts before it."""
    for n in range(2, 5):
        if i - n + 1 >= 0 and text[i - n + 1 : i + 1] in blockers:
            return True
    return False


def _starts_blocker(text: str, i: int, blockers: set[str]) -> bool:
    """Whether the character at ``i`` is the first of a blocker word that runs past it."""
    return any(text[i : i + n] in blockers for n in range(2, 5))


def _attributive(text: str, end: int, lx: _Lexicon) -> bool:
    return any(text.startswith(head, end) for head in lx.attributive_heads)


def _institution(text: str, end: int, lx: _Lexicon) -> bool:
    """Whether the name ending at ``end`` begins an institution's or event's name."""
    window = text[end : end + lx.institution_max_gap + 6]
    cut = _PHRASE_END.search(window)
    if cut:
        window = window[: cut.start()]
    for p in range(0, min(len(window), lx.institution_max_gap + 1)):
        if _has_stop_word(window[:p], lx.stop_words):
            return False
        for head in lx.institution_heads:
            if window.startswith(head, p) and not _exception_at(window, p, head, lx.head_exceptions):
                return True
    return False


def _has_stop_word(gap: str, stop_words: list[str]) -> bool:
    """A stop word in the gap, other than one ending right at the head: department names
    end in verbs (住房和城乡建设厅), clauses do not (支持杭州建设一流大学)."""
    for w in stop_words:
        k = gap.find(w)
        while k >= 0:
            if k + len(w) != len(gap):
                return True
            k = gap.find(w, k + 1)
    return False


def _exception_at(window: str, p: int, head: str, exceptions: list[str]) -> bool:
    """Whether the head at ``window[p:]`` is part of an ordinary word (布局, 举办, 委托)."""
    if len(head) > 1:
        return False
    for word in exceptions:
        k = word.find(head)
        while k >= 0:
            if p - k >= 0 and window[p - k : p - k + len(word)] == word:
                return True
            k = word.find(head, k + 1)
    return False


@functools.lru_cache(maxsize=32)
def _abbreviation_runs(abbreviations: tuple[str, ...]) -> re.Pattern[str]:
    """Runs of a scheme's abbreviation characters: found in C instead of a Python loop over
    every character of the text."""
    characters = "".join(ch for ch in abbreviations if len(ch) == 1)
    return re.compile("[%s]+" % re.escape(characters) if characters else "[^\\s\\S]")


def _untaken_runs(taken: bytearray, s: int, e: int) -> Iterator[tuple[int, int]]:
    """Maximal spans of ``[s, e)`` that no candidate occupies."""
    i = s
    while i < e:
        if taken[i]:
            i += 1
            continue
        j = i
        while j < e and not taken[j]:
            j += 1
        yield i, j
        i = j


def _composites(reg: RegionRegistry, text: str, start: int, end: int, taken: bytearray, skipped) -> list[RegionMention]:
    out: list[RegionMention] = []
    blockers = reg.lexicon.blockers
    for scheme in reg.schemes:
        runs = _abbreviation_runs(tuple(scheme.abbreviations))
        for found in runs.finditer(text, start, end):
            for a, b in _untaken_runs(taken, found.start(), found.end()):
                # Trim characters that belong to an ordinary word or follow a numeral (3台).
                while a < b and (_ends_blocker(text, a, blockers) or (a > 0 and text[a - 1] in _NUMERALS)):
                    a += 1
                while a < b and _starts_blocker(text, b - 1, blockers):
                    b -= 1
                run = text[a:b]
                members = reg._composite_members(run) if b - a >= 2 and run not in blockers else None
                if members and not skipped(a, b):
                    out.append(RegionMention(name=run, region=reg.composite(members).id, start=a, end=b,
                                             members=members))
    return out
