"""A database folder that cannot be written: the reading commands work, the writing ones say
why in one line. Tests run as root, whom permission bits do not stop, so the folder is made
really unwritable: a read-only bind mount in a private mount namespace (``unshare -m``), or
the command run as the unprivileged user ``nobody`` (``setpriv``) on a root-owned folder.
Each runner first proves it cannot create a file there; where neither is possible the tests
are skipped, never faked."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from alembic import command

from knowledge import store
from knowledge.index import PassageIndex, index_path
from knowledge.ingest import documents, ingest, sample_paths

pytestmark = pytest.mark.slow  # every command runs in its own process

NOBODY = 65534
FIXTURES = Path(__file__).parent / "fixtures"


@dataclass(frozen=True, slots=True)
class Result:
    code: int
    out: str
    err: str


Runner = Callable[..., Result]


def _runner(kind: str, folder: Path) -> Runner:
    """Run a command (argv) with ``folder`` unwritable to it."""

    def run(*argv: str, env: dict[str, str] | None = None, stdin: str = "") -> Result:
        if kind == "mount":
            script = 'mount --bind -o ro "$0" "$0" && exec "$@"'
            wrapped = ["unshare", "-m", "sh", "-c", script, str(folder), *argv]
        else:
            wrapped = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *argv]
        done = subprocess.run(
            wrapped,
            env={**os.environ, **(env or {})},
            input=stdin,
            capture_output=True,
            text=True,
            cwd="/",
            timeout=300,
        )
        return Result(done.returncode, done.stdout, done.stderr)

    return run


@pytest.fixture(params=["mount", "user"])
def read_only(request: pytest.FixtureRequest) -> Iterator[tuple[Path, Runner]]:
    """A folder readable by everyone, and a runner to which it is unwritable."""
    if os.geteuid() != 0:
        pytest.skip("needs root to mount or to switch to the user nobody")
    needed = "unshare" if request.param == "mount" else "setpriv"
    if shutil.which(needed) is None:
        pytest.skip(f"{needed} is not installed")
    # Under /tmp itself: pytest's own temporary folders are closed to other users.
    folder = Path(tempfile.mkdtemp(prefix="mttq-ro-"))
    folder.chmod(0o755)
    run = _runner(request.param, folder)
    probe = run("sh", "-c", f"touch {folder}/probe")
    if probe.code == 0 or (folder / "probe").exists():
        shutil.rmtree(folder)
        pytest.skip(f"{request.param}: cannot make a folder unwritable here ({probe.err.strip()})")
    yield folder / "data", run
    shutil.rmtree(folder)


def _build(data: Path) -> str:
    """The samples stored and indexed in ``data``, left readable to everyone."""
    url = f"sqlite:///{data / 'mttq.db'}"
    engine = store.connect(url)
    paths = sample_paths()
    ingest(engine, documents(paths, sources={p: p.name for p in paths}), workers=1)
    PassageIndex(engine, index_path(url)).sync(force=True)
    engine.dispose()
    _readable(data)
    return url


def _readable(data: Path) -> None:
    for path in [data, *data.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)


def _mttq(run: Runner, url: str, *args: str, stdin: str = "", **env: str) -> Result:
    return run(sys.executable, "-m", "bot", *args, env={"DATABASE_URL": url, **env}, stdin=stdin)


def _files(data: Path) -> dict[str, tuple[int, int]]:
    return {str(p): (p.stat().st_size, p.stat().st_mtime_ns) for p in data.rglob("*")}


def _one_line_error(result: Result, *phrases: str) -> None:
    assert result.code == 1, result
    assert "Traceback" not in result.err and result.err.count("\n") == 1, result.err
    assert result.err.startswith("Lỗi: ")
    for phrase in phrases:
        assert phrase in result.err


def test_reading_commands_work_and_write_nothing(read_only: tuple[Path, Runner]) -> None:
    data, run = read_only
    url = _build(data)
    before = _files(data)

    listed = _mttq(run, url, "reports", "--json")
    assert listed.code == 0, listed.err
    assert len(json.loads(listed.out)) == 5
    shown = _mttq(run, url, "show", "003_6335d066f07a1d37.txt", "--json")
    assert shown.code == 0 and json.loads(shown.out)["unit"]["name"] == "Hồng Lĩnh"
    asked = _mttq(run, url, "ask", "Bí thư Huyện ủy Đình Lập là ai?", "--json")
    assert asked.code == 0, asked.err
    assert json.loads(asked.out)["sources"][0]["source"] == "001_33d32a97775012cc.txt"
    scored = _mttq(run, url, "eval", str(FIXTURES / "dev_questions.tsv"), "--json")
    assert scored.code == 0, scored.err
    assert json.loads(scored.out)["hit_at_1"] == 1.0
    chat = _mttq(run, url, "chat", stdin="Phường 2 đạt được gì trong 6 tháng đầu năm 2024?\n")
    assert chat.code == 0 and "Kiến Tường" in chat.out, chat.err

    assert _files(data) == before


def test_writing_commands_say_in_one_line_that_the_database_cannot_be_written(
    read_only: tuple[Path, Runner],
) -> None:
    data, run = read_only
    url = _build(data)
    cannot = ("không ghi được vào cơ sở dữ liệu", "cannot be written")
    _one_line_error(_mttq(run, url, "ingest", "--samples"), *cannot)
    _one_line_error(_mttq(run, url, "delete", "1"), *cannot)
    bot = _mttq(run, url, "run", TELEGRAM_BOT_TOKEN="123456:TEST", ADMIN_IDS="1")
    _one_line_error(bot, *cannot)  # the bot stores chats and answers: it cannot start
    assert _mttq(run, url, "reports", "--json").out.count('"id"') == 5  # nothing deleted


def test_an_old_schema_that_cannot_be_upgraded_is_one_clear_line(
    read_only: tuple[Path, Runner],
) -> None:
    data, run = read_only
    url = _build(data)
    engine = store.connect(url)
    with engine.begin() as connection:
        config = store._alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "0004")
    engine.dispose()
    _readable(data)
    _one_line_error(
        _mttq(run, url, "reports"), "phiên bản cũ", "schema revision 0004", "cannot be upgraded"
    )


def test_a_missing_database_in_a_read_only_folder_is_one_clear_line(
    read_only: tuple[Path, Runner],
) -> None:
    data, run = read_only
    data.mkdir()
    _readable(data)
    _one_line_error(_mttq(run, f"sqlite:///{data / 'none.db'}", "reports"), "does not exist")


def test_the_index_is_read_where_it_cannot_be_written(read_only: tuple[Path, Runner]) -> None:
    data, run = read_only
    url = _build(data)
    # Stored since the index was built: the reader catches up in a folder of its own.
    engine = store.connect(url)
    ingest(engine, documents([FIXTURES / "reports" / "hoa_binh_giao_ban_2025.txt"]), workers=1)
    engine.dispose()
    _readable(data)
    asked = _mttq(run, url, "ask", "Xã Hòa Bình giao ban quý III năm 2025 thế nào?", "--json")
    assert asked.code == 0, asked.err
    assert json.loads(asked.out)["sources"][0]["source"].endswith("hoa_binh_giao_ban_2025.txt")

    shutil.rmtree(data / "mttq.db.index")
    missing = _mttq(run, url, "ask", "Bí thư Huyện ủy Đình Lập là ai?")
    _one_line_error(missing, "chỉ mục tìm kiếm", "does not exist", "INDEX_DIR")
    assert _mttq(run, url, "reports").code == 0  # listing needs no index


def test_a_writer_elsewhere_is_seen_through_its_wal(read_only: tuple[Path, Runner]) -> None:
    """Another process that can write (the folder's owner) holds the database open: its
    committed changes still sit in the WAL, and the reader sees them."""
    data, run = read_only
    url = _build(data)
    writer = sqlite3.connect(data / "mttq.db")
    try:
        writer.execute("PRAGMA wal_autocheckpoint=0")  # keep the change in the WAL only
        writer.execute("UPDATE report SET title = 'Đã sửa' WHERE id = 1")
        writer.commit()
        assert (data / "mttq.db-wal").stat().st_size > 0
        listed = _mttq(run, url, "reports", "--json")
        assert listed.code == 0, listed.err
        assert json.loads(listed.out)[0]["title"] == "Đã sửa"
    finally:
        writer.close()
