"""Which documents an answer covers: one document, a span of years, or all of them.

"省建设厅 these three years: what did it lead?" is a department's lead tasks within the
years 2021–2023. A document's year is the one its id carries (``2023-044de8f5``:
:func:`fengong.metadata.document_id` takes it from the 发文字号, else the issue date, the
title or the publication date); a document whose id has no year (``doc-…``) is in no
span of years.

>>> scope = Scope.parse(year="2021-2023")
>>> scope.covers("2022-0a1b2c3d"), scope.covers("2024-0a1b2c3d"), scope.covers("doc-0a1b2c3d")
(True, False, False)
>>> Scope.parse().everything
True
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Scope", "document_year", "whole_graph_scope", "MANY_DOCUMENTS"]

#: Above this many documents, a whole-graph answer (a network view, an analysis, an
#: export) asked for without a year or a document covers the latest year: over every
#: document of a thousand it takes minutes and is too dense to read. ``year=all`` asks
#: for every document.
MANY_DOCUMENTS = 50

_YEAR_ID = re.compile(r"((?:19|20)[0-9]{2})-")
_YEARS = re.compile(r"\s*((?:19|20)[0-9]{2})\s*(?:[-–~至]\s*((?:19|20)[0-9]{2})\s*)?")


def document_year(doc_id: str) -> int | None:
    """The year a document id carries, or None.

    >>> document_year("2023-044de8f5"), document_year("doc-044de8f5")
    (2023, None)
    """
    found = _YEAR_ID.match(doc_id)
    return int(found.group(1)) if found else None


@dataclass(frozen=True)
class Scope:
    """One document (``document``), documents of the years ``first_year``–``last_year``,
    both, or every document (the default)."""

    document: str | None = None
    first_year: int | None = None
    last_year: int | None = None

    @classmethod
    def parse(cls, document: str | None = None, year: str | None = None) -> "Scope":
        """From the query parameters ``document`` and ``year`` (``2023`` or ``2021-2023``).
        Raises ValueError with a message for the client.

        >>> Scope.parse(year="2023")
        Scope(document=None, first_year=2023, last_year=2023)
        >>> Scope.parse(year="2023-2021")
        Traceback (most recent call last):
        ValueError: the year range 2023-2021 ends before it starts
        """
        first = last = None
        if year is not None and year != "":
            found = _YEARS.fullmatch(year)
            if found is None:
                raise ValueError(f"year must be like 2023 or 2021-2023, not {year!r}")
            first = int(found.group(1))
            last = int(found.group(2) or first)
            if last < first:
                raise ValueError(f"the year range {first}-{last} ends before it starts")
        return cls(document or None, first, last)

    @property
    def everything(self) -> bool:
        return self.document is None and self.first_year is None

    def covers(self, doc_id: str | None) -> bool:
        """Whether the document with this id is in the scope."""
        if self.everything:
            return True
        if doc_id is None or (self.document is not None and doc_id != self.document):
            return False
        if self.first_year is None:
            return True
        year = document_year(doc_id)
        return year is not None and self.first_year <= year <= self.last_year

    def params(self) -> list[tuple[str, str]]:
        """The query parameters that ask for this scope (for links)."""
        out = []
        if self.document is not None:
            out.append(("document", self.document))
        if self.first_year is not None:
            years = str(self.first_year) if self.first_year == self.last_year else f"{self.first_year}-{self.last_year}"
            out.append(("year", years))
        return out


def whole_graph_scope(ids: Sequence[str], year: str | None = None, document: str | None = None,
                      many: int = MANY_DOCUMENTS) -> Scope:
    """The scope of a whole-graph answer over the documents ``ids``, asked with ``year``
    (``2023``, ``2021-2023`` or ``all``) and ``document``: with neither, every document,
    or the latest year's when there are more than ``many``. Raises ValueError as
    :meth:`Scope.parse` does.

    >>> ids = ["2022-aa", "2023-bb", "2023-cc"]
    >>> whole_graph_scope(ids), whole_graph_scope(ids, many=2)
    (Scope(document=None, first_year=None, last_year=None), Scope(document=None, first_year=2023, last_year=2023))
    >>> whole_graph_scope(ids, "all", many=2).everything
    True
    """
    if year == "all":
        return Scope.parse(document)
    if year is None and document is None and len(ids) > many:
        years = sorted({y for y in map(document_year, ids) if y is not None})
        if years:
            return Scope(first_year=years[-1], last_year=years[-1])
    return Scope.parse(document, year)
