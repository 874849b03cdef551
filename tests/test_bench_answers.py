"""scripts/bench_answers.py runs on a small store and prints its table (no timings checked)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_bench_answers_prints_its_table(tmp_path, sample_doc, capsys):
    from fengong.store.oxigraph import OxigraphStore

    store = OxigraphStore(tmp_path / "data" / "store")
    store.add_documents([sample_doc])
    store.close()
    spec = importlib.util.spec_from_file_location("bench_answers", ROOT / "scripts" / "bench_answers.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main([str(tmp_path / "data"), "--departments", "4", "--reps", "3"]) == 0
    out = capsys.readouterr().out
    assert "(1 documents)" in out
    for row in ("| first after start |", "| other departments, once each (3) |", "| uncached: second pages",
                "| repeated (3) |", "| bare endpoint, same bytes (3) |"):
        assert row in out, out
    assert "peak RSS" in out
    warmed = int(out.split("warm-up after start: ")[1].split(" s, ")[1].split()[0])
    assert warmed > 4, out  # the sample's lead departments
