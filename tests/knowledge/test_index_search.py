"""The knowledge index on the real embedded PostgreSQL with the real embedding model."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text

from api.runtime import Runtime
from knowledge import KnowledgeIndex, Searcher, SearchOptions, chunk_document, load_folder
from tests.conftest import DATA

SAMPLE = DATA / "knowledge"
DEMO = Path(__file__).resolve().parents[2] / "demo" / "knowledge"


@pytest.fixture
def index(runtime: Runtime) -> KnowledgeIndex:
    return runtime.knowledge_index()


@pytest.fixture
def searcher(runtime: Runtime) -> Searcher:
    return runtime.searcher()


def _rows(runtime: Runtime, sql: str) -> list[tuple[object, ...]]:
    with runtime.db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql))]


def test_every_format_is_indexed_and_searchable(
    index: KnowledgeIndex, runtime: Runtime, searcher: Searcher
) -> None:
    report = index.add_folder(SAMPLE, "sample")
    assert not report.errors
    formats = {f for (f,) in _rows(runtime, "SELECT DISTINCT format FROM kb_documents")}
    assert formats == {"md", "txt", "html", "pdf", "csv", "json"}
    # one document per CSV/JSON record, chunks carry the heading path and an embedding of 384 numbers
    (dims,) = _rows(runtime, "SELECT DISTINCT vector_dims(embedding) FROM kb_chunks")
    assert dims == (384,)
    assert all(h for (h,) in _rows(runtime, "SELECT heading FROM kb_chunks"))
    for query, source in [
        ("device insurance claim deductible", ".pdf"),
        ("opening hours of the store on sunday", ".txt"),
        ("is there a restocking fee if I return an opened phone", ".html"),
    ]:
        result = searcher.search("sample", query, SearchOptions(k=3))
        assert result.hits[0].source.endswith(source), (query, [h.source for h in result.hits])
        assert result.hits[0].sentence and result.hits[0].sentence in result.hits[0].chunk_text


def test_reindex_is_incremental(index: KnowledgeIndex, runtime: Runtime, tmp_path: Path) -> None:
    folder = tmp_path / "kb"
    shutil.copytree(SAMPLE, folder)
    first = index.add_folder(folder, "kb")
    total = first.chunks_embedded
    assert total == _rows(runtime, "SELECT count(*) FROM kb_chunks")[0][0] and total > 5

    again = index.add_folder(folder, "kb")
    assert again.chunks_embedded == 0 and not again.added and not again.updated and not again.removed

    page = folder / "roaming-pass.md"
    page.write_text(page.read_text() + "\n\nThe pass also covers calls to local numbers abroad.\n")
    (changed,) = [d for d in load_folder(folder).documents if d.source == "roaming-pass.md"]
    changed_chunks = len(chunk_document(changed))
    (folder / "store_hours.txt").unlink()
    third = index.add_folder(folder, "kb")
    assert third.updated == [changed.id]
    assert third.chunks_embedded == changed_chunks  # only the changed file was embedded
    assert third.removed == ["store_hours.txt"]
    assert third.unchanged == len(first.added) - 2
    hits = Searcher(runtime.db.engine, index.embedder).search("kb", "calls to local numbers abroad")
    assert hits.hits[0].doc_id == changed.id


def test_a_first_big_load_builds_the_graph_once_and_vacuums(
    index: KnowledgeIndex, runtime: Runtime, searcher: Searcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    import knowledge.index

    monkeypatch.setattr(knowledge.index, "_BULK", 5)  # the sample folder counts as big
    report = index.add_folder(SAMPLE, "bulk")
    assert report.chunks_embedded > 5 and report.hnsw_seconds > 0 and report.vacuum_seconds > 0
    vacuumed = _rows(
        runtime, "SELECT last_vacuum IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'kb_chunks'"
    )
    assert vacuumed == [(True,)]
    result = searcher.search("bulk", "device insurance claim deductible", SearchOptions(k=3))
    assert result.hits[0].source.endswith(".pdf")


def test_a_broken_file_keeps_what_it_held(index: KnowledgeIndex, tmp_path: Path) -> None:
    folder = tmp_path / "kb"
    shutil.copytree(SAMPLE, folder)
    index.add_folder(folder, "kb")
    promo = folder / "promotions" / "holiday-unlimited.md"
    promo.write_text("---\nid: [unclosed\n---\nbody\n")
    report = index.add_folder(folder, "kb")
    assert report.errors and "holiday-unlimited.md" in report.errors[0].message
    assert not report.removed  # the stored promotion stays until its file is fixed


def test_promotion_outside_its_window_is_never_returned(runtime: Runtime, searcher: Searcher) -> None:
    runtime.knowledge_index().add_folder(DEMO, "demo")
    question = "is the holiday unlimited deal for forty five dollars still available"
    inside = searcher.search("demo", question, SearchOptions(k=5, as_of=date(2026, 12, 1)))
    assert inside.hits[0].doc_id == "promo-holiday-unlimited"
    assert inside.hits[0].valid_to == date(2026, 12, 31)
    for day in (date(2026, 11, 19), date(2027, 1, 1)):
        for mode in ("hybrid", "vector", "bm25"):
            outside = searcher.search("demo", question, SearchOptions(k=10, as_of=day, mode=mode))
            assert "promo-holiday-unlimited" not in [h.doc_id for h in outside.hits], (day, mode)
            assert all(h.valid_to is None or h.valid_to >= day for h in outside.hits)


def test_unanswerable_question_gets_no_confident_hit(runtime: Runtime, searcher: Searcher) -> None:
    runtime.knowledge_index().add_folder(DEMO, "demo")
    for question in ("what's the best recipe for banana bread", "who won the football game last night"):
        result = searcher.search("demo", question, SearchOptions(k=3, as_of=date(2026, 11, 25)))
        assert result.hits and not result.confident, [(h.doc_id, h.confidence) for h in result.hits]
    answered = searcher.search("demo", "my phone has no mobile data while I'm in Spain", SearchOptions(k=3))
    assert answered.confident and answered.confident[0].doc_id == "proc-roaming-no-data"


def test_bases_live_side_by_side_and_filters_apply(index: KnowledgeIndex, searcher: Searcher) -> None:
    index.add_folder(SAMPLE, "one")
    index.add_folder(DEMO, "two")
    names = {b.name: b for b in index.bases()}
    assert set(names) == {"one", "two"} and names["two"].documents >= 30
    hits = searcher.search("two", "unlimited plan price", SearchOptions(k=5, kinds=("product",)))
    assert hits.hits and {h.kind for h in hits.hits} == {"product"}
    assert all(h.doc_id in {d.id for d in load_folder(DEMO).documents} for h in hits.hits)
    index.remove("one")
    assert [b.name for b in index.bases()] == ["two"]
