"""The offline Bot API refuses what Telegram refuses: the tests that rely on it can fail."""

from __future__ import annotations

import json

import pytest

from tests import telegram_fake as tg


@pytest.mark.parametrize(
    ("markup", "error"),
    [
        ("<b>đậm", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<br>xuống dòng", 'Unsupported start tag "br"'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("x</b>", "Unmatched end tag"),
        ("a < b", "Unsupported start tag at byte offset 2"),
        ("Phường 2 & 3", "Unsupported HTML entity at byte offset 12"),
        ("&nbsp;", "Unsupported HTML entity"),
        ('<span class="x">y</span>', 'Unsupported start tag "span"'),
    ],
)
def test_markup_telegram_cannot_parse_is_refused(markup: str, error: str) -> None:
    with pytest.raises(tg.BadRequest, match="can't parse entities") as refused:
        tg.html_text(markup)
    assert error in refused.value.description


def test_the_html_subset_is_parsed_to_the_text_shown() -> None:
    markup = '<b>Phường 2</b> &amp; <i>3</i>: <a href="https://x.vn/?a=1&amp;b=2">nguồn</a> &lt;5&gt; &#272;'
    assert tg.html_text(markup) == "Phường 2 & 3: nguồn <5> Đ"
    assert tg.html_text("<blockquote><pre>x</pre></blockquote> <tg-spoiler>y</tg-spoiler>") == "x y"


def test_length_is_counted_after_parsing_in_utf16_units() -> None:
    tg.check("sendMessage", {"text": "<b>" + "a" * 4096 + "</b>", "parse_mode": "HTML"})
    with pytest.raises(tg.BadRequest, match="message is too long"):
        tg.check("sendMessage", {"text": "😀" * 2049})  # 4098 UTF-16 units
    with pytest.raises(tg.BadRequest, match="caption is too long"):
        tg.check("sendPhoto", {"caption": "a" * 1025})
    with pytest.raises(tg.BadRequest, match="text is empty"):
        tg.check("sendMessage", {"text": "<b> </b>", "parse_mode": "HTML"})


def test_buttons_alerts_inline_results_and_commands_keep_the_limits() -> None:
    def keyboard(data: str) -> dict[str, object]:
        return {"inline_keyboard": [[{"text": "x", "callback_data": data}]]}

    tg.check("sendMessage", {"text": "x", "reply_markup": keyboard("p:" + "9" * 62)})
    with pytest.raises(tg.BadRequest, match="BUTTON_DATA_INVALID"):
        tg.check("sendMessage", {"text": "x", "reply_markup": keyboard("đ" * 33)})  # 66 bytes
    with pytest.raises(tg.BadRequest, match="MESSAGE_TOO_LONG"):
        tg.check("answerCallbackQuery", {"text": "a" * 201})
    result = {
        "id": "1",
        "type": "article",
        "input_message_content": {"message_text": "<b>x", "parse_mode": "HTML"},
    }
    with pytest.raises(tg.BadRequest, match="can't parse entities"):
        tg.check("answerInlineQuery", {"results": [result]})
    with pytest.raises(tg.BadRequest, match="RESULT_ID_DUPLICATE"):
        tg.check("answerInlineQuery", {"results": [{"id": "1"}, {"id": "1"}]})
    with pytest.raises(tg.BadRequest, match="BOT_COMMAND_INVALID"):
        tg.check("setMyCommands", {"commands": [{"command": "Hỏi", "description": "x"}]})


def test_files_over_20_mb_an_unchanged_edit_and_429_are_answered_as_telegram_does() -> None:
    api = tg.BotAPI()
    api.files["big"] = b"x" * (tg.MAX_DOWNLOAD + 1)
    assert api.answer("getFile", {"file_id": "big"}) == (
        400,
        {"ok": False, "error_code": 400, "description": "Bad Request: file is too big"},
    )
    sent = api.answer("sendMessage", {"chat_id": 5, "text": "x"})[1]["result"]
    status, body = api.answer(
        "editMessageText", {"chat_id": 5, "message_id": sent["message_id"], "text": "x"}
    )
    assert status == 400 and "message is not modified" in body["description"]
    api.throttled["sendMessage"] = 1
    status, body = api.answer("sendMessage", {"chat_id": 5, "text": "y"})
    assert (status, body["parameters"]) == (429, {"retry_after": 1})
    assert api.answer("sendMessage", {"chat_id": 5, "text": "y"})[0] == 200
    assert [m for m, _ in api.refused] == ["getFile", "editMessageText"]  # the 429 was asked for
    assert json.dumps(body)  # a body PTB can read
