"""The store by feature, on a real database: idempotency, replacement, deletion, lookup,
and that a failing report leaves nothing behind."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select

from knowledge import store
from knowledge.clean import clean
from knowledge.errors import StoreError
from knowledge.extract import extract
from knowledge.ingest import process
from knowledge.models import Figure, Item, Report, ReportChange
from knowledge.read import RawDocument

LEAD = "Ngày 08/7/2024, Ủy ban MTTQ Phường 2 tổ chức Hội nghị sơ kết 6 tháng đầu năm 2024."


def record_of(text: str):  # type: ignore[no-untyped-def]
    return process(RawDocument("x.txt", text, "txt", {}))


def count(engine: Engine, table: type) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar() or 0)


def test_same_content_twice_is_one_report(engine: Engine) -> None:
    record = record_of(LEAD + "\nPhối hợp vận động 607 phần quà.")
    first = store.save(engine, record, source="a.txt", raw_hash="h1")
    again = store.save(engine, record, source="a.txt", raw_hash="h1")
    copy = store.save(engine, record, source="b.txt", raw_hash="h1")
    assert (first.status, again.status, copy.status) == ("added", "unchanged", "duplicate")
    assert copy.duplicate_of == "a.txt" and copy.report_id == first.report_id
    assert count(engine, Report) == 1


def test_changed_file_replaces_its_report(engine: Engine) -> None:
    store.save(engine, record_of(LEAD + "\nTặng 607 phần quà."), source="a.txt", raw_hash="h1")
    saved = store.save(
        engine, record_of(LEAD + "\nTặng 700 phần quà."), source="a.txt", raw_hash="h2"
    )
    assert saved.status == "replaced"
    assert count(engine, Report) == 1
    values = [f["value"] for f in store.find(engine, "a.txt")["figures"]]
    assert values == [700]


def test_delete_removes_children(engine: Engine) -> None:
    saved = store.save(
        engine, record_of(LEAD + "\nTặng 607 phần quà."), source="a.txt", raw_hash="h"
    )
    assert count(engine, Figure) == 1
    assert store.delete_report(engine, saved.report_id)
    assert not store.delete_report(engine, saved.report_id)
    assert count(engine, Report) == count(engine, Item) == count(engine, Figure) == 0


def test_a_deleted_reports_id_is_never_given_again(engine: Engine) -> None:
    """The newest report deleted, the next one stored (an upload, a replacement) gets a new
    id: a citation, an audit line or `mttq show 2` never comes to mean another report."""
    first = store.save(
        engine, record_of(LEAD + "\nTặng 607 phần quà."), source="a.txt", raw_hash="h1"
    )
    second = store.save(
        engine, record_of(LEAD + "\nTặng 12 phần quà."), source="b.txt", raw_hash="h2"
    )
    assert store.delete_report(engine, second.report_id)
    third = store.save(
        engine, record_of(LEAD + "\nTặng 30 phần quà."), source="c.txt", raw_hash="h3"
    )
    assert third.report_id > second.report_id > first.report_id
    replaced = store.save(
        engine, record_of(LEAD + "\nTặng 31 phần quà."), source="c.txt", raw_hash="h4"
    )
    assert replaced.status == "replaced" and replaced.report_id > third.report_id


def test_failure_mid_report_leaves_nothing(engine: Engine) -> None:
    record = record_of(LEAD + "\nTặng 607 phần quà.")
    record.items[0].kind = None  # type: ignore[assignment]  # violates NOT NULL after the report row
    with pytest.raises(Exception):  # noqa: B017 - any database error
        store.save(engine, record, source="a.txt", raw_hash="h")
    assert count(engine, Report) == count(engine, Figure) == 0


def test_a_batch_is_classified_as_its_reports_one_by_one(engine: Engine) -> None:
    """Several reports a transaction (bulk ingest): each sees the ones before it in the
    batch: a copy is a duplicate, a source seen again replaces its report of this very
    batch (whose rows are never written), the same content again is unchanged."""
    first = record_of(LEAD + "\nTặng 607 phần quà.")
    changed = record_of(LEAD + "\nTặng 700 phần quà.")
    other = record_of(LEAD + "\nVận động 8 cuộc họp.")
    saved = store.save_many(
        engine,
        [
            store.Entry(first, "a.txt", "h1"),
            store.Entry(first, "b.txt", "h1"),
            store.Entry(changed, "a.txt", "h2"),
            store.Entry(changed, "a.txt", "h2"),
            store.Entry(other, "c.txt", "h3"),
        ],
    )
    assert [s.status for s in saved] == ["added", "duplicate", "replaced", "unchanged", "added"]
    assert saved[1].duplicate_of == "a.txt" and saved[1].report_id == saved[0].report_id
    assert saved[3].report_id == saved[2].report_id
    assert count(engine, Report) == 2 and count(engine, Figure) == 2  # 700 and the 8 meetings
    assert [f["value"] for f in store.find(engine, "a.txt")["figures"]] == [700]
    with engine.connect() as connection:
        log = connection.execute(
            select(ReportChange.report_id, ReportChange.op).order_by(ReportChange.seq)
        ).all()  # type: ignore[call-overload]
    added, replaced, last = saved[0].report_id, saved[2].report_id, saved[4].report_id
    assert [tuple(row) for row in log] == [
        (added, "add"),
        (added, "del"),
        (replaced, "add"),
        (last, "add"),
    ]


def test_a_failing_report_leaves_its_whole_batch_absent(engine: Engine) -> None:
    bad = record_of(LEAD + "\nTặng 607 phần quà.")
    bad.items[0].kind = None  # type: ignore[assignment]  # violates NOT NULL
    good = record_of(LEAD + "\nVận động 8 cuộc họp.")
    with pytest.raises(Exception):  # noqa: B017 - any database error
        store.save_many(engine, [store.Entry(good, "a.txt", "h1"), store.Entry(bad, "b.txt", "h2")])
    assert count(engine, Report) == count(engine, Item) == count(engine, ReportChange) == 0


def test_known_sources_are_looked_up_for_the_sources_asked(engine: Engine) -> None:
    """A re-run skips unchanged files by their raw hash, looked up for the files being read
    (by the source's index), not by reading every stored report's."""
    store.save(engine, record_of(LEAD + "\nTặng 607 phần quà."), source="a.txt", raw_hash="h1")
    store.save(engine, record_of(LEAD + "\nVận động 8 cuộc họp."), source="b.txt", raw_hash="h2")
    assert store.known_sources(engine, ["b.txt", "new.txt"]) == {"b.txt": "h2"}
    assert store.known_sources(engine, []) == {}


def test_find_by_id_source_and_file_name(seeded: Engine) -> None:
    report = store.find(seeded, "002_0c8cf19a6beb1e4d.txt")
    assert store.find(seeded, str(report["id"]))["source"] == report["source"]
    with pytest.raises(StoreError) as error:
        store.find(seeded, "khong-co.txt")
    assert error.value.reason == "report_not_found"


def test_show_json_contract_keys(seeded: Engine) -> None:
    report = store.find(seeded, "004_ad35e0de605a32a0.txt")
    for key in (
        "id",
        "source",
        "title",
        "doc_type",
        "doc_code",
        "unit",
        "meeting_date",
        "published_date",
        "period",
        "meeting_kind",
        "session_number",
        "term",
        "author",
        "truncated",
        "people",
        "items",
        "figures",
        "doc_refs",
        "text",
    ):
        assert key in report
    ref = next(r for r in report["doc_refs"] if r["code"] == "05-CT/TW")
    assert (ref["kind"], ref["issuer"], ref["date"]) == ("chỉ thị", "Bộ Chính trị", "2016-05-15")
    assert report["provenance"]["meeting_date"].startswith("Sáng ngày 02 tháng 7 năm 2021")


def test_extract_survives_nfd_input() -> None:
    import unicodedata

    nfd = unicodedata.normalize(
        "NFD", LEAD + "\nPhối hợp vận động Quỹ “Vì người nghèo” 8.000.000/21.000.000 đồng."
    )
    record = extract(clean(nfd))
    assert record.unit is not None and (record.unit.level, record.unit.name) == ("phường", "2")
    assert [(f.value, f.role) for f in record.figures] == [
        (8_000_000, "achieved"),
        (21_000_000, "target"),
    ]
