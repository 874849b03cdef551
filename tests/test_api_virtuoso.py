"""The REST answers on a real Virtuoso (the remote SPARQL store) equal those on Oxigraph.

Issue 5 asks every API endpoint to run unchanged on each store; the store contract tests
check the Store interface on Virtuoso, this checks the answers built on it: the same two
documents in both stores, the same requests, the same JSON.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from virtuoso import clear_fengong_graphs, virtuoso  # noqa: F401  (fixture)

pytestmark = pytest.mark.virtuoso

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="module")
def documents(sample_doc):
    from fengong.extract import extract_file

    return [sample_doc, extract_file(FIXTURES / "zhejiang-2024-edited.txt")]


def _client(store):
    from fengong.api.app import create_app
    from fengong.api.settings import Settings

    app = create_app(Settings(), store)
    return app, TestClient(app)


@pytest.fixture(scope="module")
def clients(virtuoso, documents):  # noqa: F811  (the fixture imported above)
    from fengong.api.app import close
    from fengong.store import open_store

    remote = virtuoso.store()
    clear_fengong_graphs(remote)
    remote.add_documents(documents)
    local = open_store("oxigraph")
    local.add_documents(documents)
    made = [_client(remote), _client(local)]
    yield made[0][1], made[1][1]
    for app, client in made:
        client.close()
        close(app)
    clear_fengong_graphs(remote)
    remote.close()


def _task_id(documents) -> str:
    return f"{documents[0].id}-t13"


PATHS = [
    "/api/v1/departments?limit=1000",
    "/api/v1/departments/zj-housing",
    f"/api/v1/departments/{quote('省建设厅')}/tasks?role=lead",
    "/api/v1/departments/zj-housing/tasks?role=any&limit=5&offset=3",
    "/api/v1/departments/zj-drc/tasks?role=support",
    "/api/v1/departments/zj-housing/partners",
    "/api/v1/tasks?limit=30",
    "/api/v1/targets?limit=40",
    f"/api/v1/targets?metric={quote('停车')}",
    f"/api/v1/targets?metric={quote('绿地')}&department=zj-housing",
    "/api/v1/regions?limit=1000",
    f"/api/v1/regions/{quote('杭州')}/tasks",
    "/api/v1/documents",
    f"/api/v1/search?q={quote('停车位')}",
    f"/api/v1/ask?q={quote('省建设厅牵头哪些任务')}",
    f"/api/v1/ask?q={quote('省发展改革委和省建设厅共同负责哪些任务')}&limit=3",
    f"/api/v1/ask?q={quote('哪些任务涉及杭州')}",
]


@pytest.mark.parametrize("path", PATHS)
def test_the_answer_on_virtuoso_is_the_answer_on_oxigraph(clients, path):
    on_virtuoso, on_oxigraph = (client.get(path) for client in clients)
    assert on_oxigraph.status_code == 200, on_oxigraph.text
    assert on_virtuoso.status_code == 200, on_virtuoso.text
    assert on_virtuoso.json() == on_oxigraph.json()
    assert on_virtuoso.headers.get("X-Total-Count") == on_oxigraph.headers.get("X-Total-Count")


def test_a_task_on_virtuoso_is_the_task_on_oxigraph(clients, documents):
    path = f"/api/v1/tasks/{_task_id(documents)}"
    on_virtuoso, on_oxigraph = (client.get(path) for client in clients)
    assert on_oxigraph.status_code == 200, on_oxigraph.text
    assert on_virtuoso.json() == on_oxigraph.json()
