"""The knowledge index in PostgreSQL: documents, chunks with embeddings (pgvector HNSW) and full text.

Re-indexing is incremental by content hash: an unchanged document is not re-embedded, a changed one
has its chunks replaced, a document gone from the folder is deleted. Every knowledge base has its
own partial HNSW index and its own BM25 term statistics (``kb_terms``), refreshed after each change.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from common.errors import ConfigError, InvalidInput, NotFound
from common.formats import LineError
from knowledge.chunking import ChunkOptions, chunk_document
from knowledge.documents import Chunk, Document
from knowledge.embeddings import Embedder
from knowledge.loaders import LoadOptions, load_folder

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

__all__ = [
    "DEFAULT_KB",
    "IndexOptions",
    "IndexReport",
    "KnowledgeBaseInfo",
    "KnowledgeIndex",
    "StoredDocument",
    "validate_kb_name",
]

DEFAULT_KB = "default"
_KB_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
_WORD = re.compile(r"\w+")
# BM25 constants the postings' impact order assumes (search may score with others).
_BM25_K1, _BM25_B = 1.2, 0.75
#: chunks written per COPY batch and embedded per progress step
_BATCH = 512
#: a first load bigger than this builds the HNSW graph after the rows are in (much faster)
_BULK = 2000

Progress = Callable[[int, int], None]


def validate_kb_name(name: str) -> str:
    if not _KB_NAME.match(name or ""):
        raise InvalidInput(
            f"knowledge base name {name!r} is not valid: use letters, digits, '.', '_' or '-' (max 100)"
        )
    return name


@dataclass(slots=True, frozen=True)
class IndexOptions:
    """``hnsw_m`` / ``hnsw_ef_construction``: the HNSW graph's degree and build beam (pgvector's
    defaults); ``maintenance_work_mem`` lets a bulk build keep the graph in memory."""

    chunking: ChunkOptions = field(default_factory=ChunkOptions)
    loading: LoadOptions = field(default_factory=LoadOptions)
    hnsw_m: int = 16
    hnsw_ef_construction: int = 64
    maintenance_work_mem: str = "1GB"


@dataclass(slots=True)
class IndexReport:
    kb: str
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    chunks_embedded: int = 0
    errors: list[LineError] = field(default_factory=list)
    skipped_files: list[str] = field(default_factory=list)
    embed_seconds: float = 0.0
    write_seconds: float = 0.0
    hnsw_seconds: float = 0.0
    vacuum_seconds: float = 0.0

    @property
    def documents_embedded(self) -> int:
        return len(self.added) + len(self.updated)


@dataclass(slots=True)
class KnowledgeBaseInfo:
    name: str
    documents: int
    chunks: int
    embedder: str
    kinds: dict[str, int]
    confidence_threshold: float | None
    updated_at: datetime | None


@dataclass(slots=True)
class StoredDocument:
    id: str
    title: str
    kind: str
    text: str
    source: str
    format: str
    valid_from: date | None
    valid_to: date | None
    tags: list[str]
    meta: dict[str, Any]


def vector_literal(vector: Sequence[float] | np.ndarray) -> str:
    """pgvector's text form, bound as a parameter and cast in SQL."""
    return "[" + ",".join(f"{float(v):.7g}" for v in vector) + "]"


class KnowledgeIndex:
    """Writes and reads knowledge bases; ``Searcher`` (``knowledge.search``) queries them."""

    def __init__(self, engine: Engine, embedder: Embedder, options: IndexOptions | None = None) -> None:
        self.engine = engine
        self.embedder = embedder
        self.options = options or IndexOptions()

    # ------------------------------------------------------------------------------ bases

    def kb_id(self, name: str, conn: Connection | None = None) -> tuple[int, int]:
        """(id, dimension) of an existing base; ``NotFound`` names the bases there are."""
        from sqlalchemy import text

        def lookup(c: Connection) -> tuple[int, int]:
            row = c.execute(text("SELECT id, dim FROM kb_bases WHERE name = :n"), {"n": name}).first()
            if row is None:
                names = [r[0] for r in c.execute(text("SELECT name FROM kb_bases ORDER BY name"))]
                there = ", ".join(names) if names else "none yet: run `callscope kb add FOLDER`"
                raise NotFound(f"no knowledge base named {name!r} (there are: {there})")
            return int(row[0]), int(row[1])

        if conn is not None:
            return lookup(conn)
        with self.engine.connect() as c:
            return lookup(c)

    def _ensure_kb(self, conn: Connection, name: str) -> int:
        from sqlalchemy import text

        validate_kb_name(name)
        row = conn.execute(text("SELECT id, embedder FROM kb_bases WHERE name = :n"), {"n": name}).first()
        if row is not None:
            if row[1] != self.embedder.name:
                raise ConfigError(
                    f"knowledge base {name!r} was embedded with {row[1]}, not {self.embedder.name}: "
                    f"remove it (`callscope kb remove {name}`) and add it again, or use that embedder"
                )
            return int(row[0])
        kb = conn.execute(
            text("INSERT INTO kb_bases (name, embedder, dim) VALUES (:n, :e, :d) RETURNING id"),
            {"n": name, "e": self.embedder.name, "d": self.embedder.dim},
        ).scalar_one()
        self._create_hnsw(conn, int(kb), self.embedder.dim)
        return int(kb)

    def _create_hnsw(self, conn: Connection, kb: int, dim: int) -> None:
        from sqlalchemy import text

        o = self.options
        conn.execute(text(f"SET LOCAL maintenance_work_mem = '{_memory(o.maintenance_work_mem)}'"))
        # kb and dim are integers from our own table: safe to format into DDL.
        conn.execute(
            text(
                f"CREATE INDEX IF NOT EXISTS kb_chunks_hnsw_{kb} ON kb_chunks "
                f"USING hnsw ((embedding::vector({dim})) vector_cosine_ops) "
                f"WITH (m = {int(o.hnsw_m)}, ef_construction = {int(o.hnsw_ef_construction)}) "
                f"WHERE kb_id = {kb}"
            )
        )

    def bases(self) -> list[KnowledgeBaseInfo]:
        from sqlalchemy import text

        with self.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT b.name, b.embedder, b.confidence_threshold, b.updated_at, b.n_chunks, "
                    "       d.kind, count(d.id) "
                    "FROM kb_bases b LEFT JOIN kb_documents d ON d.kb_id = b.id "
                    "GROUP BY b.id, d.kind ORDER BY b.name, d.kind"
                )
            ).all()
        out: dict[str, KnowledgeBaseInfo] = {}
        for name, embedder, threshold, updated, chunks, kind, count in rows:
            info = out.setdefault(
                name, KnowledgeBaseInfo(name, 0, int(chunks), embedder, {}, threshold, updated)
            )
            if kind is not None:
                info.kinds[kind] = int(count)
                info.documents += int(count)
        return list(out.values())

    def remove(self, name: str) -> None:
        from sqlalchemy import text

        with self.engine.begin() as conn:
            kb, _ = self.kb_id(name, conn)
            conn.execute(text(f"DROP INDEX IF EXISTS kb_chunks_hnsw_{kb}"))
            conn.execute(text("DELETE FROM kb_chunks WHERE kb_id = :kb"), {"kb": kb})
            conn.execute(text("DELETE FROM kb_bases WHERE id = :kb"), {"kb": kb})

    def set_threshold(self, name: str, threshold: float | None) -> None:
        from sqlalchemy import text

        with self.engine.begin() as conn:
            kb, _ = self.kb_id(name, conn)
            conn.execute(
                text("UPDATE kb_bases SET confidence_threshold = :t WHERE id = :kb"),
                {"t": threshold, "kb": kb},
            )

    def document(self, name: str, doc_id: str) -> StoredDocument:
        from sqlalchemy import text

        with self.engine.connect() as conn:
            kb, _ = self.kb_id(name, conn)
            row = conn.execute(
                text(
                    "SELECT doc_id, title, kind, body, source, format, valid_from, valid_to, tags, meta "
                    "FROM kb_documents WHERE kb_id = :kb AND doc_id = :d"
                ),
                {"kb": kb, "d": doc_id},
            ).first()
        if row is None:
            raise NotFound(f"no document {doc_id!r} in knowledge base {name!r}")
        return StoredDocument(
            id=row[0],
            title=row[1],
            kind=row[2],
            text=row[3],
            source=row[4],
            format=row[5],
            valid_from=row[6],
            valid_to=row[7],
            tags=list(row[8] or []),
            meta=dict(row[9] or {}),
        )

    # ----------------------------------------------------------------------------- writing

    def add_folder(
        self, folder: Path | str, name: str = DEFAULT_KB, *, progress: Progress | None = None
    ) -> IndexReport:
        """Index a knowledge folder (FORMATS §3) as base ``name``: documents no longer in the folder are
        removed. A file that breaks the format is reported and leaves its stored document alone."""
        loaded = load_folder(folder, self.options.loading)
        failed_sources = {e.path for e in loaded.errors}
        report = self.index_documents(
            name, loaded.documents, remove_missing=True, keep_sources=failed_sources, progress=progress
        )
        report.errors = list(loaded.errors)
        report.skipped_files = list(loaded.skipped)
        return report

    def index_documents(
        self,
        name: str,
        documents: Iterable[Document],
        *,
        remove_missing: bool = False,
        keep_sources: Iterable[str] = (),
        progress: Progress | None = None,
    ) -> IndexReport:
        """Add or replace ``documents`` in base ``name`` (created when new). With ``remove_missing``
        the stored documents not given are deleted, except those read from ``keep_sources`` (files
        that failed to load this time: a broken file must not delete what it held)."""
        from sqlalchemy import text

        docs = list(documents)
        report = IndexReport(kb=validate_kb_name(name))
        with self.engine.begin() as conn:
            kb = self._ensure_kb(conn, name)
            stored = {
                r[0]: (int(r[1]), r[2], r[3])
                for r in conn.execute(
                    text("SELECT doc_id, id, content_hash, source FROM kb_documents WHERE kb_id = :kb"),
                    {"kb": kb},
                )
            }
        todo: list[tuple[Document, str, int | None]] = []
        for doc in docs:
            digest = doc.content_hash()
            old = stored.get(doc.id)
            if old is not None and old[1] == digest:
                report.unchanged += 1
                continue
            todo.append((doc, digest, old[0] if old else None))
            (report.updated if old else report.added).append(doc.id)
        given = {d.id for d in docs}
        keep = {_source_file(s) for s in keep_sources}
        gone = (
            [
                (doc_id, pk)
                for doc_id, (pk, _, src) in stored.items()
                if doc_id not in given and _source_file(src) not in keep
            ]
            if remove_missing
            else []
        )
        report.removed = sorted(doc_id for doc_id, _ in gone)

        chunks: list[tuple[int, Chunk, Document]] = []
        for i, (doc, _, _) in enumerate(todo):
            chunks.extend((i, c, doc) for c in chunk_document(doc, self.options.chunking))
        t0 = time.perf_counter()
        vectors = self._embed([_embed_text(doc, c) for _, c, doc in chunks], progress)
        report.embed_seconds = time.perf_counter() - t0
        report.chunks_embedded = len(chunks)

        t0 = time.perf_counter()
        with self.engine.begin() as conn:  # all or nothing: a failure leaves the old index whole
            kb = self._ensure_kb(conn, name)
            if gone or any(pk is not None for _, _, pk in todo):
                old_pks = [pk for _, pk in gone] + [pk for _, _, pk in todo if pk is not None]
                conn.execute(text("DELETE FROM kb_documents WHERE id = ANY(:ids)"), {"ids": old_pks})
            bulk = not stored and len(chunks) > _BULK
            if bulk:  # a first big load: fill the table, then build the graph once
                conn.execute(text(f"DROP INDEX IF EXISTS kb_chunks_hnsw_{kb}"))
            doc_pks = self._insert_documents(conn, kb, [(d, h) for d, h, _ in todo])
            self._copy_chunks(conn, kb, [(doc_pks[i], c, d) for i, c, d in chunks], vectors)
            self._insert_postings(conn, kb, doc_pks)
            report.write_seconds = time.perf_counter() - t0
            if bulk:
                t1 = time.perf_counter()
                self._create_hnsw(conn, kb, self.embedder.dim)
                report.hnsw_seconds = time.perf_counter() - t1
            if todo or gone:
                self._refresh_term_stats(conn, kb)
        if bulk:
            # Fresh statistics, or the planner guesses on a table it last saw empty; and the vacuum
            # autovacuum would start on these freshly filled tables a minute later, done now, so it
            # does not compete with the first searches (on two cores it added a third to their p95).
            t1 = time.perf_counter()
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM (ANALYZE) kb_chunks, kb_postings, kb_terms"))
            report.vacuum_seconds = time.perf_counter() - t1
        return report

    def _embed(self, texts: list[str], progress: Progress | None) -> np.ndarray:
        parts = []
        for start in range(0, len(texts), _BATCH):
            parts.append(self.embedder.embed(texts[start : start + _BATCH]))
            if progress:
                progress(min(start + _BATCH, len(texts)), len(texts))
        if not parts:
            return np.zeros((0, self.embedder.dim), dtype=np.float32)
        return np.concatenate(parts)

    def _insert_documents(self, conn: Connection, kb: int, docs: list[tuple[Document, str]]) -> list[int]:
        from sqlalchemy import text

        pks = []
        stmt = text(
            "INSERT INTO kb_documents (kb_id, doc_id, title, kind, source, format, valid_from, valid_to, "
            "tags, content_hash, body, meta) VALUES (:kb, :doc_id, :title, :kind, :source, :format, :vf, "
            ":vt, :tags, :hash, :body, CAST(:meta AS jsonb)) RETURNING id"
        )
        import json

        for doc, digest in docs:
            pks.append(
                conn.execute(
                    stmt,
                    {
                        "kb": kb,
                        "doc_id": doc.id,
                        "title": doc.title,
                        "kind": doc.kind,
                        "source": doc.source,
                        "format": doc.format,
                        "vf": doc.valid_from,
                        "vt": doc.valid_to,
                        "tags": list(doc.tags),
                        "hash": digest,
                        "body": doc.text,
                        "meta": json.dumps(doc.meta, default=str),
                    },
                ).scalar_one()
            )
        return pks

    def _copy_chunks(
        self, conn: Connection, kb: int, rows: list[tuple[int, Chunk, Document]], vectors: np.ndarray
    ) -> None:
        if not rows:
            return
        raw = conn.connection.driver_connection  # psycopg 3: COPY is far faster than INSERTs
        assert raw is not None
        columns = (
            "document_id, kb_id, ordinal, heading, section, text, kind, valid_from, valid_to, tags, "
            "n_terms, embedding"
        )
        with raw.cursor() as cur, cur.copy(f"COPY kb_chunks ({columns}) FROM STDIN") as copy:
            for (doc_pk, chunk, doc), vector in zip(rows, vectors, strict=True):
                heading = chunk.heading(doc.title)
                copy.write_row(
                    (
                        doc_pk,
                        kb,
                        chunk.ordinal,
                        heading,
                        list(chunk.section),
                        chunk.text,
                        doc.kind,
                        doc.valid_from,
                        doc.valid_to,
                        list(doc.tags),
                        len(_WORD.findall(heading)) + len(_WORD.findall(chunk.text)),
                        vector_literal(vector),
                    )
                )

    def _insert_postings(self, conn: Connection, kb: int, doc_pks: list[int]) -> None:
        """BM25 postings of the new documents' chunks (migrations 0003 and 0005 explain them)."""
        from sqlalchemy import text

        if not doc_pks:
            return
        conn.execute(
            text(
                "INSERT INTO kb_postings (kb_id, lexeme, chunk_id, tf, impact, document_id, n_terms) "
                "SELECT c.kb_id, x.lexeme, c.id, x.tf, "
                "       x.tf::real / (x.tf + :k1 * (1 - :b + :b * c.n_terms / greatest(s.avg, 1))), "
                "       c.document_id, c.n_terms "
                "FROM kb_chunks c "
                "CROSS JOIN (SELECT avg(n_terms) AS avg FROM kb_chunks WHERE kb_id = :kb) s "
                "CROSS JOIN LATERAL (SELECT lexeme, coalesce(array_length(positions, 1), 1) AS tf "
                "                    FROM unnest(c.tsv)) x "
                "WHERE c.document_id = ANY(:docs)"
            ),
            {"kb": kb, "docs": doc_pks, "k1": _BM25_K1, "b": _BM25_B},
        )

    def _refresh_term_stats(self, conn: Connection, kb: int) -> None:
        from sqlalchemy import text

        conn.execute(text("DELETE FROM kb_terms WHERE kb_id = :kb"), {"kb": kb})
        # ts_stat takes a query string; kb is an integer from our own table.
        conn.execute(
            text(
                "INSERT INTO kb_terms (kb_id, lexeme, ndoc) "
                f"SELECT {kb}, word, ndoc FROM ts_stat('SELECT tsv FROM kb_chunks WHERE kb_id = {kb}')"
            )
        )
        conn.execute(
            text(
                "UPDATE kb_bases SET n_chunks = s.n, avg_terms = s.avg, updated_at = now() FROM "
                "(SELECT count(*) AS n, coalesce(avg(n_terms), 0) AS avg FROM kb_chunks WHERE kb_id = :kb) s "
                "WHERE id = :kb"
            ),
            {"kb": kb},
        )


def _embed_text(doc: Document, chunk: Chunk) -> str:
    """What is embedded: the chunk with its title and section path, which often name the subject
    that the chunk's own sentences only refer to."""
    return f"{chunk.heading(doc.title)}\n{chunk.text}"


def _source_file(source: str) -> str:
    return source.split("#", 1)[0]


def _memory(value: str) -> str:
    if not re.fullmatch(r"\d+\s*(kB|MB|GB)", value):
        raise ConfigError(f"maintenance_work_mem {value!r}: use a size such as 512MB or 1GB")
    return value
