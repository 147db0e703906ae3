"""Sources a member can read: a citation shows the unit, the date (the meeting's, else the
date published, said so), the title shortened, and the page's address when its source gave
one; a file by its own name, never the server's folders; the bundled samples by a readable
name; `ask --json` keeps its keys and adds the ones the citation needs."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app
from handlers import render
from knowledge.assistant import Assistant
from knowledge.ingest import sample_paths
from knowledge.service import Service

runner = CliRunner()
FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE = next(p for p in sample_paths() if p.name.startswith("002_"))
QUESTION = "Phường 2 đạt được gì trong 6 tháng đầu năm 2024?"


def run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def article(ident: str) -> dict[str, str]:
    for line in (FIXTURES / "reports" / "baomoi_mttq.jsonl").read_text("utf-8").splitlines():
        record = json.loads(line)
        if record["id"] == ident:
            return dict(record)
    raise KeyError(ident)


def test_a_file_is_cited_by_its_name_never_the_servers_folders(
    tmp_path: Path, database: Path
) -> None:
    folder = tmp_path / "srv" / "mttq" / "bao-cao"
    folder.mkdir(parents=True)
    (folder / "003.txt").write_text(SAMPLE.read_text("utf-8"), "utf-8")
    run("ingest", str(folder / "003.txt"), "--workers", "1")
    text = run("ask", QUESTION)
    assert "Nguồn:" in text and "[003.txt]" in text
    assert str(folder) not in text and "/srv/" not in text
    source = json.loads(run("ask", QUESTION, "--json"))["sources"][0]
    assert source["source"] == str(folder / "003.txt")  # the report is still looked up by it
    assert source["name"] == "003.txt"


def test_the_samples_are_cited_by_a_readable_name(database: Path) -> None:
    run("ingest", "--samples", "--workers", "1")
    text = run("ask", QUESTION)
    assert "[bài mẫu số 3]" in text and "0c8cf19a6beb1e4d" not in text
    assert json.loads(run("ask", QUESTION, "--json"))["sources"][0]["source"] == SAMPLE.name


def test_a_post_is_cited_by_its_address_and_the_date_it_was_published(
    tmp_path: Path, database: Path
) -> None:
    """A real article that dates nothing itself: the date shown is its published date, said
    to be one ("đăng ngày"), and the citation links to it."""
    record = {
        **article("21478391"),
        "published": "2017-02-03T09:15:00+07:00",
        "url": "https://mattran.example.vn/tin/21478391",
    }
    path = tmp_path / "tin.jsonl"
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", "utf-8")
    run("ingest", str(path), "--workers", "1")
    question = "Thành viên Ban Thanh tra nhân dân phải là người như thế nào?"
    answer = json.loads(run("ask", question, "--json"))
    assert answer["found"]
    source = answer["sources"][0]
    assert {
        k: source[k] for k in ("meeting_date", "published_date", "date_kind", "url", "name")
    } == {
        "meeting_date": "2017-02-03",  # the date shown, as before: here the published one
        "published_date": "2017-02-03",
        "date_kind": "published",
        "url": "https://mattran.example.vn/tin/21478391",
        "name": "tin.jsonl#21478391",
    }
    assert "đăng ngày 03/02/2017" in answer["answer"]
    assert "https://mattran.example.vn/tin/21478391" in answer["answer"]
    assert str(tmp_path) not in answer["answer"]


def test_the_bot_shows_no_server_path_in_answers_excerpts_or_reports(
    tmp_path: Path, database: Path
) -> None:
    folder = tmp_path / "srv" / "data"
    folder.mkdir(parents=True)
    (folder / "bao-cao-phuong-2.txt").write_text(SAMPLE.read_text("utf-8"), "utf-8")
    run("ingest", str(folder / "bao-cao-phuong-2.txt"), "--workers", "1")
    service = Service(Assistant.open(f"sqlite:///{database}", index_dir=str(tmp_path / "index")))
    asked = service.ask(QUESTION, chat_id=1, user_id=1)
    shown = [
        *render.answer_html(asked),
        *render.excerpt(service.excerpt(asked["id"], 0, chat_id=1) or {}),
        *render.report_brief(service.latest_report("Phường 2")),
    ]
    assert all("bao-cao-phuong-2.txt" in page for page in (shown[0], shown[-1]))
    assert not any(str(folder) in page for page in shown)


def test_a_long_title_is_cut_at_a_word() -> None:
    title = "HỘI NGHỊ ỦY BAN MẶT TRẬN TỔ QUỐC VIỆT NAM XÃ LIÊM HẢI PHỐI HỢP TỔ CHỨC HỘI NGHỊ TIẾP XÚC CỬ TRI TRƯỚC KỲ HỌP"
    cited = render.citation(
        {
            "unit": "Xã Liêm Hải",
            "meeting_date": "2026-06-16",
            "title": title,
            "source": "/srv/a/b.txt",
        }
    )
    assert cited.startswith("Xã Liêm Hải · ngày 16/06/2026 · HỘI NGHỊ ỦY BAN")
    assert "TIẾP XÚC CỬ…" not in cited and cited.endswith(
        "… [b.txt]"
    )  # an answer stored before names: the file's name
