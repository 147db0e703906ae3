"""report.front: whether a page is about the Fatherland Front at all

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 00:15:00

Among thousands of news pages, the few that speak of the Front are the ones members ask
about: answers prefer them, and a unit's report list shows them first. New reports get the
flag from the ingest (knowledge.terms.mentions_front); stored ones from their text here.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# What the ingest recognises, in the spellings a text search can see without folding.
_SPELLINGS = ("MTTQ", "Mặt trận Tổ quốc", "Mặt trận tổ quốc", "MẶT TRẬN TỔ QUỐC", "mặt trận tổ quốc",
              "Ủy ban Mặt trận", "Uỷ ban Mặt trận", "UBMTTQ", "Mặt Trận Tổ Quốc")  # fmt: skip


def upgrade() -> None:
    # A plain ADD COLUMN, never a batch (copy-and-rename) migration: SQLite runs with foreign
    # keys on, and dropping the old report table would cascade to every item and figure.
    op.add_column(
        "report", sa.Column("front", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    report = sa.table("report", sa.column("text", sa.Text), sa.column("front", sa.Boolean))
    said = sa.or_(*(report.c.text.contains(s) for s in _SPELLINGS))
    op.execute(report.update().where(said).values(front=True))


def downgrade() -> None:
    op.drop_column("report", "front")  # SQLite ≥ 3.35 drops a column in place
