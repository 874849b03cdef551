"""One lexer for SPARQL text: where the keywords are, and where they are not.

Both the public endpoint's guard (:mod:`fengong.sparql_guard`) and the stores' own check
of every query they run (:func:`fengong.store.ntriples.check_read_query`) look for
keywords such as ``INSERT`` or ``SERVICE``. A keyword can only stand in a query as a bare
word: inside an IRI, a string, a comment, a variable or a prefixed name it is not one. So
both read the query through the same terminals (SPARQL 1.1 IRIs, strings, comments,
variables, prefixed names, language tags, numbers, words, punctuation); two lexers that
disagreed on what is a string would let one of them be fooled.

>>> [(t.kind, t.text) for t in tokens("ASK { ?s <http://a/#SERVICE> 'FROM' } # LOAD")]
[('word', 'ASK'), ('op', '{'), ('var', '?s'), ('iri', '<http://a/#SERVICE>'), ('string', "'FROM'"), ('op', '}'), ('comment', '# LOAD')]
>>> words("PREFIX ex: <http://x/> SELECT * { ?s ex:insert ?o }")
['PREFIX', 'SELECT']
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

__all__ = ["Token", "tokens", "words", "expand_escapes", "UnexpectedCharacter"]

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
              |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
  | (?P<var>[?$][\w\u00b7\u0300-\u036f\u203f-\u2040]+)
  | (?P<pname>[\w.\-\u00b7]*:(?:[\w.\-:%\u00b7]|\\[_~.\-!$&'()*+,;=/?\#@%])*)
  | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<number>[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?))
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>\^\^|&&|\|\||!=|<=|>=|[{}()\[\].,;*=<>!+\-/|^?$@:'"])
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


class UnexpectedCharacter(ValueError):
    """A character no SPARQL terminal starts with (raised by ``tokens(strict=True)``)."""

    def __init__(self, char: str, offset: int) -> None:
        self.char = char
        self.offset = offset
        super().__init__(f"unexpected character {char!r} at offset {offset}")


class Token(NamedTuple):
    kind: str  # comment, iri, string, var, pname, lang, number, word, op, other
    text: str
    start: int
    end: int


def tokens(text: str, strict: bool = False) -> Iterator[Token]:
    """The tokens of ``text``, spaces left out. A character that starts no terminal is an
    ``other`` token, or with ``strict`` raises :class:`UnexpectedCharacter`.

    >>> [t.kind for t in tokens('SELECT ?s { ?s <p> "}" } # }')]
    ['word', 'var', 'op', 'var', 'iri', 'string', 'op', 'comment']
    """
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or "other"
        if kind == "space":
            continue
        if kind == "other" and strict:
            raise UnexpectedCharacter(m.group(), m.start())
        yield Token(kind, m.group(), m.start(), m.end())


def words(text: str, strict: bool = False) -> list[str]:
    """The bare words of ``text`` (keywords, ``a``, function names), as written."""
    return [t.text for t in tokens(text, strict) if t.kind == "word"]


def expand_escapes(text: str) -> str:
    """``text`` with its ``\\uXXXX`` and ``\\UXXXXXXXX`` escapes replaced by the characters
    they stand for: the SPARQL grammar allows them anywhere, and ``SER\\u0056ICE`` is
    ``SERVICE``. Escapes of no character (surrogates, beyond U+10FFFF) stay as written.

    >>> expand_escapes("SER\\\\u0056ICE")
    'SERVICE'
    """

    def replace(m: re.Match) -> str:
        code = int(m.group(1) or m.group(2), 16)
        return chr(code) if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else m.group()

    return _ESCAPE.sub(replace, text)
