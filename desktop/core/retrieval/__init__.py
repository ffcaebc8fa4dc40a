"""Finding the creator's own words that fit a message: embeddings, a faiss index and FTS5, fused."""
