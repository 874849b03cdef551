"""Workload per department: how many tasks each one leads, supports, co-owns, implements,
and how many targets it answers for."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

from .facts import EXPLICIT_ROLES, Facts, GraphSource, read_facts

__all__ = ["Workload", "department_workload", "busiest_departments"]


@dataclass(frozen=True)
class Workload:
    """One department's load. Task counts are distinct tasks (a department that leads two
    clauses of one task leads one task); ``clauses_led`` counts clauses."""

    department: str
    label: str  # short name, as in the matrix header
    name: str  # full name
    lead: int  # tasks led (牵头)
    support: int  # tasks supported (配合)
    co_responsible: int  # tasks co-owned (负责)
    implementer: int  # tasks it implements by a general rule (落实)
    tasks: int  # tasks with any explicit role (lead, co-responsible, support)
    clauses_led: int
    targets: int  # targets stated in clauses it has an explicit role in
    targets_led: int  # … in clauses it leads

    def to_dict(self) -> dict:
        return asdict(self)


def department_workload(
    source: GraphSource | Facts, document: str | Iterable[str] | None = None
) -> list[Workload]:
    """Workload of every department named in the graph (or in one ``document``).

    Sorted busiest first: by ``tasks``, then ``lead``, then name. A target counts for the
    departments named in the attribution of the clause that states it (the ``units`` of
    :func:`fengong.exports.targets_table`), so every figure can be recounted from the
    matrix and the targets table.

    Examples
    --------
    >>> from fengong.extract import extract_sample
    >>> from fengong.store import open_store
    >>> store = open_store("memory"); _ = store.add_documents([extract_sample()])
    >>> w = {x.department: x for x in department_workload(store)}
    >>> w["zj-housing"].label, w["zj-housing"].lead, w["zj-housing"].support
    ('省建设厅', 8, 4)
    """
    facts = source if isinstance(source, Facts) else read_facts(source, document)
    tasks: dict[str, dict[str, set[str]]] = {}
    clauses_led: dict[str, set[tuple[str, int | None]]] = {}
    for a in facts.assignments:
        tasks.setdefault(a.department, {}).setdefault(a.role, set()).add(a.task)
        if a.role == "lead":
            clauses_led.setdefault(a.department, set()).add((a.task, a.clause))
    targets: dict[str, set[str]] = {}
    targets_led: dict[str, set[str]] = {}
    for target in facts.targets:
        for a in facts.target_units(target):
            targets.setdefault(a.department, set()).add(target.iri)
            if a.role == "lead":
                targets_led.setdefault(a.department, set()).add(target.iri)

    out = []
    for dept, by_role in tasks.items():
        d = facts.department(dept)
        explicit = set().union(*(by_role.get(r, set()) for r in EXPLICIT_ROLES))
        out.append(
            Workload(
                department=dept,
                label=d.label,
                name=d.name,
                lead=len(by_role.get("lead", ())),
                support=len(by_role.get("support", ())),
                co_responsible=len(by_role.get("co_responsible", ())),
                implementer=len(by_role.get("implementer", ())),
                tasks=len(explicit),
                clauses_led=len(clauses_led.get(dept, ())),
                targets=len(targets.get(dept, ())),
                targets_led=len(targets_led.get(dept, ())),
            )
        )
    return sorted(out, key=lambda w: (-w.tasks, -w.lead, -w.targets, w.label, w.department))


def busiest_departments(
    source: GraphSource | Facts, n: int = 5, document: str | Iterable[str] | None = None, by: str = "tasks"
) -> list[Workload]:
    """The ``n`` departments with the highest ``by`` (``tasks``, ``lead``, ``support``,
    ``co_responsible``, ``targets`` …), ties broken by the other figures, then by name.

    Departments named only by a general rule (implementers) are left out: they are on
    every task by definition.

    >>> [w.label for w in busiest_departments(store, 2)]  # doctest: +SKIP
    ['省发展改革委', '省建设厅']
    """
    loads = [w for w in department_workload(source, document) if w.tasks > 0]
    if not loads:
        return []
    if not hasattr(loads[0], by) or by in ("department", "label", "name"):
        raise ValueError(f"cannot rank by {by!r}")
    return sorted(loads, key=lambda w: (-getattr(w, by), -w.tasks, -w.lead, w.label, w.department))[:n]
