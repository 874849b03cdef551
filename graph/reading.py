"""Reading: bytes or files in, one stored text out.

The stored text is what every character offset of the extraction points into, so it is
produced once here and never changed afterwards. Encodings: UTF-8 with or without BOM,
UTF-16 with BOM, GB18030 (a superset of GBK and GB2312, common on government sites).
HTML pages lose their markup and navigation and keep their text, one block per line.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from pathlib import Path

from .html_text import html_to_text


class ReadError(ValueError):
    """The input cannot be read as a document; the message is one line for a person."""


@dataclass(frozen=True)
class SourceText:
    text: str
    format: str  # "text", "html", "docx", "xlsx", "pdf", or an office format read through LibreOffice ("doc" …)
    encoding: str | None = None
    source: str | None = None


_HTML_SNIFF = re.compile(rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body|meta|div|p)\b", re.I | re.S)


def decode(data: bytes) -> tuple[str, str]:
    """Decode document bytes, returning ``(text, encoding)``.

    >>> decode("省建设厅".encode("gb18030"))
    ('省建设厅', 'gb18030')
    """
    if data.startswith(codecs.BOM_UTF8):
        return _strict(data[len(codecs.BOM_UTF8):], "utf-8"), "utf-8-sig"
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        return _strict(data, "utf-16"), "utf-16"
    if b"\x00" in data[:4096]:
        raise ReadError("the file holds binary data (NUL bytes), not text")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise ReadError(
            f"cannot decode the file as UTF-8 or GB18030 (bad byte at offset {exc.start})"
        ) from None
    if not _mostly_text(text):
        raise ReadError("the file does not decode to readable text in UTF-8 or GB18030")
    return text, "gb18030"


def _strict(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ReadError(f"cannot decode the file as {encoding} (bad byte at offset {exc.start})") from None


def _mostly_text(text: str) -> bool:
    """GB18030 decodes almost any byte string; reject results that are mostly rare symbols."""
    if not text:
        return True
    good = sum(1 for ch in text if ch.isprintable() or ch in "\n\r\t" or "\u4e00" <= ch <= "\u9fff")
    cjk = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff" or ch.isascii())
    return good / len(text) > 0.95 and cjk / len(text) > 0.5


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


#: Formats read through a local LibreOffice (:mod:`fengong.formats.office`).
OFFICE_SUFFIXES = (".doc", ".wps", ".rtf", ".odt", ".xls", ".et", ".ods")


def read_bytes(data: bytes, filename: str | None = None) -> SourceText:
    """Turn the bytes of a document into its stored text.

    The format comes from the file name's extension, or from sniffing the bytes.
    """
    suffix = Path(filename).suffix.lower() if filename else ""
    if not data.strip():
        raise ReadError("the file is empty")
    if suffix == ".xlsx" or (not suffix and data[:2] == b"PK" and _zip_has(data, "xl/workbook.xml")):
        from .formats.xlsx import xlsx_to_text

        return SourceText(xlsx_to_text(data), "xlsx", None, filename)
    if suffix == ".docx" or (not suffix and data[:2] == b"PK"):
        from .formats.docx import docx_to_text

        return SourceText(docx_to_text(data), "docx", None, filename)
    if suffix == ".pdf" or data[:5] == b"%PDF-":
        from .formats.pdf import pdf_to_text

        return SourceText(pdf_to_text(data), "pdf", None, filename)
    if suffix in OFFICE_SUFFIXES:
        from .formats import office

        converted, kind = office.convert(data, suffix)
        if kind == "xlsx":
            from .formats.xlsx import xlsx_to_text

            return SourceText(xlsx_to_text(converted), suffix[1:], None, filename)
        from .formats.docx import docx_to_text

        return SourceText(docx_to_text(converted), suffix[1:], None, filename)
    if suffix in (".ofd", ".zip", ".png", ".jpg", ".jpeg", ".gif") or (not suffix and data[:4] == b"\xd0\xcf\x11\xe0"):
        raise ReadError(f"unsupported file type {suffix or '(an older Office file without a name)'}: "
                        "convert it to .docx, .xlsx, .pdf, .html or .txt")
    text, encoding = decode(data)
    if suffix in (".html", ".htm", ".shtml", ".xhtml") or (
        suffix not in (".txt", ".text") and _HTML_SNIFF.match(data[:2048])
    ):
        return SourceText(normalise_newlines(html_to_text(text)), "html", encoding, filename)
    return SourceText(normalise_newlines(text), "text", encoding, filename)


def _zip_has(data: bytes, name: str) -> bool:
    """Whether ``data`` is a zip archive with a member ``name`` (an .xlsx or a .docx)."""
    import io
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return name in z.namelist()
    except zipfile.BadZipFile:
        return False


def read_file(path: str | Path) -> SourceText:
    """Read a document file (text in any common Chinese encoding, HTML, .docx, .xlsx, .pdf;
    .doc, .wps, .xls, .et, .rtf, .odt, .ods through a local LibreOffice)."""
    p = Path(path)
    if not p.exists():
        raise ReadError(f"no such file: {p}")
    if p.is_dir():
        raise ReadError(f"{p} is a folder, not a document file")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise ReadError(f"cannot read {p}: {exc.strerror}") from None
    return read_bytes(data, p.name)


def sample_path() -> Path:
    """The bundled sample document, the embedded default."""
    from importlib import resources

    return Path(str(resources.files("fengong.data").joinpath("zhejiang-2023-urbanization-work-points.txt")))
