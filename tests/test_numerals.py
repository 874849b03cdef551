"""Chinese and Arabic numerals: fengong.numerals."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fengong.numerals import normalize_digits, parse_chinese_integer, parse_quantity

_DIGITS = "零一二三四五六七八九"
_FULLWIDTH = str.maketrans("0123456789.", "０１２３４５６７８９．")


def _section(n: int) -> str:
    """1..9999 in standard Chinese numerals, with 零 for inner gaps: 1005 -> 一千零五."""
    out, gap, started = "", False, False
    for unit, char in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = n // unit % 10
        if d == 0:
            gap = gap or started
            continue
        if gap:
            out += "零"
            gap = False
        out += _DIGITS[d] + char
        started = True
    return out


def to_chinese(n: int, short_ten: bool = True) -> str:
    """An independent formatter for the round-trip properties (n < 10**16)."""
    if n == 0:
        return "零"
    out, pending_zero = "", False
    for value, unit in ((n // 10**8, "亿"), (n // 10**4 % 10**4, "万"), (n % 10**4, "")):
        if value == 0:
            pending_zero = pending_zero or bool(out)
            continue
        if out and (pending_zero or value < 1000):
            out += "零"
        out += (to_chinese(value, short_ten=False) if value >= 10**4 else _section(value)) + unit
        pending_zero = False
    if short_ten and out.startswith("一十"):
        out = out[1:]  # 十五, not 一十五, at the head of a number
    return out


# -- examples -------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "written, value",
    [
        ("一", 1), ("十", 10), ("十五", 15), ("一十五", 15), ("二十", 20), ("三十二", 32),
        ("一百", 100), ("一百零五", 105), ("一百一十", 110), ("两百", 200), ("一千零一十", 1010),
        ("三千", 3000), ("两千三百", 2300), ("一万", 10000), ("十万", 100000), ("十万零一十", 100010),
        ("一百万", 1000000), ("三千万", 30000000), ("一亿", 10**8), ("一亿零五", 10**8 + 5),
        ("两万亿", 2 * 10**12), ("廿三", 23), ("廿", 20), ("卅", 30), ("〇", 0), ("零", 0),
        ("二〇二三", 2023), ("壹佰贰拾", 120),
        # colloquial: a bare digit after a unit stands for the next lower place
        ("一百五", 150), ("三万五", 35000), ("两千三", 2300),
        ("32", 32), ("３２", 32), ("0", 0),
    ],
)
def test_parse_chinese_integer_examples(written, value):
    assert parse_chinese_integer(written) == value


@pytest.mark.parametrize("garbage", ["", "  ", "abc", "十十", "百百", "万万", "亿亿", "一百零", "十四五",
                                     "三十二个", "3万", "一千二千", "1.5"])
def test_parse_chinese_integer_rejects_garbage(garbage):
    with pytest.raises(ValueError):
        parse_chinese_integer(garbage)


@pytest.mark.parametrize(
    "written, value",
    [
        ("10万", 100000), ("1.1万", 11000), ("3000万", 30000000), ("25万", 250000), ("8万", 80000),
        ("1000万", 10000000), ("1.90", 1.9), ("73.5", 73.5), ("1,500", 1500), ("10,000,000", 10**7),
        ("１５００", 1500), ("１，５００", 1500), ("１．５万", 15000), ("三千", 3000), ("三千万", 3 * 10**7),
        ("1.5亿", 1.5e8), ("200亿", 2e10), ("2万亿", 2e12), ("3千万", 3e7), ("5百万", 5e6),
        ("5千", 5000), ("亿", 1e8), ("一点五万", 15000), ("十点五", 10.5), ("0.5", 0.5), (" 600 ", 600),
    ],
)
def test_parse_quantity_examples(written, value):
    assert parse_quantity(written) == value
    assert isinstance(parse_quantity(written), float)


@pytest.mark.parametrize("garbage", ["", "abc", "1.2.3", "1,50", "1,5000", ",500", "10万人", "73.5%",
                                     "万万", "十十", "1万2", "五点", "三千公里", "1e5", "-"])
def test_parse_quantity_rejects_garbage(garbage):
    with pytest.raises(ValueError):
        parse_quantity(garbage)


def test_decimal_magnitudes_are_exact():
    # 1.1 * 10000 is 11000.000000000002 in binary floating point; documents mean 11000.
    assert parse_quantity("1.1万") == 11000.0
    assert parse_quantity("0.7万") == 7000.0
    assert parse_quantity("2.3亿") == 230000000.0


def test_normalize_digits_keeps_length():
    s = "新增１５００．５公顷,１２％"
    out = normalize_digits(s)
    assert out == "新增1500.5公顷,12％"
    assert len(out) == len(s)


# -- properties -----------------------------------------------------------------------------

@given(st.integers(min_value=0, max_value=10**16 - 1))
def test_chinese_round_trip(n):
    assert parse_chinese_integer(to_chinese(n)) == n
    assert parse_chinese_integer(to_chinese(n, short_ten=False)) == n


@given(st.integers(min_value=0, max_value=10**15))
def test_chinese_quantity_round_trip(n):
    assert parse_quantity(to_chinese(n)) == n


@given(st.integers(min_value=2, max_value=10**12))
def test_liang_before_big_units(n):
    # 两 replaces 二 before 百/千/万/亿 without changing the value.
    written = to_chinese(n)
    for unit in "百千万亿":
        written = written.replace("二" + unit, "两" + unit)
    assert parse_chinese_integer(written) == n


@given(st.integers(min_value=0, max_value=10**9))
def test_wan_round_trip(n):
    assert parse_quantity(f"{n}万") == n * 10**4
    assert parse_quantity(f"{n:,}万") == n * 10**4
    assert parse_quantity(f"{n}".translate(_FULLWIDTH) + "万") == n * 10**4
    if 0 < n < 10**4:
        assert parse_quantity(to_chinese(n) + "万") == n * 10**4


@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=1, max_value=9999))
def test_decimal_wan_round_trip(whole, frac):
    written = f"{whole}.{frac:04d}"
    assert parse_quantity(written + "万") == float(Decimal(written) * 10**4)
    assert parse_quantity(written + "亿") == float(Decimal(written) * 10**8)


@given(st.integers(min_value=0, max_value=10**12))
def test_thousands_separators_and_fullwidth(n):
    assert parse_quantity(f"{n:,}") == n
    assert parse_quantity(f"{n}".translate(_FULLWIDTH)) == n
    assert parse_chinese_integer(f"{n}".translate(_FULLWIDTH)) == n


def test_chinese_numerals_read_back():
    from fengong.numerals import chinese_numeral, parse_chinese_integer

    for n in list(range(1, 200)) + [1000, 1001, 1010, 2345, 9999]:
        assert parse_chinese_integer(chinese_numeral(n)) == n, n
