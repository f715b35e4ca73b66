"""BM25 without touching the chunks table: each posting carries its chunk's document and length.

Scoring a query term's best postings needed every posting's chunk length and document from
``kb_chunks``, whose rows are wide (the embedding): on 100k chunks those scattered reads were most of
a BM25 search. The term index now covers everything an unfiltered search reads.

Revision ID: 0005
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        ALTER TABLE kb_postings ADD COLUMN document_id bigint, ADD COLUMN n_terms integer;
        UPDATE kb_postings p SET document_id = c.document_id, n_terms = c.n_terms
        FROM kb_chunks c WHERE c.id = p.chunk_id;
        ALTER TABLE kb_postings ALTER COLUMN document_id SET NOT NULL, ALTER COLUMN n_terms SET NOT NULL;
        DROP INDEX ix_kb_postings_term;
        CREATE INDEX ix_kb_postings_term ON kb_postings (kb_id, lexeme, impact DESC)
            INCLUDE (chunk_id, tf, document_id, n_terms);
        """
    )


def downgrade() -> None:
    op.execute(
        """
        DROP INDEX ix_kb_postings_term;
        ALTER TABLE kb_postings DROP COLUMN document_id, DROP COLUMN n_terms;
        CREATE INDEX ix_kb_postings_term ON kb_postings (kb_id, lexeme, impact DESC) INCLUDE (chunk_id, tf);
        """
    )
