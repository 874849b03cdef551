"""Compare two documents of one series: what changed from one year's plan to the next.

Tasks are matched by what they say, not by their number (a dropped item renumbers all
that follow): each task's title and clause text (without the attribution parentheses) is
a TF-IDF vector of character bigrams, pairs scoring at least ``threshold`` in cosine
similarity are candidates, and networkx's maximum-weight matching picks the assignment
that maximises the total similarity. Unmatched tasks are added or removed; matched tasks
whose text differs are modified. Per department, the roles held in matched tasks are
compared (a moved lead is one unit losing the role and another gaining it), and the
targets of matched tasks are paired by metric and compared by value, unit and comparator.

The result can be written into the graph as typed change records (:func:`change_graph`,
:func:`record_changes`), in the spirit of legislation.gov.uk's effects, so that "when did
省建设厅 gain this task?" is a SPARQL query.

>>> from fengong.extract import extract_sample, extract_file
>>> from fengong.store import open_store
>>> store = open_store("memory")
>>> a, b = store.add_documents([extract_sample(), extract_file("tests/fixtures/zhejiang-2024-edited.txt")])  # doctest: +SKIP
>>> d = diff_documents(store, a, b)  # doctest: +SKIP
>>> [store_task.title for store_task in d.added_tasks()]  # doctest: +SKIP
['加快城市燃气管道等老化更新改造']
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

import networkx as nx
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS, XSD

from fengong.analysis.facts import (
    ROLE_LABELS,
    ROLE_ORDER,
    DocumentFact,
    Facts,
    GraphSource,
    TargetFact,
    TaskFact,
    as_plain,
    read_facts,
)
from fengong.rdf import DEFAULT_BASE, department_iri, document_iri, task_iri_from_id
from fengong.vocab import CHANGE_KINDS, FG, ROLES, bind_prefixes

__all__ = [
    "DEFAULT_THRESHOLD",
    "CHANGE_KIND_LABELS",
    "TaskMatch",
    "Change",
    "DocumentDiff",
    "task_similarity",
    "diff_documents",
    "changes_graph_iri",
    "change_graph",
    "record_changes",
]

#: Lowest cosine similarity at which two tasks may be the same task. Rewritten tasks of
#: one series score well above it (0.6–1.0); unrelated tasks of one plan score below 0.3.
DEFAULT_THRESHOLD = 0.4

CHANGE_KIND_LABELS = {
    "task_added": "新增任务",
    "task_removed": "删除任务",
    "task_modified": "修改任务",
    "responsibility_gained": "新增责任",
    "responsibility_lost": "不再承担",
    "target_changed": "目标变化",
    "target_added": "新增目标",
    "target_removed": "删除目标",
}
_KIND_ORDER = list(CHANGE_KINDS)


# --- Similarity ------------------------------------------------------------------------

_SPACE = re.compile(r"\s+")


def _normalise(text: str) -> str:
    """NFKC (full-width digits and brackets become ASCII) and no whitespace."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text))


def _bigrams(text: str) -> Counter:
    return Counter(text[i : i + 2] for i in range(len(text) - 1)) if len(text) > 1 else Counter([text])


def task_similarity(texts_a: list[str], texts_b: list[str]) -> list[list[float]]:
    """Cosine similarity of character-bigram TF-IDF vectors, every text of ``a`` against
    every text of ``b``; the IDF is computed over both lists together.

    >>> m = task_similarity(["新增绿地1500公顷"], ["新增绿地1800公顷", "建设城市书房"])
    >>> m[0][0] > 0.5 > m[0][1]
    True
    """
    grams_a = [_bigrams(_normalise(t)) for t in texts_a]
    grams_b = [_bigrams(_normalise(t)) for t in texts_b]
    corpus = grams_a + grams_b
    df: Counter = Counter()
    for grams in corpus:
        df.update(grams.keys())
    n = len(corpus)
    idf = {g: math.log((1 + n) / (1 + c)) + 1.0 for g, c in df.items()}

    def vector(grams: Counter) -> tuple[dict[str, float], float]:
        v = {g: count * idf[g] for g, count in grams.items()}
        return v, math.sqrt(sum(x * x for x in v.values())) or 1.0

    va = [vector(g) for g in grams_a]
    vb = [vector(g) for g in grams_b]
    out = []
    for a, na in va:
        row = []
        for b, nb in vb:
            small, large = (a, b) if len(a) < len(b) else (b, a)
            dot = sum(x * large.get(g, 0.0) for g, x in small.items())
            row.append(dot / (na * nb))
        out.append(row)
    return out


# --- Records ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskMatch:
    """A task of document ``a`` identified with a task of document ``b``."""

    from_task: str
    to_task: str
    similarity: float
    modified: bool
    changed: tuple[str, ...] = ()  # "title", "text"


@dataclass(frozen=True)
class Change:
    """One typed change. ``kind`` is a key of :data:`fengong.vocab.CHANGE_KINDS`."""

    kind: str
    from_task: str | None = None
    to_task: str | None = None
    department: str | None = None
    role: str | None = None
    from_target: str | None = None  # target IRI
    to_target: str | None = None
    metric: str | None = None
    before: Decimal | None = None
    after: Decimal | None = None
    similarity: float | None = None

    def key(self) -> str:
        """What identifies the change within one comparison (for its IRI)."""
        parts = (self.kind, self.from_task, self.to_task, self.department, self.role, self.from_target, self.to_target)
        return "|".join("" if p is None else str(p) for p in parts)


@dataclass
class DocumentDiff:
    """The comparison of document ``a`` (earlier) with document ``b`` (later)."""

    a: DocumentFact
    b: DocumentFact
    matches: list[TaskMatch]
    changes: list[Change]
    facts: Facts = field(repr=False)
    threshold: float = DEFAULT_THRESHOLD

    def of_kind(self, kind: str) -> list[Change]:
        return [c for c in self.changes if c.kind == kind]

    def added_tasks(self) -> list[TaskFact]:
        return [self.facts.task(c.to_task) for c in self.of_kind("task_added")]

    def removed_tasks(self) -> list[TaskFact]:
        return [self.facts.task(c.from_task) for c in self.of_kind("task_removed")]

    def modified_tasks(self) -> list[tuple[TaskFact, TaskFact]]:
        return [(self.facts.task(c.from_task), self.facts.task(c.to_task)) for c in self.of_kind("task_modified")]

    def by_department(self) -> dict[str, dict[str, list[Change]]]:
        """Per department id: the responsibilities it ``gained`` and ``lost``."""
        out: dict[str, dict[str, list[Change]]] = {}
        for c in self.changes:
            if c.kind in ("responsibility_gained", "responsibility_lost") and c.department:
                side = "gained" if c.kind == "responsibility_gained" else "lost"
                out.setdefault(c.department, {"gained": [], "lost": []})[side].append(c)
        return dict(sorted(out.items(), key=lambda kv: (self.facts.department(kv[0]).label, kv[0])))

    # -- presentation -------------------------------------------------------------------
    def _task(self, task_id: str | None) -> dict[str, Any] | None:
        if task_id is None:
            return None
        t = self.facts.task(task_id)
        return {"id": t.id, "document": t.document, "label": t.label, "title": t.title, "section": t.section}

    def change_dict(self, c: Change) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": c.kind, "label": CHANGE_KIND_LABELS[c.kind],
                               "from_task": self._task(c.from_task), "to_task": self._task(c.to_task)}
        if c.department is not None:
            d = self.facts.department(c.department)
            out["department"] = {"id": d.id, "label": d.label, "name": d.name}
            out["role"] = c.role
            out["role_label"] = ROLE_LABELS.get(c.role or "", c.role)
        if c.kind.startswith("target_"):
            out.update(metric=c.metric, before=as_plain(c.before), after=as_plain(c.after),
                       from_target=self._target(c.from_target), to_target=self._target(c.to_target))
        if c.similarity is not None:
            out["similarity"] = round(c.similarity, 4)
        return out

    def _target(self, iri: str | None) -> dict[str, Any] | None:
        if iri is None:
            return None
        t = next(t for t in self.facts.targets if t.iri == iri)
        return {"iri": t.iri, "surface": t.surface, "value": as_plain(t.value), "unit": t.unit,
                "comparator": t.comparator, "scope": t.scope, "period": t.period}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: both documents, the counts, every change, the per-department view."""
        def doc(d: DocumentFact) -> dict[str, Any]:
            return {"id": d.id, "title": d.title, "number": d.number, "issued": d.issued}

        return {
            "from": doc(self.a),
            "to": doc(self.b),
            "threshold": self.threshold,
            "counts": {kind: len(self.of_kind(kind)) for kind in _KIND_ORDER},
            "matched": len(self.matches),
            "changes": [self.change_dict(c) for c in self.changes],
            "departments": [
                {
                    "id": dept,
                    "label": self.facts.department(dept).label,
                    "gained": [self._responsibility(c) for c in sides["gained"]],
                    "lost": [self._responsibility(c) for c in sides["lost"]],
                }
                for dept, sides in self.by_department().items()
            ],
            "matches": [
                {"from": m.from_task, "to": m.to_task, "similarity": round(m.similarity, 4), "modified": m.modified}
                for m in self.matches
            ],
        }

    def _responsibility(self, c: Change) -> dict[str, Any]:
        task = self.facts.task(c.to_task or c.from_task)  # type: ignore[arg-type]
        return {"role": c.role, "role_label": ROLE_LABELS.get(c.role or "", c.role), "task": task.id,
                "label": task.label, "title": task.title}

    def describe(self, c: Change) -> str:
        """One line of Chinese for a person: ``新增任务 (十八)加快城市燃气管道…``."""
        def t(task_id: str | None) -> str:
            if task_id is None:
                return "总体要求"
            task = self.facts.task(task_id)
            return f"{task.label}{task.title}"

        label = CHANGE_KIND_LABELS[c.kind]
        if c.kind == "task_added":
            return f"{label} {t(c.to_task)}"
        if c.kind == "task_removed":
            return f"{label} {t(c.from_task)}"
        if c.kind == "task_modified":
            moved = "" if self.facts.task(c.from_task).label == self.facts.task(c.to_task).label else f"(原{self.facts.task(c.from_task).label})"  # type: ignore[arg-type]
            return f"{label} {t(c.to_task)}{moved} 相似度 {c.similarity:.2f}"
        if c.kind in ("responsibility_gained", "responsibility_lost"):
            dept = self.facts.department(c.department or "").label
            task = c.to_task if c.kind == "responsibility_gained" else c.from_task
            return f"{label} {dept} {ROLE_LABELS.get(c.role or '', c.role)} {t(task)}"
        where = t(c.to_task or c.from_task)
        return f"{label} {where} {c.metric}: {_fmt(c.before)} -> {_fmt(c.after)}"

    def summary(self) -> str:
        """A plain-text report, one change a line, grouped by kind."""
        lines = [f"{self.a.label} -> {self.b.label}: {len(self.matches)} tasks matched"]
        for kind in _KIND_ORDER:
            found = self.of_kind(kind)
            if found:
                lines.append(f"\n{CHANGE_KIND_LABELS[kind]} ({len(found)}):")
                lines.extend(f"  {self.describe(c)}" for c in found)
        if len(lines) == 1:
            lines.append("no changes")
        return "\n".join(lines)


def _fmt(value: Decimal | None) -> str:
    if value is None:
        return "-"
    return format(value.normalize(), "f") if value != value.to_integral_value() else str(int(value))


# --- Comparing -------------------------------------------------------------------------


def _content(facts: Facts, task: TaskFact) -> str:
    """What a task says: title and clause text, attributions left out."""
    return _normalise(task.title + "".join(c.text for c in facts.clauses_of(task.id)))


def _clause_text(facts: Facts, task: TaskFact) -> str:
    return _normalise("".join(c.text for c in facts.clauses_of(task.id)))


def _match_tasks(facts: Facts, tasks_a: list[TaskFact], tasks_b: list[TaskFact], threshold: float) -> list[TaskMatch]:
    contents_a = [_content(facts, t) for t in tasks_a]
    contents_b = [_content(facts, t) for t in tasks_b]
    sims = task_similarity(contents_a, contents_b)
    B = nx.Graph()
    for i, row in enumerate(sims):
        for j, s in enumerate(row):
            if s >= threshold:
                B.add_edge(("a", i), ("b", j), weight=s)
    matching = nx.max_weight_matching(B, maxcardinality=False, weight="weight")
    pairs = sorted((u[1], v[1]) if u[0] == "a" else (v[1], u[1]) for u, v in matching)
    out = []
    for i, j in pairs:
        ta, tb = tasks_a[i], tasks_b[j]
        changed = []
        if _normalise(ta.title) != _normalise(tb.title):
            changed.append("title")
        if _clause_text(facts, ta) != _clause_text(facts, tb):
            changed.append("text")
        out.append(TaskMatch(ta.id, tb.id, sims[i][j], bool(changed), tuple(changed)))
    return out


def _roles(facts: Facts, task_id: str) -> set[tuple[str, str]]:
    return {(a.department, a.role) for a in facts.assignments_of(task_id)}


def _responsibility_changes(facts: Facts, from_task: str | None, to_task: str | None) -> list[Change]:
    before = _roles(facts, from_task) if from_task else set()
    after = _roles(facts, to_task) if to_task else set()

    def order(pair: tuple[str, str]) -> tuple:
        return (ROLE_ORDER.index(pair[1]), facts.department(pair[0]).label, pair[0])

    out = [Change("responsibility_gained", from_task, to_task, d, r) for d, r in sorted(after - before, key=order)]
    out += [Change("responsibility_lost", from_task, to_task, d, r) for d, r in sorted(before - after, key=order)]
    return out


def _pair_targets(before: list[TargetFact], after: list[TargetFact]) -> tuple[list[tuple[TargetFact, TargetFact]], list[TargetFact], list[TargetFact]]:
    """Pair targets by metric (in order when a metric repeats), then leftovers by surface
    similarity; returns pairs, unpaired before, unpaired after."""
    pairs = []
    left_a = list(before)
    left_b = list(after)
    for ta in list(left_a):
        tb = next((t for t in left_b if _normalise(t.metric) == _normalise(ta.metric) and t.unit == ta.unit), None)
        if tb is None:
            tb = next((t for t in left_b if _normalise(t.metric) == _normalise(ta.metric)), None)
        if tb is not None:
            pairs.append((ta, tb))
            left_a.remove(ta)
            left_b.remove(tb)
    if left_a and left_b:
        sims = task_similarity([t.metric or t.surface for t in left_a], [t.metric or t.surface for t in left_b])
        B = nx.Graph()
        for i, row in enumerate(sims):
            for j, s in enumerate(row):
                if s >= 0.6:
                    B.add_edge(("a", i), ("b", j), weight=s)
        chosen = sorted((u[1], v[1]) if u[0] == "a" else (v[1], u[1]) for u, v in nx.max_weight_matching(B))
        for i, j in chosen:
            pairs.append((left_a[i], left_b[j]))
        taken_a = {i for i, _ in chosen}
        taken_b = {j for _, j in chosen}
        left_a = [t for i, t in enumerate(left_a) if i not in taken_a]
        left_b = [t for j, t in enumerate(left_b) if j not in taken_b]
    pairs.sort(key=lambda p: (p[1].number, p[0].number))
    return pairs, left_a, left_b


def _target_changes(facts: Facts, from_task: str | None, to_task: str | None, doc_a: str, doc_b: str) -> list[Change]:
    before = facts.targets_of(from_task, doc_a)
    after = facts.targets_of(to_task, doc_b)
    pairs, removed, added = _pair_targets(before, after)
    out = []
    for ta, tb in pairs:
        if (ta.value, ta.unit, ta.comparator) != (tb.value, tb.unit, tb.comparator):
            out.append(Change("target_changed", from_task, to_task, from_target=ta.iri, to_target=tb.iri,
                              metric=tb.metric, before=ta.value, after=tb.value))
    out += [Change("target_added", from_task, to_task, to_target=t.iri, metric=t.metric, after=t.value) for t in added]
    out += [Change("target_removed", from_task, to_task, from_target=t.iri, metric=t.metric, before=t.value)
            for t in removed]
    return out


def diff_documents(
    source: GraphSource | Facts, a: str, b: str, *, threshold: float = DEFAULT_THRESHOLD
) -> DocumentDiff:
    """Compare document ``a`` (earlier) with document ``b`` (later), both read from the graph.

    Returns a :class:`DocumentDiff` whose ``changes`` are, in order: tasks added, removed,
    modified; then for every task (in ``b``'s order, removed tasks at their place in
    ``a``) the responsibilities gained and lost; then targets changed, added and removed.
    Roles are compared per task (a department that led one clause and now leads another
    clause of the same task has not changed); implementers count like any role.

    Examples
    --------
    >>> d = diff_documents(store, "2023-044de8f5", "2024-42e78165")  # doctest: +SKIP
    >>> [d.describe(c) for c in d.of_kind("responsibility_gained")][-1]  # doctest: +SKIP
    '新增责任 省农业农村厅 牵头 (二十六)积极打造城乡融合发展省域范例'
    """
    facts = source if isinstance(source, Facts) else read_facts(source, [a, b])
    doc_a, doc_b = facts.document(a), facts.document(b)
    tasks_a = [t for t in facts.tasks if t.document == a]
    tasks_b = [t for t in facts.tasks if t.document == b]
    matches = _match_tasks(facts, tasks_a, tasks_b, threshold)
    to_of = {m.from_task: m for m in matches}
    from_of = {m.to_task: m for m in matches}

    structural: list[Change] = []
    responsibilities: list[Change] = []
    targets: list[Change] = []
    for t in tasks_b:
        if t.id not in from_of:
            structural.append(Change("task_added", None, t.id))
    for t in tasks_a:
        if t.id not in to_of:
            structural.append(Change("task_removed", t.id, None))
    for m in sorted(matches, key=lambda m: facts.task(m.to_task).ordinal):
        if m.modified:
            structural.append(Change("task_modified", m.from_task, m.to_task, similarity=m.similarity))

    # Walk b in order, slotting each removed task of a after the task that precedes it.
    sequence: list[tuple[str | None, str | None]] = []
    removed_after: dict[str | None, list[str]] = {}
    previous: str | None = None
    for t in tasks_a:
        if t.id in to_of:
            previous = to_of[t.id].to_task
        else:
            removed_after.setdefault(previous, []).append(t.id)
    sequence += [(r, None) for r in removed_after.get(None, [])]
    for t in tasks_b:
        m = from_of.get(t.id)
        sequence.append((m.from_task if m else None, t.id))
        sequence += [(r, None) for r in removed_after.get(t.id, [])]
    for from_task, to_task in sequence:
        responsibilities += _responsibility_changes(facts, from_task, to_task)

    targets += _target_changes(facts, None, None, a, b)  # the preambles
    for m in sorted(matches, key=lambda m: facts.task(m.to_task).ordinal):
        targets += _target_changes(facts, m.from_task, m.to_task, a, b)
    targets.sort(key=lambda c: _KIND_ORDER.index(c.kind))

    kinds = {"task_added": 0, "task_removed": 1, "task_modified": 2}
    structural.sort(key=lambda c: kinds[c.kind])
    return DocumentDiff(doc_a, doc_b, sorted(matches, key=lambda m: facts.task(m.to_task).ordinal),
                        structural + responsibilities + targets, facts, threshold)


# --- Change records in the graph -------------------------------------------------------


def changes_graph_iri(a: str, b: str, base: str = DEFAULT_BASE) -> URIRef:
    """Named graph of the change records from document ``a`` to ``b``: ``{base}changes/{a}/{b}``.

    It is not under ``{base}graph/``, where each named graph is one document.
    """
    return URIRef(f"{base}changes/{a}/{b}")


def _change_iri(diff: DocumentDiff, change: Change, base: str) -> URIRef:
    digest = hashlib.sha1(change.key().encode("utf-8")).hexdigest()[:12]
    return URIRef(f"{changes_graph_iri(diff.a.id, diff.b.id, base)}/{change.kind}/{digest}")


@lru_cache(maxsize=1)
def _change_kinds_description() -> Graph:
    from fengong import ontology

    onto = Graph().parse(ontology.path("fengong.ttl"), format="turtle")
    out = Graph()
    subjects = {FG.ChangeKinds, *onto.subjects(SKOS.inScheme, FG.ChangeKinds)}
    for s in subjects:
        for p, o in onto.predicate_objects(s):
            out.add((s, p, o))
    return out


def change_graph(diff: DocumentDiff, base: str = DEFAULT_BASE) -> Graph:
    """The change records of a comparison as RDF (see ``fg:Change`` in the ontology).

    Each change is an ``fg:Change`` with ``fg:changeKind``, ``fg:fromDocument``,
    ``fg:toDocument``, ``fg:fromTask`` / ``fg:toTask`` (both also ``fg:affectedTask``),
    ``fg:affectedDepartment`` and ``fg:affectedRole`` for responsibilities,
    ``fg:fromTarget`` / ``fg:toTarget`` for targets, ``fg:similarity`` for modified tasks
    and a ``dct:description`` in Chinese. IRIs are derived from the content of each change,
    so recording a comparison twice gives the same triples. The change-kind concepts are
    described too, so that labels are at hand in queries.

    >>> g = change_graph(d)  # doctest: +SKIP
    >>> len(set(g.subjects(RDF.type, FG.Change))) == len(d.changes)  # doctest: +SKIP
    True
    """
    g = Graph()
    bind_prefixes(g)
    g += _change_kinds_description()
    doc_a, doc_b = document_iri(diff.a.id, base), document_iri(diff.b.id, base)
    for change in diff.changes:
        node = _change_iri(diff, change, base)
        g.add((node, RDF.type, FG.Change))
        g.add((node, FG.changeKind, CHANGE_KINDS[change.kind]))
        g.add((node, FG.fromDocument, doc_a))
        g.add((node, FG.toDocument, doc_b))
        g.add((node, DCTERMS.description, Literal(diff.describe(change), lang="zh")))
        for prop, task in ((FG.fromTask, change.from_task), (FG.toTask, change.to_task)):
            if task is not None:
                iri = task_iri_from_id(task, base)
                g.add((node, prop, iri))
                g.add((node, FG.affectedTask, iri))
        if change.department is not None:
            g.add((node, FG.affectedDepartment, department_iri(change.department, base)))
        if change.role is not None:
            g.add((node, FG.affectedRole, ROLES[change.role]))
        if change.from_target is not None:
            g.add((node, FG.fromTarget, URIRef(change.from_target)))
        if change.to_target is not None:
            g.add((node, FG.toTarget, URIRef(change.to_target)))
        if change.similarity is not None:
            g.add((node, FG.similarity, Literal(Decimal(f"{change.similarity:.4f}"), datatype=XSD.decimal)))
    return g


def record_changes(store: Any, diff: DocumentDiff) -> URIRef:
    """Write the change records into the store, in their own named graph; returns its IRI.

    Recording the same comparison again adds nothing new (the IRIs are content-derived).
    The store must accept N-Quads (:meth:`fengong.store.Store.load_nquads`).
    """
    base = getattr(store, "base", DEFAULT_BASE)
    iri = changes_graph_iri(diff.a.id, diff.b.id, base)
    ds = Dataset()
    named = ds.graph(iri)
    for triple in change_graph(diff, base):
        named.add(triple)
    try:
        store.load_nquads(ds.serialize(format="nquads", encoding="utf-8"))
    except NotImplementedError as exc:
        raise NotImplementedError(f"cannot record changes: {exc}") from None
    return iri


def documents_in_order(facts: Facts, ids: Iterable[str]) -> list[str]:
    """Document ids ordered by issue date (then id): earlier first."""
    return sorted(ids, key=lambda i: (facts.document(i).issued or "", i))
