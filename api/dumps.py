"""Whole-graph dumps written to files and streamed from there.

At 1,000 documents the N-Quads of the store are a gigabyte: built in memory for a response
they took 2 GB of the server's memory (its budget is 1.5 GB) and a minute per request. A
:class:`DumpFiles` writes each format once per store generation into a temporary
directory, on a thread of its own (the store streams it: :meth:`fengong.store.Store.dump_to`),
with the ETag computed while writing; the response streams the file. A file of an older
generation is deleted when the new one is ready (a response still reading it keeps it
open until done).
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import shutil
import tempfile
import threading
import uuid
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

__all__ = ["DumpFile", "DumpFiles", "chunks"]

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class DumpFile:
    path: Path
    etag: str
    size: int


class _Hashing:
    """A binary file that hashes what is written to it (for the ETag)."""

    def __init__(self, file: BinaryIO) -> None:
        self.file = file
        self.hash = hashlib.blake2b(digest_size=12)
        self.size = 0

    def write(self, data: bytes) -> int:
        self.hash.update(data)
        self.size += len(data)
        return self.file.write(data)

    def flush(self) -> None:
        self.file.flush()


class DumpFiles:
    """Dump files per ``(generation, format)``, each written once however many ask."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._files: dict[str, tuple[Hashable, DumpFile]] = {}
        self._inflight: dict[tuple[Hashable, str], concurrent.futures.Future] = {}
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None
        self._dir: Path | None = None

    def get(self, generation: Hashable, fmt: str, write: Callable[[BinaryIO, str], None]) -> concurrent.futures.Future:
        """A future of the :class:`DumpFile` of ``fmt`` for ``generation``, written by
        ``write(file, fmt)`` unless it already is (or is being written)."""
        with self._lock:
            held = self._files.get(fmt)
            if held is not None and held[0] == generation and held[1].path.exists():
                done: concurrent.futures.Future = concurrent.futures.Future()
                done.set_result(held[1])
                return done
            key = (generation, fmt)
            future = self._inflight.get(key)
            if future is not None:
                return future
            future = self._inflight[key] = concurrent.futures.Future()
            if self._pool is None:
                self._pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="fengong-dump")
            if self._dir is None:
                self._dir = Path(tempfile.mkdtemp(prefix="fengong-dumps-"))
            pool, directory = self._pool, self._dir

        def work() -> None:
            path = directory / f"{fmt}-{uuid.uuid4().hex}"  # never the name of a file being read
            try:
                with open(path, "wb") as raw:
                    out = _Hashing(raw)
                    write(out, fmt)  # type: ignore[arg-type]
                dump = DumpFile(path, '"' + out.hash.hexdigest() + '"', out.size)
            except BaseException as exc:
                path.unlink(missing_ok=True)
                future.set_exception(exc)
            else:
                with self._lock:
                    old = self._files.get(fmt)
                    self._files[fmt] = (generation, dump)
                if old is not None and old[1].path != path:
                    old[1].path.unlink(missing_ok=True)
                future.set_result(dump)
            finally:
                with self._lock:
                    self._inflight.pop(key, None)

        pool.submit(work)
        return future

    def close(self) -> None:
        """Stop the writer and delete the files."""
        with self._lock:
            pool, self._pool = self._pool, None
            directory, self._dir = self._dir, None
            self._files.clear()
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        if directory is not None:
            shutil.rmtree(directory, ignore_errors=True)


def chunks(file: BinaryIO) -> Iterator[bytes]:
    """The file's bytes in chunks, closing it at the end (or when the client goes away)."""
    try:
        while True:
            block = file.read(CHUNK)
            if not block:
                return
            yield block
    finally:
        file.close()
