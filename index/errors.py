"""Everything that can go wrong in Newsbot, and what the user should do next.

    NewsbotError                 base: the message is written for the person at the keyboard
    ├── InputError               an article, feed, URL or question we cannot use
    │   ├── QuestionError        an empty, too long or wordless question (`kind` says which)
    │   ├── LoadError            one source could not be read (names the file or URL)
    │   └── NothingToIndex       a reindex found no article in any source (the old index stays)
    ├── ModelError               the embedding model cannot be built or loaded
    ├── LLMError                 the language model gave no usable written answer (down, slow, malformed)
    ├── DatabaseUnavailable      the subscription database cannot be reached (NEWSBOT_DATABASE_URL)
    ├── ReindexRunning           a reindex is already being built (here or by another process)
    └── StoreError               the vector store
        ├── StoreUnavailable     Chroma server down or unreachable
        ├── StoreBusy            another process owns the embedded store
        ├── IndexEmpty           nothing indexed yet
        └── ModelMismatch        the index was built with another embedding model

Unavailable = (StoreUnavailable, DatabaseUnavailable): what a user may simply retry later.
"""


class NewsbotError(Exception):
    """Base class; `str(error)` is a complete sentence for the user."""


class InputError(NewsbotError):
    """Input we cannot use: the message says what is wrong with it."""


class QuestionError(InputError):
    """A question we cannot search for; `kind` is "empty", "too_long" or "no_words"."""

    def __init__(self, kind: str, message: str, length: int = 0, limit: int = 0) -> None:
        super().__init__(message)
        self.kind = kind
        self.length = length
        self.limit = limit


class LoadError(InputError):
    """One source could not be read; the others go on."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class ModelError(NewsbotError):
    """The embedding model could not be built or loaded."""


class StoreError(NewsbotError):
    """The vector store failed."""


class StoreUnavailable(StoreError):
    """The Chroma server cannot be reached; retrying later may work."""


class StoreBusy(StoreError):
    """Another process owns the embedded store's data directory."""


class IndexEmpty(StoreError):
    """Nothing has been indexed yet."""


class ModelMismatch(StoreError):
    """The index was built with another embedding model than the configured one."""


class NothingToIndex(InputError):
    """A reindex read no article at all; the serving index is kept."""


class ReindexRunning(NewsbotError):
    """Only one reindex at a time; the running one's progress is in the message or its owner."""


class LLMError(NewsbotError):
    """The language model did not give a usable answer (down, slow, refused, malformed)."""


class DatabaseUnavailable(NewsbotError):
    """The subscription database cannot be reached; retrying later may work."""


Unavailable = (StoreUnavailable, DatabaseUnavailable)
