"""forum topics kept apart: chat state per topic, and an article delivered once per topic (not once per chat)

0 stands for "no topic": a NULL would make every row distinct in the unique constraint.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 15:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ('chat_questions', 'chat_turns', 'deliveries'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('thread_id', sa.BigInteger(), server_default='0', nullable=False))
    # What is queued already goes to the topic of its subscription.
    op.execute(
        'UPDATE deliveries SET thread_id = COALESCE('
        '(SELECT subscriptions.thread_id FROM subscriptions WHERE subscriptions.id = deliveries.subscription_id), 0)'
    )
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_constraint('uq_delivery_chat_article', type_='unique')
        batch_op.create_unique_constraint('uq_delivery_chat_thread_article', ['chat_id', 'thread_id', 'article_id'])


def downgrade() -> None:
    # Back to one delivery per chat: of an article queued for several topics, the first one stays.
    op.execute(
        'DELETE FROM deliveries WHERE id NOT IN '
        '(SELECT kept FROM (SELECT MIN(id) AS kept FROM deliveries GROUP BY chat_id, article_id) AS firsts)'
    )
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_constraint('uq_delivery_chat_thread_article', type_='unique')
        batch_op.create_unique_constraint('uq_delivery_chat_article', ['chat_id', 'article_id'])
    for table in ('deliveries', 'chat_turns', 'chat_questions'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('thread_id')
