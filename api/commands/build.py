"""``fengong build [FILE…] --out DIR``: the knowledge graph of some documents, as files and
as the store ``fengong serve --data DIR`` serves.

Writes ``DIR/graph.ttl`` (the union graph), ``DIR/graph.trig`` (one named graph per
document plus the registry graph), ``DIR/graph.jsonld`` (compact JSON-LD with fengong's
context), ``DIR/documents/<docid>.json`` (the document models) and the Oxigraph store
``DIR/store``, which afterwards holds exactly these documents (one transaction). Without
FILE, the bundled sample. To add documents to a store without rebuilding it, use
``fengong ingest``.
"""

from __future__ import annotations

import json

from .common import load_documents
from .store_options import data_dir, fail


def add_parser(sub):
    p = sub.add_parser("build", help="build the graph of FILEs into DIR (Turtle, TriG, JSON-LD, models, store)",
                       description="Extract the documents and write their knowledge graph to DIR: graph.ttl, "
                                   "graph.trig, graph.jsonld, documents/<id>.json and the store DIR/store that "
                                   "`fengong serve --data DIR` serves. Default: the bundled sample.")
    p.add_argument("files", nargs="*", metavar="FILE", help="documents; default: the bundled sample")
    p.add_argument("--out", "--data", dest="data", metavar="DIR",
                   help="output directory (default: $FENGONG_DATA or ./data)")
    return p


def run(args) -> int:
    from fengong.rdf import build_dataset, to_jsonld, to_trig, to_turtle
    from fengong.regions import RegionRegistry
    from fengong.registry import DepartmentRegistry
    from fengong.store import StoreUnavailable
    from fengong.store.oxigraph import OxigraphStore

    documents = load_documents(args.files)  # ReadError / ExtractionError: one line, exit 2
    seen: dict[str, int] = {}
    for doc in documents:
        seen[doc.id] = seen.get(doc.id, 0) + 1
    twice = [docid for docid, n in seen.items() if n > 1]
    if twice:
        return fail("build", f"several files give the same document id {', '.join(twice)} "
                             "(the same 发文字号 or title); build them separately")
    out = data_dir(args)
    out.mkdir(parents=True, exist_ok=True)
    import os

    base = os.environ.get("FENGONG_BASE") or None
    try:
        store = OxigraphStore(out / "store", **({"base": base} if base else {}))
    except StoreUnavailable as exc:
        return fail("build", str(exc))
    try:
        store.replace_all(documents)
        store.optimize()
    finally:
        store.close()
    dataset = build_dataset(documents, DepartmentRegistry.default(), RegionRegistry.default(),
                            **({"base": base} if base else {}))
    (out / "graph.ttl").write_text(to_turtle(dataset), encoding="utf-8")
    (out / "graph.trig").write_text(to_trig(dataset), encoding="utf-8")
    (out / "graph.jsonld").write_text(to_jsonld(dataset), encoding="utf-8")
    models = out / "documents"
    models.mkdir(exist_ok=True)
    for doc in documents:
        (models / f"{doc.id}.json").write_text(json.dumps(doc.to_dict(), ensure_ascii=False, indent=2) + "\n",
                                               encoding="utf-8")
    tasks = sum(len(d.items) for d in documents)
    print(f"built {len(documents)} document{'s' if len(documents) != 1 else ''} ({tasks} tasks, "
          f"{len(dataset)} quads) into {out}: graph.ttl, graph.trig, graph.jsonld, documents/, store/")
    return 0
