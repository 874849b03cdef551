"""Examples from the sample document for the OpenAPI description of each endpoint.

They live in ``fengong/api/static/examples.json``, written from the bundled sample by
``python -m fengong.api.examples`` (a test checks that they still match what the API
answers on the sample).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["example", "json_example", "SAMPLE"]

#: Parameter values from the sample document.
SAMPLE = {
    "department": "省建设厅",
    "department_id": "zj-housing",
    "task": "2023-044de8f5-t13",
    "document": "2023-044de8f5",
    "region": "杭州",
    "q": "停车位",
    "question": "省建设厅牵头哪些任务",
}


@cache
def _examples() -> dict[str, Any]:
    try:
        text = resources.files("fengong.api").joinpath("static/examples.json").read_text(encoding="utf-8")
    except (FileNotFoundError, OSError):
        return {}
    return json.loads(text)


def example(name: str) -> Any:
    """The stored example answer called ``name`` (None if there is none)."""
    return _examples().get(name)


def json_example(name: str, description: str = "OK") -> dict[int | str, dict[str, Any]]:
    """An OpenAPI ``responses`` entry for 200 with the named example (if stored)."""
    content: dict[str, Any] = {"schema": {"type": "object"}}
    value = example(name)
    if value is not None:
        content["example"] = value
    return {200: {"description": description, "content": {"application/json": content}}}


#: Example name -> (path, query parameters) on the sample.
REQUESTS = {
    "departments": ("/api/v1/departments", {"limit": 2}),
    "department": (f"/api/v1/departments/{SAMPLE['department']}", {}),
    "department_tasks": (f"/api/v1/departments/{SAMPLE['department']}/tasks", {"role": "lead", "limit": 2}),
    "department_partners": (f"/api/v1/departments/{SAMPLE['department']}/partners", {"limit": 2}),
    "tasks": ("/api/v1/tasks", {"limit": 1}),
    "task": (f"/api/v1/tasks/{SAMPLE['task']}", {}),
    "targets": ("/api/v1/targets", {"metric": "停车位"}),
    "regions": ("/api/v1/regions", {"limit": 2}),
    "region_tasks": (f"/api/v1/regions/{SAMPLE['region']}/tasks", {"limit": 1}),
    "documents": ("/api/v1/documents", {}),
    "document": (f"/api/v1/documents/{SAMPLE['document']}", {}),
    "search": ("/api/v1/search", {"q": SAMPLE["q"], "limit": 2}),
    "ask": ("/api/v1/ask", {"q": SAMPLE["question"]}),
}


def trim(value: Any, items: int = 2, chars: int = 300) -> Any:
    """A shorter copy for documentation: lists cut to ``items``, strings to ``chars``."""
    if isinstance(value, dict):
        return {k: trim(v, items, chars) for k, v in value.items()}
    if isinstance(value, list):
        return [trim(v, items, chars) for v in value[:items]]
    if isinstance(value, str) and len(value) > chars:
        return value[:chars] + "…"
    return value


def collect(get) -> dict[str, Any]:
    """The examples, from ``get(path, params) -> JSON`` on a server holding the sample.

    >>> # from fastapi.testclient import TestClient; c = TestClient(create_app())
    >>> # collect(lambda p, q: c.get(p, params=q).json())
    """
    out = {}
    for name, (path, params) in REQUESTS.items():
        body = get(path, params)
        out[name] = body if name == "ask" else trim(body)
        if name == "ask":
            out[name] = dict(trim(body), sparql=body["sparql"], question=body["question"])
    return out


def write() -> str:
    """Ask the API on the bundled sample for every example and store them; the file's path."""
    from fastapi.testclient import TestClient

    from .app import close, create_app
    from .settings import Settings

    app = create_app(Settings(data_dir=None, store=None, sparql_url=None))
    try:
        with TestClient(app) as client:
            found = collect(lambda path, params: client.get(path, params=params).json())
    finally:
        close(app)
    target = resources.files("fengong.api").joinpath("static/examples.json")
    with resources.as_file(target) as path:
        path.write_text(json.dumps(found, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        return str(path)


if __name__ == "__main__":
    print(write())
