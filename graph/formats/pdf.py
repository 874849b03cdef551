"""Text-layer .pdf → text, page by page; ruled tables row by row with tab-separated cells.
A scanned PDF (images only) has no text layer and gets a clear error: fengong does not do
OCR."""

from __future__ import annotations

import io
import re

from ..reading import ReadError

MAX_PAGES = 500


_HEADING_START = re.compile(r"^\s*([一二三四五六七八九十]+[、.．]|[(（][一二三四五六七八九十0-9]+[)）]|[0-9]+[.．、]|[①-⑳]|专栏|附件)")
_SENTENCE_END = tuple("。；;！!？?：:")


def join_wrapped_lines(page_text: str, width: int = 0) -> str:
    """Undo the layout's line wrapping: a line as long as the page is wide that does not end
    a sentence continues on the next line (unless that line starts a heading). Without
    this, a unit name broken across lines (省自然资源\n厅) would be lost. ``width``: the
    page's widest line in characters, when ``page_text`` is only part of the page."""
    lines = page_text.split("\n")
    width = width or max((len(line.rstrip()) for line in lines), default=0)
    out: list[str] = []
    for line in lines:
        if (out and width and len(out[-1]) >= 0.8 * width and not out[-1].rstrip().endswith(_SENTENCE_END)
                and not _HEADING_START.match(line)):
            out[-1] = out[-1].rstrip() + line.strip()
        else:
            out.append(line)
    return "\n".join(out)


def _page_text(page) -> str:
    """A page's text; its ruled tables (a 任务分工表) as one line per row with tab-separated
    cells, as a Word table is read, and the text around them as usual."""
    text = page.extract_text() or ""
    # A frame around a single column (a 专栏 box) is text, not a table.
    tables = sorted((t for t in page.find_tables() if max(len(row.cells) for row in t.rows) >= 2),
                    key=lambda t: t.bbox[1])
    if not tables:
        return join_wrapped_lines(text)
    # Lines are as wide as the page's widest: the text around a table alone is no measure.
    width = max((len(line.rstrip()) for line in text.split("\n")), default=0)
    parts, top = [], page.bbox[1]
    for table in tables:
        parts.append(_text_between(page, top, table.bbox[1], width))
        parts.append(_table_text(table))
        top = table.bbox[3]
    parts.append(_text_between(page, top, page.bbox[3], width))
    return "\n".join(p for p in parts if p)


def _text_between(page, top: float, bottom: float, width: int) -> str:
    if bottom - top < 1:
        return ""
    # Characters whose middle lies between the tables: a table's own text is read from its
    # cells (its first row's characters reach a little above its top line).
    def between(obj) -> bool:
        return obj.get("object_type") != "char" or top <= (obj["top"] + obj["bottom"]) / 2 < bottom

    return join_wrapped_lines(page.filter(between).extract_text() or "", width)


def _table_text(table) -> str:
    """Rows of a table, cells separated by tabs. A cell merged down several rows (one
    牵头单位 for two tasks) repeats on each row it covers; one merged across columns is
    written once."""
    rows, texts = table.rows, table.extract()
    lines = []
    for r, (row, values) in enumerate(zip(rows, texts)):
        cells = []
        for c, (box, value) in enumerate(zip(row.cells, values)):
            if box is None:
                above = _covering_text(rows, texts, r, c)
                if above is not None:
                    cells.append(above)
                continue
            cells.append(_cell_text(value or ""))
        lines.append("\t".join(cells))
    return "\n".join(lines)


def _covering_text(rows, texts, r: int, c: int) -> str | None:
    """The text of the cell of an earlier row that reaches down over row ``r`` in column
    ``c`` (a vertical merge), or None."""
    bottoms = [box[3] for box in rows[r].cells if box is not None]
    if not bottoms:
        return None
    for above in range(r - 1, -1, -1):
        box = rows[above].cells[c] if c < len(rows[above].cells) else None
        if box is not None:
            return _cell_text(texts[above][c] or "") if box[3] >= max(bottoms) - 0.5 else None
    return None


def _cell_text(value: str) -> str:
    """A cell's lines joined: a line wrapped by the cell's width continues the one before
    (市自然资源和规 / 划局); two lines that are each a unit are two units (市公安局 / 市税务局)."""
    from ..unit_types import looks_like_unit

    def unit(name: str) -> bool:
        return bool(_UNIT_HEAD.match(name)) and looks_like_unit(name)

    lines = [line.strip() for line in value.split("\n") if line.strip()]
    if not lines:
        return ""
    out = lines[0]
    for line in lines[1:]:
        out += "、" + line if unit(re.split(r"[、，,；;]", out)[-1]) and unit(line) else line
    return out


# How the name of a unit in a table cell starts: its jurisdiction (市公安局, 各区县政府).
_UNIT_HEAD = re.compile(r"^(省|市|县|区|州|盟|旗|镇|乡|街道|各|国家|国务院|中央|中共|团)")


def pdf_to_text(data: bytes) -> str:
    try:
        import pdfplumber

        pages: list[str] = []
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            if len(pdf.pages) > MAX_PAGES:
                raise ReadError(f"the PDF has {len(pdf.pages)} pages; at most {MAX_PAGES} are read")
            for page in pdf.pages:
                pages.append(_page_text(page))
    except ReadError:
        raise
    except Exception as exc:  # pdfminer raises many kinds on broken files
        raise ReadError(f"cannot read the PDF file: {type(exc).__name__}") from None
    text = "\n".join(pages)
    if len(re.sub(r"\s", "", text)) < 20:
        raise ReadError("the PDF has no text layer (a scanned image?); run OCR first or supply a .docx/.txt")
    # Page furniture: lone page numbers such as "- 3 -" or "第3页".
    text = re.sub(r"(?m)^\s*(-\s*\d+\s*-|第\s*\d+\s*页(\s*共\s*\d+\s*页)?|\d+)\s*$", "", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
