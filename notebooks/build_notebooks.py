"""Write the notebooks of this folder from their cells, then execute them in place.

The notebooks are committed with their outputs so that a reader sees the results on
opening them; after changing a cell here, run ``python notebooks/build_notebooks.py`` to
write and execute them again (tests/test_notebooks.py executes them in CI).
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

EXPLORING = [
    new_markdown_cell("""# Exploring the sample work plan

The bundled sample is 《2023年浙江省新型城镇化和城乡融合发展工作要点》 (浙发改城镇函〔2023〕388号).
This notebook reads it into a knowledge graph and asks it questions, first in Python and then in SPARQL —
the graph is the single source of truth, so both ways give the same answers."""),
    new_code_cell("""from fengong.extract import extract_sample
from fengong.store import open_store

document = extract_sample()
store = open_store("memory")  # rdflib in memory; "oxigraph" is the persistent store
store.add_documents([document])
print(document.document.title, document.document.doc_number, document.id)
print(len(document.sections), "sections,", len(document.items), "tasks,", len(document.clauses()), "clauses")"""),
    new_markdown_cell("""## What is in the graph?

Every fact is a triple. Counting assignments by role is one SPARQL query (`prov:hadRole` points to a
concept of the `fg:Roles` scheme)."""),
    new_code_cell("""PREFIXES = '''
PREFIX fg: <https://w3id.org/fengong/ns#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX eli: <http://data.europa.eu/eli/ontology#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
'''

rows = store.select(PREFIXES + '''
SELECT ?label (COUNT(?assignment) AS ?n) WHERE {
    ?assignment a fg:Assignment ; prov:hadRole ?role .
    ?role skos:prefLabel ?label FILTER (lang(?label) = "zh")
} GROUP BY ?label ORDER BY DESC(?n)''')
for row in rows:
    print(f"{row['label']}\\t{row['n']}")"""),
    new_markdown_cell("""## 省建设厅牵头哪些任务? — in SPARQL

User input never goes into the query text: the department is passed as a *binding*."""),
    new_code_cell("""from fengong.rdf import department_iri
from fengong.registry import DepartmentRegistry

housing = DepartmentRegistry.default().resolve("省建设厅")   # aliases resolve: 省住建厅, 浙江省住房和城乡建设厅 …
LEADS = PREFIXES + '''
SELECT DISTINCT ?ordinal ?label ?title WHERE {
    ?dept fg:leads ?task .
    ?task fg:ordinal ?ordinal ; eli:number ?label ; dct:title ?title .
} ORDER BY ?ordinal'''
for row in store.select(LEADS, {"dept": department_iri(housing.id)}):
    print(row["label"], row["title"])"""),
    new_markdown_cell("""## … and in Python

`fengong.analysis.read_facts` reads the same triples once into small records; the responsibility matrix is
the table analysts exchange (任务分工表)."""),
    new_code_cell("""from fengong.analysis import read_facts, responsibility_matrix

facts = read_facts(store)
matrix = responsibility_matrix(facts)
led = [row.task for row in matrix.rows if "牵头" in row.cell(housing.id)]
print([f"{t.label}{t.title}" for t in led])
print(len(led), "tasks led by", housing.short)"""),
    new_code_cell("""from IPython.display import Markdown

table = matrix.table()
columns = [2, 4] + list(range(5, 12))  # 序号, 任务, the six busiest departments
lines = ["| " + " | ".join(table[0][c] for c in columns) + " |", "|" + "---|" * len(columns)]
lines += ["| " + " | ".join(row[c] for c in columns) + " |" for row in table[1:13]]
Markdown("\\n".join(lines))"""),
    new_markdown_cell("""## Which tasks do 省发展改革委 and 杭州市 share, and in which role?"""),
    new_code_cell("""SHARED = PREFIXES + '''
SELECT ?label ?title ?roleA ?roleB WHERE {
    ?a ?roleA ?task . ?b ?roleB ?task .
    VALUES ?roleA { fg:leads fg:supports fg:coResponsibleFor }
    VALUES ?roleB { fg:leads fg:supports fg:coResponsibleFor }
    ?task eli:number ?label ; dct:title ?title ; fg:ordinal ?n .
} ORDER BY ?n'''
registry = DepartmentRegistry.default()
bindings = {"a": department_iri(registry.resolve("省发展改革委").id), "b": department_iri(registry.resolve("杭州市").id)}
for row in store.select(SHARED, bindings):
    print(row["label"], row["title"], row["roleA"].split("#")[1], row["roleB"].split("#")[1])"""),
    new_markdown_cell("""## Targets: 停车位的目标是多少?

Targets carry the value as `xsd:decimal`, the unit as written and an ODRL comparator; the search word is a
binding too."""),
    new_code_cell("""from rdflib import Literal

TARGETS = PREFIXES + '''
SELECT ?label ?surface ?value ?unit ?comparator WHERE {
    ?task fg:hasTarget ?target ; eli:number ?label .
    ?target fg:metric ?metric ; fg:surface ?surface ; rdf:value ?value ; fg:unitText ?unit ; fg:comparator ?comparator .
    FILTER (CONTAINS(STR(?metric), STR(?word)))
}'''
for row in store.select(TARGETS, {"word": Literal("停车位")}):
    print(row["label"], row["surface"], row["value"], row["unit"], row["comparator"].split("/")[-1])"""),
    new_markdown_cell("""## Every fact keeps where it was read

Each assignment is `prov:wasDerivedFrom` a span of the text: a W3C Web Annotation resource whose position
selector holds character offsets into the document's stored text (`fg:text`). SPARQL cuts the quote out of it."""),
    new_code_cell("""SPANS = PREFIXES + '''
SELECT ?label ?exact ?start ?end WHERE {
    ?clause prov:qualifiedAssociation ?assignment .
    ?task fg:clause ?clause ; eli:number ?label ; fg:ordinal ?n .
    ?assignment prov:agent ?dept ; prov:hadRole fg:Lead ; prov:wasDerivedFrom ?span .
    ?span oa:hasSource ?doc ; oa:hasSelector ?position .
    ?position oa:start ?start ; oa:end ?end .
    ?doc fg:text ?text .
    BIND (SUBSTR(?text, ?start + 1, ?end - ?start) AS ?exact)
} ORDER BY ?n ?start'''
for row in store.select(SPANS, {"dept": department_iri(housing.id)})[:5]:
    start, end = int(row["start"]), int(row["end"])
    assert document.text[start:end] == str(row["exact"])
    print(row["label"], f"[{start}:{end}]", document.text[max(0, start - 12):end + 3].replace("\\n", " "))"""),
]

COORDINATION = [
    new_markdown_cell("""# Coordination analysis

Who carries the most in the sample plan, which departments must coordinate most often, who bridges otherwise
separate groups — computed with networkx from the graph, and each figure can be recounted by hand from the
responsibility matrix."""),
    new_code_cell("""import matplotlib
import matplotlib.pyplot as plt
import networkx as nx

from fengong.analysis import (centrality, communities, coordination_network, department_workload, read_facts,
                              strongest_pairs, structure_warnings)
from fengong.extract import extract_sample
from fengong.store import open_store

# Chinese labels need a CJK font (fonts-noto-cjk); without it they render as boxes.
plt.rcParams["font.family"] = ["Noto Sans CJK SC", "sans-serif"]
plt.rcParams["axes.unicode_minus"] = False

store = open_store("memory")
store.add_documents([extract_sample()])
facts = read_facts(store)"""),
    new_markdown_cell("""## Workload per department

Tasks led (牵头), co-owned (负责) and supported (配合); `tasks` counts each task once however many roles the
department has in it. Implementers named by the general rule (各市、县(市、区)人民政府落实) sit on every task
and are left out of the chart."""),
    new_code_cell("""loads = [w for w in department_workload(facts) if w.tasks > 0]
print(f"{'department':<14}{'tasks':>6}{'lead':>6}{'co-resp.':>9}{'support':>8}{'targets':>8}")
for w in loads[:12]:
    print(f"{w.label:<14}{w.tasks:>6}{w.lead:>6}{w.co_responsible:>9}{w.support:>8}{w.targets:>8}")"""),
    new_code_cell("""top = loads[:15][::-1]
fig, ax = plt.subplots(figsize=(9, 6.5))
labels = [w.label for w in top]
lead = [w.lead for w in top]
co = [w.co_responsible for w in top]
support = [w.support for w in top]
ax.barh(labels, lead, color="#c0504d", label="牵头 lead")
ax.barh(labels, co, left=lead, color="#9bbb59", label="负责 co-responsible")
ax.barh(labels, support, left=[a + b for a, b in zip(lead, co)], color="#4f81bd", label="配合 support")
ax.set_xlabel("任务数 (a department with two roles in one task is counted in both)")
ax.set_title("各单位承担任务数 — 2023年浙江省新型城镇化和城乡融合发展工作要点")
ax.legend(loc="lower right")
fig.tight_layout()
fig.savefig("workload.png", dpi=110)
plt.show()"""),
    new_markdown_cell("""## Strongest pairs

Two departments coordinate on a task when both have an explicit role in it (one row of the matrix with both
cells filled)."""),
    new_code_cell("""C = coordination_network(facts)
for p in strongest_pairs(C, 8):
    tasks = " ".join(facts.task(t).label for t in p.tasks)
    print(f"{p.a_label} — {p.b_label}: {p.weight}  {tasks}")"""),
    new_markdown_cell("""## Centrality and communities

Betweenness is high for a department on many shortest paths between others: the bridge between groups.
Communities come from networkx's Louvain method with a fixed seed, so the grouping is the same on every run."""),
    new_code_cell("""for c in centrality(C)[:8]:
    print(f"{c.label:<12} degree {c.degree:>2}  weighted {c.weighted_degree:>2}  betweenness {c.betweenness:.3f}")
groups = communities(C)
for i, group in enumerate(groups, 1):
    print(i, "、".join(C.nodes[d]["label"] for d in group))"""),
    new_code_cell("""palette = ["#c0504d", "#4f81bd", "#9bbb59", "#8064a2", "#f79646", "#4bacc6", "#7f7f7f"]
colour = {d: palette[i % len(palette)] for i, g in enumerate(groups) for d in g}
pos = nx.spring_layout(C, weight="weight", seed=7, k=0.9)
fig, ax = plt.subplots(figsize=(11, 9))
strength = dict(C.degree(weight="weight"))
nx.draw_networkx_edges(C, pos, ax=ax, width=[0.6 + 1.2 * C.edges[e]["weight"] for e in C.edges],
                       edge_color="#999999", alpha=0.6)
nx.draw_networkx_nodes(C, pos, ax=ax, node_size=[120 + 45 * strength[n] for n in C.nodes],
                       node_color=[colour[n] for n in C.nodes], alpha=0.9)
nx.draw_networkx_labels(C, pos, ax=ax, labels={n: C.nodes[n]["label"] for n in C.nodes}, font_size=9,
                        font_family="Noto Sans CJK SC")
ax.set_title("协同网络:共同承担任务的单位(线宽 = 共同任务数,颜色 = 社区)")
ax.axis("off")
fig.tight_layout()
fig.savefig("coordination.png", dpi=100)
plt.show()"""),
    new_markdown_cell("""## Structure warnings

What a reader should look at twice: tasks without a lead, tasks split between several leads, departments that
only ever support, and targets nobody answers for."""),
    new_code_cell("""for w in structure_warnings(facts):
    print(f"[{w.code}] {w.message}")"""),
    new_markdown_cell("""## Recount by hand

The figures above are read from the same graph as the matrix; here the lead counts are recounted from the
exported CSV, as a person would do in Excel."""),
    new_code_cell("""import csv, io
from fengong.exports import matrix_csv

rows = list(csv.reader(io.StringIO(matrix_csv(store).decode("utf-8-sig"))))
header = rows[0]
for w in loads[:5]:
    column = header.index(w.label)
    by_hand = sum("牵头" in row[column] for row in rows[1:])
    print(w.label, "leads", w.lead, "— counted in the matrix:", by_hand)
    assert by_hand == w.lead"""),
]

API = [
    new_markdown_cell("""# Calling the API from another system

Another government system (督查督办, 绩效考核, a data-sharing platform) talks to fengong over HTTP. This
notebook starts `fengong serve` on a free loopback port, calls the REST API with plain `httpx` and the SPARQL
endpoint with `SPARQLWrapper`, and stops the server at the end."""),
    new_code_cell("""import socket
import subprocess
import sys
import time

import httpx

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

port = free_port()
BASE = f"http://127.0.0.1:{port}"
# With no --data, the server holds the bundled sample document.
server = subprocess.Popen([sys.executable, "-m", "fengong.api.cli", "serve", "--host", "127.0.0.1",
                           "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
deadline = time.monotonic() + 120
while True:
    try:
        if httpx.get(f"{BASE}/openapi.json", timeout=2).status_code == 200:
            break
    except httpx.TransportError:
        pass
    if server.poll() is not None or time.monotonic() > deadline:
        raise RuntimeError("the server did not start: " + server.stderr.read().decode()[-2000:])
    time.sleep(0.3)
print("serving on", BASE)"""),
    new_markdown_cell("""## REST: 省建设厅牵头哪些任务?

The department is named as people write it; aliases resolve (省住建厅 works too). Every task comes with its
clauses and their text."""),
    new_code_cell("""client = httpx.Client(base_url=BASE, timeout=30)
r = client.get("/api/v1/departments/省建设厅/tasks", params={"role": "lead"})
r.raise_for_status()
answer = r.json()
print(answer["department"]["name"], "—", answer["role"])
for task in answer["tasks"]:
    print(task["label"], task["title"])"""),
    new_code_cell("""r = client.get("/api/v1/departments/省住建厅/tasks", params={"role": "support"})
print([t["label"] + t["title"] for t in r.json()["tasks"]])
r = client.get("/api/v1/departments/省建设局")  # a wrong name: RFC 9457 problem details with suggestions
print(r.status_code, r.headers["content-type"])
print(r.json())"""),
    new_markdown_cell("""## Analyses and downloads"""),
    new_code_cell("""workload = client.get("/api/v1/analysis/workload").json()["workload"]
for w in workload[:5]:
    print(w["label"], "tasks", w["tasks"], "lead", w["lead"], "support", w["support"])
pairs = client.get("/api/v1/analysis/coordination", params={"top": 3}).json()["pairs"]
for p in pairs:
    print(p["a_label"], "—", p["b_label"], p["weight"])
r = client.get("/api/v1/exports/matrix.xlsx")
print(r.headers["content-type"])
print(r.headers["content-disposition"], len(r.content), "bytes")"""),
    new_markdown_cell("""## SPARQL with SPARQLWrapper

`/sparql` follows the SPARQL 1.1 Protocol, so any SPARQL client works. The endpoint is read-only and bounded
(time limit, row cap)."""),
    new_code_cell("""from SPARQLWrapper import JSON, SPARQLWrapper

sparql = SPARQLWrapper(f"{BASE}/sparql")
sparql.setReturnFormat(JSON)
sparql.setQuery('''
PREFIX fg: <https://w3id.org/fengong/ns#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?name (COUNT(DISTINCT ?task) AS ?led) WHERE {
    ?dept fg:leads ?task ; fg:shortName ?name .
} GROUP BY ?name ORDER BY DESC(?led) ?name LIMIT 5''')
result = sparql.queryAndConvert()
for b in result["results"]["bindings"]:
    print(b["name"]["value"], b["led"]["value"])"""),
    new_code_cell("""sparql.setQuery('''
PREFIX fg: <https://w3id.org/fengong/ns#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
SELECT ?surface ?value ?unit WHERE {
    ?target a fg:Target ; fg:surface ?surface ; rdf:value ?value ; fg:unitText ?unit .
    FILTER (CONTAINS(STR(?surface), "停车位"))
}''')
for b in sparql.queryAndConvert()["results"]["bindings"]:
    print(b["surface"]["value"], b["value"]["value"], b["unit"]["value"])"""),
    new_code_cell("""client.close()
server.terminate()
try:
    server.wait(timeout=20)
except subprocess.TimeoutExpired:
    server.kill()
    server.wait()
print("server stopped:", server.returncode is not None)"""),
]

NOTEBOOKS = {
    "01-exploring-the-sample.ipynb": EXPLORING,
    "02-coordination-analysis.ipynb": COORDINATION,
    "03-calling-the-api.ipynb": API,
}


def write(name: str, cells) -> Path:
    nb = new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    })
    path = HERE / name
    nbformat.write(nb, path)
    return path


def execute(path: Path, timeout: int = 600) -> None:
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(HERE)}}).execute()
    nbformat.write(nb, path)


if __name__ == "__main__":
    names = sys.argv[1:] or list(NOTEBOOKS)
    for name in names:
        path = write(name, NOTEBOOKS[name])
        execute(path)
        print("executed", path)
