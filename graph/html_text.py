"""HTML page → plain text: markup and navigation dropped, one block per line.

Government sites wrap a document in menus, breadcrumbs, share buttons and footers. Those
are dropped by element (nav, header, footer, aside, script, style …) and by the class or
id words such pages use; when the page has an obvious article container, only it is kept.
Table rows become lines with cells separated by a tab, so task tables stay readable; the
items of an ordered list (<ol>) get the numbers a browser draws (1., and （1） in a nested one).
"""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

_SKIP_TAGS = {"script", "style", "noscript", "template", "nav", "header", "footer", "aside",
              "form", "button", "select", "option", "iframe", "svg", "head", "title", "object"}
_BLOCK_TAGS = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr",
               "table", "section", "article", "blockquote", "pre", "dt", "dd", "hr", "center"}
_VOID_TAGS = {"br", "hr", "img", "meta", "link", "input", "area", "base", "col", "embed",
              "source", "track", "wbr", "param"}
# Words in class/id attributes that mark page furniture rather than the document.
_NAV_WORDS = re.compile(
    r"(^|[-_\s])(nav|navbar|menu|breadcrumb|crumb|footer|header|topbar|sidebar|share|"
    r"toolbar|banner|copyright|search|login|skip|pager|related|friendlink|links)([-_\s]|$)",
    re.I,
)
_ARTICLE_WORDS = re.compile(
    r"(^|[-_\s])(article|content|zoom|trs_editor|TRS_Editor|main-text|maintext|"
    r"art_con|article-content|detail|wzy|zw|bt_content)([-_\s]|$)",
    re.I,
)


class _Extractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip_depth = 0
        self.stack: list[tuple[str, bool]] = []  # (tag, skipping-started-here)
        self.in_cell = False
        # Open lists, innermost last: the count of an <ol> so far, or None for a <ul>.
        self.lists: list[list[int] | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attrs_text = " ".join(v or "" for k, v in attrs if k in ("class", "id", "role"))
        starts_skip = tag in _SKIP_TAGS or bool(attrs_text and _NAV_WORDS.search(attrs_text))
        if tag in _VOID_TAGS:
            if tag in ("br", "hr") and not self.skip_depth:
                self.parts.append("\n")
            return
        self.stack.append((tag, starts_skip))
        if starts_skip:
            self.skip_depth += 1
        if tag in ("ol", "ul"):  # pushed even where skipped, so that every end tag pops its own
            start = dict(attrs).get("start") or "1"
            self.lists.append([int(start) - 1 if start.isdigit() else 0] if tag == "ol" else None)
        if self.skip_depth:
            return
        if tag in ("td", "th"):
            self.parts.append("\t")
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")
        if tag == "li" and self.lists and self.lists[-1] is not None:
            # The number the browser draws: 1. in an outer list, （1） in a nested one.
            self.lists[-1][0] += 1
            n = self.lists[-1][0]
            nested = sum(1 for lst in self.lists if lst is not None) > 1
            self.parts.append(f"（{n}）" if nested else f"{n}.")

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID_TAGS:
            return
        # Pop to the matching start tag; tolerate the unclosed tags real pages have.
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                for open_tag, started in self.stack[i:]:
                    if started:
                        self.skip_depth -= 1
                    if open_tag in ("ol", "ul") and self.lists:
                        self.lists.pop()
                del self.stack[i:]
                break
        if not self.skip_depth and tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip_depth:
            self.parts.append(data)


def _article_fragment(html: str) -> str | None:
    """The inner HTML of the page's article container, when one is marked clearly."""
    for m in re.finditer(r"<(div|article|td|section)\b[^>]*\b(class|id)\s*=\s*[\"']([^\"']*)[\"'][^>]*>", html, re.I):
        if _ARTICLE_WORDS.search(m.group(3)) and not _NAV_WORDS.search(m.group(3)):
            tag = m.group(1).lower()
            # Find the matching close tag by counting nesting of the same tag.
            depth, pos = 1, m.end()
            pattern = re.compile(rf"<(/?){tag}\b[^>]*>", re.I)
            for t in pattern.finditer(html, pos):
                depth += -1 if t.group(1) else 1
                if depth == 0:
                    inner = html[m.end():t.start()]
                    # Only trust a container that holds most of the page's text.
                    if len(_strip(inner)) > 0.5 * len(_strip(html)):
                        return inner
                    break
    return None


def _strip(html: str) -> str:
    return re.sub(r"<[^>]+>|\s+", "", html)


def html_to_text(html: str) -> str:
    """Plain text of an HTML page, one block per line, navigation dropped.

    >>> html_to_text("<nav>首页</nav><p>(一)任务一。(省建设厅)</p>")
    '(一)任务一。(省建设厅)\\n'
    """
    fragment = _article_fragment(html) or html
    parser = _Extractor()
    parser.feed(fragment)
    parser.close()
    raw = unescape("".join(parser.parts)).replace("\xa0", " ").replace("\u3000\u3000", "\u3000")
    lines = []
    for line in raw.split("\n"):
        line = re.sub(r"[ \t\r\f\v]+$", "", line)
        line = re.sub(r"^[ \t]+", "", line)
        cells = line.split("\t")
        line = "\t".join(c.strip() for c in cells).strip("\t")
        lines.append(line)
    text = "\n".join(lines)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip() + "\n"
