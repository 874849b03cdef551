"""Triple stores behind one interface: rdflib in memory, Oxigraph embedded, remote SPARQL.

>>> from fengong.store import open_store
>>> store = open_store("memory")
>>> store.document_ids()
[]
"""

from .base import QueryError, QueryResult, QueryTimeout, Store, StoreUnavailable
from .factory import open_store

__all__ = ["Store", "QueryResult", "QueryError", "QueryTimeout", "StoreUnavailable", "open_store"]
