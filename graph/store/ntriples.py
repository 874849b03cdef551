"""N-Triples serialisation of rdflib terms, and the few SPARQL text operations the stores need.

Values from users reach a SPARQL text only through :func:`term` (the N-Triples escaping
rules: every character that could end a string or an IRI is escaped), never as raw
strings. Keywords are looked for only where they are keywords, by the lexer of
:mod:`fengong.sparql_lexer`.

>>> from rdflib import Literal, URIRef
>>> term(Literal('他说"好"\\n', lang="zh"))
'"他说\\\\"好\\\\"\\\\n"@zh'
>>> term(URIRef("http://example.org/a>b"))
'<http://example.org/a\\\\u003Eb>'
>>> check_read_query("PREFIX fg: <https://w3id.org/fengong/ns#> SELECT * WHERE { ?s fg:select ?o }")
'SELECT'
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping

from rdflib import BNode, Literal, URIRef, Variable
from rdflib.namespace import RDF, XSD
from rdflib.term import Node

from fengong import sparql_lexer

__all__ = [
    "term",
    "iri",
    "literal",
    "triples_text",
    "insert_data",
    "check_read_query",
    "inject_values",
    "where_position",
    "values_block",
    "QUERY_FORMS",
    "UPDATE_FORMS",
]

_XSD_STRING = str(XSD.string)
_XSD_DECIMAL = str(XSD.decimal)
_WHOLE = re.compile(r"^[+-]?[0-9]+$")
_RDF_LANGSTRING = str(RDF.langString)

# ECHAR for the usual escapes, UCHAR for every other control character.
_STRING_ESCAPES = {ord("\\"): "\\\\", ord('"'): '\\"', ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t",
                   ord("\b"): "\\b", ord("\f"): "\\f"}
_STRING_ESCAPES.update({c: f"\\u{c:04X}" for c in [*range(0x00, 0x20), 0x7F] if c not in _STRING_ESCAPES})
# Characters IRIREF forbids: escaped as UCHAR, so they can never close the IRI. (A server
# may still reject the IRI as invalid: that is an error, never an injection.)
_IRI_ESCAPES = {c: f"\\u{c:04X}" for c in [*range(0x00, 0x21), *map(ord, '<>"{}|^`\\')]}
_LANGTAG = re.compile(r"^[A-Za-z]+(-[A-Za-z0-9]+)*$")
_BNODE_LABEL = re.compile(r"[^A-Za-z0-9_]")
_VARNAME = re.compile(r"^[A-Za-z_0-9][A-Za-z_0-9\u00B7\u00C0-\uFFFF]*$")


# Most values need no escaping: a regex scan (in C) is much cheaper than translate().
_IRI_SPECIAL = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_STRING_SPECIAL = re.compile(r'[\x00-\x1f"\\\x7f]')


def iri(value: str) -> str:
    """``<value>`` with the characters IRIREF forbids escaped."""
    if _IRI_SPECIAL.search(value):
        value = value.translate(_IRI_ESCAPES)
    return f"<{value}>"


def literal(lexical: str, language: str | None = None, datatype: str | None = None) -> str:
    """A literal in N-Triples form; ``xsd:string`` is written as a simple literal."""
    if _STRING_SPECIAL.search(lexical):
        lexical = lexical.translate(_STRING_ESCAPES)
    quoted = f'"{lexical}"'
    if language:
        if not _LANGTAG.match(language):
            raise ValueError(f"not a language tag: {language!r}")
        return f"{quoted}@{language}"
    if datatype and datatype != _XSD_STRING and datatype != _RDF_LANGSTRING:
        if datatype == _XSD_DECIMAL and _WHOLE.match(lexical):
            # "96"^^xsd:decimal is canonical, but Virtuoso stores it as an xsd:integer;
            # "96.0" (the form fengong.rdf writes) keeps the datatype everywhere.
            quoted = f'"{lexical}.0"'
        return f"{quoted}^^{iri(datatype)}"
    return quoted


def term(node: Node) -> str:
    """One rdflib term in N-Triples form (also valid SPARQL)."""
    if isinstance(node, URIRef):
        return iri(node)
    if isinstance(node, Literal):
        return literal(str(node), node.language, str(node.datatype) if node.datatype else None)
    if isinstance(node, BNode):
        return "_:" + (_BNODE_LABEL.sub("_", str(node)) or "b")
    if isinstance(node, Variable):
        if not _VARNAME.match(str(node)):
            raise ValueError(f"not a variable name: {node!r}")
        return f"?{node}"
    raise TypeError(f"cannot write {type(node).__name__} {node!r} as an RDF term")


def triples_text(triples: Iterable[tuple[Node, Node, Node]], graph: str | None = None) -> str:
    """N-Triples lines for triples (the body of an ``INSERT DATA`` graph block), or with
    ``graph`` (an IRI) N-Quads lines in that graph.

    IRIs repeat a lot within a document (predicates, classes, the document itself), so
    their text is cached for the call.
    """
    end = " .\n" if graph is None else f" {iri(graph)} .\n"
    cache: dict[Node, str] = {}
    out = []
    append = out.append
    for s, p, o in triples:
        st = cache.get(s)
        if st is None:
            st = cache[s] = term(s)
        pt = cache.get(p)
        if pt is None:
            pt = cache[p] = term(p)
        if type(o) is URIRef:
            ot = cache.get(o)
            if ot is None:
                ot = cache[o] = iri(o)
        else:
            ot = term(o)
        append(f"{st} {pt} {ot}{end}")
    return "".join(out)


def insert_data(graphs: Mapping[URIRef, Iterable[tuple[Node, Node, Node]]], drop: Iterable[URIRef] = (),
                chunk_chars: int | None = None) -> str:
    """One SPARQL update: ``DROP SILENT GRAPH`` for ``drop``, then ``INSERT DATA`` of the graphs.

    With ``chunk_chars`` the data is split into several ``INSERT DATA`` operations of about
    that many characters each (still one request); servers cap the size of one operation.
    """
    ops = [f"DROP SILENT GRAPH {iri(g)}" for g in drop]
    blocks: list[str] = []
    size = 0

    def flush() -> None:
        nonlocal size
        if blocks:
            ops.append("INSERT DATA {\n" + "".join(blocks) + "}")
            blocks.clear()
            size = 0

    for graph, triples in graphs.items():
        lines = triples_text(triples)
        if not lines:
            continue
        if chunk_chars and len(lines) > chunk_chars:
            chunk: list[str] = []
            n = 0
            for line in lines.splitlines(keepends=True):
                chunk.append(line)
                n += len(line)
                if n >= chunk_chars:
                    blocks.append(f"GRAPH {iri(graph)} {{\n{''.join(chunk)}}}\n")
                    flush()
                    chunk, n = [], 0
            lines = "".join(chunk)
            if not lines:
                continue
        blocks.append(f"GRAPH {iri(graph)} {{\n{lines}}}\n")
        size += len(lines)
        if chunk_chars and size >= chunk_chars:
            flush()
    flush()
    return " ;\n".join(ops)


# --- SPARQL text -------------------------------------------------------------------------

QUERY_FORMS = ("SELECT", "CONSTRUCT", "ASK", "DESCRIBE")
UPDATE_FORMS = ("INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH")

@functools.lru_cache(maxsize=4096)
def check_read_query(sparql: str) -> str | None:
    """The query form, after refusing updates and ``SERVICE`` (``QueryError``); also with
    ``\\uXXXX`` escapes expanded, which the SPARQL grammar allows anywhere and some servers
    honour (``SER\\u0056ICE``). Keywords are found by the lexer the public endpoint's guard
    uses (:mod:`fengong.sparql_lexer`). Cached: the same texts come again with other bindings.

    >>> check_read_query("ASK { ?s ?p ?o }")
    'ASK'
    """
    from .base import QueryError

    texts = [sparql]
    expanded = sparql_lexer.expand_escapes(sparql)
    if expanded != sparql:
        texts.append(expanded)
    form = None
    for text in texts:
        # One pass over the tokens (texts with VALUES rows differ every time: no cache hit)
        words = [w.upper() for w in sparql_lexer.words(text)]
        first = next((w for w in words if w in QUERY_FORMS or w in UPDATE_FORMS), None)
        form = first if form is None else form
        present = set(words)
        if first in UPDATE_FORMS or not present.isdisjoint(UPDATE_FORMS):
            raise QueryError("updates are not allowed here; this endpoint only answers queries")
        if "SERVICE" in present:
            raise QueryError("SERVICE (federated query) is not allowed")
    return form


def values_block(bindings: Mapping[str, Node]) -> str:
    """``VALUES (?a ?b) { (<…> "…") }`` for pre-bound variables."""
    names = list(bindings)
    head = " ".join(term(Variable(n)) for n in names)
    row = " ".join(term(bindings[n]) for n in names)
    return f"VALUES ({head}) {{ ({row}) }}"


def inject_values(sparql: str, bindings: Mapping[str, Node]) -> str:
    """Pre-bind variables by a ``VALUES`` block at the start of the query's WHERE group.

    The block joins with the rest of the group, which gives the pre-binding semantics of
    rdflib's ``initBindings`` for the queries fengong runs (and keeps the bound variables
    in the results). A trailing VALUES clause would not: it is joined only after grouping
    and aggregation. Raises ValueError for a query with no WHERE group (``DESCRIBE <x>``,
    ``CONSTRUCT WHERE { … }``).

    >>> from rdflib import URIRef
    >>> inject_values("SELECT ?t WHERE { ?d <p> ?t }", {"d": URIRef("http://x/d")})
    'SELECT ?t WHERE { VALUES (?d) { (<http://x/d>) } ?d <p> ?t }'
    >>> inject_values("CONSTRUCT { ?d <q> ?t } WHERE { ?d <p> ?t }", {"d": URIRef("http://x/d")})
    'CONSTRUCT { ?d <q> ?t } WHERE { VALUES (?d) { (<http://x/d>) } ?d <p> ?t }'
    """
    if not bindings:
        return sparql
    at = where_position(sparql)
    return f"{sparql[:at]} {values_block(bindings)}{sparql[at:]}"


@functools.lru_cache(maxsize=4096)
def where_position(sparql: str) -> int:
    """Offset just after the ``{`` that opens the query's WHERE group (cached: the same
    query texts come again and again with other bindings)."""
    form = None
    depth = 0
    skip_template = False
    for kind, text, start, end in sparql_lexer.tokens(sparql):
        if kind == "word" and form is None and text.upper() in QUERY_FORMS:
            form = text.upper()
            skip_template = form == "CONSTRUCT"
            continue
        if form is None:
            continue
        if skip_template:
            # CONSTRUCT { template } WHERE { … }: step over the template. The short form
            # CONSTRUCT WHERE { … } has only triples in its group: no VALUES allowed there.
            if kind == "word" and text.upper() == "WHERE" and depth == 0:
                raise ValueError("cannot bind variables of a CONSTRUCT WHERE short form query")
            if kind == "op" and text == "{":
                depth += 1
            elif kind == "op" and text == "}":
                depth -= 1
                if depth == 0:
                    skip_template = False
            continue
        if kind == "op" and text == "{":
            return end
    raise ValueError("the query has no WHERE group to bind variables in")
