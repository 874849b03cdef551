"""fengong.exports: the responsibility matrix and the targets as .xlsx and .csv.

The workbook is opened by LibreOffice (headless conversion to CSV) and every role of the
hand-annotated sample must be in the right cell."""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import load_fixture
from fengong.exports import MEDIA_TYPES, export, matrix_csv, matrix_xlsx, targets_csv, targets_table, targets_xlsx

LABELS = {"lead": "牵头", "support": "配合", "co_responsible": "负责", "implementer": "落实"}


@pytest.fixture(scope="module")
def store(sample_doc):
    from fengong.store import open_store

    s = open_store("memory")
    s.add_documents([sample_doc])
    return s


@pytest.fixture(scope="module")
def expected_cells():
    """(item label, department column label) -> roles, from the hand annotation."""
    from fengong.registry import DepartmentRegistry

    registry = DepartmentRegistry.default()
    data = load_fixture("sample_assignments.json")
    cells: dict[tuple[str, str], set[str]] = {}

    def column(name: str) -> str:
        dept = registry.resolve(name)
        return dept.short or dept.name

    for label, clauses in data["items"].items():
        for clause in clauses:
            for name, role in clause:
                cells.setdefault((label, column(name)), set()).add(role)
        if clauses:  # the general rule in (一) puts the implementers on every attributed item
            cells.setdefault((label, column(data["implementer"])), set()).add("implementer")
    return cells


def check_matrix(rows: list[list[str]], expected_cells) -> None:
    """Every annotated role is in its cell, and no cell holds a role not annotated."""
    header, body = rows[0], rows[1:]
    assert header[:5] == ["任务ID", "文件", "序号", "部分", "任务"]
    by_label = {row[2]: row for row in body}
    labels = {label for label, _ in expected_cells}
    assert labels <= set(by_label)
    for (label, dept), roles in expected_cells.items():
        cell = by_label[label][header.index(dept)]
        assert set(cell.split("、")) == {LABELS[r] for r in roles}, (label, dept, cell)
    filled = {(row[2], header[c]) for row in body for c in range(5, len(header)) if row[c]}
    assert filled == set(expected_cells)


def test_csv_has_a_bom_and_every_role_in_its_cell(store, expected_cells):
    data = matrix_csv(store)
    assert data.startswith(b"\xef\xbb\xbf")  # Excel and WPS need it to read UTF-8
    assert b"\r\n" in data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) == 33
    check_matrix(rows, expected_cells)
    thirteen = next(r for r in rows if r[2] == "(十三)")
    assert thirteen[3] == "三、建设面向未来的现代城市" and thirteen[4] == "健全市政设施建设"
    assert thirteen[1] == "浙发改城镇函〔2023〕388号"


def test_workbook_layout(store, expected_cells):
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(matrix_xlsx(store)))
    ws = wb.active
    assert ws.title == "任务分工表"
    assert ws.freeze_panes == "F2"  # header row and the task columns stay in view
    assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}33"
    assert ws.cell(1, 1).font.bold and ws.cell(1, 1).fill.fgColor.rgb.endswith("D9D9D9")
    assert ws.cell(2, 5).alignment.wrap_text and ws.cell(2, 5).border.left.style == "thin"
    cells = [cell for row in ws.iter_rows(min_row=2, min_col=6) for cell in row]
    leads = [cell for cell in cells if str(cell.value or "").startswith("牵头")]
    supports = [cell for cell in cells if cell.value == "配合"]
    assert leads and all(c.font.bold and c.fill.fgColor.rgb.endswith("FCE4D6") for c in leads)
    assert supports and all(not c.font.bold and c.fill.fgColor.rgb.endswith("DDEBF7") for c in supports)
    assert all(c.alignment.horizontal == "center" and c.border.bottom.style == "thin" for c in cells)
    assert ws.column_dimensions["E"].width >= 30  # task titles are readable
    for c in range(6, ws.max_column + 1):
        assert ws.column_dimensions[ws.cell(1, c).column_letter].width >= 7
    rows = [["" if v is None else str(v) for v in row] for row in ws.iter_rows(values_only=True)]
    check_matrix(rows, expected_cells)


def soffice() -> str | None:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if not found and os.environ.get("FENGONG_REQUIRE_ALL") == "1":
        pytest.fail("soffice (libreoffice-calc) is required (FENGONG_REQUIRE_ALL=1) but not installed")
    return found


@pytest.mark.slow
def test_workbook_opens_in_libreoffice_with_every_role_in_its_cell(store, expected_cells, tmp_path):
    binary = soffice()
    if binary is None:
        pytest.skip("soffice (libreoffice-calc) is not installed")
    book = tmp_path / "matrix.xlsx"
    book.write_bytes(matrix_xlsx(store))
    profile = tmp_path / "profile"  # own profile: no clash with another running soffice
    result = subprocess.run(
        [binary, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
         "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir", str(tmp_path / "out"), str(book)],
        capture_output=True, text=True, timeout=240,
    )
    converted = tmp_path / "out" / "matrix.csv"
    assert converted.exists(), result.stdout + result.stderr
    rows = list(csv.reader(io.StringIO(converted.read_text(encoding="utf-8"))))
    rows = [row for row in rows if any(row)]
    assert len(rows) == 33
    check_matrix(rows, expected_cells)


def test_targets_table(store, sample_doc):
    table = targets_table(store)
    header, rows = table[0], table[1:]
    assert header == ["文件", "任务ID", "序号", "任务", "指标", "原文", "数值", "数值原文", "单位", "比较", "范围", "时期",
                      "责任单位"]
    assert len(rows) == len(sample_doc.all_targets())
    parking = next(r for r in rows if r[4] == "新增停车位")
    assert parking[2:4] == ["(十三)", "健全市政设施建设"]
    assert parking[6] == Decimal("100000") and parking[7] == "10万" and parking[8] == "个"
    assert parking[10] == "全省各设区市主城区"
    assert parking[12] == "省建设厅(牵头)"
    green = next(r for r in rows if r[4] == "新增绿地")
    assert green[9] == "≥"
    preamble = rows[0]
    assert preamble[3] == "(总体要求)" and preamble[11] == "2023年底" and preamble[12] == ""
    water = next(r for r in rows if r[4] == "农村饮用水薄弱点提升改造")
    assert water[12] == "省水利厅(牵头)、省建设厅(配合)"


def test_targets_files(store):
    from openpyxl import load_workbook

    data = targets_csv(store)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    parking = next(r for r in rows if r[4] == "新增停车位")
    assert parking[6] == "100000"
    ws = load_workbook(io.BytesIO(targets_xlsx(store))).active
    assert ws.title == "目标指标" and ws.freeze_panes == "E2" and ws.auto_filter.ref
    values = [row[6] for row in ws.iter_rows(min_row=2, values_only=True)]
    assert all(isinstance(v, (int, float)) for v in values)  # numbers, not text, in the workbook
    with pytest.raises(ValueError):
        export("matrix", "pdf", store)


def test_cli_export(tmp_path, expected_cells):
    from openpyxl import load_workbook

    from fengong.api.cli import main

    out = tmp_path / "m.xlsx"
    assert main(["export", "matrix", "--format", "xlsx", "--out", str(out)]) == 0
    rows = [["" if v is None else str(v) for v in row] for row in load_workbook(out).active.iter_rows(values_only=True)]
    check_matrix(rows, expected_cells)
    out = tmp_path / "t.csv"
    assert main(["export", "targets", "--out", str(out)]) == 0  # format from the suffix
    assert out.read_bytes().startswith(b"\xef\xbb\xbf\xe6\x96\x87\xe4\xbb\xb6")  # BOM + 文件
    assert main(["export", "matrix", "--out", str(tmp_path / "x.csv"), "--document", "nope"]) == 2
    assert main(["export", "matrix", "--data", str(tmp_path / "missing"), "--out", str(out)]) == 2


def test_api_downloads(store):
    from fastapi.testclient import TestClient

    from fengong.api.app import create_app
    from fengong.api.settings import Settings

    client = TestClient(create_app(Settings(), store=store))
    r = client.get("/api/v1/exports/matrix.xlsx")
    assert r.status_code == 200
    assert r.headers["content-type"] == MEDIA_TYPES["xlsx"]
    assert r.headers["content-disposition"].startswith('attachment; filename="responsibility-matrix.xlsx"')
    assert "filename*=UTF-8''%E4%BB%BB%E5%8A%A1%E5%88%86%E5%B7%A5%E8%A1%A8.xlsx" in r.headers["content-disposition"]
    assert r.content[:2] == b"PK"
    r = client.get("/api/v1/exports/matrix.csv")
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.content == matrix_csv(store)
    r = client.get("/api/v1/exports/targets.csv")
    assert r.status_code == 200 and r.content == targets_csv(store)
    r = client.get("/api/v1/exports/targets.xlsx")
    assert r.status_code == 200 and 'filename="targets.xlsx"' in r.headers["content-disposition"]
    r = client.get("/api/v1/exports/matrix.xlsx", params={"document": "1999-00000000"})
    assert r.status_code == 404
