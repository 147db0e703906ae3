"""report change log: the index follows it

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 23:50:00

Every stored or deleted report appends a row in the same transaction, so each process that
keeps a search index (the CLI, every bot instance sharing one PostgreSQL) can catch up by
reading the rows after the last sequence number it applied, without rebuilding anything.
"""

from __future__ import annotations

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


def downgrade() -> None:
    op.drop_index("ix_reportchange_report_id", table_name="reportchange")
    op.drop_table("reportchange")
