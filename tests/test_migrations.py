"""Migrations keep what is stored: a filled database taken down and up again loses no row."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

from knowledge import gazetteer, store
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
        return {
            t: int(connection.execute(text(f"SELECT count(*) FROM {t}")).scalar() or 0)
            for t in _TABLES
        }


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
    held = Upload(
        user_id=1,
        chat_id=1,
        file_name="b.txt",
        data=b"x",
        status="pending",
        created_at=datetime.now(UTC),
    )
    first = store.add_row(engine, held)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM upload"))  # dropped after two days unconfirmed
    held = Upload(
        user_id=1,
        chat_id=1,
        file_name="c.txt",
        data=b"x",
        status="pending",
        created_at=datetime.now(UTC),
    )
    assert store.add_row(engine, held) == first + 1
    with engine.connect() as connection:
        indexes = {
            r[0]
            for r in connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'index'"))
        }
        references = connection.execute(
            text("SELECT sql FROM sqlite_master WHERE name = 'item'")
        ).scalar()
    assert {"ix_report_source", "ix_report_content_hash", "ix_deletion_created_at"} <= indexes
    assert "REFERENCES report (id)" in str(references)


def test_0008_files_a_units_stored_writings_under_one_unit(engine: Engine, tmp_path: Path) -> None:
    """Reports stored before 0008 kept the unit as each page wrote it: those whose parents
    fit exactly one unit of that name take its code and spelling; a same-named unit of
    another place, and one whose parents fit two, keep theirs. Works on SQLite and PostgreSQL."""
    from tests.test_units import POSTS

    source = tmp_path / "posts.jsonl"
    extra = [
        "Ngày 06/8/2024, Ủy ban MTTQ Phường 2, thị xã Kiến Tường tổ chức hội nghị giao ban.",
        "Ngày 07/8/2024, Ủy ban MTTQ Phường 2, thành phố Vũng Tàu tổ chức hội nghị giao ban.",
        "Ngày 08/8/2024, Ủy ban MTTQ Phường 2 tổ chức hội nghị giao ban tháng 7.",
    ]
    with source.open("w", encoding="utf-8") as out:
        for i, post in enumerate([*POSTS, *extra]):
            out.write(json.dumps({"id": str(i), "text": post}, ensure_ascii=False) + "\n")
    ingest(engine, documents([source]), workers=1)
    _run(engine, "downgrade", "0007")
    with engine.begin() as connection:  # as stored before: no code where a page named no parent
        connection.execute(text("UPDATE report SET unit_code = NULL, unit_name = 'Lương minh' "
                                "WHERE unit_key = 'xã|luong minh' AND source LIKE '%#0'"))  # fmt: skip
        connection.execute(text("UPDATE report SET unit_code = NULL WHERE unit_key = 'xã|luong minh' "
                                "AND unit_parents::text NOT LIKE '%Ninh%'" if engine.dialect.name == "postgresql"
                                else "UPDATE report SET unit_code = NULL WHERE unit_key = 'xã|luong minh' "
                                "AND CAST(unit_parents AS TEXT) NOT LIKE '%Ninh%'"))  # fmt: skip
        changes = connection.execute(text("SELECT count(*) FROM reportchange")).scalar()
    _run(engine, "upgrade", "head")
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT source, unit_name, unit_code, unit_key FROM report")
        ).all()
        after = connection.execute(text("SELECT count(*) FROM reportchange")).scalar()
    by_source = {r.source.rsplit("#", 1)[1]: r for r in rows}
    quang_ninh = gazetteer.resolve(
        "xã", "Lương Minh", mentioned=[gazetteer.Place("tỉnh", "Quảng Ninh")]
    )
    assert quang_ninh is not None
    for i in range(len(POSTS)):
        assert (by_source[str(i)].unit_name, by_source[str(i)].unit_code) == (
            "Lương Minh",
            quang_ninh.code,
        ), i
    assert by_source[str(len(POSTS) + 2)].unit_code is None  # Phường 2 of no town: fits two
    assert (after or 0) > (changes or 0)  # the indexes and catalogs read them again
