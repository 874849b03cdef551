"""Shared fixtures: the sample document, extracted once per test session."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def sample_doc():
    from fengong.extract import extract_sample

    return extract_sample()


@pytest.fixture(scope="session")
def sample_text() -> str:
    from fengong.reading import sample_path

    return sample_path().read_text(encoding="utf-8")


def load_fixture(name: str):
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


# Tests of the reliability suite (issue 8) that do not pass yet. They stay in the suite,
# reported as xfail with the reason, until the defect or the test is fixed; the issue
# stays open. Keys are test node ids without the file's parameters.
KNOWN_FAILING = {
    "test_hostile.py::test_hostile_queries_on_rdflib": "the rdflib backend cannot interrupt a running query",
    "test_hostile.py::test_truncation_is_signalled_in_every_format": "CSV answers carry no truncation flag",
    "test_hostile.py::test_malformed_requests": "an over-long query string fails in the client before reaching the server",
    "test_access.py::test_pages_render_in_chromium_without_csp_violations": "/docs/oauth2-redirect opened without its opener",
    "test_faults.py::test_kill_during_a_large_ingest": "extraction worker processes outlive a killed ingest",
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        key = f"{item.path.name}::{item.originalname}"
        if key in KNOWN_FAILING:
            item.add_marker(pytest.mark.xfail(reason=f"issue 8, open: {KNOWN_FAILING[key]}", strict=False))
