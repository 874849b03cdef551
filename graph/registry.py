"""The department registry: every known unit with its official name, short forms and aliases.

The data live in TOML files under ``fengong/ontology/departments/`` (one per jurisdiction,
plus ``national.toml`` and ``generic.toml``); users extend the registry by writing another
TOML file in the same format — no code — and either dropping it in that folder or listing it
in the ``FENGONG_DEPARTMENTS`` environment variable (files or folders, separated by
``os.pathsep``). See the header of ``zhejiang.toml`` for the format.

Names are matched exactly after :func:`normalize` (width, spaces, punctuation,
人民政府/政府, a leading 中共). Each entry's forms are also expanded with its jurisdiction
prefix (浙江省发改委 ⇄ 省发改委, 中共浙江省委组织部 ⇄ 省委组织部); an expanded form that
would fit two entries is dropped rather than guessed.

>>> registry = DepartmentRegistry.default()
>>> registry.resolve("省发改委").name
'浙江省发展和改革委员会'
>>> registry.resolve_or_unregistered("某某市某某局").registered
False
"""

from __future__ import annotations

import difflib
import hashlib
import os
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from fengong.unit_types import KINDS, LEVELS, classify, clean, leading_place

__all__ = ["Department", "DepartmentRegistry", "normalize", "unregistered_id", "ENV_VAR"]

ENV_VAR = "FENGONG_DEPARTMENTS"

_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_REGION = re.compile(r"^[0-9]{6}$")
_FIELDS = {"id", "name", "short", "aliases", "en", "kind", "level", "parent", "region"}


@dataclass(frozen=True)
class Department:
    """One unit. ``registered`` is False for units the registry does not know."""

    id: str
    name: str  # full official name
    short: str  # the usual short form
    aliases: tuple[str, ...] = ()
    en: str | None = None
    kind: str = "other"
    level: str = "mixed"
    parent: str | None = None
    region: str | None = None  # GB/T 2260 code of the jurisdiction a government governs
    registered: bool = True

    @property
    def labels(self) -> list[str]:
        """Name, short form and aliases, without duplicates, in that order."""
        return list(dict.fromkeys([self.name, self.short, *self.aliases]))

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["aliases"] = list(self.aliases)
        return data


# The extractor asks for the same few hundred unit names over and over.
@lru_cache(maxsize=8192)
def normalize(name: str) -> str:
    """The matching key of a name: NFKC (full-width → half-width), zero-width characters,
    spaces and punctuation removed, 人民政府 → 政府, a leading 中共 dropped, and a short
    department word at the end in its official form (发改委 → 发展和改革委员会, from
    ``ontology/department_words.toml``).

    >>> normalize("各市、县（市、区）人民政府") == normalize("各市县(市区)政府")
    True
    >>> normalize("中共浙江省委 组织部")
    '浙江省委组织部'
    >>> normalize("广东省发改委") == normalize("广东省发展和改革委员会")
    True
    """
    s = clean(name)
    s = "".join(ch for ch in s if not unicodedata.category(ch)[0] in "PZCS")
    s = s.replace("人民政府", "政府")
    if s.startswith("中共"):
        s = s[2:]
    words, pattern = _department_words()
    return pattern.sub(lambda m: words[m.group(0)], s) if pattern else s


@cache
def _department_words() -> tuple[dict[str, str], re.Pattern[str] | None]:
    """Short form -> official form of the department words in ``department_words.toml``,
    and a pattern finding the short forms at the end of a name."""
    from fengong.ontology import path

    data = tomllib.loads(path("department_words.toml").read_text(encoding="utf-8"))
    words = {form: entry["forms"][0] for entry in data.get("word", []) for form in entry["forms"][1:]}
    if not words:
        return {}, None
    forms = "|".join(re.escape(f) for f in sorted(words, key=len, reverse=True))
    return words, re.compile(f"(?:{forms})$")


_GOVERNMENT_SUFFIX = re.compile(r"(人民政府|政府)$")


def unregistered_id(name: str) -> str:
    """Stable id of a unit the registry does not know: ``x-`` + sha1(normalised name)[:10]."""
    return "x-" + hashlib.sha1(normalize(name).encode("utf-8")).hexdigest()[:10]


# --------------------------------------------------------------------- surface variants

_NO_PREFIX_KINDS = {"collective", "local_governments"}


def _jurisdiction(dept: Department) -> tuple[str, str] | None:
    """(full prefix, bare prefix) a unit's own documents abbreviate: ("浙江省", "省")."""
    if dept.kind in _NO_PREFIX_KINDS:
        return None
    full = leading_place(dept.name)
    if not full:
        return None
    for bare in ("自治区", "自治州", "自治县", "省", "市", "区", "县"):
        if full.endswith(bare):
            return full, bare
    return None


def _variants(surface: str, jurisdiction: tuple[str, str] | None) -> set[str]:
    """Equivalent written forms: with/without the jurisdiction prefix, 中共, 人民政府/政府."""
    out = {surface}
    todo = [surface]
    while todo:
        s = todo.pop()
        new: list[str] = []
        if s.startswith("中共"):
            new.append(s[2:])
        if "人民政府" in s:
            new.append(s.replace("人民政府", "政府"))
        elif s.endswith("政府"):
            new.append(s[:-2] + "人民政府")
        if jurisdiction:
            full, bare = jurisdiction
            if s.startswith(full) and len(s) > len(full):
                new.append(bare + s[len(full) :])
            elif s.startswith(bare) and not s.startswith(full) and len(s) > len(bare):
                new.append(full + s[len(bare) :])
            if s.startswith(full + "委"):
                new.append("中共" + s)
        for v in new:
            if v not in out:
                out.add(v)
                todo.append(v)
    return out


def _width_variants(surface: str) -> set[str]:
    """Half- and full-width parenthesis spellings, for scanning raw text."""
    half = surface.replace("（", "(").replace("）", ")")
    return {half, half.replace("(", "（").replace(")", "）")}


# ------------------------------------------------------------------------------ registry


class DepartmentRegistry:
    """Known departments, looked up by any of their names.

    >>> r = DepartmentRegistry.default()
    >>> r.resolve("浙江省住房和城乡建设厅").id == r.resolve("省住建厅").id == "zj-housing"
    True
    >>> [d.id for d in r.suggest("省建设局")][:1]
    ['zj-housing']
    """

    def __init__(self, departments: Iterable[Department] = ()) -> None:
        self._by_id: dict[str, Department] = {}
        for dept in departments:
            if dept.id in self._by_id:
                raise ValueError(f"duplicate department id {dept.id!r}")
            self._by_id[dept.id] = dept
        self.conflicts: list[tuple[str, str, str]] = []  # (key, kept id, ignored id)
        self._index: dict[str, str] = {}
        self._surfaces: dict[str, str] = {}
        self._build()

    # ------------------------------------------------------------------ construction

    @classmethod
    def load(cls, paths: Iterable[str | os.PathLike[str]]) -> "DepartmentRegistry":
        """Read TOML files (folders: every ``*.toml`` in them, sorted) in the order given.

        An entry whose ``id`` was already loaded and that has only ``aliases`` adds those
        aliases to it; any other repeated id is an error.
        """
        files: list[Path] = []
        for p in paths:
            p = Path(p)
            files.extend(sorted(p.glob("*.toml")) if p.is_dir() else [p])
        entries: dict[str, dict[str, Any]] = {}
        origin: dict[str, Path] = {}
        for file in files:
            with open(file, "rb") as fh:
                try:
                    data = tomllib.load(fh)
                except tomllib.TOMLDecodeError as exc:
                    raise ValueError(f"{file}: {exc}") from exc
            unknown = set(data) - {"department"}
            if unknown:
                raise ValueError(f"{file}: unknown top-level keys {sorted(unknown)}; use [[department]]")
            for n, raw in enumerate(data.get("department", []), 1):
                where = f"{file}, department #{n}"
                if not isinstance(raw, dict) or "id" not in raw:
                    raise ValueError(f"{where}: every [[department]] needs an id")
                unknown = set(raw) - _FIELDS
                if unknown:
                    raise ValueError(f"{where}: unknown keys {sorted(unknown)}; allowed: {sorted(_FIELDS)}")
                dept_id = raw["id"]
                if dept_id in entries:
                    if set(raw) <= {"id", "aliases"}:
                        entries[dept_id]["aliases"] = [*entries[dept_id].get("aliases", []), *raw.get("aliases", [])]
                        continue
                    raise ValueError(f"{where}: id {dept_id!r} already defined in {origin[dept_id]}")
                entries[dept_id] = dict(raw)
                origin[dept_id] = file
        departments = [_department(raw, f"{origin[i]} ({i})") for i, raw in entries.items()]
        for dept in departments:
            if dept.parent is not None and dept.parent not in entries:
                raise ValueError(f"{origin[dept.id]} ({dept.id}): unknown parent {dept.parent!r}")
        return cls(departments)

    @staticmethod
    def default_paths() -> list[Path]:
        """The shipped TOML files, then those named by ``$FENGONG_DEPARTMENTS``."""
        from fengong.ontology import path

        paths = sorted(path("departments").glob("*.toml"))
        extra = os.environ.get(ENV_VAR, "")
        paths.extend(Path(p) for p in extra.split(os.pathsep) if p.strip())
        return paths

    @classmethod
    @cache
    def default(cls) -> "DepartmentRegistry":
        """The registry of the shipped data (and ``$FENGONG_DEPARTMENTS``), loaded once.

        Call ``DepartmentRegistry.default.cache_clear()`` after changing the files."""
        return cls.load(cls.default_paths())

    def _build(self) -> None:
        explicit: dict[str, str] = {}
        derived: dict[str, set[str]] = {}
        surfaces: dict[str, set[str]] = {}
        for dept in self._by_id.values():
            jurisdiction = _jurisdiction(dept)
            for label in dept.labels:
                key = normalize(label)
                if not key:
                    continue
                kept = explicit.setdefault(key, dept.id)
                if kept != dept.id:
                    self.conflicts.append((key, kept, dept.id))
                for variant in _variants(clean(label), jurisdiction):
                    surfaces.setdefault(variant, set()).add(dept.id)
                    if normalize(variant) != key:
                        derived.setdefault(normalize(variant), set()).add(dept.id)
        self._index = dict(explicit)
        for key, ids in derived.items():
            if key not in self._index and len(ids) == 1:
                self._index[key] = next(iter(ids))
        # A surface is scanned for only if it resolves to the unit it came from.
        self._surfaces = {}
        for surface, ids in surfaces.items():
            target = self._index.get(normalize(surface))
            if target in ids:
                for form in _width_variants(surface):
                    self._surfaces[form] = target

    # ------------------------------------------------------------------------ lookup

    def resolve(self, name: str) -> Department | None:
        """The registered department called ``name`` (any form), or None."""
        dept_id = self._index.get(normalize(name))
        return self._by_id[dept_id] if dept_id else None

    def resolve_or_unregistered(self, name: str) -> Department:
        """Like :meth:`resolve`, but an unknown unit becomes an unregistered Department
        (id ``x-…``, kind and level guessed by :func:`fengong.unit_types.classify`)."""
        found = self.resolve(name)
        if found:
            return found
        written = clean(name)
        if not normalize(written):
            raise ValueError(f"not a unit name: {name!r}")
        kind, level = classify(written)
        return Department(
            id=unregistered_id(written),
            name=written,
            short=written,
            kind=kind,
            level=level,
            registered=False,
        )

    def local_government(self, name: str, within: str | None = None) -> Department | None:
        """The people's government of the division ``name`` names (成华区, 成华区政府,
        成都市成华区人民政府 — every spelling one unit): the registered one if the registry
        has it (杭州市 → ``zj-hangzhou``), else one known from the division list, id
        ``gov-<GB/T 2260 code>``, linked to its region. ``within`` (a region code) picks
        among divisions sharing a name (鼓楼区). None for anything else.

        >>> r = DepartmentRegistry.default()
        >>> [(d.id, d.name) for d in (r.local_government("成华区政府"), r.local_government("成都市成华区"))]
        [('gov-510108', '成都市成华区人民政府'), ('gov-510108', '成都市成华区人民政府')]
        >>> r.local_government("杭州市").id, r.local_government("省政府") is None
        ('zj-hangzhou', True)
        """
        from fengong.regions import RegionRegistry

        written = _GOVERNMENT_SUFFIX.sub("", clean(name))
        region = RegionRegistry.default().division_named(written, within)
        if region is None:
            return None
        government = self._division_government(region)
        return self.resolve(government.name) or government

    def _division_government(self, region) -> Department:
        from fengong.regions import RegionRegistry

        regions = RegionRegistry.default()
        parent = regions.get(region.parent) if region.parent else None
        # 成都市成华区人民政府, 北京市朝阳区人民政府: a county is named after its city (or its
        # province where there is no city in between).
        full = (parent.name if parent and region.level == "county" else "") + region.name + "人民政府"
        kind, level = {"province": ("other", "province"), "prefecture": ("city_government", "city"),
                       "county": ("county_government", "county")}[region.level]
        return Department(id=f"gov-{region.code}", name=full, short=region.name,
                          aliases=(region.name + "政府", region.name + "人民政府"), kind=kind, level=level,
                          region=region.code, registered=True)

    def get(self, dept_id: str) -> Department | None:
        found = self._by_id.get(dept_id)
        if found is None and dept_id.startswith("gov-"):
            from fengong.regions import RegionRegistry

            region = RegionRegistry.default().get(dept_id[4:])
            if region is not None and region.is_division:
                return self._division_government(region)
        return found

    def __getitem__(self, dept_id: str) -> Department:
        return self._by_id[dept_id]

    def __contains__(self, dept_id: object) -> bool:
        return dept_id in self._by_id

    def __iter__(self) -> Iterator[Department]:
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def names(self) -> list[str]:
        """Every written form that resolves (names, short forms, aliases and their
        prefix/width variants), longest first — for longest-match scanning of text."""
        return sorted(self._surfaces, key=lambda s: (-len(s), s))

    def name_map(self) -> dict[str, str]:
        """Written form → department id, for the same forms as :meth:`names`."""
        return dict(self._surfaces)

    def suggest(self, name: str, n: int = 3, cutoff: float = 0.6) -> list[Department]:
        """Up to ``n`` registered departments whose names are close to ``name``
        ("did you mean"), best first."""
        query = normalize(name)
        if not query:
            return []
        best: dict[str, float] = {}
        matcher = difflib.SequenceMatcher(autojunk=False)
        matcher.set_seq2(query)
        for key, dept_id in self._index.items():
            matcher.set_seq1(key)
            score = matcher.ratio()
            if query in key or key in query:
                score = max(score, 0.6 + 0.4 * min(len(query), len(key)) / max(len(query), len(key)))
            if score > best.get(dept_id, 0.0):
                best[dept_id] = score
        ranked = sorted((-score, dept_id) for dept_id, score in best.items() if score >= cutoff)
        return [self._by_id[dept_id] for _, dept_id in ranked[:n]]


def _department(raw: dict[str, Any], where: str) -> Department:
    dept_id = raw["id"]
    if not isinstance(dept_id, str) or not _ID.match(dept_id):
        raise ValueError(f"{where}: id must be an ASCII slug like 'zj-drc', got {dept_id!r}")
    if dept_id.startswith("x-"):
        raise ValueError(f"{where}: ids starting with 'x-' are reserved for unregistered units")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"{where}: name (the full official name) is required")
    name = clean(name)
    aliases = raw.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise ValueError(f"{where}: aliases must be a list of strings")
    guessed_kind, guessed_level = classify(name)
    kind = raw.get("kind", guessed_kind)
    level = raw.get("level", guessed_level)
    if kind not in KINDS:
        raise ValueError(f"{where}: kind {kind!r} is not one of {', '.join(KINDS)}")
    if level not in LEVELS:
        raise ValueError(f"{where}: level {level!r} is not one of {', '.join(LEVELS)}")
    region = raw.get("region")
    if region is not None:
        region = str(region)
        if not _REGION.match(region):
            raise ValueError(f"{where}: region must be a 6-digit GB/T 2260 code, got {region!r}")
    short = clean(raw.get("short") or name)
    return Department(
        id=dept_id,
        name=name,
        short=short,
        aliases=tuple(a for a in dict.fromkeys(clean(a) for a in aliases) if a and a not in (name, short)),
        en=raw.get("en") or None,
        kind=kind,
        level=level,
        parent=raw.get("parent"),
        region=region,
    )
