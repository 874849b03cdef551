"""The write API: POST and DELETE /api/v1/documents behind bearer tokens."""

from __future__ import annotations

import json
import threading

import pytest
from fastapi.testclient import TestClient

TOKEN = "s3cret-token-for-tests"
PROBLEM = "application/problem+json"


def make_client(store_kind: str = "oxigraph", **settings):
    from fengong.api.app import create_app
    from fengong.api.settings import Settings
    from fengong.store import open_store

    store = open_store(store_kind)
    settings.setdefault("write_tokens", [TOKEN, "another-token"])
    app = create_app(Settings(**settings), store)
    return TestClient(app), store, app


@pytest.fixture(params=["oxigraph", "memory"])
def client(request):
    from fengong.api.app import close

    c, store, app = make_client(request.param)
    yield c, store
    close(app)


def auth(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_problem(response, status: int, kind: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"] and body["type"].startswith("http")
    if kind:
        assert body["type"].endswith("/" + kind)
    return body


def test_posting_a_document_stores_it(client, sample_text, sample_doc):
    c, store = client
    assert c.get("/api/v1/documents").json()["total"] == 0
    r = c.post("/api/v1/documents", json={"text": sample_text, "filename": "plan.txt"}, headers=auth())
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["id"] == sample_doc.id and body["title"] == sample_doc.document.title
    assert body["items"] == 32 and body["assignments"] == sum(len(i.assignments()) for i in sample_doc.items)
    assert body["replaced"] is False
    assert [w["code"] for w in body["warnings"]] == [w.code for w in sample_doc.warnings]
    assert r.headers["location"] == f"/api/v1/documents/{sample_doc.id}"
    assert store.document_ids() == [sample_doc.id]
    # The read API sees it at once (its caches follow the store's writes).
    listed = c.get("/api/v1/documents").json()
    assert [d["id"] for d in listed["documents"]] == [sample_doc.id]
    leads = c.get("/api/v1/departments/zj-housing/tasks", params={"role": "lead"})
    assert leads.status_code == 200 and len(leads.json()["tasks"]) == 8
    # Posting it again replaces it: nothing changes.
    before = store.count((None, None, None))
    again = c.post("/api/v1/documents", json={"text": sample_text, "filename": "plan.txt"},
                   headers=auth("another-token"))
    assert again.status_code == 201 and again.json()["replaced"] is True
    assert store.document_ids() == [sample_doc.id] and store.count((None, None, None)) == before


def test_uploading_a_file(client, sample_text):
    c, store = client
    gb = sample_text.replace("〔2023〕388号", "〔2023〕390号").encode("gb18030")
    r = c.post("/api/v1/documents", files={"file": ("计划.txt", gb, "text/plain")}, headers=auth())
    assert r.status_code == 201, r.text
    doc_id = r.json()["id"]
    assert store.document_ids() == [doc_id]
    html = ("<html><body><h1>示例工作要点</h1><p>(一)建设绿道。新建绿道500公里以上(省建设厅)。</p>"
            "<p>(二)推进改造。改造老旧小区300个(省住房城乡建设厅牵头,省财政厅按职责分工负责)。</p></body></html>")
    r = c.post("/api/v1/documents", files={"file": ("plan.html", html.encode(), "text/html")}, headers=auth())
    assert r.status_code == 201, r.text
    assert r.json()["items"] == 2 and r.json()["assignments"] == 3
    assert len(store.document_ids()) == 2


def test_writes_need_a_valid_bearer_token(client, sample_text):
    c, store = client
    payload = {"text": sample_text}
    r = c.post("/api/v1/documents", json=payload)
    assert_problem(r, 401, "unauthorized")
    assert r.headers["www-authenticate"].startswith("Bearer")
    for header in ({"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"},
                   {"Authorization": "Bearer "}, {"Authorization": f"Bearer {TOKEN}x"},
                   {"Authorization": f"Bearer {TOKEN[:-1]}"}):
        r = c.post("/api/v1/documents", json=payload, headers=header)
        assert_problem(r, 401, "unauthorized")
    assert_problem(c.delete("/api/v1/documents/2023-044de8f5"), 401)
    assert_problem(c.delete("/api/v1/documents/2023-044de8f5", headers=auth("nope")), 401)
    assert store.document_ids() == []


def test_writes_are_disabled_without_configured_tokens(sample_text):
    from fengong.api.app import close

    c, store, app = make_client(write_tokens=[])
    try:
        r = c.post("/api/v1/documents", json={"text": sample_text}, headers=auth())
        assert_problem(r, 403, "writes-disabled")
        assert_problem(c.delete("/api/v1/documents/x", headers=auth()), 403)
        assert store.document_ids() == []
    finally:
        close(app)


def test_unreadable_documents_get_422(client):
    c, store = client
    cases = [
        dict(json={"text": "这是一段没有编号的文字。"}),
        dict(json={"text": ""}),
        dict(json={"filename": "plan.txt"}),
        dict(json=["not", "an", "object"]),
        dict(content=b"{not json", headers={"Content-Type": "application/json"}),
        dict(files={"file": ("scan.pdf", b"%PDF-1.4 garbage", "application/pdf")}),
        dict(files={"file": ("old.doc", b"\xd0\xcf\x11\xe0 binary", "application/msword")}),
        dict(files={"other": ("plan.txt", "(一)建设绿道(省建设厅)。".encode(), "text/plain")}),
    ]
    for case in cases:
        headers = {**auth(), **case.pop("headers", {})}
        r = c.post("/api/v1/documents", headers=headers, **case)
        assert_problem(r, 422)
    assert store.document_ids() == []


def test_unsupported_media_type(client):
    c, store = client
    r = c.post("/api/v1/documents", content="(一)建设绿道(省建设厅)。".encode(),
               headers={**auth(), "Content-Type": "text/plain"})
    assert_problem(r, 415)
    plan = "(一)建设绿道。新建绿道500公里以上(省建设厅)。".encode()
    for name in ("plan.exe", "plan.js", "plan.svg", "plan.txt.sh"):
        r = c.post("/api/v1/documents", files={"file": (name, plan, "text/plain")}, headers=auth())
        assert_problem(r, 415)
    assert store.document_ids() == []


def test_one_document_per_request_and_sane_json(client):
    c, store = client
    plan = "(一)建设绿道。新建绿道500公里以上(省建设厅)。".encode()
    two = [("file", ("a.txt", plan, "text/plain")), ("file", ("b.txt", plan, "text/plain"))]
    assert_problem(c.post("/api/v1/documents", files=two, headers=auth()), 422)
    deep = c.post("/api/v1/documents", content=b"[" * 100_000, headers={**auth(), "Content-Type": "application/json"})
    assert_problem(deep, 422)
    assert store.document_ids() == []


def test_size_limit(sample_text):
    from fengong.api.app import close

    c, store, app = make_client(max_upload_bytes=2000)
    try:
        big = sample_text  # 20 kB of UTF-8
        assert_problem(c.post("/api/v1/documents", json={"text": big}, headers=auth()), 413, "payload-too-large")
        r = c.post("/api/v1/documents", files={"file": ("plan.txt", big.encode(), "text/plain")}, headers=auth())
        assert_problem(r, 413)
        small = "(一)建设绿道。新建绿道500公里以上(省建设厅)。"
        assert c.post("/api/v1/documents", json={"text": small}, headers=auth()).status_code == 201
        assert len(store.document_ids()) == 1
    finally:
        close(app)


def test_delete(client, sample_text, sample_doc):
    c, store = client
    departments = c.get("/api/v1/departments").json()["total"]
    assert c.post("/api/v1/documents", json={"text": sample_text}, headers=auth()).status_code == 201
    assert c.get("/api/v1/departments").json()["total"] > departments + 20
    assert_problem(c.delete("/api/v1/documents/2000-00000000", headers=auth()), 404, "unknown-document")
    r = c.delete(f"/api/v1/documents/{sample_doc.id}", headers=auth())
    assert r.status_code == 204 and r.content == b""
    assert store.document_ids() == []
    # Its departments went with it (their registry descriptions too).
    assert c.get("/api/v1/departments").json()["total"] == departments
    assert c.get(f"/api/v1/documents/{sample_doc.id}").status_code == 404
    assert_problem(c.delete(f"/api/v1/documents/{sample_doc.id}", headers=auth()), 404)


def test_extraction_runs_off_the_event_loop(monkeypatch):
    from fengong.api.app import close
    from fengong.api.routers import write

    threads: dict[str, int] = {}
    real_extract, real_authorize = write._extract, write.authorize

    def extract(*args):
        threads["extract"] = threading.get_ident()
        return real_extract(*args)

    def authorize(request):
        threads["handler"] = threading.get_ident()
        return real_authorize(request)

    monkeypatch.setattr(write, "_extract", extract)
    monkeypatch.setattr(write, "authorize", authorize)
    c, store, app = make_client()
    try:
        r = c.post("/api/v1/documents", json={"text": "(一)建设绿道。新建绿道500公里以上(省建设厅)。"}, headers=auth())
        assert r.status_code == 201
        assert threads["extract"] != threads["handler"]
    finally:
        close(app)


def test_openapi_documents_the_write_endpoints(client):
    c, _ = client
    spec = c.get("/openapi.json").json()
    post = spec["paths"]["/api/v1/documents"]["post"]
    assert {"multipart/form-data", "application/json"} <= set(post["requestBody"]["content"])
    assert {"201", "401", "403", "413", "422"} <= set(post["responses"])
    assert "delete" in spec["paths"]["/api/v1/documents/{doc_id}"]
    json.dumps(spec)
