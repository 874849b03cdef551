"""Referenced documents: the 《…》 titles a work plan cites.

A title is kept exactly as written, brackets included, with its span into the full text, so
``text[ref.start:ref.end] == ref.title``. Titles may nest (《关于印发〈…〉的通知》, and the
same with 《》 inside 《》) and may contain spaces (a title split over two phrases stays one
title). A title never runs over a line break: an unclosed 《 is ignored.

>>> [r.title for r in find_references("研究制定《关于推进〈城乡融合〉的意见》,落实《方案》。")]
['《关于推进〈城乡融合〉的意见》', '《方案》']
"""

from __future__ import annotations

from .model import Reference

__all__ = ["find_references", "MAX_TITLE_LENGTH"]

OPEN, CLOSE = "《", "》"
# Longer than any real title; bounds the damage of a stray 《 on a very long line.
MAX_TITLE_LENGTH = 300
_LINE_BREAKS = "\n\r\u2028\u2029"


def find_references(text: str, start: int = 0, end: int | None = None) -> list[Reference]:
    """Every outermost 《…》 title lying wholly inside ``text[start:end]``, in text order.

    Offsets are into ``text`` (not the slice). Inner 《》 or 〈〉 are part of the outer title.
    Empty brackets 《》 are not titles.
    """
    end = len(text) if end is None else min(end, len(text))
    found: list[Reference] = []
    i = max(start, 0)
    while i < end:
        i = text.find(OPEN, i, end)
        if i < 0:
            break
        close = _closing(text, i, end)
        if close is None:
            i += 1  # unclosed: look for the next 《 after this one
            continue
        if close - i > 1:
            found.append(Reference(title=text[i : close + 1], start=i, end=close + 1))
        i = close + 1
    return found


def _closing(text: str, open_at: int, end: int) -> int | None:
    """Index of the 》 that closes the 《 at ``open_at`` (nesting counted), or None."""
    depth = 0
    limit = min(end, open_at + MAX_TITLE_LENGTH)
    for j in range(open_at, limit):
        ch = text[j]
        if ch == OPEN:
            depth += 1
        elif ch == CLOSE:
            depth -= 1
            if depth == 0:
                return j
        elif ch in _LINE_BREAKS:
            return None
    return None
