"""Refuse SPARQL that a public read-only endpoint must never run.

:func:`check_query` lexes a query (SPARQL 1.1 terminals: IRIs, strings, comments,
variables, prefixed names, numbers, keywords) and refuses, with a message for the client:

- every update form (``INSERT``, ``DELETE``, ``LOAD``, ``CLEAR``, ``DROP``, ``CREATE``,
  ``ADD``, ``MOVE``, ``COPY``, ``WITH``, ``USING``): the endpoint is read-only;
- ``SERVICE``: the endpoint never calls other endpoints;
- ``FROM`` and ``FROM NAMED``: rdflib's engine *loads* such graphs from their URLs (a
  server-side request forgery); queries see the store's own dataset, and ``GRAPH <iri>``
  selects one of its named graphs.

A keyword can only occur in a query as a bare word (inside an IRI, a string, a comment,
a variable or a prefixed name it is not a keyword), so refusing bare words is exact. The
SPARQL grammar lets ``\\uXXXX`` escapes stand anywhere in a query, so the query is also
checked after expanding them (``SER\\u0056ICE`` is SERVICE). Syntax errors are left to
the engine, which reports them.

>>> check_query("SELECT * WHERE { ?s ?p ?o }").form
'SELECT'
>>> check_query("PREFIX ex: <http://x/> ASK { ex:service ex:from ?o }").form
'ASK'
>>> try:
...     check_query("INSERT DATA { <a> <b> <c> }")
... except QueryRefused as refused:
...     print(refused)
SPARQL Update (INSERT) is not allowed: this endpoint is read-only.
"""

from __future__ import annotations

from dataclasses import dataclass

from fengong import sparql_lexer
from fengong.store import QueryError

__all__ = ["QueryRefused", "CheckedQuery", "check_query", "tokens", "MAX_QUERY_LENGTH"]

#: Longest query accepted (characters).
MAX_QUERY_LENGTH = 100_000

FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
UPDATE_WORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH", "USING")


class QueryRefused(QueryError):
    """The query is well formed enough to see that it asks for something not allowed."""


@dataclass(frozen=True)
class CheckedQuery:
    """A query that passed the guard, and its form (SELECT, ASK, CONSTRUCT, DESCRIBE)."""

    text: str
    form: str

    @property
    def returns_graph(self) -> bool:
        return self.form in ("CONSTRUCT", "DESCRIBE")


def tokens(text: str) -> list[tuple[str, str]]:
    """``(kind, text)`` of every token except comments (:mod:`fengong.sparql_lexer`);
    :class:`~fengong.store.QueryError` at a character that starts no SPARQL terminal.

    >>> tokens("SELECT ?x WHERE { ?x <http://a/#SERVICE> 'FROM' } # LOAD")
    [('word', 'SELECT'), ('var', '?x'), ('word', 'WHERE'), ('op', '{'), ('var', '?x'), ('iri', '<http://a/#SERVICE>'), ('string', "'FROM'"), ('op', '}')]
    """
    try:
        return [(t.kind, t.text) for t in sparql_lexer.tokens(text, strict=True) if t.kind != "comment"]
    except sparql_lexer.UnexpectedCharacter as exc:
        raise QueryError(f"malformed query: {exc}") from None


def _refuse(words: list[str]) -> None:
    upper = [w.upper() for w in words]
    for word in upper:
        if word in UPDATE_WORDS:
            raise QueryRefused(f"SPARQL Update ({word}) is not allowed: this endpoint is read-only.")
    if "SERVICE" in upper:
        raise QueryRefused("SERVICE is not allowed: this endpoint never sends queries to other services.")
    if "FROM" in upper:
        named = any(a == "FROM" and b == "NAMED" for a, b in zip(upper, upper[1:]))
        what = "FROM NAMED" if named else "FROM"
        raise QueryRefused(
            f"{what} is not allowed: this endpoint never fetches a graph from a URL. Queries see the "
            "union of the store's graphs; use GRAPH <iri> { … } to query one of its named graphs."
        )


def check_query(text: str, max_length: int = MAX_QUERY_LENGTH) -> CheckedQuery:
    """The query if a read-only endpoint may run it; :class:`QueryRefused` (a
    :class:`~fengong.store.QueryError`) with the reason otherwise."""
    if not isinstance(text, str) or not text.strip():
        raise QueryError("empty query: send a SPARQL query in the 'query' parameter")
    if len(text) > max_length:
        raise QueryError(f"query too long: {len(text)} characters, at most {max_length}")
    if "\x00" in text:
        raise QueryError("malformed query: NUL character")
    expanded = sparql_lexer.expand_escapes(text)
    if expanded != text:
        try:
            _refuse([t for kind, t in tokens(expanded) if kind == "word"])
        except QueryRefused:
            raise
        except QueryError:
            pass  # the expanded form does not lex; the original is judged below
    words = [t for kind, t in tokens(text) if kind == "word"]
    _refuse(words)
    form = None
    for word in words:
        upper = word.upper()
        if upper in ("BASE", "PREFIX"):
            continue
        if upper in FORMS:
            form = upper
        break
    if form is None:
        raise QueryError("malformed query: expected SELECT, ASK, CONSTRUCT or DESCRIBE after the prologue")
    return CheckedQuery(text, form)
