"""The warm-up computes each department's first page of lead tasks after start and after
writes — the very answer a request computes, kept under the department's id."""

from __future__ import annotations

import threading
import time

import pytest
from fastapi.testclient import TestClient

from fengong.api.app import close, create_app
from fengong.api.routers.departments import department_tasks_key
from fengong.api.settings import Settings
from fengong.api.warmup import warm_department_pages
from fengong.queries import generation
from fengong.store import open_store

TOKEN = "warm-up-test-token-0123456789abcdef"


def _app(doc, warm: int):
    store = open_store("oxigraph")
    store.add_documents([doc])
    return create_app(Settings(warm_departments=warm, write_tokens=[TOKEN]), store)


def _join(name: str) -> None:
    for thread in threading.enumerate():
        if thread.name == name:
            thread.join(60)


def _is_warm(app, dept_id: str, role: str = "lead") -> bool:
    key = department_tasks_key("", dept_id, role, 100, 0)
    return app.state.answer_cache.get(generation(app.state.store), key) is not None


@pytest.fixture()
def apps(sample_doc):
    warm, cold = _app(sample_doc, 50), _app(sample_doc, 0)
    with TestClient(warm) as w, TestClient(cold) as c:
        _join("fengong-warm")
        yield warm, w, cold, c
    close(warm)
    close(cold)


def _lead_departments(client) -> list[dict]:
    listed = client.get("/api/v1/departments?limit=1000").json()["departments"]
    return [d for d in listed if d["counts"]["lead"] > 0]


def test_warmed_pages_are_the_answers_requests_compute(apps):
    warm, w, cold, c = apps
    leads = _lead_departments(c)
    assert len(leads) > 5
    assert warm.state.warmed_pages == len(leads)
    assert cold.state.warmed_pages == 0
    for dept in leads:
        assert _is_warm(warm, dept["id"]), dept["id"]
        assert not _is_warm(cold, dept["id"])
        url = f"/api/v1/departments/{dept['id']}/tasks?role=lead"
        served, computed = w.get(url), c.get(url)
        assert served.status_code == computed.status_code == 200
        assert served.content == computed.content
        assert served.headers["etag"] == computed.headers["etag"]
        assert served.json()["total"] == dept["counts"]["lead"]


def test_every_spelling_of_a_department_shares_one_page(apps):
    warm, w, _, _ = apps
    by_id = w.get("/api/v1/departments/zj-housing/tasks?role=lead&limit=2")
    by_name = w.get("/api/v1/departments/省建设厅/tasks?role=lead&limit=2")
    assert by_id.status_code == by_name.status_code == 200
    assert by_name.content == by_id.content
    assert by_name.headers["etag"] == by_id.headers["etag"]
    # The links name the department by id, whichever spelling was asked.
    assert "/api/v1/departments/zj-housing/tasks?role=lead&limit=2&offset=2" in by_name.headers["link"]


def test_a_write_warms_the_pages_of_the_new_generation(apps, sample_text):
    warm, w, _, _ = apps
    warm.state.page_warmer.quiet = 0.05
    before = generation(warm.state.store)
    r = w.post("/api/v1/documents", json={"text": sample_text, "filename": "again.txt"},
               headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 201, r.text
    assert generation(warm.state.store) != before
    deadline = time.monotonic() + 60
    while not _is_warm(warm, "zj-housing") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _is_warm(warm, "zj-housing")
    _join("fengong-warm-pages")
    # the list orders of the new generation were computed too, before anyone asked
    assert warm.state.answers._peek("target_order") is not None
    assert warm.state.answers._peek("task_skeleton") is not None


def test_the_warm_up_stops_when_the_store_changes(sample_doc):
    app = _app(sample_doc, 50)
    store = app.state.store
    departments = app.state.answers.departments

    def changing():  # a write lands while the warm-up reads the departments
        listed = departments()
        store.remove_document("none")
        return listed

    app.state.answers.departments = changing
    assert warm_department_pages(app, 50) == 0
    app.state.answers.departments = departments
    assert warm_department_pages(app, 3) == 3
    assert warm_department_pages(app, 0) == 0
    close(app)


def _drawn(app) -> set:
    shelf = getattr(app.state, "viz_cache", None)
    return set() if shelf is None or shelf[0] != generation(app.state.store) else set(shelf[1])


def test_overview_networks_are_drawn_after_start_and_after_writes(sample_doc, sample_text):
    store = open_store("oxigraph")
    store.add_documents([sample_doc])
    app = create_app(Settings(warm_departments=0, warm_views=True, write_tokens=[TOKEN]), store)
    overviews = {("coordination", None), ("responsibility", None), ("regions", None)}
    with TestClient(app) as client:
        _join("fengong-warm")
        assert app.state.warmed_views == 3 and overviews <= _drawn(app)
        drawn = app.state.viz_cache[1][("coordination", None)]
        page = client.get("/viz/coordination")
        assert page.status_code == 200
        assert app.state.viz_cache[1][("coordination", None)] is drawn  # served from the warm-up
        app.state.page_warmer.quiet = 0.05
        r = client.post("/api/v1/documents", json={"text": sample_text.replace("2023", "2022"), "filename": "b.txt"},
                        headers={"Authorization": f"Bearer {TOKEN}"})
        assert r.status_code == 201, r.text
        deadline = time.monotonic() + 60
        while not overviews <= _drawn(app) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert overviews <= _drawn(app)
    close(app)
    # off: nothing drawn before it is asked
    cold = create_app(Settings(warm_departments=0, warm_views=False), open_store("oxigraph"))
    with TestClient(cold):
        _join("fengong-warm")
        assert cold.state.warmed_views == 0 and not _drawn(cold) & overviews
    close(cold)
