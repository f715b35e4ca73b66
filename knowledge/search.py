"""Hybrid search over a knowledge base: vector (HNSW) + BM25 full text, fused by reciprocal rank.

Both searches rank chunks; each ranking is collapsed to documents (a document takes the rank of its
first chunk) and the document rankings are fused; hybrid then orders the fused pool by the query's
similarity and term coverage (``SearchOptions``). A hit carries its best chunk, the best sentence in
it, the query terms it matched and a calibrated confidence (``knowledge.confidence``). Filters
(kind, tags, validity date) apply inside both searches, so an expired promotion can never be
returned for a date outside its window.

BM25 runs in SQL: document frequencies from ``kb_terms``, term frequencies from ``kb_postings``,
whose impact order lets each query term contribute only its best postings.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from common.errors import InvalidInput
from knowledge.confidence import ConfidenceModel, load_confidence
from knowledge.embeddings import Embedder
from knowledge.fusion import RRF_K, reciprocal_rank_fusion
from knowledge.index import KnowledgeIndex, vector_literal
from knowledge.sentences import sentence_spans

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

__all__ = ["SearchHit", "SearchMode", "SearchOptions", "SearchResult", "Searcher"]

SearchMode = Literal["hybrid", "vector", "bm25"]
_WORD = re.compile(r"[A-Za-z0-9]+(?:'[A-Za-z]+)?")


@dataclass(slots=True, frozen=True)
class SearchOptions:
    """``k`` documents are returned from ``candidates`` chunks per search. ``as_of`` drops documents
    outside their validity window on that day (None = no date filter). ``ef_search``: the HNSW
    beam (recall against speed). ``bm25_k1``/``bm25_b``: the usual BM25 constants.

    Hybrid search fuses the vector and BM25 rankings with reciprocal rank fusion into a pool of
    ``pool`` documents, then orders the pool by ``similarity + lexical_weight * coverage`` of each
    document's best candidate chunk. Rank fusion alone lets a document that one search ranks second
    and the other misses lose to documents both rank middling; the scores of the pool are comparable
    (both are measured on the query), so they settle the order. ``lexical_weight`` was chosen on
    ``demo/knowledge-eval/dev.jsonl`` (0.1-0.3 all beat both single searches there).
    ``pool = 0`` keeps the plain fused order."""

    k: int = 5
    mode: SearchMode = "hybrid"
    kinds: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    as_of: date | None = None
    candidates: int = 40
    rrf_k: int = RRF_K
    pool: int = 20
    lexical_weight: float = 0.2
    ef_search: int = 200
    bm25_k1: float = 1.2
    bm25_b: float = 0.75
    postings_depth: int = 400
    highlight: bool = True


@dataclass(slots=True)
class SearchHit:
    doc_id: str
    title: str
    kind: str
    score: float  # what orders the hits (hybrid: similarity + weighted coverage; else the rank score)
    confidence: float  # calibrated 0..1
    similarity: float  # cosine of the query and the best chunk
    coverage: float  # idf-weighted share of query terms found in the best chunk
    chunk_text: str
    heading: str
    section: list[str]
    sentence: str  # the best sentence of the chunk
    sentence_span: tuple[int, int]  # its character offsets in ``chunk_text``
    matched_terms: list[str]
    valid_from: date | None
    valid_to: date | None
    tags: list[str]
    source: str
    ranks: dict[str, int] = field(default_factory=dict)  # rank in each search that found it


@dataclass(slots=True)
class SearchResult:
    query: str
    hits: list[SearchHit]
    threshold: float
    embed_ms: float
    search_ms: float

    @property
    def confident(self) -> list[SearchHit]:
        return [h for h in self.hits if h.confidence >= self.threshold]


@dataclass(slots=True)
class _Terms:
    words: dict[str, list[str]]  # query word → its lexemes
    idf: dict[str, float]  # lexeme → idf, for lexemes the base has


class Searcher:
    """Searches the bases of one ``KnowledgeIndex``; safe to share between threads."""

    def __init__(
        self, engine: Engine, embedder: Embedder, *, confidence: ConfidenceModel | None = None
    ) -> None:
        self.engine = engine
        self.embedder = embedder
        self.confidence = confidence or load_confidence()
        self._index = KnowledgeIndex(engine, embedder)

    def search(self, kb: str, query: str, options: SearchOptions | None = None) -> SearchResult:
        o = options or SearchOptions()
        if not query.strip():
            raise InvalidInput("the search query is empty")
        if o.k < 1 or o.candidates < o.k:
            raise InvalidInput("k must be at least 1 and candidates at least k")
        t0 = time.perf_counter()
        vector = self.embedder.embed([query])[0]
        embed_ms = (time.perf_counter() - t0) * 1000
        t1 = time.perf_counter()
        with self.engine.connect() as conn:
            kb_id, dim, threshold, avg_terms = self._base(conn, kb)
            terms = self._terms(conn, kb_id, query)
            rankings: dict[str, list[tuple[int, int]]] = {}  # search → [(chunk id, document pk)]
            if o.mode in ("hybrid", "vector"):
                rankings["vector"] = self._vector(conn, kb_id, dim, vector, o)
            if o.mode in ("hybrid", "bm25"):
                rankings["bm25"] = self._bm25(conn, kb_id, terms, avg_terms, o)
            rerank = o.mode == "hybrid" and o.pool > 0
            fused_docs = reciprocal_rank_fusion(
                {name: _first_per_document(r) for name, r in rankings.items()}, k=o.rrf_k
            )[: max(o.k, o.pool) if rerank else o.k]
            # Each document's candidate chunks, best fused first: the first only, unless reranking.
            fused_chunks = reciprocal_rank_fusion(
                {name: [c for c, _ in r] for name, r in rankings.items()}, k=o.rrf_k
            )
            doc_of = {c: d for r in rankings.values() for c, d in r}
            chunks: dict[int, list[int]] = {}
            for chunk, _ in fused_chunks:
                chunks.setdefault(doc_of[chunk], []).append(chunk)
            if not rerank:
                chunks = {doc: found[:1] for doc, found in chunks.items()}
            ranks = {
                name: {doc: i + 1 for i, doc in enumerate(_first_per_document(r))}
                for name, r in rankings.items()
            }
            hits = self._hits(conn, dim, vector, fused_docs, chunks, ranks, terms, o, rerank)
        return SearchResult(
            query=query,
            hits=hits,
            threshold=self.confidence.threshold if threshold is None else float(threshold),
            embed_ms=embed_ms,
            search_ms=(time.perf_counter() - t1) * 1000,
        )

    # ------------------------------------------------------------------------------ pieces

    def _base(self, conn: Connection, kb: str) -> tuple[int, int, float | None, float]:
        from sqlalchemy import text

        row = conn.execute(
            text("SELECT id, dim, confidence_threshold, avg_terms FROM kb_bases WHERE name = :n"),
            {"n": kb},
        ).first()
        if row is None:
            self._index.kb_id(kb, conn)  # raises NotFound naming the bases there are
            raise AssertionError("unreachable")
        return int(row[0]), int(row[1]), row[2], float(row[3])

    def _terms(self, conn: Connection, kb: int, query: str) -> _Terms:
        """The query's words → lexemes, and each lexeme's document frequency, in one round trip."""
        from sqlalchemy import text

        words = list(dict.fromkeys(w.lower() for w in _WORD.findall(query)))[:64]
        if not words:
            return _Terms({}, {})
        rows = conn.execute(
            text(
                # Subqueries, not joins: one primary-key lookup per word whatever the planner
                # guesses about the unnested list.
                "SELECT w.word, l.lexeme, "
                "       (SELECT t.ndoc FROM kb_terms t WHERE t.kb_id = :kb AND t.lexeme = l.lexeme), "
                "       (SELECT b.n_chunks FROM kb_bases b WHERE b.id = :kb) "
                "FROM unnest(CAST(:words AS text[])) AS w(word) "
                "CROSS JOIN LATERAL unnest(tsvector_to_array(to_tsvector('english', w.word))) AS l(lexeme)"
            ),
            {"words": words, "kb": kb},
        ).all()
        by_word: dict[str, list[str]] = {}
        idf: dict[str, float] = {}
        for word, lexeme, nd, n in rows:
            by_word.setdefault(word, []).append(lexeme)
            if nd is not None:
                idf[lexeme] = math.log(1 + (n - nd + 0.5) / (nd + 0.5))
        return _Terms(by_word, idf)

    @staticmethod
    def _filters(o: SearchOptions, params: dict[str, Any]) -> str:
        sql = ""
        if o.kinds:
            sql += " AND c.kind = ANY(:kinds)"
            params["kinds"] = list(o.kinds)
        if o.tags:
            sql += " AND c.tags && CAST(:tags AS text[])"
            params["tags"] = list(o.tags)
        if o.as_of is not None:
            sql += (
                " AND (c.valid_from IS NULL OR c.valid_from <= :as_of)"
                " AND (c.valid_to IS NULL OR c.valid_to >= :as_of)"
            )
            params["as_of"] = o.as_of
        return sql

    def _vector(
        self, conn: Connection, kb: int, dim: int, vector: np.ndarray, o: SearchOptions
    ) -> list[tuple[int, int]]:
        from sqlalchemy import text

        params: dict[str, Any] = {"q": vector_literal(vector), "n": o.candidates}
        where = self._filters(o, params)
        # kb and dim are integers: written into the SQL so the planner picks this base's partial index.
        distance = f"(c.embedding::vector({dim})) <=> CAST(:q AS vector({dim}))"
        # Local to this connection's transaction (ended when the connection is returned).
        ef = str(max(o.ef_search, o.candidates))
        conn.execute(text("SELECT set_config('hnsw.ef_search', :ef, true)"), {"ef": ef})
        rows = conn.execute(
            text(
                f"SELECT c.id, c.document_id FROM kb_chunks c WHERE c.kb_id = {kb}{where} "
                f"ORDER BY {distance} LIMIT :n"
            ),
            params,
        ).all()
        if where and len(rows) < min(o.candidates, o.k):
            # The graph's beam ran out inside a narrow filter: rank the filtered rows exactly.
            rows = conn.execute(
                text(
                    f"SELECT c.id, c.document_id FROM kb_chunks c WHERE c.kb_id = {kb}{where} "
                    f"ORDER BY ({distance}) + 0 LIMIT :n"
                ),
                params,
            ).all()
        return [(int(a), int(b)) for a, b in rows]

    def _bm25(
        self, conn: Connection, kb: int, terms: _Terms, avg_terms: float, o: SearchOptions
    ) -> list[tuple[int, int]]:
        """BM25 over the best ``postings_depth`` postings of each query term (impact order), so the
        cost does not grow with the base; a chunk strong on no single term may be missed, which the
        fused vector ranking makes up for. A narrow filter that leaves too few scores every match."""
        from sqlalchemy import text

        if not terms.idf:
            return []
        scored = sorted(terms.idf)
        params: dict[str, Any] = {
            "kb": kb,
            "lx": scored,
            "idf": [terms.idf[lx] for lx in scored],
            "k1": o.bm25_k1,
            "b": o.bm25_b,
            "avgdl": max(avg_terms, 1.0),
            "n": o.candidates,
            "depth": max(o.postings_depth, o.candidates),
        }
        where = self._filters(o, params)
        score = "sum(q.idf * (p.tf * (:k1 + 1)) / (p.tf + :k1 * (1 - :b + :b * p.n_terms / :avgdl)))"
        # Postings carry their chunk's document and length; the chunks table is read only to filter.
        chunks = f"JOIN kb_chunks c ON c.id = p.chunk_id WHERE true{where} " if where else ""

        def ranked(postings: str) -> Sequence[Any]:
            return conn.execute(
                text(
                    "WITH q AS (SELECT * FROM unnest(CAST(:lx AS text[]), CAST(:idf AS float8[])) "
                    "           AS q(lexeme, idf)) "
                    f"SELECT p.chunk_id, p.document_id, {score} AS score FROM q {postings} {chunks}"
                    "GROUP BY p.chunk_id, p.document_id ORDER BY score DESC, p.chunk_id LIMIT :n"
                ),
                params,
            ).all()

        rows = ranked(
            "CROSS JOIN LATERAL (SELECT chunk_id, tf, document_id, n_terms FROM kb_postings t "
            "WHERE t.kb_id = :kb AND t.lexeme = q.lexeme ORDER BY t.impact DESC LIMIT :depth) p"
        )
        if where and len(rows) < min(o.candidates, o.k):
            rows = ranked("JOIN kb_postings p ON p.kb_id = :kb AND p.lexeme = q.lexeme")
        return [(int(a), int(b)) for a, b, _ in rows]

    def _hits(
        self,
        conn: Connection,
        dim: int,
        vector: np.ndarray,
        fused: list[tuple[int, float]],
        chunks: dict[int, list[int]],
        ranks: dict[str, dict[int, int]],
        terms: _Terms,
        o: SearchOptions,
        rerank: bool,
    ) -> list[SearchHit]:
        from sqlalchemy import text

        if not fused:
            return []
        ids = [c for doc, _ in fused for c in chunks[doc]]
        rows = conn.execute(
            text(
                "SELECT c.id, d.doc_id, d.title, d.kind, c.text, c.heading, c.section, d.valid_from, "
                "       d.valid_to, d.tags, d.source, tsvector_to_array(c.tsv), "
                f"      1 - ((c.embedding::vector({dim})) <=> CAST(:q AS vector({dim}))) "
                "FROM kb_chunks c JOIN kb_documents d ON d.id = c.document_id WHERE c.id = ANY(:ids)"
            ),
            {"ids": ids, "q": vector_literal(vector)},
        ).all()
        by_chunk = {int(r[0]): r for r in rows}
        total_idf = sum(terms.idf.values()) or 1.0
        hits = []
        for doc, score in fused:
            candidates = []
            for chunk in chunks[doc]:
                r = by_chunk[chunk]
                chunk_lexemes = set(r[11] or [])
                coverage = sum(v for lx, v in terms.idf.items() if lx in chunk_lexemes) / total_idf
                similarity = float(r[12])
                combined = similarity + o.lexical_weight * coverage
                candidates.append((combined, similarity, coverage, chunk_lexemes, r))
            combined, similarity, coverage, chunk_lexemes, r = max(candidates, key=lambda c: c[0])
            hits.append(
                SearchHit(
                    doc_id=r[1],
                    title=r[2],
                    kind=r[3],
                    score=combined if rerank else score,
                    confidence=self.confidence.confidence(similarity, coverage),
                    similarity=similarity,
                    coverage=coverage,
                    chunk_text=r[4],
                    heading=r[5],
                    section=list(r[6] or []),
                    sentence="",
                    sentence_span=(0, 0),
                    matched_terms=[w for w, lex in terms.words.items() if chunk_lexemes.intersection(lex)],
                    valid_from=r[7],
                    valid_to=r[8],
                    tags=list(r[9] or []),
                    source=r[10],
                    ranks={name: rk[doc] for name, rk in ranks.items() if doc in rk},
                )
            )
        if rerank:  # stable: equal scores keep the fused order
            hits = sorted(hits, key=lambda h: -h.score)[: o.k]
        if o.highlight:
            self._best_sentences(conn, hits, vector, terms)
        return hits

    def _best_sentences(
        self, conn: Connection, hits: Sequence[SearchHit], vector: np.ndarray, terms: _Terms
    ) -> None:
        """The sentence sharing the most (idf-weighted) query terms; when none shares any, the one
        closest to the query in embedding space."""
        from sqlalchemy import text

        spans = [sentence_spans(h.chunk_text) or [(0, len(h.chunk_text))] for h in hits]
        flat = [h.chunk_text[a:b] for h, sp in zip(hits, spans, strict=True) for a, b in sp]
        lexemes: list[set[str]] = [
            set(r[0] or [])
            for r in conn.execute(
                text(
                    "SELECT tsvector_to_array(to_tsvector('english', s)) "
                    "FROM unnest(CAST(:s AS text[])) WITH ORDINALITY AS t(s, i) ORDER BY i"
                ),
                {"s": flat},
            )
        ]
        pos = 0
        for hit, sp in zip(hits, spans, strict=True):
            scores = [sum(terms.idf.get(lx, 0.0) for lx in lexemes[pos + i]) for i in range(len(sp))]
            if max(scores, default=0.0) > 0:
                best = max(range(len(sp)), key=lambda i: (scores[i], -i))
            elif len(sp) > 1 and hit is hits[0]:  # embedding sentences costs; only for the top hit
                sims = self.embedder.embed(flat[pos : pos + len(sp)]) @ vector
                best = int(np.argmax(sims))
            else:
                best = 0
            hit.sentence_span = sp[best]
            hit.sentence = hit.chunk_text[sp[best][0] : sp[best][1]]
            pos += len(sp)


def _first_per_document(ranking: list[tuple[int, int]]) -> list[int]:
    seen: dict[int, None] = {}
    for _, doc in ranking:
        seen.setdefault(doc, None)
    return list(seen)
