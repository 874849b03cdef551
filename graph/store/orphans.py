"""Registry descriptions that no document needs any more.

The registry graph (``{base}graph/registry``) describes the departments and regions the
documents name, with what those descriptions point to (a department's parent and region,
a region's members). Removing a document leaves behind the descriptions only it needed:
the departments list would still show its departments, with no tasks. :func:`orphans`
finds them — described departments and regions that no document graph mentions, directly
or through the description of one it mentions — and :func:`delete_descriptions` is the
SPARQL Update that takes them out (every triple of each, in one request).

>>> from fengong.extract import extract_sample
>>> from fengong.store import open_store
>>> store = open_store("memory"); _ = store.add_documents([extract_sample()])
>>> orphans(store)
[]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rdflib import URIRef

from fengong.rdf import registry_graph_iri

from . import ntriples

if TYPE_CHECKING:
    from .base import Store

__all__ = ["orphans", "delete_descriptions"]

_KINDS = "VALUES ?kind { <https://w3id.org/fengong/ns#Department> <https://w3id.org/fengong/ns#Region> }"

DESCRIBED = f"SELECT ?node WHERE {{ GRAPH ?registry {{ ?node a ?kind }} {_KINDS} }}"

# One index look-up per described node (the first triple found ends EXISTS).
MENTIONED = f"""SELECT ?node WHERE {{
  GRAPH ?registry {{ ?node a ?kind }} {_KINDS}
  FILTER EXISTS {{ GRAPH ?g {{ ?s ?p ?node }} FILTER(?g != ?registry) }}
}}"""

LINKS = f"SELECT ?from ?to WHERE {{ GRAPH ?registry {{ ?from ?p ?to . ?to a ?kind }} {_KINDS} }}"


def orphans(store: "Store") -> list[URIRef]:
    """The described departments and regions no document needs, sorted."""
    bindings = {"registry": registry_graph_iri(store.base)}
    described = {str(v) for v in store.query(DESCRIBED, bindings).values("node")}
    kept = {str(v) for v in store.query(MENTIONED, bindings).values("node")}
    links: dict[str, set[str]] = {}
    for source, target in store.query(LINKS, bindings).rows:
        links.setdefault(str(source), set()).add(str(target))
    pending = list(kept)
    while pending:
        for target in links.get(pending.pop(), ()):
            if target not in kept:
                kept.add(target)
                pending.append(target)
    return sorted(URIRef(node) for node in described - kept)


def delete_descriptions(base: str, nodes: Sequence[URIRef]) -> str:
    """A SPARQL Update deleting every registry triple about ``nodes`` (IRIs read from the
    store, written by the N-Triples rules)."""
    registry = ntriples.iri(registry_graph_iri(base))
    listed = " ".join(ntriples.iri(node) for node in nodes)
    return (f"DELETE {{ GRAPH {registry} {{ ?node ?p ?o }} }} "
            f"WHERE {{ VALUES ?node {{ {listed} }} GRAPH {registry} {{ ?node ?p ?o }} }}")
