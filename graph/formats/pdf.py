"""Text-layer .pdf → text, page by page. A scanned PDF (images only) has no text layer and
gets a clear error: fengong does not do OCR."""

from __future__ import annotations

import io
import re

from ..reading import ReadError

MAX_PAGES = 500


def pdf_to_text(data: bytes) -> str:
    try:
        import pdfplumber

        pages: list[str] = []
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            if len(pdf.pages) > MAX_PAGES:
                raise ReadError(f"the PDF has {len(pdf.pages)} pages; at most {MAX_PAGES} are read")
            for page in pdf.pages:
                pages.append(page.extract_text() or "")
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
