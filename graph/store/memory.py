"""rdflib's in-memory Dataset with its own SPARQL engine: the reference backend.

Correct and dependency-free, but pure Python: fine for one document and for tests, and
the baseline the benchmarks compare Oxigraph against. rdflib cannot interrupt a running
query, so ``timeout`` here is checked between result rows only.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence

from rdflib import Dataset, Graph, URIRef
from rdflib.plugins.sparql import prepareQuery
from rdflib.term import Node

from fengong.model import Document
from fengong.rdf import DEFAULT_BASE, registry_graph_iri

from . import ntriples
from .base import Bindings, QueryError, QueryResult, QueryTimeout, Store, documents_dataset
from .orphans import orphans


class MemoryStore(Store):
    name = "memory"

    def __init__(self, base: str = DEFAULT_BASE) -> None:
        self.base = base
        self._ds = Dataset(default_union=True)
        self._lock = threading.RLock()

    # -- reading ------------------------------------------------------------------------
    def query(self, sparql: str, bindings: Bindings | None = None, *, timeout: float | None = None,
              max_rows: int | None = None) -> QueryResult:
        # rdflib would run SERVICE (a network request) and updates; every store refuses them.
        ntriples.check_read_query(sparql)
        deadline = time.monotonic() + timeout if timeout else None
        # rdflib's SPARQL parser is not thread-safe (pyparsing parse actions share state),
        # so parsing happens under the lock too.
        with self._lock:
            try:
                prepared = prepareQuery(sparql)
            except Exception as exc:  # pyparsing raises ParseException and friends
                raise QueryError(f"malformed query: {str(exc).splitlines()[0]}") from None
            try:
                result = self._ds.query(prepared, initBindings=dict(bindings or {}))
            except Exception as exc:
                raise QueryError(f"query failed: {exc}") from None
            if result.type == "ASK":
                return QueryResult("ask", boolean=bool(result.askAnswer))
            if result.type in ("CONSTRUCT", "DESCRIBE"):
                g = Graph()
                for t in result.graph:
                    g.add(t)
                return QueryResult("graph", graph=g)
            variables = [str(v) for v in result.vars]
            rows, truncated = [], False
            for row in result:
                if deadline and time.monotonic() > deadline:
                    raise QueryTimeout(f"query ran past {timeout:g} s")
                if max_rows is not None and len(rows) >= max_rows:
                    truncated = True
                    break
                rows.append(tuple(row))
            return QueryResult("select", variables, rows, truncated=truncated)

    def triples(self, pattern, *, limit=None, offset=0) -> Iterator[tuple[Node, Node, Node]]:
        with self._lock:
            found = sorted(set(self._ds.triples(pattern)))
        end = None if limit is None else offset + limit
        return iter(found[offset:end])

    def count(self, pattern) -> int:
        with self._lock:
            return len(set(self._ds.triples(pattern)))

    def document_ids(self) -> list[str]:
        prefix = f"{self.base}graph/"
        with self._lock:
            ids = [str(g.identifier)[len(prefix):] for g in self._ds.graphs()
                   if str(g.identifier).startswith(prefix) and len(g)]
        return sorted(i for i in ids if i != "registry")

    def dump(self, format: str = "nquads") -> bytes:
        with self._lock:
            if format in ("nquads", "trig"):
                return self._ds.serialize(format=format, encoding="utf-8")
            union = Graph()
            for s, p, o, _ in self._ds.quads((None, None, None, None)):
                union.add((s, p, o))
        from fengong.vocab import bind_prefixes

        bind_prefixes(union)
        return union.serialize(format=format, encoding="utf-8")

    # -- writing ------------------------------------------------------------------------
    def add_documents(self, documents: Sequence[Document]) -> list[str]:
        # Build first: an extraction or build error leaves the store untouched.
        built = documents_dataset(documents, self.base)
        with self._lock:
            replaced = False
            for doc in documents:
                graph = self.graph_iri(doc.id)
                replaced = replaced or len(self._ds.graph(graph)) > 0
                self._ds.remove_graph(graph)
            for s, p, o, g in built.quads((None, None, None, None)):
                self._ds.add((s, p, o, g))
        if replaced:  # the old versions may have named departments the new ones do not
            self._remove_orphans()
        return [d.id for d in documents]

    def remove_document(self, doc_id: str) -> bool:
        iri = self.graph_iri(doc_id)
        with self._lock:
            present = len(self._ds.graph(iri)) > 0
            self._ds.remove_graph(iri)
        if present:
            self._remove_orphans()
        return present

    def _remove_orphans(self) -> None:
        nodes = orphans(self)  # reads through the query lock: outside the write
        if nodes:
            with self._lock:
                registry = self._ds.graph(registry_graph_iri(self.base))
                for node in nodes:
                    registry.remove((node, None, None))

    def load_nquads(self, data: bytes) -> None:
        with self._lock:
            self._ds.parse(data=data, format="nquads")

    @property
    def dataset(self) -> Dataset:
        """The underlying rdflib Dataset (read it, do not write it)."""
        return self._ds


def _is_iri(node: Node) -> bool:
    return isinstance(node, URIRef)
