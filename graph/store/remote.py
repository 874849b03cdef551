"""A remote SPARQL 1.1 Query + Update endpoint (Virtuoso, Apache Jena Fuseki, GraphDB,
Amazon Neptune …) over HTTP, for when one machine is outgrown.

Union default graph. fengong asks its questions without ``FROM``, over the union of all
named graphs; the server must answer such queries from the union:

* Virtuoso: does so out of the box (a query without FROM sees every graph, including
  Virtuoso's own system graphs, which fengong's vocabulary never matches);
* Fuseki: set ``tdb2:unionDefaultGraph true`` on the dataset (or ``unionDefaultGraph`` in
  the assembler of a TDB1/in-memory dataset);
* GraphDB / RDF4J: the default graph is the union of all statements by default;
* Neptune: the default graph is the union of all named graphs.

Bindings are injected as a ``VALUES`` block at the start of the WHERE group, with every
term written by the N-Triples escaping rules (:mod:`fengong.store.ntriples`); user
strings never become query text. ``triples``, ``count`` and ``dump`` look only at
fengong's graphs (``{base}graph/…``), not at whatever else the server holds.

Writes. :meth:`RemoteStore.add_documents` builds all the RDF first, then sends one update
request: ``DROP SILENT GRAPH`` for each document, then ``INSERT DATA`` operations of at
most :attr:`~RemoteStore.triples_per_operation` triples each (servers cap the size of one
operation: Virtuoso refuses more than about 1,500 triples). What the server makes of it:

* Fuseki (TDB2), GraphDB, RDF4J, Neptune run one request as one transaction: the batch
  is all or nothing;
* Virtuoso commits each operation as it runs (autocommit), even within one request, and
  the cost of compiling a request grows faster than its size, so for Virtuoso (detected
  from its ``Server`` header) fengong sends one operation per request. A failure half way
  can leave a document dropped but not yet re-inserted: run the ingest again (it is
  idempotent).

With ``graph_store_url`` (SPARQL 1.1 Graph Store HTTP Protocol: Virtuoso
``/sparql-graph-crud-auth``, Fuseki ``/{dataset}/data``, GraphDB
``/repositories/{id}/rdf-graphs/service``) each document graph is replaced by one
``PUT`` of N-Triples instead, twenty times faster on Virtuoso; each graph is then replaced
atomically, the batch is not.

Errors. Connection failures, 5xx server faults, refused credentials and a missing
endpoint raise :class:`StoreUnavailable` (the API answers 503); a query the server finds
malformed raises :class:`QueryError`; a request past its timeout raises :class:`QueryTimeout`
(the server may go on evaluating it: set the server's own limit too, e.g. Virtuoso's
``MaxQueryExecutionTime``).
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from urllib.parse import unquote

import httpx
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from fengong.model import Document
from fengong.rdf import DEFAULT_BASE

from . import ntriples
from .base import Bindings, QueryError, QueryResult, QueryTimeout, Store, StoreUnavailable, documents_quads
from .orphans import delete_descriptions, orphans

__all__ = ["RemoteStore"]

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_FG = "https://w3id.org/fengong/ns#"
_GRAPH_ACCEPT = "application/n-triples, text/plain;q=0.9, text/turtle;q=0.8, application/rdf+xml;q=0.5"
_RDF_PARSERS = {
    "application/n-triples": "nt", "text/plain": "nt", "text/turtle": "turtle",
    "application/x-turtle": "turtle", "application/rdf+xml": "xml", "application/ld+json": "json-ld",
    "text/rdf+n3": "n3", "text/n3": "n3",
}
# Virtuoso reports errors in a text body "Virtuoso 37000 Error SP030: …" (often with status
# 500): SQL states for malformed queries are client errors, S1T00 is its timeout.
_VIRTUOSO_ERROR = re.compile(r"Virtuoso (\w+) Error ([^\n]*)")
_CLIENT_STATES = ("37000", "22", "42S", "SP0")


class _AnyAuth(httpx.Auth):
    """Basic or Digest, whichever the server asks for (Virtuoso's ``/sparql-auth`` wants
    Digest, Fuseki and GraphDB usually Basic); the choice is remembered."""

    requires_request_body = True

    def __init__(self, user: str, password: str, scheme: str | None = None) -> None:
        self._basic = httpx.BasicAuth(user, password)
        self._digest = httpx.DigestAuth(user, password)
        self._scheme = scheme

    def auth_flow(self, request):
        if self._scheme == "basic":
            yield from self._basic.auth_flow(request)
            return
        if self._scheme == "digest":
            yield from self._digest.auth_flow(request)
            return
        response = yield request
        if response.status_code != 401:
            return
        challenge = response.headers.get("www-authenticate", "").lower()
        self._scheme = "digest" if challenge.startswith("digest") else "basic"
        response.read()
        yield from (self._digest if self._scheme == "digest" else self._basic).auth_flow(request)


class RemoteStore(Store):
    """A SPARQL 1.1 endpoint behind the :class:`~fengong.store.base.Store` interface.

    ``url`` answers queries; ``update_url`` (default: ``url``) takes updates; ``user`` and
    ``password`` authenticate (Basic or Digest, as the server asks, or ``auth``).
    """

    name = "sparql"

    def __init__(self, url: str, update_url: str | None = None, user: str | None = None,
                 password: str | None = None, base: str = DEFAULT_BASE, *, graph_store_url: str | None = None,
                 timeout: float = 30.0, auth: str | None = None, triples_per_operation: int = 1000,
                 operations_per_request: int | None = None, transport: httpx.BaseTransport | None = None) -> None:
        self.url = url
        self.update_url = update_url or url
        self.graph_store_url = graph_store_url or os.environ.get("FENGONG_SPARQL_GRAPH_STORE_URL") or None
        self.base = base
        self.timeout = timeout
        self.triples_per_operation = max(1, triples_per_operation)
        self._operations_per_request = operations_per_request
        self._server: str | None = None
        credentials = _AnyAuth(user, password or "", auth or os.environ.get("FENGONG_SPARQL_AUTH")) if user else None
        from fengong import __version__

        self._client = httpx.Client(auth=credentials, transport=transport, follow_redirects=False,
                                    timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
                                    headers={"User-Agent": f"fengong/{__version__}"})
        self._write_lock = threading.Lock()

    # -- HTTP ---------------------------------------------------------------------------
    def _post(self, url: str, data: Mapping[str, str] | None = None, *, accept: str | None = None,
              timeout: float | None = None, method: str = "POST", content: bytes | None = None,
              params: Mapping[str, str] | None = None, content_type: str | None = None) -> httpx.Response:
        headers = {}
        if accept:
            headers["Accept"] = accept
        if content_type:
            headers["Content-Type"] = content_type
        try:
            response = self._client.request(method, url, data=data, content=content, params=params,
                                            headers=headers, timeout=timeout or self.timeout)
        except httpx.TimeoutException as exc:
            if isinstance(exc, (httpx.ConnectTimeout, httpx.PoolTimeout)):
                raise StoreUnavailable(f"the SPARQL endpoint {url} does not answer (connect timeout)") from None
            raise QueryTimeout(f"the SPARQL endpoint did not answer within {timeout or self.timeout:g} s") from None
        except (httpx.TransportError, OSError) as exc:
            raise StoreUnavailable(f"the SPARQL endpoint {url} does not answer: {exc}") from None
        if self._server is None:
            self._server = response.headers.get("server", "")
        if response.status_code >= 400:
            self._raise(url, response)
        return response

    def _raise(self, url: str, response: httpx.Response) -> None:
        status = response.status_code
        text = response.text.strip()
        virtuoso = _VIRTUOSO_ERROR.search(text)
        detail = (virtuoso.group(0) if virtuoso else text.splitlines()[0] if text else response.reason_phrase)[:500]
        if virtuoso:
            state = virtuoso.group(1)
            if state == "S1T00" or "execution time" in detail:  # ran, or would run, past the server's limit
                raise QueryTimeout(f"the SPARQL endpoint stopped the query: {detail}")
            if state.startswith(_CLIENT_STATES):
                raise QueryError(f"the SPARQL endpoint refused the query: {detail}")
        if status in (401, 403):
            raise StoreUnavailable(f"the SPARQL endpoint {url} refused the credentials ({status}): {detail}")
        if status == 404:
            raise StoreUnavailable(f"no SPARQL endpoint at {url} (404)")
        if status in (400, 406, 413, 414, 415, 422) and not virtuoso:
            raise QueryError(f"the SPARQL endpoint refused the query ({status}): {detail}")
        raise StoreUnavailable(f"the SPARQL endpoint {url} failed ({status}): {detail}")

    @property
    def is_virtuoso(self) -> bool:
        if self._server is None:
            try:
                self._post(self.url, {"query": "ASK {}"}, accept="application/sparql-results+json")
            except (StoreUnavailable, QueryError, QueryTimeout):
                return False
        return "virtuoso" in (self._server or "").lower()

    # -- reading ------------------------------------------------------------------------
    def query(self, sparql: str, bindings: Bindings | None = None, *, timeout: float | None = None,
              max_rows: int | None = None) -> QueryResult:
        form = _checked_form(sparql)
        if bindings:
            try:
                sparql = ntriples.inject_values(sparql, bindings)
            except (TypeError, ValueError) as exc:
                raise QueryError(f"cannot bind variables: {exc}") from None
        if form in ("CONSTRUCT", "DESCRIBE"):
            response = self._post(self.url, {"query": sparql}, accept=_GRAPH_ACCEPT, timeout=timeout)
            graph = _parse_graph(response)
            truncated = False
            if max_rows is not None and len(graph) > max_rows:
                kept = Graph()
                for n, triple in enumerate(graph):
                    if n >= max_rows:
                        break
                    kept.add(triple)
                graph, truncated = kept, True
            return QueryResult("graph", graph=graph, truncated=truncated)
        response = self._post(self.url, {"query": sparql}, accept="application/sparql-results+json",
                              timeout=timeout)
        try:
            data = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise StoreUnavailable(f"the SPARQL endpoint answered {response.headers.get('content-type')!r}, "
                                   "not SPARQL JSON results") from None
        if "boolean" in data:
            return QueryResult("ask", boolean=bool(data["boolean"]))
        variables = list(data.get("head", {}).get("vars", []))
        bindings_list = data.get("results", {}).get("bindings", [])
        truncated = max_rows is not None and len(bindings_list) > max_rows
        if truncated:
            bindings_list = bindings_list[:max_rows]
        rows = [tuple(_term(b.get(v)) for v in variables) for b in bindings_list]
        return QueryResult("select", variables, rows, truncated=truncated)

    def _graphs_filter(self) -> str:
        return f"FILTER(STRSTARTS(STR(?g), {ntriples.literal(self.base + 'graph/')}))"

    def _pattern_query(self, pattern, head: str, tail: str = "") -> tuple[str, dict[str, Node]]:
        s, p, o = pattern
        bindings = {name: value for name, value in zip("spo", (s, p, o)) if value is not None}
        sparql = f"SELECT {head} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {self._graphs_filter()} }} {tail}"
        return sparql, bindings

    def triples(self, pattern, *, limit=None, offset=0) -> Iterator[tuple[Node, Node, Node]]:
        """Distinct triples of fengong's graphs, ordered by subject, predicate, object."""
        if _unmatchable(pattern):
            return iter(())
        tail = "ORDER BY ?s ?p ?o"
        if limit is not None:
            tail += f" LIMIT {int(limit)}"
        if offset:
            tail += f" OFFSET {int(offset)}"
        sparql, bindings = self._pattern_query(pattern, "DISTINCT ?s ?p ?o", tail)
        result = self.query(sparql, bindings)
        s, p, o = pattern
        return iter([(s if s is not None else r[0], p if p is not None else r[1], o if o is not None else r[2])
                     for r in result.rows])

    def count(self, pattern) -> int:
        if _unmatchable(pattern):
            return 0
        inner, bindings = self._pattern_query(pattern, "DISTINCT ?s ?p ?o")
        if bindings:  # bound inside the sub-select, where the pattern is
            inner = ntriples.inject_values(inner, bindings)
        result = self.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ {{ {inner} }} }}")
        return int(result.rows[0][0]) if result.rows and result.rows[0][0] is not None else 0

    def document_ids(self) -> list[str]:
        prefix = f"{self.base}graph/"
        result = self.query(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?doc a <{_FG}WorkPlan> }} "
                            f"{self._graphs_filter()} }}")
        ids = {unquote(str(row[0])[len(prefix):]) for row in result.rows if row[0] is not None}
        ids.discard("registry")
        return sorted(ids)

    def _graph_names(self) -> list[URIRef]:
        result = self.query(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {self._graphs_filter()} }}")
        return sorted(URIRef(str(row[0])) for row in result.rows)

    def dump(self, format: str = "nquads") -> bytes:
        """fengong's graphs, read graph by graph (each must fit in the server's result
        limit, e.g. Virtuoso's ``ResultSetMaxRows``)."""
        fmt = format.lower()
        if fmt in ("nquads", "nq", "trig"):
            lines: list[str] = []
            for graph in self._graph_names():
                g = ntriples.iri(graph)
                result = self.query("SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }", {"g": graph})
                lines.extend(f"{ntriples.term(s)} {ntriples.term(p)} {ntriples.term(o)} {g} .\n"
                             for s, p, o in result.rows)
            data = "".join(sorted(set(lines))).encode("utf-8")
            if fmt == "trig":
                from rdflib import Dataset

                from fengong.vocab import bind_prefixes

                ds = Dataset()
                ds.parse(data=data, format="nquads")
                bind_prefixes(ds)
                return ds.serialize(format="trig", encoding="utf-8")
            return data
        union = Graph()
        for s, p, o in self.triples((None, None, None)):
            union.add((s, p, o))
        from fengong.vocab import bind_prefixes

        bind_prefixes(union)
        return union.serialize(format={"ttl": "turtle", "ntriples": "nt", "jsonld": "json-ld"}.get(fmt, fmt),
                               encoding="utf-8")

    # -- writing ------------------------------------------------------------------------
    def _update(self, operations: list[str]) -> None:
        per_request = self._operations_per_request
        if per_request is None:
            per_request = 1 if self.is_virtuoso else len(operations)
        per_request = max(1, per_request)
        for i in range(0, len(operations), per_request):
            self._post(self.update_url, {"update": " ;\n".join(operations[i:i + per_request])},
                       accept="application/sparql-results+json, */*;q=0.1")

    def _operations(self, graphs: Mapping[URIRef, list], drop: Sequence[URIRef]) -> list[str]:
        ops = [f"DROP SILENT GRAPH {ntriples.iri(g)}" for g in drop]
        size = self.triples_per_operation
        for graph, triples in graphs.items():
            for i in range(0, len(triples), size):
                ops.append(ntriples.insert_data({graph: triples[i:i + size]}))
        return ops

    def add_documents(self, documents: Sequence[Document]) -> list[str]:
        documents = list(documents)
        if not documents:
            return []
        graphs = documents_quads(documents, self.base)  # build first: errors leave the store untouched
        names = [self.graph_iri(d.id) for d in documents]
        with self._write_lock:
            replaced = self._any_graph(names)
            if self.graph_store_url:
                self._put_graphs(graphs, names)
            else:
                self._update(self._operations(graphs, names))
            if replaced:  # the old versions may have named departments the new ones do not
                self._remove_orphans()
        return [d.id for d in documents]

    def _any_graph(self, names: Sequence[URIRef]) -> bool:
        listed = " ".join(ntriples.iri(name) for name in names)
        return bool(self.query(f"ASK {{ VALUES ?g {{ {listed} }} GRAPH ?g {{ ?s ?p ?o }} }}").boolean)

    def _remove_orphans(self) -> None:
        nodes = orphans(self)
        if nodes:
            self._update([delete_descriptions(self.base, nodes)])

    def _put_graphs(self, graphs: Mapping[URIRef, list], replace: Sequence[URIRef]) -> None:
        """Graph Store Protocol: PUT replaces a graph, POST merges into it (the registry)."""
        param = "graph-uri" if self.is_virtuoso else "graph"
        bodies = {g: ntriples.triples_text(t).encode("utf-8") for g, t in graphs.items()}
        for graph, body in bodies.items():
            method = "PUT" if graph in replace else "POST"
            self._post(self.graph_store_url, method=method, content=body, params={param: str(graph)},
                       content_type="application/n-triples" if not self.is_virtuoso else "text/plain")

    def remove_document(self, doc_id: str) -> bool:
        graph = self.graph_iri(doc_id)
        with self._write_lock:
            present = self.query("ASK { GRAPH ?g { ?s ?p ?o } }", {"g": graph}).boolean
            if present:
                self._update([f"DROP SILENT GRAPH {ntriples.iri(graph)}"])
                self._remove_orphans()
        return bool(present)

    def load_nquads(self, data: bytes) -> None:
        """Add the quads of an N-Quads dump (parsed here, sent as INSERT DATA)."""
        from rdflib import Dataset

        ds = Dataset()
        try:
            ds.parse(data=data, format="nquads")
        except Exception as exc:  # rdflib raises its own parser errors
            raise ValueError(f"not valid N-Quads: {str(exc).splitlines()[0]}") from None
        graphs: dict[URIRef, list] = {}
        for s, p, o, g in ds.quads((None, None, None, None)):
            name = g.identifier if hasattr(g, "identifier") else g
            graphs.setdefault(URIRef(str(name)), []).append((s, p, o))
        with self._write_lock:
            if self.graph_store_url:
                self._put_graphs(graphs, [])  # POST: merged into what the graphs hold
            else:
                self._update(self._operations(graphs, []))

    def close(self) -> None:
        self._client.close()


def _unmatchable(pattern) -> bool:
    """A literal subject or a non-IRI predicate matches nothing (servers differ in how
    they treat such a binding: Virtuoso counts one empty row)."""
    s, p, _ = pattern
    return isinstance(s, Literal) or (p is not None and not isinstance(p, URIRef))


def _checked_form(sparql: str) -> str:
    form = ntriples.check_read_query(sparql)
    if form not in ntriples.QUERY_FORMS:
        raise QueryError("malformed query: expected SELECT, ASK, CONSTRUCT or DESCRIBE")
    return form


_TERM_CACHE: dict = {}


def _term(value: Mapping[str, str] | None) -> Node | None:
    """A term of SPARQL JSON results as an rdflib term."""
    if value is None:
        return None
    kind = value.get("type")
    lexical = value.get("value", "")
    language = value.get("xml:lang")
    datatype = value.get("datatype")
    key = (kind, lexical, language, datatype)
    node = _TERM_CACHE.get(key)
    if node is not None:
        return node
    if kind == "uri":
        node = URIRef(lexical)
    elif kind == "bnode":
        node = BNode(lexical)
    elif kind in ("literal", "typed-literal"):
        if language:
            node = Literal(lexical, lang=language)
        elif datatype and datatype not in (_XSD_STRING, _RDF_LANGSTRING):
            node = Literal(lexical, datatype=URIRef(datatype))
        else:
            node = Literal(lexical)
    else:
        raise StoreUnavailable(f"unknown term type {kind!r} in the SPARQL results")
    if len(_TERM_CACHE) > 200_000:
        _TERM_CACHE.clear()
    _TERM_CACHE[key] = node
    return node


def _parse_graph(response: httpx.Response) -> Graph:
    media = response.headers.get("content-type", "").split(";")[0].strip().lower()
    fmt = _RDF_PARSERS.get(media)
    if fmt is None:
        raise StoreUnavailable(f"the SPARQL endpoint answered {media!r}, not an RDF graph")
    graph = Graph()
    if response.content.strip():
        graph.parse(data=response.content, format=fmt)
    return graph
