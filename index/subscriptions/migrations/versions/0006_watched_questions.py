"""watched questions: the watches table, and watch posts in the same outbox as subscription posts

A delivery names either a subscription or a watch: `subscription_id` may be NULL, and
`watch_id` is 0 for a subscription's post (a NULL would make every row distinct in the
unique constraint), so a chat still gets an article once per subscription and once per watch.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 17:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'watches',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('chat_id', sa.BigInteger(), nullable=False),
        sa.Column('chat_title', sa.String(length=256), nullable=False),
        sa.Column('thread_id', sa.BigInteger(), nullable=True),
        sa.Column('question', sa.Text(), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('answer', sa.Text(), nullable=True),
        sa.Column('vector', sa.LargeBinary(), nullable=True),
        sa.Column('model', sa.String(length=256), nullable=False),
        sa.Column('created_by', sa.BigInteger(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('changed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('ended_reason', sa.String(length=256), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('watches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_watches_active'), ['active'], unique=False)
        batch_op.create_index(batch_op.f('ix_watches_chat_id'), ['chat_id'], unique=False)
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('watch_id', sa.BigInteger(), server_default='0', nullable=False))
        batch_op.alter_column('subscription_id', existing_type=sa.Integer(), nullable=True)
        batch_op.drop_constraint('uq_delivery_chat_thread_article', type_='unique')
        batch_op.create_unique_constraint('uq_delivery_chat_thread_article_watch', ['chat_id', 'thread_id', 'article_id', 'watch_id'])


def downgrade() -> None:
    op.execute('DELETE FROM deliveries WHERE watch_id != 0')
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_constraint('uq_delivery_chat_thread_article_watch', type_='unique')
        batch_op.create_unique_constraint('uq_delivery_chat_thread_article', ['chat_id', 'thread_id', 'article_id'])
        batch_op.alter_column('subscription_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('watch_id')
    with op.batch_alter_table('watches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_watches_chat_id'))
        batch_op.drop_index(batch_op.f('ix_watches_active'))
    op.drop_table('watches')
