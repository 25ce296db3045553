"""Newsbot's indexing and retrieval library: articles in, answers with sources out.

No Telegram and no command line in here; `bot/` and `scripts/` call `index.service`.
"""
