"""BM25 postings: one row per (chunk, lexeme) with the term frequency and an impact score, indexed
per base and lexeme in impact order, so a search reads only the best postings of each query term
instead of scoring every chunk that holds one of them (on 100k chunks, every chunk holding a
common word).

Revision ID: 0003
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# The BM25 term-frequency part with k1 = 1.2, b = 0.75 against the base's mean chunk length; also
# written by knowledge.index for new chunks. It only orders postings: scores are computed at search.
IMPACT = "x.tf::real / (x.tf + 1.2 * (0.25 + 0.75 * c.n_terms / greatest(b.avg_terms, 1)))"


def upgrade() -> None:
    op.execute(
        f"""
        CREATE TABLE kb_postings (
            kb_id integer NOT NULL,
            lexeme text NOT NULL,
            chunk_id bigint NOT NULL REFERENCES kb_chunks(id) ON DELETE CASCADE,
            tf integer NOT NULL,
            impact real NOT NULL
        );
        INSERT INTO kb_postings (kb_id, lexeme, chunk_id, tf, impact)
        SELECT c.kb_id, x.lexeme, c.id, x.tf, {IMPACT}
        FROM kb_chunks c JOIN kb_bases b ON b.id = c.kb_id
        CROSS JOIN LATERAL (SELECT lexeme, coalesce(array_length(positions, 1), 1) AS tf
                            FROM unnest(c.tsv)) x;
        CREATE INDEX ix_kb_postings_term ON kb_postings (kb_id, lexeme, impact DESC) INCLUDE (chunk_id, tf);
        CREATE INDEX ix_kb_postings_chunk ON kb_postings (chunk_id);
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE kb_postings")
