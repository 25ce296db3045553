"""Newsbot's indexing and retrieval library: articles in, answers with sources out.

No Telegram and no command line in here; `bot/` and `scripts/` call `index.service`.
"""

import os

# torch's OpenMP threads (libgomp) busy-wait ~300,000 spins after every parallel region by default.
# After a question's forward pass that spinning thread takes one of the two cores from the Chroma
# query that follows: 9.0 ms instead of 4.1 ms at 6k paragraphs. With 10,000 spins the query takes
# 4.5 ms and the encode 1.3 ms longer (docs/scale.md, "Threads": scripts/dev/bench_threads).
# Read by libgomp when torch loads, which in Newsbot comes later (the model loads lazily); a value
# set in the environment wins.
os.environ.setdefault("GOMP_SPINCOUNT", "10000")
