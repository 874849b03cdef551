"""``fengong check FILE``: what an analyst should review before trusting the extraction."""

from __future__ import annotations

import json
import sys

from .common import load_documents

_TITLES = {
    "unregistered_unit": "Units not in the registry (kept, typed by pattern)",
    "no_attribution": "Clauses or items with no responsible unit",
    "suspicious_parenthesis": "Parentheses that look like attributions but were not read as one",
    "official_not_a_unit": "People named as in charge (责任领导): kept in the attribution's text, not as units",
}


def add_parser(sub):
    p = sub.add_parser("check", help="report unregistered units, unattributed items and doubtful parentheses",
                       description="Report, with line and column, every unit not in the registry, every clause "
                                   "without a responsible unit and every parenthesis the extractor was unsure of.")
    p.add_argument("file", nargs="?", help="document; default: the bundled sample")
    p.add_argument("--json", action="store_true", help="print the warnings as JSON")
    p.add_argument("--strict", action="store_true", help="exit with status 1 when there is anything to review")
    return p


def run(args) -> int:
    (doc,) = load_documents([args.file] if args.file else [])
    name = args.file or "(bundled sample)"
    if args.json:
        print(json.dumps([w.__dict__ for w in doc.warnings], ensure_ascii=False, indent=2))
    else:
        n_clauses = sum(1 for _, c in doc.clauses() if c.attribution is not None)
        n_asg = sum(len(c.assignments) for _, c in doc.clauses())
        print(f"{name}: {len(doc.items)} items, {n_clauses} attribution clauses, {n_asg} assignments, "
              f"{len(doc.warnings)} warnings")
        by_code: dict[str, list] = {}
        for w in doc.warnings:
            by_code.setdefault(w.code, []).append(w)
        for code, warnings in by_code.items():
            print(f"\n{_TITLES.get(code, code)}:")
            for w in warnings:
                where = f"{w.line}:{w.column}" if w.line else "-"
                print(f"  {name}:{where}: {w.message}")
    if args.strict and doc.warnings:
        return 1
    sys.stdout.flush()
    return 0
