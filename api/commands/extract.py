"""``fengong extract FILE``: print the document model as JSON."""

from __future__ import annotations

from .common import load_documents, write_json


def add_parser(sub):
    p = sub.add_parser("extract", help="print the document model of FILE as JSON",
                       description="Extract tasks, clauses, assignments, targets and regions from a work plan "
                                   "and print the document model (JSON; schema: fengong/ontology/document.schema.json).")
    p.add_argument("file", nargs="?", help="document (.txt in UTF-8 or GB18030, .html, .docx, .xlsx, .pdf, .doc/.wps/.xls through LibreOffice); "
                                           "default: the bundled sample")
    p.add_argument("-o", "--out", help="write to this file instead of standard output")
    p.add_argument("--no-text", action="store_true", help="leave the stored text out of the output")
    return p


def run(args) -> int:
    (doc,) = load_documents([args.file] if args.file else [])
    data = doc.to_dict()
    if args.no_text:
        data.pop("text")
    write_json(data, args.out)
    return 0
