"""Extraction: stored text → :class:`~fengong.model.Document`.

The pipeline is outline (sections, tasks) → clauses closed by attribution parentheses →
assignments with roles → implementer rules → targets, regions and references, each fact
with its span in the stored text. Nothing found is dropped: a unit the registry does not
know is kept as an unregistered department with a warning; a parenthesis that looks like
an attribution but does not parse is reported for review.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from . import attribution as attr
from .jurisdiction import Jurisdiction, find_jurisdiction, qualify, unit_prefix
from .metadata import document_id, find_metadata
from .model import Assignment, Clause, Document, Item, Role, Section, Warning
from .outline import INLINE_LEVEL, find_outline
from .reading import ReadError, SourceText, read_bytes, read_file, sample_path
from .tables import TaskTable, find_task_tables
from .references import find_references
from .regions import RegionRegistry, find_regions
from .registry import DepartmentRegistry
from .targets import find_targets


class ExtractionError(ValueError):
    """The text is not a work plan fengong can read (no tasks, …)."""


_OPEN, _CLOSE = "(（", ")）"
# What may follow an attribution parenthesis: end of sentence, end of line, or the
# start of the next parenthesis (a labelled deadline) — never running text.
_AFTER_ATTRIBUTION = re.compile(r"[ \t\u3000]*([。；;.．！!]|\n|$|[(（])")
_SENTENCE_END = "。；;！!？?"


@dataclass
class Parenthesis:
    start: int  # offset of the opening bracket
    end: int  # offset after the closing bracket
    bare: bool = False  # a label block (牵头单位：…) or a sentence, with no brackets around it
    lead_in: int = 0  # characters before the attribution's own text (由 of 由X牵头)

    @property
    def inner(self) -> tuple[int, int]:
        return (self.start + self.lead_in, self.end) if self.bare else (self.start + 1, self.end - 1)


_LABEL_LINE = re.compile(rf"(?m)(?:^|(?<=[。；;]))[ \t\u3000]*[【\[]?{attr.LABEL_LEVEL}(?:{attr.LABEL_WORDS}){attr.LABEL_END}[^\n]*")


def label_blocks(text: str, start: int, end: int) -> list[Parenthesis]:
    """Runs of labelled attribution lines (牵头单位：X / 配合单位：Y / 完成时限：…) in a task,
    each run read as one attribution without brackets."""
    blocks: list[Parenthesis] = []
    for m in _LABEL_LINE.finditer(text, start, end):
        s = m.start() + len(m.group(0)) - len(m.group(0).lstrip(" \t\u3000"))
        e = m.end()
        while e > s and text[e - 1] in " \t\u3000。":
            e -= 1
        if blocks and text[blocks[-1].end:s].strip() == "":
            blocks[-1].end = e
        else:
            blocks.append(Parenthesis(s, e, bare=True))
    return blocks


_SENTENCE_STOP = re.compile(r"[。；;！!？?\n]")


def sentence_attributions(text: str, start: int, end: int, registry,
                          taken: list[Parenthesis] = ()) -> list[Parenthesis]:
    """Sentences of ``text[start:end]`` that are attributions without brackets: 由市自然资源
    和规划局牵头,市林业局、市水利局配合。 Only sentences naming a lead (牵头) and nothing but
    units and roles count, so that 建立由省发展改革委牵头的联席会议制度 stays text; sentences
    overlapping ``taken`` (parentheses, label blocks) are left to them."""
    found: list[Parenthesis] = []
    i = text.find("牵头", start, end)
    while i >= 0:
        a = max([start] + [text.rfind(ch, start, i) + 1 for ch in "。；;！!？?\n"])
        stop = _SENTENCE_STOP.search(text, i, end)
        b = stop.start() if stop else end
        while a < b and text[a] in " \t\u3000":
            a += 1
        lead_in = 1 if text.startswith("由", a) else 0
        if b - a - lead_in >= 4 and not any(p.start < b and a < p.end for p in taken):
            parsed = attr.parse_attribution(text[a + lead_in:b], registry)
            if attr.is_attribution(parsed) and any(u.role == Role.LEAD for u in parsed.units):
                found.append(Parenthesis(a, b, bare=True, lead_in=lead_in))
        i = text.find("牵头", b, end)
    return found


def top_level_parentheses(text: str, start: int, end: int) -> list[Parenthesis]:
    """Outermost balanced parentheses (half- or full-width) in ``text[start:end]``."""
    found, depth, open_at = [], 0, -1
    for i in range(start, end):
        ch = text[i]
        if ch in _OPEN:
            if depth == 0:
                open_at = i
            depth += 1
        elif ch in _CLOSE and depth:
            depth -= 1
            if depth == 0:
                found.append(Parenthesis(open_at, i + 1))
    return found


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, col


class Extractor:
    """Holds the registries; :meth:`extract` may be called for many documents, from
    several threads at once (each call works on its own state)."""

    def __init__(self, departments: DepartmentRegistry | None = None, regions: RegionRegistry | None = None):
        self.departments = departments or DepartmentRegistry.default()
        self.regions = regions or RegionRegistry.default()

    def extract(self, source: SourceText | str) -> Document:
        if isinstance(source, str):
            source = SourceText(source, "text")
        return _Extraction(self.departments, self.regions).run(source)

    def __call__(self, source: SourceText | str) -> Document:
        return self.extract(source)


class _Extraction:
    """The state of one extraction run."""

    def __init__(self, departments: DepartmentRegistry, regions: RegionRegistry):
        self.departments = departments
        self.regions = regions
        self._warnings: list[Warning] = []
        self._rules: list[tuple[tuple[int, int], str]] = []
        self.jurisdiction: Jurisdiction | None = None
        self._within: str | None = None  # region code of the jurisdiction
        # Whether the first unit listed in an attribution leads (列第一位的为牵头单位): said in
        # the preamble, or in an attribution with 下同 and from there on.
        self._first_leads = False

    def run(self, source: SourceText) -> Document:
        text = source.text
        if not text.strip():
            raise ExtractionError("the document is empty")
        outline = find_outline(text)
        tables = find_task_tables(text)
        if not outline.tasks and not tables:
            raise ExtractionError(
                "no tasks found: expected tasks numbered like (一) or 1. at the start of a line, "
                "paragraphs naming responsible units (…(省建设厅牵头)), or a task table with 序号/任务/牵头单位 columns"
            )
        starts = [h.start for h in (outline.sections or outline.tasks)[:1]] + [t.start for t in tables[:1]]
        body_start = min(starts)
        meta, title_end = find_metadata(text, body_start, self.departments)
        meta.source = source.source
        meta.id = document_id(meta, text)
        self.jurisdiction = find_jurisdiction(meta, self.regions)
        # Names several divisions share (鼓楼区) are read as the one in the document's jurisdiction.
        where = self.jurisdiction and self.regions.resolve(self.jurisdiction.code_name or "")
        self._within = where.code if where and where.code else None
        doc = Document(document=meta, text=text, warnings=self._warnings)
        self._first_leads = bool(attr.FIRST_LEADS.search(text, 0, body_start))

        if tables:
            # A task table is the task list (任务分工表); numbered lines outside it are not tasks.
            doc.sections, doc.items = self._table_items(text, tables, outline)
        else:
            doc.sections = self._sections(text, outline)
            doc.items = self._items(text, outline, doc.sections)
        self._apply_implementer_rules(text, doc)
        # Document-level facts: the preamble between the title line and the first heading.
        pre_start = title_end if title_end is not None else 0
        doc.targets = find_targets(text, pre_start, body_start, exclude=_meta_spans(text, pre_start, body_start))
        doc.regions = find_regions(text, pre_start, body_start, registry=self.regions, within=self._within)
        doc.references = [r for r in find_references(text, pre_start, body_start)
                          if r.title.strip("《》") != (meta.title or "")]
        for w in doc.warnings:
            if w.start is not None and w.line is None:
                w.line, w.column = _line_col(text, w.start)
        return doc

    # -- structure ------------------------------------------------------------------
    def _sections(self, text, outline) -> list[Section]:
        sections = []
        for n, h in enumerate(outline.sections, 1):
            title = text[h.body_start:h.line_end].strip()
            nxt = outline.sections[n].start if n < len(outline.sections) else outline.body_end
            sections.append(Section(n, h.label, title, h.start, _rstrip_end(text, h.start, nxt)))
        return sections

    def _items(self, text, outline, sections: list[Section]) -> list[Item]:
        boundaries = sorted([h.start for h in outline.sections] + [h.start for h in outline.tasks]
                            + [h.start for h in outline.groups] + [s for s, _ in outline.boxes]
                            + [outline.body_end])
        items = []
        for n, h in enumerate(outline.tasks, 1):
            nxt = next(b for b in boundaries if b > h.start)
            if h.level == INLINE_LEVEL:  # a task in running text ends with its paragraph
                nxt = min(nxt, h.line_end)
            end = _rstrip_end(text, h.start, nxt)
            section = next((s.number for s in reversed(sections) if s.start <= h.start), None)
            item = Item(number=n, label=h.label, section=section, title=_title(text, h.body_start, end),
                        start=h.start, end=end)
            self._clauses(text, item, h.body_start)
            attributed = next((c for c in item.clauses if c.attribution_start is not None), None)
            if attributed and attributed.attribution_start < attributed.start:
                item.title = _title(text, attributed.start, end)  # 【市发改委牵头】推进…: after it
            elif attributed and attributed.attribution_start < h.body_start + len(item.title):
                # 深化建设（市城管局牵头）；二是… : the title stops before the attribution
                cut = attributed.attribution_start
                if text[cut - 1:cut] in ("(", "（", "【"):
                    cut -= 1
                item.title = _title(text, h.body_start, cut).rstrip("；;，,")
            spans = [(c.attribution_start - 1, c.attribution_end + 1) for c in item.clauses if c.attribution is not None]
            item.targets = find_targets(text, h.body_start, end, exclude=spans)
            item.regions = find_regions(text, h.body_start, end, registry=self.regions, exclude=spans, within=self._within)
            item.references = find_references(text, h.body_start, end)
            items.append(item)
        return items

    def _clauses(self, text: str, item: Item, body_start: int) -> None:
        clause_start = body_start
        candidates = top_level_parentheses(text, body_start, item.end) + label_blocks(text, body_start, item.end)
        candidates += sentence_attributions(text, body_start, item.end, self.departments, candidates)
        candidates.sort(key=lambda p: p.start)
        if self._leading_attribution(text, item, body_start, candidates):
            return
        for paren in candidates:
            if paren.start < clause_start:
                continue  # a parenthesis inside a label block
            inner_s, inner_e = paren.inner
            raw = text[inner_s:inner_e]
            parsed = attr.parse_attribution(raw, self.departments, self._first_leads)
            # An attribution ends its sentence: the text after it starts another one, or it
            # follows a full stop (…工程。(X等按职责分工负责)制定… in the State Council's style).
            closes = (paren.bare or bool(_AFTER_ATTRIBUTION.match(text, paren.end)) or paren.end >= item.end
                      or text[clause_start:paren.start].rstrip(" \t\u3000")[-1:] in ("。", "；", ";"))
            if closes and attr.is_attribution(parsed):
                self._add_clause(text, item, clause_start, paren, raw, parsed)
                self._first_leads = self._first_leads or parsed.first_leads_onward
                clause_start = paren.end
                while clause_start < item.end and text[clause_start] in _SENTENCE_END + " \u3000":
                    clause_start += 1
            elif parsed.units and (closes or any(u.role == Role.LEAD for u in parsed.units) and not parsed.leftovers):
                line, col = _line_col(text, paren.start)
                self._warnings.append(Warning(
                    "suspicious_parenthesis",
                    f"item {item.label}: parenthesis ({raw}) names units but was not read as an attribution",
                    paren.start, line, col))
        # Text after the last attribution (or an item with none) is a clause without owner,
        # unless the item's one attribution closes its heading line: (一)推进城市更新(X牵头)
        # above the paragraphs that say how, which it owns too.
        tail_s, tail_e = _strip(text, clause_start, item.end)
        only = item.clauses[0] if len(item.clauses) == 1 else None
        if (tail_e > tail_s and only is not None and only.attribution_end is not None
                and "\n" not in text[body_start:only.attribution_end] and "\n" in text[only.attribution_end:tail_s]):
            only.end = tail_e
            only.text = text[only.start:tail_e]
            return
        if tail_e > tail_s and (not item.clauses or _has_words(text[tail_s:tail_e])):
            item.clauses.append(Clause(len(item.clauses) + 1, text[tail_s:tail_e], tail_s, tail_e))
            line, col = _line_col(text, tail_s)
            if item.clauses[:-1]:
                msg = f"item {item.label}: text after the last attribution has no responsible unit"
            else:
                msg = f"item {item.label} names no responsible unit"
            self._warnings.append(Warning("no_attribution", msg, tail_s, line, col))

    def _leading_attribution(self, text: str, item: Item, body_start: int, candidates: list[Parenthesis]) -> bool:
        """An attribution written before the task's text (1.【市发改委牵头】推进… or
        1.（责任单位：市住建局）推进…) owns the whole task, unless another attribution in it
        closes a clause of its own. Returns whether it did."""
        p = body_start
        while p < item.end and text[p] in " \t\u3000":
            p += 1
        paren = next((c for c in candidates if c.start == p and not c.lead_in), None)
        if paren is None and text.startswith("【", p):
            close = text.find("】", p, item.end)
            paren = Parenthesis(p, close + 1) if close > p + 1 else None
        if paren is None:
            return False
        raw = text[paren.inner[0]:paren.inner[1]]
        parsed = attr.parse_attribution(raw, self.departments, self._first_leads)
        if not attr.is_attribution(parsed):
            return False
        for other in candidates:
            if other.start >= paren.end and attr.is_attribution(
                    attr.parse_attribution(text[other.inner[0]:other.inner[1]], self.departments, self._first_leads)):
                return False
        start = paren.end
        while start < item.end and text[start] in _SENTENCE_END + " \u3000":
            start += 1
        self._add_clause(text, item, start, paren, raw, parsed, span=_strip(text, start, item.end))
        self._first_leads = self._first_leads or parsed.first_leads_onward
        return True

    def _add_clause(self, text, item: Item, start: int, paren: Parenthesis, raw: str, parsed,
                    span: tuple[int, int] | None = None) -> None:
        """Add the clause from ``start`` to ``paren`` (or over ``span``) closed by ``paren``."""
        inner_s, inner_e = paren.inner
        s, e = span or _strip(text, start, paren.start)
        clause = Clause(len(item.clauses) + 1, text[s:e], s, e, raw, inner_s, inner_e,
                        deadline=parsed.deadline)
        self._assign(text, clause, parsed, inner_s)
        if parsed.rule:
            clause_rule = (inner_s + parsed.rule[0], inner_s + parsed.rule[1])
            self._rules.append((clause_rule, parsed.rule_units))
        if parsed.deadline and not item.deadline:
            item.deadline = parsed.deadline
        for official in parsed.officials:
            line, col = _line_col(text, inner_s)
            self._warnings.append(Warning(
                "official_not_a_unit",
                f"item {item.label}: {official} names a person in charge, kept in the attribution's text, not as a unit",
                inner_s, line, col))
        item.clauses.append(clause)

    def _assign(self, text: str, clause: Clause, parsed, offset: int) -> None:
        """Turn parsed units into assignments; ``offset`` maps the parser's offsets to the text."""
        inherited: str | None = None
        for u in parsed.units:
            dept = self._department(u.name, inherited)
            inherited = unit_prefix(u.name) or inherited
            abs_s, abs_e = offset + u.start, offset + u.end
            clause.assignments.append(Assignment(u.name, dept.id, u.role, abs_s, abs_e, dept.registered))
            if not dept.registered:
                line, col = _line_col(text, abs_s)
                typed = "untyped" if dept.kind == "other" else f"{dept.kind} ({dept.level})"
                self._warnings.append(Warning(
                    "unregistered_unit",
                    f"unit {u.name} is not in the registry; kept as an unregistered {typed} unit"
                    + (f", read as {dept.name}" if dept.name != u.name else ""),
                    abs_s, line, col))
                if dept.kind == "other":
                    self._warnings.append(Warning("untyped_unit", f"unit {u.name}: kind not recognised",
                                                  abs_s, line, col))

    def _department(self, name: str, inherited: str | None = None):
        """The department a name refers to in this document's jurisdiction."""
        full = qualify(name, self.jurisdiction, inherited)
        # A division named as a unit is its people's government (锦江区, 成华区政府).
        return (self.departments.resolve(full) or self.departments.local_government(full, self._within)
                or self.departments.resolve_or_unregistered(full if full != name else name))

    # -- task tables --------------------------------------------------------------------
    def _table_items(self, text: str, tables: list[TaskTable], outline) -> tuple[list[Section], list[Item]]:
        sections: list[Section] = []
        items: list[Item] = []
        outline_sections = [h for h in outline.sections if h.start < tables[0].start]
        for n, h in enumerate(outline_sections, 1):
            sections.append(Section(n, h.label, text[h.body_start:h.line_end].strip(), h.start, h.line_end))
        for table in tables:
            for row in table.rows:
                if row.section_label is not None:
                    sections.append(Section(len(sections) + 1, row.section_label, row.section_title,
                                            row.start, row.end))
                    continue
                s, e = row.task
                item = Item(number=len(items) + 1, label=row.label, section=sections[-1].number if sections else None,
                            title=_title(text, s, e), start=row.start, end=row.end)
                clause = Clause(1, text[s:e].rstrip("。 "), s, s + len(text[s:e].rstrip("。 ")))
                if row.unit_cells:
                    a_s, a_e = row.unit_cells[0][1], row.unit_cells[-1][2]
                    clause.attribution, clause.attribution_start, clause.attribution_end = text[a_s:a_e], a_s, a_e
                    parsed = attr.parse_cells(text, row.unit_cells, self.departments, self._first_leads)
                    self._assign(text, clause, parsed, 0)
                    for leftover in parsed.leftovers:
                        line, col = _line_col(text, a_s)
                        self._warnings.append(Warning("suspicious_parenthesis",
                                                      f"item {row.label}: {leftover} in a unit column is not a unit",
                                                      a_s, line, col))
                if row.deadline:
                    clause.deadline = item.deadline = text[row.deadline[0]:row.deadline[1]]
                item.clauses.append(clause)
                if not clause.assignments:
                    line, col = _line_col(text, row.start)
                    self._warnings.append(Warning("no_attribution", f"item {row.label} names no responsible unit",
                                                  row.start, line, col))
                item.targets = find_targets(text, s, e)
                item.regions = find_regions(text, s, e, registry=self.regions, within=self._within)
                item.references = find_references(text, s, e)
                items.append(item)
        return sections, items

    # -- implementer rules --------------------------------------------------------------
    def _apply_implementer_rules(self, text: str, doc: Document) -> None:
        """A general rule (以下各项任务均需各市、县(市、区)人民政府落实…) adds the named
        units as implementers of every task from the one stating it to the end of the
        document, for tasks that name responsible units at all."""
        rules = list(self._rules)
        # Rules may also be stated in running text (preamble, a note line).
        for m in attr.IMPLEMENTER_RULE.finditer(text):
            if not any(s <= m.start() < e for (s, e), _ in rules):
                rules.append(((m.start(), m.end()), m.group("units").strip()))
        for (rule_s, rule_e), units_text in rules:
            names = self._rule_units(units_text)
            for item in doc.items:
                if item.end <= rule_s or not any(c.assignments for c in item.clauses):
                    continue
                for name in names:
                    dept = self._department(name)
                    if any(a.department == dept.id for a in item.implementers):
                        continue
                    pos = text.find(name, rule_s, rule_e)
                    item.implementers.append(Assignment(
                        name, dept.id, Role.IMPLEMENTER,
                        pos if pos >= 0 else rule_s, (pos + len(name)) if pos >= 0 else rule_e,
                        dept.registered, rule_s, rule_e))

    def _rule_units(self, units_text: str) -> list[str]:
        if self.departments.resolve(units_text):
            return [units_text]
        spans = attr.split_units(units_text, 0, len(units_text), self.departments)
        return [units_text[s:e].strip() for s, e in spans if units_text[s:e].strip()]


def _strip(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s] in " \t\n\u3000。；;":
        s += 1
    while e > s and text[e - 1] in " \t\n\u3000":
        e -= 1
    return s, e


def _rstrip_end(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1] in " \t\n\u3000":
        end -= 1
    return end


def _has_words(s: str) -> bool:
    return len(re.sub(r"[\W_]", "", s)) >= 4


def _title(text: str, body_start: int, end: int) -> str:
    """The text up to the first 。 (or the first line, or the first parenthesis)."""
    segment = text[body_start:end]
    cut = len(segment)
    for stop in ("。", "\n"):
        k = segment.find(stop)
        if k >= 0:
            cut = min(cut, k)
    title = segment[:cut].strip()
    return title


def _meta_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Lines in the head that carry metadata (dates, 发文字号), which are not targets."""
    spans, pos = [], 0
    for line in text[:end].splitlines(keepends=True):
        if pos + len(line) > start and len(line.strip()) <= 40:
            spans.append((pos, pos + len(line)))
        pos += len(line)
    return spans


_default: Extractor | None = None


def default_extractor() -> Extractor:
    global _default
    if _default is None:
        _default = Extractor()
    return _default


def extract_text(text: str, source: str | None = None) -> Document:
    """Extract a document from its stored text.

    >>> doc = extract_text("(一)建设绿道。新建绿道500公里以上(省建设厅)。")
    >>> doc.items[0].clauses[0].assignments[0].role.value
    'lead'
    """
    return default_extractor()(SourceText(text, "text", source=source))


def extract_bytes(data: bytes, filename: str | None = None) -> Document:
    return default_extractor()(read_bytes(data, filename))


def extract_file(path: str | Path) -> Document:
    return default_extractor()(read_file(path))


def extract_sample() -> Document:
    """The bundled sample document, extracted."""
    return extract_file(sample_path())


__all__ = ["Extractor", "ExtractionError", "ReadError", "extract_text", "extract_bytes", "extract_file",
           "extract_sample", "default_extractor"]
