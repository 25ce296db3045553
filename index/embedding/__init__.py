"""Text to vectors: the embedder interface, models chosen by name, the sparse head, background priority."""
