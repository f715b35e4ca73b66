"""The knowledge base as QA's fact checker: ``accurate_information`` looks the agent's statements up
in the configured knowledge base (hybrid search, no date filter, so expired promotions are found)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from knowledge import Searcher
    from qa_models import KnowledgeFact

__all__ = ["SearcherFacts"]


class SearcherFacts:
    """A ``qa_models.KnowledgeChecker`` over one knowledge base. Relevance is the cosine similarity of
    the statement and the best chunk, the same scale ``DocumentFacts`` uses."""

    def __init__(self, searcher: Searcher, kb: str, recheck_s: float = 30.0) -> None:
        self.searcher = searcher
        self.kb = kb
        self.recheck_s = recheck_s
        self._ready: tuple[float, bool] | None = None

    @property
    def ready(self) -> bool:
        """Whether the knowledge base exists and holds documents (re-read every ``recheck_s``, so a
        knowledge base indexed after the app started is used)."""
        import time

        from knowledge import KnowledgeIndex

        now = time.monotonic()
        if self._ready is None or now - self._ready[0] > self.recheck_s:
            bases = KnowledgeIndex(self.searcher.engine, self.searcher.embedder).bases()
            self._ready = (now, any(b.name == self.kb and b.documents > 0 for b in bases))
        return self._ready[1]

    def lookup(self, text: str, k: int = 3) -> list[KnowledgeFact]:
        from knowledge import SearchOptions
        from qa_models import KnowledgeFact

        result = self.searcher.search(self.kb, text, SearchOptions(k=k))
        return [
            KnowledgeFact(
                h.doc_id, h.title, h.kind, h.chunk_text, h.similarity, h.valid_from, h.valid_to, h.chunk_text
            )
            for h in result.hits
        ]
