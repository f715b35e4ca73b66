"""Knowledge bases (documents, chunks with embeddings and full text, BM25 term statistics) and
agent-assist feedback.

Each knowledge base gets its own partial HNSW index on ``embedding::vector(dim)`` (made by
``knowledge.index`` when the base is created): bases may use embedders of different dimensions, and
one base's chunks never crowd another's out of a shared graph.

Revision ID: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE kb_bases (
            id serial PRIMARY KEY,
            name varchar(100) NOT NULL UNIQUE,
            embedder varchar(200) NOT NULL,
            dim integer NOT NULL,
            confidence_threshold double precision,
            n_chunks integer NOT NULL DEFAULT 0,
            avg_terms double precision NOT NULL DEFAULT 0,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE TABLE kb_documents (
            id bigserial PRIMARY KEY,
            kb_id integer NOT NULL REFERENCES kb_bases(id) ON DELETE CASCADE,
            doc_id text NOT NULL,
            title text NOT NULL,
            kind varchar(32) NOT NULL,
            source text NOT NULL DEFAULT '',
            format varchar(16) NOT NULL DEFAULT '',
            valid_from date,
            valid_to date,
            tags text[] NOT NULL DEFAULT '{}',
            content_hash varchar(64) NOT NULL,
            body text NOT NULL,
            meta jsonb NOT NULL DEFAULT '{}',
            indexed_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT uq_kb_documents_kb_doc UNIQUE (kb_id, doc_id)
        );
        CREATE TABLE kb_chunks (
            id bigserial PRIMARY KEY,
            document_id bigint NOT NULL REFERENCES kb_documents(id) ON DELETE CASCADE,
            kb_id integer NOT NULL,
            ordinal integer NOT NULL,
            heading text NOT NULL,
            section text[] NOT NULL DEFAULT '{}',
            text text NOT NULL,
            -- copies of the document's filter fields, so a filter needs no join after the ANN scan
            kind varchar(32) NOT NULL,
            valid_from date,
            valid_to date,
            tags text[] NOT NULL DEFAULT '{}',
            n_terms integer NOT NULL,
            embedding vector NOT NULL,  -- any dimension; each base's index casts to its own
            tsv tsvector GENERATED ALWAYS AS (to_tsvector('english', heading || ' ' || text)) STORED
        );
        CREATE INDEX ix_kb_chunks_document ON kb_chunks (document_id);
        CREATE INDEX ix_kb_chunks_kb ON kb_chunks (kb_id);
        CREATE INDEX ix_kb_chunks_tsv ON kb_chunks USING gin (tsv);
        CREATE TABLE kb_terms (
            kb_id integer NOT NULL REFERENCES kb_bases(id) ON DELETE CASCADE,
            lexeme text NOT NULL,
            ndoc integer NOT NULL,
            PRIMARY KEY (kb_id, lexeme)
        );
        CREATE TABLE assist_feedback (
            id bigserial PRIMARY KEY,
            session_id varchar(64) NOT NULL,
            kb varchar(100) NOT NULL,
            doc_id text NOT NULL,
            action varchar(16) NOT NULL,
            query text NOT NULL DEFAULT '',
            rank integer,
            score double precision,
            created_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX ix_assist_feedback_doc ON assist_feedback (kb, doc_id);
        """
    )


def downgrade() -> None:
    op.execute(
        "DROP TABLE assist_feedback; DROP TABLE kb_terms; DROP TABLE kb_chunks; "
        "DROP TABLE kb_documents; DROP TABLE kb_bases;"
    )
