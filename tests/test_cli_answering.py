"""`mttq ask`, `mttq chat` and `mttq eval` end to end, as a user or a script runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app

runner = CliRunner()
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def loaded(database: Path) -> Path:
    assert runner.invoke(app, ["ingest", "--samples", "--workers", "1"]).exit_code == 0
    return database


def run(*args: str, stdin: str | None = None) -> tuple[int, str]:
    result = runner.invoke(app, list(args), input=stdin)
    return result.exit_code, result.output


def test_ask_json(loaded: Path) -> None:
    code, out = run("ask", "Bí thư Huyện ủy Đình Lập là ai?", "--json")
    answer = json.loads(out)
    assert code == 0 and answer["found"] is True and answer["intent"] == "people"
    assert answer["answer"].startswith("Hoàng Xuân Thuận")
    assert answer["sources"][0]["source"] == "001_33d32a97775012cc.txt"
    assert answer["elapsed_ms"] >= 0


def test_ask_reads_questions_from_stdin_as_json_lines(loaded: Path) -> None:
    questions = "Bí thư Huyện ủy Đình Lập là ai?\n\nUBMTTQ Phường 5 đạt được gì?\nphuong 2 tang bao nhieu phan qua\n"
    code, out = run("ask", "--json", stdin=questions)
    lines = out.strip().splitlines()
    assert code == 0 and len(lines) == 3  # the blank line is skipped
    answers = [json.loads(line) for line in lines]
    assert [a["found"] for a in answers] == [True, False, True]
    assert "607 phần quà" in answers[2]["answer"]


def test_ask_text_from_stdin_one_line_each(loaded: Path) -> None:
    code, out = run(
        "ask", stdin="Bí thư Huyện ủy Đình Lập là ai?\nChủ tịch UBMTTQ thị xã Hồng Lĩnh là ai?\n"
    )
    lines = out.strip().splitlines()
    assert code == 0 and len(lines) == 2
    assert lines[0].startswith("Hoàng Xuân Thuận") and "Nguồn:" in lines[0]


def test_ask_follow_up_with_context(loaded: Path) -> None:
    _, out = run("ask", "Phường 2 đạt được gì trong 6 tháng đầu năm 2024?", "--json")
    context = json.dumps(json.loads(out)["context"], ensure_ascii=False)
    code, out = run("ask", "còn phương hướng thì sao?", "--context", context, "--json")
    answer = json.loads(out)
    assert code == 0 and answer["intent"] == "direction"
    assert answer["unit"] == "Phường 2, thị xã Kiến Tường"


def test_ask_bad_context_is_a_usage_error(loaded: Path) -> None:
    code, out = run("ask", "còn hạn chế thì sao?", "--context", "{not json")
    assert code == 2 and "ngữ cảnh (--context) không phải JSON hợp lệ" in out


def test_eval_scores_the_dev_questions(loaded: Path) -> None:
    code, out = run("eval", str(FIXTURES / "dev_questions.tsv"), "--json")
    result = json.loads(out)
    assert code == 0 and result["questions"] == 32
    assert result["hit_at_1"] == result["must_match"] == result["no_answer"] == 1.0
    code, out = run("eval", str(FIXTURES / "dev_questions.tsv"))
    assert code == 0 and "đúng nguồn (hit@1): 100.0%" in out and "p95" in out


def test_eval_missing_file(loaded: Path, tmp_path: Path) -> None:
    code, out = run("eval", str(tmp_path / "none.tsv"))
    assert code == 1 and "không đọc được tệp câu hỏi" in out


def test_ingest_updates_the_index_for_the_next_question(loaded: Path, tmp_path: Path) -> None:
    report = tmp_path / "tan_hoa.txt"
    report.write_text(
        "Ngày 3/3/2024, Ủy ban MTTQ xã Tân Hòa trao 41 suất quà cho hộ nghèo.", encoding="utf-8"
    )
    assert run("ingest", str(report), "--workers", "1")[0] == 0
    assert Path(f"{loaded}.index", "state.json").exists()
    code, out = run("ask", "xã Tân Hòa trao bao nhiêu suất quà?", "--json")
    assert code == 0 and "41 suất quà" in json.loads(out)["answer"]
    report_id = json.loads(run("show", str(report), "--json")[1])["id"]
    assert run("delete", str(report_id))[0] == 0
    assert (
        json.loads(run("ask", "xã Tân Hòa trao bao nhiêu suất quà?", "--json")[1])["found"] is False
    )


def test_chat_over_piped_stdin_loads_samples_into_an_empty_database(tmp_path: Path) -> None:
    """What the README's first command does with questions piped in, in a real process."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'chat.db'}"}
    questions = "Phường 2 đạt được gì trong 6 tháng đầu năm 2024?\ncòn hạn chế thì sao?\nthoát\nkhông được hỏi\n"
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "chat"],
        input=questions, capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "đã nạp 5 báo cáo mẫu" in done.stderr
    assert "77 cuộc/2288 lượt" in done.stdout
    assert "không nêu hạn chế" in done.stdout  # the follow-up kept Phường 2 and its period
    assert "không được hỏi" not in done.stdout  # "thoát" ended the chat


def test_ask_on_an_empty_database_says_how_to_load(database: Path) -> None:
    code, out = run("ask", "Phường 2 đạt được gì?", "--json")
    answer = json.loads(out)
    assert code == 0 and answer["found"] is False and answer["reason"] == "no_reports"
    assert "mttq ingest" in answer["answer"]


# Loaded only by the commands that need them; each cost `mttq ask` a share of its start-up
# (underthesea alone about a second, for one table of tone marks).
NOT_FOR_ASKING = (
    "underthesea", "joblib", "alembic", "rich", "telegram", "matplotlib", "knowledge.ingest",
    "knowledge.read", "trafilatura", "docx", "pypdf",
)  # fmt: skip

_REPORT_AT_EXIT = """
import atexit, sys

atexit.register(lambda: print("MODULES", *sorted(sys.modules), file=sys.stderr))
from bot.cli import main
main(["ask", "Bí thư Huyện Uỷ Đình Lập là ai?"])
"""


def test_ask_loads_only_what_answering_needs(loaded: Path) -> None:
    """A real `mttq ask` process: the modules it had imported when it exits; and the tone
    marks are still placed by underthesea's own table (read without importing underthesea)."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{loaded}"}
    done = subprocess.run(
        [sys.executable, "-c", _REPORT_AT_EXIT],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Hoàng Xuân Thuận")
    modules = set(done.stderr.rsplit("MODULES", 1)[1].split())
    assert (
        sorted(m for m in modules if m.split(".")[0] in NOT_FOR_ASKING or m in NOT_FOR_ASKING) == []
    )
    from underthesea.pipeline.text_normalize.text_normalizer import token_map

    from knowledge.text import _TONE_FIXES

    assert token_map == _TONE_FIXES
