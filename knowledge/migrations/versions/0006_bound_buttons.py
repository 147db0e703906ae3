"""every button bound to its chat: an upload's chat, and deletions awaiting confirmation

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 09:00:00

A button carries only an id, and a client can send any id from any chat (or from an inline
message, which has no chat). So what a button acts on records where, and for whom, it was
offered: an answer already keeps its chat (asked.chat_id); an upload now keeps the chat of
its preview; and a deletion asked with /xoa is a row of its own, whose id the confirmation
buttons carry, bound to the admin who asked and the chat they asked in.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("upload", sa.Column("chat_id", sa.BigInteger(), nullable=True))
    # Uploads held so far came from private chats, whose id is the sender's own.
    upload = sa.table(
        "upload", sa.column("chat_id", sa.BigInteger), sa.column("user_id", sa.BigInteger)
    )
    op.execute(upload.update().values(chat_id=upload.c.user_id))
    op.create_table(
        "deletion",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False, index=True),
    )


def downgrade() -> None:
    op.drop_table("deletion")
    op.drop_column("upload", "chat_id")  # SQLite ≥ 3.35 drops a column in place
