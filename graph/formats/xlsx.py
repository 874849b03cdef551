""".xlsx → text: each sheet's rows in order, one line per row with tab-separated cells, as
:mod:`fengong.formats.docx` writes a Word table, so that a task list kept in Excel
(序号 / 重点任务 / 牵头单位 / 配合单位 / 完成时限) reads like one in Word.

A cell merged across columns (a title row, a section row) is written once; a cell merged
down several rows (a 牵头单位 shared by three tasks) repeats on each row it covers, as it
reads. Formulas give their cached values. Like a .docx, an .xlsx is a zip archive, and its
declared sizes are checked before anything is decompressed.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from ..reading import ReadError
from .docx import MAX_RATIO, MAX_UNCOMPRESSED

#: Rows read per sheet at most: a work plan's task list has hundreds, not millions.
MAX_ROWS = 20_000


def _check_archive(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
    except zipfile.BadZipFile:
        raise ReadError("the .xlsx file is not a valid Excel workbook (not a zip archive)") from None
    if "xl/workbook.xml" not in {i.filename for i in infos}:
        raise ReadError("the .xlsx file is not an Excel workbook (no xl/workbook.xml)")
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    if total > MAX_UNCOMPRESSED or total / packed > MAX_RATIO:
        raise ReadError("the .xlsx file expands to an unreasonable size (possible zip bomb); refused")


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.date):  # a datetime too: a 完成时限 cell formatted as a date
        return f"{value.year}年{value.month}月{value.day}日"
    return " ".join(str(value).split())


def xlsx_to_text(data: bytes) -> str:
    """Text of an Excel workbook: every sheet's non-empty rows, cells separated by tabs."""
    _check_archive(data)
    try:
        import openpyxl

        book = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on broken files
        raise ReadError(f"cannot read the .xlsx file: {type(exc).__name__}") from None
    lines: list[str] = []
    for sheet in book.worksheets:
        if sheet.sheet_state != "visible":
            continue
        # Merged ranges: the top-left value fills the rows it spans; columns after the first
        # of a range are left out.
        fill: dict[tuple[int, int], object] = {}
        skip: set[tuple[int, int]] = set()
        for rng in sheet.merged_cells.ranges:
            value = sheet.cell(rng.min_row, rng.min_col).value
            for row in range(rng.min_row, rng.max_row + 1):
                fill[(row, rng.min_col)] = value
                for col in range(rng.min_col + 1, rng.max_col + 1):
                    skip.add((row, col))
        for r, row in enumerate(sheet.iter_rows(max_row=min(sheet.max_row, MAX_ROWS)), 1):
            cells = [_cell_text(fill.get((r, c), cell.value)) for c, cell in enumerate(row, 1) if (r, c) not in skip]
            while cells and not cells[-1]:
                cells.pop()
            if any(cells):
                lines.append("\t".join(cells) if len(cells) > 1 else cells[0])
        lines.append("")
    text = "\n".join(lines).strip()
    if not text:
        raise ReadError("the .xlsx file holds no text")
    return text + "\n"
