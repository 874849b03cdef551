"""Answers about one department, one task or one page read only what they show.

The REST answers used to be shaped from whole-store tables (every document's text, every
span, task, clause and assignment), rebuilt after each write: minutes and gigabytes at a
thousand documents. Now they fetch the IRIs involved in batches. Checked here, on a store
of four documents (the sample, its edited 2024 version and two generated plans):

- the hot answers (a department's tasks and partners, a task, a source, a page of a list)
  run none of the whole-store table queries, and keep only the texts they need;
- every answer equals the one computed the old way, from whole-store tables (the oracle
  below re-implements that shaping from the raw table queries);
- the VALUES blocks the fetches write cannot be broken out of.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from rdflib import Literal, URIRef

from fengong.queries import (
    QUERIES,
    ROLE_NAMES,
    Answers,
    Page,
    run,
    sentence_around,
    values_rows,
    with_values,
)
from fengong.rdf import department_iri
from fengong.store import open_store

ROOT = Path(__file__).resolve().parent.parent
ROLES = (*ROLE_NAMES, "any")
ROLE_ORDER = {name: i for i, name in enumerate(ROLE_NAMES)}

#: The queries that read a whole-store table when run without a VALUES block or bindings.
TABLES = ("document_texts", "spans", "sections", "tasks", "clauses", "assignments", "targets", "departments",
          "department_labels", "department_counts", "regions", "documents", "task_keys", "task_sections",
          "document_lengths")
WHOLE = {QUERIES[name].sparql: name for name in TABLES}


# --- the store --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def documents(sample_doc):
    from fengong.extract import extract_file, extract_text

    spec = importlib.util.spec_from_file_location("generate_corpus", ROOT / "scripts" / "generate_corpus.py")
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    generated = [extract_text(text, source=name) for name, text in generator.generate(2, seed=11)]
    return [sample_doc, extract_file(ROOT / "tests" / "fixtures" / "zhejiang-2024-edited.txt"), *generated]


def make_store(kind: str, documents):
    store = open_store(kind)
    store.add_documents(documents)
    return store


@pytest.fixture(scope="module")
def oxigraph(documents):
    return make_store("oxigraph", documents)


@pytest.fixture(scope="module")
def oracle(oxigraph):
    return Tables(oxigraph)


def recording(store) -> list[tuple[str, dict]]:
    """Record every query the store runs (text and bindings)."""
    calls: list[tuple[str, dict]] = []
    query = store.query

    def recorded(sparql, bindings=None, **kwargs):
        calls.append((sparql, dict(bindings or {})))
        return query(sparql, bindings, **kwargs)

    store.query = recorded
    return calls


def whole_store(calls) -> list[str]:
    return [WHOLE[sparql] for sparql, bindings in calls if sparql in WHOLE and not bindings]


# --- the oracle: answers shaped from whole-store tables, as they used to be -------------------


def _int(node):
    return None if node is None else int(str(node))


def _str(node):
    return None if node is None else str(node)


def page_key(task):
    return (task["document"], task["number"] if task["number"] is not None else 0, task["id"])


class Tables:
    """Every text, span, section, task, clause and assignment of the store, read by the
    whole-store queries, and the answers computed from them the way they used to be."""

    def __init__(self, store) -> None:
        self.store = store
        self.texts = {str(r["id"]): str(r["text"]) for r in run(store, "document_texts").dicts()}
        self.spans = {str(s): (str(d), int(str(a)), int(str(b))) for s, d, a, b in run(store, "spans").rows}
        sections = {str(r["section"]): {"number": _int(r["ordinal"]), "label": _str(r["label"]),
                                        "title": _str(r["title"])} for r in run(store, "sections").dicts()}
        tasks = {}
        for r in run(store, "tasks").dicts():
            iri = str(r["task"])
            if iri not in tasks:
                tasks[iri] = {
                    "id": str(r["id"]), "iri": iri, "document": str(r["doc"]), "number": _int(r["ordinal"]),
                    "label": _str(r["label"]), "title": _str(r["title"]),
                    "section": sections.get(str(r["section"])) if r["section"] is not None else None,
                    "parent": _str(r["parent"]), "deadline": _str(r["deadline"]), "source": self.source(r["span"]),
                }
        self.tasks = dict(sorted(tasks.items(), key=lambda kv: page_key(kv[1])))
        clauses: dict[str, dict[str, dict]] = {}
        for r in run(store, "clauses").dicts():
            entry = clauses.setdefault(str(r["task"]), {})
            if str(r["clause"]) not in entry:
                entry[str(r["clause"])] = {
                    "number": _int(r["ordinal"]), "iri": str(r["clause"]), "text": str(r["text"]),
                    "attribution": _str(r["attribution"]), "deadline": _str(r["deadline"]),
                    "source": self.source(r["span"])}
        self.clauses = {t: sorted(c.values(), key=lambda c: c["number"] or 0) for t, c in clauses.items()}
        self.departments = Answers(store).department_table()
        numbers = {c["iri"]: c["number"] for cs in self.clauses.values() for c in cs}
        assignments: dict[str, list[dict]] = {}
        seen = set()
        for r in run(store, "assignments").dicts():
            key = (str(r["task"]), str(r["plan"]), str(r["dept"]), str(r["role"]))
            if key in seen:
                continue
            seen.add(key)
            entry = {"department": self.ref(str(r["dept"])), "role": str(r["role"]),
                     "clause": numbers.get(str(r["plan"])), "source": self.source(r["span"])}
            if r["rule"] is not None:
                entry["rule"] = self.source(r["rule"])
            assignments.setdefault(str(r["task"]), []).append(entry)
        for items in assignments.values():
            items.sort(key=lambda a: (a["clause"] or 0, ROLE_ORDER.get(a["role"], 99),
                                      (a["source"] or {}).get("start", 0)))
        self.assignments = assignments

    def source(self, span):
        found = self.spans.get(str(span)) if span is not None else None
        if found is None:
            return None
        doc, start, end = found
        text = self.texts.get(doc, "")
        return {"document": doc, "start": start, "end": end, "text": text[start:end],
                "sentence": sentence_around(text, start, end)}

    def ref(self, iri):
        entry = self.departments.get(iri)
        if entry is None:
            return {"id": iri.rsplit("/", 1)[-1], "name": None, "short": None}
        return {"id": entry["id"], "name": entry["name"], "short": entry["short"]}

    def summary(self, iri):
        task = self.tasks.get(iri)
        if task is None:
            return {"id": iri.rsplit("/", 1)[-1], "iri": iri, "document": None, "number": None, "label": None,
                    "title": None, "section": None, "parent": None, "deadline": None, "source": None}
        return dict(task)

    def department_tasks(self, dept_id, role):
        bindings = Answers.department_tasks_bindings(str(department_iri(dept_id)), role)
        tasks: dict[str, dict] = {}
        for r in run(self.store, "department_tasks", bindings).dicts():  # the query the API shows
            task_iri, plan, name = str(r["task"]), str(r["plan"]), str(r["roleName"])
            task = tasks.get(task_iri)
            if task is None:
                task = tasks[task_iri] = dict(self.summary(task_iri), roles=[], clauses={}, assignments=[])
            task["roles"].append(name)
            assignment = {"role": name, "clause": None, "source": self.source(r["span"])}
            if plan != task_iri:
                clause = next((c for c in self.clauses.get(task_iri, []) if c["iri"] == plan), None)
                if clause is not None:
                    task["clauses"].setdefault(plan, dict(clause, roles=[]))["roles"].append(name)
                    assignment["clause"] = clause["number"]
            if r["rule"] is not None:
                assignment["rule"] = self.source(r["rule"])
            task["assignments"].append(assignment)
        out = []
        for task in tasks.values():
            task["roles"] = sorted(set(task["roles"]), key=lambda n: (ROLE_ORDER.get(n, 99), n))
            clauses = sorted(task["clauses"].values(), key=lambda c: c["number"] or 0)
            for clause in clauses:
                clause["roles"] = sorted(set(clause["roles"]), key=lambda n: (ROLE_ORDER.get(n, 99), n))
            task["clauses"] = clauses
            task["assignments"].sort(key=lambda a: (a["clause"] or 0, ROLE_ORDER.get(a["role"], 99)))
            out.append(task)
        return sorted(out, key=page_key)

    def partners(self, dept_id):
        shared: dict[str, set[str]] = {}
        for other, task in run(self.store, "partners", {"dept": URIRef(str(department_iri(dept_id)))}).rows:
            shared.setdefault(str(other), set()).add(str(task))
        out = []
        for other, tasks in shared.items():
            summaries = sorted((self.summary(t) for t in tasks), key=page_key)
            out.append({"department": self.ref(other), "count": len(tasks),
                        "tasks": [{k: t[k] for k in ("id", "document", "number", "label", "title")}
                                  for t in summaries]})
        return sorted(out, key=lambda p: (-p["count"], p["department"]["id"]))

    def task_list(self, document=None):
        out = []
        for iri, task in self.tasks.items():
            if document is not None and task["document"] != document:
                continue
            by_role = {role: [] for role in ROLE_NAMES}
            for a in self.assignments.get(iri, []):
                names = by_role.setdefault(a["role"], [])
                if a["department"] not in names:
                    names.append(a["department"])
            out.append(dict(task, departments=by_role))
        return out

    def task(self, task_id):
        iri = next(i for i, t in self.tasks.items() if t["id"] == task_id)
        assignments = self.assignments.get(iri, [])
        clauses = [dict(c, assignments=[{k: v for k, v in a.items() if k != "clause"}
                                        for a in assignments if a["clause"] == c["number"]])
                   for c in self.clauses.get(iri, [])]
        by_role = {role: [] for role in ROLE_NAMES}
        for a in assignments:
            by_role.setdefault(a["role"], []).append(
                {"department": a["department"], "clause": a["clause"], "source": a["source"],
                 **({"rule": a["rule"]} if "rule" in a else {})})
        subtasks = [t["id"] for t in self.tasks.values() if t["parent"] == task_id]
        return dict(self.summary(iri), clauses=clauses, assignments=by_role, subtasks=subtasks)


# --- what the hot answers read --------------------------------------------------------------


@pytest.mark.parametrize("kind", ["oxigraph", "memory"])
def test_hot_answers_read_no_whole_store_table(documents, kind):
    store = make_store(kind, documents)
    spans = [str(r[0]) for r in store.query(
        "SELECT ?span WHERE { ?x <http://www.w3.org/ns/prov#wasDerivedFrom> ?span } LIMIT 5").rows]
    calls = recording(store)
    answers = Answers(store)

    dept = answers.resolve_department("zj-housing")
    assert dept["in_graph"] and dept["counts"]["lead"] > 0
    page = answers.department_tasks_page("zj-housing", "lead", 0, 3)
    assert len(page) == dept["counts"]["lead"] and len(page[0:3]) == 3
    tasks = answers.department_tasks("zj-housing", "any")
    task = answers.task(tasks[0]["id"])
    partners = answers.partners("zj-housing")
    sources = [answers.source(span) for span in spans]

    assert task["clauses"] and partners and all(s and s["text"] for s in sources)
    assert whole_store(calls) == []
    for table in ("texts", "spans", "tasks", "clauses", "assignments", "sections", "departments", "targets",
                  "regions", "task_skeleton", "department_names"):
        assert answers._peek(table) is None, table
    # the texts kept are those of the documents the answers quote, not the store's
    kept = answers._peek(("fetched", "text"))
    quoted = {t["document"] for t in tasks} | {s["document"] for s in sources}
    assert set(kept) <= quoted


def test_a_page_of_a_list_reads_the_sources_of_that_page_only(oxigraph, oracle):
    calls = recording(oxigraph)
    try:
        answers = Answers(oxigraph)
        page = answers.tasks_page(None, None, 10, 5)
        targets = answers.targets_page(None, None, None, "停车", 0, 2)
        hits = answers.search_page("城市", 0, 4)
    finally:
        del oxigraph.query  # back to the class's method
    assert {name for name in whole_store(calls)} <= {"task_keys"}  # the order of all tasks: no spans, no texts
    assert answers._peek("texts") is None and answers._peek("spans") is None
    assert len(answers._peek(("fetched", "span"))) < len(oracle.spans) / 2
    assert page[10:15] == oracle.task_list()[10:15]
    assert len(page) == len(oracle.tasks)
    assert targets[0:2] == answers.targets(metric="停车")[:2] and hits[0:4] == answers.search("城市")[:4]


# --- the answers are those of the tables ------------------------------------------------------


def test_department_tasks_equal_the_table_based_answers(oxigraph, oracle):
    answers = Answers(oxigraph)
    departments = [d["id"] for d in answers.departments()]
    assert len(departments) > 50
    compared = 0
    for dept_id in departments:
        for role in ROLES:
            want = oracle.department_tasks(dept_id, role)
            fresh = Answers(oxigraph).department_tasks_page(dept_id, role, 2, 3)  # a page, before the whole
            assert len(fresh) == len(want) and fresh[2:5] == want[2:5], (dept_id, role)
            assert answers.department_tasks(dept_id, role) == want, (dept_id, role)
            compared += len(want)
        assert answers.partners(dept_id) == oracle.partners(dept_id), dept_id
    assert compared > 500


def test_department_answers_equal_the_tables_on_the_rdflib_store(documents):
    store = make_store("memory", documents)
    oracle = Tables(store)
    answers = Answers(store)
    for dept_id in ("zj-housing", "zj-drc", "local-governments"):
        for role in ("lead", "any"):
            assert answers.department_tasks(dept_id, role) == oracle.department_tasks(dept_id, role)
        assert answers.partners(dept_id) == oracle.partners(dept_id)
    some = list(oracle.tasks.values())[::40]
    for task in some:
        got = answers.task(task["id"])
        assert {k: got[k] for k in oracle.task(task["id"])} == oracle.task(task["id"])


def test_tasks_and_sources_equal_the_tables(oxigraph, oracle):
    answers = Answers(oxigraph)
    assert answers.tasks() == oracle.task_list()
    doc = next(iter(oracle.texts))
    assert answers.tasks(document=doc) == oracle.task_list(doc)
    for task in list(oracle.tasks.values())[::7]:
        got = answers.task(task["id"])
        want = oracle.task(task["id"])
        assert {k: got[k] for k in want} == want, task["id"]
        assert all(t["task"]["id"] == task["id"] for t in got["targets"])
    everything = answers.sources(oracle.spans)
    assert everything == {span: oracle.source(span) for span in oracle.spans}
    assert answers.source("https://w3id.org/fengong/id/doc/none/span/0-1") is None
    assert answers.task("2023-nothing-t1") is None


def test_a_write_starts_a_new_generation(documents):
    store = make_store("oxigraph", documents[:2])
    answers = Answers(store)
    before = answers.department_tasks("zj-housing", "lead")
    store.add_documents(documents[2:])
    after = answers.department_tasks("zj-housing", "lead")
    assert after == Tables(store).department_tasks("zj-housing", "lead")
    assert len(after) > len(before)
    assert answers.resolve_department("zj-housing")["counts"]["lead"] == len(after)


def test_the_text_cache_is_bounded(oxigraph, oracle, monkeypatch):
    import fengong.queries

    monkeypatch.setattr(fengong.queries, "TEXT_LIMIT", 1)
    answers = Answers(oxigraph)
    assert answers.department_tasks("zj-housing", "any") == oracle.department_tasks("zj-housing", "any")
    assert len(answers._peek(("fetched", "text"))) == 1


# --- the VALUES blocks --------------------------------------------------------------------------


def test_values_blocks_cannot_be_broken_out_of(oxigraph):
    hostile = [Literal('x" } ?s ?p ?o { "'), Literal("x\n}\x00 UNION { ?s ?p ?o }", lang="zh")]
    block = values_rows("span", [URIRef("https://x/a> } ?s ?p ?o . { ?s ?p <https://x/b"), *hostile])
    assert "\\u003E" in block and '\\"' in block and "\\u0000" in block  # written by the N-Triples rules
    result = oxigraph.query(with_values(QUERIES["spans"].sparql, "span", hostile))
    assert result.rows == []  # the block ran as data: no rows, no error, nothing else matched
    # a string that is no IRI is not looked up at all (no store holds it)
    answers = Answers(oxigraph)
    assert answers.source("https://x/a> } ?s ?p ?o . { ?s ?p <https://x/b") is None
    assert answers.sources(["_:b0", "no iri", "https://x/{}"]) == {"_:b0": None, "no iri": None, "https://x/{}": None}


def test_a_page_holds_only_its_items():
    page = Page(250, 100, list(range(100, 200)))
    assert len(page) == 250 and page[100:200] == list(range(100, 200)) and page[300:400] == []
    with pytest.raises(IndexError):
        page[0:100]


# --- spans read from their IRIs ---------------------------------------------------------------


def test_offsets_read_from_span_iris_equal_their_selectors(oxigraph):
    """Answers read a span fengong minted ({doc}/span/{start}-{end}) from its IRI, without
    the four look-ups of its selector: the two must agree for every span in the store."""
    from fengong.queries import _minted_span

    rows = run(oxigraph, "spans").dicts()
    assert len(rows) > 1000
    for row in rows:
        parsed = _minted_span(str(row["span"]), oxigraph.base)
        assert parsed is not None, row["span"]
        assert parsed[:3] == (str(row["doc"]), int(str(row["start"])), int(str(row["end"])))
        assert parsed[3] == row["doc"]


@pytest.mark.parametrize("iri", [
    "https://example.org/doc/x/span/1-2",  # another base
    "https://w3id.org/fengong/id/doc/a/b/span/1-2",  # a slash in the id segment
    "https://w3id.org/fengong/id/doc/a%2fb/span/1-2",  # not the spelling fengong writes (%2F)
    "https://w3id.org/fengong/id/doc/x/span/5-2",  # end before start
    "https://w3id.org/fengong/id/doc/x/span/01-2",  # not a canonical number
    "https://w3id.org/fengong/id/doc/x/span/1-2/position",
])
def test_other_span_iris_are_read_from_the_graph(iri):
    from fengong.queries import _minted_span

    assert _minted_span(iri, "https://w3id.org/fengong/id/") is None


def test_a_span_the_builder_did_not_mint_is_read_from_its_selector(oxigraph):
    """A span with another IRI (data loaded from elsewhere) still has its source."""
    from fengong.store import ntriples

    span = "https://example.org/elsewhere/span-7"
    doc = run(oxigraph, "documents").dicts()[0]
    store = open_store("oxigraph")
    oa = "http://www.w3.org/ns/oa#"
    lines = [
        f"{ntriples.iri(span)} <{oa}hasSource> {ntriples.iri(str(doc['doc']))} .",
        f"{ntriples.iri(span)} <{oa}hasSelector> <{span}/p> .",
        f"<{span}/p> <{oa}start> \"3\"^^<http://www.w3.org/2001/XMLSchema#integer> .",
        f"<{span}/p> <{oa}end> \"9\"^^<http://www.w3.org/2001/XMLSchema#integer> .",
        f"{ntriples.iri(str(doc['doc']))} <https://w3id.org/fengong/ns#id> {ntriples.literal(str(doc['id']))} .",
        f"{ntriples.iri(str(doc['doc']))} <https://w3id.org/fengong/ns#text> \"0123456789abc\" .",
        f"{ntriples.iri(str(doc['doc']))} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
        "<https://w3id.org/fengong/ns#WorkPlan> .",
    ]
    store.load_nquads(("\n".join(line[:-2] + " <https://example.org/g> ." for line in lines) + "\n").encode())
    source = Answers(store).source(span)
    assert source["start"] == 3 and source["end"] == 9 and source["text"] == "345678"


# --- search: one pass over the texts, types looked up for the hits ---------------------------

#: The search as it was written first (the types joined before the filter): what a hit is.
TYPED_SEARCH = QUERIES["search"].sparql.split("SELECT")[0] + """
SELECT ?kind ?subject ?text WHERE {
  { ?subject a fg:Task ; dct:title ?text . BIND("task" AS ?kind) }
  UNION { ?subject a fg:Clause ; fg:text ?text . BIND("clause" AS ?kind) }
  UNION { ?subject a fg:Target ; fg:surface ?text . BIND("target" AS ?kind) }
  FILTER(CONTAINS(LCASE(STR(?text)), LCASE(STR(?q))))
}
"""


@pytest.mark.parametrize("kind", ["oxigraph", "memory"])
def test_search_finds_what_the_typed_query_finds(kind, documents, oxigraph):
    store = oxigraph if kind == "oxigraph" else make_store("memory", documents)
    answers = Answers(store)
    tasks = {t["id"]: t for t in answers.tasks()}
    searched = 0
    for q in ("城市", "停车位", "绿地", "杭州", "LED", "led", "%", "火星殖民", "推进"):
        want = {(str(r["kind"]), str(r["text"])) for r in store.select(TYPED_SEARCH, {"q": Literal(q)})}
        hits = answers.search(q)
        assert {(h["kind"], h["text"]) for h in hits} == want, q
        assert len(hits) >= len(want)  # one hit per subject; texts may repeat across subjects
        for hit in hits:
            assert hit["task"] is None or hit["task"]["id"] in tasks
            assert hit["kind"] == "target" or hit["source"]["text"], (q, hit)
        assert answers.search(q, sources=False) == [{k: v for k, v in h.items() if k != "source"} for h in hits]
        searched += len(hits)
    assert searched > 100


def test_task_briefs_are_the_tasks_in_short(oxigraph, oracle):
    answers = Answers(oxigraph)
    ids = [t["id"] for t in list(oracle.tasks.values())[::7]]
    briefs = Answers(oxigraph).task_briefs([*ids, "no-such-task", ids[0]])
    assert list(briefs) == ids
    for task_id in ids:
        task = answers.task(task_id)
        brief = briefs[task_id]
        assert {k: brief[k] for k in ("id", "document", "number", "label", "title", "section")} == \
            {k: task[k] for k in ("id", "document", "number", "label", "title", "section")}
        by_role = {role: list({a["department"]["id"]: a["department"] for a in task["assignments"][role]}.values())
                   for role in ROLE_NAMES if task["assignments"][role]}
        assert brief["departments"] == by_role, task_id


def test_the_search_page_reads_its_hits_not_the_store(oxigraph):
    from fastapi.testclient import TestClient

    from fengong.api.app import close, create_app
    from fengong.api.settings import Settings

    app = create_app(Settings(), oxigraph)
    try:
        with TestClient(app) as client:
            app.state.answers.warm()  # the listing tables a server computes at start
            calls = recording(oxigraph)
            try:
                html = client.get("/search-page", params={"q": "推进"}).text
            finally:
                del oxigraph.query
    finally:
        close(app)
    hits = Answers(oxigraph).search("推进")
    tasks = {h["task"]["id"] for h in hits if h["kind"] != "target" and h["task"]}
    targets = [h for h in hits if h["kind"] == "target"]
    assert len(tasks) > 100  # more than a page lists
    assert f"任务 {len(tasks)} 项,目标指标 {len(targets)} 个" in html
    assert "下面列出前 100 项任务" in html and html.count('<span class="fg-item-title">') == 100
    # no table of every task, clause, span or text: each query is bound to the hits (the
    # names of the regions are a table as large as the regions)
    unbound = [sparql for sparql, bindings in calls if not bindings and "VALUES" not in sparql]
    assert calls and unbound in ([], [QUERIES["region_labels"].sparql])


def test_a_page_of_all_targets_reads_that_page_only(oxigraph):
    calls = recording(oxigraph)
    try:
        answers = Answers(oxigraph)
        pages = [answers.targets_page(None, None, None, None, offset, 7) for offset in (0, 7, 40)]
    finally:
        del oxigraph.query
    assert whole_store(calls) == []  # the order from the spans' IRIs, then 7 targets at a time
    everything = Answers(oxigraph).all_targets()
    assert len(everything) > 50
    for page, offset in zip(pages, (0, 7, 40)):
        assert len(page) == len(everything) and page[offset:offset + 7] == everything[offset:offset + 7]


def test_a_page_of_a_regions_tasks_reads_that_page_only(oxigraph):
    regions = [r["id"] for r in Answers(oxigraph).regions()]
    assert len(regions) >= 3
    compared = 0
    for region_id in regions:
        whole = Answers(oxigraph).region_tasks(region_id)
        for offset in (0, 3, max(0, len(whole) - 2)):
            answers = Answers(oxigraph)
            page = answers.region_tasks_page(region_id, offset, 3)
            assert len(page) == len(whole) and page[offset:offset + 3] == whole[offset:offset + 3], region_id
            # only the page's tasks were read in full
            assert len(answers._peek(("fetched", "task")) or {}) <= 3
            compared += len(page[offset:offset + 3])
    assert compared > 20
