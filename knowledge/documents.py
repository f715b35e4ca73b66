"""The knowledge value types: a ``Document`` read from a knowledge folder, and its ``Chunk`` s."""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

__all__ = ["KINDS", "Chunk", "Document"]

#: The document kinds of FORMATS §3.
KINDS = ("product", "promotion", "procedure", "faq", "policy")


@dataclass(slots=True)
class Document:
    """One knowledge document: a Markdown/text/HTML/PDF file, or one record of a CSV/JSON file.

    ``text`` keeps Markdown-style ``#`` heading lines (HTML headings are converted to them); PDF pages
    are plain text. ``source`` is the path relative to the knowledge folder, plus ``#<record id or
    row>`` for CSV/JSON records. ``meta`` keeps front-matter fields and columns the format does not
    define.
    """

    id: str
    title: str
    text: str
    kind: str = "faq"
    source: str = ""
    format: str = "md"
    valid_from: datetime.date | None = None
    valid_to: datetime.date | None = None
    tags: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    def content_hash(self) -> str:
        """sha256 (hex) of what retrieval sees; an unchanged hash means the document need not be re-embedded.

        ``source``, ``format`` and ``meta`` are left out: moving a file or adding a note field does not
        change what is searched (CSV/JSON extra columns are already part of ``text``).
        """
        payload = [
            self.id,
            self.title,
            self.kind,
            self.text,
            self.valid_from.isoformat() if self.valid_from else None,
            self.valid_to.isoformat() if self.valid_to else None,
            list(self.tags),
        ]
        encoded = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return hashlib.sha256(encoded).hexdigest()

    def valid_on(self, day: datetime.date) -> bool:
        """Whether ``day`` lies in the validity window; both ends are inclusive, a missing end is open."""
        if self.valid_from is not None and day < self.valid_from:
            return False
        return self.valid_to is None or day <= self.valid_to


@dataclass(slots=True)
class Chunk:
    """A passage of a document, the unit that is embedded and returned by search.

    ``section`` is the heading path inside the document (``["Roaming Pass", "How to add it"]``); the
    document's own title is not part of it.
    """

    doc_id: str
    ordinal: int
    text: str
    section: list[str] = field(default_factory=list)

    def heading(self, title: str) -> str:
        """``"Title › Section › Sub"`` for display; empty parts are left out."""
        return " › ".join(part for part in (title.strip(), *self.section) if part)
