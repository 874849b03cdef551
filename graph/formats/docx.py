""".docx → text: paragraphs in order (with the numbers Word's list numbering draws before
them), tables as one line per row with tab-separated cells.

A .docx is a zip archive; a hostile one can expand to gigabytes (a zip bomb), so the
archive's declared sizes are checked before anything is decompressed.
"""

from __future__ import annotations

import io
import zipfile

from ..reading import ReadError

MAX_UNCOMPRESSED = 200 * 1024 * 1024  # bytes, all members together
MAX_RATIO = 200  # uncompressed / compressed, for the archive as a whole


def _check_archive(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
            names = {i.filename for i in infos}
    except zipfile.BadZipFile:
        raise ReadError("the .docx file is not a valid Word document (not a zip archive)") from None
    if "word/document.xml" not in names:
        raise ReadError("the .docx file is not a Word document (no word/document.xml)")
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    if total > MAX_UNCOMPRESSED or total / packed > MAX_RATIO:
        raise ReadError("the .docx file expands to an unreasonable size (possible zip bomb); refused")


def docx_to_text(data: bytes) -> str:
    """Text of a Word document, body paragraphs and tables in document order."""
    _check_archive(data)
    try:
        import docx  # python-docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises many kinds on broken files
        raise ReadError(f"cannot read the .docx file: {type(exc).__name__}") from None
    from .docx_numbering import ListNumbers

    numbers = ListNumbers(document)
    lines: list[str] = []
    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraph = Paragraph(child, document)
            text = paragraph.text.strip()
            label = numbers.label(paragraph)  # Word's automatic 一、/（一）/1. numbering
            lines.append(label + text if text else text)
        elif tag == "tbl":
            table = Table(child, document)
            for row in table.rows:
                cells, seen = [], set()
                for cell in row.cells:
                    # Merged cells repeat the same object; keep each once.
                    if id(cell._tc) in seen:
                        continue
                    seen.add(id(cell._tc))
                    cells.append(" ".join(p.text.strip() for p in cell.paragraphs if p.text.strip()))
                lines.append("\t".join(cells))
            lines.append("")
    text = "\n".join(lines).strip()
    if not text:
        raise ReadError("the .docx file holds no text")
    return text + "\n"
