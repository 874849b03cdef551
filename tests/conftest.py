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
