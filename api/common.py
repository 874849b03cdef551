"""What the read routers share: cached JSON answers with ETags, paging, deadlines.

An answer is computed once per store generation (see :func:`fengong.queries.generation`)
off the event loop, on a small thread pool, with a deadline: a request that waits past
it gets 503 (the computation goes on and fills the cache for the next request). Identical
concurrent misses share one computation. A hit costs a dictionary look-up: the JSON bytes
and their ETag are kept, and ``If-None-Match`` is answered with 304.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import json
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import Query, Request
from fastapi.responses import Response

from fengong.queries import Answers, generation
from fengong.scope import Scope
from fengong.store import QueryTimeout

from .problems import Problem, problem_responses

__all__ = [
    "Entry",
    "AnswerCache",
    "answers",
    "cached",
    "json_entry",
    "paged",
    "page_entry",
    "page_links",
    "Limit",
    "Offset",
    "Year",
    "DocumentRef",
    "scope_of",
    "page_headers",
    "etag_of",
    "not_modified",
    "ERRORS",
]

Limit = Annotated[int, Query(ge=1, le=1000, description="Page size (1–1000).")]
Year = Annotated[str | None, Query(description="Only documents of this year or span of years (the year in "
                                               "the document id, from its 发文字号 or dates).",
                                   pattern=r"^(19|20)[0-9]{2}(-(19|20)[0-9]{2})?$", examples=["2023", "2021-2023"])]
DocumentRef = Annotated[str | None, Query(description="Only this document (its id).", max_length=200)]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="Items to skip.")]

JSON = "application/json"

#: Error responses every read endpoint may give (documented in OpenAPI).
ERRORS = problem_responses(422, 503)


@dataclass
class Entry:
    """A finished answer: body bytes, media type, ETag and extra headers."""

    body: bytes
    media_type: str = JSON
    etag: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    status: int = 200

    def __post_init__(self) -> None:
        if not self.etag:
            self.etag = etag_of(self.body)


def etag_of(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


def json_entry(payload: Any, headers: dict[str, str] | None = None) -> Entry:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Entry(body, JSON, headers=dict(headers or {}))


class AnswerCache:
    """Entries per generation, with single-flight computation; least recently used
    entries go first past ``size`` entries or ``max_bytes`` of bodies (answers range from
    a few bytes to megabytes, so a count alone does not bound the memory they hold)."""

    def __init__(self, size: int = 4096, workers: int = 4, max_bytes: int = 256 * 1024 * 1024) -> None:
        self.size = size
        self.max_bytes = max_bytes
        self.bytes = 0
        self._entries: OrderedDict[Hashable, Entry] = OrderedDict()
        self._generation: Hashable = object()
        self._lock = threading.Lock()
        self._inflight: dict[Hashable, concurrent.futures.Future] = {}
        self._workers = workers
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None
        self._heavy_pool: concurrent.futures.ThreadPoolExecutor | None = None

    def get(self, gen: Hashable, key: Hashable) -> Entry | None:
        with self._lock:
            if gen != self._generation:
                self._entries.clear()
                self.bytes = 0
                self._generation = gen
                return None
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, gen: Hashable, key: Hashable, entry: Entry) -> None:
        with self._lock:
            if gen != self._generation or len(entry.body) > self.max_bytes:
                return
            old = self._entries.pop(key, None)
            if old is not None:
                self.bytes -= len(old.body)
            self._entries[key] = entry
            self.bytes += len(entry.body)
            while len(self._entries) > self.size or self.bytes > self.max_bytes:
                _, dropped = self._entries.popitem(last=False)
                self.bytes -= len(dropped.body)

    def submit(self, gen: Hashable, key: Hashable, compute: Callable[[], Entry],
               heavy: bool = False) -> concurrent.futures.Future:
        """The future of ``compute()``, one per (generation, key) in flight. ``heavy``
        answers (whole-graph analyses, exports: seconds to minutes) run one at a time on
        a thread of their own, so that they never hold up the other answers."""
        flight = (gen, key)
        with self._lock:
            future = self._inflight.get(flight)
            if future is not None:
                return future
            future = concurrent.futures.Future()
            self._inflight[flight] = future

        def work() -> None:
            try:
                entry = compute()
            except BaseException as exc:  # handed to every waiter
                future.set_exception(exc)
            else:
                if entry.status == 200:
                    self.put(gen, key, entry)
                future.set_result(entry)
            finally:
                with self._lock:
                    if self._inflight.get(flight) is future:
                        del self._inflight[flight]

        with self._lock:
            if heavy:
                if self._heavy_pool is None:
                    self._heavy_pool = concurrent.futures.ThreadPoolExecutor(max_workers=1,
                                                                             thread_name_prefix="fengong-heavy")
                pool = self._heavy_pool
            else:
                if self._pool is None:
                    self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=self._workers,
                                                                       thread_name_prefix="fengong-answer")
                pool = self._pool
        pool.submit(work)
        return future

    def close(self) -> None:
        """Stop the threads (new ones start on the next miss)."""
        with self._lock:
            pools = (self._pool, self._heavy_pool)
            self._pool = self._heavy_pool = None
        for pool in pools:
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)


def answer_timeout(settings: Any) -> float:
    """Deadline for the named (trusted) queries behind REST answers: ``$FENGONG_ANSWER_TIMEOUT``,
    else 30 s or the SPARQL time limit if longer. A cold answer on the rdflib store can take
    seconds; a cached one, microseconds."""
    try:
        configured = float(os.environ.get("FENGONG_ANSWER_TIMEOUT", "30"))
    except ValueError:
        configured = 30.0
    return max(configured, float(getattr(settings, "query_timeout", 0) or 0))


def answers(request: Request) -> Answers:
    return request.app.state.answers


def _cache(request: Request) -> AnswerCache:
    return request.app.state.answer_cache


def not_modified(request: Request, etag: str) -> bool:
    header = request.headers.get("if-none-match")
    if not header:
        return False
    if header.strip() == "*":
        return True
    tags = [t.strip() for t in header.split(",")]
    return any((t[2:] if t.startswith("W/") else t) == etag for t in tags)


def respond(request: Request, entry: Entry, cache_control: str = "no-cache") -> Response:
    headers = {"ETag": entry.etag, "Cache-Control": cache_control, **entry.headers}
    if entry.status == 200 and not_modified(request, entry.etag):
        return Response(status_code=304, headers=headers)
    return Response(entry.body, status_code=entry.status, media_type=entry.media_type, headers=headers)


def cache_key(request: Request, *extra: Hashable) -> Hashable:
    # The raw path and query string: cheap, and a reordered query is merely another key.
    scope = request.scope
    return (scope.get("root_path", ""), scope["path"], scope.get("query_string", b""), *extra)


async def cached(request: Request, compute: Callable[[], Entry], *, key: Hashable | None = None,
                 cache_control: str = "no-cache", heavy: bool = False) -> Response:
    """The response for this request: from the cache, or computed off the event loop
    within the configured deadline (503 past it; the computation goes on and the answer
    is kept). ``heavy``: see :meth:`AnswerCache.submit`."""
    store = request.app.state.store
    gen = generation(store)
    key = key if key is not None else cache_key(request)
    cache = _cache(request)
    entry = cache.get(gen, key)
    if entry is None:
        future = cache.submit(gen, key, compute, heavy)
        timeout = answer_timeout(request.app.state.settings)
        try:
            entry = await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(future)), timeout)
        except asyncio.TimeoutError:
            raise QueryTimeout(f"the answer took longer than {timeout:g} s; try again shortly") from None
    return respond(request, entry, cache_control)


def paged(request: Request, items: list[Any], limit: int, offset: int, name: str,
          extra: dict[str, Any] | None = None) -> Entry:
    """A page of ``items`` as ``{**extra, "total", "limit", "offset", name: [...]}`` with
    ``Link`` (next/prev) and ``X-Total-Count`` headers."""
    return page_entry(request.url.path, _link_params(request), items, limit, offset, name, extra)


def page_entry(path: str, params: list[tuple[str, str]], items: list[Any], limit: int, offset: int,
               name: str, extra: dict[str, Any] | None = None) -> Entry:
    """:func:`paged` for a page whose links are ``path?params&limit&offset`` (no request)."""
    total = len(items)
    payload = dict(extra or {})
    payload.update(total=total, limit=limit, offset=offset)
    payload[name] = items[offset:offset + limit]
    return json_entry(payload, page_links(path, params, total, limit, offset))


def page_headers(request: Request, total: int, limit: int, offset: int) -> dict[str, str]:
    """``X-Total-Count`` and ``Link`` (next/prev, RFC 8288) headers of a page."""
    return page_links(request.url.path, _link_params(request), total, limit, offset)


def _link_params(request: Request) -> list[tuple[str, str]]:
    return [(k, v) for k, v in request.query_params.multi_items() if k not in ("limit", "offset")]


def page_links(path: str, params: list[tuple[str, str]], total: int, limit: int, offset: int) -> dict[str, str]:
    """:func:`page_headers` for ``path`` and the query ``params`` kept in the links."""
    links = []
    path = quote(path, safe="/:@!$&'()*+,;=-._~")
    if offset + limit < total:
        links.append(f'<{path}?{urlencode(params + [("limit", limit), ("offset", offset + limit)])}>; rel="next"')
    if offset > 0:
        prev = max(0, offset - limit)
        links.append(f'<{path}?{urlencode(params + [("limit", limit), ("offset", prev)])}>; rel="prev"')
    headers = {"X-Total-Count": str(total)}
    if links:
        headers["Link"] = ", ".join(links)
    return headers


def scope_of(document: str | None, year: str | None) -> Scope:
    """The documents an answer covers, from its ``document`` and ``year`` parameters."""
    try:
        return Scope.parse(document, year)
    except ValueError as exc:
        raise Problem(422, "bad-year", str(exc)) from None


def unknown_department(answers_: Answers, ref: str) -> Problem:
    suggestions = answers_.suggest_departments(ref)
    hint = f"; did you mean {'、'.join(suggestions)}?" if suggestions else "."
    return Problem(404, "unknown-department", f"No department is called “{ref}”{hint}", suggestions=suggestions)


def department_or_404(answers_: Answers, ref: str) -> dict[str, Any]:
    found = answers_.resolve_department(ref)
    if found is None:
        raise unknown_department(answers_, ref)
    return found


def region_or_404(answers_: Answers, ref: str) -> dict[str, Any]:
    found = answers_.resolve_region(ref)
    if found is None:
        suggestions = answers_.suggest_regions(ref)
        hint = f"; did you mean {'、'.join(suggestions)}?" if suggestions else "."
        raise Problem(404, "unknown-region", f"No region is called “{ref}”{hint}", suggestions=suggestions)
    return found


_CACHE_SIZE = 64
_cache_lock = threading.Lock()


def kept(request: Request, key: Hashable, build: Callable[[], Any], *, shelf: str = "viz_cache",
         size: int = _CACHE_SIZE) -> Any:
    """``build()`` once per store generation (a write invalidates everything), for values
    answers are made from (a drawn view, facts read from the graph; finished answers go
    to the answer cache, :func:`cached`). The ``size`` most recently used values are kept
    on ``app.state.<shelf>``."""
    store = request.app.state.store
    current = generation(store)
    with _cache_lock:
        entry = getattr(request.app.state, shelf, None)
        if entry is None or entry[0] != current:
            entry = (current, OrderedDict())
            setattr(request.app.state, shelf, entry)
        values = entry[1]
        if key in values:
            values.move_to_end(key)
            return values[key]
    value = build()
    with _cache_lock:
        values[key] = value
        while len(values) > size:
            values.popitem(last=False)
    return value
