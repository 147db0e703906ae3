"""Migrations keep what is stored: a filled database taken down and up again loses no row."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

from knowledge import store
from knowledge.ingest import documents, ingest, sample_paths

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
