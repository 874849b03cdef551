"""The examples in the library's docstrings run and show what they say (the suite collects
only tests/, so without this they would go stale)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import fengong

MODULES = sorted(name for _, name, _ in pkgutil.walk_packages(fengong.__path__, "fengong."))


def test_the_library_has_examples():
    finder = doctest.DocTestFinder()
    with_examples = [name for name in MODULES
                     if any(test.examples for test in finder.find(importlib.import_module(name)))]
    assert len(with_examples) > 20, with_examples


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False, report=True)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {name} failed"
