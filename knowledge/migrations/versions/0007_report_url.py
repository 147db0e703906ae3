"""report.url: the address of the page a report was read from

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 09:00:00

A citation a member can follow: JSON Lines records may carry a "url", HTML pages their
canonical link. Reports stored before have none (their sources gave it to nobody).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN (see 0004): a copy-and-rename would cascade to every child row.
    op.add_column("report", sa.Column("url", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("report", "url")
