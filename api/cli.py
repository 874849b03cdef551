"""The ``fengong`` command line.

Each sub-command lives in its own module under :mod:`fengong.api.commands` with
``add_parser(subparsers)`` and ``run(args) -> int``. Bad input ends with one line on
stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from fengong.reading import ReadError

COMMANDS = ["extract", "build", "check", "serve", "viz", "ingest", "remove", "dump", "load", "analyze",
            "export", "diff"]


class UsageError(Exception):
    """A user error the command reports in one line (exit code 2)."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fengong",
        description="fengong (分工): who is responsible for what in Chinese government work plans.",
    )
    parser.add_argument("--version", action="version", version=f"fengong {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"fengong.api.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"fengong.api.commands.{name}":
                continue  # a command not built yet
            raise
        p = module.add_parser(sub)
        p.set_defaults(_run=module.run)
    return parser


def _version() -> str:
    from fengong import __version__

    return __version__


def main(argv: list[str] | None = None) -> int:
    from fengong.extract import ExtractionError

    args = _parser().parse_args(argv)
    try:
        return int(args._run(args) or 0)
    except (ReadError, ExtractionError, UsageError) as exc:
        print(f"fengong {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"fengong {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    # Run through the importable module so that sub-commands raising
    # fengong.api.cli.UsageError meet the same class this main() catches.
    from fengong.api.cli import main as _main

    sys.exit(_main())
