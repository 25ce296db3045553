"""Small talk in any language, recognised by meaning.

The word patterns of index.retrieval.questions know English and German small talk only: "Bonjour,
comment ça va ?" or a joke asked for in Polish passed them and got a random quote about missiles.
A multilingual model puts "Bonjour, comment ça va ?" next to "How are you?" whatever the language,
so a question is small talk here when its vector (the one retrieval made anyway) is

- close to one of the small-talk questions below (English and German; cosine ≥ `similarity`), and
- closer to them than to any of the news questions below, by at least `margin`

(the second test keeps a news question that merely sounds chatty, "How are the talks going?",
answered). The two figures are calibrated per model, on XQuAD's 2,380 answerable questions (none may be
refused) and a development set of small talk in 14 languages (tests/data/multilingual_questions.jsonl;
`python -m scripts.dev.calibrate_small_talk`, docs/threshold.md). A model without a calibration keeps
the word patterns only: its cosines are on another scale.

Pure functions, plus the prototype vectors each model embeds once, on first use.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from index.embedding.bundled_model import BUNDLED_MODEL_NAME
from index.embedding.embedder import Embedder

# Kinds of message the news cannot answer, each as one might say it (English and German).
SMALL_TALK: tuple[str, ...] = (
    "Hello!",
    "Hi, how are you?",
    "How are you doing today?",
    "Good morning!",
    "Good night, see you tomorrow!",
    "Thank you very much!",
    "Bye!",
    "Who are you?",
    "What is your name?",
    "Are you a bot or a human?",
    "Tell me a joke.",
    "Sing me a song.",
    "Write me a poem.",
    "What will the weather be like tomorrow?",
    "Will it rain this weekend?",
    "Give me a recipe for dinner.",
    "What time is it?",
    "I love you.",
    "Can you help me with my homework?",
    "Hallo, wie geht es dir?",
    "Guten Morgen!",
    "Danke schön!",
    "Wer bist du?",
    "Erzähl mir einen Witz.",
    "Wie wird das Wetter morgen?",
    "Wie spät ist es?",
    "Gib mir ein Rezept für Kuchen.",
)

# What the news is asked: the other side of the margin.
NEWS: tuple[str, ...] = (
    "When is the summit?",
    "Who won the election?",
    "How many people died in the earthquake?",
    "What did the minister say about the budget?",
    "Why did the company cut jobs?",
    "Where did the attack happen?",
    "How are the negotiations going?",
    "What is the capital of Australia?",
    "Who is the president of Russia?",
    "Wann beginnt der Prozess?",
    "Wer führt die Regierung?",
    "Wie viele Menschen wurden verletzt?",
    "Was hat der Kanzler zur Rente gesagt?",
    "Warum ist der Preis gestiegen?",
    "Wo fand das Treffen statt?",
    "Welche Partei hat gewonnen?",
)


@dataclass(frozen=True)
class Calibration:
    """Cosine (−1..1) to the nearest small-talk question at or above which, with at least `margin`
    more than to the nearest news question, a question is small talk."""

    similarity: float
    margin: float


# Measured with scripts/dev/calibrate_small_talk.py (docs/threshold.md); keyed by the model's name as
# NEWSBOT_EMBEDDING_MODEL gives it. Only the bundled build is measured: the same model from the hub has
# full-precision weights (the bundled one is dequantized from 4 bits), so its cosines differ a little,
# and the similarity has 0.001 to spare on XQuAD.
CALIBRATIONS: dict[str, Calibration] = {
    BUNDLED_MODEL_NAME: Calibration(similarity=0.88, margin=0.05),
}


def nearness(queries: np.ndarray, small_talk: np.ndarray, news: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For questions' unit vectors `queries` (q, dim): the cosine to the nearest of SMALL_TALK's vectors
    `small_talk` (n, dim), and how much nearer that is than the nearest of NEWS's `news` (m, dim); two (q,) arrays."""
    nearest = (queries @ small_talk.T).max(axis=1)
    return nearest, nearest - (queries @ news.T).max(axis=1)


def near_small_talk(query: np.ndarray, small_talk: np.ndarray, news: np.ndarray, calibration: Calibration) -> bool:
    """Whether a question's unit vector `query` (dim,) is small talk, given the unit vectors of
    SMALL_TALK (n, dim) and NEWS (m, dim) made by the same model."""
    nearest, margin = nearness(query[None, :], small_talk, news)
    return bool(nearest[0] >= calibration.similarity and margin[0] >= calibration.margin)


@dataclass(frozen=True)
class Prototypes:
    """SMALL_TALK and NEWS embedded as questions by one model, with its calibration."""

    small_talk: np.ndarray  # (len(SMALL_TALK), dim), unit rows
    news: np.ndarray  # (len(NEWS), dim), unit rows
    calibration: Calibration

    def recognise(self, query: np.ndarray) -> bool:
        """Whether `query` (the question's vector from this model) is small talk."""
        return near_small_talk(query, self.small_talk, self.news, self.calibration)


_made: dict[str, Prototypes] = {}
_lock = threading.Lock()


def prototypes_for(embedder: Embedder) -> Prototypes | None:
    """The prototypes of `embedder`'s model, embedded on first use (0.2 s on two cores, once per process);
    None for a model without a calibration."""
    calibration = CALIBRATIONS.get(embedder.name)
    if calibration is None:
        return None
    with _lock:
        made = _made.get(embedder.name)
        if made is None:
            made = Prototypes(_embed(embedder, SMALL_TALK), _embed(embedder, NEWS), calibration)
            _made[embedder.name] = made
    return made


def _embed(embedder: Embedder, questions: tuple[str, ...]) -> np.ndarray:
    return np.asarray(embedder.embed_queries(questions), dtype=np.float32)


def recognised(query: np.ndarray, embedder: Embedder) -> bool:
    """Whether a question is small talk by meaning, given its vector `query` (dim,) made by `embedder`;
    False for a model without a calibration."""
    made = prototypes_for(embedder)
    return made is not None and made.recognise(query)
