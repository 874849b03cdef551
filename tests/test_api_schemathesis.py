"""Schemathesis over the whole OpenAPI description: no input makes the API answer 5xx.

A bounded number of generated requests per operation, positive and negative data, run
in-process against the ASGI app holding the sample document. (Schemathesis's pytest
fixture loader does not work with this pytest, so the strategies are driven directly.)
"""

from __future__ import annotations

import time

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

MAX_EXAMPLES = 6


@pytest.fixture(scope="module")
def api(sample_doc):
    from fengong.api.app import close, create_app
    from fengong.api.settings import Settings
    from fengong.store import open_store

    store = open_store("oxigraph")
    store.add_documents([sample_doc])
    app = create_app(Settings(query_timeout=2.0, query_budget=0), store)
    yield app, schemathesis.openapi.from_asgi("/openapi.json", app)
    close(app)


def check(case) -> None:
    response = case.call()
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} query={case.query!r} body={getattr(case, 'body', None)!r} -> "
        f"{response.status_code}: {response.text[:500]}")
    if 400 <= response.status_code:
        content_type = response.headers.get("content-type", [""])
        content_type = content_type[0] if isinstance(content_type, list) else content_type
        assert content_type.startswith("application/problem+json"), (
            f"{case.method} {case.formatted_path} -> {response.status_code} {response.text[:200]}")


def test_the_spec_covers_the_api(api):
    _, schema = api
    labels = {result.ok().label for result in schema.get_all_operations()}
    for label in ("GET /api/v1/departments/{ref}/tasks", "GET /sparql", "POST /sparql", "GET /fragments",
                  "GET /api/v1/ask", "GET /api/v1/graph"):
        assert label in labels


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["positive", "negative"])
def test_no_server_errors(api, mode):
    _, schema = api
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case):
            check(case)

        started = time.perf_counter()
        try:
            run()
        except Unsatisfiable:
            continue  # nothing to generate in this mode (e.g. no parameters to get wrong)
        except AssertionError as exc:
            failures.append(f"{operation.label}: {exc}")
        finally:
            print(f"{operation.label}: {time.perf_counter() - started:.2f} s")
    assert not failures, "\n".join(failures)
