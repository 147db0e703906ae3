"""Dates a member can trust: a meeting's day without a year takes the period's year, else the
published date's (never later than it), else the document's own; the date a page was
published is read wherever its source gives it (a JSON Lines record's `published`, an HTML
page's meta tags or JSON-LD, a "Ngày đăng" / "Đăng lúc" / "Cập nhật" line) and kept beside the
meeting's, with the page's address."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from bot.cli import app
from knowledge import store
from knowledge.clean import clean
from knowledge.extract import dates
from knowledge.ingest import documents, ingest, process
from knowledge.pagemeta import html_meta, published_of
from knowledge.read import RawDocument, read_path

FIXTURES = Path(__file__).parent / "fixtures"
FRONT_DOCS = Path(__file__).resolve().parents[2] / "shared" / "data" / "front-docs-2025"
runner = CliRunner()


def article(ident: str) -> str:
    """A real article of the news fixture (tests/fixtures/reports/baomoi_mttq.jsonl)."""
    for line in (FIXTURES / "reports" / "baomoi_mttq.jsonl").read_text("utf-8").splitlines():
        record = json.loads(line)
        if record["id"] == ident:
            return str(record["text"])
    raise KeyError(ident)


# -- the year of a day and month -------------------------------------------------------------

# Invented, in the style of a commune's post during the 2026 elections.
ELECTION_POST = [
    "Sáng ngày 23/11, Ban Thường trực Ủy ban MTTQ xã tổ chức hội nghị hiệp thương lần thứ hai, "
    "lập danh sách sơ bộ người ứng cử đại biểu HĐND xã nhiệm kỳ 2026 - 2031."
]


def meeting(lead: list[str], **kwargs: object) -> str | None:
    found = dates.meeting_date(lead, covered=None, fallback_year=dates.any_year(lead), **kwargs)  # type: ignore[arg-type]
    return found.value if found else None


def test_a_day_without_a_year_takes_the_published_year_not_the_terms() -> None:
    assert meeting(ELECTION_POST, published="2025-11-23") == "2025-11-23"
    # With nothing else, the document's own year (its most named) is all there is.
    assert meeting(ELECTION_POST) == "2026-11-23"


def test_a_day_without_a_year_is_never_later_than_the_published_date() -> None:
    december = [ELECTION_POST[0].replace("23/11", "28/12")]
    assert meeting(december, published="2026-01-05") == "2025-12-28"
    assert meeting(december, published="2025-12-28") == "2025-12-28"


@pytest.mark.parametrize(
    ("value", "day"),
    [
        ("2025-11-23", "2025-11-23"),
        ("2025-11-23T08:30:00+07:00", "2025-11-23"),
        ("2025-11-22T23:30:00Z", "2025-11-23"),  # the 23rd in Vietnam
        ("2025-11-23 08:30", "2025-11-23"),
        ("23/11/2025", "2025-11-23"),
        ("2025-02-30", None),
        ("hôm qua", None),
        ("1900-01-01", None),
    ],
)
def test_published_values(value: str, day: str | None) -> None:
    assert published_of(value) == day


# -- where the published date is found -------------------------------------------------------


def test_a_json_lines_post_keeps_its_published_date_and_address(
    tmp_path: Path, engine: Engine
) -> None:
    """A real article as a JSON Lines record: "Sáng 22-6" is the 22nd of June of the year it
    was published, not of the term its lead names ("nhiệm kỳ 2014 - 2019")."""
    path = tmp_path / "posts.jsonl"
    record = {
        "id": "22591202",
        "text": article("22591202"),
        "published": "2017-06-22T15:30:00+07:00",
        "url": "https://mattran.example.vn/bai/22591202",
    }
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", "utf-8")
    ingest(engine, documents([path]), workers=1)
    report = store.find(engine, f"{path}#22591202")
    assert (report["meeting_date"], report["published_date"]) == ("2017-06-22", "2017-06-22")
    assert report["url"] == "https://mattran.example.vn/bai/22591202"


def test_a_news_story_is_dated_by_its_opening_beside_its_published_date(
    tmp_path: Path, engine: Engine
) -> None:
    path = tmp_path / "posts.jsonl"
    record = {"id": "21512369", "text": article("21512369"), "published": "2017-02-11"}
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", "utf-8")
    ingest(engine, documents([path]), workers=1)
    dated = store.find(engine, f"{path}#21512369")
    assert (dated["doc_type"], dated["meeting_date"], dated["published_date"]) == (
        "tin tức",
        "2017-02-10",
        "2017-02-11",
    )
    # The same story with no published date: "Tối 10-2" of which year? Not guessed.
    assert process(RawDocument("tin.txt", article("21512369"), "txt")).meeting_date is None


def html_page(head: str, body: str) -> str:
    return f"<!doctype html><html><head><meta charset='utf-8'>{head}</head><body><article>{body}</article></body></html>"


SAMPLE = (
    Path(__file__).resolve().parents[1] / "knowledge" / "samples" / "002_0c8cf19a6beb1e4d.txt"
).read_text("utf-8")


def sample_body() -> str:
    return "".join(f"<p>{line}</p>" for line in SAMPLE.splitlines()[1:] if line.strip())


@pytest.mark.parametrize(
    "head",
    [
        '<meta property="article:published_time" content="2024-07-09T10:00:00+07:00">'
        '<link rel="canonical" href="https://phuong2.example.vn/tin/hoi-nghi-lan-thu-ii">',
        '<script type="application/ld+json">{"@context": "https://schema.org", "@graph": ['
        '{"@type": "NewsArticle", "headline": "Hội nghị", "datePublished": "2024-07-09T10:00:00+07:00"}]}</script>'
        '<meta property="og:url" content="https://phuong2.example.vn/tin/hoi-nghi-lan-thu-ii">',
    ],
)
def test_an_html_page_gives_its_published_date_and_address(
    tmp_path: Path, engine: Engine, head: str
) -> None:
    path = tmp_path / "page.html"
    path.write_text(html_page(head, sample_body()), "utf-8")
    ingest(engine, documents([path]), workers=1)
    report = store.find(engine, str(path))
    assert (report["meeting_date"], report["published_date"]) == ("2024-07-08", "2024-07-09")
    assert report["url"] == "https://phuong2.example.vn/tin/hoi-nghi-lan-thu-ii"


def test_html_meta_ignores_what_is_no_date_or_address() -> None:
    meta = html_meta(
        html_page(
            '<link rel="canonical" href="/tin/1"><meta property="article:published_time" content="sớm">',
            "<p>x</p>",
        )
    )
    assert meta == {}


@pytest.mark.parametrize(
    ("line", "where"),
    [
        ("Đăng lúc 10:20 ngày 9/7/2024", "top"),
        ("Đăng lúc 10:20 ngày 9/7/2024", "foot"),
        ("Cập nhật: 09-07-2024 10h20 (GMT+7)", "foot"),
        ("Ngày đăng: 9.7.2024 | Lượt xem: 152", "foot"),
    ],
)
def test_a_timestamp_line_of_the_page_is_its_published_date(line: str, where: str) -> None:
    lines = SAMPLE.splitlines()
    text = "\n".join([lines[1], line, *lines[2:]] if where == "top" else [*lines, line])
    cleaned = clean(text)
    assert cleaned.meta["published"] == "2024-07-09"
    assert line not in cleaned.text


# -- issued documents ----------------------------------------------------------------------


@pytest.mark.skipif(not FRONT_DOCS.exists(), reason="../shared/data/front-docs-2025 is not there")
@pytest.mark.parametrize(("name", "issued"), [("e2-04", None), ("e2-10", None)])
def test_an_issued_document_is_dated_by_its_own_line_not_a_law_it_cites(
    name: str, issued: str | None, engine: Engine
) -> None:
    """e2-10 leaves its day blank ("ngày tháng 01 năm 2026"): the Electoral Law's "ngày 25
    tháng 6 năm 2015" two lines below is not its date."""
    path = FRONT_DOCS / f"{name}.txt"
    ingest(engine, documents([path]), workers=1)
    assert store.find(engine, str(path))["published_date"] == issued


# -- show --json ---------------------------------------------------------------------------


def test_show_json_prints_both_dates_and_the_address(tmp_path: Path, database: Path) -> None:
    path = tmp_path / "posts.jsonl"
    record = {
        "id": "22591202",
        "text": article("22591202"),
        "published": "2017-06-23",
        "url": "https://mattran.example.vn/a",
    }
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", "utf-8")
    assert runner.invoke(app, ["ingest", str(path), "--workers", "1"]).exit_code == 0
    shown = json.loads(runner.invoke(app, ["show", f"{path}#22591202", "--json"]).output)
    assert (shown["meeting_date"], shown["published_date"], shown["url"]) == (
        "2017-06-22",
        "2017-06-23",
        "https://mattran.example.vn/a",
    )
    assert read_path(path)[0].meta == {
        "line": "1",
        "published": "2017-06-23",
        "url": "https://mattran.example.vn/a",
    }
