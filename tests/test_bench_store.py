"""scripts/bench_store.py's stage breakdown runs the path `fengong ingest` takes (no timings checked)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_breakdown_measures_the_ingest_path(tmp_path, sample_text):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for k in range(2):
        (corpus / f"plan-{k}.txt").write_text(sample_text.replace("2023年", f"{2020 + k}年", 1), encoding="utf-8")
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "bench_store.py"), "--child", "breakdown",
                           "--corpus", str(corpus), "--n", "2"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["documents"] == 2 and figures["quads_per_document"] > 1000
    assert {"extract_ms", "build_ms", "bulk_load_ms"} <= set(figures)
    assert all(figures[k] > 0 for k in ("extract_ms", "build_ms", "bulk_load_ms"))
