"""Company knowledge: loading documents, chunking, embeddings, the pgvector + full-text index, hybrid search.

Not built yet (issue #4); the package exists so the layout in DESIGN.md holds from the start.
"""

__all__: list[str] = []
