"""conversation state, questions asked, pending uploads and the audit log

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 01:10:00

Everything a bot instance must share with the others behind one load balancer lives here,
not in memory: a chat's facets for follow-ups, each answer given (its pages, source excerpt
and follow-up buttons refer to it by id, and its feedback is stored on it), a document an
admin sent but has not confirmed yet, and who loaded or deleted what.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chatstate",
        sa.Column("chat_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "asked",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("chat_id", sa.BigInteger(), nullable=False, index=True),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("folded", sa.String(length=200), nullable=False, index=True),
        sa.Column("found", sa.Boolean(), nullable=False),
        sa.Column("intent", sa.String(length=40), nullable=False),
        sa.Column("answer", sa.JSON(), nullable=False),
        sa.Column("feedback", sa.Integer(), nullable=True),
        sa.Column("asked_at", sa.DateTime(), nullable=False, index=True),
    )
    op.create_table(
        "upload",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(), nullable=False, index=True),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    for table in ("audit", "upload", "asked", "chatstate"):
        op.drop_table(table)
