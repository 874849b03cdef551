"""The store interface every backend implements.

A store holds one named graph per document (``{base}graph/{docid}``) and the shared
registry graph (``{base}graph/registry``); queries see their union as the default graph.
Values from users reach queries only as ``bindings`` (rdflib terms substituted by the
backend: ``initBindings``, Oxigraph ``substitutions``, or a ``VALUES`` block serialised
by the N-Triples rules), never by string concatenation.
"""

from __future__ import annotations

import functools

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import BinaryIO
from dataclasses import dataclass, field

from rdflib import Graph, URIRef
from rdflib.term import Identifier, Node, Variable

from fengong.model import Document
from fengong.rdf import DEFAULT_BASE


class QueryError(ValueError):
    """The query is malformed or not allowed; the message is for the client."""


class QueryTimeout(TimeoutError):
    """The query ran past its deadline and was stopped."""


class StoreUnavailable(RuntimeError):
    """The backend (a remote SPARQL endpoint) does not answer."""


@dataclass
class QueryResult:
    """The answer to a query, backend-neutral.

    ``kind`` is ``"select"`` (``variables`` and ``rows`` of rdflib terms or None),
    ``"ask"`` (``boolean``) or ``"graph"`` (CONSTRUCT/DESCRIBE: ``graph``).
    ``truncated`` is True when the row cap cut the answer short.
    """

    kind: str
    variables: list[str] = field(default_factory=list)
    rows: list[tuple[Node | None, ...]] = field(default_factory=list)
    boolean: bool | None = None
    graph: Graph | None = None
    truncated: bool = False

    def dicts(self) -> list[dict[str, Node | None]]:
        return [dict(zip(self.variables, row)) for row in self.rows]

    def values(self, variable: str) -> list[Node | None]:
        i = self.variables.index(variable)
        return [row[i] for row in self.rows]


Bindings = Mapping[str, Identifier]


class Store(ABC):
    """What every backend offers. ``base`` is the IRI base the graph was built with."""

    base: str = DEFAULT_BASE
    name: str = "store"

    # -- reading ------------------------------------------------------------------------
    @abstractmethod
    def query(self, sparql: str, bindings: Bindings | None = None, *, timeout: float | None = None,
              max_rows: int | None = None) -> QueryResult:
        """Run a SPARQL 1.1 query over the union of all graphs.

        ``bindings`` pre-bind variables (``{"dept": URIRef(...)}``); ``timeout`` is in
        seconds (:class:`QueryTimeout` past it); ``max_rows`` caps SELECT rows and sets
        ``truncated``. Updates are refused with :class:`QueryError`.
        """

    def select(self, sparql: str, bindings: Bindings | None = None, **kw) -> list[dict[str, Node | None]]:
        """Rows of a SELECT query as dicts."""
        return self.query(sparql, bindings, **kw).dicts()

    @abstractmethod
    def triples(self, pattern: tuple[Node | None, Node | None, Node | None], *, limit: int | None = None,
                offset: int = 0) -> Iterator[tuple[Node, Node, Node]]:
        """Triples of the union graph matching a pattern, in a stable order (for paging)."""

    @abstractmethod
    def count(self, pattern: tuple[Node | None, Node | None, Node | None]) -> int:
        """Number of triples matching a pattern (an estimate is allowed for large stores)."""

    @abstractmethod
    def document_ids(self) -> list[str]:
        """Ids of the documents held, sorted."""

    @abstractmethod
    def dump(self, format: str = "nquads") -> bytes:
        """Every quad (``nquads``, ``trig``) or the union graph (``turtle``, ``nt``, ``json-ld``)."""

    def dump_to(self, output: BinaryIO, format: str = "nquads") -> None:
        """:meth:`dump` written to a binary file. Oxigraph streams it: a store of 1,000
        documents is a gigabyte of N-Quads, which :meth:`dump` holds in memory twice."""
        output.write(self.dump(format))

    def document_graph(self, doc_id: str) -> Graph:
        """The triples of one document's named graph (empty if the store has no such document).

        >>> from fengong.store import open_store
        >>> from fengong.extract import extract_text
        >>> store = open_store("memory"); doc = extract_text("(一)建设绿道(省建设厅)。")
        >>> _ = store.add_documents([doc])
        >>> len(store.document_graph(doc.id)) > 10, len(store.document_graph("none"))
        (True, 0)
        """
        result = self.query("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }", {"g": self.graph_iri(doc_id)})
        return result.graph if result.graph is not None else Graph()

    # -- writing ------------------------------------------------------------------------
    @abstractmethod
    def add_documents(self, documents: Sequence[Document]) -> list[str]:
        """Add (or replace) documents, all or nothing: on any error the store is unchanged.

        Re-adding a document with the same id replaces its named graph (idempotent), and
        drops the descriptions only its old version needed. Returns the document ids.
        """

    @abstractmethod
    def remove_document(self, doc_id: str) -> bool:
        """Remove a document's named graph, and the registry descriptions of departments and
        regions no other document needs (:mod:`fengong.store.orphans`); False if it was not there."""

    def load_nquads(self, data: bytes) -> None:
        """Restore from an N-Quads dump (the backup format)."""
        raise NotImplementedError(f"{self.name} cannot load dumps")

    def close(self) -> None:
        """Release files and connections."""

    # -- helpers ------------------------------------------------------------------------
    def graph_iri(self, doc_id: str) -> URIRef:
        from fengong.rdf import graph_iri

        return graph_iri(doc_id, self.base)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def variable(name: str) -> Variable:
    return Variable(name)


def documents_dataset(documents: Iterable[Document], base: str):
    """The RDF of documents with the default registries (what every backend stores)."""
    from fengong.rdf import build_dataset
    from fengong.regions import RegionRegistry
    from fengong.registry import DepartmentRegistry

    return build_dataset(documents, DepartmentRegistry.default(), RegionRegistry.default(), base)


def documents_quads(documents: Iterable[Document], base: str):
    """The triples of each graph of :func:`documents_dataset`, by graph name, without an
    rdflib Dataset (:func:`fengong.rdf.build_quads`): what the Oxigraph and SPARQL stores load."""
    from fengong.rdf import build_quads
    from fengong.regions import RegionRegistry
    from fengong.registry import DepartmentRegistry

    return build_quads(documents, DepartmentRegistry.default(), RegionRegistry.default(), base, _default_memo())


@functools.lru_cache(maxsize=1)
def _default_memo():
    """Registry descriptions built with the default registries (loaded once per process)."""
    from fengong.rdf import RegistryMemo

    return RegistryMemo()
