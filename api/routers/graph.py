"""``/api/v1/graph``: the whole graph, by content negotiation.

Turtle (default), N-Triples, JSON-LD (the union graph), or N-Quads and TriG (keeping one
named graph per document and the registry graph); ``format=`` overrides ``Accept``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from ..common import Entry, cached
from ..problems import Problem, problem_responses
from ..sparql_engine import negotiate

router = APIRouter(prefix="/api/v1/graph", tags=["graph"])

_FORMATS = [
    ("text/turtle", "turtle"),
    ("application/n-triples", "nt"),
    ("application/ld+json", "json-ld"),
    ("application/n-quads", "nquads"),
    ("application/trig", "trig"),
    ("text/plain", "nt"),
]
_ALIASES = {"turtle": "turtle", "ttl": "turtle", "nt": "nt", "ntriples": "nt", "n-triples": "nt",
            "jsonld": "json-ld", "json-ld": "json-ld", "nquads": "nquads", "nq": "nquads", "trig": "trig"}


@router.get("", summary="Dump the graph",
            responses={200: {"description": "Every triple (or quad)",
                             "content": {m: {"schema": {"type": "string"}} for m, _ in _FORMATS[:5]}},
                       **problem_responses(406, 422, 503)},
            description="The whole knowledge graph: Turtle, N-Triples or JSON-LD of the union graph, or N-Quads "
                        "and TriG with one named graph per document plus the registry graph.")
async def dump(
    request: Request,
    format: Annotated[str | None, Query(description="turtle, nt, jsonld, nquads or trig (instead of Accept).",
                                        max_length=20)] = None,
):
    if format:
        fmt = _ALIASES.get(format.lower())
        if fmt is None:
            raise Problem(406, "not-acceptable", f"format={format} is not available; use turtle, nt, jsonld, "
                          "nquads or trig.")
        media = next(m for m, f in _FORMATS if f == fmt)
    else:
        chosen = negotiate(request.headers.get("accept"), _FORMATS)
        if chosen is None:
            raise Problem(406, "not-acceptable", "The graph is available as " +
                          ", ".join(m for m, _ in _FORMATS[:5]) + ".")
        media, fmt = chosen
        if media == "text/plain":
            media = "application/n-triples"
    store = request.app.state.store

    def compute() -> Entry:
        body = store.dump(fmt)
        ext = {"turtle": "ttl", "nt": "nt", "json-ld": "jsonld", "nquads": "nq", "trig": "trig"}[fmt]
        return Entry(body, media, headers={"Vary": "Accept",
                                           "Content-Disposition": f'inline; filename="fengong.{ext}"'})

    return await cached(request, compute, key=("graph", fmt))
