"""The outline of a work plan: numbered headings, sections and items (tasks).

Headings are recognised at the start of a line by their numbering style:

====  ===================  =====================================
level  style                examples
====  ===================  =====================================
1      Chinese numeral、     一、 十二、 (also 一. 一．)
2      (Chinese numeral)    (一) （十三）
3      Arabic numeral.      1. 1、 1． 12.
4      (Arabic numeral)     (1) （2）
5      circled numeral      ① ⑫
====  ===================  =====================================

Sections are the top level present; tasks are the level below it, or the first level
further down whose headings carry attributions (一、 → (一) 方面 → 1. task): the headings in
between are group titles that end the task before them. A section with no heading at
that level has its own first level as tasks, or, with no numbered heading at all, the
一是、二是 … or the paragraphs of its text that name responsible units; so has a document
without any numbered heading. A document with only one level (a
flat list of tasks) has no sections. Deeper headings stay inside their task and are
reported as sub-items.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .numerals import parse_chinese_integer
from .unit_types import looks_like_unit

_CN = "〇零一二三四五六七八九十百两"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"

_HEADING_PATTERNS: list[tuple[int, re.Pattern[str]]] = [
    (1, re.compile(rf"(?P<label>(?P<num>[{_CN}]+)\s*[、.．])")),
    (2, re.compile(rf"(?P<label>[(（]\s*(?P<num>[{_CN}]+)\s*[)）])")),
    (3, re.compile(r"(?P<label>(?P<num>[0-9０-９]{1,3})\s*(?:[、．]|\.(?![0-9０-９])))")),
    (4, re.compile(r"(?P<label>[(（]\s*(?P<num>[0-9０-９]{1,3})\s*[)）])")),
    (5, re.compile(rf"(?P<label>(?P<num>[{_CIRCLED}]))")),
]

# Lines that end the body of a work plan on a web page or a formal document.
_TRAILER = re.compile(
    r"^\s*(信息来源|来源|附件\s*[:：0-9一二三四五六七八九十]|附件$|附表|抄送|抄报|扫一扫|打印本页|关闭窗口|"
    r"【打印】|【关闭】|责任编辑|分享到|相关链接|主办单位|版权所有)"
)
# Boxes and annexes inside the body that are not tasks.
_BOX = re.compile(r"^\s*专栏\s*[0-9０-９一二三四五六七八九十]*")


@dataclass
class Heading:
    level: int
    number: int  # the numeral's value
    label: str  # as written
    start: int  # offset of the label
    body_start: int  # offset right after the label
    line_end: int  # end of the heading's line


def _numeral_value(num: str) -> int | None:
    if num in _CIRCLED:
        return _CIRCLED.index(num) + 1
    try:
        return parse_chinese_integer(num)
    except ValueError:
        return None


def find_headings(text: str) -> list[Heading]:
    """Every numbered heading at the start of a line, in document order.

    >>> [h.label for h in find_headings("一、总体\\n(一)任务。\\n1.细项\\n")]
    ['一、', '(一)', '1.']
    """
    headings: list[Heading] = []
    pos = 0
    for line in text.splitlines(keepends=True):
        stripped = line.lstrip(" \t\u3000\ufeff")
        offset = pos + (len(line) - len(stripped))
        line_end = pos + len(line.rstrip("\n"))
        pos += len(line)
        for level, pattern in _HEADING_PATTERNS:
            m = pattern.match(stripped)
            if not m:
                continue
            value = _numeral_value(m.group("num"))
            if value is None:
                continue
            rest = stripped[m.end():].strip()
            # A bare number line ("2023.") or a date ("1、2月") is not a heading.
            if not rest or (level == 3 and re.match(r"[0-9０-９月日年%]", rest)):
                continue
            headings.append(Heading(level, value, m.group("label"), offset, offset + m.end(), line_end))
            break
    return headings


def _consistent(headings: list[Heading], level: int) -> list[Heading]:
    """Headings of one level that form plausible numbering sequences (1, 2, 3 … restarting
    anywhere at 1), dropping stray matches such as a sentence that starts with "1."."""
    kept: list[Heading] = []
    previous = 0
    for h in headings:
        if h.level != level:
            continue
        # Numbers restart in each section; a small gap is tolerated (an item left out of
        # an excerpt), a jump backwards or far ahead is a stray match.
        if h.number == 1 or previous < h.number <= previous + 3:
            kept.append(h)
            previous = h.number
    return kept


@dataclass
class Outline:
    sections: list[Heading]
    tasks: list[Heading]
    sub_items: list[Heading]
    body_end: int  # where the trailer (source line, annexes) begins
    boxes: list[tuple[int, int]] = field(default_factory=list)  # 专栏 boxes: not tasks
    # Headings between the section and the task level (一、 → (一) 方面 → 1. task): titles
    # only, but they end the task before them.
    groups: list[Heading] = field(default_factory=list)


def body_end(text: str, after: int) -> int:
    """Offset where the document's body ends: the first trailer line after ``after``."""
    pos = 0
    for line in text.splitlines(keepends=True):
        if pos >= after and _TRAILER.match(line):
            return pos
        pos += len(line)
    return len(text)


def box_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of 专栏 boxes: from the 专栏 line to the next blank line."""
    spans = []
    for m in re.finditer(r"(?m)^[ \t\u3000]*专栏[^\n]*\n", text[start:end]):
        s = start + m.start()
        nxt = text.find("\n\n", start + m.end())
        spans.append((s, nxt if 0 <= nxt < end else end))
    return spans


_ATTRIBUTION_HINT = re.compile(
    r"[(（][^()（）\n]{0,80}(牵头|负责|配合|参与|单位[:：])[^()（）\n]{0,80}[)）]|(牵头单位|责任单位)\s*[:：]")


def _task_level(text: str, headings: list[Heading], candidates: list[int], by_level: dict) -> int:
    """The heading level that carries the attributions: the shallowest level below the
    sections whose own text (up to the next heading of any level) names responsible
    units in at least a third of its headings. Headings above it are only titles, as in
    一、 → (一) 方面 → 1. task (X牵头)."""
    for level in candidates:
        if _carries_attributions(text, headings, by_level[level]):
            return level
    return candidates[0]


def _carries_attributions(text: str, headings: list[Heading], level_headings: list[Heading]) -> bool:
    """Whether at least a third of ``level_headings`` name responsible units in their own
    text (up to the next heading of any level)."""
    starts = sorted(h.start for h in headings) + [len(text)]
    hits = 0
    for h in level_headings:
        nxt = next(s for s in starts if s > h.start)
        if _ATTRIBUTION_HINT.search(text, h.start, nxt):
            hits += 1
    return bool(level_headings) and hits * 3 >= len(level_headings)


#: The level of tasks found in running text (一是 …, paragraphs): they end with their paragraph.
INLINE_LEVEL = 6
_INLINE_MARKER = re.compile(rf"(?:^|(?<=[。；;，,：:\n]))[ \t\u3000]*(?P<label>(?P<num>[{_CN}]{{1,3}})是)")
_SENTENCE_ATTRIBUTION_HINT = re.compile(r"由[^。；;\n]{2,60}?牵头")


_PARENTHESIS = re.compile(r"[(（]([^()（）\n]{2,80})[)）]")


def _has_attribution(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` names responsible units: a role word in a parenthesis or
    a label, 由…牵头, or a parenthesis of unit names only (（市城管委办公室）)."""
    return bool(_ATTRIBUTION_HINT.search(text, start, end) or _SENTENCE_ATTRIBUTION_HINT.search(text, start, end)
                or any(looks_like_unit(m.group(1)) for m in _PARENTHESIS.finditer(text, start, end)))


def inline_tasks(text: str, start: int, end: int) -> list[Heading]:
    """Tasks of a section that has no numbered headings: in each paragraph that names
    responsible units, the tasks marked 一是、二是、三是 (a paragraph's words before 一是 are
    its lead-in), or else the paragraph itself, labelled 第k段.

    >>> [(h.label, h.number) for h in inline_tasks("一是建设。（甲市牵头）；二是改造（乙市负责）。\\n", 0, 99)]
    [('一是', 1), ('二是', 2)]
    """
    found: list[Heading] = []
    pos = start
    paragraph = 0
    for line in text[start:end].splitlines(keepends=True):
        line_start, line_end = pos, pos + len(line.rstrip("\n"))
        pos += len(line)
        if not line.strip():
            continue
        paragraph += 1
        if not _has_attribution(text, line_start, line_end):
            continue
        markers, expected = [], 1
        for m in _INLINE_MARKER.finditer(text, line_start, line_end):
            if _numeral_value(m.group("num")) == expected:
                markers.append(m)
                expected += 1
        if len(markers) >= 2:
            found += [Heading(INLINE_LEVEL, k, m.group("label"), m.start("label"), m.end("label"), line_end)
                      for k, m in enumerate(markers, 1)]
        else:
            lead = line_start + len(line) - len(line.lstrip(" \t\u3000"))
            found.append(Heading(INLINE_LEVEL, paragraph, f"第{paragraph}段", lead, lead, line_end))
    return found


def _section_tasks(text: str, sections: list[Heading], tasks: list[Heading], headings: list[Heading],
                   section_level: int, end: int, inside) -> list[Heading]:
    """Tasks of the sections that have none at the document's task level but name
    responsible units: their own first level of numbered headings (一、… 1. in one section,
    (1) in another), or else their paragraphs that name responsible units
    (:func:`inline_tasks`). A section naming none (一、总体要求 with (一)指导思想) has none."""
    extra: list[Heading] = []
    for k, section in enumerate(sections):
        section_end = sections[k + 1].start if k + 1 < len(sections) else end
        if any(section.start < t.start < section_end for t in tasks):
            continue
        if not _has_attribution(text, section.start, section_end):
            continue
        own = [h for h in headings if h.level > section_level and section.start < h.start < section_end and inside(h)]
        if own:
            extra += _consistent(own, min(h.level for h in own))
        else:
            extra += inline_tasks(text, section.line_end, section_end)
    return extra


def _unnumbered(text: str) -> Outline:
    """A plan with no numbered headings: its tasks are the 一是、二是 … or the paragraphs of
    its body that name responsible units (after the title line), as in a section."""
    first_line = text.find("\n")
    start = first_line + 1 if first_line >= 0 else len(text)
    end = body_end(text, start)
    return Outline([], inline_tasks(text, start, end), [], end)


def find_outline(text: str) -> Outline:
    """Sections, tasks and sub-items of a document."""
    headings = find_headings(text)
    levels = sorted({h.level for h in headings})
    by_level = {lv: _consistent(headings, lv) for lv in levels}
    levels = [lv for lv in levels if by_level[lv]]
    if not levels:
        return _unnumbered(text)
    if len(levels) == 1:
        section_level, task_level = None, levels[0]
    else:
        section_level = levels[0]
        task_level = _task_level(text, headings, levels[1:], by_level)
        if (_carries_attributions(text, headings, by_level[section_level])
                and not _carries_attributions(text, headings, by_level[task_level])):
            # 1.任务（X负责） with (1)(2) under it: the top level holds the tasks.
            section_level, task_level = None, levels[0]
    sections = by_level[section_level] if section_level else []
    tasks = [h for h in by_level[task_level] if h.start > (sections[0].start if sections else -1)]
    first = tasks[0].start if tasks else (sections[0].start if sections else 0)
    end = body_end(text, first)
    boxes = box_spans(text, 0, end)

    def inside(h: Heading) -> bool:
        return h.start < end and not any(s <= h.start < e for s, e in boxes)

    sections = [h for h in sections if inside(h)]
    tasks = [h for h in tasks if inside(h)]
    extra = _section_tasks(text, sections, tasks, headings, section_level, end, inside) if sections else []
    taken = {h.start for h in extra}
    tasks = sorted(tasks + extra, key=lambda h: h.start)
    deeper = [h for h in headings if h.level > task_level and inside(h) and h.start not in taken
              and tasks and h.start > tasks[0].start]
    groups = [h for lv in levels if section_level is not None and section_level < lv < task_level
              for h in by_level[lv] if inside(h) and h.start not in taken]
    return Outline(sections, tasks, deeper, end, boxes, sorted(groups, key=lambda h: h.start))
