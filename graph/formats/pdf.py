"""Text-layer .pdf → text, page by page. A scanned PDF (images only) has no text layer and
gets a clear error: fengong does not do OCR."""

from __future__ import annotations

import io
import re

from ..reading import ReadError

MAX_PAGES = 500


_HEADING_START = re.compile(r"^\s*([一二三四五六七八九十]+[、.．]|[(（][一二三四五六七八九十0-9]+[)）]|[0-9]+[.．、]|[①-⑳]|专栏|附件)")
_SENTENCE_END = tuple("。；;！!？?：:")


def join_wrapped_lines(page_text: str) -> str:
    """Undo the layout's line wrapping: a line as long as the page is wide that does not end
    a sentence continues on the next line (unless that line starts a heading). Without
    this, a unit name broken across lines (省自然资源\n厅) would be lost."""
    lines = page_text.split("\n")
    width = max((len(line.rstrip()) for line in lines), default=0)
    out: list[str] = []
    for line in lines:
        if (out and width and len(out[-1]) >= 0.8 * width and not out[-1].rstrip().endswith(_SENTENCE_END)
                and not _HEADING_START.match(line)):
            out[-1] = out[-1].rstrip() + line.strip()
        else:
            out.append(line)
    return "\n".join(out)


def pdf_to_text(data: bytes) -> str:
    try:
        import pdfplumber

        pages: list[str] = []
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            if len(pdf.pages) > MAX_PAGES:
                raise ReadError(f"the PDF has {len(pdf.pages)} pages; at most {MAX_PAGES} are read")
            for page in pdf.pages:
                pages.append(join_wrapped_lines(page.extract_text() or ""))
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
