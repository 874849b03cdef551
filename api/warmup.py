"""Answers ready before they are asked: the first page of each department's lead tasks,
and the overview networks.

A department's page reads its hundred tasks with their clauses, assignments and sources:
~150 ms on 1,000 documents, where a finished answer is served in ~4 ms. After the app
starts, and again after each write, one background thread computes that page for the
departments that lead tasks (most tasks first, up to ``Settings.warm_departments``) and
keeps it in the answer cache of the store's generation, as if someone had asked. It is
the same answer a request computes (:func:`~fengong.api.routers.departments.department_tasks_entry`),
derived from the graph and dropped with its generation. Then (``Settings.warm_views``)
the overview networks a leader's office opens first are drawn in their default scope, as
the routes draw them (:func:`warm_views`): 8 s for the coordination network of a year of
1,000 documents. Remote stores are left alone: their generation changes every few seconds.
"""

from __future__ import annotations

import logging
import threading
import time
from types import SimpleNamespace

from fastapi import FastAPI

from fengong.queries import PAGE, generation

from .routers import viz
from .routers.departments import department_tasks_entry

__all__ = ["warm_department_pages", "warm_views", "warm_pages", "PageWarmer"]

log = logging.getLogger("fengong.api")

REMOTE = ("sparql", "remote", "virtuoso")


def warm_department_pages(app: FastAPI, departments: int, roles: tuple[str, ...] = ("lead",)) -> int:
    """Compute the first page (``limit`` :data:`~fengong.queries.PAGE`, as a request without
    ``limit`` asks) of ``roles`` for up to ``departments`` departments, most tasks in the
    role first; stop when the store changes. Returns how many pages it computed.
    """
    store = app.state.store
    if departments <= 0 or store.name in REMOTE:
        return 0
    answers = app.state.answers
    gen = generation(store)
    done = 0
    for role in roles:
        ranked = sorted((d for d in answers.departments() if d["counts"].get(role, 0) > 0),
                        key=lambda d: (-d["counts"][role], d["id"]))
        for listed in ranked[:departments]:
            if generation(store) != gen:
                return done
            dept = answers.resolve_department(listed["id"])  # as the route resolves it
            if dept is not None:
                department_tasks_entry(app, "", dept, role, PAGE, 0)
                done += 1
    return done


#: The overview networks warmed, as their routes draw them (default scope).
OVERVIEWS = (viz.coordination, viz.responsibility, viz.regions)


def warm_views(app: FastAPI) -> int:
    """Draw the overview networks (:data:`OVERVIEWS`) in their default scope and keep them
    as a request would; stop when the store changes. Returns how many it drew."""
    store = app.state.store
    if store.name in REMOTE:
        return 0
    gen = generation(store)
    request = SimpleNamespace(app=app)  # what the routes read of a request
    done = 0
    for route in OVERVIEWS:
        if generation(store) != gen:
            break
        route(request, store, None, None)
        done += 1
    return done


def warm_pages(app: FastAPI, departments: int) -> int:
    """The first pages of up to ``departments`` departments, then (if configured) the
    overview networks: what the start and every pause after writes warm. Returns the
    department pages computed."""
    pages = warm_department_pages(app, departments)
    if app.state.settings.warm_views:
        app.state.warmed_views = warm_views(app)
    return pages


class PageWarmer:
    """Runs :meth:`~fengong.queries.Answers.warm` and :func:`warm_department_pages` in one
    background thread. :meth:`request` after a write: writes come in bursts (an ingest of many files), so the thread waits until
    ``quiet`` seconds pass without another request, then warms once."""

    def __init__(self, app: FastAPI, departments: int, quiet: float = 2.0) -> None:
        self.app = app
        self.departments = departments
        self.quiet = quiet
        self._lock = threading.Lock()
        self._last = 0.0
        self._thread: threading.Thread | None = None

    def request(self) -> None:
        if (self.departments <= 0 and not self.app.state.settings.warm_views) or self.app.state.store.name in REMOTE:
            return
        with self._lock:
            self._last = time.monotonic()
            if self._thread is not None:  # it sees the new time before it stops
                return
            self._thread = threading.Thread(target=self._run, name="fengong-warm-pages", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            with self._lock:
                wait = self._last + self.quiet - time.monotonic()
            if wait > 0:
                time.sleep(wait)
                continue
            started = time.monotonic()
            try:
                # What the start warms too: the list orders and tables (the first page of
                # the targets cost 4 s at 1,000 documents without them), then the pages.
                self.app.state.answers.warm()
                warm_pages(self.app, self.departments)
            except Exception:  # a page is then computed when asked
                log.exception("warming the department pages failed")
            with self._lock:
                if self._last <= started:
                    self._thread = None
                    return
