"""Company knowledge: loading documents, chunking, embeddings, the pgvector + full-text index, hybrid search.

    result = load_folder("kb/")                     # Markdown, text, HTML, PDF, CSV and JSON (FORMATS §3)
    for doc in result.documents:
        chunks = chunk_document(doc)                # heading-aware passages with their section paths
    split_sentences(chunks[0].text)                 # to highlight the best sentence of a hit

    index = KnowledgeIndex(engine, get_embedder())  # PostgreSQL: pgvector HNSW + full text (BM25)
    index.add_folder("kb/", "acme")                 # incremental: only changed documents are embedded
    Searcher(engine, get_embedder()).search("acme", "is the holiday deal still on", SearchOptions(as_of=day))

Importing the package is cheap: the PDF and HTML parsers, ONNX Runtime and torch load only when used.
"""

from knowledge.calibration import CalibrationQuery, CalibrationResult, calibrate
from knowledge.chunking import ChunkOptions, chunk_document
from knowledge.confidence import DEFAULT_CALIBRATION, ConfidenceModel, fit_confidence, load_confidence
from knowledge.documents import KINDS, Chunk, Document
from knowledge.embeddings import BUNDLED_EMBEDDING_MODEL, Embedder, EmbedderOptions, get_embedder
from knowledge.fusion import RRF_K, reciprocal_rank_fusion
from knowledge.index import (
    DEFAULT_KB,
    IndexOptions,
    IndexReport,
    KnowledgeBaseInfo,
    KnowledgeIndex,
    StoredDocument,
    validate_kb_name,
    vector_literal,
)
from knowledge.loaders import LoadOptions, LoadResult, load_file, load_folder
from knowledge.search import Searcher, SearchHit, SearchMode, SearchOptions, SearchResult
from knowledge.sentences import sentence_spans, split_sentences

__all__ = [
    "BUNDLED_EMBEDDING_MODEL",
    "DEFAULT_CALIBRATION",
    "DEFAULT_KB",
    "KINDS",
    "RRF_K",
    "CalibrationQuery",
    "CalibrationResult",
    "Chunk",
    "ChunkOptions",
    "ConfidenceModel",
    "Document",
    "Embedder",
    "EmbedderOptions",
    "IndexOptions",
    "IndexReport",
    "KnowledgeBaseInfo",
    "KnowledgeIndex",
    "LoadOptions",
    "LoadResult",
    "SearchHit",
    "SearchMode",
    "SearchOptions",
    "SearchResult",
    "Searcher",
    "StoredDocument",
    "calibrate",
    "chunk_document",
    "fit_confidence",
    "get_embedder",
    "load_confidence",
    "load_file",
    "load_folder",
    "reciprocal_rank_fusion",
    "sentence_spans",
    "split_sentences",
    "validate_kb_name",
    "vector_literal",
]
