"""Ingest survives any file and a failing database: every bad document becomes its own
failure with a reason while the good ones around it are stored; junk is refused; a database
that stops taking writes stops the run with what was stored reported, and a re-run
completes it; workers die with their parent."""

from __future__ import annotations

import json
import logging
import os
import resource
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from knowledge.ingest import sample_paths
from knowledge.read import read_path
from tests.test_read import minimal_pdf

runner = CliRunner()
NON_TEXT_CODECS = ("hex", "rot13", "base64", "zlib", "uu", "quopri")


def _page(body: str, charset: str) -> str:
    paragraphs = "".join(f"<p>{line}</p>" for line in body.splitlines() if line.strip())
    return f'<html><head><meta charset="{charset}"><title>t</title></head><body>{paragraphs}</body></html>'


def _jsonl(records: list[str]) -> str:
    return "\n".join(records) + "\n"


def _stored_sources(database: Path) -> set[str]:
    with sqlite3.connect(database) as connection:
        return {Path(row[0]).name for row in connection.execute("select source from report")}


def test_a_folder_of_good_files_around_each_bad_kind_stores_every_good_one(
    database: Path, tmp_path: Path
) -> None:
    seeds = [p.read_text("utf-8") for p in sample_paths()]
    folder = tmp_path / "in"
    folder.mkdir()
    good: set[str] = set()
    bad: dict[str, str] = {}

    def around(name: str, index: int) -> None:
        # A good file before and after every bad one, each with content of its own.
        for side in ("a", "z"):
            good_name = f"{name}-{side}.txt"
            text = f"Bản tin {name} {side}: Ủy ban MTTQ xã tặng {index + 3} phần quà.\n"
            (folder / good_name).write_text(text + seeds[index % len(seeds)], "utf-8")
            good.add(good_name)

    for index, codec in enumerate(NON_TEXT_CODECS):
        name = f"m{index}-{codec}"
        # A page naming a codec that cannot decode text is read as the bytes say (UTF-8).
        (folder / f"{name}.html").write_text(_page(f"Trang {codec}\n" + seeds[1], codec), "utf-8")
        good.add(f"{name}.html")
        around(name, index)
    (folder / "n1-koi8.html").write_text(_page("Trang koi8\n" + seeds[3], "koi8-r"), "utf-8")
    good.add("n1-koi8.html")
    around("n1", 1)
    (folder / "n2-dot.txt").write_text(".", "utf-8")
    bad["n2-dot.txt"] = "not_vietnamese"
    around("n2", 2)
    (folder / "n3-numbers.txt").write_text("123 456\n7.890\n", "utf-8")
    bad["n3-numbers.txt"] = "not_vietnamese"
    around("n3", 3)
    records = [
        '{"id": ' + "9" * 5000 + ', "text": "Hội nghị Ủy ban MTTQ xã"}',
        '{"id": "lone", "text": "Hội nghị \\ud800 Ủy ban MTTQ xã"}',
        json.dumps({"id": "ok", "text": "Bản tin jsonl.\n" + seeds[4]}, ensure_ascii=False),
    ]
    (folder / "n4-records.jsonl").write_text(_jsonl(records), "utf-8")
    good.add("n4-records.jsonl#ok")
    bad["n4-records.jsonl#line1"] = "bad_record"
    bad["n4-records.jsonl#line2"] = "bad_record"
    around("n4", 4)

    result = runner.invoke(app, ["ingest", str(folder), "--json", "--workers", "2"])
    summary = json.loads(result.output)
    failed = {Path(f["source"]).name: f["reason"] for f in summary["failed"]}
    assert result.exit_code == 0
    assert failed == bad
    assert "store_failed" not in failed.values()
    assert _stored_sources(database) >= good
    with sqlite3.connect(database) as connection:
        koi8 = connection.execute(
            "select text from report where source like '%n1-koi8.html'"
        ).fetchone()[0]
    assert "Mặt trận" in koi8 or "MTTQ" in koi8
    assert not any(ch in koi8 for ch in "ÐÑÒÓÔÕÖ×ØÙÚÛÜÝÞßабвгд")  # no mojibake


def test_the_bot_previews_a_page_naming_a_non_text_codec() -> None:
    from knowledge import uploads
    from knowledge.store import connect

    engine = connect("sqlite:///:memory:")
    page = _page(sample_paths()[2].read_text("utf-8"), "hex").encode("utf-8")
    shown = uploads.preview(
        engine, user_id=1, chat_id=1, file_name="trang.html", data=page, max_bytes=1_000_000
    )
    assert shown["documents"] and not shown["failed"]


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def test_pdf_library_warnings_name_the_file(tmp_path: Path) -> None:
    data = minimal_pdf("Hoi nghi Mat tran To quoc xa Lien Hai to chuc so ket sau thang dau nam")
    damaged = tmp_path / "hong.pdf"
    # A wrong xref offset: pypdf warns "incorrect startxref pointer" and reads on.
    xref = data.rindex(b"startxref\n") + len(b"startxref\n")
    end = data.index(b"\n", xref)
    damaged.write_bytes(data[:xref] + b"%d" % (int(data[xref:end]) + 7) + data[end:])
    # What the root handlers get is what `mttq` prints on stderr.
    root = _Collect()
    logging.getLogger().addHandler(root)
    try:
        document = read_path(damaged)[0]
    finally:
        logging.getLogger().removeHandler(root)
    assert "incorrect startxref pointer" in document.meta["pdf_warnings"]
    assert "Mat tran To quoc" in document.text
    about = [m for m in root.messages if "startxref" in m]
    assert about and all(m.startswith(f"{damaged}: pypdf: ") for m in about)


def _records(path: Path, count: int) -> None:
    seeds = [p.read_text("utf-8") for p in sample_paths()]
    with path.open("w", encoding="utf-8") as out:
        for index in range(count):
            text = f"Bản tin số {index}: tặng {index + 1} phần quà.\n" + seeds[index % len(seeds)]
            out.write(json.dumps({"id": f"r{index}", "text": text}, ensure_ascii=False) + "\n")


def _limit_file_size(limit: int) -> None:
    # In the child: writes past `limit` bytes fail with EFBIG, as on a full disk.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


@pytest.mark.slow
def test_a_full_disk_stops_the_ingest_and_a_rerun_completes_it(tmp_path: Path) -> None:
    bulk, database = tmp_path / "bulk.jsonl", tmp_path / "full.db"
    total = 300
    _records(bulk, total)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "INGEST_WORKERS": "1"}
    command = [sys.executable, "-m", "bot", "ingest", str(bulk), "--json"]
    # The limit binds every file (the migration's, the WAL); 6 MB hold the schema and a few
    # transactions of 64 reports (~40 KB each), far from the 300.
    full = subprocess.run(
        command,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=lambda: _limit_file_size(6_000_000),
    )
    summary = json.loads(full.stdout)
    assert full.returncode != 0
    assert summary["stopped"]["reason"] == "database_unavailable"
    assert summary["counts"]["failed"] == 0  # no "disk I/O error" per remaining record
    stored = summary["counts"]["stored"]
    assert 0 < stored < total
    with sqlite3.connect(database) as connection:
        assert connection.execute("pragma integrity_check").fetchone()[0] == "ok"
        assert connection.execute("select count(*) from report").fetchone()[0] == stored
    rerun = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=300, check=True
    )
    counts = json.loads(rerun.stdout)["counts"]
    assert counts["unchanged"] == stored and counts["added"] == total - stored
    with sqlite3.connect(database) as connection:
        assert (
            connection.execute("select count(distinct source) from report").fetchone()[0] == total
        )


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has exited; only its entry waits to be reaped


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_workers_exit_when_the_ingest_is_killed(tmp_path: Path) -> None:
    bulk, database = tmp_path / "bulk.jsonl", tmp_path / "kill.db"
    _records(bulk, 3000)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "INGEST_WORKERS": "2"}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "ingest", str(bulk)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    workers: list[int] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(workers) < 3:
        time.sleep(0.2)
        workers = [p for p in _children(process.pid) if _alive(p)]
    assert len(workers) >= 3, "the ingest never started its two workers and its index follower"
    process.kill()  # SIGKILL to the parent only: nothing can tell the workers
    process.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(p) for p in workers):
        time.sleep(0.2)
    assert not [p for p in workers if _alive(p)]
