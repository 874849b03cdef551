"""Word's automatic list numbering, written out: the 一、 / （一） / 1. that Word draws in
front of a paragraph but that is not in the paragraph's text.

Many plans are drafted with numbered list styles; read as plain paragraph text, their
headings lose their numbers and the outline with them. :class:`ListNumbers` follows the
document's numbering definitions (``word/numbering.xml``): each paragraph's list and level
(from the paragraph or its style), the level's start, format (decimal, chineseCounting,
circled …) and text (``%1、``, ``（%2）``, ``%1.%2``), with one counter per list and deeper
levels restarting when a shallower one counts on. Bullets get no number.
"""

from __future__ import annotations

from docx.oxml.ns import qn

from ..numerals import chinese_numeral

_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def _roman(n: int) -> str:
    out = ""
    for value, letters in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                           (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out, n = out + letters, n - value
    return out


def format_number(n: int, fmt: str) -> str:
    """``n`` in a Word number format (``w:numFmt``)."""
    if fmt.startswith(("chineseCounting", "chineseLegal", "ideographDigital", "japaneseCounting", "taiwaneseCounting")):
        return chinese_numeral(n)
    if fmt.startswith("decimalEnclosedCircle") and 1 <= n <= len(_CIRCLED):
        return _CIRCLED[n - 1]
    if fmt == "decimalFullWidth":
        return str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    if fmt in ("lowerLetter", "upperLetter"):
        letter = chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)
        return letter.upper() if fmt == "upperLetter" else letter
    if fmt in ("lowerRoman", "upperRoman"):
        return _roman(n).lower() if fmt == "lowerRoman" else _roman(n)
    return str(n)


class ListNumbers:
    """The numbers Word draws before the paragraphs of one document, in reading order:
    call :meth:`label` for every body paragraph, in order."""

    def __init__(self, document) -> None:
        self._levels: dict[str, dict[int, tuple[int, str, str]]] = {}  # numId -> ilvl -> (start, fmt, text)
        self._counters: dict[str, dict[int, int]] = {}
        self._styles = document.styles
        try:
            numbering = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            return
        abstract = {a.get(qn("w:abstractNumId")): a for a in numbering.findall(qn("w:abstractNum"))}
        for num in numbering.findall(qn("w:num")):
            ref = num.find(qn("w:abstractNumId"))
            definition = abstract.get(ref.get(qn("w:val"))) if ref is not None else None
            if definition is None:
                continue
            levels = {}
            for lvl in definition.findall(qn("w:lvl")):
                levels[int(lvl.get(qn("w:ilvl"), "0"))] = (
                    int(_val(lvl, "w:start", "1")), _val(lvl, "w:numFmt", "decimal"), _val(lvl, "w:lvlText", ""))
            for override in num.findall(qn("w:lvlOverride")):
                ilvl = int(override.get(qn("w:ilvl"), "0"))
                start = override.find(qn("w:startOverride"))
                if start is not None and ilvl in levels:
                    levels[ilvl] = (int(start.get(qn("w:val"))), *levels[ilvl][1:])
            self._levels[num.get(qn("w:numId"))] = levels

    def label(self, paragraph) -> str:
        """The number drawn before ``paragraph`` (``""`` for none), counting it."""
        num_id, ilvl = self._list_of(paragraph)
        levels = self._levels.get(num_id) if num_id else None
        if not levels or ilvl not in levels:
            return ""
        counters = self._counters.setdefault(num_id, {})
        counters[ilvl] = counters.get(ilvl, levels[ilvl][0] - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]  # a deeper level starts again under the new number
        start, fmt, text = levels[ilvl]
        if fmt in ("bullet", "none"):
            return ""
        for k in range(ilvl, -1, -1):
            if f"%{k + 1}" in text:
                value = counters.get(k, levels.get(k, (1,))[0])
                text = text.replace(f"%{k + 1}", format_number(value, levels.get(k, (1, fmt))[1]))
        return text

    def _list_of(self, paragraph) -> tuple[str | None, int]:
        """(numId, ilvl) from the paragraph's own properties, else from its style's."""
        num_pr = paragraph._p.pPr.numPr if paragraph._p.pPr is not None else None
        style = paragraph.style
        while num_pr is None and style is not None:
            ppr = style.element.pPr
            num_pr = ppr.numPr if ppr is not None else None
            style = style.base_style
        if num_pr is None or num_pr.numId is None:
            return None, 0
        num_id = str(num_pr.numId.val)
        ilvl = num_pr.ilvl.val if num_pr.ilvl is not None else 0
        return (None if num_id == "0" else num_id), int(ilvl)


def _val(element, tag: str, default: str) -> str:
    child = element.find(qn(tag))
    return child.get(qn("w:val"), default) if child is not None else default
