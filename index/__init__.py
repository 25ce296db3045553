"""Newsbot's indexing and retrieval library: articles in, answers with sources out.

No Telegram and no command line in here; `bot/` and `scripts/` call `index.service`.
"""

import os

# torch's OpenMP threads (libgomp) busy-wait ~300,000 spins after every parallel region by default.
# After a question's forward pass that spinning thread takes one of the two cores from the Chroma
# query that follows: 9.1 ms instead of 3.2 ms at 6k paragraphs. 10,000 spins keep the forward pass as
# fast (13.9 against 13.3 ms) and the store query at 3.9 ms (docs/scale.md, "Threads").
# Read by libgomp when torch loads, which is always after this (the model loads lazily); a value
# set in the environment wins.
os.environ.setdefault("GOMP_SPINCOUNT", "10000")
