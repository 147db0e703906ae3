"""Directive follow-through on a written test series (tests/fixtures/analytic/followup-can-loc:
xã Mỹ Lộc's sơ kết 6 tháng 2024, its tổng kết năm 2024 reporting on some of the directions, a
giao ban quý I 2025; phường Hưng Trí's sơ kết with no later report), asked the questions of
eval/analytic/followup.jsonl on real databases (SQLite and PostgreSQL). Only the follow-up
series is ingested here, so that a question naming no unit has one right answer; the analytic
gold's runner asks the same questions with every series folder ingested (they name their unit)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.answering import as_json
from knowledge import followup, store
from knowledge.assistant import Assistant
from knowledge.catalog import Catalog
from knowledge.ingest import documents, ingest
from knowledge.understand import understand
from tests.conftest import POSTGRES_URL, _reset_postgres

ROOT = Path(__file__).resolve().parents[1]
SERIES = ROOT / "tests" / "fixtures" / "analytic"
GOLD = ROOT / "eval" / "analytic" / "followup.jsonl"
QUESTIONS = [
    json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()
]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def series(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Assistant]:
    if request.param == "sqlite":
        url = "sqlite:///" + str(tmp_path_factory.mktemp("followup") / "series.db")
    else:
        if not POSTGRES_URL.startswith("postgresql"):
            pytest.skip("PostgreSQL: TEST_DATABASE_URL is not set to a postgresql:// URL")
        _reset_postgres(POSTGRES_URL)
        url = POSTGRES_URL
    engine = store.connect(url)
    paths = sorted(SERIES.glob("followup-*/*.txt"))
    summary = ingest(engine, documents(paths, sources={p: p.name for p in paths}), workers=1)
    assert len(summary.added) == len(paths), summary.failed
    assistant = Assistant.open(
        url, index_dir=str(tmp_path_factory.mktemp("followup-index")), engine=engine
    )
    assistant.index.refresh_seconds = assistant.catalog.refresh_seconds = 0.0
    yield assistant
    engine.dispose()


def test_the_gold_file_is_well_formed() -> None:
    assert len(QUESTIONS) >= 10
    assert len({q["id"] for q in QUESTIONS}) == len(QUESTIONS)
    for q in QUESTIONS:
        assert q["corpus"] == "series" and q["kind"] == "followup" and q["refuse"] is False
        re.compile(q["must_match"])
        re.compile(q.get("must_not_match") or "x")


@pytest.mark.parametrize("gold", QUESTIONS, ids=[q["id"] for q in QUESTIONS])
def test_follow_through(series: Assistant, gold: dict[str, Any]) -> None:
    answer = as_json(series.ask(gold["question"]))
    text = str(answer["answer"])
    assert answer["intent"] == "followup", text
    assert re.search(gold["must_match"], text, re.IGNORECASE), text
    if gold.get("must_not_match"):
        assert not re.search(gold["must_not_match"], text, re.IGNORECASE), text
    if "rows" in gold:
        assert answer["found"] and len(answer["lead"]["rows"]) == gold["rows"], text
    else:
        assert not answer["found"] and answer["sources"] == [], (
            text
        )  # nothing borrowed, nothing cited


def test_the_threshold_separates_the_labelled_pairs(series: Assistant) -> None:
    """FOLLOWED is fitted on these pairs: every later item that reports on a directive scores at
    least FOLLOWED, and no unrelated item of the unit's later reports does."""
    reports = {r.source: r for r in series.catalog.reports.values()}
    items = store.items_of(series.engine, [r.id for r in reports.values()])

    def of(source: str, kinds: tuple[str, ...] | frozenset[str]) -> list[dict[str, Any]]:
        return [i for i in items if i["report_id"] == reports[source].id and i["kind"] in kinds]

    # directive (a phrase of it) → the later item that reports on it (a phrase), or None
    labelled = {
        ("my_loc_so_ket_6_thang_2024.txt", "my_loc_tong_ket_nam_2024.txt"): {
            'Quỹ "Vì người nghèo" năm 2024': "46.200.000 đồng",
            "Ngày hội Đại đoàn kết": "9/9 khu dân cư",
            "2 nhà Đại đoàn kết": "mới khởi công được 1 nhà",
            "tiếp xúc cử tri": "3 hội nghị tiếp xúc cử tri",
            "rác thải sinh hoạt": None,
            "câu lạc bộ dân vận khéo": None,
            "kiện toàn Ban Công tác Mặt trận": "9 thôn được kiện toàn",
            "hiến đất": "hiến 3.200 m2 đất",
        },
        ("my_loc_tong_ket_nam_2024.txt", "my_loc_giao_ban_quy_1_2025.txt"): {
            "năm 2025 đạt trên 50 triệu": None,
            "hiệp thương": None,
            "trồng 2.000 cây xanh": "trồng 1.200 cây xanh",
        },
    }
    lowest_true, highest_false = 1.0, 0.0
    for (source, later), pairs in labelled.items():
        asked = of(source, followup.ASKED_KINDS)
        done = of(later, followup.ACTED_KINDS)
        assert len(asked) == len(pairs)
        for phrase, answer in pairs.items():
            directive = next(i for i in asked if phrase in i["text"])
            wanted = followup.content(followup.request_of(directive["text"]))
            for item in done:
                value = followup.score(wanted, followup.content(item["text"]))
                if answer is not None and answer in item["text"]:
                    lowest_true = min(lowest_true, value)
                else:
                    highest_false = max(highest_false, value)
    assert highest_false < followup.FOLLOWED <= lowest_true, (highest_false, lowest_true)


def test_no_unit_named_follows_a_unit_that_later_reports_answer(series: Assistant) -> None:
    """Two units held the sơ kết: the one whose later reports can answer is followed, and the
    other is named so the reader can ask of it; never one unit's directive answered by the
    other's report."""
    answer = as_json(
        series.ask("các chỉ đạo tại hội nghị sơ kết 6 tháng đầu năm đã được thực hiện đến đâu?")
    )
    lead = answer["lead"]
    assert lead["meeting"]["unit"].startswith("Xã Mỹ Lộc")
    assert any(u.startswith("Phường Hưng Trí") for u in lead["other_units"])
    mine = {
        r.id
        for r in series.catalog.reports.values()
        if r.unit and r.unit.label.startswith("Xã Mỹ Lộc")
    }
    assert {f["report_id"] for row in lead["rows"] for f in row["followed"]} <= mine
    assert "Hội nghị này cũng có ở: Phường Hưng Trí" in str(answer["answer"])


def test_the_followed_item_is_cited_with_its_date(series: Assistant) -> None:
    answer = as_json(series.ask(QUESTIONS[0]["question"]))
    cited = [s["source"] for s in answer["sources"]]
    assert cited == ["my_loc_so_ket_6_thang_2024.txt", "my_loc_tong_ket_nam_2024.txt"]
    festival = next(r for r in answer["lead"]["rows"] if "Ngày hội" in r["text"])
    assert (
        festival["followed"][0]["date"] == "2024-12-20"
        and festival["followed"][0]["name"] == "my_loc_tong_ket_nam_2024.txt"
    )


def test_meeting_and_period_are_read_from_the_question() -> None:
    catalog = Catalog(store.connect("sqlite:///:memory:"))
    question = understand(
        "các chỉ đạo tại hội nghị sơ kết 6 tháng đầu năm đã được thực hiện đến đâu?",
        catalog=catalog,
    )
    assert (question.intent, question.meeting_kind, question.period and question.period.part) == (
        "followup",
        "so ket",
        "H1",
    )
    # What a unit did is asked as itself, not as the follow-through of directives.
    assert (
        understand("xã X thực hiện nhiệm vụ năm 2024 thế nào", catalog=catalog).intent != "followup"
    )
    assert understand("Bí thư đề nghị MTTQ tập trung làm gì", catalog=catalog).intent == "directive"
