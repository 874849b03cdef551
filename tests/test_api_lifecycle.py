"""Answers follow the store (writes invalidate every cache), an unavailable store is a 503
problem, and ``fengong serve`` starts and answers."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest
from fastapi.testclient import TestClient

from fengong.store import StoreUnavailable


@pytest.mark.parametrize("kind", ["memory", "oxigraph"])
def test_writes_invalidate_cached_answers(sample_doc, kind):
    from rdf_sample import DOCID, make_document

    from fengong.api.app import close, create_app
    from fengong.api.settings import Settings
    from fengong.store import open_store

    store = open_store(kind)
    store.add_documents([sample_doc])
    app = create_app(Settings(), store)
    try:
        with TestClient(app) as client:
            first = client.get("/api/v1/documents")
            assert first.json()["total"] == 1
            ask = "ASK { GRAPH <https://w3id.org/fengong/id/graph/%s> { ?s ?p ?o } }" % DOCID
            assert client.get("/sparql", params={"query": ask}).json()["boolean"] is False
            store.add_documents([make_document()])  # as the write router does
            second = client.get("/api/v1/documents")
            assert second.json()["total"] == 2
            assert second.headers["etag"] != first.headers["etag"]
            assert client.get("/api/v1/documents", headers={"If-None-Match": first.headers["etag"]}).status_code == 200
            assert client.get("/sparql", params={"query": ask}).json()["boolean"] is True
            tasks = client.get("/api/v1/tasks", params={"document": DOCID}).json()
            assert tasks["total"] == 2
            store.remove_document(DOCID)
            assert client.get("/api/v1/documents").json()["total"] == 1
            assert client.get("/sparql", params={"query": ask}).json()["boolean"] is False
    finally:
        close(app)


class Unavailable:
    """A store whose backend does not answer (a remote endpoint that is down)."""

    name = "sparql"
    base = "https://w3id.org/fengong/id/"

    def query(self, *args, **kwargs):
        raise StoreUnavailable("the SPARQL endpoint at http://127.0.0.1:9/ does not answer")

    def count(self, *args, **kwargs):
        raise StoreUnavailable("down")

    def triples(self, *args, **kwargs):
        raise StoreUnavailable("down")

    def dump(self, *args, **kwargs):
        raise StoreUnavailable("down")

    def dump_to(self, *args, **kwargs):
        raise StoreUnavailable("down")


def test_unavailable_store_is_503_problem():
    from fengong.api.app import close, create_app
    from fengong.api.settings import Settings

    app = create_app(Settings(), Unavailable())
    try:
        client = TestClient(app)
        for response in (client.get("/api/v1/departments"), client.get("/sparql", params={"query": "ASK {}"}),
                         client.get("/fragments"), client.get("/api/v1/graph")):
            assert response.status_code == 503, response.text
            assert response.headers["content-type"].startswith("application/problem+json")
            assert response.json()["type"].endswith("/store-unavailable")
    finally:
        close(app)


def fengong() -> list[str]:
    """The installed console script (``python -m fengong.api.cli`` would load the CLI twice)."""
    script = os.path.join(os.path.dirname(sys.executable), "fengong")
    return [script] if os.path.exists(script) else [sys.executable, "-c",
                                                     "import sys; from fengong.api.cli import main; sys.exit(main())"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_command_starts_the_api():
    port = _free_port()
    process = subprocess.Popen([*fengong(), "serve", "--port", str(port),
                                "--store", "memory", "--log-level", "warning"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        body = None
        for _ in range(600):
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/api/v1/departments/zj-housing", timeout=5)
            except httpx.HTTPError:
                if process.poll() is not None:
                    break
                time.sleep(0.1)
                continue
            body = response.json()
            break
        assert body is not None, process.stdout.read() if process.poll() is not None else "no answer"
        assert body["short"] == "省建设厅"
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def test_serve_refuses_a_missing_data_directory(tmp_path):
    result = subprocess.run([*fengong(), "serve", "--data", str(tmp_path / "none")],
                            capture_output=True, text=True, timeout=60, env={**os.environ})
    assert result.returncode == 2
    assert "no data directory" in result.stderr
