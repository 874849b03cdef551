"""``fengong ingest FILE…``: extract documents and add them to the store.

Each document goes into its own named graph; ingesting a document again replaces it
(idempotent). Documents are committed in batches, each all or nothing (a transaction, or
on Oxigraph one bulk-loader ingestion for a batch of new documents): a crash or kill
leaves the store with exactly the batches committed before (``--verbose`` prints each
document as it is committed). A file that cannot be read is reported in one
line and skipped; the exit code is then 1. Folders expand to their .txt, .html, .htm,
.docx, .xlsx and .pdf files, and the office formats LibreOffice reads (.doc, .wps, .xls …;
recursively). With many files, extraction runs in ``--jobs``
processes and a progress bar is drawn on stderr when it is a terminal.
"""

from __future__ import annotations

import collections
import concurrent.futures
import multiprocessing
import os
import sys
import time
from pathlib import Path

from fengong.rdf import DEFAULT_BASE
from fengong.reading import OFFICE_SUFFIXES
from fengong.store.oxigraph import BULK_QUADS

from .store_options import add_data_options, data_dir, fail, open_data_store

SUFFIXES = (".txt", ".html", ".htm", ".docx", ".xlsx", ".pdf", *OFFICE_SUFFIXES)
#: Characters of document text per transaction on stores other than Oxigraph: about one
#: sample-sized document (some 4,000 quads); their cost per quad grows with a transaction.
BATCH_CHARS = 20_000
#: Quads per batch on Oxigraph, whose bulk loader writes a batch of new documents in one
#: RocksDB ingestion (about 70 sample-sized documents; see fengong.store.oxigraph).
BATCH_QUADS = 300_000
#: Documents the extraction processes may run ahead of the writer on Oxigraph: a batch's
#: worth, so that they keep working while a batch is written.
AHEAD = 64
#: Files from which extraction runs in parallel processes.
PARALLEL_FROM = 8
#: Documents added from which the Oxigraph store is compacted at the end.
OPTIMIZE_FROM = 20
#: Files from which the progress bar is drawn (on a terminal).
PROGRESS_FROM = 10


def add_parser(sub):
    p = sub.add_parser("ingest", help="add documents to the store (each in its own named graph)",
                       description="Extract documents and add them to the store under --data (or a SPARQL endpoint). "
                                   "Re-ingesting a document replaces it; each batch is committed atomically. "
                                   "Folders expand to their .txt/.html/.htm/.docx/.xlsx/.pdf files (and .doc/.wps/.xls/.et/.rtf/.odt/.ods, read through LibreOffice).")
    p.add_argument("files", nargs="+", metavar="FILE", help="documents, or folders of documents")
    add_data_options(p)
    p.add_argument("-j", "--jobs", type=int, metavar="N",
                   help=f"extraction processes (default: the number of CPUs, from {PARALLEL_FROM} files)")
    p.add_argument("--batch-quads", type=int, default=BATCH_QUADS, metavar="N",
                   help=f"on Oxigraph, quads per commit (default {BATCH_QUADS:,}; at most "
                        f"{BULK_QUADS:,} go through the bulk loader): smaller batches lose less to a crash")
    p.add_argument("-v", "--verbose", action="store_true", help="print each document id as it is committed")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def expand(paths: list[str]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Files to ingest, and ``(path, reason)`` for arguments that name nothing readable."""
    files: list[Path] = []
    problems: list[tuple[str, str]] = []
    seen: set[Path] = set()
    for arg in paths:
        path = Path(arg)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
            if not found:
                problems.append((arg, f"no {', '.join(SUFFIXES)} files in this folder"))
        elif path.exists():
            found = [path]
        else:
            problems.append((arg, "no such file"))
            continue
        for f in found:
            key = f.resolve()
            if key not in seen:
                seen.add(key)
                files.append(f)
    return files, problems


def _extract(path: str, base: str | None = None):
    """Worker: ``(path, document id, characters, payload, error)``. The payload is the
    Document, or with ``base`` the batch already built and serialised for Oxigraph (so that
    the writing process only writes)."""
    from fengong.extract import ExtractionError, extract_file
    from fengong.reading import ReadError

    try:
        doc = extract_file(path)
        if base is None:
            return path, doc.id, len(doc.text), doc, None
        from fengong.store.oxigraph import prepare

        try:
            return path, doc.id, len(doc.text), prepare([doc], base), None
        except (ValueError, TypeError) as exc:
            return path, None, 0, None, f"cannot build its graph: {exc}"
    except (ReadError, ExtractionError) as exc:
        return path, None, 0, None, str(exc)
    except Exception as exc:  # one odd file must not stop the others
        return path, None, 0, None, f"unexpected error ({type(exc).__name__}): {exc}"


def _warm(_: int) -> int:
    return os.getpid()


def _die_with_parent(parent: int) -> None:
    """Worker initializer: a worker must not outlive a killed ingest (kill -9 gives the
    pool no chance to stop it, and it would wait on its task queue forever). Linux's
    PR_SET_PDEATHSIG kills it with its parent; elsewhere the pool's own shutdown applies."""
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _extracted(files: list[Path], pool: concurrent.futures.Executor | None, ahead: int, base: str | None):
    """Extraction results in file order; at most ``ahead`` files in flight."""
    if pool is None:
        for f in files:
            yield _extract(str(f), base)
        return
    queue: collections.deque = collections.deque()
    todo = iter(files)
    for f in todo:
        queue.append(pool.submit(_extract, str(f), base))
        if len(queue) >= ahead:
            break
    while queue:
        result = queue.popleft().result()
        nxt = next(todo, None)
        if nxt is not None:
            queue.append(pool.submit(_extract, str(nxt), base))
        yield result


class Progress:
    """A one-line progress bar on stderr (only on a terminal)."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.total, self.enabled = total, enabled
        self.done = 0
        self.start = self.last = time.monotonic()

    def step(self, n: int = 1) -> None:
        self.done += n
        now = time.monotonic()
        if self.enabled and (now - self.last > 0.1 or self.done == self.total):
            self.last = now
            width = 30
            filled = int(width * self.done / max(1, self.total))
            rate = self.done / max(1e-9, now - self.start)
            sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} files, "
                             f"{rate:.1f}/s ")
            sys.stderr.flush()

    def say(self, line: str) -> None:
        if self.enabled:
            sys.stderr.write("\r\033[K")
        print(line, file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")
            sys.stderr.flush()


def run(args) -> int:
    from fengong.store import StoreUnavailable

    files, problems = expand(args.files)
    if not files:
        for arg, reason in problems:
            print(f"fengong ingest: {arg}: {reason}", file=sys.stderr)
        return fail("ingest", "nothing to ingest")
    jobs = args.jobs if args.jobs is not None else (os.cpu_count() or 1)
    if jobs < 1:
        return fail("ingest", "--jobs must be at least 1")
    if args.batch_quads < 1:
        return fail("ingest", "--batch-quads must be at least 1")
    pool = None
    if jobs > 1 and len(files) >= PARALLEL_FROM:
        from fengong.extract import default_extractor

        from fengong.store.base import documents_quads

        default_extractor()  # load the registries and the ontology once, before the workers fork
        documents_quads([], DEFAULT_BASE)
        workers = min(jobs, len(files))
        pool = concurrent.futures.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                                                    initializer=_die_with_parent, initargs=(os.getpid(),))
        list(pool.map(_warm, range(workers)))  # fork now, before the store is open
    try:
        try:
            store = open_data_store(args)
        except StoreUnavailable as exc:
            return fail("ingest", str(exc))
        try:
            return _ingest(args, store, files, problems, pool, jobs)
        finally:
            store.close()
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _ingest(args, store, files, problems, pool, jobs) -> int:
    from fengong.store.oxigraph import OxigraphStore

    # With Oxigraph the workers also build and serialise; this process only writes.
    prepared = isinstance(store, OxigraphStore)
    progress = Progress(len(files), sys.stderr.isatty() and len(files) >= PROGRESS_FROM and not args.no_progress)
    for arg, reason in problems:
        progress.say(f"fengong ingest: {arg}: {reason}")
    failed = len(problems)
    before = set(store.document_ids())
    added: dict[str, str] = {}
    batch: list[tuple[str, str, object]] = []  # (path, document id, Document or Prepared)
    pending = 0  # quads (Oxigraph) or characters of text in the batch

    def write(payloads: list, bulk: bool = True) -> None:
        if prepared:
            merged = payloads[0]
            for more in payloads[1:]:
                merged = merged + more
            store.add_prepared(merged, bulk=bulk)
        else:
            store.add_documents(payloads)

    def commit() -> None:
        nonlocal batch, pending, failed
        if not batch:
            return
        try:
            write([payload for _, _, payload in batch])
            done = batch
        except (ValueError, TypeError):
            # One document's RDF failed to build or was refused: nothing was written; find it.
            done = []
            for item in batch:
                try:
                    write([item[2]], bulk=False)
                    done.append(item)
                except (ValueError, TypeError) as exc:
                    failed += 1
                    progress.say(f"fengong ingest: {item[0]}: cannot build its graph: {exc}")
        for path, doc_id, _ in done:
            added[doc_id] = path
            if args.verbose:
                progress.say(f"added {doc_id} {path}")
        batch, pending = [], 0

    base = store.base if prepared else None
    for path, doc_id, size, payload, error in _extracted(files, pool, AHEAD if prepared else 2 * jobs + 2, base):
        progress.step()
        if error is not None:
            failed += 1
            progress.say(f"fengong ingest: {path}: {error}")
            continue
        if any(d == doc_id for _, d, _ in batch):
            commit()  # the same id twice: the later file replaces the earlier, in order
        batch.append((path, doc_id, payload))
        pending += payload.quads if prepared else size
        if pending >= (args.batch_quads if prepared else BATCH_CHARS):
            commit()
    commit()
    progress.close()
    if prepared and len(added) >= OPTIMIZE_FROM:
        store.optimize()  # compaction: later look-ups get markedly faster
    total = len(store.document_ids())
    new = sum(1 for d in added if d not in before)
    where = getattr(store, "url", None) or data_dir(args) / "store"
    summary = (f"ingested {len(added)} document{'s' if len(added) != 1 else ''} into {where}: "
               f"{new} new, {len(added) - new} replaced; {total} in the store")
    if failed:
        summary += f"; {failed} file{'s' if failed != 1 else ''} failed"
    print(summary, flush=True)
    return 1 if failed else 0
