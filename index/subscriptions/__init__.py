"""Chats, subscriptions, feeds and the outbox, in the SQL database with its migrations."""
