"""From passages to an answer: quoted sentences and spans (extractive), or written by a language model."""
