"""The command line: real runs of the ``fengong`` entry point, bad input → one line, exit 2."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def fengong(*args, **kw):
    return subprocess.run([sys.executable, "-m", "fengong.api.cli", *args], capture_output=True,
                          text=True, timeout=120, **kw)


def test_extract_sample_prints_the_model():
    r = fengong("extract")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert len(data["items"]) == 32
    roles = [a["role"] for i in data["items"] for c in i["clauses"] for a in c["assignments"]]
    assert (roles.count("lead"), roles.count("support"), roles.count("co_responsible")) == (52, 30, 18)


@pytest.mark.parametrize("content,needle", [
    (b"", "empty"),
    (b"\xff\xfe\xfa\x00\x00garbage" * 3, ""),
    ("这是一段没有编号的文字。".encode(), "no tasks found"),
])
def test_bad_input_one_line_exit_2(tmp_path, content, needle):
    f = tmp_path / "bad.txt"
    f.write_bytes(content)
    r = fengong("extract", str(f))
    assert r.returncode == 2
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr
    assert needle in lines[0]


def test_missing_file(tmp_path):
    r = fengong("extract", str(tmp_path / "nope.txt"))
    assert r.returncode == 2 and "no such file" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_check_reports_with_line_and_column(tmp_path):
    f = tmp_path / "plan.txt"
    f.write_text("一、总体\n(一)任务甲。做事(市未知局牵头,省建设厅配合)。\n(二)任务乙。只说不做。\n", encoding="utf-8")
    r = fengong("check", str(f))
    assert r.returncode == 0, r.stderr
    assert "市未知局" in r.stdout and ":2:" in r.stdout
    assert "(二)" in r.stdout
    r = fengong("check", "--strict", str(f))
    assert r.returncode == 1


def test_serve_caps_malloc_arenas_unless_the_operator_did(monkeypatch):
    """`fengong serve` caps glibc's malloc arenas (its threads each kept freed memory in
    their own); an operator's MALLOC_ARENA_MAX is left alone."""
    import platform

    from fengong.api.commands.serve import limit_malloc_arenas

    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert limit_malloc_arenas() is False
    monkeypatch.delenv("MALLOC_ARENA_MAX")
    if platform.system() == "Linux" and platform.libc_ver()[0] == "glibc":
        assert limit_malloc_arenas() is True
