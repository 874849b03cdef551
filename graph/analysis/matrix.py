"""The responsibility matrix (任务分工表): tasks in rows, departments in columns.

It is the artefact analysts already exchange in Excel and WPS; every count in
:mod:`fengong.analysis.workload` and :mod:`fengong.analysis.coordination` can be redone
from it by hand (count the cells of a column that say 牵头; count the rows where two
columns are both filled).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .facts import (
    EXPLICIT_ROLES,
    ROLE_LABELS,
    ROLE_ORDER,
    DepartmentFact,
    DocumentFact,
    Facts,
    GraphSource,
    TaskFact,
    read_facts,
)

__all__ = ["ResponsibilityMatrix", "MatrixRow", "responsibility_matrix", "cell_text", "TASK_COLUMNS"]

#: The leading columns of every matrix table, before the department columns.
TASK_COLUMNS = ("任务ID", "文件", "序号", "部分", "任务")


def cell_text(roles: Iterable[str]) -> str:
    """The cell for a department's roles in one task; several roles are joined with 、.

    >>> cell_text(["support", "lead"])
    '牵头、配合'
    >>> cell_text([])
    ''
    """
    found = set(roles)
    return "、".join(ROLE_LABELS[r] for r in ROLE_ORDER if r in found)


@dataclass(frozen=True)
class MatrixRow:
    task: TaskFact
    document: DocumentFact | None
    roles: dict[str, tuple[str, ...]]  # department id -> roles, in ROLE_ORDER

    def cell(self, department: str) -> str:
        return cell_text(self.roles.get(department, ()))


@dataclass(frozen=True)
class ResponsibilityMatrix:
    """Tasks × departments. ``departments`` are ordered busiest first (see below)."""

    departments: list[DepartmentFact]
    rows: list[MatrixRow]

    def header(self) -> list[str]:
        return [*TASK_COLUMNS, *(d.label for d in self.departments)]

    def table(self) -> list[list[str]]:
        """Header and rows as strings, the way the CSV and the workbook show them."""
        out = [self.header()]
        for row in self.rows:
            t = row.task
            section = f"{t.section_label or ''}{t.section or ''}"
            document = row.document.label if row.document else t.document
            out.append([t.id, document, t.label, section, t.title, *(row.cell(d.id) for d in self.departments)])
        return out

    def column(self, department: str) -> list[str]:
        """One department's cells, in row order."""
        return [row.cell(department) for row in self.rows]

    def to_dict(self) -> dict:
        return {
            "departments": [{"id": d.id, "label": d.label, "name": d.name} for d in self.departments],
            "rows": [
                {
                    "task": row.task.id,
                    "document": row.task.document,
                    "label": row.task.label,
                    "section": row.task.section,
                    "title": row.task.title,
                    "roles": {dept: list(roles) for dept, roles in row.roles.items()},
                }
                for row in self.rows
            ],
        }


def responsibility_matrix(
    source: GraphSource | Facts, document: str | Iterable[str] | None = None
) -> ResponsibilityMatrix:
    """The task × department matrix of the graph (or of one ``document``).

    A cell lists the department's roles in the task — 牵头 (lead), 负责 (co-responsible),
    配合 (support), 落实 (implementer) — joined with 、 when it has several (it may lead
    one clause and support another). Every task is a row, in document order, even one
    with no responsible unit. Departments are ordered by the number of tasks they lead,
    then by the number they hold any explicit role in, then by name; departments named
    only by a general rule (implementers) come last.

    Examples
    --------
    >>> M = responsibility_matrix(store)  # doctest: +SKIP
    >>> M.header()[:6]  # doctest: +SKIP
    ['任务ID', '文件', '序号', '部分', '任务', '省发展改革委']
    >>> M.rows[12].cell("zj-housing")  # doctest: +SKIP
    '牵头'
    """
    facts = source if isinstance(source, Facts) else read_facts(source, document)
    roles: dict[str, dict[str, set[str]]] = {}
    for a in facts.assignments:
        roles.setdefault(a.task, {}).setdefault(a.department, set()).add(a.role)

    led: dict[str, int] = {}
    held: dict[str, int] = {}
    for by_dept in roles.values():
        for dept, rs in by_dept.items():
            led[dept] = led.get(dept, 0) + ("lead" in rs)
            held[dept] = held.get(dept, 0) + bool(rs & set(EXPLICIT_ROLES))
    departments = sorted(
        (facts.department(d) for d in led),
        key=lambda d: (held[d.id] == 0, -led[d.id], -held[d.id], d.label, d.id),
    )
    documents = {d.id: d for d in facts.documents}
    rows = [
        MatrixRow(
            task=t,
            document=documents.get(t.document),
            roles={d: tuple(r for r in ROLE_ORDER if r in rs) for d, rs in sorted(roles.get(t.id, {}).items())},
        )
        for t in facts.tasks
    ]
    return ResponsibilityMatrix(departments, rows)
