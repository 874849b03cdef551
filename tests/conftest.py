"""Shared fixtures: the sample document, extracted once per test session."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"

# The servers the tests start do not compute the departments' pages nor draw the overview
# networks in the background (seconds of CPU per start on the rdflib store, which answers
# one query at a time); tests/test_api_warmup.py turns them on.
os.environ.setdefault("FENGONG_WARM_DEPARTMENTS", "0")
os.environ.setdefault("FENGONG_WARM_VIEWS", "0")


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
