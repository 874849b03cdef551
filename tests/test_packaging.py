"""The package list in pyproject.toml is written by hand (the top-level folders map to
fengong.*), so check that it names every folder with an __init__.py, and that a
non-editable install carries the data files the library reads."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _package_folders() -> set[str]:
    names = set()
    for package, folder in PYPROJECT["tool"]["setuptools"]["package-dir"].items():
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / folder)
            names.add(".".join([package, *rel.parts]))
    return names


def test_every_package_is_listed():
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    missing = sorted(_package_folders() - listed)
    assert not missing, f"add to packages in pyproject.toml: {missing}"


@pytest.mark.slow
def test_wheel_contains_the_data(tmp_path):
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                        "-w", str(tmp_path), str(ROOT)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    import zipfile

    (wheel,) = tmp_path.glob("fengong-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ["fengong/data/zhejiang-2023-urbanization-work-points.txt", "fengong/ontology/fengong.ttl",
                   "fengong/ontology/shapes.ttl", "fengong/ontology/document.schema.json",
                   "fengong/ontology/departments/zhejiang.toml", "fengong/ontology/regions/divisions.csv",
                   "fengong/api/cli.py"]:
        assert needed in names, needed
