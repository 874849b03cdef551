#!/usr/bin/env python3
"""Store benchmark: Oxigraph (on disk) beside rdflib's in-memory Dataset and SPARQL engine.

For each corpus size (synthetic documents from ``scripts/generate_corpus.py``, about the
size of the bundled sample — benchmark data only) it measures, in the same run:

- ingest throughput of ``fengong ingest`` into an Oxigraph store, extraction included
  (documents per second, wall clock), the store's size on disk, the peak resident memory
  of the ingest process (and of its extraction workers);
- where the time of one document goes (extraction, RDF build, N-Triples serialisation,
  the store transaction), measured on a few documents;
- resident memory and latency (median, 90th percentile over many repetitions) of the main
  questions, through the ``Store`` interface the API uses (term conversion included):

  1. a department's lead tasks across all documents (``department_tasks``, bound to
     省建设厅 and fg:Lead);
  2. one task with its clauses, assignments and targets (three bound queries);
  3. the partners of a department (``partners``);
  4. an aggregate: lead counts by department;

  on Oxigraph and on rdflib (loaded from the Oxigraph store's N-Quads dump), each in its
  own process so that the memory figures are each engine's own; then the ratios.

Results: JSON (``--json``) and a markdown table on stdout. Example::

    python scripts/bench_store.py --sizes 1,100,1000 --json scripts/results/bench_store.json \\
        | tee scripts/results/bench_store.md
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

DEPARTMENT = "zj-housing"  # 省建设厅
QUESTIONS = ["lead_tasks", "lead_tasks_api", "task", "partners", "lead_counts"]
#: One run of an engine longer than this is stopped and reported as such (rdflib only:
#: its pure-Python evaluation can be interrupted by a signal).
RUN_CAP = 120.0
LEAD_TASKS = """PREFIX fg: <https://w3id.org/fengong/ns#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX eli: <http://data.europa.eu/eli/ontology#>
SELECT ?task ?id ?title ?doc WHERE { ?dept fg:leads ?task . ?task fg:id ?id ; dct:title ?title ; eli:is_part_of ?doc }"""
LEAD_COUNTS = """PREFIX fg: <https://w3id.org/fengong/ns#>
SELECT ?dept (COUNT(DISTINCT ?task) AS ?n) WHERE { ?dept fg:leads ?task }
GROUP BY ?dept ORDER BY DESC(?n)"""


# --- measuring in a child process ---------------------------------------------------------------


def memory() -> dict[str, float]:
    """Resident memory of this process now and at its peak (MiB), from /proc/self/status;
    RssFile is the part that maps files (Oxigraph's store), RssAnon the process's own."""
    out = {}
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
                out[key] = int(value.split()[0]) / 1024
    except OSError:
        import resource

        out["VmHWM"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def questions(store, task_iri):
    """The benchmark questions: name -> list of (query, bindings)."""
    from fengong.queries import QUERIES
    from fengong.rdf import department_iri
    from fengong.vocab import FG

    dept = department_iri(DEPARTMENT, store.base)
    return {
        "lead_tasks": [(LEAD_TASKS, {"dept": dept})],
        "lead_tasks_api": [(QUERIES["department_tasks"].sparql, {"dept": dept, "role": FG.Lead})],
        "task": [(QUERIES["clauses"].sparql, {"task": task_iri}),
                 (QUERIES["assignments"].sparql, {"task": task_iri}),
                 (QUERIES["targets"].sparql, {"owner": task_iri})],
        "partners": [(QUERIES["partners"].sparql, {"dept": dept})],
        "lead_counts": [(LEAD_COUNTS, None)],
    }


class _Stopped(Exception):
    pass


def _capped(function, cap: float | None):
    """Run ``function``; with ``cap``, stop it by SIGALRM after ``cap`` seconds (rdflib's
    pure-Python engine notices the signal between bytecodes)."""
    if not cap:
        return function()
    import signal

    def stop(signum, frame):
        raise _Stopped()

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, cap)
    try:
        return function()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def time_questions(store, task_iri, reps: int, budget: float, cap: float | None = None) -> dict:
    results = {}
    for name, parts in questions(store, task_iri).items():
        def ask():
            return sum(len(store.query(q, b).rows) for q, b in parts)

        t = time.perf_counter()
        try:
            rows = _capped(ask, cap)  # warm-up, and the answer size to compare engines
        except _Stopped:
            results[name] = {"rows": None, "reps": 1, "p50_ms": cap * 1000, "p90_ms": cap * 1000, "stopped": True}
            continue
        first = time.perf_counter() - t
        if first * 3 > budget:  # a slow engine: its first run is the measurement
            results[name] = {"rows": rows, "reps": 1, "p50_ms": first * 1000, "p90_ms": first * 1000}
            continue
        ask()
        times = []
        started = time.perf_counter()
        while len(times) < reps and (len(times) < 3 or time.perf_counter() - started < budget):
            t = time.perf_counter()
            ask()
            times.append(time.perf_counter() - t)
        times.sort()
        results[name] = {
            "rows": rows,
            "reps": len(times),
            "p50_ms": statistics.median(times) * 1000,
            "p90_ms": times[min(len(times) - 1, int(0.9 * len(times)))] * 1000,
        }
    return results


def conversion_cost(store) -> dict:
    """Microseconds to turn one pyoxigraph term into an rdflib term: first time and cached."""
    from fengong.store import oxigraph

    import itertools

    terms = [q.object for q in itertools.islice(store.oxigraph.quads_for_pattern(None, None, None, None), 20000)]
    oxigraph._FROM_CACHE.clear()
    t = time.perf_counter()
    for term in terms:
        oxigraph.from_oxigraph(term)
    cold = (time.perf_counter() - t) / len(terms) * 1e6
    t = time.perf_counter()
    for term in terms:
        oxigraph.from_oxigraph(term)
    warm = (time.perf_counter() - t) / len(terms) * 1e6
    return {"terms": len(terms), "first_us": cold, "cached_us": warm}


def child(args) -> None:
    from rdflib import URIRef

    out: dict = {}
    started = time.perf_counter()
    if args.child == "oxigraph":
        from fengong.store.oxigraph import OxigraphStore

        store = OxigraphStore(args.store)
    else:
        from fengong.store.memory import MemoryStore

        store = MemoryStore()
        store.load_nquads(Path(args.nquads).read_bytes())
    out["open_s"] = time.perf_counter() - started
    out["quads"] = len(store) if args.child == "oxigraph" else len(store.dataset)
    out["questions"] = time_questions(store, URIRef(args.task), args.reps, args.budget,
                                      cap=RUN_CAP if args.child == "rdflib" else None)
    out["memory_mib"] = memory()  # before the conversion measurement, which holds terms of its own
    if args.child == "oxigraph":
        out["term_conversion"] = conversion_cost(store)
    out["load_average"] = list(os.getloadavg())
    print(json.dumps(out))


def ingest_child(args) -> None:
    """``fengong ingest`` in this process, timed; peak memory of it and of its workers."""
    import resource

    from fengong.api.cli import main

    started = time.perf_counter()
    code = main(["ingest", args.corpus, "--data", args.data, "--no-progress", *(["-j", str(args.jobs)]
                                                                                  if args.jobs else [])])
    seconds = time.perf_counter() - started
    print(json.dumps({"code": code, "seconds": seconds, "load_average": list(os.getloadavg()),
                      "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "peak_rss_workers_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))


def breakdown_child(args) -> None:
    """Milliseconds per document of each stage of ``fengong ingest``, on a few documents:
    extraction and the build with its serialisation (what the extraction processes do, one
    document at a time), then the bulk load of them all as one batch into a fresh store
    (what the writing process does)."""
    from fengong.extract import extract_file
    from fengong.store.oxigraph import OxigraphStore, prepare

    files = sorted(Path(args.corpus).glob("*.txt"))[: args.n]
    stages = {"extract": 0.0, "build": 0.0, "bulk_load": 0.0}
    batch = None
    with tempfile.TemporaryDirectory() as scratch:
        store = OxigraphStore(Path(scratch) / "store")
        for f in files:
            t0 = time.perf_counter()
            doc = extract_file(f)
            t1 = time.perf_counter()
            prepared = prepare([doc], store.base)
            t2 = time.perf_counter()
            stages["extract"] += t1 - t0
            stages["build"] += t2 - t1
            batch = prepared if batch is None else batch + prepared
        if batch is not None:
            t0 = time.perf_counter()
            store.add_prepared(batch, bulk=True)
            stages["bulk_load"] = time.perf_counter() - t0
        store.close()
    n = max(1, len(files))
    print(json.dumps({"documents": len(files), "quads_per_document": (batch.quads if batch else 0) / n,
                      **{f"{k}_ms": v / n * 1000 for k, v in stages.items()}}))


# --- the orchestrating parent -------------------------------------------------------------------


def run_child(*argv: str) -> dict:
    r = subprocess.run([sys.executable, str(Path(__file__).resolve()), *argv], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"child {argv[:2]} failed:\n{r.stderr[-3000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def machine() -> dict:
    import pyoxigraph
    import rdflib

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_gib": ram, "python": platform.python_version(),
            "pyoxigraph": pyoxigraph.__version__, "rdflib": rdflib.__version__, "os": platform.platform(),
            "load_average_at_start": list(os.getloadavg())}


def du(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def bench(sizes: list[int], work: Path, reps: int, budget: float, rdflib_max: int, jobs: int | None,
          log) -> dict:
    from generate_corpus import Corpus

    corpus_dir = work / "corpus"
    corpus_dir.mkdir(parents=True, exist_ok=True)
    corpus = Corpus(seed=0)
    started = time.perf_counter()
    names = []
    for k in range(max(sizes)):
        name, text = corpus.document(k)
        path = corpus_dir / name
        if not path.exists():
            path.write_text(text, encoding="utf-8")
        names.append(name)
    log(f"corpus: {max(sizes)} documents in {time.perf_counter() - started:.1f} s")
    report: dict = {"machine": machine(), "sizes": []}
    report["breakdown"] = run_child("--child", "breakdown", "--corpus", str(corpus_dir), "--n",
                                    str(min(30, max(sizes))))
    log(f"breakdown: {report['breakdown']}")
    for n in sizes:
        subset = work / f"corpus-{n}"
        if subset.exists():
            shutil.rmtree(subset)
        subset.mkdir()
        for name in names[:n]:
            (subset / name).symlink_to(corpus_dir / name)
        data = work / f"data-{n}"
        if data.exists():
            shutil.rmtree(data)
        log(f"[{n}] ingest …")
        ingest = run_child("--child", "ingest", "--corpus", str(subset), "--data", str(data),
                           *(["--jobs", str(jobs)] if jobs else []))
        entry: dict = {"documents": n, "ingest": ingest, "ingest_docs_per_s": n / ingest["seconds"],
                       "store_bytes": du(data / "store")}
        log(f"[{n}] ingest {entry['ingest_docs_per_s']:.2f} docs/s, store {entry['store_bytes'] / 2**20:.0f} MiB")
        from fengong.extract import extract_file
        from fengong.rdf import task_iri

        middle = extract_file(subset / names[n // 2])
        task = str(task_iri(middle.id, min(5, len(middle.items))))
        entry["oxigraph"] = run_child("--child", "oxigraph", "--store", str(data / "store"), "--task", task,
                                      "--reps", str(reps), "--budget", str(budget))
        entry["oxigraph"]["task"] = task
        log(f"[{n}] oxigraph: {json.dumps(entry['oxigraph'])}")
        if n <= rdflib_max:
            dump = work / f"dump-{n}.nq"
            r = subprocess.run([sys.executable, "-m", "fengong.api.cli", "dump", "--data", str(data), "-o",
                                str(dump)], capture_output=True, text=True)
            if r.returncode != 0:
                raise RuntimeError(r.stderr)
            entry["rdflib"] = run_child("--child", "rdflib", "--nquads", str(dump), "--task", task,
                                        "--reps", str(reps), "--budget", str(budget))
            dump.unlink()
            log(f"[{n}] rdflib: {json.dumps(entry['rdflib'])}")
            entry["ratios"] = {q: entry["rdflib"]["questions"][q]["p50_ms"] / entry["oxigraph"]["questions"][q]["p50_ms"]
                               for q in QUESTIONS}  # a lower bound where rdflib was stopped
            entry["same_answers"] = all(entry["rdflib"]["questions"][q]["rows"] in
                                        (None, entry["oxigraph"]["questions"][q]["rows"]) for q in QUESTIONS)
        report["sizes"].append(entry)
        shutil.rmtree(subset)
    return report


def markdown(report: dict) -> str:
    m = report["machine"]
    b = report["breakdown"]
    lines = [
        "# Store benchmark: Oxigraph vs rdflib",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB RAM; Python {m['python']}, "
        f"pyoxigraph {m['pyoxigraph']}, rdflib {m['rdflib']}; load average at start "
        f"{', '.join(f'{x:.1f}' for x in m['load_average_at_start'])}.",
        "",
        "Corpus: synthetic work plans from `scripts/generate_corpus.py` (benchmark data only), "
        f"about the size of the bundled sample ({b['quads_per_document']:.0f} quads per document).",
        "",
        (f"One document, on average over {b['documents']}, as `fengong ingest` handles it: extraction "
         f"{b['extract_ms']:.0f} ms, RDF build and N-Quads serialisation {b['build_ms']:.0f} ms (both in the "
         f"extraction processes), Oxigraph's bulk loader {b['bulk_load_ms']:.0f} ms (the {b['documents']} "
         "documents loaded as one batch, as ingest does)." if "bulk_load_ms" in b else
         f"One document, on average over {b['documents']}: extraction {b['extract_ms']:.0f} ms, RDF build "
         f"{b['build_ms']:.0f} ms, N-Triples serialisation {b['serialise_ms']:.0f} ms, Oxigraph transaction "
         f"{b['transaction_ms']:.0f} ms."),
        "",
        "Memory is the peak resident set (VmHWM) of the process that answered the questions; for Oxigraph also "
        "the part that maps the store's files (RssFile, page cache the kernel can drop) and its own (RssAnon). "
        "Load average: 1-minute load while ingesting / after the questions (other work on the machine shows here).",
        "",
        "| documents | quads | ingest (docs/s) | store on disk (MiB) | peak RSS Oxigraph (MiB) | file / own | "
        "peak RSS rdflib (MiB) | rdflib load (s) | load average |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for e in report["sizes"]:
        ox = e["oxigraph"]
        rd = e.get("rdflib")
        mem = ox["memory_mib"]
        loads = f"{e['ingest'].get('load_average', [float('nan')])[0]:.1f} / {ox.get('load_average', [float('nan')])[0]:.1f}"
        lines.append(
            f"| {e['documents']:,} | {ox['quads']:,} | {e['ingest_docs_per_s']:.2f} | {e['store_bytes'] / 2**20:,.0f} "
            f"| {mem['VmHWM']:,.0f} | {mem.get('RssFile', float('nan')):,.0f} / {mem.get('RssAnon', float('nan')):,.0f} "
            f"| {rd['memory_mib']['VmHWM'] if rd else float('nan'):,.0f} "
            f"| {rd['open_s'] if rd else float('nan'):.1f} | {loads} |")
    conv = [e["oxigraph"].get("term_conversion") for e in report["sizes"] if e["oxigraph"].get("term_conversion")]
    if conv:
        c = conv[-1]
        lines += ["", f"Term conversion pyoxigraph → rdflib (every answer goes through it): {c['first_us']:.2f} µs "
                      f"per term the first time, {c['cached_us']:.2f} µs cached ({c['terms']:,} terms)."]
    lines += ["", "Latency through the `Store` interface (ms; median / 90th percentile (repetitions)):", "",
              "| documents | question | rows | Oxigraph p50 | p90 | rdflib p50 | p90 | rdflib ÷ Oxigraph (p50) |",
              "|---:|---|---:|---:|---:|---:|---:|---:|"]
    for e in report["sizes"]:
        for q in QUESTIONS:
            ox = e["oxigraph"]["questions"][q]
            rd = e.get("rdflib", {}).get("questions", {}).get(q)
            if rd and rd.get("stopped"):
                rd_cols = f"> {rd['p50_ms']:.0f} (stopped) | — | > {e['ratios'][q]:.0f}×"
            elif rd:
                rd_cols = f"{rd['p50_ms']:.2f} | {rd['p90_ms']:.2f} ({rd['reps']}) | {e['ratios'][q]:.0f}×"
            else:
                rd_cols = "— | — | —"
            lines.append(f"| {e['documents']:,} | {q} | {ox['rows']:,} | {ox['p50_ms']:.2f} | "
                         f"{ox['p90_ms']:.2f} ({ox['reps']}) | {rd_cols} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1,100,1000", help="corpus sizes, comma-separated (default 1,100,1000)")
    parser.add_argument("--reps", type=int, default=200, help="repetitions per question (default 200)")
    parser.add_argument("--budget", type=float, default=30.0,
                        help="seconds per question and engine before fewer repetitions are accepted (default 30)")
    parser.add_argument("--rdflib-max", type=int, default=1000,
                        help="largest corpus loaded into rdflib as well (default 1000)")
    parser.add_argument("--jobs", type=int, help="extraction processes for the ingest (default: CPUs)")
    parser.add_argument("--work", type=Path, help="working directory (default: a temporary one, removed)")
    parser.add_argument("--json", type=Path, help="write the results as JSON here")
    parser.add_argument("--remeasure", type=Path, metavar="JSON",
                        help="with --work of an earlier run (kept): measure the Oxigraph questions again on its "
                             "stores, update that JSON and print the table")
    # Internal: the measuring children.
    parser.add_argument("--child", choices=["oxigraph", "rdflib", "ingest", "breakdown"], help=argparse.SUPPRESS)
    for name in ("--store", "--nquads", "--task", "--corpus", "--data"):
        parser.add_argument(name, help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, default=30, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child == "ingest":
        ingest_child(args)
        return 0
    if args.child == "breakdown":
        breakdown_child(args)
        return 0
    if args.child:
        child(args)
        return 0

    def log(message: str) -> None:
        print(f"bench: {message}", file=sys.stderr, flush=True)

    if args.remeasure:
        report = json.loads(args.remeasure.read_text(encoding="utf-8"))
        for entry in report["sizes"]:
            store = args.work / f"data-{entry['documents']}" / "store"
            task = entry["oxigraph"].get("task")
            if task is None:
                from fengong.extract import extract_file
                from fengong.rdf import task_iri

                names = sorted((args.work / "corpus").glob("*.txt"))[: entry["documents"]]
                middle = extract_file(names[entry["documents"] // 2])
                task = str(task_iri(middle.id, min(5, len(middle.items))))
            log(f"[{entry['documents']}] oxigraph again …")
            entry["oxigraph"] = run_child("--child", "oxigraph", "--store", str(store), "--task", task,
                                          "--reps", str(args.reps), "--budget", str(args.budget))
            entry["oxigraph"]["task"] = task
            if "rdflib" in entry:
                entry["ratios"] = {q: entry["rdflib"]["questions"][q]["p50_ms"] /
                                   entry["oxigraph"]["questions"][q]["p50_ms"] for q in QUESTIONS}
        report["remeasured"] = time.strftime("%Y-%m-%d %H:%M")
        args.remeasure.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        sys.stdout.write(markdown(report))
        sys.stdout.write(f"\nTotal benchmark time: {report['seconds'] / 60:.1f} min (Oxigraph questions measured "
                         f"again {report['remeasured']}).\n")
        return 0

    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    work = args.work or Path(tempfile.mkdtemp(prefix="fengong-bench-"))
    started = time.perf_counter()
    try:
        report = bench(sizes, work, args.reps, args.budget, args.rdflib_max, args.jobs, log)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    report["seconds"] = time.perf_counter() - started
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    sys.stdout.write(markdown(report))
    sys.stdout.write(f"\nTotal benchmark time: {report['seconds'] / 60:.1f} min.\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
