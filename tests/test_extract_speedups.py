"""The fast paths of the extractor give what the plain character loops they replaced gave.

Each test keeps the old loop as the reference and compares on generated text rich in the
characters that matter (brackets, quotation marks, full stops, unit names)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from fengong.attribution import _CONJ, _longest_name_at
from fengong.regions import RegionRegistry, find_regions
from fengong.registry import DepartmentRegistry
from fengong.targets import _CLOSE_QUOTES, _OPEN_QUOTES, _Scanner

_DEPTH_ALPHABET = "。\n()（）\"“”‘’「」『』《》〈〉,;:!?的年底全省新增绿地10%公顷"


def _reference_depths(sc: _Scanner) -> tuple[list[int], list[int]]:
    """The per-character loop _Scanner._depths replaced."""
    pdepth: list[int] = []
    qdepth: list[int] = []
    p, quotes = 0, []
    for i in range(sc.start, sc.end):
        c = sc.norm[i]
        if sc._mask[i - sc.start]:
            pdepth.append(p)
            qdepth.append(len(quotes))
            continue
        if c in "。\n":
            p, quotes = 0, []
        if c == "(":
            pdepth.append(p)
            p += 1
        elif c == ")":
            p = max(0, p - 1)
            pdepth.append(p)
        else:
            pdepth.append(p)
        if c in _OPEN_QUOTES:
            qdepth.append(len(quotes))
            quotes.append(c)
        elif c in _CLOSE_QUOTES:
            opener = _OPEN_QUOTES[_CLOSE_QUOTES.index(c)]
            if opener in quotes:
                while quotes.pop() != opener:
                    pass
            qdepth.append(len(quotes))
        elif c == '"':
            if quotes and quotes[-1] == '"':
                quotes.pop()
                qdepth.append(len(quotes))
            else:
                qdepth.append(len(quotes))
                quotes.append(c)
        else:
            qdepth.append(len(quotes))
    return pdepth, qdepth


def _reference_sentence_start(sc: _Scanner, pos: int) -> int:
    s = pos
    while s > sc.start and not sc.blocked(s - 1) and sc.norm[s - 1] not in "。!?\n":
        s -= 1
    return s


@st.composite
def _windows(draw):
    text = draw(st.text(alphabet=_DEPTH_ALPHABET, min_size=1, max_size=80))
    start = draw(st.integers(0, len(text) - 1))
    end = draw(st.integers(start + 1, len(text)))
    spans = draw(st.lists(st.tuples(st.integers(0, len(text)), st.integers(0, len(text))), max_size=3))
    return text, start, end, [(min(a, b), max(a, b)) for a, b in spans]


@settings(max_examples=400, deadline=None)
@given(_windows())
def test_depths_match_the_character_loop(window):
    text, start, end, exclude = window
    sc = _Scanner(text, start, end, exclude)
    assert (sc.pdepth, sc.qdepth) == _reference_depths(sc)
    for pos in range(start + 1, end + 1):
        assert sc._sentence_start(pos) == _reference_sentence_start(sc, pos)


def _reference_longest_name_at(registry: DepartmentRegistry, text: str, i: int, end: int) -> int:
    """The startswith scan over names sharing the first character that was replaced."""
    for name in sorted((n for n in registry.names() if n[0] == text[i]), key=len, reverse=True):
        j = i + len(name)
        if j <= end and text.startswith(name, i):
            if j == end or text[j] in "、 " or _CONJ.match(text, j):
                return len(name)
    return 0


def test_longest_name_at_matches_the_scan():
    registry = DepartmentRegistry.default()
    names = registry.names()[::7][:300]
    texts = ["、".join(names[k:k + 3]) + "和省政府" for k in range(0, len(names), 3)]
    texts += [n[:-1] + "、" + n + "牵头" for n in names[:100]]
    for text in texts:
        for end in (len(text), max(1, len(text) - 3)):
            for i in range(end):
                assert _longest_name_at(registry, text, i, end) == _reference_longest_name_at(registry, text, i, end)


def test_composites_skip_taken_characters():
    # 杭州 is a name (it takes its characters); 杭绍 and 甬舟 are composites around it.
    found = [(m.name, m.start, m.end) for m in find_regions("杭州杭绍甬舟。杭绍甬舟")]
    assert found == [("杭州", 0, 2), ("杭绍甬舟", 2, 6), ("杭绍甬舟", 7, 11)]
    reg = RegionRegistry.default()
    assert find_regions("甬舟", registry=reg)[0].members == ["330200", "330900"]
