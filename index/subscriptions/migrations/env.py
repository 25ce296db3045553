"""Alembic's entry point: run the migrations on the engine SubscriptionDB.migrate() passes in."""

from __future__ import annotations

from alembic import context

from index.subscriptions.database import Base

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
