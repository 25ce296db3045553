"""From a question to ranked passages: question analysis, language, dense and keyword signals."""
