"""The notebooks in notebooks/ run clean, and are committed with their outputs.

Each is executed with nbclient in a temporary folder (the figures they save land there,
not in the repository); notebook 03 starts `fengong serve` on a free loopback port and
stops it at the end.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))


def test_there_are_three_notebooks():
    assert [p.name for p in NOTEBOOKS] == [
        "01-exploring-the-sample.ipynb", "02-coordination-analysis.ipynb", "03-calling-the-api.ipynb"
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_committed_with_its_outputs(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.execution_count for c in code), "execute and save: python notebooks/build_notebooks.py"
    assert sum(bool(c.outputs) for c in code) >= len(code) - 1  # a reader sees results on opening
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert errors == []


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_clean(path, tmp_path):
    copy = tmp_path / path.name
    shutil.copy(path, copy)
    nb = nbformat.read(copy, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError on the first failing cell
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    if path.stem.startswith("02"):
        images = [o for o in outputs if "image/png" in o.get("data", {})]
        assert len(images) == 2  # the workload chart and the coordination network
        assert (tmp_path / "workload.png").stat().st_size > 10_000
    if path.stem.startswith("03"):
        text = "".join(o.get("text", "") for o in outputs)
        assert "(十三) 健全市政设施建设" in text  # 省建设厅 leads it, answered by the running API
        assert "server stopped: True" in text
