"""Ingest end to end through the `mttq` command: summaries, exit codes, bad input, and a
bulk run killed with SIGKILL that a re-run completes without duplicates."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from bot.cli import app
from knowledge import store
from knowledge.ingest import Summary, _Writer, ingest, process, sample_paths
from knowledge.read import RawDocument

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_samples_then_folder_are_duplicates(database: Path) -> None:
    code, out = run("ingest", "--samples", "--json", "--workers", "1")
    assert code == 0 and json.loads(out)["counts"]["added"] == 5
    folder = sample_paths()[0].parent
    code, out = run("ingest", str(folder), "--json", "--workers", "1")
    summary = json.loads(out)
    assert code == 0 and summary["counts"]["duplicate"] == 5
    assert summary["duplicate"][0]["duplicate_of"] == "000_0cb552742f2e955b.txt"
    code, out = run("reports", "--json")
    assert len(json.loads(out)) == 5


def test_show_and_delete(database: Path) -> None:
    run("ingest", "--samples", "--workers", "1")
    code, out = run("show", "003_6335d066f07a1d37.txt", "--json")
    report = json.loads(out)
    assert code == 0 and report["unit"]["name"] == "Hồng Lĩnh"
    assert run("delete", str(report["id"]))[0] == 0
    code, out = run("show", str(report["id"]))
    assert code == 1 and "không có báo cáo này" in out


def test_bad_inputs_are_reported_and_the_batch_goes_on(database: Path, tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (tmp_path / "junk.docx").write_bytes(b"PK\x03\x04 not a real zip")
    (tmp_path / "chrome.txt").write_text("Thống kê truy cập\nĐang online: 1\nHôm nay: 5\n", "utf-8")
    good = tmp_path / "good.txt"
    good.write_text(sample_paths()[2].read_text("utf-8"), "utf-8")
    code, out = run("ingest", str(tmp_path), "--json", "--workers", "1")
    summary = json.loads(out)
    reasons = {Path(f["source"]).name: f["reason"] for f in summary["failed"]}
    assert code == 0
    assert summary["counts"]["added"] == 1
    assert reasons == {
        "empty.txt": "empty",
        "binary.txt": "binary",
        "junk.docx": "bad_docx",
        "chrome.txt": "empty",
    }


def test_nothing_readable_exits_non_zero(database: Path, tmp_path: Path) -> None:
    code, out = run("ingest", str(tmp_path / "missing.txt"))
    assert code == 1
    assert "không tìm thấy tệp" in out


def _figures_text(size: int) -> str:
    """Lines full of figures, each line its own (repeated lines would be kept once)."""
    lines, length, index = [], 0, 0
    while length < size:
        line = (
            f"Tổ {index}: vận động 8.000.000/21.000.000 đồng, 77 cuộc/2288 lượt, "
            f"607 phần quà trị giá 214 triệu đồng;"
        )
        lines.append(line)
        length, index = length + len(line) + 1, index + 1
    return "\n".join(lines)


# A tiny limit against a text of five megabytes (several seconds of work): the reports around
# it take a few milliseconds. The lazy tables every process loads once (gazetteer, tone
# marks) are loaded first, as a long-running ingest has them: they are no document's time.
SLOW_LIMIT = "0.5"
SLOW_SIZE = 5_000_000


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_document_too_slow_to_extract_fails_and_the_others_are_stored(
    database: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: str
) -> None:
    process(RawDocument("warm-up", sample_paths()[0].read_text("utf-8"), "txt"))
    samples = sample_paths()
    (tmp_path / "a.txt").write_text(samples[0].read_text("utf-8"), "utf-8")
    (tmp_path / "b.txt").write_text(_figures_text(SLOW_SIZE), "utf-8")
    (tmp_path / "c.txt").write_text(samples[2].read_text("utf-8"), "utf-8")
    monkeypatch.setenv("EXTRACT_SECONDS", SLOW_LIMIT)
    code, out = run("ingest", str(tmp_path), "--json", "--workers", workers)
    summary = json.loads(out)
    assert code == 0
    assert sorted(Path(s["source"]).name for s in summary["added"]) == ["a.txt", "c.txt"]
    assert [(Path(f["source"]).name, f["reason"]) for f in summary["failed"]] == [
        ("b.txt", "too_slow")
    ]
    assert "EXTRACT_SECONDS" in summary["failed"][0]["detail"]
    code, out = run("ingest", str(tmp_path / "b.txt"))  # as an admin reads it
    assert code == 1 and "xử lý quá lâu" in out


def test_the_time_limit_holds_in_a_thread(engine: Engine) -> None:
    """The bot extracts uploads in worker threads, where no alarm signal can reach."""
    process(RawDocument("warm-up", sample_paths()[0].read_text("utf-8"), "txt"))
    slow = RawDocument("slow", _figures_text(SLOW_SIZE), "txt")
    good = RawDocument("good", sample_paths()[2].read_text("utf-8"), "txt")
    with ThreadPoolExecutor(max_workers=1) as pool:
        summary = pool.submit(
            ingest, engine, iter([slow, good]), workers=1, extract_seconds=float(SLOW_LIMIT)
        ).result()
    assert [(f.source, f.reason) for f in summary.failed] == [("slow", "too_slow")]
    assert [s.source for s in summary.added] == ["good"]


def test_a_report_the_database_refuses_fails_alone_in_its_batch(engine: Engine) -> None:
    """Reports are stored several a transaction; one the database refuses rolls its batch
    back, then the batch is stored report by report and only that one fails."""
    records = [process(RawDocument(p.name, p.read_text("utf-8"), "txt")) for p in sample_paths()]
    records[2].items[0].kind = None  # type: ignore[assignment]  # violates NOT NULL
    summary = Summary()
    writer = _Writer(engine, summary, on_progress=None)
    for record, path in zip(records, sample_paths(), strict=True):
        writer.add(store.Entry(record, path.name, "h"))
    writer.flush()
    assert [s.source for s in summary.added] == [
        p.name for i, p in enumerate(sample_paths()) if i != 2
    ]
    assert [(f.source, f.reason) for f in summary.failed] == [
        (sample_paths()[2].name, "store_failed")
    ]
    assert summary.stopped is None and store.count_reports(engine) == 4


def _bulk_file(path: Path, count: int) -> None:
    seeds = [p.read_text("utf-8") for p in sample_paths()]
    with path.open("w", encoding="utf-8") as out:
        for index in range(count):
            # Prepended: a line appended after "Tin liên quan" would be cut as page chrome.
            text = f"Bản tin số {index}: tặng {index + 1} phần quà.\n" + seeds[index % len(seeds)]
            out.write(json.dumps({"id": f"r{index}", "text": text}, ensure_ascii=False) + "\n")


def _stored(database: Path) -> tuple[int, int, int]:
    with sqlite3.connect(database) as connection:
        reports = connection.execute("select count(*) from report").fetchone()[0]
        sources = connection.execute("select count(distinct source) from report").fetchone()[0]
        orphans = connection.execute(
            "select count(*) from item where report_id not in (select id from report)"
        ).fetchone()[0]
    return reports, sources, orphans


@pytest.mark.slow
def test_killed_bulk_ingest_is_completed_by_a_rerun(tmp_path: Path) -> None:
    bulk, database = tmp_path / "bulk.jsonl", tmp_path / "kill.db"
    total = 1500
    _bulk_file(bulk, total)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}"}
    command = [sys.executable, "-m", "bot", "ingest", str(bulk), "--json"]
    process = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        time.sleep(0.2)
        if database.exists() and _stored_safely(database) > 50:
            break
    os.killpg(process.pid, signal.SIGKILL)  # the parent and its workers, mid-write
    process.wait()
    partial = _stored(database)[0]
    assert 0 < partial < total
    with sqlite3.connect(database) as connection:
        assert connection.execute("pragma integrity_check").fetchone()[0] == "ok"
    rerun = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=300, check=True
    )
    counts = json.loads(rerun.stdout)["counts"]
    assert counts["unchanged"] == partial and counts["added"] == total - partial
    assert _stored(database) == (total, total, 0)


@pytest.mark.slow
def test_the_index_follows_a_bulk_ingest_while_it_runs(tmp_path: Path) -> None:
    """A bulk ingest brings the index up to date every few seconds as it goes (a child
    process), not only at its end: questions asked meanwhile find the reports stored so far."""
    bulk, database = tmp_path / "bulk.jsonl", tmp_path / "follow.db"
    total = 1500
    _bulk_file(bulk, total)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "INGEST_WORKERS": "1"}
    command = [sys.executable, "-m", "bot", "ingest", str(bulk), "--json"]
    state = Path(f"{database}.index") / "state.json"
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    followed = 0
    deadline = time.monotonic() + 120
    while process.poll() is None and time.monotonic() < deadline and not followed:
        time.sleep(0.1)
        try:
            followed = int(json.loads(state.read_text())["seq"])
        except (OSError, ValueError, KeyError):
            continue
    running = process.poll() is None
    output, _ = process.communicate(timeout=300)
    assert 0 < followed < total and running, "the index was brought up to date only at the end"
    assert json.loads(output)["counts"]["added"] == total
    assert json.loads(state.read_text())["seq"] == total


def _stored_safely(database: Path) -> int:
    try:
        return _stored(database)[0]
    except sqlite3.Error:
        return 0  # tables not migrated yet
