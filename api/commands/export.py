"""``fengong export matrix|targets``: the responsibility matrix or the targets as a workbook or CSV."""

from __future__ import annotations

import sys
from pathlib import Path

from .analyze import add_source_arguments, documents_of, open_source


def add_parser(sub):
    p = sub.add_parser("export", help="write the responsibility matrix (任务分工表) or the targets as .xlsx or .csv",
                       description="Write the task × department responsibility matrix (cells 牵头 / 负责 / 配合 / 落实) "
                                   "or every target with its task, units, value, unit, comparator, scope and period, "
                                   "as an Excel workbook or a CSV file (UTF-8 with BOM, for Excel and WPS).")
    p.add_argument("what", choices=("matrix", "targets"), help="what to export")
    add_source_arguments(p)
    p.add_argument("--format", choices=("xlsx", "csv"), help="file format (default: from --out, else xlsx)")
    p.add_argument("-o", "--out", metavar="FILE", help="file to write; '-' or none: standard output (csv only)")
    return p


def run(args) -> int:
    from fengong.analysis import UnknownDocument
    from fengong.api.cli import UsageError
    from fengong.exports import export

    fmt = args.format
    if fmt is None:
        suffix = Path(args.out).suffix.lower().lstrip(".") if args.out and args.out != "-" else ""
        fmt = suffix if suffix in ("xlsx", "csv") else "xlsx"
    to_stdout = not args.out or args.out == "-"
    if to_stdout and fmt == "xlsx" and sys.stdout.isatty():
        raise UsageError("a workbook is binary: give --out FILE (or --format csv)")
    try:
        with open_source(args.files, args.data) as store:
            data = export(args.what, fmt, store, documents_of(store, args.document, args.year))
    except UnknownDocument as exc:
        raise UsageError(str(exc)) from None
    if to_stdout:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        Path(args.out).write_bytes(data)
        print(f"wrote {args.out} ({fmt}, {len(data)} bytes)", file=sys.stderr)
    return 0
