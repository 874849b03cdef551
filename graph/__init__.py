"""fengong: who is responsible for what in Chinese government work plans.

The library reads a work-plan document, extracts tasks, clauses, assignments, targets and
regions with their source spans, and builds an RDF knowledge graph from them.
"""

__version__ = "0.1.0"
