"""Formats beyond plain text: .docx (paragraphs and task tables), text-layer .pdf, a
scanned .pdf (a clear error), and a mixed folder."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from fengong.extract import extract_bytes, extract_file
from fengong.reading import ReadError, read_bytes

SAMPLE_TASKS = [
    ("（一）推进绿道建设。新建绿道500公里以上（省建设厅牵头，省林业局、省自然资源厅配合）。",),
    ("（二）优化医疗服务。建成社区卫生服务中心10家（省卫生健康委负责）。",),
]


def _docx_bytes(paragraphs: list[str], table: list[list[str]] | None = None) -> bytes:
    import docx

    d = docx.Document()
    for p in paragraphs:
        d.add_paragraph(p)
    if table:
        t = d.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, cell in enumerate(row):
                t.cell(r, c).text = cell
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def test_docx_paragraphs():
    data = _docx_bytes(["浙江省2024年工作要点", "一、总体要求", *[t[0] for t in SAMPLE_TASKS]])
    doc = extract_bytes(data, "plan.docx")
    assert [i.label for i in doc.items] == ["（一）", "（二）"]
    assert [(a.name, a.role.value) for a in doc.items[0].clauses[0].assignments] == [
        ("省建设厅", "lead"), ("省林业局", "support"), ("省自然资源厅", "support")]


def test_docx_task_table():
    table = [["序号", "重点任务", "牵头单位", "配合单位", "完成时限"],
             ["1", "推进绿道建设，新建绿道500公里。", "省建设厅", "省林业局、省自然资源厅", "2024年底"],
             ["2", "优化医疗服务。", "省卫生健康委", "", "长期"]]
    doc = extract_bytes(_docx_bytes(["浙江省2024年重点任务分工方案", "为抓好落实，制定本方案。"], table), "t.docx")
    assert [i.label for i in doc.items] == ["1", "2"]
    assert [(a.name, a.role.value) for a in doc.items[0].clauses[0].assignments] == [
        ("省建设厅", "lead"), ("省林业局", "support"), ("省自然资源厅", "support")]
    assert doc.items[0].deadline == "2024年底"
    assert doc.items[0].targets[0].value == 500


def test_zip_bomb_disguised_as_docx_is_refused():
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", b"0" * (300 * 1024 * 1024))
    with pytest.raises(ReadError, match="zip bomb"):
        read_bytes(buf.getvalue(), "bomb.docx")


def test_garbage_docx_is_a_clear_error():
    with pytest.raises(ReadError, match="not a valid Word document"):
        read_bytes(b"PK\x03\x04 not really a zip", "x.docx")


def _soffice() -> str | None:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if not found and os.environ.get("FENGONG_REQUIRE_ALL") == "1":
        pytest.fail("LibreOffice (soffice) is required in CI")
    return found


def test_text_layer_pdf(tmp_path):
    soffice = _soffice()
    if not soffice:
        pytest.skip("LibreOffice not installed (needed to make a PDF fixture)")
    src = tmp_path / "plan.docx"
    src.write_bytes(_docx_bytes(["浙江省2024年工作要点", "一、总体要求", *[t[0] for t in SAMPLE_TASKS]]))
    subprocess.run([soffice, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(src)],
                   check=True, capture_output=True, timeout=180,
                   env={**os.environ, "HOME": str(tmp_path)})
    doc = extract_file(tmp_path / "plan.pdf")
    assert [i.label for i in doc.items] == ["（一）", "（二）"]
    assert [(a.name, a.role.value) for a in doc.items[0].clauses[0].assignments] == [
        ("省建设厅", "lead"), ("省林业局", "support"), ("省自然资源厅", "support")]


def test_scanned_pdf_gets_a_clear_error(tmp_path):
    from PIL import Image

    path = tmp_path / "scan.pdf"
    Image.new("RGB", (200, 100), "white").save(path)
    with pytest.raises(ReadError, match="no text layer"):
        extract_file(path)


@pytest.mark.parametrize("name,data", [
    ("x.ofd", b"PK\x03\x04"),
    ("x.png", b"\x89PNG\r\n"),
])
def test_unsupported_types(name, data):
    with pytest.raises(ReadError, match="unsupported file type"):
        read_bytes(data, name)


def test_mixed_folder_ingests_in_one_command(tmp_path):
    """.txt in GB18030 and UTF-8, .html, .docx and .pdf in one folder, one command; each
    file it cannot read gets one clear line naming it, and the others are ingested."""
    import sys

    folder = tmp_path / "in"
    folder.mkdir()

    def plan(city: str, unit: str) -> list[str]:
        return [f"{city}2024年重点工作要点", "一、总体要求", f"（一）推进绿道建设。新建绿道50公里以上（{unit}牵头，市财政局配合）。"]

    (folder / "a-utf8.txt").write_text("\n".join(plan("杭州市", "市建委")), encoding="utf-8")
    (folder / "b-gb.txt").write_bytes("\n".join(plan("宁波市", "市住建局")).encode("gb18030"))
    (folder / "c.html").write_text("<html><body>" + "".join(f"<p>{p}</p>" for p in plan("温州市", "市建设局"))
                                   + "</body></html>", encoding="utf-8")
    (folder / "d.docx").write_bytes(_docx_bytes(plan("嘉兴市", "市建设局")))
    expected_ok = 4
    soffice = _soffice()
    if soffice:
        src = tmp_path / "e.docx"
        src.write_bytes(_docx_bytes(plan("湖州市", "市建设局")))
        subprocess.run([soffice, "--headless", "--convert-to", "pdf", "--outdir", str(folder), str(src)],
                       check=True, capture_output=True, timeout=180, env={**os.environ, "HOME": str(tmp_path)})
        expected_ok += 1
    from PIL import Image

    Image.new("RGB", (100, 100), "white").save(folder / "f-scan.pdf")
    (folder / "g-garbage.docx").write_bytes(b"PK\x03\x04garbage")
    r = subprocess.run([sys.executable, "-m", "fengong.api.cli", "ingest", str(folder), "--data", str(tmp_path / "data"),
                        "--no-progress"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 1, r.stderr
    assert "Traceback" not in r.stderr
    failures = [line for line in r.stderr.splitlines() if line.startswith("fengong ingest:")]
    assert len(failures) == 2
    assert any("f-scan.pdf" in f and "no text layer" in f for f in failures)
    assert any("g-garbage.docx" in f for f in failures)
    assert f"ingested {expected_ok} documents" in r.stdout


def _task_list_workbook() -> bytes:
    """A task list as kept in Excel: a title merged across the columns, a header, a section
    row merged across the columns, and a 牵头单位 merged down two tasks."""
    import io

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["某某市2024年优化营商环境重点任务清单"])
    sheet.merge_cells("A1:E1")
    sheet.append(["序号", "重点任务", "牵头单位", "配合单位", "完成时限"])
    sheet.append(["一、提升政务服务效能"])
    sheet.merge_cells("A3:E3")
    sheet.append([1, "推进企业开办全程网办，压缩开办时间至1个工作日以内", "市市场监管局", "市公安局、市税务局", "2024年6月底"])
    sheet.append([2, "深化“一件事”集成改革，新增集成服务20项", None, "市大数据局", "2024年12月底"])
    sheet.merge_cells("C4:C5")
    sheet.append([3, "优化纳税服务", "市税务局", None, "持续推进"])
    hidden = book.create_sheet("说明")
    hidden.append(["此表仅供内部参考"])
    hidden.sheet_state = "hidden"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_task_list_in_excel(tmp_path):
    data = _task_list_workbook()
    source = read_bytes(data, "清单.xlsx")
    assert source.format == "xlsx" and "此表仅供内部参考" not in source.text
    assert source.text.splitlines()[:2] == ["某某市2024年优化营商环境重点任务清单", "序号\t重点任务\t牵头单位\t配合单位\t完成时限"]
    assert read_bytes(data).format == "xlsx"  # sniffed without a name
    path = tmp_path / "清单.xlsx"
    path.write_bytes(data)
    doc = extract_file(path)
    assert doc.document.title == "某某市2024年优化营商环境重点任务清单"
    got = [[(a.name, a.role.value) for c in i.clauses for a in c.assignments] for i in doc.items]
    assert got == [
        [("市市场监管局", "lead"), ("市公安局", "support"), ("市税务局", "support")],
        [("市市场监管局", "lead"), ("市大数据局", "support")],  # the merged 牵头单位 covers task 2
        [("市税务局", "lead")],
    ]
    assert doc.items[0].deadline == "2024年6月底"
    # every fact still points into the stored text
    for item in doc.items:
        for clause in item.clauses:
            for a in clause.assignments:
                assert source.text[a.start:a.end] == a.name


def test_broken_workbooks_get_a_clear_error():
    with pytest.raises(ReadError, match="not a valid Excel workbook"):
        read_bytes(b"PK\x03\x04 not really", "x.xlsx")
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(ReadError, match="not an Excel workbook"):
        read_bytes(out.getvalue(), "x.xlsx")


def _converted(soffice: str, src, target: str):
    subprocess.run([soffice, "--headless", "--convert-to", target, "--outdir", str(src.parent), str(src)],
                   check=True, capture_output=True, timeout=180, env={**os.environ, "HOME": str(src.parent)})
    return src.with_suffix("." + target)


def test_doc_and_xls_through_libreoffice(tmp_path):
    soffice = _soffice()
    if not soffice:
        pytest.skip("LibreOffice not installed")
    src = tmp_path / "plan.docx"
    src.write_bytes(_docx_bytes(["浙江省2024年工作要点", "一、总体要求", *[t[0] for t in SAMPLE_TASKS]]))
    doc_file = _converted(soffice, src, "doc")
    doc = extract_file(doc_file)
    assert [i.label for i in doc.items] == ["（一）", "（二）"]
    assert [(a.name, a.role.value) for a in doc.items[0].clauses[0].assignments] == [
        ("省建设厅", "lead"), ("省林业局", "support"), ("省自然资源厅", "support")]
    # WPS 文字 saves Word 97 files under .wps
    assert read_bytes(doc_file.read_bytes(), "plan.wps").text == read_bytes(doc_file.read_bytes(), "plan.doc").text
    book = tmp_path / "list.xlsx"
    book.write_bytes(_task_list_workbook())
    xls = _converted(soffice, book, "xls")
    source = read_bytes(xls.read_bytes(), "list.xls")
    assert source.format == "xls" and source.text == read_bytes(book.read_bytes(), "list.xlsx").text


def test_office_files_that_are_not_what_they_say_or_cannot_be_converted(tmp_path, monkeypatch):
    from fengong.formats import office

    with pytest.raises(ReadError, match="not a .doc document"):
        read_bytes("某某市工作要点\n一、任务\n1.推进。（市发改委）\n".encode(), "plan.doc")
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512
    monkeypatch.setenv("FENGONG_SOFFICE", str(tmp_path / "no-such-program"))
    with pytest.raises(ReadError, match="LibreOffice, which is not installed"):
        read_bytes(ole, "plan.doc")
    hang = tmp_path / "hang"
    hang.write_text("#!/bin/sh\nsleep 60\n")
    hang.chmod(0o755)
    monkeypatch.setenv("FENGONG_SOFFICE", str(hang))
    import time

    started = time.monotonic()
    with pytest.raises(ReadError, match="longer than 1 s"):
        office.convert(ole, ".doc", timeout=1)
    assert time.monotonic() - started < 30  # killed, not waited for
    monkeypatch.setenv("FENGONG_SOFFICE", "true")  # converts nothing
    with pytest.raises(ReadError, match="could not convert"):
        read_bytes(ole, "plan.xls")
    with pytest.raises(ReadError, match="unsupported file type"):
        read_bytes(ole)  # an older Office file without a name: which one is unknown


def test_pdf_task_table_with_merged_and_wrapped_cells(tmp_path):
    """A 任务分工表 printed to PDF: ruled cells, text wrapped inside them, and one 牵头单位
    merged down two rows; the text around the table stays text."""
    soffice = _soffice()
    if not soffice:
        pytest.skip("LibreOffice not installed (needed to make a PDF fixture)")
    import docx

    d = docx.Document()
    d.add_paragraph("某某市2024年优化营商环境重点任务清单")
    d.add_paragraph("为抓好落实，制定本清单。")
    rows = [["序号", "重点任务", "牵头单位", "配合单位", "完成时限"],
            ["1", "推进企业开办全程网办，压缩开办时间至1个工作日以内，实现企业开办“一网通办”全覆盖",
             "市市场监管局", "市公安局、市税务局、市人力资源和社会保障局", "2024年6月底"],
            ["2", "深化“一件事”集成改革，新增集成服务20项", "", "市大数据局", "2024年12月底"],
            ["3", "优化纳税服务", "市税务局", "", "持续推进"]]
    table = d.add_table(rows=len(rows), cols=5)
    table.style = "Table Grid"
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    table.cell(1, 2).merge(table.cell(2, 2))
    d.add_paragraph("各责任单位要按时报送进展。")
    src = tmp_path / "list.docx"
    d.save(src)
    pdf = _converted(soffice, src, "pdf")
    text = read_bytes(pdf.read_bytes(), "list.pdf").text
    lines = text.splitlines()
    assert lines[:2] == ["某某市2024年优化营商环境重点任务清单", "为抓好落实，制定本清单。"]
    assert lines[-1] == "各责任单位要按时报送进展。" and text.count("序号") == 1
    doc = extract_file(pdf)
    got = [(i.title, [(a.name, a.role.value) for c in i.clauses for a in c.assignments], i.deadline) for i in doc.items]
    assert got == [
        ("推进企业开办全程网办，压缩开办时间至1个工作日以内，实现企业开办“一网通办”全覆盖",
         [("市市场监管局", "lead"), ("市公安局", "support"), ("市税务局", "support"), ("市人力资源和社会保障局", "support")],
         "2024年6月底"),
        ("深化“一件事”集成改革，新增集成服务20项", [("市市场监管局", "lead"), ("市大数据局", "support")], "2024年12月底"),
        ("优化纳税服务", [("市税务局", "lead")], "持续推进"),
    ]


def test_cell_lines_join_as_wrapped_text_or_as_units():
    from fengong.formats.pdf import _cell_text

    assert _cell_text("市自然资源和规\n划局") == "市自然资源和规划局"
    assert _cell_text("市公安局\n市税务局") == "市公安局、市税务局"
    assert _cell_text("推进企业开办\n全程网办") == "推进企业开办全程网办"


_NUMBERING = """<w:numbering xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:abstractNum w:abstractNumId="7">
 <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl>
 <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="（%2）"/></w:lvl>
 <w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%3."/></w:lvl>
</w:abstractNum>
<w:abstractNum w:abstractNumId="8">
 <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="bullet"/><w:lvlText w:val="•"/></w:lvl>
</w:abstractNum>
<w:num w:numId="3"><w:abstractNumId w:val="7"/></w:num>
<w:num w:numId="4"><w:abstractNumId w:val="8"/></w:num>
</w:numbering>"""


def _numbered_docx(paragraphs: list[tuple[str, int | None, str]]) -> bytes:
    """A .docx whose headings are numbered by Word's list numbering, not typed:
    (text, level or None, numId)."""
    import docx
    from docx.oxml import parse_xml

    d = docx.Document()
    d.part.numbering_part._element = parse_xml(_NUMBERING)
    for text, level, num_id in paragraphs:
        p = d.add_paragraph(text)
        if level is not None:
            p._p.get_or_add_pPr().append(parse_xml(
                '<w:numPr xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                f'<w:ilvl w:val="{level}"/><w:numId w:val="{num_id}"/></w:numPr>'))
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def test_word_list_numbering_is_written_out():
    data = _numbered_docx([
        ("某省2024年工作要点", None, ""), ("推进城市更新", 0, "3"),
        ("实施老旧小区改造。改造小区500个（省建设厅牵头，省财政厅配合）。", 1, "3"),
        ("细化改造清单", 2, "3"), ("推进城中村改造（省建设厅负责）。", 1, "3"),
        ("要点说明", 0, "4"),  # a bullet: no number
        ("推进乡村振兴", 0, "3"), ("建设高标准农田（省农业农村厅负责）。", 1, "3")])
    text = read_bytes(data, "plan.docx").text
    assert text.splitlines() == [
        "某省2024年工作要点", "一、推进城市更新", "（一）实施老旧小区改造。改造小区500个（省建设厅牵头，省财政厅配合）。",
        "1.细化改造清单", "（二）推进城中村改造（省建设厅负责）。", "要点说明", "二、推进乡村振兴",
        "（一）建设高标准农田（省农业农村厅负责）。"]  # the second section's items count from one again
    doc = extract_bytes(data, "plan.docx")
    assert [(i.label, [(a.name, a.role.value) for c in i.clauses for a in c.assignments]) for i in doc.items] == [
        ("（一）", [("省建设厅", "lead"), ("省财政厅", "support")]), ("（二）", [("省建设厅", "lead")]),
        ("（一）", [("省农业农村厅", "lead")])]


def test_chinese_numerals_and_number_formats():
    from fengong.formats.docx_numbering import format_number
    from fengong.numerals import chinese_numeral

    assert [chinese_numeral(n) for n in (1, 9, 10, 11, 19, 20, 21, 99, 100, 101, 110)] == [
        "一", "九", "十", "十一", "十九", "二十", "二十一", "九十九", "一百", "一百零一", "一百一十"]
    assert [format_number(3, f) for f in ("decimal", "chineseCountingThousand", "decimalEnclosedCircle",
                                          "lowerLetter", "upperRoman", "decimalFullWidth")] == [
        "3", "三", "③", "c", "III", "３"]
