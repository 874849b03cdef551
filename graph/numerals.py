"""Numbers as Chinese work plans write them: 三十二, 一百零五, 10万, 1.1万, 3000万, １５００.

Four plain functions:

* :func:`normalize_digits` maps full-width digits and the full-width decimal point to ASCII
  without changing the length of the string (offsets stay valid);
* :func:`parse_chinese_integer` reads an integer written in Chinese numerals (or digits);
* :func:`parse_quantity` reads a number as it stands before a unit in a document, with its
  magnitude word (万, 亿, 千万 …), and returns a float;
* :func:`chinese_numeral` writes an integer the way headings number it (十二, 一百零五).

>>> parse_chinese_integer("一百零五"), parse_quantity("1.1万"), parse_quantity("１，５００")
(105, 11000.0, 1500.0)
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

__all__ = [
    "CHINESE_DIGITS",
    "MAGNITUDES",
    "normalize_digits",
    "parse_chinese_integer",
    "parse_quantity",
    "chinese_numeral",
]

_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９．", "0123456789.")

#: Chinese digit characters, including the financial forms (壹贰叁…) and 两.
CHINESE_DIGITS: dict[str, int] = {
    "〇": 0, "零": 0, "○": 0,
    "一": 1, "壹": 1, "二": 2, "贰": 2, "两": 2, "三": 3, "叁": 3, "四": 4, "肆": 4,
    "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8, "捌": 8, "九": 9, "玖": 9,
}
_SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_WAN = "万萬"
_YI = "亿億"
# 廿 (20), 卅 (30), 卌 (40) are contractions of a digit and 十.
_CONTRACTIONS = {"廿": "二十", "卅": "三十", "卌": "四十"}

#: Magnitude words allowed after a number written in digits: 10万, 3千万, 1.5亿, 2万亿.
MAGNITUDES: dict[str, int] = {
    "": 1, "十": 10, "百": 100, "千": 1000, "万": 10**4, "十万": 10**5, "百万": 10**6,
    "千万": 10**7, "亿": 10**8, "十亿": 10**9, "百亿": 10**10, "千亿": 10**11, "万亿": 10**12,
}
_ARABIC = re.compile(r"(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s*(" + "|".join(
    sorted((m for m in MAGNITUDES if m), key=len, reverse=True)) + r")?")


def normalize_digits(s: str) -> str:
    """Full-width digits ``０``–``９`` and ``．`` to ASCII; the length is unchanged.

    >>> normalize_digits("新增１５００．５公顷")
    '新增1500.5公顷'
    """
    return s.translate(_FULLWIDTH_DIGITS)


def parse_chinese_integer(s: str) -> int:
    """The integer written by ``s`` in Chinese numerals, or in (full-width) digits.

    Accepts the standard forms (三十二, 一百零五, 十万零一十, 两万亿), the colloquial
    abbreviations of a trailing digit (一百五 = 150, 三万五 = 35000), 廿/卅, financial
    forms (壹佰), and digit-by-digit writing (二〇二三 = 2023).

    >>> [parse_chinese_integer(x) for x in ("三十二", "一百零五", "廿三", "二〇二三", "１２")]
    [32, 105, 23, 2023, 12]

    Raises :class:`ValueError` for anything else.
    """
    t = normalize_digits(s.strip())
    if not t:
        raise ValueError("empty numeral")
    if t.isascii() and t.isdigit():
        return int(t)
    for k, v in _CONTRACTIONS.items():
        t = t.replace(k, v)
    bad = [c for c in t if c not in CHINESE_DIGITS and c not in _SMALL_UNITS and c not in _WAN + _YI]
    if bad:
        raise ValueError(f"not a Chinese numeral: {s!r}")
    if all(c in CHINESE_DIGITS for c in t):
        # Digit-by-digit writing, as in years: 二〇二三.
        return int("".join(str(CHINESE_DIGITS[c]) for c in t))
    return _yi_level(t, s)


def _yi_level(t: str, orig: str) -> int:
    idx = max(t.rfind(c) for c in _YI)
    if idx < 0:
        return _wan_level(t, orig)
    left, right = t[:idx], t[idx + 1:]
    if any(c in _YI for c in left):
        raise ValueError(f"malformed numeral: {orig!r}")
    head = _wan_level(left, orig) if left else 1
    if head == 0:
        raise ValueError(f"malformed numeral: {orig!r}")
    return head * 10**8 + _tail(right, 10**8, lambda x: _wan_level(x, orig), orig)


def _wan_level(t: str, orig: str) -> int:
    idx = max(t.rfind(c) for c in _WAN)
    if idx < 0:
        return _section(t, orig)
    left, right = t[:idx], t[idx + 1:]
    head = _section(left, orig) if left else 1
    if head == 0:
        raise ValueError(f"malformed numeral: {orig!r}")
    return head * 10**4 + _tail(right, 10**4, lambda x: _section(x, orig), orig)


def _section(t: str, orig: str) -> int:
    """A number below 10000: 三千零五十, 十五, 七."""
    if not t:
        raise ValueError(f"malformed numeral: {orig!r}")
    for unit in (1000, 100, 10):
        idx = max((t.rfind(c) for c, v in _SMALL_UNITS.items() if v == unit), default=-1)
        if idx < 0:
            continue
        left, right = t[:idx], t[idx + 1:]
        if left == "":
            head = 1
        elif len(left) == 1 and left in CHINESE_DIGITS and CHINESE_DIGITS[left] > 0:
            head = CHINESE_DIGITS[left]
        else:
            raise ValueError(f"malformed numeral: {orig!r}")
        return head * unit + _tail(right, unit, lambda x: _section(x, orig), orig)
    if len(t) == 1 and t in CHINESE_DIGITS:
        return CHINESE_DIGITS[t]
    raise ValueError(f"malformed numeral: {orig!r}")


def _tail(right: str, unit: int, parse, orig: str) -> int:
    """What follows a unit character: nothing, 零 + a smaller number, a smaller number, or
    (colloquially) one bare digit standing for the next lower place: 一百五 = 150."""
    if not right:
        return 0
    if right[0] in "零〇○":
        rest = right.lstrip("零〇○")
        if not rest:
            raise ValueError(f"malformed numeral: {orig!r}")
        value = parse(rest)
    elif len(right) == 1 and right in CHINESE_DIGITS:
        return CHINESE_DIGITS[right] * unit // 10
    else:
        value = parse(right)
    if value >= unit:
        raise ValueError(f"malformed numeral: {orig!r}")
    return value


def _chinese_decimal(t: str, orig: str) -> Decimal:
    """一点五万 -> 15000: integer part, 点, digits, optional magnitude word."""
    whole, _, rest = t.partition("点")
    k = 0
    while k < len(rest) and rest[k] in CHINESE_DIGITS:
        k += 1
    digits, magnitude = rest[:k], rest[k:]
    if not digits or magnitude not in MAGNITUDES:
        raise ValueError(f"not a quantity: {orig!r}")
    frac = "".join(str(CHINESE_DIGITS[c]) for c in digits)
    return Decimal(f"{parse_chinese_integer(whole) if whole else 0}.{frac}") * MAGNITUDES[magnitude]


def parse_quantity(s: str) -> float:
    """A number as written before a unit: digits with optional thousands separators,
    decimals and a magnitude word, or Chinese numerals.

    >>> [parse_quantity(x) for x in ("10万", "1.1万", "3000万", "1.90", "1,500", "三千", "1.5亿")]
    [100000.0, 11000.0, 30000000.0, 1.9, 1500.0, 3000.0, 150000000.0]

    Raises :class:`ValueError` on anything that is not such a number (units included:
    ``parse_quantity("10万人")`` fails).
    """
    t = normalize_digits(s.strip()).replace("，", ",")
    if not t:
        raise ValueError("empty quantity")
    m = _ARABIC.fullmatch(t)
    if m:
        try:
            number = Decimal(m.group(1).replace(",", "") + (m.group(2) or ""))
        except InvalidOperation as exc:  # pragma: no cover - the pattern admits only digits
            raise ValueError(f"not a quantity: {s!r}") from exc
        return float(number * MAGNITUDES[m.group(3) or ""])
    if any(c.isascii() for c in t):
        raise ValueError(f"not a quantity: {s!r}")
    if "点" in t:
        return float(_chinese_decimal(t, s))
    return float(parse_chinese_integer(t))


_NUMERAL_DIGITS = "零一二三四五六七八九"


def chinese_numeral(n: int) -> str:
    """一 … 十, 十一, 二十, 一百零五 (n from 1 to 9999).

    >>> [chinese_numeral(n) for n in (1, 10, 12, 20, 105, 1010)]
    ['一', '十', '十二', '二十', '一百零五', '一千零一十']
    """
    if n <= 0 or n > 9999:
        return str(n)
    if 10 <= n < 20:
        return "十" + (_NUMERAL_DIGITS[n - 10] if n > 10 else "")
    out, zero = "", False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // value % 10
        if digit:
            out += ("零" if zero else "") + _NUMERAL_DIGITS[digit] + unit
            zero = False
        elif out:
            zero = True
    return out
