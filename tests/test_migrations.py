"""Migrations keep what is stored: a filled database taken down and up again loses no row."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

from knowledge import store
from knowledge.ingest import documents, ingest, sample_paths
from knowledge.models import Upload

_TABLES = ("report", "item", "figure", "person", "docref")


def _run(engine: Engine, action: str, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(Path(store.__file__).parent / "migrations"))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        getattr(command, action)(config, revision)


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {t: int(connection.execute(text(f"SELECT count(*) FROM {t}")).scalar() or 0) for t in _TABLES}


def test_down_and_up_keeps_every_row(tmp_path: Path) -> None:
    """On SQLite (foreign keys on), a copy-and-rename migration of the report table would
    cascade-delete every item and figure: each revision must alter tables in place."""
    engine = store.connect(f"sqlite:///{tmp_path / 'mttq.db'}")
    paths = sample_paths()
    ingest(engine, documents(paths, sources={p: p.name for p in paths}), workers=1)
    before = _counts(engine)
    assert all(before.values())
    _run(engine, "downgrade", "0001")
    _run(engine, "upgrade", "head")
    assert _counts(engine) == before
    with engine.connect() as connection:
        fronts = connection.execute(text("SELECT count(*) FROM report WHERE front")).scalar()
        changes = connection.execute(text("SELECT count(*) FROM reportchange")).scalar()
    assert fronts == 5  # backfilled from the stored text
    assert changes == 5  # every stored report announced to the indexes
    assert store.identity(engine)


def test_ids_freed_before_the_upgrade_are_not_given_again(tmp_path: Path) -> None:
    """A database at 0007 whose newest report was deleted: after 0009 the next ones get new
    ids (the change log remembers the one freed), uploads too, and every child row, index
    and foreign key stays."""
    engine = store.connect(f"sqlite:///{tmp_path / 'mttq.db'}")
    paths = sample_paths()
    ingest(engine, documents(paths, sources={p: p.name for p in paths}), workers=1)
    _run(engine, "downgrade", "0007")
    newest = max(r["id"] for r in store.list_reports(engine))
    assert store.delete_report(engine, newest)
    before = _counts(engine)
    _run(engine, "upgrade", "head")
    assert _counts(engine) == before
    deleted = paths[-1]  # stored last: the newest report
    again = ingest(engine, documents([deleted], sources={deleted: "lai.txt"}), workers=1)
    assert again.added and again.added[0].report_id == newest + 1  # above the one freed: not reused
    assert store.delete_report(engine, again.added[0].report_id)
    third = ingest(engine, documents([deleted], sources={deleted: "ba.txt"}), workers=1)
    assert third.added[0].report_id == newest + 2
    held = Upload(user_id=1, chat_id=1, file_name="b.txt", data=b"x", status="pending", created_at=datetime.now(UTC))
    first = store.add_row(engine, held)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM upload"))  # dropped after two days unconfirmed
    held = Upload(user_id=1, chat_id=1, file_name="c.txt", data=b"x", status="pending", created_at=datetime.now(UTC))
    assert store.add_row(engine, held) == first + 1
    with engine.connect() as connection:
        indexes = {r[0] for r in connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'index'"))}
        references = connection.execute(text("SELECT sql FROM sqlite_master WHERE name = 'item'")).scalar()
    assert {"ix_report_source", "ix_report_content_hash", "ix_deletion_created_at"} <= indexes
    assert "REFERENCES report (id)" in str(references)
