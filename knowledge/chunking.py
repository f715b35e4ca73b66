"""Cutting documents into passages for embedding and search, along their headings.

A document is split at its Markdown headings; each heading line goes to the section path of the text
under it rather than into a chunk. A section that fits in ``max_words`` is one chunk. A longer one is
packed sentence by sentence, each chunk starting with the last ``overlap_sentences`` sentences of the
one before so that a fact cut at a boundary is still whole in one chunk. A chunk's text is a slice of
the document's own text, so its formatting (list lines, line breaks) is kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.documents import Chunk, Document
from knowledge.sentences import sentence_spans

__all__ = ["ChunkOptions", "chunk_document"]

_HEADING = re.compile(r"(#{1,6})[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$")
_FENCE = re.compile(r"[ \t]*(```|~~~)")
_WORD = re.compile(r"\S+")
_CONTENT = re.compile(r"\w")


@dataclass(slots=True)
class ChunkOptions:
    """How documents are chunked.

    - ``max_words``: the most words in a chunk (120 fits well within the 256 tokens
      all-MiniLM-L6-v2 embeds); a trailing piece of fewer than ``min_words`` merged into the chunk
      before it may go over by that much.
    - ``overlap_sentences``: sentences repeated at the start of the next chunk of a long section.
    - ``min_words``: a shorter last piece of a section is merged into the previous chunk of that section.
    """

    max_words: int = 120
    overlap_sentences: int = 1
    min_words: int = 8

    def __post_init__(self) -> None:
        if self.max_words < 1:
            raise ValueError(f"max_words must be at least 1, not {self.max_words}")
        if self.overlap_sentences < 0 or self.min_words < 0:
            raise ValueError("overlap_sentences and min_words must not be negative")


@dataclass(slots=True)
class _Section:
    path: list[str]
    start: int  # character range of the section's body in the document text
    end: int


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


def _sections(doc: Document) -> tuple[list[_Section], list[str]]:
    """The document's sections (body ranges with their heading paths) and all heading texts."""
    text = doc.text
    headings: list[tuple[int, int, int, str]] = []  # (line start, line end, level, text)
    in_fence = False
    pos = 0
    for line in text.splitlines(keepends=True):
        end = pos + len(line)
        if _FENCE.match(line):
            in_fence = not in_fence  # a '#' line inside a code block is not a heading
        elif not in_fence and (match := _HEADING.match(line.rstrip("\r\n"))):
            headings.append((pos, end, len(match.group(1)), match.group(2).strip()))
        pos = end
    # A heading that opens the document and is not outranked later stands for the title: it is not
    # part of any section path (FORMATS §3 takes the title from the first heading).
    title_heading = -1
    if headings and not text[: headings[0][0]].strip():
        level, name = headings[0][2], headings[0][3]
        if _norm(name) == _norm(doc.title) or all(h[2] > level for h in headings[1:]):
            title_heading = 0
    sections: list[_Section] = []
    stack: list[tuple[int, str | None]] = []
    body_start = 0
    for i, (start, end, level, name) in enumerate(headings):
        sections.append(_Section([n for _, n in stack if n], body_start, start))
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, None if i == title_heading else name))
        body_start = end
    sections.append(_Section([n for _, n in stack if n], body_start, len(text)))
    return sections, [h[3] for h in headings]


def _units(text: str, start: int, end: int, max_words: int) -> list[tuple[int, int, int]]:
    """``(start, end, words)`` of the sentences in ``text[start:end]``; a sentence over ``max_words``
    is cut into runs of at most ``max_words`` words."""
    units = []
    for s, e in sentence_spans(text[start:end]):
        words = [m.span() for m in _WORD.finditer(text, start + s, start + e)]
        for i in range(0, len(words), max_words):
            run = words[i : i + max_words]
            units.append((run[0][0], run[-1][1], len(run)))
    return units


def _pack(units: list[tuple[int, int, int]], options: ChunkOptions) -> list[tuple[int, int]]:
    """Character ranges of the chunks of one section, packed greedily from sentence units."""
    chunks: list[tuple[int, int, int]] = []  # (first unit, last unit, index of the first new unit)
    first, new_from, words = 0, 0, 0
    for i, (_, _, n) in enumerate(units):
        if i > first and words + n > options.max_words:
            chunks.append((first, i - 1, new_from))
            # Carry the last sentences over, as many as fit beside the new one; never a whole chunk.
            carry = min(options.overlap_sentences, i - 1 - first)
            while carry and sum(u[2] for u in units[i - carry : i]) + n > options.max_words:
                carry -= 1
            first, new_from = i - carry, i
            words = sum(u[2] for u in units[first:i])
        words += n
    if units:
        chunks.append((first, len(units) - 1, new_from))
    if len(chunks) > 1:
        _, last, last_new = chunks[-1]
        if sum(u[2] for u in units[last_new : last + 1]) < options.min_words:
            chunks[-2:] = [(chunks[-2][0], last, chunks[-2][2])]
    return [(units[a][0], units[b][1]) for a, b, _ in chunks]


def chunk_document(doc: Document, options: ChunkOptions | None = None) -> list[Chunk]:
    """The chunks of ``doc`` in order (ordinals ``0..n-1``), each with its section path.

    A document without body text gives one chunk holding its title (and headings, if any), so that it
    can still be found; a document with neither gives none.
    """
    options = options or ChunkOptions()
    text = doc.text
    sections, heading_names = _sections(doc)
    ranges: list[tuple[int, int, list[str]]] = []
    for section in sections:
        body = text[section.start : section.end]
        if not _CONTENT.search(body):
            continue  # a heading with nothing (or only a rule) under it only names the sections below
        if len(body.split()) <= options.max_words:
            left = section.start + len(body) - len(body.lstrip())
            ranges.append((left, section.start + len(body.rstrip()), section.path))
            continue
        units = _units(text, section.start, section.end, options.max_words)
        ranges.extend((s, e, section.path) for s, e in _pack(units, options))
    chunks = [
        Chunk(doc_id=doc.id, ordinal=i, text=text[s:e], section=list(path))
        for i, (s, e, path) in enumerate(ranges)
    ]
    if not chunks:
        names = [n for n in heading_names if _norm(n) != _norm(doc.title)]
        fallback = "\n".join([doc.title.strip(), *names]).strip()
        if fallback:
            chunks.append(Chunk(doc_id=doc.id, ordinal=0, text=fallback, section=[]))
    return chunks
