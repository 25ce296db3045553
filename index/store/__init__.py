"""The paragraph store (Chroma), its record format, the keyword statistics that follow it, the owner lock."""
