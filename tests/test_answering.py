"""Question answering by feature, against real databases (SQLite and PostgreSQL) and the real
persistent index: the public dev questions, facets, numbers that are never fuzzy, diacritics,
follow-ups, cross-report analyses, and a collection that changes under a running assistant."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.answering import as_json, evaluate, read_questions
from knowledge import store
from knowledge.assistant import Assistant
from knowledge.ingest import ingest
from knowledge.read import RawDocument, iter_path
from knowledge.retrieve import retrieve

SHARED_DEV = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev_questions.tsv"
FIXTURES = Path(__file__).parent / "fixtures"
DEV = FIXTURES / "dev_questions.tsv"
REPORTS = FIXTURES / "reports"


def open_assistant(engine: Engine, index: Path) -> Assistant:
    assistant = Assistant.open(str(engine.url), index_dir=str(index), engine=engine)
    assistant.index.refresh_seconds = assistant.catalog.refresh_seconds = 0.0
    return assistant


@pytest.fixture
def assistant(seeded: Engine, tmp_path: Path) -> Assistant:
    return open_assistant(seeded, tmp_path / "index")


@pytest.fixture
def grown(assistant: Assistant) -> Iterator[Assistant]:
    """The samples plus two reports of our own: Phường 2's year review (a later report of the
    same unit) and Phường 12 of another town (a name one digit away)."""
    paths = [REPORTS / "phuong2_kien_tuong_2024_nam.txt", REPORTS / "phuong12_kien_tuong_2024.txt"]
    documents = [d for p in paths for d in iter_path(p)]
    summary = ingest(assistant.engine, documents, workers=1)
    assert len(summary.added) == 2, summary.failed
    yield assistant


def ask(assistant: Assistant, question: str, **options: object) -> dict[str, object]:
    return as_json(assistant.ask(question, **options))  # type: ignore[arg-type]


def cited(answer: dict[str, object]) -> list[str]:
    return [Path(s["source"]).name for s in answer["sources"]]  # type: ignore[attr-defined,index]


# -- the public dev set ----------------------------------------------------------------------


def test_dev_fixture_is_the_shared_file() -> None:
    if SHARED_DEV.exists():
        assert DEV.read_text(encoding="utf-8") == SHARED_DEV.read_text(encoding="utf-8")


def test_dev_questions_all_pass(assistant: Assistant) -> None:
    result = evaluate(assistant, read_questions(DEV))
    failures = [(f["id"], f["got"], f["answer"][:120]) for f in result["failures"]]
    assert result["hit_at_1"] == 1.0, failures
    assert result["must_match"] == 1.0, failures
    assert result["no_answer"] == 1.0, failures


def test_json_contract(assistant: Assistant) -> None:
    answer = ask(assistant, "MTTQ Phường 2 vận động Quỹ Vì người nghèo được bao nhiêu tiền?")
    assert set(answer) >= {
        "found", "answer", "intent", "unit", "period", "sources", "choices", "context", "elapsed_ms",
    }  # fmt: skip
    assert answer["found"] is True and answer["intent"] == "figure"
    assert answer["unit"] == "Phường 2, thị xã Kiến Tường"
    source = answer["sources"][0]  # type: ignore[index]
    assert source == {
        "report_id": source["report_id"],
        "source": "002_0c8cf19a6beb1e4d.txt",
        "title": "HỘI NGHỊ ỦY BAN MTTQ PHƯỜNG 2 LẦN THỨ II NHIỆM KỲ 2024 - 2029",
        "unit": "Phường 2, thị xã Kiến Tường",
        "meeting_date": "2024-07-08",
        "published_date": None,
        "date_kind": "meeting",
        "url": None,
        "name": "bài mẫu số 3",
        "reform": None,
    }
    # The figure comes first, as Vietnamese readers write it, then the citation.
    text = str(answer["answer"])
    assert text.startswith("8.000.000 đồng (chỉ tiêu 21.000.000 đồng)")
    assert "ngày 08/07/2024" in text and "[bài mẫu số 3]" in text


# -- understanding ---------------------------------------------------------------------------


def test_without_diacritics_same_answer(assistant: Assistant) -> None:
    accented = ask(assistant, "Quảng Nghiệp hòa giải thành bao nhiêu vụ việc?")
    folded = ask(assistant, "quang nghiep hoa giai thanh bao nhieu vu viec")
    assert cited(accented)[:1] == cited(folded)[:1] == ["004_ad35e0de605a32a0.txt"]
    assert "14 vụ việc" in str(accented["answer"]) and "14 vụ việc" in str(folded["answer"])


def test_abbreviations_both_ways(assistant: Assistant) -> None:
    long_form = ask(assistant, "Chủ tịch Ủy ban Mặt trận Tổ quốc thị xã Hồng Lĩnh là ai?")
    short_form = ask(assistant, "Chủ tịch UBMTTQ TX Hồng Lĩnh là ai?")
    assert "Đặng Ngọc Sơn" in str(long_form["answer"]) and "Đặng Ngọc Sơn" in str(
        short_form["answer"]
    )


def test_typos_are_tolerated(assistant: Assistant) -> None:
    answer = ask(assistant, "xã Quảng Nghiêp vân động quỹ ung hộ covid được bao nhiêu tiền")
    assert cited(answer)[:1] == ["004_ad35e0de605a32a0.txt"]
    assert "120.390.000" in str(answer["answer"])


def test_exact_diacritics_rank_above_folded_lookalikes(assistant: Assistant) -> None:
    documents = [
        RawDocument("de.txt", "Xã Tân An tổ chức hội nghị bàn về đê điều ven sông mùa lũ.", "txt"),
        RawDocument("de2.txt", "Xã Tân Phú tổ chức hội nghị bàn về đề điều tra dân số.", "txt"),
    ]
    ingest(assistant.engine, documents, workers=1)
    assistant.refresh(force=True)
    for question, first in (
        ("hội nghị bàn về đê điều", "de.txt"),
        ("hội nghị bàn về đề điều", "de2.txt"),
    ):
        asked = assistant.search_question(question)
        assert asked is not None
        ranked = retrieve(asked, index=assistant.index, catalog=assistant.catalog).passages
        order = [s.report.source for s in ranked if s.report.source in {"de.txt", "de2.txt"}]
        assert order[0] == first, question  # the one written with the accents typed leads


def test_numbers_are_never_fuzzy(grown: Assistant) -> None:
    answer = ask(grown, "Phường 2 đạt được gì trong 6 tháng đầu năm 2024?")
    assert "phuong12_kien_tuong_2024.txt" not in cited(answer)
    answer = ask(grown, "Phường 12 vận động Quỹ Vì người nghèo được bao nhiêu tiền?")
    assert cited(answer)[:1] == ["phuong12_kien_tuong_2024.txt"]
    assert "45.000.000 đồng" in str(answer["answer"])
    # Phường 2 gave no "162 suất quà": that number must not be matched to anything else.
    assert ask(grown, "Phường 2 tặng 162 suất quà cho ai?")["found"] is False
    assert ask(grown, "Phường 12 tặng 62 suất quà cho ai?")["found"] is False


def test_unknown_unit_is_not_found_and_suggests(assistant: Assistant) -> None:
    answer = ask(assistant, "UBMTTQ Phường 5 đạt được gì trong 6 tháng đầu năm 2024?")
    assert answer["found"] is False and answer["sources"] == []
    assert "Chưa có báo cáo nào của phường 5" in str(answer["answer"])
    assert "Phường 2, thị xã Kiến Tường" in answer["choices"]  # type: ignore[operator]


def test_period_not_covered_says_what_exists(assistant: Assistant) -> None:
    answer = ask(assistant, "Sơ kết công tác Mặt trận xã Liêm Hải năm 2019")
    assert answer["found"] is False and answer["sources"] == []
    text = str(answer["answer"])
    assert "Chưa có báo cáo của Xã Liêm Hải" in text and "năm 2019" in text
    assert "6 tháng đầu năm 2023" in text


def test_relative_period(assistant: Assistant) -> None:
    answer = as_json(assistant.ask("Phường 2 năm ngoái đạt được gì?", today=date(2025, 3, 1)))
    assert answer["period"] == {"year": 2024, "part": "Y", "term": None}
    assert cited(answer) == ["002_0c8cf19a6beb1e4d.txt"]
    answer = as_json(assistant.ask("Phường 2 năm ngoái đạt được gì?", today=date(2026, 3, 1)))
    assert answer["found"] is False


def test_ambiguous_unit_returns_choices(grown: Assistant) -> None:
    other = "Ngày 5/7/2024, Ủy ban MTTQ Phường 2, thành phố Sóc Trăng tổ chức hội nghị sơ kết 6 tháng đầu năm 2024. Trong 6 tháng, Ủy ban MTTQ Phường 2 trao 95 suất quà cho hộ nghèo."
    ingest(grown.engine, [RawDocument("soctrang.txt", other, "txt")], workers=1)
    answer = ask(grown, "Phường 2 tặng bao nhiêu suất quà cho hộ nghèo?")
    assert set(answer["choices"]) >= {  # type: ignore[arg-type]
        "Phường 2, thị xã Kiến Tường",
        "Phường 2, thành phố Sóc Trăng",
    }
    narrowed = ask(grown, "Phường 2 Sóc Trăng tặng bao nhiêu suất quà cho hộ nghèo?")
    assert cited(narrowed)[:1] == ["soctrang.txt"] and "95 suất quà" in str(narrowed["answer"])
    assert narrowed["choices"] == []


# -- answers ---------------------------------------------------------------------------------


def test_people_with_role(assistant: Assistant) -> None:
    answer = ask(assistant, "Ai chủ trì hội nghị giao ban ở Hồng Lĩnh?")
    assert str(answer["answer"]).startswith("Đặng Thanh Hải")


def test_limitations_listed_from_the_unit_report(assistant: Assistant) -> None:
    answer = ask(assistant, "han che cua mat tran hong linh 6 thang dau nam 2022")
    assert answer["intent"] == "limitation"
    assert "Các hạn chế chính của Thị xã Hồng Lĩnh" in str(answer["answer"])
    assert "chưa kịp thời" in str(answer["answer"])


def test_document_code(assistant: Assistant) -> None:
    answer = ask(assistant, "Quy định 124-QĐ/TW được nhắc đến ở đâu?")
    assert answer["intent"] == "document" and cited(answer) == ["002_0c8cf19a6beb1e4d.txt"]
    assert str(answer["answer"]).startswith("Quy định 124-QĐ/TW của Ban Bí thư Trung ương Đảng")


def test_follow_up_reuses_facets(assistant: Assistant) -> None:
    first = assistant.ask("Phường 2 đạt được gì trong 6 tháng đầu năm 2024?")
    then = as_json(assistant.ask("còn phương hướng thì sao?", context=first.context))
    assert then["intent"] == "direction" and cited(then) == ["002_0c8cf19a6beb1e4d.txt"]
    assert "chỉ tiêu thi đua" in str(then["answer"])
    # A follow-up naming another unit keeps the period: Đình Lập has no 2024 report.
    other = as_json(assistant.ask("còn Đình Lập thì sao?", context=then["context"]))  # type: ignore[arg-type]
    assert other["found"] is False and other["unit"] == "Huyện Đình Lập, tỉnh Lạng Sơn"
    assert "6 tháng đầu năm 2020" in str(other["answer"])


def test_a_follow_up_of_another_kind_drops_the_previous_words(assistant: Assistant) -> None:
    """ "còn hạn chế?" after a question about a person asks for the unit's limitations, not
    for limitations of that person."""
    first = assistant.ask("Bí thư Đảng ủy Phường 2 là ai?")
    assert first.found and first.context["tokens"]
    then = as_json(assistant.ask("còn hạn chế thì sao?", context=first.context))
    assert then["intent"] == "limitation" and then["reason"] == "no_kind"
    assert "không nêu hạn chế" in str(then["answer"])


def test_coverage_of_a_unit(grown: Assistant) -> None:
    answer = ask(grown, "Có những báo cáo nào của Phường 2?")
    assert answer["found"] is True
    assert cited(answer) == ["phuong2_kien_tuong_2024_nam.txt", "002_0c8cf19a6beb1e4d.txt"]
    assert "có 2 báo cáo" in str(answer["answer"])


def test_timeline_oldest_first(grown: Assistant) -> None:
    answer = ask(grown, "Phường 2 qua các kỳ")
    text = str(answer["answer"])
    assert text.index("6 tháng đầu năm 2024") < text.index("năm 2024 (20/12/2024): 25.000.000 đồng")


def test_aggregate_sums_one_figure_per_unit(grown: Assistant) -> None:
    answer = ask(grown, "Tổng số tiền vận động Quỹ Vì người nghèo năm 2024")
    lead = answer["lead"]
    assert lead["kind"] == "sum"  # type: ignore[index]
    # Phường 2's year review (25M) supersedes its half-year figure; Phường 12 gave 45M.
    assert lead["total"] == 70_000_000  # type: ignore[index]
    assert "Tổng cộng: 70.000.000 đồng từ 2 báo cáo" in str(answer["answer"])


def test_compare_two_units(grown: Assistant) -> None:
    answer = ask(grown, "So sánh Phường 2 và Phường 12 về vận động Quỹ Vì người nghèo")
    sides = answer["lead"]["sides"]  # type: ignore[index]
    assert [s["label"] for s in sides] == [
        "Phường 2, thị xã Kiến Tường",
        "Phường 12, thành phố Vũng Tàu",
    ]
    assert "45.000.000 đồng" in str(answer["answer"])


def test_directive_follow_up(grown: Assistant) -> None:
    answer = ask(grown, "Các ý kiến chỉ đạo của Phường 2 đã được thực hiện chưa?")
    rows = answer["lead"]["rows"]  # type: ignore[index]
    festival = next(r for r in rows if "Ngày hội Đại đoàn kết" in r["text"])
    assert festival["followed"] and "6/6 khu phố" in festival["followed"][0]["text"]
    assert any(not r["followed"] for r in rows)


# -- a collection that changes -----------------------------------------------------------------


def test_index_persists_and_is_not_rebuilt(seeded: Engine, tmp_path: Path) -> None:
    first = open_assistant(seeded, tmp_path / "index")
    applied = first.index.applied
    assert applied > 0 and first.index.size > 100
    again = open_assistant(seeded, tmp_path / "index")
    assert again.index.sync(force=True) == 0  # nothing re-applied at start-up
    assert again.index.size == first.index.size
    assert ask(again, "Bí thư Huyện ủy Đình Lập là ai?")["found"] is True


def test_another_instance_sees_new_and_deleted_reports(seeded: Engine, tmp_path: Path) -> None:
    """Two bot instances on one database, each with its own index folder: a report stored or
    deleted through one is answered (or no longer cited) by the other without a restart."""
    one = open_assistant(seeded, tmp_path / "one")
    two = open_assistant(seeded, tmp_path / "two")
    assert ask(two, "Phường 12 vận động Quỹ Vì người nghèo được bao nhiêu?")["found"] is False
    documents = list(iter_path(REPORTS / "phuong12_kien_tuong_2024.txt"))
    saved = ingest(one.engine, documents, workers=1).added[0]
    answer = ask(two, "Phường 12 vận động Quỹ Vì người nghèo được bao nhiêu?")
    assert cited(answer) == ["phuong12_kien_tuong_2024.txt"]
    store.delete_report(one.engine, saved.report_id)
    assert ask(two, "Phường 12 vận động Quỹ Vì người nghèo được bao nhiêu?")["found"] is False


def test_replaced_report_is_reindexed(assistant: Assistant) -> None:
    first = RawDocument(
        "thay.txt", "Ngày 3/3/2024, Ủy ban MTTQ xã Tân Hòa trao 41 suất quà cho hộ nghèo.", "txt"
    )
    ingest(assistant.engine, [first], workers=1)
    assert "41 suất quà" in str(ask(assistant, "xã Tân Hòa trao bao nhiêu suất quà?")["answer"])
    second = RawDocument(
        "thay.txt", "Ngày 3/3/2024, Ủy ban MTTQ xã Tân Hòa trao 57 suất quà cho hộ nghèo.", "txt"
    )
    ingest(assistant.engine, [second], workers=1)
    text = str(ask(assistant, "xã Tân Hòa trao bao nhiêu suất quà?")["answer"])
    assert "57 suất quà" in text and "41 suất quà" not in text


def test_recreated_database_rebuilds_a_stale_index(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    engine = store.connect(url)
    index = tmp_path / "index"
    ingest(
        engine, [RawDocument("x.txt", "Ủy ban MTTQ xã Tân Hòa trao 41 suất quà.", "txt")], workers=1
    )
    ingest(
        engine, [RawDocument("y.txt", "Ủy ban MTTQ xã Tân Lập trao 12 suất quà.", "txt")], workers=1
    )
    assert open_assistant(engine, index).index.size > 0
    engine.dispose()
    (tmp_path / "a.db").unlink()
    fresh = store.connect(url)
    ingest(
        fresh, [RawDocument("z.txt", "Ủy ban MTTQ xã Tân Phú trao 9 suất quà.", "txt")], workers=1
    )
    reopened = open_assistant(fresh, index)
    assert cited(ask(reopened, "xã Tân Hòa trao bao nhiêu suất quà?")) == []
    assert cited(ask(reopened, "xã Tân Phú trao bao nhiêu suất quà?")) == ["z.txt"]


def test_questions_file_reads_the_dev_format(tmp_path: Path) -> None:
    path = tmp_path / "q.tsv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, delimiter="\t").writerows([["id", "text"], ["1", "x"]])
    with pytest.raises(ValueError, match="no 'question' column"):
        read_questions(path)


# -- shorthand, real places, context -----------------------------------------------------------


def test_chat_shorthand(assistant: Assistant) -> None:
    answer = ask(assistant, "UBMTTQ P.2 phối hợp tư pháp tuyên truyền PBGDPL được bn cuộc?")
    assert cited(answer)[:1] == ["002_0c8cf19a6beb1e4d.txt"]
    assert str(answer["answer"]).startswith("8 cuộc, 296 lượt người")
    answer = ask(assistant, "Tết Tân Sửu, MTTQ xã Q.Nghiệp tặng bao nhiêu suất quà cho hộ nghèo?")
    assert cited(answer)[:1] == ["004_ad35e0de605a32a0.txt"] and "84 suất quà" in str(
        answer["answer"]
    )
    answer = ask(assistant, "CT UBMTTQ TX Hồng Lĩnh là ai?")
    assert str(answer["answer"]).startswith("Đặng Ngọc Sơn")


def test_a_real_unit_is_not_taken_for_a_typo(assistant: Assistant) -> None:
    """ "Quảng Nghĩa" is a real commune (gazetteer), not a misspelt Quảng Nghiệp; "Quảng
    Nghiêp" is a typo and is read as Quảng Nghiệp."""
    answer = ask(assistant, "MTTQ xã Quảng Nghĩa vận động quỹ covid được bao nhiêu?")
    assert answer["found"] is False and "xã Quảng Nghĩa" in str(answer["answer"])
    answer = ask(assistant, "MTTQ xã Quảng Nghiep vận động quỹ covid được bao nhiêu?")
    assert "120.390.000" in str(answer["answer"])


def test_ordinals_in_words_or_numbers(assistant: Assistant) -> None:
    for question in ("hội nghị hiệp thương lần thứ 3 ở Quảng Nghiệp ngày nào?",
                     "hội nghị hiệp thương lần thứ ba ở Quảng Nghiệp ngày nào?"):  # fmt: skip
        assert "17/04/2021" in str(ask(assistant, question)["answer"])


def test_author_and_editor(assistant: Assistant) -> None:
    assert str(ask(assistant, "Ai viết bài về hội nghị Phường 2?")["answer"]).startswith("Thúy An")
    answer = ask(assistant, "Trưởng Ban Biên tập trang thông tin điện tử xã Quảng Nghiệp là ai?")
    assert "Vũ Chí Mạnh" in str(answer["answer"])


def test_a_place_named_inside_another_units_report(assistant: Assistant) -> None:
    """No report is *of* huyện Ba Vì, but a city-wide one speaks of it: that is the answer;
    a place no report names is not found."""
    text = (
        "Ngày 20/3/2017, Ủy ban MTTQ thành phố Hà Nội tổng kết các hội nghị đại biểu nhân dân.\n\n"
        "Tại huyện Ba Vì, các hội nghị năm nay tập trung bàn về vệ sinh môi trường.\n\n"
        "Chủ tịch Ủy ban MTTQ huyện là ông Nguyễn Văn An."
    )
    ingest(assistant.engine, [RawDocument("hanoi.txt", text, "txt")], workers=1)
    answer = ask(assistant, "hội nghị ở huyện Ba Vì bàn về vấn đề gì?")
    assert cited(answer)[:1] == ["hanoi.txt"] and "vệ sinh môi trường" in str(answer["answer"])
    assert ask(assistant, "hội nghị ở huyện Mê Linh bàn về vấn đề gì?")["found"] is False


def test_meeting_number_must_match(assistant: Assistant) -> None:
    answer = ask(assistant, "Hội nghị Ủy ban MTTQ huyện Đình Lập lần thứ 4 đạt được gì?")
    assert answer["found"] is True
    assert (
        ask(assistant, "Hội nghị Ủy ban MTTQ huyện Đình Lập lần thứ 9 đạt được gì?")["found"]
        is False
    )


# -- our own question sets: regression guards, not tuning targets ----------------------------


@pytest.fixture(scope="module")
def collection(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    """The samples plus 24 real Front articles from the news corpus, as the sets expect."""
    from knowledge.ingest import documents, sample_paths

    engine = store.connect("sqlite:///:memory:")
    paths = sample_paths()
    ingest(engine, documents(paths, sources={p: p.name for p in paths}), workers=1)
    ingest(engine, iter_path(REPORTS / "baomoi_mttq.jsonl"), workers=1)
    yield open_assistant(engine, tmp_path_factory.mktemp("index"))
    engine.dispose()


@pytest.mark.parametrize(
    ("name", "hit", "match", "none"),
    [("seeds.tsv", 0.93, 0.95, 0.8), ("baomoi.tsv", 0.8, 0.8, 0.75)],
)
def test_question_sets(
    collection: Assistant, name: str, hit: float, match: float, none: float
) -> None:
    """Measured with the fitted ranking (knowledge/ranking.json): seeds 96 % / 99 % / 88 %,
    real articles 86 % / 86 % / 78 % (hit@1, answer matches, no-answer right). These sets
    were tuned on by the hand-set ranking before; the fitted one trades some of their
    no-answer score for the real held-out questions (eval/). A drop below these floors is
    a regression."""
    result = evaluate(collection, read_questions(FIXTURES / "questions" / name))
    failures = [(f["id"], f["got"]) for f in result["failures"]]
    assert result["hit_at_1"] >= hit, failures
    assert result["must_match"] >= match, failures
    assert result["no_answer"] >= none, failures


def test_a_busy_index_writer_does_not_break_answers(seeded: Engine, tmp_path: Path) -> None:
    """An ingest holding the index's writer (another process on the same folder) must not
    stop a bot instance from answering: it reads what was committed and catches up later."""
    one = open_assistant(seeded, tmp_path / "shared")
    held = one.index._parts["passages"].writer(
        heap_size=15_000_000, num_threads=1
    )  # the lock, held
    try:
        ingest(seeded, list(iter_path(REPORTS / "phuong12_kien_tuong_2024.txt")), workers=1)
        two = open_assistant(seeded, tmp_path / "shared")
        assert ask(two, "Bí thư Huyện ủy Đình Lập là ai?")["found"] is True
    finally:
        held.rollback()
        del held
    import gc

    gc.collect()  # release the writer's lock
    assert two.index.sync(force=True) == 1
    answer = ask(two, "Phường 12 vận động Quỹ Vì người nghèo được bao nhiêu?")
    assert cited(answer) == ["phuong12_kien_tuong_2024.txt"]


def test_a_count_of_something_never_counted_is_not_found(assistant: Assistant) -> None:
    answer = ask(assistant, "Phường 2 có bao nhiêu con mèo?")
    assert answer["found"] is False and answer["sources"] == []


def test_where_answers_with_the_place(assistant: Assistant) -> None:
    text = "Ngày 9/3/2024, Ủy ban MTTQ xã Tân Hòa tổ chức hội nghị hiệp thương tại hội trường Ủy ban nhân dân xã."
    ingest(assistant.engine, [RawDocument("noi.txt", text, "txt")], workers=1)
    answer = ask(assistant, "Hội nghị hiệp thương của xã Tân Hòa tổ chức ở đâu?")
    assert str(answer["answer"]).startswith("Tại hội trường Ủy ban nhân dân xã")


def test_nothing_fits_offers_the_nearest_passage_without_citing_it(assistant: Assistant) -> None:
    answer = ask(assistant, "Phường 2 vận động Quỹ Vì người nghèo được bao nhiêu con mèo?")
    assert answer["found"] is False and answer["sources"] == []
    assert answer["nearest"]["text"].startswith("Phối hợp vận động Quỹ")  # type: ignore[index]
    assert "Thông tin gần nhất tìm được" in str(answer["answer"])


def test_long_passages_are_cut_to_the_part_that_answers(assistant: Assistant) -> None:
    padding = "Ủy ban MTTQ xã tiếp tục tuyên truyền, vận động nhân dân thực hiện tốt các chủ trương, chính sách, "
    text = (
        "Ngày 3/3/2024, Ủy ban MTTQ xã Tân Hòa sơ kết. "
        + padding * 6
        + "hỗ trợ xây 7 căn nhà đại đoàn kết cho hộ nghèo, "
        + padding * 6
    )
    ingest(assistant.engine, [RawDocument("dai.txt", text, "txt")], workers=1)
    answer = ask(assistant, "xã Tân Hòa hỗ trợ xây bao nhiêu căn nhà đại đoàn kết?")
    first = str(answer["answer"]).splitlines()[0]
    assert "7 căn nhà đại đoàn kết" in first and len(first) < 420 and "…" in first


def test_answers_from_many_threads_while_reports_arrive(
    seeded: Engine, seeded_file: Path, tmp_path: Path
) -> None:
    """The bot answers on worker threads while other instances store reports: no answer may
    fail or read a half-updated catalog."""
    import shutil
    from concurrent.futures import ThreadPoolExecutor

    if seeded.dialect.name == "sqlite":
        # The bot's SQLite is a file (a pool of connections, WAL); an in-memory database is
        # one connection shared by every thread, whose transactions would interleave.
        shutil.copy(seeded_file, tmp_path / "threads.db")
        seeded = store.connect(f"sqlite:///{tmp_path / 'threads.db'}")
    shared = open_assistant(seeded, tmp_path / "index")
    questions = [
        "Bí thư Huyện ủy Đình Lập là ai?",
        "Phường 2 đạt được gì?",
        "quang nghiep hoa giai bao nhieu vu",
    ]
    texts = [
        f"Ngày {d}/3/2024, Ủy ban MTTQ xã Tân Lập {d} trao {d} suất quà cho hộ nghèo."
        for d in range(1, 7)
    ]
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [pool.submit(shared.ask, questions[i % 3]) for i in range(60)]
        for n, text in enumerate(texts):
            ingest(seeded, [RawDocument(f"tl{n}.txt", text, "txt")], workers=1)
        answers = [f.result(timeout=60) for f in futures]
    assert all(a.intent != "error" for a in answers)
    assert all(a.found for a in answers)


def test_a_portal_page_answers_who_directed_and_who_holds_a_role(assistant: Assistant) -> None:
    """A commune portal's page (menu, site name, view counter around the article): the meeting
    is dated and the people asked for are the commune's, though the directive cited in the
    same sentence is a central one (05-CT/TW)."""
    summary = ingest(
        assistant.engine, list(iter_path(REPORTS / "tan_phu_portal_2023.txt")), workers=1
    )
    assert len(summary.added) == 1, summary.failed
    directed = ask(assistant, "ai chỉ đạo hội nghị tổng kết xã Tân Phú")
    assert directed["lead"]["name"] == "Lê Thị Mai"  # type: ignore[index]
    holder = ask(assistant, "Bí thư Đảng ủy xã Tân Phú là ai")
    assert holder["lead"]["name"] == "Lê Thị Mai"  # type: ignore[index]
    figure = ask(assistant, "quy vi nguoi ngheo xa tan phu duoc bao nhieu")
    assert "125.500.000 đồng" in str(figure["answer"]) and "27/12/2023" in str(figure["answer"])


def test_what_a_named_person_directed_is_theirs_alone(grown: Assistant) -> None:
    summary = ingest(
        grown.engine, list(iter_path(REPORTS / "hoa_binh_giao_ban_2025.txt")), workers=1
    )
    assert len(summary.added) == 1, summary.failed
    answer = ask(grown, "ông Vi Văn Thắng chỉ đạo gì")
    assert cited(answer) == ["hoa_binh_giao_ban_2025.txt"]
    assert "Đại hội đại biểu MTTQ xã lần thứ I" in str(answer["answer"])
    assert ask(grown, "ai chủ trì giao ban xã Hòa Bình")["lead"]["name"] == "Hoàng Thị Lan"  # type: ignore[index]


def test_a_stored_plan_answers_for_its_own_code(assistant: Assistant) -> None:
    ingest(assistant.engine, list(iter_path(REPORTS / "thach_ha_ke_hoach_2024.txt")), workers=1)
    answer = ask(assistant, "kế hoạch 25/KH-MTTQ-BTT nói về gì")
    assert answer["intent"] == "document" and cited(answer) == ["thach_ha_ke_hoach_2024.txt"]
    text = str(answer["answer"])
    assert (
        "ngày 10/01/2024 của Ủy ban MTTQ Việt Nam huyện Thạch Hà" in text and "chăm lo Tết" in text
    )
    assert "II. NỘI DUNG" not in text  # a section heading is no provision


def test_the_role_asked_is_at_the_level_asked(assistant: Assistant) -> None:
    """The district's Phó Chủ tịch attended; the town's new one was elected there."""
    ingest(assistant.engine, list(iter_path(REPORTS / "dong_van_hiep_thuong_2024.txt")), workers=1)
    answer = ask(assistant, "Phó Chủ tịch Ủy ban MTTQ thị trấn Đồng Văn là ai?")
    assert answer["lead"]["name"] == "Vàng Thị Mai"  # type: ignore[index]
    assert (
        ask(assistant, "ai chu tri hoi nghi hiep thuong thi tran dong van")["lead"]["name"]
        == "Lầu Thị Dế"
    )  # type: ignore[index]


def test_an_issued_report_answers_for_its_period_and_its_signer(assistant: Assistant) -> None:
    ingest(
        assistant.engine, list(iter_path(REPORTS / "phuong3_bao_cao_so_ket_2024.txt")), workers=1
    )
    achieved = ask(assistant, "phuong 3 dat duoc gi 6 thang dau nam 2024")
    assert cited(achieved) == ["phuong3_bao_cao_so_ket_2024.txt"] and "1.560 lượt" in str(
        achieved["answer"]
    )
    ahead = ask(assistant, "phương hướng 6 tháng cuối năm 2024 của phường 3")
    assert "6/6 khu phố" in str(ahead["answer"])
    signed = ask(assistant, "ai ký báo cáo sơ kết của phường 3")
    assert signed["lead"]["name"] == "Trần Văn Bình" and "người ký" in str(signed["answer"])  # type: ignore[index]


def test_directions_asked_of_a_role_are_its_holders(assistant: Assistant) -> None:
    text = (
        "MTTQ xã Yên Lạc tổng kết công tác Mặt trận năm 2023\n"
        "Ngày 20/12/2023, Ủy ban MTTQ xã Yên Lạc tổ chức hội nghị tổng kết công tác Mặt trận năm 2023.\n"
        "Phát biểu chỉ đạo, đồng chí Nguyễn Văn An, Bí thư Đảng ủy xã Yên Lạc yêu cầu Mặt trận xã "
        "tập trung xây dựng khối đại đoàn kết toàn dân tộc ở khu dân cư.\n"
        "Đồng chí Trần Thị Bình, Chủ tịch UBND xã Yên Lạc đề nghị Mặt trận phối hợp vận động "
        "nhân dân hiến đất làm đường giao thông nông thôn.\n"
    )
    ingest(assistant.engine, [RawDocument("yen_lac_2023.txt", text, "txt")], workers=1)
    party = str(ask(assistant, "bi thu dang uy xa yen lac chi dao gi")["answer"])
    assert "khối đại đoàn kết" in party and "hiến đất" not in party
    council = str(ask(assistant, "Chủ tịch UBND xã Yên Lạc đề nghị gì?")["answer"])
    assert "hiến đất" in council and "khối đại đoàn kết" not in council


def test_a_request_made_jointly_is_each_speakers(assistant: Assistant) -> None:
    """Đình Lập: the province's Phó Chủ tịch and the district's Bí thư spoke together and made
    the same requests; asked by either's role, they are theirs."""
    answer = ask(assistant, "Bí thư huyện ủy Đình Lập chỉ đạo những gì?")
    assert "Hoàng Xuân Thuận" in str(answer["answer"]) and "Tiếp tục đổi mới nội dung" in str(
        answer["answer"]
    )


def test_a_list_names_the_unit_of_the_report_it_quotes(assistant: Assistant) -> None:
    """No unit in the question: the heading's unit is the first quoted report's, even when a
    passage of another report matched the words best."""
    answer = ask(assistant, "đ/c Nguyễn Văn Chung chỉ đạo gì")
    sources = answer["sources"]
    assert sources and answer["unit"] == sources[0]["unit"]  # type: ignore[index]


def test_limitations_of_a_report_that_lists_none_are_not_a_syllable_match(
    assistant: Assistant,
) -> None:
    """Quảng Nghiệp lists no limitations; "quy chế" shares a syllable with "hạn chế" but is no
    limitation, so the answer says none are listed instead of quoting it."""
    answer = ask(assistant, "xã Quảng Nghiệp có những hạn chế gì")
    assert answer["found"] is False and answer["reason"] == "no_kind"
    assert "không nêu hạn chế" in str(answer["answer"]) and "quy chế" not in str(answer["answer"])


def test_a_total_of_a_named_fund_counts_only_that_fund(assistant: Assistant) -> None:
    """Quảng Nghiệp's 52.780.000 đồng bought Tết gifts; only Phường 2's figure is the Fund's."""
    answer = ask(assistant, "tổng số tiền vận động quỹ vì người nghèo của các đơn vị")
    assert answer["found"] is True and "52.780.000" not in str(answer["answer"])
    assert "8.000.000/21.000.000 đồng" in str(answer["answer"])
