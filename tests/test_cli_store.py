"""The store commands, run for real: build, ingest, remove, dump, load."""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from fengong.rdf import DEFAULT_BASE, graph_iri
from fengong.store.base import documents_quads

ENV = {**os.environ, "PYTHONUNBUFFERED": "1"}
ENV.pop("FENGONG_DATA", None)
ENV.pop("FENGONG_SPARQL_URL", None)


def fengong(*args, **kw):
    return subprocess.run([sys.executable, "-m", "fengong.api.cli", *map(str, args)], capture_output=True,
                          text=True, timeout=600, env=ENV, **kw)


def variant(sample_text: str, number: int) -> str:
    """The sample under another 发文字号: another document id."""
    return sample_text.replace("〔2023〕388号", f"〔2023〕{number}号")


def tiny(k: int) -> str:
    return (f"示例工作要点第{k}号\n\n一、总体\n(一)建设绿道。新建绿道{100 + k}公里以上(省建设厅)。\n"
            f"(二)改造小区。改造老旧小区{k}个(省建设厅牵头,省财政厅按职责分工负责)。\n")


def store_ids(data: Path) -> list[str]:
    from fengong.store.oxigraph import OxigraphStore

    with OxigraphStore(data / "store", read_only=True) as store:
        return store.document_ids()


def one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    return lines[0]


# --- build ----------------------------------------------------------------------------------


def test_build_writes_files_and_the_store_serve_uses(tmp_path, sample_doc):
    out = tmp_path / "data"
    r = fengong("build", "--out", out)
    assert r.returncode == 0, r.stderr
    assert "built 1 document" in r.stdout
    union = set(ox.parse(path=str(out / "graph.ttl"), format=ox.RdfFormat.TURTLE))
    quads = list(ox.parse(path=str(out / "graph.trig"), format=ox.RdfFormat.TRIG))
    assert {q.graph_name.value for q in quads} == {str(graph_iri(sample_doc.id)), f"{DEFAULT_BASE}graph/registry"}
    built = {t for triples in documents_quads([sample_doc], DEFAULT_BASE).values() for t in triples}
    assert len(union) == len({q.triple for q in quads}) == len(built) > 5000
    jsonld = json.loads((out / "graph.jsonld").read_text(encoding="utf-8"))
    assert "@context" in jsonld
    model = json.loads((out / "documents" / f"{sample_doc.id}.json").read_text(encoding="utf-8"))
    assert model["document"]["id"] == sample_doc.id and len(model["items"]) == 32
    assert store_ids(out) == [sample_doc.id]

    # `fengong serve --data DIR` serves the store that was built.
    from fastapi.testclient import TestClient

    from fengong.api.app import close, create_app
    from fengong.api.settings import Settings

    app = create_app(Settings(data_dir=out))
    try:
        client = TestClient(app)
        assert [d["id"] for d in client.get("/api/v1/documents").json()["documents"]] == [sample_doc.id]
        tasks = client.get("/api/v1/departments/zj-housing/tasks", params={"role": "lead"}).json()["tasks"]
        assert len(tasks) == 8
    finally:
        close(app)
        app.state.store.close()

    # Building other files makes the store hold exactly those.
    plan = tmp_path / "plan.txt"
    plan.write_text(tiny(1), encoding="utf-8")
    r = fengong("build", plan, "--out", out)
    assert r.returncode == 0, r.stderr
    (only,) = store_ids(out)
    assert only != sample_doc.id and (out / "documents" / f"{only}.json").exists()


def test_build_bad_input_is_one_line(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("没有编号的文字。", encoding="utf-8")
    r = fengong("build", bad, "--out", tmp_path / "out")
    assert r.returncode == 2 and "no tasks found" in one_line(r.stderr)
    assert not (tmp_path / "out" / "store").exists()


# --- ingest ---------------------------------------------------------------------------------


def test_ingest_a_folder_reports_bad_files_and_keeps_the_others(tmp_path, sample_text):
    docs = tmp_path / "in"
    (docs / "sub").mkdir(parents=True)
    (docs / "a.txt").write_text(variant(sample_text, 401), encoding="utf-8")
    (docs / "sub" / "b.htm").write_text(f"<html><body><pre>{variant(sample_text, 402)}</pre></body></html>",
                                        encoding="utf-8")
    (docs / "sub" / "c.txt").write_bytes(variant(sample_text, 403).encode("gb18030"))
    (docs / "notes.md").write_text("not a document", encoding="utf-8")  # not a document type: ignored
    (docs / "empty.txt").write_text("", encoding="utf-8")
    (docs / "prose.txt").write_text("这里没有任何编号的任务。", encoding="utf-8")
    data = tmp_path / "data"
    r = fengong("ingest", docs, "--data", data, "-v")
    assert r.returncode == 1, r.stderr
    failures = [line for line in r.stderr.splitlines() if line.startswith("fengong ingest:")]
    assert len(failures) == 2 and "empty.txt" in failures[0] and "prose.txt" in failures[1]
    assert "Traceback" not in r.stderr
    added = [line.split()[1] for line in r.stderr.splitlines() if line.startswith("added ")]
    assert len(added) == 3
    assert "ingested 3 documents" in r.stdout and "2 files failed" in r.stdout
    assert sorted(added) == store_ids(data)

    # Ingesting again changes nothing (idempotent).
    before = fengong("dump", "--data", data).stdout
    r = fengong("ingest", docs / "a.txt", "--data", data)
    assert r.returncode == 0 and "0 new, 1 replaced; 3 in the store" in r.stdout
    assert set(fengong("dump", "--data", data).stdout.splitlines()) == set(before.splitlines())


def test_ingest_usage_errors(tmp_path):
    r = fengong("ingest", tmp_path / "nothing-here.txt", "--data", tmp_path / "data")
    assert r.returncode == 2 and "no such file" in r.stderr and "nothing to ingest" in r.stderr
    assert fengong("ingest").returncode == 2
    empty = tmp_path / "empty"
    empty.mkdir()
    r = fengong("ingest", empty, "--data", tmp_path / "data")
    assert r.returncode == 2 and "no .txt" in r.stderr
    r = fengong("remove", "2023-00000000", "--data", tmp_path / "none")
    assert r.returncode == 2 and "no store" in one_line(r.stderr)


def test_a_store_in_use_is_reported(tmp_path):
    data = tmp_path / "data"
    plan = tmp_path / "plan.txt"
    plan.write_text(tiny(1), encoding="utf-8")
    assert fengong("ingest", plan, "--data", data).returncode == 0
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time; from fengong.store.oxigraph import "
                               "OxigraphStore; s = OxigraphStore(sys.argv[1]); print('open', flush=True); "
                               "time.sleep(120)", str(data / "store")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        r = fengong("ingest", plan, "--data", data)
        assert r.returncode == 2 and "in use by another process" in one_line(r.stderr)
        r = fengong("dump", "--data", data)  # read-only: a backup while the store is served
        assert r.returncode == 0 and r.stdout.count("\n") > 50
    finally:
        holder.kill()
        holder.wait()


def test_progress_bar_on_a_terminal(tmp_path):
    docs = tmp_path / "in"
    docs.mkdir()
    for k in range(12):
        (docs / f"plan{k:02d}.txt").write_text(tiny(k), encoding="utf-8")
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "fengong.api.cli", "ingest", str(docs), "--data",
                             str(tmp_path / "data"), "-j", "2"], stdout=subprocess.PIPE, stderr=slave, env=ENV)
    os.close(slave)
    seen = b""
    while True:
        ready, _, _ = select.select([master], [], [], 120)
        if not ready:
            break
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    out, _ = proc.communicate(timeout=120)
    os.close(master)
    assert proc.returncode == 0, seen
    text = seen.decode("utf-8", "replace")
    assert "\r[" in text and "12/12 files" in text
    assert b"ingested 12 documents" in out
    # Not a terminal: no bar.
    r = fengong("ingest", docs, "--data", tmp_path / "data2")
    assert r.returncode == 0 and r.stderr == ""


# --- remove, dump, load ------------------------------------------------------------------------


def test_remove_dump_and_load(tmp_path, sample_text):
    docs = tmp_path / "in"
    docs.mkdir()
    for k in range(3):
        (docs / f"plan{k}.txt").write_text(tiny(k), encoding="utf-8")
    data = tmp_path / "data"
    r = fengong("ingest", docs, "--data", data, "-v")
    assert r.returncode == 0, r.stderr
    ids = store_ids(data)
    assert len(ids) == 3

    r = fengong("remove", ids[0], "--data", data)
    assert r.returncode == 0 and r.stdout.strip() == f"removed {ids[0]}"
    r = fengong("remove", ids[0], "--data", data)
    assert r.returncode == 1 and "no document" in one_line(r.stderr)
    assert store_ids(data) == ids[1:]

    backup = tmp_path / "backup.nq"
    r = subprocess.run(f"{sys.executable} -m fengong.api.cli dump --data {data} > {backup}", shell=True,
                       capture_output=True, text=True, env=ENV, timeout=120)
    assert r.returncode == 0, r.stderr
    lines = backup.read_text(encoding="utf-8").splitlines()
    assert lines and all(line.endswith(" .") for line in lines)
    restored = tmp_path / "restored"
    r = fengong("load", backup, "--data", restored)
    assert r.returncode == 0 and "2 documents" in r.stdout, r.stderr
    assert store_ids(restored) == ids[1:]
    again = fengong("dump", "--data", restored).stdout.splitlines()
    assert set(again) == set(lines)
    for fmt, parser in (("turtle", ox.RdfFormat.TURTLE), ("trig", ox.RdfFormat.TRIG)):
        out = tmp_path / f"dump.{fmt}"
        assert fengong("dump", "--data", restored, "--format", fmt, "-o", out).returncode == 0
        assert list(ox.parse(path=str(out), format=parser))

    bad = tmp_path / "bad.nq"
    bad.write_text("<a> <b> this is not n-quads\n", encoding="utf-8")
    r = fengong("load", bad, "--data", restored)
    assert r.returncode == 2 and "not valid N-Quads" in one_line(r.stderr)
    assert store_ids(restored) == ids[1:]
    r = fengong("load", tmp_path / "missing.nq", "--data", restored)
    assert r.returncode == 2 and "no such file" in one_line(r.stderr)


# --- a kill during an ingest ---------------------------------------------------------------------


def test_kill_during_ingest_keeps_exactly_the_committed_documents(tmp_path, sample_text, sample_doc):
    """kill -9 in the middle of an ingest: the store opens and holds the documents
    ingested before, whole, and the batches committed before the kill; nothing partial."""
    from fengong.extract import extract_file
    from fengong.store.base import documents_quads

    data = tmp_path / "data"
    first = tmp_path / "first.txt"
    first.write_text(sample_text, encoding="utf-8")
    assert fengong("ingest", first, "--data", data).returncode == 0
    docs = tmp_path / "in"
    docs.mkdir()
    for k in range(14):
        (docs / f"plan{k:02d}.txt").write_text(variant(sample_text, 500 + k), encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "fengong.api.cli", "ingest", str(docs), "--data", str(data),
                             "-v", "-j", "1", "--batch-quads", "12000"],  # batches of 3 documents
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
                            env=ENV)
    reported = []
    for line in proc.stderr:
        if line.startswith("added "):
            reported.append(line.split()[1])
            if len(reported) >= 2:
                break
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert len(reported) >= 2, "the ingest ended before it could be killed"

    from fengong.store.oxigraph import OxigraphStore

    started = time.monotonic()
    store = OxigraphStore(data / "store")
    assert time.monotonic() - started < 120
    held = store.document_ids()
    files = sorted(docs.glob("*.txt"))
    order = [extract_file(f).id for f in files]
    committed = [sample_doc.id, *reported]
    assert set(committed) <= set(held)
    extra = [d for d in held if d not in committed]
    # At most the batch being committed when the kill came (its lines not yet printed),
    # and only documents that come next in file order.
    assert len(extra) <= 3 and set(extra) <= set(order[len(reported):len(reported) + 3])
    expected = len(documents_quads([sample_doc], DEFAULT_BASE)[graph_iri(sample_doc.id)])
    for docid in held:
        graph = ox.NamedNode(str(graph_iri(docid)))
        assert sum(1 for _ in store.oxigraph.quads_for_pattern(None, None, None, graph)) == expected
    store.close()
    # The interrupted ingest can simply be run again.
    r = fengong("ingest", docs, "--data", data)
    assert r.returncode == 0 and "15 in the store" in r.stdout
