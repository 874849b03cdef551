"""Task tables (任务分工表): 序号 / 任务 / 牵头单位 / 配合单位 / 完成时限.

Readers turn table rows into lines with tab-separated cells (HTML and .docx alike), so a
table is found in the stored text by its header line, and every cell keeps its span.
Rows holding one cell such as 一、… are section rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_COLUMNS: list[tuple[str, re.Pattern[str]]] = [
    ("number", re.compile(r"^(序号|编号|序次)$")),
    ("section", re.compile(r"^(类别|领域|板块|任务类别|重点领域)$")),
    ("task", re.compile(r"(任务|工作内容|具体措施|工作措施|主要内容|重点工作|事项|举措|内容)")),
    ("lead", re.compile(r"^(牵头单位|牵头部门|牵头处室|主办单位|主责单位|牵头)$")),
    ("support", re.compile(r"^(配合单位|配合部门|配合处室|协办单位|参与单位|协助单位|协同单位|协作单位|支持单位|参加单位|配合)$")),
    ("plain", re.compile(r"^(责任单位|责任部门|责任处室|实施单位|落实单位|责任主体)$")),
    ("deadline", re.compile(r"(完成时限|完成时间|时间节点|时限|时间安排|进度安排)")),
]
_SECTION_ROW = re.compile(r"^\s*(?P<label>[一二三四五六七八九十]+\s*[、.．]|[(（][一二三四五六七八九十]+[)）])\s*(?P<title>.+)$")


@dataclass
class TaskRow:
    start: int
    end: int
    label: str = ""
    task: tuple[int, int] = (0, 0)
    unit_cells: list[tuple[str, int, int]] = field(default_factory=list)  # (kind, start, end)
    deadline: tuple[int, int] | None = None
    section_label: str | None = None
    section_title: str = ""


@dataclass
class TaskTable:
    start: int
    end: int
    columns: list[str]
    rows: list[TaskRow]


def _cells(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans, s = [], start
    for i in range(start, end + 1):
        if i == end or text[i] == "\t":
            a, b = s, i
            while a < b and text[a] in " \u3000":
                a += 1
            while b > a and text[b - 1] in " \u3000":
                b -= 1
            spans.append((a, b))
            s = i + 1
    return spans


def _header(cells: list[str]) -> list[str] | None:
    columns = []
    for cell in cells:
        kind = next((k for k, p in _COLUMNS if p.search(cell)), "other")
        columns.append(kind)
    if "task" in columns and ({"lead", "plain"} & set(columns)):
        return columns
    return None


def find_task_tables(text: str) -> list[TaskTable]:
    """Task tables in the stored text, with every row's cells as spans.

    >>> t = find_task_tables("序号\\t重点任务\\t牵头单位\\t配合单位\\n1\\t建设绿道。\\t省建设厅\\t省林业局\\n")
    >>> [(r.label, r.unit_cells[0][0]) for r in t[0].rows]
    [('1', 'lead')]
    """
    tables: list[TaskTable] = []
    lines = []
    pos = 0
    for line in text.splitlines(keepends=True):
        lines.append((pos, pos + len(line.rstrip("\n"))))
        pos += len(line)
    i = 0
    while i < len(lines):
        s, e = lines[i]
        if "\t" in text[s:e]:
            spans = _cells(text, s, e)
            columns = _header([text[a:b] for a, b in spans])
            if columns:
                table = TaskTable(s, e, columns, [])
                i += 1
                while i < len(lines):
                    rs, re_ = lines[i]
                    row_text = text[rs:re_]
                    if not row_text.strip():
                        i += 1  # readers may leave blank lines between rows
                        continue
                    row = _row(text, rs, re_, columns)
                    if row is None:
                        break
                    table.rows.append(row)
                    table.end = re_
                    i += 1
                if any(r.section_label is None for r in table.rows):
                    tables.append(table)
                continue
        i += 1
    return tables


def _row(text: str, s: int, e: int, columns: list[str]) -> TaskRow | None:
    spans = _cells(text, s, e)
    non_empty = [(a, b) for a, b in spans if b > a]
    if len(non_empty) == 1 and "\t" not in text[s:e].strip():
        m = _SECTION_ROW.match(text[s:e])
        if m:
            return TaskRow(s, e, section_label=m.group("label").strip(), section_title=m.group("title").strip())
        return None  # a line of prose after the table
    if len(spans) < 2:
        return None
    # Merged cells leave rows shorter than the header: align from the left.
    row = TaskRow(s, e)
    for kind, (a, b) in zip(columns, spans):
        if b <= a:
            continue
        if kind == "number":
            row.label = text[a:b]
        elif kind == "task":
            row.task = (a, b)
        elif kind in ("lead", "support", "plain"):
            row.unit_cells.append((kind, a, b))
        elif kind == "deadline":
            row.deadline = (a, b)
    if row.task == (0, 0):
        return None
    if not row.label:
        row.label = str(len(text[:s].splitlines()))
    return row
