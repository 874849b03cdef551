"""Analyses of the responsibility graph: workload, coordination, structure warnings, the
task × department matrix.

Plain functions in the networkx style; each reads the RDF graph (a
:class:`fengong.store.Store` or an rdflib Graph) with SPARQL through
:func:`fengong.analysis.facts.read_facts`, so every figure derives from the graph.

>>> from fengong.extract import extract_sample
>>> from fengong.store import open_store
>>> from fengong.analysis import department_workload
>>> store = open_store("memory"); _ = store.add_documents([extract_sample()])
>>> department_workload(store)[0].label
'省发展改革委'
"""

from .coordination import Centrality, Pair, centrality, communities, coordination_network, strongest_pairs
from .facts import EXPLICIT_ROLES, ROLE_LABELS, ROLE_ORDER, Facts, UnknownDocument, document_ids, read_facts
from .matrix import ResponsibilityMatrix, cell_text, responsibility_matrix
from .report import REPORT_PARTS, analysis_report
from .structure import WARNING_CODES, StructureWarning, structure_warnings
from .workload import Workload, busiest_departments, department_workload

__all__ = [
    "read_facts",
    "document_ids",
    "Facts",
    "UnknownDocument",
    "ROLE_ORDER",
    "ROLE_LABELS",
    "EXPLICIT_ROLES",
    "department_workload",
    "busiest_departments",
    "Workload",
    "coordination_network",
    "strongest_pairs",
    "centrality",
    "communities",
    "Pair",
    "Centrality",
    "structure_warnings",
    "StructureWarning",
    "WARNING_CODES",
    "responsibility_matrix",
    "ResponsibilityMatrix",
    "cell_text",
    "analysis_report",
    "REPORT_PARTS",
]
