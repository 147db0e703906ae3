"""The bot's state in the database, on SQLite and PostgreSQL: chats' facets, answers given
and their feedback, uploads held until confirmed (stored once), deletions and the audit."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from knowledge import chats, store, uploads
from knowledge.assistant import Assistant
from knowledge.models import Asked, Upload
from knowledge.service import Service, window

REPORTS = Path(__file__).parent / "fixtures" / "reports"
GROUP = -1_001_234_567_890  # supergroup ids exceed 32 bits
QUESTION = "Phường 2 đạt được gì trong 6 tháng đầu năm 2024?"


def service_over(engine: Engine, tmp_path: Path) -> Service:
    return Service(
        Assistant.open(str(engine.url), index_dir=str(tmp_path / "index"), engine=engine)
    )


def test_answers_facets_and_feedback_are_kept(seeded: Engine, tmp_path: Path) -> None:
    service = service_over(seeded, tmp_path)
    first = service.ask(QUESTION, chat_id=GROUP, user_id=2**40)
    assert first["found"] and chats.context_of(seeded, GROUP)["units"] == [
        "Phường 2, thị xã Kiến Tường"
    ]
    follow = service.ask("còn phương hướng thời gian tới thì sao?", chat_id=GROUP, user_id=7)
    assert follow["found"] and follow["sources"][0]["source"] == "002_0c8cf19a6beb1e4d.txt"
    assert service.given(first["id"], chat_id=GROUP)["question"] == QUESTION
    assert service.given(first["id"], chat_id=1) is None  # not from another chat
    assert service.vote(first["id"], 1, chat_id=GROUP) and service.vote(
        follow["id"], -1, chat_id=GROUP
    )
    assert service.vote(follow["id"], -5, chat_id=GROUP)
    assert not service.vote(10**6, 1, chat_id=GROUP)
    service.ask("xã Không Có Thật đạt được gì?", chat_id=3, user_id=3)
    service.ask("Xa Khong Co That dat duoc gi", chat_id=4, user_id=4)
    stats = chats.stats(seeded)
    assert stats["questions"] == 4 and stats["answered"] == 2
    assert stats["helpful"] == 1 and stats["unhelpful"] == 1
    assert stats["unanswered"][0]["count"] == 2  # the same question, typed two ways


def test_a_report_that_lists_none_of_what_was_asked_counts_as_answered(
    seeded: Engine, tmp_path: Path
) -> None:
    """/thongke: "Phường 2 … còn hạn chế thì sao?" is told that report lists none (an honest
    answer), unlike a unit we hold nothing of."""
    service = service_over(seeded, tmp_path)
    service.ask(QUESTION, chat_id=5, user_id=5)
    none_listed = service.ask("còn hạn chế thì sao?", chat_id=5, user_id=5)
    assert not none_listed["found"] and none_listed["reason"] == "no_kind"
    service.ask("xã Không Có Thật đạt được gì?", chat_id=5, user_id=5)
    stats = chats.stats(seeded)
    assert stats["questions"] == 3 and stats["answered"] == 2
    assert [u["question"] for u in stats["unanswered"]] == ["xã Không Có Thật đạt được gì?"]


def test_the_bot_pages_through_more_sources_than_the_console_prints(
    seeded: Engine, tmp_path: Path
) -> None:
    console = Assistant.open(str(seeded.url), index_dir=str(tmp_path / "index"), engine=seeded)
    assert len(console.ask("tuyên truyền").groups) == 3
    service = Service(console)
    assert len(service.ask("tuyên truyền", chat_id=1, user_id=1)["groups"]) == 5  # one a page


def test_inline_asks_leave_no_facets(seeded: Engine, tmp_path: Path) -> None:
    service = service_over(seeded, tmp_path)
    service.ask(QUESTION, chat_id=9, user_id=9, remember=False)
    assert chats.context_of(seeded, 9) is None


def test_a_bad_stored_context_is_ignored(seeded: Engine, tmp_path: Path) -> None:
    bad = {"unit_keys": 5, "period": "never", "tokens": [None]}
    chats.record(seeded, chat_id=11, user_id=11, question="?", answer={}, context=bad)
    answer = service_over(seeded, tmp_path).ask("còn hạn chế thì sao?", chat_id=11, user_id=11)
    assert answer["reason"] != "error"


def test_an_upload_is_previewed_then_stored_exactly_once(seeded: Engine, tmp_path: Path) -> None:
    service = service_over(seeded, tmp_path)
    data = (REPORTS / "phuong2_vung_tau_2024.txt").read_bytes()
    preview = service.preview(user_id=5, chat_id=5, file_name="../../etc/phuong2.txt", data=data)
    assert preview["file_name"] == "phuong2.txt"  # a name, never a path
    (report,) = preview["reports"]
    assert report["unit"]["name"] == "2" and report["meeting_date"] == "2024-07-12"
    assert store.count_reports(seeded) == 5
    upload = preview["upload_id"]
    summary = service.commit(upload, user_id=5, chat_id=5)
    assert summary is not None and summary["counts"]["added"] == 1
    assert service.commit(upload, user_id=5, chat_id=5) is None and not service.cancel(
        upload, user_id=5, chat_id=5
    )
    assert store.count_reports(seeded) == 6
    with seeded.connect() as connection:  # the bytes are not kept once stored
        assert connection.execute(select(func.length(Upload.data))).scalar() == 0  # type: ignore[arg-type]
    (entry,) = uploads.audit_log(seeded)
    assert (entry["action"], entry["user_id"], entry["source"]) == ("load", 5, "phuong2.txt")
    # The same file again: nothing new, so nothing is held.
    again = service.preview(user_id=5, chat_id=5, file_name="phuong2.txt", data=data)
    assert again["reports"][0]["unchanged"] and again["upload_id"] is None
    # A changed file of that name replaces the report.
    changed = service.preview(
        user_id=5,
        chat_id=5,
        file_name="phuong2.txt",
        data=data.replace(b"56.000.000", b"57.000.000"),
    )
    assert changed["reports"][0]["replaces"] == summary["added"][0]["id"]


def test_a_jsonl_upload_is_counted_and_stored_whole(seeded: Engine, tmp_path: Path) -> None:
    service = service_over(seeded, tmp_path)
    lines = (REPORTS / "baomoi_mttq.jsonl").read_text(encoding="utf-8").splitlines()[:8]
    lines.insert(3, "{not json")
    data = gzip.compress("\n".join(lines).encode())
    preview = service.preview(user_id=5, chat_id=5, file_name="tin.jsonl.gz", data=data)
    assert (
        preview["documents"] == 8
        and len(preview["reports"]) == uploads.SHOWN
        and preview["more"] == 3
    )
    assert preview["failed"][0]["reason"] == "bad_record"
    summary = service.commit(preview["upload_id"], user_id=5, chat_id=5)
    assert summary is not None and summary["counts"]["added"] == 8
    assert json.dumps(summary)  # plain data for the renderer
    assert store.count_reports(seeded) == 13


def test_unreadable_uploads_hold_nothing(seeded: Engine, tmp_path: Path) -> None:
    service = service_over(seeded, tmp_path)
    for name, data in (
        ("x.exe", b"MZ"),
        ("e.txt", b""),
        ("d.docx", b"PK broken"),
        ("scan.pdf", b"%PDF-1.4"),
    ):
        preview = service.preview(user_id=5, chat_id=5, file_name=name, data=data)
        assert preview["upload_id"] is None and preview["failed"] and not preview["reports"]
    with seeded.connect() as connection:
        assert connection.execute(select(func.count()).select_from(Upload)).scalar() == 0


def test_cancel_keeps_nothing(seeded: Engine, tmp_path: Path) -> None:
    service = service_over(seeded, tmp_path)
    preview = service.preview(
        user_id=5,
        chat_id=5,
        file_name="p12.txt",
        data=(REPORTS / "phuong12_kien_tuong_2024.txt").read_bytes(),
    )
    upload = preview["upload_id"]
    assert service.cancel(upload, user_id=5, chat_id=5) and not service.cancel(
        upload, user_id=5, chat_id=5
    )
    assert service.commit(upload, user_id=5, chat_id=5) is None
    assert store.count_reports(seeded) == 5


def test_removal_is_logged_and_answered_no_more(seeded: Engine, tmp_path: Path) -> None:
    service = service_over(seeded, tmp_path)
    report_id = service.ask(QUESTION, chat_id=1, user_id=1)["sources"][0]["report_id"]
    assert service.remove(report_id, user_id=8) == "002_0c8cf19a6beb1e4d.txt"
    assert service.remove(report_id, user_id=8) is None
    assert uploads.audit_log(seeded)[0]["action"] == "delete"
    assert "002_0c8cf19a6beb1e4d.txt" not in json.dumps(
        service.ask(QUESTION, chat_id=1, user_id=1)["sources"]
    )


def test_latest_report_and_units(seeded: Engine, tmp_path: Path) -> None:
    service = service_over(seeded, tmp_path)
    brief = service.latest_report("phuong 2")
    assert brief["found"] and brief["meeting_date"] == "2024-07-08" and brief["direction"]
    assert any(f["raw"] == "8.000.000/21.000.000 đồng" for f in brief["figures"])
    assert not service.latest_report("xã Không Có Thật")["found"]
    units = service.units()
    assert len(units) == 5 and units == sorted(units, key=lambda u: u["unit"].casefold())
    assert service.health() == {"status": "ok", "reports": 5}


def test_excerpt_window_is_cut_at_sentences() -> None:
    text = " ".join(f"Câu số {n} nói về việc thứ {n}." for n in range(400))
    found = window(text, ["Câu số 200 nói về việc thứ 200."], size=300)
    assert "Câu số 200" in found and found.startswith("…") and found.endswith("…")
    assert len(found) <= 302
    assert window("Ngắn.", ["không có"], size=300) == "Ngắn."


# -- buttons are bound to their chat (and admin actions to their admin) ------------------------


def _answers(engine: Engine) -> list[tuple[int, int, int | None]]:
    with engine.connect() as connection:
        return [
            tuple(r)
            for r in connection.execute(
                select(Asked.id, Asked.chat_id, Asked.feedback).order_by(Asked.id)
            )
        ]  # type: ignore[call-overload]


def test_an_answer_serves_only_the_chat_it_was_given_in(seeded: Engine, tmp_path: Path) -> None:
    service = service_over(seeded, tmp_path)
    asked = service.ask(QUESTION, chat_id=GROUP, user_id=7)["id"]
    before = _answers(seeded)
    for chat in (1, None):  # another chat; a press with no chat (an inline message)
        assert service.given(asked, chat_id=chat) is None
        assert service.excerpt(asked, 0, chat_id=chat) is None
        assert service.follow(asked, "limitation", chat_id=chat, user_id=7) is None
        assert service.choose(asked, 0, chat_id=chat, user_id=7) is None
        assert not service.vote(asked, -1, chat_id=chat)
    assert _answers(seeded) == before  # no feedback, no new answer
    assert chats.context_of(seeded, 1) is None
    assert service.vote(asked, -1, chat_id=GROUP) and _answers(seeded)[-1][2] == -1


def test_an_upload_is_settled_only_by_its_sender_in_its_chat(
    seeded: Engine, tmp_path: Path
) -> None:
    service = service_over(seeded, tmp_path)
    data = (REPORTS / "phuong12_kien_tuong_2024.txt").read_bytes()
    upload = service.preview(user_id=5, chat_id=5, file_name="p12.txt", data=data)["upload_id"]
    for user, chat in ((6, 6), (5, GROUP), (6, 5), (5, None)):  # another admin; another chat
        assert service.held(upload, user_id=user, chat_id=chat) is None
        if chat is not None:
            assert service.commit(upload, user_id=user, chat_id=chat) is None
            assert not service.cancel(upload, user_id=user, chat_id=chat)
    assert service.held(upload, user_id=5, chat_id=5) == {
        "upload_id": upload,
        "file_name": "p12.txt",
        "status": "pending",
    }
    assert store.count_reports(seeded) == 5 and not uploads.audit_log(seeded)
    assert (
        service.commit(upload, user_id=5, chat_id=5) is not None
        and store.count_reports(seeded) == 6
    )


def test_a_deletion_is_confirmed_only_by_the_admin_who_asked_in_their_chat(
    seeded: Engine, tmp_path: Path
) -> None:
    service = service_over(seeded, tmp_path)
    assert (
        service.ask_delete(10**6, user_id=5, chat_id=GROUP) is None
    )  # no such report: nothing held
    asked = service.ask_delete(3, user_id=5, chat_id=GROUP)
    assert asked is not None and asked["source"] == "002_0c8cf19a6beb1e4d.txt"
    deletion = asked["deletion_id"]
    for user, chat in ((6, GROUP), (5, 5), (6, 6), (5, None)):
        assert service.deletion(deletion, user_id=user, chat_id=chat) is None
        if chat is not None:
            assert service.confirm_delete(deletion, user_id=user, chat_id=chat) is None
            assert service.keep(deletion, user_id=user, chat_id=chat) is None
    assert service.deletion(deletion + 1, user_id=5, chat_id=GROUP) is None  # never given
    assert store.count_reports(seeded) == 5 and not uploads.audit_log(seeded)
    assert service.deletion(deletion, user_id=5, chat_id=GROUP) == {
        "deletion_id": deletion,
        "report_id": 3,
        "status": "pending",
    }
    assert service.confirm_delete(deletion, user_id=5, chat_id=GROUP) == {
        "report_id": 3,
        "source": "002_0c8cf19a6beb1e4d.txt",
    }
    assert service.confirm_delete(deletion, user_id=5, chat_id=GROUP) is None  # once
    assert service.keep(deletion, user_id=5, chat_id=GROUP) is None
    assert store.count_reports(seeded) == 4
    kept = service.ask_delete(1, user_id=5, chat_id=GROUP)
    assert kept is not None and service.keep(kept["deletion_id"], user_id=5, chat_id=GROUP) == 1
    assert service.confirm_delete(kept["deletion_id"], user_id=5, chat_id=GROUP) is None
    assert store.count_reports(seeded) == 4


# -- a sent file's name is the sender's to choose -----------------------------------------------

LONG = "Báo cáo sơ kết " + "ệ" * 200  # far over the 255 bytes a file system takes for a name
BAD_NAMES = ["..", "../", ".", "", "   ", "/", "\\", "...", ".txt", LONG + ".txt", "a\x00b.txt", "a\x07\x1b\n\tb.txt",
             "../../etc/passwd.txt", "a/b.txt", "a\\b.txt", "C:\\Users\\x\\bao cao.txt", "\u202etxt.exe",
             "bad\ud800.txt"]  # fmt: skip


def _shown(name: str) -> None:
    """A name fit to show and cite: one line of visible characters, no path, not too long."""
    assert name and name.strip() == name and len(name) <= uploads.NAME_CHARS
    assert all(c.isprintable() for c in name) and not {"/", "\\", "\u202e"} & set(name)
    assert name.encode("utf-8")  # no lone surrogate either


@pytest.mark.parametrize("name", BAD_NAMES)
def test_any_file_name_is_read_under_a_safe_name_and_cited_by_a_clean_one(
    seeded: Engine, tmp_path: Path, name: str
) -> None:
    service = service_over(seeded, tmp_path)
    data = (REPORTS / "phuong12_kien_tuong_2024.txt").read_bytes()
    preview = service.preview(user_id=5, chat_id=5, file_name=name, data=data)
    _shown(preview["file_name"])
    assert uploads.stored_name(name) in {"tai-lieu.txt", "tai-lieu.exe"}
    if name.endswith(".exe"):  # no format to read it by: said, with the reason
        assert [f["reason"] for f in preview["failed"]] == ["unsupported_format"] and preview[
            "upload_id"
        ] is None
        return
    assert preview["documents"] == 1 and not preview["failed"], preview["failed"]
    summary = service.commit(preview["upload_id"], user_id=5, chat_id=5)
    assert summary is not None and summary["added"][0]["source"] == preview["file_name"]


def test_a_long_name_keeps_its_format_and_what_tells_files_apart(
    seeded: Engine, tmp_path: Path
) -> None:
    service = service_over(seeded, tmp_path)
    lines = (REPORTS / "baomoi_mttq.jsonl").read_text(encoding="utf-8").splitlines()[:2]
    preview = service.preview(
        user_id=5,
        chat_id=5,
        file_name=LONG + ".JSONL.GZ",
        data=gzip.compress("\n".join(lines).encode()),
    )
    name = preview["file_name"]
    _shown(name)
    assert (
        name.startswith("Báo cáo sơ kết ệệ")
        and name.endswith("….JSONL.GZ")
        and preview["documents"] == 2
    )
    assert uploads.stored_name(LONG + ".JSONL.GZ") == "tai-lieu.jsonl.gz"
    assert [r["source"].split("#")[0] for r in preview["reports"]] == [name, name]
    assert (
        uploads.safe_name(LONG) == LONG[: uploads.NAME_CHARS - 1] + "…"
    )  # no suffix: nothing kept for it
    assert uploads.safe_name("../tệp\x00 báo\ncáo.docx") == "tệp báo cáo.docx"
    assert uploads.safe_name(None) == uploads.safe_name("..") == "tai-lieu.txt"
