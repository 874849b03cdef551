"""Find the department or region a user means, in the graph, by id, name or alias.

A reference is matched against what the graph holds (``fg:id``, ``skos:prefLabel``,
``skos:altLabel``, ``fg:shortName``, ``skos:notation``) after the registry's
normalisation, then through the registries (which know more aliases than the graph).
When nothing matches, :class:`NotFound` carries close matches for a "did you mean".

>>> from fengong.store import open_store
>>> try:
...     resolve_department(open_store("memory"), "省建设厅")
... except NotFound as exc:
...     exc.kind
'department'
"""

from __future__ import annotations

import difflib

from fengong.registry import DepartmentRegistry, normalize

from .data import GraphFacts

__all__ = ["NotFound", "resolve_department", "resolve_region"]


class NotFound(LookupError):
    """No department/region called ``ref`` in the graph; ``suggestions`` are (id, name)."""

    def __init__(self, kind: str, ref: str, suggestions: list[tuple[str, str]]) -> None:
        self.kind = kind
        self.ref = ref
        self.suggestions = suggestions
        noun = {"department": "单位", "region": "地域", "section": "部分"}.get(kind, kind)
        message = f"图谱中没有{noun}“{ref}”"
        if suggestions:
            message += ";您是否要找:" + "、".join(name for _, name in suggestions) + "?"
        super().__init__(message)


def _match(ref: str, labels: dict[str, list[str]]) -> str | None:
    if ref in labels:
        return ref
    key = normalize(ref)
    if not key:
        return None
    for item_id, names in labels.items():
        if any(normalize(n) == key for n in names):
            return item_id
    return None


def _suggest(ref: str, labels: dict[str, list[str]], names: dict[str, str], n: int = 3) -> list[tuple[str, str]]:
    key = normalize(ref) or ref
    best: dict[str, float] = {}
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(key)
    for item_id, forms in labels.items():
        for form in [item_id, *forms]:
            norm = normalize(form) or form
            matcher.set_seq1(norm)
            score = matcher.ratio()
            if key and (key in norm or norm in key):
                score = max(score, 0.6 + 0.4 * min(len(key), len(norm)) / max(len(key), len(norm)))
            best[item_id] = max(best.get(item_id, 0.0), score)
    ranked = sorted((-score, item_id) for item_id, score in best.items() if score >= 0.45)
    return [(item_id, names[item_id]) for _, item_id in ranked[:n]]


def resolve_department(source, ref: str, facts: GraphFacts | None = None) -> str:
    """The id of the department ``ref`` names (id, full name, short name or alias).

    Raises :class:`NotFound` with close matches when the graph has no such department.
    """
    facts = facts or GraphFacts.load(source)
    labels = {d.id: [d.name, d.short, *d.aliases] for d in facts.departments.values()}
    found = _match(ref.strip(), labels)
    if found:
        return found
    registered = DepartmentRegistry.default().resolve(ref)
    if registered is not None and registered.id in labels:
        return registered.id
    names = {d.id: d.short if d.short != d.name else d.name for d in facts.departments.values()}
    raise NotFound("department", ref, _suggest(ref, labels, names))


def resolve_region(source, ref: str, facts: GraphFacts | None = None) -> str:
    """The id of the region ``ref`` names (id, GB/T 2260 code, name or alias)."""
    facts = facts or GraphFacts.load(source)
    labels = {r.id: [r.name, *(r.aliases), *([r.notation] if r.notation else [])]
              for r in facts.regions.values()}
    found = _match(ref.strip(), labels)
    if found:
        return found
    try:
        from fengong.regions import RegionRegistry

        entry = RegionRegistry.default().resolve(ref)
    except Exception:  # the registry is a convenience here; the graph decides
        entry = None
    if entry is not None and getattr(entry, "id", None) in labels:
        return entry.id
    names = {r.id: r.name for r in facts.regions.values()}
    raise NotFound("region", ref, _suggest(ref, labels, names))
