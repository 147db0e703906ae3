"""ids never given twice: SQLite AUTOINCREMENT on report, upload and deletion

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 00:00:00

SQLite gives a new row the largest id in the table plus one, so deleting the newest report
handed its id to the next upload: a citation, an audit line or `mttq show 12` read before
meant another report after. An upload or a deletion dropped after two days did the same to
the id its buttons carry. With AUTOINCREMENT SQLite remembers the largest id ever given
(sqlite_sequence). A report id already freed is not lost: the change log (reportchange)
names every report ever stored, and the sequence starts above it. PostgreSQL's sequences
never give an id twice: nothing to do there.

SQLite cannot add AUTOINCREMENT in place, so each table is copied, with foreign keys off:
else dropping the old report table would cascade to every child row, and renaming it aside
would make the children's foreign keys follow it. The pragma does nothing inside a
transaction, so what the migrations before this one wrote is committed first, and the copies
run in a transaction of their own, checked (foreign_key_check) before it commits.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from alembic import op
from sqlalchemy import text
from sqlalchemy.engine import Connection

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# table → the ids it must start above, besides its own rows
_TABLES = {
    "report": (
        "SELECT max(report_id) FROM reportchange",
        "SELECT max(report_id) FROM audit",
        "SELECT max(report_id) FROM deletion",
    ),
    "upload": (),
    "deletion": (),
}
_ID_COLUMN = re.compile(r"\bid INTEGER NOT NULL(?: PRIMARY KEY AUTOINCREMENT)?,")
_TABLE_KEY = re.compile(r",\s*PRIMARY KEY \(id\)\s*(?=\)\s*$)")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        with _foreign_keys_off(bind):
            for table, floors in _TABLES.items():
                _copy(bind, table, autoincrement=True, floors=floors)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        with _foreign_keys_off(bind):
            for table in _TABLES:
                _copy(bind, table, autoincrement=False, floors=())


@contextmanager
def _foreign_keys_off(bind: Connection) -> Iterator[None]:
    dbapi = bind.connection.dbapi_connection
    assert dbapi is not None
    dbapi.commit()
    dbapi.execute("PRAGMA foreign_keys = OFF")
    try:
        dbapi.execute("BEGIN")
        try:
            yield
            broken = dbapi.execute("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"migration 0009 would break foreign keys: {broken[:5]}")
        except BaseException:
            dbapi.rollback()
            raise
        dbapi.commit()
    finally:
        dbapi.execute("PRAGMA foreign_keys = ON")


def _copy(bind: Connection, table: str, *, autoincrement: bool, floors: tuple[str, ...]) -> None:
    """The table again, its id AUTOINCREMENT (or not), the same columns, rows and indexes."""
    create = bind.execute(
        text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :name"), {"name": table}
    ).scalar_one()
    indexes = list(
        bind.execute(
            text(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = :name AND sql IS NOT NULL"
            ),
            {"name": table},
        ).scalars()
    )
    id_column = (
        "id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,"
        if autoincrement
        else "id INTEGER NOT NULL,"
    )
    new = _ID_COLUMN.sub(id_column, str(create), count=1)
    new = (
        _TABLE_KEY.sub("", new)
        if autoincrement
        else re.sub(r"\s*\)\s*$", ", \n\tPRIMARY KEY (id)\n)", new)
    )
    aside = f"_old_{table}"
    # Legacy: the children's foreign keys keep naming the table, not the copy put aside.
    bind.exec_driver_sql("PRAGMA legacy_alter_table = ON")
    try:
        bind.exec_driver_sql(f"ALTER TABLE {table} RENAME TO {aside}")
    finally:
        bind.exec_driver_sql("PRAGMA legacy_alter_table = OFF")
    bind.exec_driver_sql(new)
    bind.exec_driver_sql(f"INSERT INTO {table} SELECT * FROM {aside}")
    bind.exec_driver_sql(f"DROP TABLE {aside}")  # its indexes go with it
    for index in indexes:
        bind.exec_driver_sql(index)
    if autoincrement:
        highest = [
            bind.exec_driver_sql(f"SELECT max(id) FROM {table}").scalar(),
            *(bind.exec_driver_sql(f).scalar() for f in floors),
        ]
        top = max((int(h) for h in highest if h is not None), default=0)
        bind.execute(text("DELETE FROM sqlite_sequence WHERE name = :name"), {"name": table})
        bind.execute(
            text("INSERT INTO sqlite_sequence (name, seq) VALUES (:name, :seq)"),
            {"name": table, "seq": top},
        )
