"""Structure warnings: what in a plan's division of labour a reader should look at twice.

- ``task_without_lead``: no unit leads any clause of the task (it may still be shared
  by co-responsible units, or have no responsible unit at all);
- ``task_with_several_leads``: different units lead (clauses of) one task — a split
  task, or a joint lead when they lead the same clause;
- ``support_only_department``: a unit that only ever supports, never leads or co-owns;
- ``target_without_unit``: a quantified target that no attribution answers for.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from .facts import EXPLICIT_ROLES, ROLE_LABELS, Facts, GraphSource, read_facts

__all__ = ["StructureWarning", "structure_warnings", "WARNING_CODES"]

WARNING_CODES = (
    "task_without_lead",
    "task_with_several_leads",
    "support_only_department",
    "target_without_unit",
)


@dataclass(frozen=True)
class StructureWarning:
    code: str
    message: str
    task: str | None = None
    department: str | None = None
    target: str | None = None
    departments: tuple[str, ...] = field(default_factory=tuple)
    tasks: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict:
        return {**asdict(self), "departments": list(self.departments), "tasks": list(self.tasks)}


def structure_warnings(
    source: GraphSource | Facts, document: str | Iterable[str] | None = None
) -> list[StructureWarning]:
    """Every structure warning of the graph (or of one ``document``), grouped by code in
    the order of :data:`WARNING_CODES`, then in document order.

    Examples
    --------
    >>> ws = structure_warnings(store)  # doctest: +SKIP
    >>> [w.task for w in ws if w.code == "task_without_lead"]  # doctest: +SKIP
    ['2023-044de8f5-t7', '2023-044de8f5-t9', '2023-044de8f5-t31', '2023-044de8f5-t32']
    """
    facts = source if isinstance(source, Facts) else read_facts(source, document)
    out: list[StructureWarning] = []

    def name(dept: str) -> str:
        return facts.department(dept).label

    for task in facts.tasks:
        assignments = [a for a in facts.assignments_of(task.id) if a.role in EXPLICIT_ROLES]
        where = f"{task.label}{task.title}"
        leads = sorted({a.department for a in assignments if a.role == "lead"})
        if not leads:
            owners = sorted({a.department for a in assignments if a.role == "co_responsible"})
            if owners:
                message = f"{where}: no lead; shared by {'、'.join(name(d) for d in owners)} ({ROLE_LABELS['co_responsible']})"
            else:
                message = f"{where}: no responsible unit named"
            out.append(StructureWarning("task_without_lead", message, task=task.id, departments=tuple(owners)))
    for task in facts.tasks:
        assignments = facts.assignments_of(task.id)
        leads = sorted({a.department for a in assignments if a.role == "lead"})
        if len(leads) > 1:
            by_clause: dict[int | None, set[str]] = {}
            for a in assignments:
                if a.role == "lead":
                    by_clause.setdefault(a.clause, set()).add(a.department)
            joint = any(len(ds) > 1 for ds in by_clause.values())
            kind = "jointly in one clause" if joint else "in different clauses"
            out.append(
                StructureWarning(
                    "task_with_several_leads",
                    f"{task.label}{task.title}: {len(leads)} leads {kind}: {'、'.join(name(d) for d in leads)}",
                    task=task.id,
                    departments=tuple(leads),
                )
            )
    roles_of: dict[str, set[str]] = {}
    tasks_of: dict[str, list[str]] = {}
    for a in facts.assignments:
        roles_of.setdefault(a.department, set()).add(a.role)
        if a.role == "support" and a.task not in tasks_of.setdefault(a.department, []):
            tasks_of[a.department].append(a.task)
    for dept in sorted(roles_of, key=lambda d: (name(d), d)):
        if roles_of[dept] == {"support"}:
            tasks = tasks_of.get(dept, [])
            out.append(
                StructureWarning(
                    "support_only_department",
                    f"{name(dept)} only supports ({len(tasks)} tasks) and never leads or co-owns a task",
                    department=dept,
                    tasks=tuple(tasks),
                )
            )
    for target in facts.targets:
        if not facts.target_units(target):
            where = "the preamble" if target.task is None else f"{facts.task(target.task).label}{facts.task(target.task).title}"
            out.append(
                StructureWarning(
                    "target_without_unit",
                    f"target {target.surface!r} in {where} has no responsible unit",
                    task=target.task,
                    target=target.iri,
                )
            )
    return out
