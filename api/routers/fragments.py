"""``/fragments``: Triple Pattern Fragments (Hydra), the cheap cacheable query.

``GET /fragments?subject=&predicate=&object=&page=`` returns one page of the triples of
the union graph that match the pattern, with metadata (``hydra:totalItems`` and
``void:triples``: the number of matches; ``hydra:itemsPerPage``) and the hypermedia
controls of the TPF specification (the ``hydra:search`` IRI template with its mappings;
``hydra:first``, ``hydra:next``, ``hydra:previous``). Terms use Hydra's explicit
representation: an IRI as it is (``https://w3id.org/fengong/ns#Task``), a literal in
quotes (``"省建设厅"@zh``, ``"13"^^http://www.w3.org/2001/XMLSchema#integer``); an empty
value, ``?var`` or ``_:x`` leaves the position open.

Formats by ``Accept``: Turtle (default), TriG (metadata and controls in their own graph),
N-Triples, JSON-LD.
"""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from rdflib import BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, XSD

from ..common import Entry, cached
from ..problems import Problem, problem_responses
from ..sparql_engine import negotiate

router = APIRouter(tags=["fragments"])

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
VOID = Namespace("http://rdfs.org/ns/void#")
PAGE_SIZE = 100

_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]*$")
_LITERAL = re.compile(r'^"(?P<lex>.*)"(?:@(?P<lang>[A-Za-z]+(?:-[A-Za-z0-9]+)*)|\^\^<?(?P<dt>[^<>\s]+?)>?)?$', re.S)

_FORMATS = [
    ("text/turtle", "turtle"),
    ("application/trig", "trig"),
    ("application/n-triples", "nt"),
    ("application/ld+json", "json-ld"),
    ("text/plain", "nt"),
]


def parse_term(value: str | None, position: str, literal: bool = False):
    """An rdflib term for a TPF parameter, or None for an open position."""
    if value is None:
        return None
    value = value.strip()
    if not value or value.startswith("?") or value.startswith("_:"):
        return None
    if literal and value.startswith('"'):
        match = _LITERAL.match(value)
        if not match:
            raise Problem(400, "bad-request", f"{position}: not a literal in the form \"text\", \"text\"@lang "
                          "or \"text\"^^datatype-IRI.")
        lex, lang, dt = match.group("lex"), match.group("lang"), match.group("dt")
        if lang:
            return Literal(lex, lang=lang)
        if dt and dt != str(XSD.string):
            if not _IRI.match(dt):
                raise Problem(400, "bad-request", f"{position}: the datatype is not an IRI.")
            return Literal(lex, datatype=URIRef(dt))
        return Literal(lex)
    if not _IRI.match(value):
        what = "an IRI or a quoted literal" if literal else "an IRI"
        raise Problem(400, "bad-request", f"{position} must be {what}, got “{value[:100]}”.")
    return URIRef(value)


def _url(request: Request, **params) -> URIRef:
    pairs = [(k, v) for k, v in params.items() if v not in (None, "")]
    base = str(request.url.replace(query="", fragment=""))
    return URIRef(base + ("?" + urlencode(pairs) if pairs else ""))


@router.get(
    "/fragments",
    summary="Triple pattern fragment",
    responses={200: {"description": "One page of matching triples with Hydra metadata and controls",
                     "content": {m: {"schema": {"type": "string"}} for m, _ in _FORMATS[:4]}},
               **problem_responses(400, 406, 422, 503)},
    description="Triples matching a pattern, a page at a time (100 per page), with the number of matches, "
                "next/previous links and the search template (Linked Data Fragments, TPF).",
)
async def fragment(
    request: Request,
    subject: Annotated[str | None, Query(max_length=2000, description="Subject IRI (empty: any).",
                                         examples=["https://w3id.org/fengong/id/department/zj-housing"])] = None,
    predicate: Annotated[str | None, Query(max_length=2000, description="Predicate IRI (empty: any).",
                                           examples=["https://w3id.org/fengong/ns#leads"])] = None,
    object: Annotated[str | None, Query(max_length=2000, description="Object IRI or quoted literal (empty: any).",
                                        examples=['"省建设厅"@zh'])] = None,
    page: Annotated[int, Query(ge=1, le=1_000_000, description="Page number, from 1.")] = 1,
):
    pattern = (parse_term(subject, "subject"), parse_term(predicate, "predicate"),
               parse_term(object, "object", literal=True))
    chosen = negotiate(request.headers.get("accept"), _FORMATS)
    if chosen is None:
        raise Problem(406, "not-acceptable", "Fragments are available as text/turtle, application/trig, "
                      "application/n-triples or application/ld+json.")
    media, fmt = chosen
    store = request.app.state.store

    def compute() -> Entry:
        total = store.count(pattern)
        offset = (page - 1) * PAGE_SIZE
        triples = list(store.triples(pattern, limit=PAGE_SIZE, offset=offset))
        keep = {"subject": subject, "predicate": predicate, "object": object}
        this = _url(request, **keep, page=page if page > 1 else None)
        dataset_iri = URIRef(str(request.url.replace(query="", fragment="")) + "#dataset")
        data = Graph()
        meta = Graph()
        for t in triples:
            data.add(t)
        meta.add((dataset_iri, RDF.type, VOID.Dataset))
        meta.add((dataset_iri, RDF.type, HYDRA.Collection))
        meta.add((dataset_iri, VOID.subset, this))
        search = BNode("search")
        meta.add((dataset_iri, HYDRA.search, search))
        meta.add((search, HYDRA.template, Literal(str(request.url.replace(query="", fragment="")) +
                                                  "{?subject,predicate,object}")))
        meta.add((search, HYDRA.variableRepresentation, HYDRA.ExplicitRepresentation))
        for variable, prop in (("subject", RDF.subject), ("predicate", RDF.predicate), ("object", RDF.object)):
            mapping = BNode(f"mapping-{variable}")
            meta.add((search, HYDRA.mapping, mapping))
            meta.add((mapping, HYDRA.variable, Literal(variable)))
            meta.add((mapping, HYDRA.property, prop))
        meta.add((this, RDF.type, HYDRA.PartialCollectionView))
        meta.add((this, VOID.triples, Literal(total, datatype=XSD.integer)))
        meta.add((this, HYDRA.totalItems, Literal(total, datatype=XSD.integer)))
        meta.add((this, HYDRA.itemsPerPage, Literal(PAGE_SIZE, datatype=XSD.integer)))
        meta.add((this, HYDRA.first, _url(request, **keep)))
        if offset + PAGE_SIZE < total:
            meta.add((this, HYDRA.next, _url(request, **keep, page=page + 1)))
        if page > 1:
            meta.add((this, HYDRA.previous, _url(request, **keep, page=page - 1 if page > 2 else None)))
        if fmt == "trig":
            ds = Dataset()
            ds.bind("hydra", HYDRA)
            ds.bind("void", VOID)
            for t in data:
                ds.add(t)
            meta_graph = ds.graph(URIRef(str(this) + "#metadata"))
            for t in meta:
                meta_graph.add(t)
            body = ds.serialize(format="trig", encoding="utf-8")
        else:
            out = Graph()
            out.bind("hydra", HYDRA)
            out.bind("void", VOID)
            from fengong.vocab import bind_prefixes

            bind_prefixes(out)
            for t in data:
                out.add(t)
            for t in meta:
                out.add(t)
            body = out.serialize(format=fmt, encoding="utf-8")
        headers = {"Vary": "Accept"}
        return Entry(body, media if media != "text/plain" else "application/n-triples", headers=headers)

    key = (request.url.path, pattern, page, fmt, str(request.url.replace(query="")))
    return await cached(request, compute, key=key, cache_control="public, max-age=30")
