"""knowledge.chunking: heading paths, word limits, overlap and the small cases."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from knowledge import Chunk, ChunkOptions, Document, chunk_document, load_folder, split_sentences

KB = Path(__file__).parents[1] / "data" / "knowledge"


def _sentences(n: int, start: int = 1) -> str:
    return " ".join(f"Step {i} of the setup takes about one minute." for i in range(start, start + n))


def _doc(text: str, title: str = "Roaming Pass") -> Document:
    return Document(id="doc", title=title, text=text)


def test_sections_follow_the_headings() -> None:
    doc = _doc(
        "# Roaming Pass\n\nA daily add-on for travel.\n\n"
        "## How to add it\n\nOpen the app and choose the days.\n\n"
        "### By phone\n\nAn agent adds it after verification.\n\n"
        "## Refunds\n\nDays not started are refunded.\n"
    )
    chunks = chunk_document(doc)
    assert [(c.ordinal, c.section, c.text) for c in chunks] == [
        (0, [], "A daily add-on for travel."),
        (1, ["How to add it"], "Open the app and choose the days."),
        (2, ["How to add it", "By phone"], "An agent adds it after verification."),
        (3, ["Refunds"], "Days not started are refunded."),
    ]
    assert all(c.doc_id == "doc" for c in chunks)
    assert chunks[2].heading(doc.title) == "Roaming Pass › How to add it › By phone"
    assert chunks[0].heading(doc.title) == "Roaming Pass"


def test_a_leading_heading_stands_for_the_title_only_when_nothing_outranks_it() -> None:
    # The opening '# Roaming Pass' differs from the title but is the document's only top heading.
    doc = _doc("# Roaming Pass\nIntro.\n## Price\n10 USD a day.", title="Roaming Pass (travel add-on)")
    assert [c.section for c in chunk_document(doc)] == [[], ["Price"]]
    # Two top-level headings: both are sections.
    doc = _doc("# Plans\nOur plans.\n# Add-ons\nOur add-ons.", title="Catalogue")
    assert [c.section for c in chunk_document(doc)] == [["Plans"], ["Add-ons"]]
    # A deeper heading after a shallower one leaves the path at the right depth.
    doc = _doc("Intro.\n### Deep\nA.\n## Mid\nB.", title="T")
    assert [c.section for c in chunk_document(doc)] == [[], ["Deep"], ["Mid"]]


def test_heading_lines_are_not_chunks_and_code_is_not_a_heading() -> None:
    doc = _doc(
        "# Roaming Pass\n## Empty section\n## Setup\n```\n# not a heading\n```\nRun it.\n## Rule\n---\n"
    )
    chunks = chunk_document(doc)
    assert [(c.section, c.text) for c in chunks] == [(["Setup"], "```\n# not a heading\n```\nRun it.")]


def test_long_sections_respect_max_words_and_overlap() -> None:
    options = ChunkOptions(max_words=40, overlap_sentences=1, min_words=5)
    doc = _doc("# Roaming Pass\n## Setup\n" + _sentences(30))
    chunks = chunk_document(doc, options)
    assert len(chunks) > 3 and all(c.section == ["Setup"] for c in chunks)
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))
    assert all(len(c.text.split()) <= options.max_words for c in chunks)
    for before, after in itertools.pairwise(chunks):
        # Each chunk starts with the last sentence of the one before.
        assert split_sentences(after.text)[0] == split_sentences(before.text)[-1]
    # Every sentence is in some chunk, in order.
    seen = [s for c in chunks for s in split_sentences(c.text)]
    assert list(dict.fromkeys(seen)) == split_sentences(_sentences(30))


def test_no_overlap() -> None:
    chunks = chunk_document(_doc(_sentences(20)), ChunkOptions(max_words=30, overlap_sentences=0))
    pieces = [s for c in chunks for s in split_sentences(c.text)]
    assert pieces == split_sentences(_sentences(20))  # each sentence exactly once
    assert all(len(c.text.split()) <= 30 for c in chunks)


def test_overlap_is_dropped_when_it_does_not_fit() -> None:
    # Sentences of 9 words in chunks of at most 10: carrying one over would make 18.
    chunks = chunk_document(_doc(_sentences(4)), ChunkOptions(max_words=10, overlap_sentences=2, min_words=0))
    assert [c.text for c in chunks] == split_sentences(_sentences(4))


def test_tiny_tail_merges_into_the_previous_chunk() -> None:
    text = _sentences(4) + " Call us."
    chunks = chunk_document(_doc(text), ChunkOptions(max_words=20, overlap_sentences=0, min_words=5))
    assert [len(c.text.split()) for c in chunks] == [18, 20]
    assert chunks[-1].text.endswith("Step 4 of the setup takes about one minute. Call us.")
    # A big enough tail stays on its own (with its overlap sentence in front).
    text = _sentences(4) + " Call us any day of the week."
    chunks = chunk_document(_doc(text), ChunkOptions(max_words=20, overlap_sentences=1, min_words=5))
    assert chunks[-1].text == "Step 4 of the setup takes about one minute. Call us any day of the week."


def test_a_tiny_section_is_not_merged_across_headings() -> None:
    doc = _doc("## Price\n" + _sentences(6) + "\n## Note\nCash only.")
    chunks = chunk_document(doc, ChunkOptions(max_words=20, min_words=5))
    assert chunks[-1].section == ["Note"] and chunks[-1].text == "Cash only."


def test_a_sentence_longer_than_max_words_is_cut_by_words() -> None:
    words = " ".join(f"w{i}" for i in range(25))
    chunks = chunk_document(_doc(words + " and the end."), ChunkOptions(max_words=10, min_words=3))
    assert [len(c.text.split()) for c in chunks] == [10, 10, 8]
    assert " ".join(c.text for c in chunks) == words + " and the end."


def test_list_items_are_sentences() -> None:
    items = "\n".join(f"- Item {i} goes on the checklist" for i in range(1, 9))
    chunks = chunk_document(_doc(items), ChunkOptions(max_words=14, overlap_sentences=0, min_words=0))
    assert [c.text for c in chunks] == [
        "- Item 1 goes on the checklist\n- Item 2 goes on the checklist",
        "- Item 3 goes on the checklist\n- Item 4 goes on the checklist",
        "- Item 5 goes on the checklist\n- Item 6 goes on the checklist",
        "- Item 7 goes on the checklist\n- Item 8 goes on the checklist",
    ]


def test_heading_only_and_empty_documents() -> None:
    assert chunk_document(Document(id="t", title="Store locator", text="")) == [
        Chunk(doc_id="t", ordinal=0, text="Store locator", section=[])
    ]
    only_headings = chunk_document(_doc("# Roaming Pass\n## Coming soon"))
    assert [(c.text, c.section) for c in only_headings] == [("Roaming Pass\nComing soon", [])]
    assert chunk_document(Document(id="e", title="", text="  \n")) == []


def test_options_are_checked() -> None:
    with pytest.raises(ValueError, match="max_words"):
        ChunkOptions(max_words=0)
    with pytest.raises(ValueError, match="negative"):
        ChunkOptions(overlap_sentences=-1)


def test_every_sample_document_chunks() -> None:
    for doc in load_folder(KB).documents:
        chunks = chunk_document(doc, ChunkOptions(max_words=30))
        assert chunks and [c.ordinal for c in chunks] == list(range(len(chunks)))
        assert all(c.text.strip() and c.text in doc.text for c in chunks)
        assert all(not line.startswith("#") for c in chunks for line in c.text.split("\n"))
