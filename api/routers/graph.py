"""``/api/v1/graph``: the whole graph, or one document's, by content negotiation.

Turtle (default), N-Triples, JSON-LD (the union graph), or N-Quads and TriG (keeping one
named graph per document and the registry graph); ``format=`` overrides ``Accept``. The
whole graph is written to a file once per store generation and streamed from it
(:mod:`fengong.api.dumps`); ``document=`` gives one document's graph with the registry
graph (the descriptions of departments and regions).
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response, StreamingResponse
from rdflib import Dataset, Graph

from fengong.queries import generation
from fengong.rdf import registry_graph_iri
from fengong.store import QueryTimeout
from fengong.vocab import bind_prefixes

from ..common import Entry, answer_timeout, cached, not_modified
from ..dumps import DumpFiles, chunks
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
_EXTENSIONS = {"turtle": "ttl", "nt": "nt", "json-ld": "jsonld", "nquads": "nq", "trig": "trig"}


@router.get("", summary="Dump the graph",
            responses={200: {"description": "Every triple (or quad)",
                             "content": {m: {"schema": {"type": "string"}} for m, _ in _FORMATS[:5]}},
                       **problem_responses(404, 406, 422, 503)},
            description="The whole knowledge graph: Turtle, N-Triples or JSON-LD of the union graph, or N-Quads "
                        "and TriG with one named graph per document plus the registry graph. With `document`, "
                        "that document's graph and the registry graph only. The whole graph of a large store "
                        "takes a while the first time after a change (503 meanwhile: try again).")
async def dump(
    request: Request,
    format: Annotated[str | None, Query(description="turtle, nt, jsonld, nquads or trig (instead of Accept).",
                                        max_length=20)] = None,
    document: Annotated[str | None, Query(description="Only this document (its id).", max_length=200)] = None,
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
    if document is not None:
        def compute() -> Entry:
            if document not in store.document_ids():
                raise Problem(404, "unknown-document", f"No document {document!r} in the store.")
            body = _document_dump(store, document, fmt)
            return Entry(body, media, headers={"Vary": "Accept", "Content-Disposition":
                                               f'inline; filename="fengong-{document}.{_EXTENSIONS[fmt]}"'})

        return await cached(request, compute, key=("graph", fmt, document))

    files: DumpFiles = request.app.state.dump_files
    future = files.get(generation(store), fmt, store.dump_to)
    timeout = answer_timeout(request.app.state.settings)
    try:
        written = await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(future)), timeout)
    except asyncio.TimeoutError:
        raise QueryTimeout(f"the dump took longer than {timeout:g} s; it goes on: try again shortly") from None
    headers = {"ETag": written.etag, "Cache-Control": "no-cache", "Vary": "Accept",
               "Content-Disposition": f'inline; filename="fengong.{_EXTENSIONS[fmt]}"'}
    if not_modified(request, written.etag):
        return Response(status_code=304, headers=headers)
    file = open(written.path, "rb")  # noqa: SIM115  (closed by chunks())
    headers["Content-Length"] = str(written.size)
    return StreamingResponse(chunks(file), media_type=media, headers=headers)


def _document_dump(store, doc_id: str, fmt: str) -> bytes:
    """One document's graph and the registry graph, serialised."""
    named = {store.graph_iri(doc_id): store.document_graph(doc_id)}
    registry = registry_graph_iri(store.base)
    result = store.query("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }", {"g": registry})
    named[registry] = result.graph if result.graph is not None else Graph()
    if fmt in ("nquads", "trig"):
        out = Dataset()
        for name, triples in named.items():
            target = out.graph(name)
            for triple in triples:
                target.add(triple)
    else:
        out = Graph()
        for triples in named.values():
            for triple in triples:
                out.add(triple)
    bind_prefixes(out)
    return out.serialize(format=fmt, encoding="utf-8")
