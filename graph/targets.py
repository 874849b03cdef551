"""Quantitative targets in work-plan text: 新增绿地1500公顷以上, 城镇化率达到73.5%.

A target is a number with its unit (or a comparator that makes a bare ratio a goal), the
thing counted (the *metric*), a comparator, and where known a scope (全省各设区市主城区)
and a period (2023年底, 每年). Two word orders carry almost every target of the genre:

* metric first: ``新增停车位10万个``, ``城镇化率达到73.5%`` — the metric is the clause text
  before the number, less lead-in words (力争, 确保, 完成, 打造 …) and periods; a verb that
  says what changes (新增, 新建, 改造, 淘汰 …) stays part of it;
* number first: ``建成30家儿童健康管理中心``, ``50%的县(市、区)通过省级评估`` — the metric
  is the phrase after the classifier.

Numbers that only name things are not targets: programme names (八大专项行动, 20条举措),
ordinals (第二批), dates, ages and durations that qualify a noun (2-3岁托班, 15分钟生活圈),
formulas (“1+5”), anything inside quotation marks or 《》, Chinese numerals that count
classifiers (十项重大改革, 一处美).

>>> text = "到2025年,全市新增城镇就业5万人以上,城镇调查失业率控制在5.5%以内。"
>>> [(t.metric, t.value, t.unit, t.comparator, t.scope, t.period) for t in find_targets(text)]
[('新增城镇就业', 50000.0, '人', '>=', '全市', '2025年'), ('城镇调查失业率', 5.5, '%', '<=', None, '2025年')]
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from decimal import Decimal
from typing import Sequence

from .model import Target
from .numerals import MAGNITUDES, parse_chinese_integer, parse_quantity

__all__ = ["COMPARATORS", "find_targets", "normalize_text"]

COMPARATORS = (">=", ">", "~", "<=", "<", "=")

# -- normalisation --------------------------------------------------------------------------

_FULLWIDTH = "０１２３４５６７８９．％，；：（）！？＋－／～"
_HALFWIDTH = "0123456789.%,;:()!?+-/~"
_NORM = str.maketrans(
    _FULLWIDTH + "".join(chr(c) for c in range(0xFF21, 0xFF3B)) + "".join(chr(c) for c in range(0xFF41, 0xFF5B)),
    _HALFWIDTH + "".join(chr(c) for c in range(0x41, 0x5B)) + "".join(chr(c) for c in range(0x61, 0x7B)),
)


def normalize_text(text: str) -> str:
    """Full-width digits, letters and punctuation to ASCII; the length is unchanged so that
    offsets into the result are offsets into ``text``.

    >>> normalize_text("ＰＭ２．５浓度（年均）３０％")
    'PM2.5浓度(年均)30%'
    """
    return text.translate(_NORM)


# -- units ----------------------------------------------------------------------------------

COUNT, MEASURE, PERCENT, TIME, NONE = "count", "measure", "percent", "time", "none"

# surface in the normalised text -> (unit as reported, kind). Units are reported in the
# normalised form: 套（间） and 套(间) both give 套(间).
_UNITS: dict[str, tuple[str, str]] = {}
for _u in ("个 家 所 条 处 座 项 张 辆 套(间) 套 间 名 户 台 艘 架 栋 幢 件 场 宗 例 份 只 头 株 "
           "棵 盏 根 块 支 位 眼 口").split():
    _UNITS[_u] = (_u, COUNT)
for _u in ("人次 人 元 美元 吨标准煤 吨/日 吨 公斤 千克 公里 千米 平方公里 平方千米 平方米 立方米/日 "
           "立方米 米 公顷 亩 千瓦时 千瓦 兆瓦 吉瓦 标准箱 标箱 倍 微克/立方米 毫克/立方米 毫克/升 "
           "kWh kW MW GW km TEU").split():
    _UNITS[_u] = (_u, MEASURE)
for _u in ("% ‰ 个百分点 百分点").split():
    _UNITS[_u] = (_u, PERCENT)
for _u in ("分钟 个小时 小时 个工作日 工作日 个月 天 周 秒 岁").split():
    _UNITS[_u] = (_u, TIME)
_UNIT_RE = re.compile("|".join(re.escape(u) for u in sorted(_UNITS, key=len, reverse=True)))
# A unit character that begins a word instead: 1500个场所 is fine, 100场所 is not "100 场".
_NOT_UNIT = ("场所", "处理", "处置", "家庭", "家园", "项目", "条件", "条例", "所有", "名单", "名称",
             "台账", "件事", "位置", "位于", "只有", "只要", "支持", "支撑", "头部", "根据", "例如",
             "份额", "户籍", "户口", "间隔", "块状", "口径", "人口", "人员", "人才", "人民", "人均",
             "人工", "元素", "米粮", "天然", "周边", "周年", "岁月", "倍增", "秒级", "千米级")
_NOT_UNIT_RE = re.compile("|".join(re.escape(w) for w in _NOT_UNIT))  # one C match, not a startswith each

_MAGNITUDE_RE = re.compile("|".join(sorted((m for m in MAGNITUDES if m), key=len, reverse=True)))

# -- comparators ----------------------------------------------------------------------------

_PREFIX_OPS: dict[str, str] = {}
for _op, _words in {
    ">=": "不少于 不低于 不小于 至少 达到 达 提高到 提高至 提升到 提升至 增加到 增加至 增长到 增长至 "
          "增至 扩大到 扩大至",
    ">": "超过 超 多于 大于 高于 逾 突破",
    "~": "约 大约 近 接近",
    "<=": "不超过 不高于 不大于 至多 最多 控制在 控制到 控制至 降至 降到 降低到 降低至 下降到 下降至 "
          "减少到 减少至 缩小到 缩小至 缩短到 缩短至 压缩到 压缩至 压减到 压减至",
    "<": "低于 少于 小于 不满 不足 不到",
    "=": "保持在 保持 稳定在 维持在 为 共计 合计 总计",
}.items():
    for _w in _words.split():
        _PREFIX_OPS[_w] = _op
_PREFIX_WORDS = sorted(_PREFIX_OPS, key=len, reverse=True)
# The same words (longest first) by their last character: only those can end right before
# the number.
_PREFIX_WORDS_BY_LAST: dict[str, tuple[str, ...]] = {}
for _w in _PREFIX_WORDS:
    _PREFIX_WORDS_BY_LAST[_w[-1]] = _PREFIX_WORDS_BY_LAST.get(_w[-1], ()) + (_w,)
# 达 in 下达/送达 and 近 in 就近/附近 are parts of other words.
_PREFIX_GUARD = {"达": "下送抵到表发传直通转", "近": "就附最临靠邻将", "为": "成作认列评定称视", "超": "赶"}

_SUFFIX_OPS = {"及以上": ">=", "以上": ">=", "及以下": "<=", "以下": "<=", "以内": "<=", "之内": "<=",
               "左右": "~", "上下": "~"}
_SUFFIX_RE = re.compile("|".join(sorted(_SUFFIX_OPS, key=len, reverse=True)))

# -- words around the metric ----------------------------------------------------------------

# Verbs that say what changes; they stay in the metric (新增绿地) and end a scope.
_CHANGE_VERBS = ("新(改扩)建 新(改、扩)建 新改扩建 新建改造 新增更新 新改建 改扩建 提升改造 新增 新建 新开工 "
                 "改造 改建 扩建 更新 淘汰 新培育 新认定 新引进 新招引 新开通 整治 修复 治理 关停 关闭 "
                 "削减 压减 减少 新造 造林 植树 培训 招引 引进").split()
# Lead-in words stripped from the front of a metric: modal adverbs and verbs that only say
# "get it done" (力争完成 …), and periods.
_ADVERBS = "力争 确保 努力 争取 进一步 持续 加快 大力 积极 着力 继续 全力 全面 其中 同时 预计 累计".split()
_WEAK_VERBS = ("实现 完成 推动 推进 支持 建设 打造 提供 培育 创建 建成 筹集 实施 开展 组织 落实 争创 "
               "促进 形成 举办").split()
_LEAD_WORDS = _ADVERBS + _WEAK_VERBS + "年内 全年 每年 当年 今年".split()
# …unless the word is the head of a noun: 完成率, 建设用地, 完成投资.
_LEAD_GUARD_SRC = r"[率额量值度数性者区]|用地|规模|资金|投资|面积|任务|进度"
_LEAD_GUARD = re.compile(_LEAD_GUARD_SRC)
# A verb that ends a scope (全省各设区市主城区|新增…), not one heading a noun (建成区).
_VERB_RE = re.compile("(?:%s)(?!%s)" % ("|".join(re.escape(v) for v in sorted(
    set(_CHANGE_VERBS + _WEAK_VERBS), key=len, reverse=True)), _LEAD_GUARD_SRC))
_SCOPE_RE = re.compile(
    r"全(?:省|市|区|县|国|州|盟|旗|镇|乡)"
    r"|(?:各|所有)[^,;:。!?\s]{0,3}?(?:省|市|县|区|旗|地|镇|乡|街道|村|社区)(?:\(市、区\))?")

_PERIOD_RE = re.compile(
    r"(?P<pre>到|至|截至|截止到|截止|力争到|力争在|于)?\s*"
    r"(?P<p>\d{4}\s*[-—–~至到]\s*\d{4}\s*年"
    r"|\d{4}\s*年(?:\s*\d{1,2}\s*月)?(?P<suf>底|末|前|内)?(?![\d日号月])"
    r"|“?十[一二三四五六七八九]五”?(?:期间|时期|末)"
    r"|每年|全年|年内|今年|当年|年均|每季度|每月|每日|每天|日均)")
_RATE_WORDS = ("每年", "每日", "每天", "日均", "年均", "每月")
_PERIOD_PREFIX_RE = re.compile(r"(?:到|至|截至|截止到|截止|力争到|力争在)?\s*(?:"
                               r"\d{4}\s*年(?:\s*\d{1,2}\s*月)?(?:底|末|前|内)?"
                               r"|“?十[一二三四五六七八九]五”?(?:期间|时期|末))\s*[,]?")

# Names of policy documents and provisions: 20条举措 counts the plan, not the world.
_POLICY_NOUN_RE = re.compile(r"(?:举措|措施|政策|意见|条款|细则|规定)$")
_ATTRIBUTION_RE = re.compile(r"厅|委|局|办|总队|政府|牵头|负责|配合|部门")

_CONTEXT = 16  # characters around the window that are looked at (第 before, units after)
_OPEN_QUOTES, _CLOSE_QUOTES = "“‘「『《〈", "”’」』》〉"
_BOUNDARY = set(",;:。!?\n\r")
_SENTENCE_ENDS = "。!?\n"
_SPACES = " \t\u3000\xa0"
_CONJUNCTIONS = ("以及", "和", "及", "与", "或", "、", "并")
_RANGE_SEPS = "-—–~〜至到"
# After a unit, these cannot start the noun counted by a number-first target.
_NOT_NOUN_START = set("和及与或等是并且之后时起止至到每共均即")
_CHINESE_DIGIT_START = "一二两三四五六七八九十廿"
_CHINESE_NUMERAL_CHARS = "零〇一二两三四五六七八九十百千万亿廿"
_ARABIC_RE = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?(?!\d)|\d+(?:\.\d+)?")
_CHINESE_RE = re.compile(f"[{_CHINESE_DIGIT_START}][{_CHINESE_NUMERAL_CHARS}]*")
_PERCENT_WORD_RE = re.compile(r"百分之(\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百]+(?:点[零〇一二三四五六七八九]+)?)")
_QUOTE_MARKS = _OPEN_QUOTES + _CLOSE_QUOTES + '"'
# Characters that change a bracket or quotation depth (see _Scanner._depths).
_DEPTH_CHARS_RE = re.compile("[%s]" % re.escape("。\n()" + _QUOTE_MARKS))


def _depth_step(c: str, p: int, quotes: list[str]) -> tuple[int, list[str], int, int]:
    """One depth-changing character: the new (bracket depth, open quotes) and the
    (bracket, quotation) depth the character itself gets."""
    if c in "。\n":
        return 0, [], 0, 0
    if c == "(":
        return p + 1, quotes, p, len(quotes)
    if c == ")":
        p = max(0, p - 1)
        return p, quotes, p, len(quotes)
    if c in _OPEN_QUOTES:
        depth = len(quotes)
        quotes.append(c)
        return p, quotes, p, depth
    if c in _CLOSE_QUOTES:
        opener = _OPEN_QUOTES[_CLOSE_QUOTES.index(c)]
        if opener in quotes:
            while quotes.pop() != opener:
                pass
        return p, quotes, p, len(quotes)
    # '"' closes the innermost quotation when that is one, else opens one.
    if quotes and quotes[-1] == '"':
        quotes.pop()
        return p, quotes, p, len(quotes)
    quotes.append(c)
    return p, quotes, p, len(quotes) - 1


@dataclass
class _Quantity:
    start: int  # first character of the number (or of 百分之)
    number_end: int  # after the number and its magnitude word
    end: int  # after the unit and a suffix comparator
    unit_end: int  # after the unit (== number_end when there is none)
    value: float
    value_text: str
    unit: str
    kind: str
    suffix_op: str | None
    mid_op: str | None  # 多/余 between number and unit
    chinese: bool
    has_magnitude: bool


def find_targets(
    text: str,
    start: int = 0,
    end: int | None = None,
    exclude: Sequence[tuple[int, int]] = (),
) -> list[Target]:
    """Quantitative targets in ``text[start:end]``, with offsets into the whole ``text``.

    ``exclude`` lists spans to ignore (the attribution parentheses of the clauses, with or
    without their brackets); they also end a clause.

    >>> [t.text for t in find_targets("新增绿地1500公顷以上,新建绿道500公里以上(省建设厅)。")]
    ['新增绿地1500公顷以上', '新建绿道500公里以上']
    >>> t = find_targets("建成30家儿童健康管理中心。")[0]
    >>> t.metric, t.value, t.unit, t.text
    ('儿童健康管理中心', 30.0, '家', '30家儿童健康管理中心')
    """
    end = len(text) if end is None else min(end, len(text))
    start = max(0, start)
    if start >= end:
        return []
    return _Scanner(text, start, end, exclude).run()


class _Scanner:
    def __init__(self, text: str, start: int, end: int, exclude: Sequence[tuple[int, int]]):
        self.text, self.start, self.end = text, start, end
        # Normalise only the window and a little context: the extractor calls this once per
        # item, and offsets must stay those of ``text``.
        w0, w1 = max(0, start - _CONTEXT), min(len(text), end + _CONTEXT)
        self.norm = text[:w0] + normalize_text(text[w0:w1]) + text[w1:]
        self._blocked = self._merge_excludes(exclude)
        self._block_starts = [s for s, _ in self._blocked]
        # One flag per character of the window: blocked() is asked for every character.
        self._mask = bytearray(end - start)
        for s, e in self._blocked:
            s, e = max(s, start), min(e, end)
            if e > s:
                self._mask[s - start:e - start] = b"\x01" * (e - s)
        self._depths()

    # -- context ----------------------------------------------------------------------------
    def _merge_excludes(self, exclude: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
        spans = []
        for s, e in exclude:
            # An attribution given by its inner text also covers its brackets.
            if s > 0 and self.norm[s - 1] == "(" and e < len(self.norm) and self.norm[e] == ")":
                s, e = s - 1, e + 1
            if e > s:
                spans.append((s, e))
        spans.sort()
        merged: list[tuple[int, int]] = []
        for s, e in spans:
            if merged and s <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], e))
            else:
                merged.append((s, e))
        return merged

    def blocked(self, i: int) -> bool:
        if self.start <= i < self.end:
            return self._mask[i - self.start] == 1
        k = bisect_right(self._block_starts, i) - 1
        return k >= 0 and i < self._blocked[k][1]

    def _depths(self) -> None:
        """Bracket and quotation depth of every character in range. Brackets get the depth
        outside them, their contents one more; both reset at a full stop or line break."""
        # Only the characters that change a depth are visited (a regex finds them in C); the
        # runs between them take the current depths by slice assignment.
        n = self.end - self.start
        pdepth, qdepth = [0] * n, [0] * n
        p, quotes = 0, []
        mask, start = self._mask, self.start
        done = 0  # window offset up to which both lists are filled
        for m in _DEPTH_CHARS_RE.finditer(self.norm, self.start, self.end):
            k = m.start() - start
            if mask[k]:
                continue  # masked: takes the current depths, like the run around it
            if k > done and (p or quotes):
                pdepth[done:k] = [p] * (k - done)
                qdepth[done:k] = [len(quotes)] * (k - done)
            p, quotes, pdepth[k], qdepth[k] = _depth_step(m.group(), p, quotes)
            done = k + 1
        if n > done and (p or quotes):
            pdepth[done:] = [p] * (n - done)
            qdepth[done:] = [len(quotes)] * (n - done)
        self.pdepth: list[int] = pdepth
        self.qdepth: list[int] = qdepth

    def pd(self, i: int) -> int:
        return self.pdepth[i - self.start]

    def quoted(self, i: int) -> bool:
        return self.qdepth[i - self.start] > 0 and self.norm[i] not in _QUOTE_MARKS

    def _skip_spaces(self, i: int) -> int:
        while i < self.end and self.norm[i] in _SPACES:
            i += 1
        return i

    def _skip_spaces_back(self, i: int, floor: int) -> int:
        """Index after the last non-space character before ``i``."""
        while i > floor and self.norm[i - 1] in _SPACES:
            i -= 1
        return i

    # -- numbers ----------------------------------------------------------------------------
    def _quantities(self) -> list[_Quantity]:
        found: list[_Quantity] = []
        taken: list[tuple[int, int]] = []  # 百分之… spans; digits and Chinese numerals never overlap

        def free(s: int, e: int) -> bool:
            return all(e <= a or s >= b for a, b in taken)

        for m in _PERCENT_WORD_RE.finditer(self.norm, self.start, self.end):
            try:
                value = parse_quantity(m.group(1))
            except ValueError:
                continue
            if self._named(m.start()):
                continue
            e = self._skip_spaces(m.end())
            suffix = _SUFFIX_RE.match(self.norm, e, self.end)
            q_end = suffix.end() if suffix else m.end()
            found.append(_Quantity(m.start(), m.end(), q_end, m.end(), value, self.text[m.start():m.end()],
                                   "%", PERCENT, _SUFFIX_OPS[suffix.group()] if suffix else None, None,
                                   True, False))
            taken.append((m.start(), m.end()))
        for m in _ARABIC_RE.finditer(self.norm, self.start, self.end):
            if free(m.start(), m.end()):
                q = self._quantity(m.start(), m.end(), chinese=False)
                if q:
                    found.append(q)
        for m in _CHINESE_RE.finditer(self.norm, self.start, self.end):
            if free(m.start(), m.end()) and (m.start() == 0 or self.norm[m.start() - 1] not in _CHINESE_NUMERAL_CHARS):
                q = self._quantity(m.start(), m.end(), chinese=True)
                if q:
                    found.append(q)
        found.sort(key=lambda q: q.start)
        return found

    def _named(self, s: int) -> bool:
        """Inside quotation marks, 《》 or an excluded span: a name, not a quantity."""
        return self.blocked(s) or self.quoted(s)

    def _quantity(self, s: int, e: int, chinese: bool) -> _Quantity | None:
        norm = self.norm
        if self._named(s):
            return None
        before = norm[s - 1] if s > 0 else ""
        if before.isascii() and (before.isalpha() or before in "+/×*.^_#"):
            return None  # PM2.5, G60, 1+5, 2023.09
        back = self._skip_spaces_back(s, 0)
        if back > 0 and norm[back - 1] == "第":
            return None  # 第二批, 第15次
        if back > 1 and norm[back - 1] in _RANGE_SEPS and (norm[back - 2].isdigit() or norm[back - 2] in "%"
                                                               or norm[back - 2] in _SPACES and back > 2
                                                               and norm[back - 3].isdigit()):
            return None  # the second half of a range: 2-3岁, 5%-6%
        after = norm[e] if e < len(norm) else ""
        if after in "+/×*^_#" or after == "." and e + 1 < len(norm) and norm[e + 1].isdigit():
            return None
        number_text = norm[s:e]
        pos, magnitude, mid_op = e, "", None
        if pos < self.end and norm[pos] in "多余":  # 100多万人, 3000余辆: more than
            mid_op, pos = ">", pos + 1
        if not chinese:
            unit_here = _UNIT_RE.match(norm, pos, self.end)
            mag = None if unit_here and unit_here.group()[0] in "千百" else _MAGNITUDE_RE.match(norm, pos, self.end)
            if mag:
                magnitude, pos = mag.group(), mag.end()
        number_end = pos  # the number as written ends here (before a trailing 多/余)
        if mid_op is None and pos < self.end and norm[pos] in "多余":  # 1万余人
            mid_op, pos = ">", pos + 1
        u_pos = self._skip_spaces(pos)
        unit_m = _UNIT_RE.match(norm, u_pos, self.end)
        unit, kind, unit_end = "", NONE, pos
        if unit_m and not _NOT_UNIT_RE.match(norm, u_pos):
            unit, kind = _UNITS[unit_m.group()]
            unit_end = unit_m.end()
        elif u_pos < len(norm) and norm[u_pos].isascii() and norm[u_pos].isalpha():
            return None  # 5G, 4A
        if kind == NONE and mid_op:
            return None
        # Ranges: 2-3岁, 5%-6%, 3至5个.
        r = self._skip_spaces(unit_end)
        if r < self.end and norm[r] in _RANGE_SEPS:
            r2 = self._skip_spaces(r + 1)
            if r2 < len(norm) and (norm[r2].isdigit() or norm[r2] in _CHINESE_DIGIT_START and chinese):
                return None
        sfx = _SUFFIX_RE.match(norm, self._skip_spaces(unit_end), self.end)
        suffix_op = _SUFFIX_OPS[sfx.group()] if sfx else None
        q_end = sfx.end() if sfx else unit_end
        try:
            if chinese:
                base = Decimal(parse_chinese_integer(number_text))
            else:
                base = Decimal(number_text.replace(",", ""))
        except (ValueError, ArithmeticError):
            return None
        value = float(base * MAGNITUDES[magnitude])
        if chinese:
            # Chinese numerals in plans name things (十项重大改革, 一处美, 十五部门); they count
            # only with a measure unit and a value of at least ten: 三千公里, 五万人.
            if kind not in (MEASURE, PERCENT) or value < 10:
                return None
        value_text = self.text[s:number_end].replace("多", "").replace("余", "")
        return _Quantity(s, number_end, q_end, unit_end, value, value_text, unit, kind,
                         suffix_op, mid_op, chinese, bool(magnitude))

    # -- clause structure -------------------------------------------------------------------
    def _clause_start(self, pos: int, floor: int) -> int:
        """Start of the clause that contains ``pos`` (scanning back, not below ``floor``)."""
        depth = self.pd(pos) if pos < self.end else 0
        # blocked(), pd() and quoted() inlined: this steps back one character at a time.
        start, end, mask, norm = self.start, self.end, self._mask, self.norm
        pdepth, qdepth = self.pdepth, self.qdepth
        i = pos
        while i > floor:
            j = i - 1
            if mask[j - start] == 1 if start <= j < end else self.blocked(j):
                return i
            d = pdepth[j - start]
            if d < depth:
                return i
            if d == depth and norm[j] in _BOUNDARY and qdepth[j - start] == 0:  # unquoted boundary
                return i
            i = j
        return i

    def _lead_strip(self, s: int, e: int) -> int:
        """Skip lead-in words and periods at the front of ``[s, e)``."""
        norm = self.norm
        while s < e:
            s = self._skip_spaces(s)
            m = _PERIOD_PREFIX_RE.match(norm, s, e)
            if m and m.end() > s and m.end() < e:
                s = m.end()
                continue
            for w in _LEAD_WORDS:
                if norm.startswith(w, s) and s + len(w) < e and not _LEAD_GUARD.match(norm, s + len(w), e):
                    s += len(w)
                    break
            else:
                return s
        return s

    def _scope(self, s: int, e: int, need_verb: bool) -> tuple[int, int] | None:
        """A scope such as 全省各设区市主城区 at the front of ``[s, e)``: the scope word and,
        when a verb follows, everything up to the verb."""
        m = _SCOPE_RE.match(self.norm, s, e)
        if not m:
            return None
        verb = _VERB_RE.search(self.norm, m.end(), e)
        if verb:
            return (s, verb.start())
        if need_verb:
            return None
        return (s, m.end())

    def _prefix_op(self, pos: int, floor: int) -> tuple[str | None, int]:
        """A comparator word right before the number: (op, where the word starts). A rate
        word may stand between them (达到每日1.2万吨); it is left to the period."""
        p = self._skip_spaces_back(pos, floor)
        for w in _RATE_WORDS:
            if p - len(w) >= floor and self.norm.startswith(w, p - len(w)):
                p = self._skip_spaces_back(p - len(w), floor)
                break
        for w in _PREFIX_WORDS_BY_LAST.get(self.norm[p - 1], ()) if p > 0 else ():
            s = p - len(w)
            if s >= floor and self.norm.startswith(w, s):
                guard = _PREFIX_GUARD.get(w)
                if guard and s > 0 and self.norm[s - 1] in guard:
                    continue
                return _PREFIX_OPS[w], s
        return None, pos if p == self._skip_spaces_back(pos, floor) else p

    def _noun_follows(self, q: _Quantity) -> tuple[int, bool] | None:
        """Where the noun counted by a number-first target starts, and whether 的 came first."""
        i = self._skip_spaces(q.end)
        de = False
        if i < self.end and self.norm[i] == "的":
            de, i = True, self._skip_spaces(i + 1)
        if i >= self.end or self.blocked(i):
            return None
        c = self.norm[i]
        if c in _NOT_NOUN_START or self.norm.startswith("以及", i):
            return None
        if "\u4e00" <= c <= "\u9fff" or c in _OPEN_QUOTES or c.isascii() and c.isalnum():
            return i, de
        return None

    def _forward_metric(self, s: int) -> int:
        """End of the noun phrase of a number-first target starting at ``s``."""
        depth = self.pd(s)
        i = s
        while i < self.end:
            if self.blocked(i):
                break
            d = self.pd(i)
            c = self.norm[i]
            if d < depth:
                break
            if d == depth and not self.quoted(i):
                if c in _BOUNDARY:
                    break
                conj = next((w for w in _CONJUNCTIONS if self.norm.startswith(w, i)), None)
                if conj:
                    k = self._skip_spaces(i + len(conj))
                    if k < self.end and (self.norm[k].isdigit() or self.norm[k] in _CHINESE_DIGIT_START
                                         and self.norm[k + 1:k + 2] in ("个", "家", "所", "条", "处", "项")):
                        break
            i += 1
        return self._skip_spaces_back(i, s)

    # -- targets ----------------------------------------------------------------------------
    def run(self) -> list[Target]:
        targets: list[Target] = []
        prev_end = self.start
        consumed = self.start
        for q in self._quantities():
            if q.start < consumed:
                continue
            t = self._target(q, prev_end, targets[-1] if targets else None)
            if t is None:
                continue
            target, used_until = t
            targets.append(target)
            prev_end = target.end
            consumed = max(used_until, target.end)
        return targets

    def _target(self, q: _Quantity, prev_end: int, prev: Target | None) -> tuple[Target, int] | None:
        norm = self.norm
        after = self._skip_spaces(q.end)
        at_boundary = after >= self.end or self.blocked(after) or norm[after] in _BOUNDARY or norm[after] in ")、"
        op, op_start = self._prefix_op(q.start, self.start)
        follows = self._noun_follows(q)
        if follows and (q.kind == TIME or q.kind == MEASURE and follows[1]):
            # 15分钟生活圈, 3岁以下婴幼儿, 总投资10亿元以上的项目: a qualifier of a noun; the
            # phrase stays part of the metric of the number that counts it.
            return None
        if q.kind == NONE:
            # A bare number is a target only as a level (收入比保持1.90左右) or a magnitude
            # (就业10万以上); 26县, 2023〕, 09: 42 are not.
            if q.chinese or follows and not at_boundary:
                return None
            if not (op or q.suffix_op or q.has_magnitude and at_boundary):
                return None

        # Metric first: the clause before the number.
        floor = max(self.start, prev_end)
        cs = self._clause_start(op_start, floor)
        ms = self._lead_strip(cs, op_start)
        me = self._skip_spaces_back(op_start, ms)
        after_prev = cs == prev_end and prev_end > self.start
        if after_prev:
            while True:
                conj = next((w for w in _CONJUNCTIONS if norm.startswith(w, ms)), None)
                if not conj:
                    break
                ms = self._lead_strip(ms + len(conj), op_start)
        scope = None
        if ms < me:
            scope = self._scope(ms, me, need_verb=False)
            if scope:
                ms = self._lead_strip(scope[1], me)
                if ms >= me:  # the whole phrase is a scope word: 全省达到…
                    ms, scope = scope[0], None

        noun = follows if q.kind in (COUNT, MEASURE, PERCENT) else None
        if noun and q.kind == PERCENT and not noun[1]:
            noun = None  # 50%的县 counts a share of a group, 5%城市 does not
        if op and ms < me:
            noun = None
        if noun:
            return self._number_first(q, noun, op, op_start, cs)
        if ms >= me:
            if prev is not None and after_prev and norm[prev_end:op_start].strip(_SPACES + "、和及与或,") == "":
                # 分别增长6.5%和7.5%: the second number shares the metric of the first.
                return self._make(q, q.start if not op else op_start, q.end, prev.metric, op,
                                  prev.scope, self._period(q.start)), q.end
            return None
        metric = self.text[ms:me]
        if q.kind == COUNT and _POLICY_NOUN_RE.search(metric):
            return None  # 惠企政策30条
        text_start = scope[0] if scope else ms
        scope_text = self.text[scope[0]:scope[1]].strip(_SPACES) if scope else None
        return self._make(q, text_start, q.end, metric, op, scope_text, self._period(q.start)), q.end

    def _number_first(self, q: _Quantity, noun: tuple[int, bool], op: str | None, op_start: int, cs: int):
        ns, de = noun
        me = self._forward_metric(ns)
        used_until = me
        me = self._trim_metric_end(ns, me)
        if me <= ns:
            return None
        metric_start = ns
        if de is False and q.kind == COUNT:
            # 15个以县城为重要载体的城镇化建设试点: the head noun after the last 的.
            k = self._last_top_level(ns, me, "的")
            if k is not None and me - (k + 1) >= 2:
                metric_start = k + 1
        metric = self.text[metric_start:me]
        if q.kind == COUNT and _POLICY_NOUN_RE.search(metric):
            return None  # 七大行动20条举措
        text_start = op_start if op else q.start
        lead = self._lead_strip(cs, op_start)
        scope = self._scope(lead, op_start, need_verb=True) if lead < op_start else None
        scope_text = self.text[scope[0]:scope[1]].strip(_SPACES) if scope else None
        return self._make(q, text_start, me, metric, op, scope_text, self._period(q.start)), used_until

    def _trim_metric_end(self, s: int, e: int) -> int:
        """Drop what ends a number-first phrase without being counted: a trailing attribution
        parenthesis, 等, and the nominal verbs 建设/工作 (10个国家示范县建设)."""
        norm = self.norm
        changed = True
        while changed and e > s:
            changed = False
            e = self._skip_spaces_back(e, s)
            if norm[e - 1] == ")":
                k = self._matching_open(s, e - 1)
                if k is not None and k > s and _ATTRIBUTION_RE.search(norm, k, e):
                    e, changed = k, True
                    continue
            for w in ("等", "建设", "工作"):
                if norm.endswith(w, s, e) and e - len(w) - s >= 2:
                    e, changed = e - len(w), True
                    break
        return e

    def _matching_open(self, s: int, close: int) -> int | None:
        depth = 0
        for k in range(close, s - 1, -1):
            if self.norm[k] == ")":
                depth += 1
            elif self.norm[k] == "(":
                depth -= 1
                if depth == 0:
                    return k
        return None

    def _last_top_level(self, s: int, e: int, ch: str) -> int | None:
        base = self.pd(s)
        for k in range(e - 1, s - 1, -1):
            if self.norm[k] == ch and self.pd(k) == base and not self.quoted(k):
                return k
        return None

    def _sentence_start(self, pos: int) -> int:
        """Where the sentence before ``pos`` starts: after the last 。!? or line break, or
        blocked character, not below the window."""
        if not self.start < pos <= self.end:
            s = pos
            while s > self.start and not self.blocked(s - 1) and self.norm[s - 1] not in _SENTENCE_ENDS:
                s -= 1
            return s
        # Searched from the right in C rather than stepping back one character at a time.
        last = max(self.norm.rfind(c, self.start, pos) for c in _SENTENCE_ENDS)
        last_blocked = self._mask.rfind(1, 0, pos - self.start)
        if last_blocked >= 0:
            last = max(last, self.start + last_blocked)
        return max(self.start, last + 1)

    def _period(self, pos: int) -> str | None:
        """The nearest period expression before ``pos``: a date or a year-long frame (到2023年底,
        全年) anywhere earlier in the sentence, a rate (每年, 日均) only in the same clause."""
        s = self._sentence_start(pos)
        clause = self._clause_start(pos, s)
        best = None
        for m in _PERIOD_RE.finditer(self.norm, s, pos):
            if self.quoted(m.start("p")):
                continue
            core = m.group("p")
            if core in _RATE_WORDS + ("每季度",) and m.start() < clause:
                continue
            if core[0].isdigit() and not re.search(r"\d\s*[-—–~至到]", core) \
                    and not m.group("pre") and not m.group("suf"):
                # A bare year is a period when it heads its clause (2023年全省新增…, 2025年,…),
                # not inside a phrase (《2023年工作要点》 is quoted anyway, 比2020年下降).
                b = self._skip_spaces_back(m.start(), s)
                nxt = self._skip_spaces(m.end())
                heads = b == s or self.norm[b - 1] in _BOUNDARY or self.blocked(b - 1)
                if not heads or nxt < len(self.norm) and self.norm[nxt] == "的":
                    continue
            best = m
        if best is None:
            return None
        return self.text[best.start("p"):best.end("p")].strip(_SPACES)

    def _make(self, q: _Quantity, s: int, e: int, metric: str, op: str | None,
              scope: str | None, period: str | None) -> Target:
        # A word after the number (以上, 左右) is the more specific one: 达到60%左右 is ~.
        comparator = q.suffix_op or q.mid_op or op or "="
        return Target(
            text=self.text[s:e],
            start=s,
            end=e,
            metric=_clean_metric(metric),
            value=q.value,
            unit=q.unit,
            comparator=comparator,
            value_text=q.value_text,
            scope=scope or None,
            period=period,
        )


# Adverbs between a metric and its comparison (研发经费投入强度力争达到3.2%, 城镇新增就业确保
# 完成10万人): not the metric.
_TRAILING_ADVERB = re.compile(r"(力争|确保|努力|争取|力求|预计)(完成|实现)?$")


def _clean_metric(metric: str) -> str:
    """Trim spaces, a trailing adverb and a pair of quotation marks around the whole metric."""
    m = metric.strip(_SPACES)
    adverb = _TRAILING_ADVERB.search(m)
    if adverb and adverb.start() >= 2:
        m = m[: adverb.start()].rstrip(_SPACES + ",，")
    for o, c in zip(_OPEN_QUOTES, _CLOSE_QUOTES):
        if len(m) > 2 and m[0] == o and m[-1] == c and o not in m[1:-1] and c not in m[1:-1]:
            return m[1:-1]
    return m
