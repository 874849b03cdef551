"""All analyses of a graph in one JSON-ready dict: what the API and ``fengong analyze`` answer."""

from __future__ import annotations

from collections.abc import Iterable

from .coordination import centrality, communities, coordination_network, strongest_pairs
from .facts import Facts, GraphSource, read_facts
from .structure import structure_warnings
from .workload import department_workload

__all__ = ["REPORT_PARTS", "analysis_report"]

REPORT_PARTS = ("all", "workload", "coordination", "warnings")


def analysis_report(
    source: GraphSource | Facts, what: str = "all", document: str | Iterable[str] | None = None, top: int = 10
) -> dict:
    """Workload, coordination (``top`` strongest pairs, centrality, communities) and
    structure warnings, or one of them (``what``), as plain data, from the graph or from
    facts already read.

    >>> report = analysis_report(store, "coordination", top=1)  # doctest: +SKIP
    >>> report["pairs"][0]["weight"]  # doctest: +SKIP
    4
    """
    if what not in REPORT_PARTS:
        raise ValueError(f"what must be one of {', '.join(REPORT_PARTS)}")
    facts = source if isinstance(source, Facts) else read_facts(source, document)
    out: dict = {"documents": [d.id for d in facts.documents]}
    if what in ("all", "workload"):
        out["workload"] = [w.to_dict() for w in department_workload(facts)]
    if what in ("all", "coordination"):
        network = coordination_network(facts)
        out["pairs"] = [p.to_dict() for p in strongest_pairs(network, top)]
        out["centrality"] = [c.to_dict() for c in centrality(network)]
        out["communities"] = [
            [{"id": d, "label": network.nodes[d]["label"]} for d in group] for group in communities(network)
        ]
    if what in ("all", "warnings"):
        out["warnings"] = [w.to_dict() for w in structure_warnings(facts)]
    return out
