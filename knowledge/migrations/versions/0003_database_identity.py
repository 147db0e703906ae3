"""database identity: tells a recreated database from the one an index was built for

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 00:10:00

The database gets a random id, written once. An index folder records the id of the database
it follows, so a folder left from a database that was since recreated (same URL, new
content) is recognised as stale and rebuilt, even when the new change log has grown past
the old one's sequence numbers.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dbinfo",
        sa.Column("key", sa.String(length=40), primary_key=True),
        sa.Column("value", sa.String(length=200), nullable=False),
    )
    op.execute(f"INSERT INTO dbinfo (key, value) VALUES ('identity', '{uuid.uuid4()}')")


def downgrade() -> None:
    op.drop_table("dbinfo")
