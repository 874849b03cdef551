"""Exports for Excel and WPS users: the responsibility matrix (任务分工表) and the targets.

Both are tables read from the RDF graph (:mod:`fengong.analysis`) and written as ``.xlsx``
(openpyxl: frozen header row and task columns, auto-filter, readable column widths,
wrapped text) or ``.csv`` (UTF-8 with a byte order mark, which Excel and WPS need to
read Chinese correctly, and CRLF line ends as RFC 4180 asks).

>>> from fengong.extract import extract_sample
>>> from fengong.store import open_store
>>> store = open_store("memory"); _ = store.add_documents([extract_sample()])
>>> matrix_csv(store)[:3] == "\\ufeff任务ID".encode("utf-8")[:3]
True
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from fengong.analysis.facts import ROLE_LABELS, Facts, GraphSource, read_facts
from fengong.analysis.matrix import TASK_COLUMNS, ResponsibilityMatrix, responsibility_matrix

__all__ = [
    "FORMATS",
    "MEDIA_TYPES",
    "TARGET_COLUMNS",
    "targets_table",
    "matrix_csv",
    "matrix_xlsx",
    "targets_csv",
    "targets_xlsx",
    "export",
    "write_export",
]

FORMATS = ("xlsx", "csv")
MEDIA_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
COMPARATOR_LABELS = {">=": "≥", ">": ">", "~": "约", "<=": "≤", "<": "<", "=": "="}
TARGET_COLUMNS = (
    "文件", "任务ID", "序号", "任务", "指标", "原文", "数值", "数值原文", "单位", "比较", "范围", "时期", "责任单位",
)

# Fills for role cells (light, print-friendly): lead stands out most.
_ROLE_FILLS = {"牵头": "FCE4D6", "负责": "E2EFDA", "配合": "DDEBF7", "落实": "EDEDED"}
_HEADER_FILL = "D9D9D9"


# --- Tables ----------------------------------------------------------------------------


def _number(value: Decimal | None) -> Decimal | None:
    """A plain decimal: 100000.0 -> 100000, 73.50 -> 73.5."""
    if value is None:
        return None
    return value.to_integral_value() if value == value.to_integral_value() else value.normalize()


def targets_table(source: GraphSource | Facts, document: str | Iterable[str] | None = None) -> list[list[Any]]:
    """Every target with its document, task, metric, value, unit, comparator, scope, period
    and responsible units, header first (:data:`TARGET_COLUMNS`).

    The units are those named in the attribution of the clause that states the target,
    each with its role (``省建设厅(牵头)``), joined with 、; preamble targets have none.
    Values are :class:`~decimal.Decimal` (numbers in the workbook).

    >>> rows = targets_table(store)  # doctest: +SKIP
    >>> rows[6][4:10]  # doctest: +SKIP
    ['新增停车位', '全省各设区市主城区新增停车位10万个', Decimal('100000'), '10万', '个', '=']
    """
    facts = source if isinstance(source, Facts) else read_facts(source, document)
    rows: list[list[Any]] = [list(TARGET_COLUMNS)]
    for t in facts.targets:
        task = facts.task(t.task) if t.task else None
        doc = facts.document(t.document)
        units = "、".join(
            f"{facts.department(a.department).label}({ROLE_LABELS[a.role]})" for a in facts.target_units(t)
        )
        rows.append(
            [
                doc.label,
                task.id if task else "",
                task.label if task else "",
                task.title if task else "(总体要求)",
                t.metric,
                t.surface,
                _number(t.value),
                t.value_text or "",
                t.unit,
                COMPARATOR_LABELS.get(t.comparator or "", t.comparator or ""),
                t.scope or "",
                t.period or "",
                units,
            ]
        )
    return rows


def _matrix(source: GraphSource | Facts | ResponsibilityMatrix, document) -> ResponsibilityMatrix:
    if isinstance(source, ResponsibilityMatrix):
        return source
    return responsibility_matrix(source, document)


# --- CSV -------------------------------------------------------------------------------


def _csv(rows: Sequence[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if v is None else (format(v, "f") if isinstance(v, Decimal) else v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def matrix_csv(source: GraphSource | Facts | ResponsibilityMatrix, document: str | Iterable[str] | None = None) -> bytes:
    """The responsibility matrix as CSV bytes (UTF-8 with BOM)."""
    return _csv(_matrix(source, document).table())


def targets_csv(source: GraphSource | Facts, document: str | Iterable[str] | None = None) -> bytes:
    """The targets table as CSV bytes (UTF-8 with BOM)."""
    return _csv(targets_table(source, document))


# --- Workbook --------------------------------------------------------------------------


def _display_width(text: str) -> int:
    """Columns a string takes in a spreadsheet: CJK (wide) characters count twice."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text))


def _lines(text: str, width: float) -> int:
    """Lines a wrapped cell needs at a column width (in character units)."""
    total = 0
    for part in str(text).split("\n"):
        total += max(1, -(-_display_width(part) // max(1, int(width))))
    return total


def _workbook(
    title: str,
    rows: Sequence[Sequence[Any]],
    widths: Sequence[float],
    freeze: str,
    wrap_header_width: float | None = None,
    role_cells_from: int | None = None,
) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = title
    thin = Side(style="thin", color="BFBFBF")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap_top = Alignment(wrap_text=True, vertical="top")
    centered = Alignment(horizontal="center", vertical="center", wrap_text=True)
    # Named styles, one per look: setting a cell's font, fill, border and alignment one by
    # one hashes each style object per cell (70 % of the 25 s a year's matrix of 1,000
    # documents took); a named style is looked up by its name.
    styles: dict[tuple, str] = {}

    def style(kind: str, fill: str | None = None, bold: bool = False) -> str:
        key = (kind, fill, bold)
        name = styles.get(key)
        if name is None:
            name = styles[key] = f"fengong {kind}{' ' + fill if fill else ''}{' bold' if bold else ''}"
            named = NamedStyle(name=name, border=border, alignment=centered if kind != "text" else wrap_top)
            if bold:
                named.font = Font(bold=True)
            if fill:
                named.fill = PatternFill("solid", fgColor=fill)
            wb.add_named_style(named)
        return name

    for r, row in enumerate(rows, 1):
        ws.append(list(row))
        for c, value in enumerate(row, 1):
            cell = ws.cell(row=r, column=c)
            if r == 1:
                cell.style = style("header", _HEADER_FILL, bold=True)
            elif role_cells_from is not None and c >= role_cells_from:
                first = str(value).split("、")[0] if value else ""
                cell.style = style("role", _ROLE_FILLS.get(first), bold=bool(value) and "牵头" in str(value))
            else:
                cell.style = style("text")

    for c, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(c)].width = width
    # Row heights: spreadsheets do not grow rows for wrapped text by themselves on open
    # (Excel keeps the default height), so size them from the text.
    line_height = 15.0
    header_lines = max((_lines(v, widths[c] - 1) for c, v in enumerate(rows[0])), default=1) if rows else 1
    ws.row_dimensions[1].height = line_height * min(header_lines, 8) + 4
    for r, row in enumerate(rows[1:], 2):
        needed = max((_lines(v, widths[c] - 1) for c, v in enumerate(row) if v not in (None, "")), default=1)
        ws.row_dimensions[r].height = line_height * min(needed, 12) + 4
    ws.freeze_panes = freeze
    if rows:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(rows[0]))}{len(rows)}"
    ws.sheet_view.zoomScale = 100
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"

    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def matrix_xlsx(source: GraphSource | Facts | ResponsibilityMatrix, document: str | Iterable[str] | None = None) -> bytes:
    """The responsibility matrix as an ``.xlsx`` workbook (sheet 任务分工表).

    The header row and the task columns are frozen, every column has a filter, task
    titles wrap, department names wrap in a narrow header, and role cells are centred
    and tinted (牵头 bold).
    """
    table = _matrix(source, document).table()
    n_task = len(TASK_COLUMNS)
    widths = [20, 22, 9, 24, 36][:n_task]
    # Department columns: wide enough for the longest cell (牵头、配合 = 10) and for the
    # header wrapped on at most three lines.
    for c in range(n_task, len(table[0])):
        header = table[0][c]
        longest_cell = max((_display_width(row[c]) for row in table[1:]), default=4)
        widths.append(max(7.0, longest_cell + 2, min(16.0, _display_width(header) / 3 + 2)))
    return _workbook("任务分工表", table, widths, freeze=f"{chr(ord('A') + n_task)}2",
                     role_cells_from=n_task + 1)


def targets_xlsx(source: GraphSource | Facts, document: str | Iterable[str] | None = None) -> bytes:
    """The targets table as an ``.xlsx`` workbook (sheet 目标指标), values as numbers."""
    table = targets_table(source, document)
    widths = [22, 20, 9, 24, 24, 36, 12, 10, 8, 6, 16, 12, 30]
    return _workbook("目标指标", table, widths, freeze="E2")


# --- One entry point -------------------------------------------------------------------


def export(
    what: str, fmt: str, source: GraphSource | Facts, document: str | Iterable[str] | None = None
) -> bytes:
    """``export("matrix" | "targets", "xlsx" | "csv", store)`` → file bytes."""
    writers = {
        ("matrix", "xlsx"): matrix_xlsx,
        ("matrix", "csv"): matrix_csv,
        ("targets", "xlsx"): targets_xlsx,
        ("targets", "csv"): targets_csv,
    }
    try:
        writer = writers[(what, fmt)]
    except KeyError:
        raise ValueError(f"cannot export {what!r} as {fmt!r}: use matrix or targets, xlsx or csv") from None
    return writer(source, document)


def write_export(
    what: str, fmt: str, source: GraphSource | Facts, path: str | Path, document: str | Iterable[str] | None = None
) -> Path:
    """Write an export to ``path`` and return it."""
    path = Path(path)
    path.write_bytes(export(what, fmt, source, document))
    return path
