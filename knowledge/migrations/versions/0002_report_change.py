"""report change log and database identity: the index follows them

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 23:50:00

Every stored or deleted report appends a row in the same transaction, so each process that
keeps a search index (the CLI, every bot instance sharing one PostgreSQL) can catch up by
reading the rows after the last sequence number it applied, without rebuilding anything.
The database also gets an identity (a random id written once), so an index folder left from
a database that was since recreated is recognised as stale and rebuilt, even when the new
change log has grown past the old one's sequence numbers.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reportchange",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("op", sa.String(length=8), nullable=False),
    )
    op.create_index("ix_reportchange_report_id", "reportchange", ["report_id"])
    # Reports stored before this revision are announced once, in id order.
    op.execute("INSERT INTO reportchange (report_id, op) SELECT id, 'add' FROM report ORDER BY id")
    op.create_table(
        "dbinfo",
        sa.Column("key", sa.String(length=40), primary_key=True),
        sa.Column("value", sa.String(length=200), nullable=False),
    )
    op.execute(f"INSERT INTO dbinfo (key, value) VALUES ('identity', '{uuid.uuid4()}')")


def downgrade() -> None:
    op.drop_table("dbinfo")
    op.drop_index("ix_reportchange_report_id", table_name="reportchange")
    op.drop_table("reportchange")
