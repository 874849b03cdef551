"""Running untrusted SPARQL: result formats, content negotiation, worker processes, budgets.

Queries sent to ``/sparql`` run in a small pool of worker *processes*. A query that runs
past its deadline is stopped by killing its worker, which a fresh one replaces: no query,
however explosive, can hold a lock, a core or the event loop for longer than the deadline,
and the other workers keep answering meanwhile. Remote stores (a SPARQL server that
enforces its own limits) are queried from threads instead.

What a worker reads. With the on-disk Oxigraph store, each worker opens the server's
RocksDB directory *read-only* (``Store.read_only``: it takes no lock, so it works while
the server holds the store open for writing) and shares the files through the page cache.
Why: workers used to hold a copy of the data each, and at 1,000 documents (6 M quads)
that was 3.6 GB per worker, 14 GB for the server, and minutes to load; on 100 documents
(0.6 M quads) a worker measured 411 MB with a copy (13.6 s to start), 60-90 MB read-only
(0.4 s). After a write through the server (its generation changed) the server flushes
its memtables once and each worker re-opens the directory before its next query: a
read-only opening sees the data as of that moment. pyoxigraph calls reading while another
process writes "undefined behaviour"; what goes wrong in practice is that the writer's
compactions (set off by flushes) delete SST files a reader still lists. So an opening that
fails is tried again a few times; a worker re-opens before a query when a file it saw is
gone; a query failing with an I/O error re-opens once and retries, then answers
``StoreUnavailable``. (A query that meets a deleted file in an aggregate, DISTINCT or
ORDER BY does not fail in pyoxigraph 0.5: it gathers errors, growing, until its deadline
kills the worker.) In-memory stores (tests, the rdflib ``memory`` backend) have no
directory: their workers load an N-Quads dump of the current generation instead, through
the ordinary :class:`~fengong.store.Store` interface.

Results are serialised in the worker: SPARQL 1.1 Query Results JSON, XML, CSV and TSV for
SELECT and ASK; Turtle, N-Triples, JSON-LD and RDF/XML for CONSTRUCT and DESCRIBE.
"""

from __future__ import annotations

import json
import logging
import math
import os
import queue
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from fengong.queries import generation
from fengong.store import QueryError, QueryResult, QueryTimeout, Store, StoreUnavailable

__all__ = [
    "SELECT_FORMATS",
    "ASK_FORMATS",
    "GRAPH_FORMATS",
    "FORMAT_ALIASES",
    "negotiate",
    "serialize",
    "QueryPool",
    "QueryBusy",
    "Budget",
    "Outcome",
    "Running",
]

# (media type, format key), in the order of preference when the client accepts several.
SELECT_FORMATS = [
    ("application/sparql-results+json", "json"),
    ("application/json", "json"),
    ("application/sparql-results+xml", "xml"),
    ("application/xml", "xml"),
    ("text/xml", "xml"),
    ("text/csv", "csv"),
    ("text/tab-separated-values", "tsv"),
]
ASK_FORMATS = [f for f in SELECT_FORMATS if f[1] in ("json", "xml")]
GRAPH_FORMATS = [
    ("text/turtle", "turtle"),
    ("application/x-turtle", "turtle"),
    ("application/n-triples", "nt"),
    ("application/ld+json", "json-ld"),
    ("application/rdf+xml", "xml"),
    ("text/plain", "nt"),
]
#: ``format=`` request parameter values -> media type.
FORMAT_ALIASES = {
    "json": "application/sparql-results+json",
    "srj": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "srx": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "turtle": "text/turtle",
    "ttl": "text/turtle",
    "nt": "application/n-triples",
    "ntriples": "application/n-triples",
    "n-triples": "application/n-triples",
    "jsonld": "application/ld+json",
    "json-ld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
    "rdf": "application/rdf+xml",
}
_CONTENT_TYPES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv; charset=utf-8",
    "tsv": "text/tab-separated-values; charset=utf-8",
    "turtle": "text/turtle; charset=utf-8",
    "nt": "application/n-triples",
    "json-ld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
}

# Seconds a worker gets past the deadline to answer before it is killed.
GRACE = 0.5
_NEVER = object()  # no generation yet

log = logging.getLogger("fengong.api")


def _store_directory(store: Store) -> str | None:
    """The RocksDB directory of an on-disk Oxigraph store (None for any other store)."""
    if store.name != "oxigraph":
        return None
    from fengong.store.oxigraph import OxigraphStore

    if isinstance(store, OxigraphStore) and store.path is not None:
        return os.path.abspath(store.path)  # workers start in our directory; be safe anyway
    return None


# --- content negotiation ---------------------------------------------------------------


def _accept(header: str | None) -> list[tuple[str, str, float]]:
    ranges = []
    for part in (header or "").split(","):
        fields = [f.strip() for f in part.split(";")]
        if not fields[0]:
            continue
        media = fields[0].lower()
        q = 1.0
        for param in fields[1:]:
            if param.lower().startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
                if not math.isfinite(q):
                    q = 0.0
        kind, _, sub = media.partition("/")
        ranges.append((kind, sub or "*", q))
    return ranges


def quality(header: str | None, media_type: str) -> float:
    """The q-value ``header`` gives ``media_type`` (1.0 with no header, 0 if refused)."""
    if not header or not header.strip():
        return 1.0
    kind, _, sub = media_type.lower().partition("/")
    best, specificity = 0.0, -1
    for rkind, rsub, q in _accept(header):
        if rkind == kind and rsub == sub:
            spec = 2
        elif rkind == kind and rsub == "*":
            spec = 1
        elif rkind == "*" and rsub == "*":
            spec = 0
        else:
            continue
        if spec > specificity:
            best, specificity = q, spec
    return best


def negotiate(header: str | None, offers: Sequence[tuple[str, str]]) -> tuple[str, str] | None:
    """The offer (media type, format) the client prefers; None if it accepts none.

    >>> negotiate("text/csv;q=0.5, application/sparql-results+xml", SELECT_FORMATS)
    ('application/sparql-results+xml', 'xml')
    >>> negotiate("image/png", SELECT_FORMATS) is None
    True
    """
    best, best_q = None, 0.0
    for offer in offers:
        q = quality(header, offer[0])
        if q > best_q:
            best, best_q = offer, q
    return best


# --- serialisation -----------------------------------------------------------------------


def _json_term(term: Node) -> dict[str, str]:
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    if isinstance(term, Literal):
        out = {"type": "literal", "value": str(term)}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype is not None:
            out["datatype"] = str(term.datatype)
        return out
    return {"type": "literal", "value": str(term)}


def _xml_text(value: str) -> str:
    # XML 1.0 cannot carry most control characters: replace them rather than fail.
    cleaned = "".join(ch if ch in "\t\n\r" or ch >= " " and ch not in "\ufffe\uffff" else "\ufffd" for ch in value)
    return escape(cleaned)


def _xml_term(term: Node) -> str:
    if isinstance(term, URIRef):
        return f"<uri>{_xml_text(str(term))}</uri>"
    if isinstance(term, BNode):
        return f"<bnode>{_xml_text(str(term))}</bnode>"
    if isinstance(term, Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{_xml_text(str(term))}</literal>"
        if term.datatype is not None:
            return f"<literal datatype={quoteattr(str(term.datatype))}>{_xml_text(str(term))}</literal>"
        return f"<literal>{_xml_text(str(term))}</literal>"
    return f"<literal>{_xml_text(str(term))}</literal>"


def _csv_field(term: Node | None) -> str:
    if term is None:
        return ""
    value = "_:" + str(term) if isinstance(term, BNode) else str(term)
    if any(ch in value for ch in ',"\r\n'):
        value = '"' + value.replace('"', '""') + '"'
    return value


def _tsv_term(term: Node | None) -> str:
    if term is None:
        return ""
    if isinstance(term, BNode):
        return "_:" + str(term)
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, Literal):
        lexical = (str(term).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
                   .replace("\r", "\\r").replace("\t", "\\t"))
        if term.language:
            return f'"{lexical}"@{term.language}'
        if term.datatype is not None:
            return f'"{lexical}"^^<{term.datatype}>'
        return f'"{lexical}"'
    return str(term)


def serialize(result: QueryResult, fmt: str, truncated: bool = False) -> bytes:
    """Bytes of a result in ``fmt`` (json, xml, csv, tsv; turtle, nt, json-ld, rdfxml)."""
    if result.kind == "graph":
        graph = result.graph if result.graph is not None else Graph()
        from fengong.vocab import bind_prefixes

        bind_prefixes(graph)
        rdflib_format = {"rdfxml": "xml", "nt": "nt", "turtle": "turtle", "json-ld": "json-ld"}[fmt]
        if rdflib_format == "nt":  # sorted: stable bytes, so stable ETags
            lines = graph.serialize(format="nt").splitlines()
            return "".join(line + "\n" for line in sorted(set(lines)) if line.strip()).encode("utf-8")
        return graph.serialize(format=rdflib_format, encoding="utf-8")
    if result.kind == "ask":
        if fmt == "json":
            return json.dumps({"head": {}, "boolean": bool(result.boolean)}).encode("utf-8")
        return ('<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
                f"<head></head><boolean>{'true' if result.boolean else 'false'}</boolean></sparql>\n").encode("utf-8")
    variables = result.variables
    if fmt == "json":
        bindings = [{v: _json_term(t) for v, t in zip(variables, row) if t is not None} for row in result.rows]
        payload: dict[str, Any] = {"head": {"vars": variables}, "results": {"bindings": bindings}}
        if truncated:
            payload["truncated"] = True  # an extension member: clients ignore what they do not know
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if fmt == "xml":
        parts = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n<head>']
        parts.extend(f"<variable name={quoteattr(v)}/>" for v in variables)
        parts.append("</head>\n<results>\n")
        for row in result.rows:
            parts.append("<result>")
            for v, t in zip(variables, row):
                if t is not None:
                    parts.append(f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>")
            parts.append("</result>\n")
        parts.append("</results>\n</sparql>\n")
        return "".join(parts).encode("utf-8")
    if fmt == "csv":
        lines = [",".join(_csv_field(Literal(v)) for v in variables)]
        lines.extend(",".join(_csv_field(t) for t in row) for row in result.rows)
        return ("\r\n".join(lines) + "\r\n").encode("utf-8")
    if fmt == "tsv":
        lines = ["\t".join("?" + v for v in variables)]
        lines.extend("\t".join(_tsv_term(t) for t in row) for row in result.rows)
        return ("\n".join(lines) + "\n").encode("utf-8")
    raise ValueError(f"unknown format {fmt!r}")


def content_type(fmt: str, form: str) -> str:
    if form in ("CONSTRUCT", "DESCRIBE") and fmt == "xml":
        return _CONTENT_TYPES["rdfxml"]
    return _CONTENT_TYPES[fmt]


def cap_graph(result: QueryResult, max_rows: int | None) -> bool:
    """Cut a CONSTRUCT/DESCRIBE graph to ``max_rows`` triples (sorted, so stable); True if cut."""
    if result.kind != "graph" or result.graph is None or max_rows is None or len(result.graph) <= max_rows:
        return False
    kept = Graph()
    for triple in sorted(result.graph)[:max_rows]:
        kept.add(triple)
    result.graph = kept
    result.truncated = True
    return True


@dataclass
class Outcome:
    """A finished query: serialised body, whether it was truncated, and seconds spent."""

    body: bytes
    truncated: bool
    elapsed: float


def run_here(store: Store, text: str, form: str, fmt: str, timeout: float, max_rows: int | None) -> Outcome:
    """Run and serialise in this process (remote stores; the workers call it too)."""
    from fengong.queries import query

    started = time.perf_counter()
    result = query(store, text, timeout=timeout, max_rows=max_rows)
    cap_graph(result, max_rows)
    if fmt == "rdfxml" and result.kind != "graph":
        fmt = "xml"
    if result.kind == "graph" and fmt == "xml":
        fmt = "rdfxml"
    body = serialize(result, fmt, result.truncated)
    return Outcome(body, result.truncated, time.perf_counter() - started)


# --- worker processes ------------------------------------------------------------------


def _sst_files(path: str) -> frozenset[str]:
    """The SST files of a RocksDB directory (the files compaction deletes)."""
    try:
        return frozenset(name for name in os.listdir(path) if name.endswith(".sst"))
    except OSError:
        return frozenset()


def _storage_failure(exc: BaseException) -> bool:
    """Whether a query failed reading the store's files (not the query's fault): the store
    turns Oxigraph's OSError into a QueryError, keeping the OSError as its context."""
    if isinstance(exc, QueryTimeout):  # never retried: the deadline has passed
        return False
    seen = 0
    cause: BaseException | None = exc
    while cause is not None and seen < 8:
        if isinstance(cause, OSError) and not isinstance(cause, TimeoutError):
            return True
        cause = cause.__cause__ or cause.__context__
        seen += 1
    return False


class _ReadOnlyView:
    """The worker's read-only opening of the server's store directory.

    ``files`` are the SST files seen around the opening: when one of them is gone, the
    writer compacted and this opening may reach for a file that no longer exists, so it is
    re-opened before the next query.
    """

    def __init__(self, path: str, base: str) -> None:
        self.path = path
        self.base = base
        self.store: Store | None = None
        self.files: frozenset[str] = frozenset()
        self.openings = 0

    def open(self, attempts: int = 5) -> Store:
        """Open (again). An opening fails when a compaction deletes a file while it reads
        them (the flush before it sets one off): a few attempts, 50 ms to 0.4 s apart."""
        from fengong.store import open_store

        self.close()
        for attempt in range(attempts):
            before = _sst_files(self.path)
            try:
                self.store = open_store("oxigraph", path=self.path, base=self.base, read_only=True)
            except Exception:  # StoreUnavailable, or pyoxigraph's own error for "Corruption"
                if attempt + 1 >= attempts or not (Path(self.path) / "CURRENT").exists():
                    raise
                time.sleep(0.05 * 2**attempt)
                continue
            self.openings += 1
            # Files compacted away between the two listings make the next query re-open.
            self.files = before | _sst_files(self.path)
            return self.store
        raise StoreUnavailable(f"cannot open {self.path}")  # not reached

    def stale(self) -> bool:
        return not self.files <= _sst_files(self.path)

    def close(self) -> None:
        if self.store is not None:
            try:
                self.store.close()
            except Exception:
                pass
            self.store = None


def _answer(store: Store, text: str, form: str, fmt: str, timeout: float,
            max_rows: int | None) -> tuple[tuple, BaseException | None]:
    """The reply to a query message, and the exception behind an error reply."""
    try:
        outcome = run_here(store, text, form, fmt, timeout, max_rows)
        return ("ok", outcome.body, outcome.truncated, outcome.elapsed), None
    except QueryTimeout as exc:
        return ("timeout", str(exc)), exc
    except QueryError as exc:
        return ("error", str(exc)), exc
    except RecursionError as exc:
        return ("error", "query too deeply nested"), exc
    except Exception as exc:  # engines raise many things on odd queries
        return ("error", f"query failed: {type(exc).__name__}: {exc}"), exc


def _rss_kb() -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def _worker_main(conn, kind: str, base: str) -> None:  # pragma: no cover - runs in a child process
    """A query worker: opens the store read-only (or loads dumps), answers queries, until
    its pipe closes."""
    try:
        import rdflib.plugins.sparql as rdflib_sparql

        # Never let rdflib fetch FROM graphs (the guard refuses them already).
        rdflib_sparql.SPARQL_LOAD_GRAPHS = False
    except Exception:
        pass
    from fengong.store import open_store

    store: Store | None = None
    view: _ReadOnlyView | None = None  # set when the worker reads the server's directory
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        op = message[0]
        try:
            if op == "open":
                _, gen, path = message
                store = None
                if view is None or view.path != path:
                    if view is not None:
                        view.close()
                    view = _ReadOnlyView(path, base)
                try:
                    store = view.open()
                except Exception as exc:
                    conn.send(("error", f"cannot open the store read-only: {exc}"))
                    continue
                conn.send(("ready", gen))
            elif op == "load":
                _, gen, data = message
                fresh = open_store(kind, base=base)
                fresh.load_nquads(data)
                if view is not None:
                    view.close()
                    view = None
                elif store is not None:
                    store.close()
                store = fresh
                conn.send(("ready", gen))
            elif op == "query":
                _, text, form, fmt, timeout, max_rows = message
                started = time.monotonic()
                try:
                    if view is not None and (store is None or view.stale()):
                        store = view.open()
                except Exception as exc:
                    store = None
                    conn.send(("unavailable", f"the store cannot be opened: {exc}"))
                    continue
                if store is None:
                    conn.send(("error", "no data loaded"))
                    continue
                reply, exc = _answer(store, text, form, fmt, timeout, max_rows)
                if view is not None and exc is not None and _storage_failure(exc):
                    # Most likely a file the writer compacted away: re-open once and retry
                    # within what is left of the deadline.
                    try:
                        store = view.open()
                    except Exception as again:
                        store, exc = None, again
                    left = timeout - (time.monotonic() - started) if timeout else timeout
                    retried = store is not None and (not timeout or left > 0)
                    if retried:
                        reply, exc = _answer(store, text, form, fmt, left, max_rows)
                    if exc is not None and (not retried or _storage_failure(exc)):
                        reply = ("unavailable", f"the store could not be read: {exc}")
                conn.send(reply)
            elif op == "status":
                conn.send(("status", {
                    "pid": os.getpid(),
                    "kind": getattr(store, "name", None),
                    "path": view.path if view is not None else None,
                    "read_only": getattr(store, "read_only", False) if store is not None else None,
                    "openings": view.openings if view is not None else 0,
                    "rss_kb": _rss_kb(),
                }))
            elif op == "stop":
                return
        except (BrokenPipeError, OSError):
            return


def _worker_entry(fd: int, kind: str, base: str) -> None:  # pragma: no cover - child process
    """Entry point of a worker process started by :class:`_Worker` (``python -c``)."""
    from multiprocessing.connection import Connection

    parent = os.getppid()

    def watchdog() -> None:  # an orphan (parent killed) must not run a query forever
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(0)

    threading.Thread(target=watchdog, daemon=True).start()
    _worker_main(Connection(fd), kind, base)


class _Worker:
    """One worker process, talking over a socket pair with pickled messages.

    Started as ``python -c`` (not with multiprocessing's spawn, which re-imports the
    parent's main script): it imports only the library and this module.
    """

    def __init__(self, kind: str, base: str) -> None:
        from multiprocessing.connection import Connection

        parent, child = socket.socketpair()
        code = ("import sys; from fengong.api.sparql_engine import _worker_entry; "
                "_worker_entry(int(sys.argv[1]), sys.argv[2], sys.argv[3])")
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-c", code, str(child.fileno()), kind, base],
                pass_fds=[child.fileno()], stdin=subprocess.DEVNULL, close_fds=True,
            )
        finally:
            child.close()
        self.conn = Connection(parent.detach())
        self.generation: Any = None

    def kill(self) -> None:
        try:
            self.process.kill()
            self.process.wait(5)
        except Exception:
            pass
        try:
            self.conn.close()
        except Exception:
            pass


class QueryBusy(StoreUnavailable):
    """Every worker is busy and none became free within the deadline."""


class QueryPool:
    """Worker processes answering untrusted queries with hard deadlines.

    ``execute`` blocks (call it from a thread); it raises :class:`QueryTimeout` past the
    deadline (the worker is killed and replaced), :class:`QueryError` for a bad query,
    :class:`QueryBusy` when no worker frees up in time.
    """

    def __init__(self, store: Store, size: int = 2, load_timeout: float = 600.0) -> None:
        self.store = store
        self.size = max(1, size)
        self.load_timeout = load_timeout
        self.kind = store.name if store.name in ("memory", "oxigraph") else "memory"
        self.base = store.base
        #: The on-disk store's directory, which workers open read-only; None: they load dumps.
        self.path: str | None = _store_directory(store)
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._count = 0
        self._starting = 0  # workers being started (warm-up and replacements)
        self._closed = False
        self._snapshot_lock = threading.Lock()
        self._snapshot: tuple[Any, bytes] | None = None
        self._flushed: Any = _NEVER  # the generation last flushed for read-only openers
        self.killed = 0  # workers stopped at their deadline (for tests and metrics)

    # -- data --------------------------------------------------------------------------
    def snapshot(self) -> tuple[Any, bytes]:
        with self._snapshot_lock:
            gen = generation(self.store)
            if self._snapshot is None or self._snapshot[0] != gen:
                self._snapshot = (gen, self.store.dump("nquads"))
            return self._snapshot

    def visible(self) -> Any:
        """Make the writer's data visible to a read-only opener (flush the memtables once
        per generation); the generation then current."""
        with self._snapshot_lock:
            gen = generation(self.store)
            if gen != self._flushed:
                # Not strictly needed (a read-only opening replays the log) but it keeps the
                # log each worker replays, and holds in memory, short.
                try:
                    self.store.flush()
                except Exception:
                    log.warning("flushing the store before the query workers re-open it failed", exc_info=True)
                self._flushed = gen
            return gen

    def _load(self, worker: _Worker) -> None:
        if self.path is not None:
            gen = self.visible()
            if worker.generation == gen:
                return
            worker.conn.send(("open", gen, self.path))
        else:
            gen, data = self.snapshot()
            if worker.generation == gen:
                return
            worker.conn.send(("load", gen, data))
        if not worker.conn.poll(self.load_timeout):
            raise StoreUnavailable("a query worker did not load the data in time")
        reply = worker.conn.recv()
        if reply[0] != "ready":
            raise StoreUnavailable(f"a query worker could not load the data: {reply[1]}")
        worker.generation = reply[1]

    # -- workers -----------------------------------------------------------------------
    def _spawn_loaded(self) -> _Worker:
        try:
            worker = _Worker(self.kind, self.base)
        except OSError as exc:
            with self._lock:
                self._count -= 1
            raise StoreUnavailable(f"cannot start a query worker: {exc}") from None
        try:
            self._load(worker)
        except (OSError, EOFError) as exc:
            worker.kill()
            with self._lock:
                self._count -= 1
            raise StoreUnavailable(f"a query worker failed to start ({type(exc).__name__})") from None
        except BaseException:
            worker.kill()
            with self._lock:
                self._count -= 1
            raise
        return worker

    def _replace(self) -> None:
        with self._lock:
            self._starting += 1

        def start() -> None:
            try:
                worker = self._spawn_loaded()
            except BaseException:
                return
            finally:
                with self._lock:
                    self._starting -= 1
            if self._closed:
                worker.kill()
                with self._lock:
                    self._count -= 1
            else:
                self._idle.put(worker)

        threading.Thread(target=start, name="fengong-sparql-respawn", daemon=True).start()

    def warm(self, wait: bool = False) -> None:
        """Start every worker and load the data (in the background unless ``wait``)."""
        self._closed = False
        threads = []
        while True:
            with self._lock:
                if self._count >= self.size or self._closed:
                    break
                self._count += 1
                # counted as starting, so that a query arriving meanwhile waits for it
                # (as for a replacement) instead of answering 503 busy
                self._starting += 1

            def start() -> None:
                try:
                    worker = self._spawn_loaded()
                except BaseException:
                    return
                finally:
                    with self._lock:
                        self._starting -= 1
                self._idle.put(worker)

            thread = threading.Thread(target=start, name="fengong-sparql-warm", daemon=True)
            thread.start()
            threads.append(thread)
        if wait:
            for thread in threads:
                thread.join()

    def _acquire(self, wait: float) -> _Worker:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            spawn = self._count < self.size and not self._closed
            if spawn:
                self._count += 1
        if spawn:
            return self._spawn_loaded()
        if self._starting:
            wait += 60.0  # a replacement is starting (a few seconds): worth waiting for
        try:
            return self._idle.get(timeout=wait)
        except queue.Empty:
            raise QueryBusy("every query worker is busy; try again in a few seconds") from None

    def execute(self, text: str, form: str, fmt: str, timeout: float, max_rows: int | None) -> Outcome:
        self._closed = False  # a closed pool starts again on demand
        worker = self._acquire(wait=timeout)
        healthy = False
        try:
            self._load(worker)  # outside the deadline: loading is not the query's time
            worker.conn.send(("query", text, form, fmt, timeout, max_rows))
            if not worker.conn.poll(timeout + GRACE):
                self.killed += 1
                raise QueryTimeout(f"the query ran past the {timeout:g} s limit and was stopped")
            reply = worker.conn.recv()
            if reply[0] == "unavailable":  # its store could not be read, even re-opened
                raise StoreUnavailable(reply[1])
            if reply[0] == "timeout":
                # The backend gave up waiting, but its evaluation may still be running in
                # the worker (Oxigraph cannot cancel a query): stop the worker all the same.
                self.killed += 1
                raise QueryTimeout(reply[1] or f"the query ran past the {timeout:g} s limit")
            healthy = True
        except QueryTimeout:  # a TimeoutError, hence an OSError: not a broken worker
            raise
        except (EOFError, OSError) as exc:
            raise StoreUnavailable(f"a query worker stopped ({type(exc).__name__}); try again") from None
        finally:
            if healthy and not self._closed:
                self._idle.put(worker)
            elif healthy:
                worker.kill()
                with self._lock:
                    self._count -= 1
            else:
                worker.kill()
                if not self._closed:
                    self._replace()
                else:
                    with self._lock:
                        self._count -= 1
        status = reply[0]
        if status == "ok":
            return Outcome(reply[1], reply[2], reply[3])
        raise QueryError(reply[1])

    def describe(self, wait: float = 60.0) -> dict[str, Any]:
        """What an idle worker holds, once it has the current data: its ``pid``, the
        ``kind`` of its store, the ``path`` it opened read-only (None with a copy),
        ``read_only``, ``openings`` (of that path) and ``rss_kb`` (resident memory). For
        diagnostics and tests.
        """
        self._closed = False
        worker = self._acquire(wait=wait)
        healthy = False
        try:
            self._load(worker)
            worker.conn.send(("status",))
            if not worker.conn.poll(wait):
                raise StoreUnavailable("a query worker did not answer")
            reply = worker.conn.recv()
            healthy = True
        except (EOFError, OSError) as exc:
            raise StoreUnavailable(f"a query worker stopped ({type(exc).__name__})") from None
        finally:
            if healthy:
                self._idle.put(worker)
            else:
                worker.kill()
                self._replace()
        return reply[1]

    def close(self) -> None:
        """Stop the idle workers now and busy ones when they finish; a later query starts
        new ones."""
        self._closed = True
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                break
            try:
                worker.conn.send(("stop",))
            except Exception:
                pass
            worker.kill()
            with self._lock:
                self._count -= 1


# --- per-client budget -----------------------------------------------------------------


class Budget:
    """Seconds of query time each client may use per sliding window (as the Wikidata Query
    Service does): past it, :meth:`retry_after` says how long to wait.

    >>> b = Budget(1.0, window=60); b.charge("c", 1.5); b.retry_after("c", now=b._log["c"][0][0] + 10)
    50
    """

    def __init__(self, seconds: float, window: float = 60.0, max_clients: int = 100_000) -> None:
        self.seconds = seconds
        self.window = window
        self.max_clients = max_clients
        self._log: dict[str, deque[tuple[float, float]]] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.seconds > 0

    def _prune(self, entries: deque[tuple[float, float]], now: float) -> None:
        while entries and entries[0][0] + self.window <= now:
            entries.popleft()

    def retry_after(self, client: str, now: float | None = None) -> int | None:
        """None if the client may query now; else seconds until it may."""
        if not self.enabled:
            return None
        now = time.monotonic() if now is None else now
        with self._lock:
            entries = self._log.get(client)
            if not entries:
                return None
            self._prune(entries, now)
            used = sum(cost for _, cost in entries)
            if used < self.seconds:
                return None
            for at, cost in entries:
                used -= cost
                if used < self.seconds:
                    return max(1, math.ceil(at + self.window - now))
            return max(1, math.ceil(self.window))

    def charge(self, client: str, cost: float, now: float | None = None) -> None:
        if not self.enabled:
            return
        now = time.monotonic() if now is None else now
        with self._lock:
            if client not in self._log and len(self._log) >= self.max_clients:
                for key in [k for k, v in self._log.items() if not v or v[-1][0] + self.window <= now]:
                    del self._log[key]
            self._log.setdefault(client, deque()).append((now, cost))


@dataclass
class Running:
    """Queries running (and waiting to run) per client; one client runs at most ``limit``
    at once and has at most ``max_waiting`` waiting."""

    limit: int
    max_waiting: int = 64
    counts: dict[str, int] = field(default_factory=dict)
    waiting: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def try_take(self, client: str, queue: bool = False) -> bool:
        """With ``queue``: join the client's queue (False if it is full). Without: take a
        running slot if one is free."""
        with self.lock:
            if queue:
                if self.waiting.get(client, 0) >= self.max_waiting:
                    return False
                self.waiting[client] = self.waiting.get(client, 0) + 1
                return True
            running = self.counts.get(client, 0)
            if running >= self.limit:
                return False
            self.counts[client] = running + 1
            return True

    def unqueue(self, client: str) -> None:
        with self.lock:
            left = self.waiting.get(client, 1) - 1
            if left > 0:
                self.waiting[client] = left
            else:
                self.waiting.pop(client, None)

    def release(self, client: str) -> None:
        with self.lock:
            left = self.counts.get(client, 1) - 1
            if left > 0:
                self.counts[client] = left
            else:
                self.counts.pop(client, None)


def default_pool_size() -> int:
    """``$FENGONG_SPARQL_WORKERS``, else 3 (one client may use one of them at a time)."""
    try:
        return max(1, int(os.environ.get("FENGONG_SPARQL_WORKERS", "3")))
    except ValueError:
        return 3
