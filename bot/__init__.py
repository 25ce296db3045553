"""Newsbot's Telegram front end (python-telegram-bot)."""
