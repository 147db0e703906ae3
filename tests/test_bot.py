"""The Telegram bot end to end: the real Application and handlers over a seeded database,
talking to an offline Bot API (tests/telegram_fake.py) instead of Telegram."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import shutil
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given
from hypothesis import settings as examples
from hypothesis import strategies as st
from sqlalchemy import Engine, text
from telegram import Update
from telegram.ext import Application

from bot.app import build, set_commands
from bot.settings import Settings
from handlers import render
from knowledge import store
from knowledge.assistant import Assistant
from knowledge.ingest import documents, ingest, sample_paths
from knowledge.service import Service
from tests import telegram_fake as tg
from tests.conftest import POSTGRES_URL, _reset_postgres

ADMIN = 42
MEMBER = 501
REPORTS = Path(__file__).parent / "fixtures" / "reports"
QUESTION = "Phường 2 đạt được gì trong 6 tháng đầu năm 2024?"


@dataclass
class Bot:
    app: Application  # type: ignore[type-arg]
    api: tg.FakeBotAPI
    service: Service

    async def send(self, update: Update) -> None:
        await self.app.process_update(update)

    def says(self) -> str:
        return "\n".join(self.api.texts())


def settings(**values: object) -> Settings:
    values.setdefault("admin_ids", [ADMIN])
    return Settings(_env_file=None, telegram_bot_token=tg.TOKEN, **values)  # type: ignore[call-arg]


async def start_bot(url: str, index: Path, *, admins: tuple[int, ...] = (ADMIN,)) -> Bot:
    service = Service(Assistant.open(url, index_dir=str(index)))
    api = tg.FakeBotAPI()
    app = build(settings(admin_ids=list(admins)), service, token=tg.TOKEN, request=api)
    await app.initialize()
    api.clear()  # getMe
    return Bot(app, api, service)


@pytest.fixture
async def bot(
    seeded_file: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[Bot]:
    """A bot over its own copy of the seeded database (admins: ADMIN, or those of a test's
    `admins` mark)."""
    path = tmp_path / "mttq.db"
    shutil.copy(seeded_file, path)
    marked = request.node.get_closest_marker("admins")
    running = await start_bot(
        f"sqlite:///{path}", tmp_path / "index", admins=marked.args if marked else (ADMIN,)
    )
    yield running
    await running.app.shutdown()
    running.service.engine.dispose()
    assert not running.api.refused, "calls Telegram would refuse"


def last_buttons(bot: Bot) -> list[tuple[str, str]]:
    with_markup = [p for p in bot.api.sent() if p.get("reply_markup")]
    return bot.api.buttons(with_markup[-1]) if with_markup else []


def on_last(bot: Bot, user: int = ADMIN) -> dict[str, int]:
    """A press by ``user`` in their chat, on the bot's newest message (a preview, a /xoa
    confirmation: the one whose buttons are pressed)."""
    return {"chat_id": user, "user_id": user, "message_id": bot.api.last_message_id}


def data_of(buttons: list[tuple[str, str]], prefix: str) -> str:
    return next(data for _, data in buttons if data.startswith(prefix))


# -- members ------------------------------------------------------------------------------


async def test_a_question_gets_a_cited_html_answer_with_buttons(bot: Bot) -> None:
    await bot.send(tg.message(bot.app.bot, QUESTION))
    assert bot.api.calls[0][0] == "sendChatAction"  # typing while the answer is computed
    sent = bot.api.sent()[0]
    assert sent["parse_mode"] == "HTML"
    assert "Phường 2" in sent["text"] and "08/07/2024" in sent["text"]
    # Cited by a name a member can read, never the sample's hashed file name.
    assert "bài mẫu số 3" in sent["text"] and "002_0c8cf19a6beb1e4d.txt" not in sent["text"]
    buttons = last_buttons(bot)
    assert {d.split(":")[0] for _, d in buttons} >= {"s", "f", "v"}
    assert all(len(d.encode()) <= 64 for _, d in buttons)
    assert [label for label, d in buttons if d.startswith("f:")] == [
        "Hạn chế",
        "Phương hướng",
        "Chỉ đạo",
    ]


async def test_follow_up_reuses_the_chats_facets(bot: Bot) -> None:
    await bot.send(tg.message(bot.app.bot, QUESTION))
    bot.api.clear()
    await bot.send(tg.message(bot.app.bot, "còn phương hướng thời gian tới thì sao?"))
    text = bot.says()
    assert "bài mẫu số 3" in text
    assert "phương hướng" in text.lower()
    # Another chat has no facets: the same words alone name no unit.
    assert store.count_reports(bot.service.engine) == 5


async def test_follow_up_buttons_ask_about_the_same_unit_and_period(bot: Bot) -> None:
    await bot.send(tg.message(bot.app.bot, QUESTION))
    buttons = last_buttons(bot)
    bot.api.clear()
    await bot.send(tg.button(bot.app.bot, data_of(buttons, "f:").rsplit(":", 1)[0] + ":l"))
    assert "không nêu hạn chế" in bot.says()  # that report lists none: said, not invented
    assert [label for label, d in last_buttons(bot) if d.startswith("f:")] == [
        "Phương hướng",
        "Chỉ đạo",
    ]
    bot.api.clear()
    await bot.send(tg.button(bot.app.bot, data_of(buttons, "f:").rsplit(":", 1)[0] + ":c"))
    assert "Huỳnh Thanh Vinh" in bot.says() or "bài mẫu số 3" in bot.says()


async def test_source_button_quotes_the_report(bot: Bot) -> None:
    await bot.send(tg.message(bot.app.bot, QUESTION))
    source = data_of(last_buttons(bot), "s:")
    bot.api.clear()
    await bot.send(tg.button(bot.app.bot, source))
    text = bot.says()
    assert "Trích nguồn" in text and "<blockquote>" in text and "Kiến Tường" in text


async def test_pages_edit_the_answer_in_place(bot: Bot) -> None:
    await bot.send(tg.message(bot.app.bot, "tuyên truyền"))
    buttons = last_buttons(bot)
    page = data_of(buttons, "p:")
    bot.api.clear()
    await bot.send(tg.button(bot.app.bot, page))
    edited = bot.api.sent("editMessageText")
    assert edited and "Nguồn 2/" in edited[0]["text"]
    assert any(d.endswith(":0") and d.startswith("p:") for _, d in bot.api.buttons(edited[0]))


@examples(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.one_of(
        st.from_regex(r"\A[psfcvxuLHDNRK]:-?[0-9a-z]{0,25}(:-?[0-9a-z]{0,5})?\Z"),
        st.text(max_size=64),
    )
)
@example(data="D:99999999999999999999999")
@example(data="R:1")
@example(data="K:999999999999999999")
@example(data="L:99999999999999999999999")
@example(data="p:99999999999999999999999:1")
@example(data="u:99999999999999999999999")
@example(data="x:-1")
async def test_any_button_data_is_answered_without_an_error(bot: Bot, data: str) -> None:
    """Old, forged or odd callback data: an alert or nothing, never the error path."""
    bot.api.clear()
    await bot.send(tg.button(bot.app.bot, data, chat_id=ADMIN, user_id=ADMIN))
    assert not any("Lỗi trong bot" in str(p.get("text")) for p in bot.api.sent())
    assert not any("Xin lỗi" in str(p.get("text")) for p in bot.api.sent("answerCallbackQuery"))


@examples(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(min_size=1, max_size=5000))
@example(text="<b>Phường 2</b> & <script>alert(1)</script> đạt được gì?")
@example(text="/hoi")
@example(text="@" + tg.BOT_USERNAME)
async def test_any_message_is_answered_without_an_error(bot: Bot, text: str) -> None:
    bot.api.clear()
    await bot.send(tg.message(bot.app.bot, text))
    sent = bot.api.sent()
    assert all(render_len(p["text"]) <= 4096 for p in sent)
    assert not any(
        "Lỗi trong bot" in p["text"] or "Xin lỗi, đã có lỗi khi xử lý" in p["text"] for p in sent
    )


def render_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


async def test_a_double_press_on_a_page_is_harmless(bot: Bot) -> None:
    await bot.send(tg.message(bot.app.bot, "tuyên truyền"))
    page, answer = data_of(last_buttons(bot), "p:"), bot.api.last_message_id
    bot.api.clear()
    await bot.send(tg.button(bot.app.bot, page, message_id=answer))
    await bot.send(
        tg.button(bot.app.bot, page, message_id=answer)
    )  # Telegram: "message is not modified"
    assert len(bot.api.sent("editMessageText")) == 1 and not bot.api.sent()  # no apology, no trace
    assert [m for m, _ in bot.api.refused] == ["editMessageText"]
    bot.api.refused.clear()


async def test_buttons_of_another_chat_or_unknown_answers_are_refused(bot: Bot) -> None:
    await bot.send(tg.message(bot.app.bot, QUESTION, chat_id=700, user_id=700))
    source = data_of(last_buttons(bot), "s:")
    bot.api.clear()
    await bot.send(tg.button(bot.app.bot, source, chat_id=701, user_id=701))
    await bot.send(tg.button(bot.app.bot, "p:99999:1"))
    alerts = bot.api.sent("answerCallbackQuery")
    assert len(alerts) == 2 and all(a.get("show_alert") for a in alerts)
    assert not bot.api.sent()


async def test_feedback_is_stored_and_counted(bot: Bot) -> None:
    await bot.send(tg.message(bot.app.bot, QUESTION))
    await bot.send(tg.button(bot.app.bot, data_of(last_buttons(bot), "v:")))  # 👍
    await bot.send(tg.message(bot.app.bot, "/thongke", chat_id=ADMIN, user_id=ADMIN))
    text = bot.api.sent()[-1]["text"]
    assert "👍 1" in text and "Câu hỏi đã nhận: 2" not in text


async def test_groups_answer_only_when_addressed(bot: Bot) -> None:
    group = -100_123
    await bot.send(tg.message(bot.app.bot, QUESTION, chat_id=group))
    assert bot.api.calls == []  # never chatter
    await bot.send(tg.message(bot.app.bot, f"@{tg.BOT_USERNAME} {QUESTION}", chat_id=group))
    assert "08/07/2024" in bot.says()
    assert "message_id" in str(bot.api.sent()[0]["reply_parameters"])  # quotes the question
    bot.api.clear()
    await bot.send(
        tg.message(bot.app.bot, "còn hạn chế thì sao?", chat_id=group, reply_to_bot=True)
    )
    assert bot.api.sent()
    bot.api.clear()
    await bot.send(tg.message(bot.app.bot, f"/hoi@{tg.BOT_USERNAME} {QUESTION}", chat_id=group))
    assert "08/07/2024" in bot.says()
    bot.api.clear()
    await bot.send(tg.message(bot.app.bot, "/hoi@another_bot hello", chat_id=group))
    assert bot.api.calls == []


async def test_inline_query_offers_cited_answers(bot: Bot) -> None:
    await bot.send(tg.inline(bot.app.bot, QUESTION))
    (answered,) = [p for name, p in bot.api.calls if name == "answerInlineQuery"]
    results = answered["results"]
    assert results and "bài mẫu số 3" in results[0]["input_message_content"]["message_text"]
    assert results[0]["input_message_content"]["parse_mode"] == "HTML"
    bot.api.clear()
    await bot.send(tg.inline(bot.app.bot, "a"))  # too short to mean anything: no results
    assert [p["results"] for n, p in bot.api.calls if n == "answerInlineQuery"] == [[]]


async def test_start_offers_example_questions_that_answer(bot: Bot) -> None:
    await bot.send(tg.message(bot.app.bot, "/start"))
    start = bot.api.sent()[0]
    assert "5 báo cáo" in start["text"]
    examples = [d for _, d in bot.api.buttons(start)]
    assert len(examples) == 3
    bot.api.clear()
    await bot.send(tg.button(bot.app.bot, examples[0]))
    assert "Nguồn" in bot.says() or "[0" in bot.says()


async def test_help_units_report_and_document_commands(
    bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    await bot.send(tg.message(bot.app.bot, "/help"))
    assert "/baocao" in bot.says() and "/xoa" not in bot.says()  # admin commands for admins only
    bot.api.clear()
    monkeypatch.setattr("handlers.browse.UNITS_PAGE", 2)
    await bot.send(tg.message(bot.app.bot, "/donvi"))
    assert "trang 1/3" in bot.says()
    await bot.send(tg.button(bot.app.bot, "u:2"))
    assert "trang 3/3" in bot.api.sent("editMessageText")[0]["text"]
    bot.api.clear()
    await bot.send(tg.message(bot.app.bot, "/baocao phuong 2 kien tuong"))
    text = bot.says()
    assert "8.000.000/21.000.000 đồng" in text and "08/07/2024" in text and "Phương hướng" in text
    bot.api.clear()
    await bot.send(tg.message(bot.app.bot, "/baocao xã Không Tồn Tại"))
    assert "Chưa có báo cáo" in bot.says()
    bot.api.clear()
    await bot.send(tg.message(bot.app.bot, "/baocao"))
    assert "ví dụ" in bot.says()
    bot.api.clear()
    await bot.send(tg.message(bot.app.bot, "/vanban 05-CT/TW"))
    assert "05-CT/TW" in bot.says() and "báo cáo" in bot.says()


async def test_unknown_commands_and_non_text_messages_are_explained(bot: Bot) -> None:
    await bot.send(tg.message(bot.app.bot, "/thoitiet <hôm nay>"))
    assert "Không có lệnh /thoitiet" in bot.says() and "/baocao" in bot.says()
    bot.api.clear()
    sticker = {"file_id": "s1", "file_unique_id": "s1", "width": 512, "height": 512,
               "is_animated": False, "is_video": False, "type": "regular"}  # fmt: skip
    body = {**tg.message_body(None), "sticker": sticker}
    await bot.send(Update.de_json({"update_id": 90_001, "message": body}, bot.app.bot))
    assert "câu hỏi viết bằng chữ" in bot.says()
    bot.api.clear()
    await bot.send(
        Update.de_json(
            {"update_id": 90_002, "edited_message": {**body, "edit_date": 1}}, bot.app.bot
        )
    )
    group = {**tg.message_body(None, chat_id=-100_9), "sticker": sticker}
    await bot.send(Update.de_json({"update_id": 90_003, "message": group}, bot.app.bot))
    await bot.send(tg.message(bot.app.bot, "/thoitiet", chat_id=-100_9))
    assert bot.api.calls == []  # edits and groups: silence


async def test_a_failing_answer_apologises_and_tells_the_admins(
    bot: Bot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("index exploded")

    monkeypatch.setattr(Service, "ask", broken)
    with caplog.at_level(logging.ERROR):
        await bot.send(tg.message(bot.app.bot, QUESTION))
    by_chat = {int(p["chat_id"]): p["text"] for p in bot.api.sent()}
    assert "Xin lỗi" in by_chat[MEMBER]
    assert "index exploded" in by_chat[ADMIN] and "Traceback" in by_chat[ADMIN]
    assert any(r.exc_info for r in caplog.records)
    # The bot keeps serving.
    monkeypatch.undo()
    bot.api.clear()
    await bot.send(tg.message(bot.app.bot, QUESTION))
    assert "08/07/2024" in bot.says()


async def test_a_member_who_blocked_the_bot_or_a_late_press_troubles_no_admin(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    bot.api.failing["sendMessage"] = ("Forbidden: bot was blocked by the user", None)
    with caplog.at_level(logging.INFO):
        await bot.send(tg.message(bot.app.bot, QUESTION))
    assert [int(p["chat_id"]) for m, p in bot.api.calls if m == "sendMessage"] == [
        MEMBER
    ]  # no trace
    assert "no longer takes messages" in caplog.text
    bot.api.failing.clear()
    await bot.send(tg.message(bot.app.bot, "tuyên truyền"))
    page = data_of(last_buttons(bot), "p:")
    bot.api.failing["answerCallbackQuery"] = (
        "Bad Request: query is too old and response timeout expired or query id is invalid",
        None,
    )
    bot.api.clear()
    await bot.send(tg.button(bot.app.bot, page))
    assert bot.api.sent("editMessageText")  # the page still turns
    assert not [p for m, p in bot.api.calls if m == "sendMessage" and int(p["chat_id"]) == ADMIN]


async def test_commands_are_registered_with_an_admin_menu(bot: Bot) -> None:
    bot.api.failing["setMyCommands"] = ("Bad Request: chat not found", "scope")
    await set_commands(bot.app)  # an admin who never opened the bot: logged, not fatal
    bot.api.failing.clear()
    bot.api.clear()
    await set_commands(bot.app)
    menus = bot.api.sent("setMyCommands")
    assert len(menus) == 2
    assert {c["command"] for c in menus[1]["commands"]} >= {"xoa", "thongke", "hoi", "vanban"}


# -- admins -------------------------------------------------------------------------------


async def upload(
    bot: Bot, path: Path, *, user: int = ADMIN, name: str | None = None, data: bytes | None = None
) -> None:
    content = path.read_bytes() if data is None else data
    file_id = f"f{abs(hash((name or path.name, content))) % 10**8}"
    bot.api.files[file_id] = content
    doc = tg.document(file_id, name or path.name, len(content))
    await bot.send(tg.message(bot.app.bot, None, chat_id=user, user_id=user, document=doc))


async def test_an_admin_loads_a_report_after_a_preview(bot: Bot) -> None:
    path = REPORTS / "phuong2_vung_tau_2024.txt"
    await upload(bot, path)
    preview = bot.says()
    assert "Vũng Tàu" in preview and "12/07/2024" in preview and "Số liệu:" in preview
    assert store.count_reports(bot.service.engine) == 5  # nothing stored before Lưu
    save = data_of(last_buttons(bot), "L:")
    bot.api.clear()
    await bot.send(tg.button(bot.app.bot, save, chat_id=ADMIN, user_id=ADMIN))
    assert "Đã lưu" in bot.says()
    assert store.count_reports(bot.service.engine) == 6
    bot.api.clear()
    await bot.send(tg.button(bot.app.bot, save, chat_id=ADMIN, user_id=ADMIN))  # a second press
    assert notices(bot) == ["Tệp này đã được lưu rồi: không lưu lại lần nữa."] and not bot.says()
    assert store.count_reports(bot.service.engine) == 6
    # Two units are now called Phường 2: the answer offers the choice, and a choice answers.
    bot.api.clear()
    await bot.send(tg.message(bot.app.bot, QUESTION))
    choices = [d for _, d in last_buttons(bot) if d.startswith("c:")]
    assert len(choices) == 2
    bot.api.clear()
    await bot.send(tg.button(bot.app.bot, choices[1]))
    assert bot.api.sent() and "Kiến Tường" in bot.says()
    # The audit log says who loaded what.
    bot.api.clear()
    await bot.send(tg.message(bot.app.bot, "/thongke", chat_id=ADMIN, user_id=ADMIN))
    assert f"người dùng {ADMIN} nạp" in bot.says() and "phuong2_vung_tau_2024.txt" in bot.says()


def notices(bot: Bot) -> list[str]:
    """The short notices under buttons (answerCallbackQuery texts)."""
    return [str(p["text"]) for p in bot.api.sent("answerCallbackQuery") if p.get("text")]


async def test_a_second_press_on_save_or_cancel_is_a_short_notice(bot: Bot) -> None:
    """Lưu twice, Hủy after Lưu, Lưu after Hủy, and two presses at once: a short Vietnamese
    notice, nothing stored twice, and no trace to the admins (Telegram refuses an edit that
    changes nothing: "message is not modified")."""

    async def preview(path: Path, name: str | None = None) -> tuple[Update, Update]:
        """Lưu and Hủy pressed on the preview's own message."""
        await upload(bot, path, name=name)
        on = {"chat_id": ADMIN, "user_id": ADMIN, "message_id": bot.api.last_message_id}
        buttons = last_buttons(bot)
        return (
            tg.button(bot.app.bot, data_of(buttons, "L:"), **on),
            tg.button(bot.app.bot, data_of(buttons, "H:"), **on),
        )

    save, cancel = await preview(REPORTS / "phuong2_vung_tau_2024.txt")
    await bot.send(save)
    assert "Đã lưu" in bot.says() and store.count_reports(bot.service.engine) == 6
    bot.api.clear()
    await bot.send(save)
    await bot.send(cancel)
    assert notices(bot) == ["Tệp này đã được lưu rồi: không lưu lại lần nữa."] * 2
    assert not bot.api.sent() and store.count_reports(bot.service.engine) == 6

    save, cancel = await preview(REPORTS / "phuong12_kien_tuong_2024.txt")
    await bot.send(cancel)
    bot.api.clear()
    await bot.send(save)
    assert notices(bot) == ["Tệp này đã hủy: không có gì được lưu. Muốn lưu, hãy gửi lại tệp."]
    assert not bot.api.sent() and store.count_reports(bot.service.engine) == 6

    # Two presses at once, as the running bot takes them (its update processor).
    save, _ = await preview(REPORTS / "phuong12_kien_tuong_2024.txt", name="lan-hai.txt")
    bot.api.clear()
    processor = bot.app.update_processor
    await asyncio.gather(
        *(processor.process_update(save, bot.app.process_update(save)) for _ in range(2))
    )
    assert store.count_reports(bot.service.engine) == 7
    assert "Đã lưu" in bot.says() and "Lỗi trong bot" not in bot.says()
    assert notices(bot) == ["Tệp này đã được lưu rồi: không lưu lại lần nữa."]


async def test_answers_in_a_chat_go_out_in_the_order_asked(
    bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A slow question and a quick one right after it in one chat: answered in that order
    (the quick one does not overtake), while another chat's question is answered meanwhile."""
    slow, quick, other = (
        QUESTION,
        "Bí thư Huyện ủy Đình Lập là ai?",
        "bi thu huyen uy dinh lap la ai",
    )
    ask = Service.ask

    def slowly(self: Service, text: str, **options: Any) -> dict[str, Any]:
        if text == slow:
            time.sleep(1.0)  # an answer that takes long (a large database, a busy machine)
        return ask(self, text, **options)

    monkeypatch.setattr(Service, "ask", slowly)
    await bot.app.start()  # the update fetcher and its processor, as `mttq run` runs them
    try:
        for text, chat in ((slow, MEMBER), (quick, MEMBER), (other, STRANGER)):
            await bot.app.update_queue.put(
                tg.message(bot.app.bot, text, chat_id=chat, user_id=chat)
            )
        for _ in range(600):
            if len([p for p in bot.api.sent() if p.get("reply_markup")]) == 3:
                break
            await asyncio.sleep(0.05)
    finally:
        await bot.app.stop()
    answers = [(int(p["chat_id"]), str(p["text"])) for p in bot.api.sent() if p.get("reply_markup")]
    assert len(answers) == 3
    ours = [text for chat, text in answers if chat == MEMBER]
    assert "08/07/2024" in ours[0] and "Đình Lập" in ours[1]  # in the order asked
    assert answers[0][0] == STRANGER  # the other chat did not wait for the slow answer


ENGLISH = re.compile(r"\b(?:other|replaced|added|failed|empty|the|file|is|no|not|only)\b")


def english_outside_parentheses(text: str) -> list[str]:
    """English words an admin would read as the message itself: the technical cause may
    follow in parentheses (or after "—" inside them), nothing else may be English."""
    bare = text
    while re.search(r"\([^()]*\)", bare):
        bare = re.sub(r"\([^()]*\)", "", bare)
    return ENGLISH.findall(re.sub(r"<[^>]+>", "", bare))


async def test_admin_texts_are_vietnamese(bot: Bot) -> None:
    """A preview, a Lưu and /thongke of a JSON Lines file holding a meeting of no known kind
    and an empty record: "Loại: other" and "the file is empty" never stand alone."""
    meeting = next(line for line in (REPORTS / "baomoi_mttq.jsonl").read_text(encoding="utf-8").splitlines()
                   if '"22581451"' in line)  # fmt: skip
    data = (meeting + "\n" + json.dumps({"id": "trong", "text": "   "}) + "\n").encode()
    await upload(bot, Path("tin.jsonl"), data=data)
    preview = bot.says()
    assert "Loại: cuộc họp khác" in preview and "dòng JSON không hợp lệ" in preview
    await bot.send(tg.button(bot.app.bot, data_of(last_buttons(bot), "L:"), **on_last(bot)))
    await bot.send(tg.message(bot.app.bot, "/thongke", chat_id=ADMIN, user_id=ADMIN))
    stats = bot.api.sent()[-1]["text"]
    assert "(lỗi: dòng JSON không hợp lệ" in stats, stats
    await bot.send(tg.message(bot.app.bot, "/xoa 6", chat_id=ADMIN, user_id=ADMIN))
    for said in bot.api.texts():
        assert not english_outside_parentheses(said), said


async def test_a_word_document_is_previewed_and_stored(bot: Bot) -> None:
    import io

    import docx

    document = docx.Document()
    for line in (REPORTS / "phuong2_vung_tau_2024.txt").read_text(encoding="utf-8").splitlines():
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    await upload(bot, Path("bao-cao.docx"), name="Báo cáo Phường 2.docx", data=buffer.getvalue())
    assert "Vũng Tàu" in bot.says() and "12/07/2024" in bot.says()
    await bot.send(tg.button(bot.app.bot, data_of(last_buttons(bot), "L:"), **on_last(bot)))
    assert "Báo cáo Phường 2.docx" in bot.says() and store.count_reports(bot.service.engine) == 6


async def test_cancel_and_duplicates_store_nothing(bot: Bot) -> None:
    await upload(bot, REPORTS / "phuong12_kien_tuong_2024.txt")
    cancel = data_of(last_buttons(bot), "H:")
    await bot.send(tg.button(bot.app.bot, cancel, **on_last(bot)))
    assert "Đã hủy" in bot.says()
    assert store.count_reports(bot.service.engine) == 5
    bot.api.clear()
    sample = sample_paths()[2]
    await upload(bot, sample, name="ban-sao.txt")  # the same content under another name
    text = bot.says()
    assert "Trùng nội dung với báo cáo" in text and sample.name in text
    assert not [d for _, d in last_buttons(bot) if d.startswith("L:")]


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("virus.exe", b"MZ\x90\x00", "định dạng không hỗ trợ"),
        ("trong.txt", b"", "không có nội dung"),
        ("hong.docx", b"not a zip at all", ".docx bị hỏng"),
        ("hong.pdf", b"%PDF-1.4 garbage", "PDF bị hỏng"),
    ],
)
async def test_a_bad_file_gets_a_precise_reason_and_nothing_is_stored(
    bot: Bot, name: str, data: bytes, reason: str
) -> None:
    await upload(bot, Path(name), name=name, data=data)
    text = bot.says()
    assert reason in text and "không có gì được lưu" in text
    assert not [d for _, d in last_buttons(bot) if d.startswith("L:")]
    assert store.count_reports(bot.service.engine) == 5


async def test_an_upload_with_any_name_gets_a_preview_or_a_reason_never_a_trace(bot: Bot) -> None:
    """Names Telegram may deliver ("..", NUL, 200 Vietnamese letters, paths): a preview of
    the good file, or a Vietnamese reason; nothing reaches the admins' trace."""
    long = "Báo cáo " + "ệ" * 200
    path = REPORTS / "phuong12_kien_tuong_2024.txt"
    for name in ["..", "../", ".", "", "/", "\\", long + ".txt", "a\x00b.txt", "a\x07\x1b\nb.txt", "../../x/a.txt",
                 "a\\b.txt", "\u202eexe.txt", long]:  # fmt: skip
        bot.api.clear()
        await upload(bot, path, name=name)
        text = bot.says()
        assert "Xem trước" in text and "Lỗi trong bot" not in text and "Xin lỗi" not in text, name
        if name == long:  # no suffix left to read it by
            assert "định dạng không hỗ trợ" in text and "không có gì được lưu" in text
            continue
        assert "Phường 12" in text and "\x00" not in text and "\u202e" not in text, name
        await bot.send(tg.button(bot.app.bot, data_of(last_buttons(bot), "H:"), **on_last(bot)))
    bot.api.clear()
    await upload(bot, path, name=long + ".txt")
    await bot.send(tg.button(bot.app.bot, data_of(last_buttons(bot), "L:"), **on_last(bot)))
    assert "Đã lưu" in bot.says()
    (source,) = [
        r["source"]
        for r in store.list_reports(bot.service.engine)
        if r["source"].startswith("Báo cáo")
    ]
    assert source.endswith("ệ….txt") and len(source) <= 120


async def test_a_file_over_the_download_limit_is_not_fetched(bot: Bot) -> None:
    doc = tg.document("huge", "lon.pdf", 25_000_000)
    await bot.send(tg.message(bot.app.bot, None, chat_id=ADMIN, user_id=ADMIN, document=doc))
    assert "Tệp quá lớn" in bot.says()
    assert not bot.api.sent("getFile")


async def test_a_failed_download_says_so_and_stores_nothing(bot: Bot) -> None:
    bot.api.failing["getFile"] = ("Bad Request: file is too big", None)
    await upload(bot, REPORTS / "phuong12_kien_tuong_2024.txt")
    assert "Không tải được tệp" in bot.says() and "File is too big" in bot.says()
    assert store.count_reports(bot.service.engine) == 5


async def test_members_cannot_load_delete_or_read_stats(bot: Bot) -> None:
    await upload(bot, REPORTS / "phuong2_vung_tau_2024.txt", user=MEMBER)
    await bot.send(tg.message(bot.app.bot, "/xoa 1"))
    await bot.send(tg.message(bot.app.bot, "/thongke"))
    texts = bot.api.texts()
    assert len(texts) == 3 and all("chỉ dành cho quản trị viên" in t for t in texts)
    assert not bot.api.sent("getFile")
    await bot.send(tg.button(bot.app.bot, "D:1"))
    await bot.send(tg.button(bot.app.bot, "R:1"))
    await bot.send(tg.button(bot.app.bot, "L:1"))
    assert all(a.get("show_alert") for a in bot.api.sent("answerCallbackQuery"))
    assert store.count_reports(bot.service.engine) == 5


async def test_an_admin_deletes_after_confirming(bot: Bot) -> None:
    await bot.send(tg.message(bot.app.bot, "/xoa 3", chat_id=ADMIN, user_id=ADMIN))
    assert "Xóa báo cáo này?" in bot.says() and "002_0c8cf19a6beb1e4d.txt" in bot.says()
    assert store.count_reports(bot.service.engine) == 5
    await bot.send(tg.button(bot.app.bot, data_of(last_buttons(bot), "K:"), **on_last(bot)))
    assert "Đã giữ lại báo cáo 3" in bot.says()
    assert store.count_reports(bot.service.engine) == 5
    bot.api.clear()
    await bot.send(tg.message(bot.app.bot, "/xoa 3", chat_id=ADMIN, user_id=ADMIN))
    delete, confirmation = data_of(last_buttons(bot), "R:"), on_last(bot)
    await bot.send(tg.button(bot.app.bot, delete, **confirmation))
    assert "Đã xóa báo cáo 3" in bot.says()
    assert store.count_reports(bot.service.engine) == 4
    bot.api.clear()
    await bot.send(tg.button(bot.app.bot, delete, **confirmation))  # a second press
    assert (
        notices(bot) == ["Yêu cầu xóa này đã được xử lý trước đó: không có gì thay đổi."]
        and not bot.says()
    )
    bot.api.clear()
    await bot.send(tg.message(bot.app.bot, QUESTION))
    assert "bài mẫu số 3" not in bot.says()
    bot.api.clear()
    await bot.send(tg.message(bot.app.bot, "/xoa 3", chat_id=ADMIN, user_id=ADMIN))
    assert "Không có báo cáo 3" in bot.says() and not last_buttons(bot)


# -- every button is bound to its chat (admin buttons also to their admin) -----------------------

ADMIN2 = 43  # a second admin
STRANGER = 777  # another member, in their own private chat
GROUP = -100_555
FORGED = 987_654_321  # an id never given


@dataclass
class Offered:
    """A live button: its data, and the chat and user it was offered to."""

    data: str
    chat: int
    user: int


def snapshot(engine: Engine) -> dict[str, object]:
    """Everything a press could change: answers (and their feedback), chats' facets, uploads,
    deletions, reports and the audit log."""
    with engine.connect() as connection:
        rows = {
            table: sorted(tuple(r) for r in connection.execute(text(query)))
            for table, query in (
                ("asked", "SELECT id, chat_id, feedback FROM asked"),
                ("chatstate", "SELECT chat_id, context FROM chatstate"),
                ("upload", "SELECT id, status, length(data) FROM upload"),
                ("deletion", "SELECT id, status FROM deletion"),
                ("audit", "SELECT id, action, report_id FROM audit"),
            )
        }
    return {**rows, "reports": store.count_reports(engine)}


async def offer(bot: Bot, kind: str) -> Offered:
    """Have the bot offer a button of this kind to its rightful chat and user."""
    if kind in {"save", "cancel"}:
        await upload(bot, REPORTS / "phuong12_kien_tuong_2024.txt")
        return Offered(
            data_of(last_buttons(bot), {"save": "L:", "cancel": "H:"}[kind]), ADMIN, ADMIN
        )
    if kind in {"delete", "keep"}:
        await bot.send(
            tg.message(bot.app.bot, "/xoa 3", chat_id=GROUP, user_id=ADMIN)
        )  # in a group
        return Offered(
            data_of(last_buttons(bot), {"delete": "R:", "keep": "K:"}[kind]), GROUP, ADMIN
        )
    if kind == "choice":  # two units are called Phường 2 once this report is stored
        await upload(bot, REPORTS / "phuong2_vung_tau_2024.txt")
        await bot.send(tg.button(bot.app.bot, data_of(last_buttons(bot), "L:"), **on_last(bot)))
    question = "tuyên truyền" if kind == "page" else QUESTION
    await bot.send(tg.message(bot.app.bot, question))
    prefix = {"page": "p:", "source": "s:", "follow": "f:", "choice": "c:", "vote": "v:"}[kind]
    data = [d for _, d in last_buttons(bot) if d.startswith(prefix)][-1]  # 👎 of the votes
    return Offered(data, MEMBER, MEMBER)


def forged(data: str) -> str:
    action, _, rest = data.partition(":")
    return f"{action}:{FORGED}" + (":" + rest.split(":", 1)[1] if ":" in rest else "")


def presses(offered: Offered, way: str) -> list[dict[str, object]]:
    """The presses of `way` on that button: (data, chat, user, inline message or not)."""
    admin_button = offered.data[0] in "LHRK"
    if way == "another chat":
        if admin_button:  # the same admin elsewhere, and another admin in their own chat
            elsewhere = STRANGER * -1000 if offered.chat > 0 else ADMIN
            return [{"data": offered.data, "chat_id": elsewhere, "user_id": offered.user},
                    {"data": offered.data, "chat_id": ADMIN2, "user_id": ADMIN2}]  # fmt: skip
        return [{"data": offered.data, "chat_id": STRANGER, "user_id": STRANGER}]
    if way == "inline message":
        return [
            {"data": offered.data, "user_id": offered.user, "inline_message_id": "AgAAAIgAAAB4"}
        ]
    return [{"data": forged(offered.data), "chat_id": offered.chat, "user_id": offered.user}]


KINDS = ["page", "source", "follow", "choice", "vote", "save", "cancel", "delete", "keep"]


@pytest.mark.admins(ADMIN, ADMIN2)
@pytest.mark.parametrize("way", ["another chat", "inline message", "forged id"])
@pytest.mark.parametrize("kind", KINDS)
async def test_a_button_pressed_anywhere_else_is_refused_and_changes_nothing(
    bot: Bot, kind: str, way: str
) -> None:
    offered = await offer(bot, kind)
    engine = bot.service.engine
    before = snapshot(engine)
    for press in presses(offered, way):
        data = str(press.pop("data"))
        bot.api.clear()
        await bot.send(tg.button(bot.app.bot, data, **press))
        # Only a short notice on the press: no message sent, edited or "typing…".
        assert [m for m, _ in bot.api.calls] == ["answerCallbackQuery"], (press, bot.api.calls)
        (notice,) = bot.api.sent("answerCallbackQuery")
        assert notice["show_alert"] and notice["text"] in {
            render.stale(), render.not_yours(), render.pressed_elsewhere()
        }  # fmt: skip
        if way == "inline message":
            assert notice["text"] == render.pressed_elsewhere()
        assert snapshot(engine) == before
    # The button itself was live: pressed where it was offered, it does its work.
    bot.api.clear()
    await bot.send(tg.button(bot.app.bot, offered.data, chat_id=offered.chat, user_id=offered.user))
    assert not any(a.get("show_alert") for a in bot.api.sent("answerCallbackQuery"))
    if kind in {"page", "source"}:
        assert bot.api.sent("editMessageText" if kind == "page" else "sendMessage")
    else:
        assert snapshot(engine) != before


# -- several instances --------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_instances_sharing_a_database_share_conversations(
    backend: str, seeded_file: Path, tmp_path: Path
) -> None:
    """Behind a load balancer the next update of a chat may reach another instance."""
    if backend == "sqlite":
        path = tmp_path / "shared.db"
        shutil.copy(seeded_file, path)
        url = f"sqlite:///{path}"
    else:
        if not POSTGRES_URL.startswith("postgresql"):
            pytest.skip("PostgreSQL: TEST_DATABASE_URL is not set to a postgresql:// URL")
        _reset_postgres(POSTGRES_URL)
        engine = store.connect(POSTGRES_URL)
        ingest(
            engine,
            documents(sample_paths(), sources={p: p.name for p in sample_paths()}),
            workers=1,
        )
        engine.dispose()
        url = POSTGRES_URL
    one, two = await start_bot(url, tmp_path / "i1"), await start_bot(url, tmp_path / "i2")
    try:
        await one.send(tg.message(one.app.bot, QUESTION))
        buttons = last_buttons(one)
        await two.send(tg.button(two.app.bot, data_of(buttons, "s:")))
        assert "Trích nguồn" in two.says()
        await two.send(tg.message(two.app.bot, "còn phương hướng thời gian tới thì sao?"))
        assert "bài mẫu số 3" in two.says()
        # A report loaded through one instance is answered by the other.
        await upload(one, REPORTS / "phuong12_kien_tuong_2024.txt")
        await one.send(tg.button(one.app.bot, data_of(last_buttons(one), "L:"), **on_last(one)))
        two.api.clear()
        two.service.assistant.refresh(force=True)
        await two.send(
            tg.message(two.app.bot, "Phường 12 vận động Quỹ Vì người nghèo được bao nhiêu?")
        )
        assert "45.000.000" in two.says()
    finally:
        for running in (one, two):
            await running.app.shutdown()
            running.service.engine.dispose()
