"""chat state: recent questions (for buttons) and conversation turns (for follow-ups)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 14:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('chat_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('chat_questions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chat_questions_chat_id'), ['chat_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_chat_questions_created_at'), ['created_at'], unique=False)

    op.create_table('chat_turns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('chat_turns', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chat_turns_chat_id'), ['chat_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_chat_turns_created_at'), ['created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('chat_turns', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chat_turns_created_at'))
        batch_op.drop_index(batch_op.f('ix_chat_turns_chat_id'))
    op.drop_table('chat_turns')
    with op.batch_alter_table('chat_questions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chat_questions_created_at'))
        batch_op.drop_index(batch_op.f('ix_chat_questions_chat_id'))
    op.drop_table('chat_questions')
