"""Document metadata: title, 发文字号, issuer, issue and publication dates (GB/T 9704 elements).

Government pages put these in a few conventional places: the notice heading
(X关于印发《Y》的通知), a 发文字号 line (浙发改城镇函〔2023〕388号), the signature block
(issuer name, then the date), and the site's own 发布时间 line.
"""

from __future__ import annotations

import hashlib
import re

from .model import DocumentMeta
from .numerals import parse_chinese_integer

DOC_NUMBER = re.compile(
    r"[\u4e00-\u9fff]{1,16}\s*[〔\[［(（【]\s*(?P<year>(19|20)\d{2})\s*[〕\]］)）】]\s*\d{1,5}\s*号"
)
_DATE = re.compile(r"(?P<y>(19|20)\d{2})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日")
_CN_DATE = re.compile(r"(?P<y>[〇零一二三四五六七八九○]{4})年(?P<m>[一二三四五六七八九十]{1,2})月(?P<d>[一二三四五六七八九十]{1,3})日")
_PUBLISHED = re.compile(
    r"(发布时间|发布日期|发文日期|公开日期|成文日期|时间)\s*[:：]\s*"
    r"(?P<y>(19|20)\d{2})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})"
)
_SOURCE = re.compile(r"(信息来源|来源|发布机构|发文机关)\s*[:：]\s*(?P<name>[^\s|｜]+)")
# X关于印发《Y》的通知 (a notice wrapping the plan Y), X关于印发《Y》重点工作分工方案的通知, and
# X关于落实《Y》重点工作分工的意见 (the heading is the plan's own title).
_NOTICE = re.compile(r"^(?P<issuer>.{0,40}?)关于(?P<verb>印发|转发|下达)?(?P<title>.{2,80}?)的(通知|意见|实施意见|函|决定)")
_GENRE_WORDS = ("要点", "方案", "计划", "分工", "清单", "意见", "措施", "规划", "任务")
_CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def _iso(y: str, m: str, d: str) -> str | None:
    y_, m_, d_ = int(y), int(m), int(d)
    if 1 <= m_ <= 12 and 1 <= d_ <= 31:
        return f"{y_:04d}-{m_:02d}-{d_:02d}"
    return None


def _lines(text: str, limit: int) -> list[tuple[int, str]]:
    out, pos = [], 0
    for line in text[:limit].splitlines(keepends=True):
        out.append((pos, line.rstrip("\n")))
        pos += len(line)
    return out


def find_metadata(text: str, body_start: int, registry=None) -> tuple[DocumentMeta, int | None]:
    """Metadata from the head of the document (the text before ``body_start``, the first
    section or task) and its trailer. Returns the metadata and the offset of the end of the
    title line inside the head (where the preamble begins), if a title line was found."""
    meta = DocumentMeta()
    head = _lines(text, body_start)
    title_end: int | None = None

    for pos, line in head:
        stripped = line.strip()
        if not stripped:
            continue
        m = _NOTICE.match(stripped)
        if m and not meta.title:
            title = m.group("title").strip()
            if not m.group("verb"):
                title = stripped  # 关于…的意见 is itself the plan
            elif title.startswith("《") and title.endswith("》") and title.count("《") == 1:
                title = title[1:-1]
            meta.title = title
            meta.issuer_name = m.group("issuer").strip() or None  # 关于印发… without the issuer
            continue
        if not meta.doc_number:
            m = DOC_NUMBER.search(stripped)
            if m and len(stripped) < 40:
                meta.doc_number = re.sub(r"\s+", "", m.group(0))
                continue
        if not meta.published:
            m = _PUBLISHED.search(stripped)
            if m:
                meta.published = _iso(m.group("y"), m.group("m"), m.group("d"))
                continue
    # The title line: the plan's own title on a line of its own (after any notice).
    for pos, line in head:
        stripped = line.strip()
        if not stripped or len(stripped) > 60 or stripped.endswith(("。", "：", ":")):
            continue
        if meta.title and stripped == meta.title:
            title_end = pos + len(line)
        elif not meta.title and any(w in stripped for w in _GENRE_WORDS) and not _NOTICE.match(stripped):
            meta.title = stripped.strip("《》")
            title_end = pos + len(line)
    if not meta.title:
        first = next((line.strip() for _, line in head if line.strip()), None)
        meta.title = first[:80] if first else None

    # Signature block: the last standalone date line before the body (or anywhere in the
    # head); the line before it is the issuer when it names an organisation.
    for i, (pos, line) in enumerate(head):
        stripped = line.strip()
        date = _match_date(stripped)
        if date and len(stripped) <= 20:
            meta.issued = date
            for _, prev in reversed(head[:i]):
                if prev.strip():
                    name = prev.strip()
                    if _looks_like_issuer(name, registry):
                        meta.issuer_name = name
                    break
    if not meta.issuer_name:
        m = _SOURCE.search(text)
        if m:
            meta.issuer_name = m.group("name")
    if meta.issuer_name and registry is not None:
        dept = registry.resolve(meta.issuer_name)
        meta.issuer = dept.id if dept else None
    return meta, title_end


def _match_date(s: str) -> str | None:
    m = _DATE.fullmatch(s)
    if m:
        return _iso(m.group("y"), m.group("m"), m.group("d"))
    m = _CN_DATE.fullmatch(s)
    if m:
        try:
            y = "".join(str(_CN_DIGITS[c]) for c in m.group("y"))
            return _iso(y, str(parse_chinese_integer(m.group("m"))), str(parse_chinese_integer(m.group("d"))))
        except (KeyError, ValueError):
            return None
    return None


def _looks_like_issuer(name: str, registry) -> bool:
    if registry is not None and registry.resolve(name):
        return True
    return bool(re.search(r"(委员会|政府|厅|局|办公室|委|部|院)$", name)) and len(name) <= 30


def document_id(meta: DocumentMeta, text: str) -> str:
    """Deterministic id: the year and a hash of the 发文字号 (or title, or text).

    The same document read twice gets the same id, so re-ingesting replaces it.
    """
    basis = meta.doc_number or meta.title or text
    year = None
    for candidate in (meta.doc_number, meta.issued, meta.title, meta.published):
        m = re.search(r"(19|20)\d{2}", candidate or "")
        if m:
            year = m.group(0)
            break
    digest = hashlib.sha1(basis.encode("utf-8")).hexdigest()[:8]
    return f"{year}-{digest}" if year else f"doc-{digest}"
