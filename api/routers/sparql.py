"""``/sparql``: a read-only SPARQL 1.1 Protocol endpoint for machines (and a query page).

- Query by ``GET ?query=``, by ``POST`` of an ``application/x-www-form-urlencoded`` form,
  or by ``POST`` of ``application/sparql-query`` (UTF-8). Results by ``Accept`` (or a
  ``format=`` parameter): SPARQL JSON (default), XML, CSV, TSV for SELECT/ASK; Turtle
  (default), N-Triples, JSON-LD, RDF/XML for CONSTRUCT/DESCRIBE; 406 if none fits.
- Read-only and bounded: updates, ``SERVICE``, ``LOAD``, ``FROM``/``FROM NAMED`` are
  refused (400) by :mod:`fengong.sparql_guard`, and so are the protocol's
  ``default-graph-uri``/``named-graph-uri`` parameters (they name graphs to *load*; the
  endpoint only ever queries its own dataset, the union of its named graphs). Queries run
  in worker processes with a hard deadline (503 ``query-timeout`` past it) and a row cap
  signalled by the ``Fengong-Truncated`` header and a ``truncated`` member, never silently;
  each client has a query-time budget per minute (429 with ``Retry-After`` past it).
- Without a query: the SPARQL 1.1 Service Description (Turtle, or N-Triples/JSON-LD by
  ``Accept``), or the query page when a browser asks for HTML.
"""

from __future__ import annotations

import asyncio
import functools
from importlib import resources
from typing import Annotated
from urllib.parse import parse_qsl

import anyio
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS, XSD

from fengong.queries import generation
from fengong.queries import query as query_store
from fengong.sparql_guard import check_query
from fengong.store import QueryError, QueryTimeout

from ..common import Entry, etag_of, not_modified
from ..problems import Problem, problem_responses
from ..sparql_engine import (
    ASK_FORMATS,
    FORMAT_ALIASES,
    GRAPH_FORMATS,
    SELECT_FORMATS,
    Outcome,
    content_type,
    negotiate,
    quality,
    run_here,
)

router = APIRouter(tags=["sparql"])

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
VOID = Namespace("http://rdfs.org/ns/void#")

_FORM_TYPE = "application/x-www-form-urlencoded"
_DIRECT_TYPE = "application/sparql-query"
_MAX_BODY = 1_000_000

_EXAMPLE = ("PREFIX fg: <https://w3id.org/fengong/ns#>\nPREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
            "SELECT ?title WHERE {\n  ?dept skos:altLabel \"省建设厅\"@zh ; fg:leads ?task .\n"
            "  ?task <http://purl.org/dc/terms/title> ?title .\n}")

_RESULT_CONTENT = {
    "application/sparql-results+json": {"schema": {"type": "object"}},
    "application/sparql-results+xml": {"schema": {"type": "string"}},
    "text/csv": {"schema": {"type": "string"}},
    "text/tab-separated-values": {"schema": {"type": "string"}},
    "text/turtle": {"schema": {"type": "string"}},
    "application/n-triples": {"schema": {"type": "string"}},
    "application/ld+json": {"schema": {"type": "object"}},
}
_RESPONSES = {
    200: {"description": "Query results, or the service description / query page without a query",
          "content": _RESULT_CONTENT},
    **problem_responses(400, 406, 415, 429, 503),
}


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _refuse_dataset(params: list[tuple[str, str]]) -> None:
    names = sorted({k for k, _ in params if k in ("default-graph-uri", "named-graph-uri")})
    if names:
        raise Problem(400, "refused-query",
                      f"{' and '.join(names)} are not supported: this endpoint never loads graphs from URLs. "
                      "Queries see the union of the store's graphs; use GRAPH <iri> { … } inside the query "
                      "to query one of its named graphs.")
    if any(k in ("update", "using-graph-uri", "using-named-graph-uri") for k, _ in params):
        raise Problem(400, "refused-query", "SPARQL Update is not allowed: this endpoint is read-only.")


def _one_query(params: list[tuple[str, str]]) -> str | None:
    queries = [v for k, v in params if k == "query"]
    if len(queries) > 1:
        raise Problem(400, "bad-request", "More than one query parameter: send exactly one query.")
    return queries[0] if queries else None


async def _read_body(request: Request) -> bytes:
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > _MAX_BODY:
            raise Problem(413, "bad-request", f"The request body is larger than {_MAX_BODY} bytes.",
                          title="Request too large")
    return body


def _charset(content_type_header: str) -> str | None:
    for param in content_type_header.split(";")[1:]:
        key, _, value = param.strip().partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return None


def _decode(body: bytes, charset: str | None) -> str:
    if charset not in (None, "utf-8", "utf8", "us-ascii", "ascii"):
        raise Problem(415, "unsupported-media-type",
                      f"charset={charset} is not supported: send the query in UTF-8.")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise Problem(400, "bad-request", "The request body is not valid UTF-8.") from None


def _wants_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    if "text/html" not in accept.lower():
        return False
    html = quality(accept, "text/html")
    others = max(quality(accept, t) for t, _ in (*SELECT_FORMATS, *GRAPH_FORMATS) if t != "text/plain")
    return html > 0 and html >= others and "*/*" != accept.strip()


def _format(request: Request, form: str, fmt_param: str | None) -> tuple[str, str]:
    offers = {"SELECT": SELECT_FORMATS, "ASK": ASK_FORMATS}.get(form, GRAPH_FORMATS)
    if fmt_param:
        wanted = FORMAT_ALIASES.get(fmt_param.lower(), fmt_param.lower())
        chosen = next((o for o in offers if o[0] == wanted), None)
        if chosen is None:
            raise Problem(406, "not-acceptable", f"format={fmt_param} is not available for {form} queries; use one of "
                          + ", ".join(sorted({o[0] for o in offers})) + ".")
        return chosen
    chosen = negotiate(request.headers.get("accept"), offers)
    if chosen is None:
        raise Problem(406, "not-acceptable", f"None of the media types in Accept is available for {form} queries; "
                      "use one of " + ", ".join(sorted({o[0] for o in offers})) + ".")
    return chosen


async def _execute(request: Request, text: str, fmt_param: str | None) -> Response:
    checked = check_query(text)
    media, fmt = _format(request, checked.form, fmt_param)
    if checked.returns_graph and fmt == "xml":
        fmt = "rdfxml"
    state = request.app.state
    settings = state.settings
    store = state.store
    gen = generation(store)
    key = (checked.text, fmt)
    cache = state.sparql_cache
    entry = cache.get(gen, key)
    if entry is None:
        budget = state.query_budget
        client = _client(request)
        wait = budget.retry_after(client)
        if wait is not None:
            raise Problem(429, "query-budget-exceeded",
                          f"This client used its {budget.seconds:g} s of query time per {budget.window:g} s; "
                          f"try again in {wait} s.", headers={"Retry-After": str(wait)}, retry_after=wait)
        timeout = float(settings.query_timeout)
        max_rows = int(settings.max_rows) if settings.max_rows else None
        await _take_slot(state.sparql_running, client, timeout)
        try:
            outcome = await _run(state, store, checked, fmt, timeout, max_rows, budget, client)
        finally:
            state.sparql_running.release(client)
        budget.charge(client, outcome.elapsed)
        headers = {"Vary": "Accept"}
        if outcome.truncated:
            headers["Fengong-Truncated"] = "true"
            headers["Fengong-Max-Rows"] = str(max_rows)
        entry = Entry(outcome.body, content_type(fmt, checked.form), headers=headers)
        if len(entry.body) <= 2_000_000:
            cache.put(gen, key, entry)
    headers = {"ETag": entry.etag, "Cache-Control": "no-cache", **entry.headers}
    if not_modified(request, entry.etag):
        return Response(status_code=304, headers=headers)
    return Response(entry.body, media_type=entry.media_type, headers=headers)


async def _take_slot(running, client: str, timeout: float) -> None:
    """Wait (without blocking the loop) until the client may run one more query: one client
    holds at most ``running.limit`` workers, so that one is always left for the others.
    Queries beyond that wait their turn, up to the time limit; a long queue is refused."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 2 * timeout + 1  # long enough for a query ahead to finish or be stopped
    if not running.try_take(client, queue=True):
        raise Problem(429, "query-budget-exceeded",
                      f"This client has {running.max_waiting} queries waiting already; send fewer at a time.",
                      headers={"Retry-After": "1"}, retry_after=1)
    try:
        while not running.try_take(client):
            if loop.time() > deadline:
                raise Problem(429, "query-budget-exceeded",
                              f"This client's other queries kept its {running.limit} query slot"
                              f"{'s' if running.limit > 1 else ''} busy for {2 * timeout + 1:g} s; try again.",
                              headers={"Retry-After": "1"}, retry_after=1)
            await asyncio.sleep(0.01)
    finally:
        running.unqueue(client)


async def _run(state, store, checked, fmt: str, timeout: float, max_rows: int | None, budget, client: str) -> Outcome:
    """Run in the worker pool (a thread for a remote store), charging the budget on failure."""
    pool = state.sparql_pool
    if pool is None:
        job = functools.partial(run_here, store, checked.text, checked.form, fmt, timeout, max_rows)
    else:
        job = functools.partial(pool.execute, checked.text, checked.form, fmt, timeout, max_rows)
    try:
        # The pool enforces the deadline itself (it kills the worker); waiting here too
        # bounds remote stores and a pool busy past the deadline.
        future = asyncio.get_running_loop().run_in_executor(state.sparql_executor, job)
        return await asyncio.wait_for(future, 2 * timeout + 5)
    except asyncio.TimeoutError:
        budget.charge(client, timeout)
        raise QueryTimeout(f"the query ran past the {timeout:g} s limit") from None
    except QueryTimeout:
        budget.charge(client, timeout)
        raise
    except QueryError:
        budget.charge(client, 0.01)
        raise


# --- service description and query page ---------------------------------------------------


def service_description(request: Request) -> Graph:
    state = request.app.state
    endpoint = URIRef(str(request.url.replace(query="", fragment="")))
    g = Graph()
    g.bind("sd", SD)
    g.bind("format", FORMATS)
    g.bind("void", VOID)
    service = URIRef(str(endpoint) + "#service")
    g.add((service, RDF.type, SD.Service))
    g.add((service, SD.endpoint, endpoint))
    g.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    for fmt in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                "Turtle", "N-Triples", "JSON-LD", "RDF_XML"):
        g.add((service, SD.resultFormat, FORMATS[fmt]))
    g.add((service, SD.feature, SD.UnionDefaultGraph))
    g.add((service, SD.defaultEntailmentRegime, URIRef("http://www.w3.org/ns/entailment/Simple")))
    settings = state.settings
    g.add((service, RDFS.comment, Literal(
        "Read-only. Updates, SERVICE, LOAD, FROM/FROM NAMED and the default-graph-uri/named-graph-uri "
        f"parameters are refused. Time limit {settings.query_timeout:g} s per query, at most "
        f"{settings.max_rows} rows (truncation is signalled by the Fengong-Truncated header), "
        f"{settings.query_budget:g} s of query time per client per minute.", lang="en")))
    dataset = BNode("dataset")
    g.add((service, SD.defaultDataset, dataset))
    g.add((dataset, RDF.type, SD.Dataset))
    default = BNode("default")
    g.add((dataset, SD.defaultGraph, default))
    g.add((default, RDF.type, SD.Graph))
    store = state.store
    counts = query_store(store, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g")
    total = 0
    for graph_iri, n in counts.rows:
        total += int(str(n))
        named = BNode()
        g.add((dataset, SD.namedGraph, named))
        g.add((named, RDF.type, SD.NamedGraph))
        g.add((named, SD.name, graph_iri))
        inner = BNode()
        g.add((named, SD.graph, inner))
        g.add((inner, RDF.type, SD.Graph))
        g.add((inner, VOID.triples, Literal(int(str(n)), datatype=XSD.integer)))
    g.add((default, VOID.triples, Literal(store.count((None, None, None)), datatype=XSD.integer)))
    return g


_SD_FORMATS = [("text/turtle", "turtle"), ("application/n-triples", "nt"), ("application/ld+json", "json-ld"),
               ("application/rdf+xml", "xml"), ("text/plain", "nt")]


async def _describe(request: Request) -> Response:
    if _wants_html(request):
        return _page()
    chosen = negotiate(request.headers.get("accept"), _SD_FORMATS)
    if chosen is None:
        raise Problem(406, "not-acceptable", "The service description is available as text/turtle, "
                      "application/n-triples, application/ld+json or application/rdf+xml.")
    media, fmt = chosen
    graph = await anyio.to_thread.run_sync(service_description, request)
    body = graph.serialize(format=fmt, encoding="utf-8")
    etag = etag_of(body)
    headers = {"ETag": etag, "Vary": "Accept", "Cache-Control": "no-cache"}
    if not_modified(request, etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media if media != "text/plain" else "application/n-triples", headers=headers)


def _page() -> HTMLResponse:
    html = resources.files("fengong.api").joinpath("static/sparql.html").read_text(encoding="utf-8")
    return HTMLResponse(html, headers={"Vary": "Accept", "Cache-Control": "no-cache"})


# --- routes --------------------------------------------------------------------------------

_QUERY_DOC = "The SPARQL query (SELECT, ASK, CONSTRUCT or DESCRIBE)."


@router.get("/sparql", summary="SPARQL query (GET)", responses=_RESPONSES,
            description="SPARQL 1.1 Protocol query via GET. Without `query`: the service description (Turtle), "
                        "or the query page for a browser.")
async def sparql_get(
    request: Request,
    query: Annotated[str | None, Query(description=_QUERY_DOC, examples=[_EXAMPLE], max_length=100_000)] = None,
    format: Annotated[str | None, Query(description="Result format instead of Accept: json, xml, csv, tsv, "
                                                    "turtle, nt, jsonld, rdfxml.", max_length=40)] = None,
):
    params = list(request.query_params.multi_items())
    _refuse_dataset(params)
    text = _one_query(params)
    if text is None:
        return await _describe(request)
    if _wants_html(request):
        return _page()
    return await _execute(request, text, format)


@router.post("/sparql", summary="SPARQL query (POST)", responses=_RESPONSES,
             openapi_extra={"requestBody": {"content": {
                 _FORM_TYPE: {"schema": {"type": "object", "required": ["query"],
                                         "properties": {"query": {"type": "string", "description": _QUERY_DOC}}},
                              "example": {"query": _EXAMPLE}},
                 _DIRECT_TYPE: {"schema": {"type": "string"}, "example": _EXAMPLE},
             }}},
             description="SPARQL 1.1 Protocol query via POST: a URL-encoded form with `query`, or the query "
                         "itself as `application/sparql-query` (UTF-8).")
async def sparql_post(request: Request):
    header = request.headers.get("content-type", "")
    media = header.split(";")[0].strip().lower()
    url_params = list(request.query_params.multi_items())
    if media == _FORM_TYPE:
        body = await _read_body(request)
        try:
            params = parse_qsl(_decode(body, _charset(header)), keep_blank_values=True, strict_parsing=False,
                               max_num_fields=100)
        except ValueError as exc:
            raise Problem(400, "bad-request", f"Malformed form: {exc}") from None
        _refuse_dataset(params + url_params)
        text = _one_query(params)
        if text is None:
            raise Problem(400, "bad-request", "The form has no query parameter.")
        fmt = next((v for k, v in params + url_params if k == "format"), None)
        return await _execute(request, text, fmt)
    if media == _DIRECT_TYPE:
        text = _decode(await _read_body(request), _charset(header))
        _refuse_dataset(url_params)
        if any(k == "query" for k, _ in url_params):
            raise Problem(400, "bad-request", "Send the query either in the body or as a parameter, not both.")
        fmt = next((v for k, v in url_params if k == "format"), None)
        return await _execute(request, text, fmt)
    if media == "application/sparql-update":
        raise Problem(400, "refused-query", "SPARQL Update is not allowed: this endpoint is read-only.")
    raise Problem(415, "unsupported-media-type",
                  f"POST a query as {_FORM_TYPE} (query=…) or as {_DIRECT_TYPE}; got "
                  f"{media or 'no Content-Type'}.")
