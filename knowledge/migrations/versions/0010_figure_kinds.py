"""figure.measure, kind, per, subject: what a figure is, so totals add only like with like

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 00:00:00

A total adds figures of one measure and one subject, never a unit price ("600.000
đồng/suất") or a share. Rows stored before have these null; the analyses read them again
from the figure's own words (knowledge/analyze.py), and a re-ingest stores them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMNs (see 0004): a copy-and-rename would rewrite every figure row.
    op.add_column("figure", sa.Column("measure", sa.String(), nullable=True))
    op.add_column("figure", sa.Column("kind", sa.String(), nullable=True))
    op.add_column("figure", sa.Column("per", sa.String(), nullable=True))
    op.add_column("figure", sa.Column("subject", sa.Text(), nullable=True))


def downgrade() -> None:
    for name in ("subject", "per", "kind", "measure"):
        op.drop_column("figure", name)
