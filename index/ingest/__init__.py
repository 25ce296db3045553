"""Reading input (files, pages, feeds, records) into articles, splitting them, indexing and rebuilding."""
