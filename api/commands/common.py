"""Helpers shared by the sub-commands."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from fengong.model import Document


def load_documents(files: list[str]) -> list[Document]:
    """Extract each file; with no files, the bundled sample document."""
    from fengong.extract import extract_file, extract_sample

    if not files:
        return [extract_sample()]
    return [extract_file(f) for f in files]


def write_json(data, out: str | None) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if out and out != "-":
        Path(out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
