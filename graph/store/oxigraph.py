"""Oxigraph (pyoxigraph): the embedded default store, persistent on disk.

Data lives in a RocksDB directory (``{data}/store``); ``path=None`` keeps it in memory
(tests). Queries see the union of the named graphs as their default graph (a triple held
by two graphs then comes twice: use DISTINCT where that matters). Bindings go in as a
``VALUES`` block at the start of the WHERE group, every term written by the N-Triples
escaping rules (:mod:`fengong.store.ntriples`), never as raw user strings; measured on 100
documents, pyoxigraph's own ``substitutions`` were 70 times slower (they filter the
solutions of the whole pattern instead of binding it), so they serve only queries without
a WHERE group. Oxigraph keeps numbers by value: the xsd:decimal "1500.0" comes back as
"1500" (same value, another lexical form).

Writes. :meth:`OxigraphStore.add_documents` builds all the RDF first, then sends ONE SPARQL
update (``DROP SILENT GRAPH`` of each document's graph that exists, ``INSERT DATA`` of the
new graphs and of the registry triples). The build can run elsewhere: :func:`prepare` in
a worker process, :meth:`~OxigraphStore.add_prepared` in the writer (``fengong ingest``).
Oxigraph runs an update in one RocksDB transaction and RocksDB writes its log before it
commits, so a crash (kill -9) leaves either the whole batch or none of it: on reopening,
the store holds exactly the batches committed before. A transaction costs about 40 µs per
quad here (six index entries and the string table, each written through RocksDB's
transaction layer), some 160 ms for a sample-sized document of 4,000 quads.

``add_prepared(batch, bulk=True)`` writes a batch of documents that are all new with
Oxigraph's bulk loader instead, about three times faster (57 ms per document measured):
it sorts the quads into SST files and hands them to RocksDB in one ingestion, which
RocksDB applies to all column families at once, so a kill leaves the batch wholly there
or wholly absent as with a transaction (tests/test_faults.py kills ingests to check it).
That holds while a batch stays under the loader's own batch size (a million quads, above
which it ingests in several steps): :data:`BULK_QUADS` keeps batches well below. Batches
that replace documents go through a transaction (the drop and the insert must commit
together).

Registry triples (department and region descriptions, the role scheme) come with every
prepared document; the writer sends each line once per store object, not once per
document (about a fifth of the quads). Every :data:`FLUSH_QUADS` quads, and on
:meth:`~OxigraphStore.close`, the memtables are flushed to disk: otherwise writes slow down
as they grow and the next opening replays the whole log (tens of seconds after a large
ingest).

Timeouts. pyoxigraph has no way to cancel a query. With a ``timeout`` the query runs in a
worker thread (Oxigraph releases the GIL while it evaluates) and the caller gets
:class:`QueryTimeout` at the deadline; the evaluation itself stops at its next solution.
Steps that yield no solution until they are done (ORDER BY, GROUP BY and aggregates,
DISTINCT or MINUS over large inputs) run to their end in the background, on a bounded pool
(:data:`QUERY_THREADS`): when it is full of such queries, new timed queries wait and time out.

SERVICE is refused: Oxigraph would fetch the remote endpoint, and fengong stays offline.
"""

from __future__ import annotations

import concurrent.futures
import functools
import os
import threading
import time
from collections.abc import Iterator, Sequence
from typing import BinaryIO
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from fengong.model import Document
from fengong.rdf import DEFAULT_BASE, graph_iri, registry_graph_iri

from . import ntriples
from .base import Bindings, QueryError, QueryResult, QueryTimeout, Store, StoreUnavailable, documents_quads
from .orphans import delete_descriptions, orphans

__all__ = ["OxigraphStore", "Prepared", "prepare", "to_oxigraph", "from_oxigraph", "FLUSH_QUADS", "QUERY_THREADS",
           "BULK_QUADS"]

#: Quads written between two flushes of RocksDB's memtables to disk.
FLUSH_QUADS = 100_000
#: Largest batch for the bulk loader: well under its own batch size (1,000,000 quads), so
#: that a batch reaches RocksDB in one ingestion (all or nothing).
BULK_QUADS = 400_000
#: Worker threads for queries with a timeout.
QUERY_THREADS = max(4, 2 * (os.cpu_count() or 1))
#: Above this many quads, ``count((None, None, None))`` returns the number of quads (an
#: upper bound: a triple held by several graphs counts once per graph) instead of
#: collecting every distinct triple in memory.
EXACT_COUNT_LIMIT = 500_000

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_FORMATS = {
    "nquads": ox.RdfFormat.N_QUADS, "nq": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "turtle": ox.RdfFormat.TURTLE, "ttl": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES, "ntriples": ox.RdfFormat.N_TRIPLES, "n-triples": ox.RdfFormat.N_TRIPLES,
    "json-ld": ox.RdfFormat.JSON_LD, "jsonld": ox.RdfFormat.JSON_LD,
    "xml": ox.RdfFormat.RDF_XML, "rdf/xml": ox.RdfFormat.RDF_XML,
}
_DATASET_FORMATS = (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG)

_pool: concurrent.futures.ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _query_pool() -> concurrent.futures.ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = concurrent.futures.ThreadPoolExecutor(QUERY_THREADS, thread_name_prefix="fengong-query")
        return _pool


# --- terms -----------------------------------------------------------------------------


def to_oxigraph(node: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """An rdflib term as a pyoxigraph term.

    >>> to_oxigraph(URIRef("http://example.org/a"))
    <NamedNode value=http://example.org/a>
    """
    if isinstance(node, URIRef):
        return ox.NamedNode(node)
    if isinstance(node, Literal):
        if node.language:
            return ox.Literal(str(node), language=node.language)
        if node.datatype is not None:
            return ox.Literal(str(node), datatype=ox.NamedNode(node.datatype))
        return ox.Literal(str(node))
    if isinstance(node, BNode):
        return ox.BlankNode(str(node))
    raise TypeError(f"cannot bind {type(node).__name__} {node!r}")


# Terms coming back repeat a lot (predicates, classes, departments, the same document):
# converting them once saves building rdflib terms (a typed Literal parses its value).
_FROM_CACHE: dict = {}
_FROM_CACHE_MAX = 200_000


def from_oxigraph(term) -> Node | None:
    """A pyoxigraph term as an rdflib term (``xsd:string`` literals become plain literals,
    as rdflib builds them).

    >>> from_oxigraph(ox.Literal("省建设厅", language="zh"))
    rdflib.term.Literal('省建设厅', lang='zh')
    """
    if term is None:
        return None
    node = _FROM_CACHE.get(term)
    if node is not None:
        return node
    if isinstance(term, ox.NamedNode):
        node = URIRef(term.value)
    elif isinstance(term, ox.Literal):
        language = term.language
        if language:
            node = Literal(term.value, lang=language)
        else:
            datatype = term.datatype.value
            node = Literal(term.value) if datatype == _XSD_STRING else Literal(term.value, datatype=URIRef(datatype))
    elif isinstance(term, ox.BlankNode):
        node = BNode(term.value)
    else:  # RDF-star quoted triple: not produced by fengong
        raise QueryError(f"unsupported term in the results: {term!r}")
    if len(_FROM_CACHE) >= _FROM_CACHE_MAX:
        _FROM_CACHE.clear()
    _FROM_CACHE[term] = node
    return node


def _check_query(sparql: str) -> None:
    """Refuse updates and SERVICE before Oxigraph sees the text."""
    ntriples.check_read_query(sparql)


def _syntax_message(exc: Exception) -> str:
    return f"malformed query: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"


# --- the store -------------------------------------------------------------------------


class OxigraphStore(Store):
    """Oxigraph behind the :class:`~fengong.store.base.Store` interface.

    >>> store = OxigraphStore()
    >>> store.document_ids()
    []
    """

    name = "oxigraph"

    def __init__(self, path: str | Path | None = None, base: str = DEFAULT_BASE, read_only: bool = False) -> None:
        self.base = base
        self.path = Path(path) if path is not None else None
        self.read_only = read_only
        self._write_lock = threading.Lock()
        self._unflushed = 0
        self._registry_sent: set[str] = set()  # registry lines written through this object
        self._store = None
        try:
            if self.path is None:
                self._store = ox.Store()
            elif read_only:
                if not (self.path / "CURRENT").exists():
                    raise StoreUnavailable(f"no store at {self.path}")
                self._store = ox.Store.read_only(str(self.path))
            else:
                self.path.mkdir(parents=True, exist_ok=True)
                self._store = ox.Store(str(self.path))
        except OSError as exc:
            message = str(exc)
            if "lock" in message.lower():
                raise StoreUnavailable(
                    f"the store at {self.path} is in use by another process (is `fengong serve` running? "
                    "stop it, or send documents to its write API)") from None
            raise StoreUnavailable(f"cannot open the store at {self.path}: {message.splitlines()[0]}") from None

    # -- reading ------------------------------------------------------------------------
    def query(self, sparql: str, bindings: Bindings | None = None, *, timeout: float | None = None,
              max_rows: int | None = None) -> QueryResult:
        _check_query(sparql)
        substitutions = None
        if bindings:
            # A VALUES block, not Oxigraph's substitutions: pyoxigraph 0.5 applies those to
            # the solutions after evaluating the whole pattern (a department's tasks took
            # 480 ms instead of 7 ms on 100 documents), and only to projected variables.
            try:
                sparql = ntriples.inject_values(sparql, bindings)
            except ValueError:  # no WHERE group (DESCRIBE <x>, CONSTRUCT WHERE): substitute
                try:
                    substitutions = {ox.Variable(k): to_oxigraph(v) for k, v in bindings.items()}
                except (TypeError, ValueError) as exc:
                    raise QueryError(f"bad binding: {exc}") from None
            except TypeError as exc:
                raise QueryError(f"bad binding: {exc}") from None
        if not timeout:
            return self._evaluate(sparql, substitutions, None, max_rows)
        deadline = time.monotonic() + timeout
        future = _query_pool().submit(self._evaluate, sparql, substitutions, deadline, max_rows)
        try:
            return future.result(timeout=max(0.0, deadline - time.monotonic()))
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise QueryTimeout(f"query ran past {timeout:g} s") from None

    def _evaluate(self, sparql: str, substitutions, deadline: float | None, max_rows: int | None) -> QueryResult:
        try:
            result = self._store.query(sparql, use_default_graph_as_union=True, substitutions=substitutions)
        except RuntimeError as exc:  # e.g. a substituted variable that is not projected
            raise QueryError(f"query failed: {exc}") from None
        except SyntaxError as exc:
            raise QueryError(_syntax_message(exc)) from None
        except (OSError, ValueError, TypeError) as exc:
            raise QueryError(f"query failed: {exc}") from None
        try:
            if isinstance(result, ox.QueryBoolean):
                return QueryResult("ask", boolean=bool(result))
            if isinstance(result, ox.QueryTriples):
                graph, truncated = Graph(), False
                for n, triple in enumerate(result):
                    if deadline is not None and time.monotonic() > deadline:
                        raise QueryTimeout("query ran past its deadline")
                    if max_rows is not None and n >= max_rows:
                        truncated = True
                        break
                    graph.add((from_oxigraph(triple.subject), from_oxigraph(triple.predicate),
                               from_oxigraph(triple.object)))
                return QueryResult("graph", graph=graph, truncated=truncated)
            variables = [v.value for v in result.variables]
            width = range(len(variables))
            rows: list[tuple[Node | None, ...]] = []
            truncated = False
            convert = from_oxigraph
            for solution in result:
                if deadline is not None and time.monotonic() > deadline:
                    raise QueryTimeout("query ran past its deadline")
                if max_rows is not None and len(rows) >= max_rows:
                    truncated = True
                    break
                rows.append(tuple(convert(solution[i]) for i in width))
            return QueryResult("select", variables, rows, truncated=truncated)
        except (QueryError, QueryTimeout):
            raise
        except (OSError, ValueError, TypeError, SyntaxError) as exc:  # evaluation errors surface while iterating
            raise QueryError(f"query failed: {exc}") from None
        finally:
            # pyoxigraph's results must be dropped on the thread that made them; a raised
            # exception's traceback keeps this frame alive until another thread frees it
            # ("PyQuerySolutions is unsendable, but is being dropped on another thread").
            result = solution = triple = None  # noqa: F841

    def _pattern(self, pattern):
        s, p, o = pattern
        if isinstance(s, Literal) or (p is not None and not isinstance(p, URIRef)):
            return None  # cannot match anything
        return tuple(None if x is None else to_oxigraph(x) for x in (s, p, o))

    def triples(self, pattern, *, limit=None, offset=0) -> Iterator[tuple[Node, Node, Node]]:
        """Triples of the union graph in the order of Oxigraph's indexes (stable while the
        store does not change); a triple held by several graphs comes once."""
        ox_pattern = self._pattern(pattern)
        if ox_pattern is None:
            return iter(())
        end = None if limit is None else offset + limit

        def generate() -> Iterator[tuple[Node, Node, Node]]:
            seen: set = set()
            n = 0
            for quad in self._store.quads_for_pattern(*ox_pattern, None):
                triple = quad.triple
                if triple in seen:
                    continue
                seen.add(triple)
                if n >= offset:
                    yield (from_oxigraph(triple.subject), from_oxigraph(triple.predicate),
                           from_oxigraph(triple.object))
                n += 1
                if end is not None and n >= end:
                    return

        return generate()

    def count(self, pattern) -> int:
        ox_pattern = self._pattern(pattern)
        if ox_pattern is None:
            return 0
        if ox_pattern == (None, None, None):
            total = len(self._store)
            if total > EXACT_COUNT_LIMIT:
                return total
        return len({q.triple for q in self._store.quads_for_pattern(*ox_pattern, None)})

    def document_ids(self) -> list[str]:
        prefix = f"{self.base}graph/"
        ids = []
        for graph in self._store.named_graphs():
            if not isinstance(graph, ox.NamedNode) or not graph.value.startswith(prefix):
                continue
            docid = unquote(graph.value[len(prefix):])
            if docid == "registry":
                continue
            if next(iter(self._store.quads_for_pattern(None, None, None, graph)), None) is not None:
                ids.append(docid)
        return sorted(ids)

    def dump(self, format: str = "nquads") -> bytes:
        fmt = _FORMATS.get(format.lower())
        if fmt is None:
            raise ValueError(f"unknown format {format!r}: use one of {', '.join(sorted(_FORMATS))}")
        if fmt in _DATASET_FORMATS:
            return self._store.dump(format=fmt, prefixes=_prefixes() if fmt == ox.RdfFormat.TRIG else None)
        # The union graph: each triple once, whatever graph holds it.
        triples = self._store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", use_default_graph_as_union=True)
        if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG):
            unique = list(dict.fromkeys(triples))
            return ox.serialize(unique, format=fmt, prefixes=_prefixes())
        return ox.serialize(list(dict.fromkeys(triples)), format=fmt)

    def dump_to(self, output: BinaryIO, format: str = "nquads") -> None:
        """Stream the dump into ``output`` (memory stays flat at any size). The union
        formats are not deduplicated here: a triple held by two graphs would come twice,
        which says the same graph (fengong writes each triple into one graph)."""
        fmt = _FORMATS.get(format.lower())
        if fmt is None:
            raise ValueError(f"unknown format {format!r}: use one of {', '.join(sorted(_FORMATS))}")
        prefixes = _prefixes() if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else None
        if fmt in _DATASET_FORMATS:
            self._store.dump(output, format=fmt, prefixes=prefixes)
        else:
            # Quad by quad: a CONSTRUCT over the union keeps every triple it has sent
            # (830 MB against 213 MB for the Turtle of 1,000 documents, in the same 56 s).
            triples = (quad.triple for quad in self._store.quads_for_pattern(None, None, None, None))
            ox.serialize(triples, output, format=fmt, prefixes=prefixes)

    # -- writing ------------------------------------------------------------------------
    def add_documents(self, documents: Sequence[Document]) -> list[str]:
        documents = list(documents)
        if not documents:
            return []
        self._writable()
        # Build (and serialise) everything first: an error here leaves the store untouched.
        return self.add_prepared(prepare(documents, self.base))

    def add_prepared(self, batch: "Prepared", bulk: bool = False) -> list[str]:
        """Write a batch made by :func:`prepare` (perhaps in another process), all or
        nothing. Only graphs that exist are dropped: a ``DROP`` makes Oxigraph's transaction
        markedly slower, and most ingested documents are new. With ``bulk``, a batch of new
        documents on disk goes through the bulk loader (see the module notes)."""
        self._writable()
        if batch.base != self.base:
            raise ValueError(f"the batch was prepared for the base {batch.base}, not {self.base}")
        with self._write_lock:
            registry = [line for line in dict.fromkeys(batch.registry) if line not in self._registry_sent]
            drop = [g for g in batch.graphs if self._store.contains_named_graph(ox.NamedNode(g))]
            if bulk and not drop and self.path is not None and batch.quads <= BULK_QUADS:
                self._bulk_write(batch, registry)
            else:
                graphs = {g: _ntriples(nquads, g) for g, nquads in batch.graphs.items()}
                if registry:
                    graphs[str(registry_graph_iri(self.base))] = "".join(registry)
                blocks = "".join(f"GRAPH {ntriples.iri(g)} {{\n{lines}}}\n" for g, lines in graphs.items() if lines)
                update = " ;\n".join([*(f"DROP SILENT GRAPH {ntriples.iri(g)}" for g in drop),
                                      f"INSERT DATA {{\n{blocks}}}"])
                try:
                    self._store.update(update)
                except SyntaxError as exc:  # a term the builder let through that Oxigraph refuses
                    raise ValueError(f"the built RDF was refused by Oxigraph: {str(exc).splitlines()[0]}") from None
                self._written(batch.quads)
            self._registry_sent.update(registry)
            if drop:  # the old versions may have named departments the new ones do not
                self._remove_orphans()
        return list(batch.ids)

    def _bulk_write(self, batch: "Prepared", registry: list[str]) -> None:
        data = "".join(batch.graphs.values())
        if registry:
            data += _nquads("".join(registry), str(registry_graph_iri(self.base)))
        try:
            self._store.bulk_load(data.encode("utf-8"), format=ox.RdfFormat.N_QUADS)
        except SyntaxError as exc:
            # The loader may have written part of it: take the (new) graphs out again.
            for g in batch.graphs:
                self._store.remove_graph(ox.NamedNode(g))
            raise ValueError(f"the built RDF was refused by Oxigraph: {str(exc).splitlines()[0]}") from None

    def _written(self, quads: int) -> None:
        """Flush RocksDB's memtables now and then: they grow with every write, each write
        gets slower, and the log they stand for is replayed on the next opening."""
        self._unflushed += quads
        if self.path is not None and self._unflushed >= FLUSH_QUADS:
            self._store.flush()
            self._unflushed = 0

    def replace_all(self, documents: Sequence[Document]) -> list[str]:
        """Make the store hold exactly ``documents`` (and their registry entries), in one
        transaction: what ``fengong build`` does. For many documents use
        :meth:`add_documents` in batches (one transaction gets slower per quad as it grows)."""
        documents = list(documents)
        self._writable()
        graphs = documents_quads(documents, self.base)
        update = "DROP SILENT ALL"
        if documents:
            update += " ;\n" + ntriples.insert_data(graphs)
        with self._write_lock:
            self._store.update(update)
            self._registry_sent.clear()
            self._written(FLUSH_QUADS)
        return [d.id for d in documents]

    def remove_document(self, doc_id: str) -> bool:
        self._writable()
        graph = ox.NamedNode(self.graph_iri(doc_id))
        with self._write_lock:
            present = next(iter(self._store.quads_for_pattern(None, None, None, graph)), None) is not None
            if self._store.contains_named_graph(graph):
                self._store.remove_graph(graph)
                self._written(1)
            if present:
                self._remove_orphans()
        return present

    def _remove_orphans(self) -> None:
        """Delete the registry descriptions no document needs (write lock held). In a
        transaction of its own: a crash before it leaves orphans, which the next removal
        takes out (:func:`~fengong.store.orphans.orphans` looks at the whole store)."""
        nodes = orphans(self)
        if nodes:
            self._store.update(delete_descriptions(self.base, nodes))
            self._written(1)
            self._registry_sent.clear()  # some were deleted: send them again when needed

    def load_nquads(self, data: bytes) -> None:
        """Add the quads of an N-Quads dump, in one transaction; into an empty on-disk
        store (a restore) with Oxigraph's faster bulk loader, which is not transactional:
        if a restore is interrupted, restore into a fresh directory again."""
        self._writable()
        with self._write_lock:
            try:
                if self.path is not None and next(iter(self._store), None) is None:
                    self._store.bulk_load(data, format=ox.RdfFormat.N_QUADS)
                else:
                    self._store.load(data, format=ox.RdfFormat.N_QUADS)
            except SyntaxError as exc:
                raise ValueError(f"not valid N-Quads: {str(exc).splitlines()[0]}") from None
            self._written(FLUSH_QUADS)

    def optimize(self) -> None:
        """Compact the store (RocksDB compaction): after a large ingest, look-ups were three
        times faster (a department's lead tasks on 300 documents: 19 ms before, 6 ms after)."""
        self._writable()
        if self.path is not None:
            with self._write_lock:
                self._store.flush()
                self._store.optimize()
                self._unflushed = 0

    def flush(self) -> None:
        """Write Oxigraph's buffers to disk (committed writes are safe without it: the
        RocksDB log is replayed on the next opening)."""
        if self.path is not None and not self.read_only:
            self._store.flush()

    def close(self) -> None:
        if self._store is None:
            return
        if self._unflushed and self.path is not None and not self.read_only:
            self._store.flush()  # so that the next opening has no log to replay
            self._unflushed = 0
        # pyoxigraph has no close(): dropping the last reference releases RocksDB's lock.
        self._store = None  # type: ignore[assignment]

    def _writable(self) -> None:
        if self.read_only:
            raise PermissionError(f"the store at {self.path} is open read-only")

    @property
    def oxigraph(self) -> ox.Store:
        """The underlying pyoxigraph Store (read it; write through this class)."""
        return self._store

    def __len__(self) -> int:
        """Number of quads."""
        return len(self._store)


@dataclass
class Prepared:
    """Documents built and serialised for :meth:`OxigraphStore.add_prepared`: plain
    strings, so that the CPU-bound part can run in worker processes (``fengong ingest``)."""

    ids: list[str]
    graphs: dict[str, str]  # graph IRI -> N-Quads lines of a document's graph
    registry: list[str]  # N-Triples lines of the registry graph these documents need
    quads: int  # the documents' quads (registry lines not counted)
    base: str = DEFAULT_BASE

    def __add__(self, other: "Prepared") -> "Prepared":
        return Prepared(self.ids + other.ids, {**self.graphs, **other.graphs}, self.registry + other.registry,
                        self.quads + other.quads, self.base)


def prepare(documents: Sequence[Document], base: str = DEFAULT_BASE) -> Prepared:
    """Build the RDF of documents and serialise it (raises on a bad document)."""
    documents = list(documents)
    built = documents_quads(documents, base)
    registry = registry_graph_iri(base)
    graphs = {str(g): ntriples.triples_text(triples, str(g)) for g, triples in built.items() if g != registry}
    return Prepared([d.id for d in documents], graphs, _registry_lines(built.get(registry, ())),
                    sum(len(t) for g, t in built.items() if g != registry), base)


_REGISTRY_LINES: dict[tuple, str] = {}


def _registry_lines(triples) -> list[str]:
    """N-Triples lines of registry triples, each written once per process: every document
    repeats the descriptions of the departments and regions it names."""
    lines = []
    for triple in triples:
        line = _REGISTRY_LINES.get(triple)
        if line is None:
            if len(_REGISTRY_LINES) >= 200_000:
                _REGISTRY_LINES.clear()
            line = _REGISTRY_LINES[triple] = ntriples.triples_text([triple])
        lines.append(line)
    return lines


def _nquads(lines: str, graph: str) -> str:
    """N-Triples lines (``s p o .``) as N-Quads lines in ``graph``."""
    suffix = f" {ntriples.iri(graph)} .\n"
    return "".join(line[:-2] + suffix for line in lines.split("\n") if line)


def _ntriples(lines: str, graph: str) -> str:
    """N-Quads lines in ``graph`` (as :func:`_nquads` writes them) as N-Triples lines."""
    cut = len(ntriples.iri(graph)) + 3
    return "".join(line[:-cut] + " .\n" for line in lines.split("\n") if line)


@functools.lru_cache(maxsize=1)
def _prefixes() -> dict[str, str]:
    from fengong.vocab import bind_prefixes

    graph = Graph(bind_namespaces="none")
    bind_prefixes(graph)
    return {prefix: str(ns) for prefix, ns in graph.namespaces() if prefix}
