"""The search index heals: a folder that lost a file, holds a garbled or truncated one, or
disagrees with the database is rebuilt from the database on opening (with a warning on
stderr), and a file damaged while the bot runs is rebuilt at the next question. INDEX_DIR
naming a file is a clear error."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.answering import as_json
from bot.cli import main
from knowledge.assistant import Assistant
from knowledge.ingest import ingest
from knowledge.read import RawDocument

QUESTION = "Bí thư Huyện ủy Đình Lập là ai?"


def _open(engine: Engine, index: Path) -> Assistant:
    return Assistant.open(str(engine.url), index_dir=str(index), engine=engine)


def _answered(assistant: Assistant) -> bool:
    answer = as_json(assistant.ask(QUESTION))
    return bool(answer["found"]) and "Hoàng Xuân Thuận" in str(answer["answer"])


def _segment(index: Path, suffix: str) -> Path:
    return next((index / "passages").glob(f"*.{suffix}"))


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:100])


DAMAGE: dict[str, Callable[[Path], None]] = {
    "meta.json lost": lambda index: (index / "passages" / "meta.json").unlink(),
    "meta.json garbled": lambda index: (index / "passages" / "meta.json").write_text("garbage"),
    "a part's meta.json lost": lambda index: (index / "reports" / "meta.json").unlink(),
    "state.json lost": lambda index: (index / "state.json").unlink(),
    "terms truncated": lambda index: _truncate(_segment(index, "term")),
    "postings truncated": lambda index: _truncate(_segment(index, "idx")),
    "stored texts truncated": lambda index: _truncate(_segment(index, "store")),
    "a segment file lost": lambda index: _segment(index, "pos").unlink(),
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_index_is_rebuilt_on_opening(
    seeded_file: Path, tmp_path: Path, damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    from knowledge import store

    database = tmp_path / "db.sqlite"
    shutil.copy(seeded_file, database)
    engine = store.connect(f"sqlite:///{database}")
    index = tmp_path / "index"
    first = _open(engine, index)
    assert _answered(first)
    reports = first.index.reports_indexed()
    del first
    DAMAGE[damage](index)
    with caplog.at_level(logging.WARNING, logger="knowledge.index"):
        healed = _open(engine, index)
    assert _answered(healed)
    assert healed.index.reports_indexed() == reports
    if damage != "state.json lost":  # that one only replays the change log
        assert any("rebuild" in r.getMessage() for r in caplog.records)


def test_an_index_damaged_while_answering_is_rebuilt_at_the_next_question(
    seeded_file: Path, tmp_path: Path
) -> None:
    from knowledge import store

    database = tmp_path / "db.sqlite"
    shutil.copy(seeded_file, database)
    engine = store.connect(f"sqlite:///{database}")
    index = tmp_path / "index"
    assistant = _open(engine, index)
    assert _answered(assistant)
    # The folder is garbled under the running bot, then a report arrives: the next question
    # must reload the index, finds it damaged, and answers from a rebuilt one.
    (index / "passages" / "meta.json").write_text("garbage")
    added = ingest(
        engine,
        [RawDocument("moi.txt", "Ủy ban MTTQ xã Tân Hòa trao 41 suất quà cho hộ nghèo.", "txt")],
        workers=1,
    )
    assert added.added
    assistant.index.refresh_seconds = assistant.catalog.refresh_seconds = 0.0
    assert _answered(assistant)
    assert "41 suất quà" in str(
        as_json(assistant.ask("xã Tân Hòa trao bao nhiêu suất quà?"))["answer"]
    )


def test_index_dir_naming_a_file_is_a_clear_error(
    seeded_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from bot.settings import get_settings

    database = tmp_path / "db.sqlite"
    shutil.copy(seeded_file, database)
    a_file = tmp_path / "index-file"
    a_file.write_text("not a folder")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{database}")
    monkeypatch.setenv("INDEX_DIR", str(a_file))
    get_settings.cache_clear()
    try:
        with pytest.raises(SystemExit) as exit_info:
            main(["ask", QUESTION])
    finally:
        get_settings.cache_clear()
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert "INDEX_DIR" in err and "is a file, not a folder" in err and "Traceback" not in err
