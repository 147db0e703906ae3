"""An offline Bot API that keeps Telegram's rules, so the tests run the real Application,
handlers and serialisation without a network (the approach of python-telegram-bot's own
tests) and still fail where Telegram would refuse a call.

One set of rules (`BotAPI`), two ways in:

- `FakeBotAPI`: a python-telegram-bot request object, in-process, for the handler tests;
- `LoopbackBotAPI`: the same over HTTP on 127.0.0.1 (getUpdates long polling, file downloads,
  429 answers), for the real `mttq run` process (TELEGRAM_API_BASE_URL).

The rules enforced are Telegram's published limits: 4096 characters a message and 1024 a
caption (counted in UTF-16 units after the HTML is parsed), the HTML subset (an unknown or
unclosed tag, or a bare "<" or "&", is a 400 "can't parse entities"), 1-64 bytes of
callback_data, 200 characters of a callback alert, 50 inline results with unique ids, valid bot
commands, 20 MB (20,000,000 bytes) for getFile, and an edit that changes nothing (text or
buttons: "message is not modified"). The limits are python-telegram-bot's `telegram.constants`.
Every refusal is kept in `refused`, so a test can also assert
that the bot never made a call Telegram would refuse.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import itertools
import json
import re
import time
from typing import Any

import tornado.web
from telegram import Update
from telegram.constants import (
    CallbackQueryLimit,
    FileSizeLimit,
    InlineKeyboardButtonLimit,
    InlineQueryLimit,
    MessageLimit,
)
from telegram.request import BaseRequest, RequestData

BOT_ID = 999_000_111
BOT_USERNAME = "mttq_test_bot"
TOKEN = f"{BOT_ID}:AAH-secret-token-for-tests"

MAX_TEXT = MessageLimit.MAX_TEXT_LENGTH
MAX_CAPTION = MessageLimit.CAPTION_LENGTH
MIN_CALLBACK_DATA = InlineKeyboardButtonLimit.MIN_CALLBACK_DATA
MAX_CALLBACK_DATA = InlineKeyboardButtonLimit.MAX_CALLBACK_DATA
MAX_ALERT = CallbackQueryLimit.ANSWER_CALLBACK_QUERY_TEXT_LENGTH
MAX_INLINE_RESULTS = InlineQueryLimit.RESULTS
MAX_DOWNLOAD = FileSizeLimit.FILESIZE_DOWNLOAD  # 20 MB: 20,000,000 bytes, not 20 MiB

# Telegram's HTML subset (https://core.telegram.org/bots/api#html-style).
_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "span",
         "tg-spoiler", "tg-emoji", "blockquote"}  # fmt: skip
_TAG = re.compile(
    r"""<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+))?)*)\s*>"""
)
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});")
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
# Over HTTP every parameter is a string; these carry JSON.
_JSON_PARAMETERS = {"reply_markup", "results", "commands", "scope", "entities", "link_preview_options",
                    "reply_parameters", "allowed_updates", "button", "caption_entities"}  # fmt: skip


class BadRequest(Exception):
    """A call Telegram would refuse, with Telegram's description."""

    def __init__(self, description: str, code: int = 400, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.description, self.code, self.retry_after = description, code, retry_after

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def html_text(markup: str) -> str:
    """The text Telegram shows for an HTML message, or the BadRequest Telegram answers."""
    shown: list[str] = []
    open_tags: list[str] = []
    at = 0
    while at < len(markup):
        char = markup[at]
        offset = len(markup[:at].encode())
        if char == "<":
            tag = _TAG.match(markup, at)
            if tag is None:
                raise BadRequest(
                    f"Bad Request: can't parse entities: Unsupported start tag at byte offset {offset}"
                )
            _open_or_close(tag, open_tags, offset)
            at = tag.end()
        elif char == "&":
            entity = _ENTITY.match(markup, at)
            if entity is None:
                raise BadRequest(
                    f"Bad Request: can't parse entities: Unsupported HTML entity at byte offset {offset}"
                )
            shown.append(html.unescape(entity.group()))
            at = entity.end()
        else:
            shown.append(char)
            at += 1
    if open_tags:
        raise BadRequest(
            f"Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"{open_tags[-1]}\""
        )
    return "".join(shown)


def _open_or_close(tag: re.Match[str], open_tags: list[str], offset: int) -> None:
    closing, name, attributes = tag.group(1) == "/", tag.group(2).lower(), tag.group(3)
    if not closing:
        if name not in _TAGS or (name == "span" and "tg-spoiler" not in attributes):
            raise BadRequest(
                f'Bad Request: can\'t parse entities: Unsupported start tag "{name}" at byte offset {offset}'
            )
        open_tags.append(name)
    elif not open_tags or open_tags[-1] != name:
        expected = f'expected "</{open_tags[-1]}>", ' if open_tags else ""
        raise BadRequest(
            f'Bad Request: can\'t parse entities: Unmatched end tag at byte offset {offset}, {expected}found "</{name}>"'
        )
    else:
        open_tags.pop()


def _formatted(text: Any, parse_mode: Any, *, limit: int, too_long: str) -> str:
    shown = html_text(str(text)) if parse_mode == "HTML" else str(text)
    if utf16_len(shown.strip()) > limit:
        raise BadRequest(f"Bad Request: {too_long}")
    return shown


def _keyboard(markup: Any) -> None:
    for row in (markup or {}).get("inline_keyboard", []):
        for button in row:
            if not str(button.get("text", "")).strip():
                raise BadRequest("Bad Request: text buttons are unallowed in the inline keyboard")
            data = button.get("callback_data")
            if (
                data is not None
                and not MIN_CALLBACK_DATA <= len(str(data).encode()) <= MAX_CALLBACK_DATA
            ):
                raise BadRequest("Bad Request: BUTTON_DATA_INVALID")


def check(method: str, params: dict[str, Any]) -> None:
    """Raise the BadRequest Telegram would answer to this call."""
    parse_mode = params.get("parse_mode")
    if (
        method in {"sendMessage", "editMessageText"}
        and not _formatted(
            params.get("text", ""), parse_mode, limit=MAX_TEXT, too_long="message is too long"
        ).strip()
    ):
        raise BadRequest("Bad Request: message text is empty")
    if method in {"sendPhoto", "sendDocument", "editMessageCaption"} and params.get("caption"):
        _formatted(
            params["caption"], parse_mode, limit=MAX_CAPTION, too_long="message caption is too long"
        )
    _keyboard(params.get("reply_markup"))
    if method == "answerCallbackQuery" and utf16_len(str(params.get("text", ""))) > MAX_ALERT:
        raise BadRequest("Bad Request: MESSAGE_TOO_LONG")
    if method == "answerInlineQuery":
        _inline_results(params.get("results") or [])
    if method == "setMyCommands":
        for command in params.get("commands") or []:
            if (
                not _COMMAND.fullmatch(str(command.get("command")))
                or not 1 <= len(str(command.get("description", ""))) <= 256
            ):
                raise BadRequest("Bad Request: BOT_COMMAND_INVALID")


def _inline_results(results: list[dict[str, Any]]) -> None:
    if len(results) > MAX_INLINE_RESULTS:
        raise BadRequest("Bad Request: RESULTS_TOO_MUCH")
    ids = [str(r.get("id", "")) for r in results]
    if len(set(ids)) != len(ids):
        raise BadRequest("Bad Request: RESULT_ID_DUPLICATE")
    for result in results:
        if not 1 <= len(str(result.get("id", "")).encode()) <= 64:
            raise BadRequest("Bad Request: RESULT_ID_INVALID")
        content = result.get("input_message_content") or {}
        _formatted(
            content.get("message_text", ""),
            content.get("parse_mode"),
            limit=MAX_TEXT,
            too_long="MESSAGE_TOO_LONG",
        )
        _keyboard(result.get("reply_markup"))


class Injected(BadRequest):
    """A refusal a test asked for (`failing`, `throttled`), not a rule the bot broke."""


class BotAPI:
    """Telegram's side: answers each method as Telegram would, keeps the rules above, and records
    every call (`calls`) and every refusal of a rule (`refused`; not those a test injected)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.refused: list[tuple[str, str]] = []
        self.files: dict[str, bytes] = {}  # file_id → content, served by getFile + download
        self.urls: list[str] = []
        # method → (Bot API error description, a parameter the call must carry to fail, if any)
        self.failing: dict[str, tuple[str, str | None]] = {}
        self.throttled: dict[str, int] = {}  # method → how many next calls get a 429
        self._failed: set[int] = set()  # indexes in `calls` of the calls that got an error
        self.last_message_id = 0  # of the newest message sent or edited
        self._ids = itertools.count(1000)
        self._messages: dict[
            tuple[int, int], tuple[str, str]
        ] = {}  # (chat, message) → (text, markup)

    def answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """The status and JSON body Telegram would send back."""
        self.calls.append((method, params))
        try:
            result = self._answer(method, params)
        except BadRequest as refusal:
            self._failed.add(len(self.calls) - 1)
            if not isinstance(refusal, Injected):
                self.refused.append((method, refusal.description))
            return refusal.code, refusal.body()
        return 200, {"ok": True, "result": result}

    def _answer(self, method: str, params: dict[str, Any]) -> Any:
        if self.throttled.get(method):
            self.throttled[method] -= 1
            raise Injected("Too Many Requests: retry after 1", code=429, retry_after=1)
        description, only_with = self.failing.get(method, ("", None))
        if description and (only_with is None or only_with in params):
            raise Injected(description, code=403 if description.startswith("Forbidden") else 400)
        check(method, params)
        return self._result(method, params)

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return {
                "id": BOT_ID, "is_bot": True, "first_name": "Trợ lý MTTQ", "username": BOT_USERNAME,
                "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": True,
            }  # fmt: skip
        if method in {"sendMessage", "sendPhoto", "sendDocument", "editMessageText"}:
            return self._message(method, params)
        if method == "editMessageReplyMarkup":
            return self._buttons(params)
        if method == "getFile":
            return self._file(str(params["file_id"]))
        return True

    def _message(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params.get("chat_id", 1))
        message_id = int(params.get("message_id") or next(self._ids))
        shown = (
            str(params.get("text", "")),
            json.dumps(params.get("reply_markup"), sort_keys=True),
        )
        if method == "editMessageText" and self._messages.get((chat_id, message_id)) == shown:
            raise BadRequest(
                "Bad Request: message is not modified: specified new message content and reply markup are exactly "
                "the same as a current content and reply markup of the message"
            )
        self._messages[(chat_id, message_id)] = shown
        self.last_message_id = message_id
        return {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Trợ lý MTTQ"},
            "text": params.get("text", ""),
        }

    def _buttons(self, params: dict[str, Any]) -> dict[str, Any]:
        """New buttons (or none) under a message; the same ones again is refused, as Telegram
        does. A message the test made up (a press on message 77) had buttons: the first edit
        of it changes something."""
        chat_id, message_id = int(params.get("chat_id", 1)), int(params.get("message_id") or 0)
        markup = json.dumps(params.get("reply_markup"), sort_keys=True)
        text, before = self._messages.get((chat_id, message_id), ("…", None))
        if before == markup:
            raise BadRequest(
                "Bad Request: message is not modified: specified new message content and reply markup are exactly "
                "the same as a current content and reply markup of the message"
            )
        self._messages[(chat_id, message_id)] = (text, markup)
        return {
            "message_id": message_id, "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Trợ lý MTTQ"}, "text": text,
        }  # fmt: skip

    def _file(self, file_id: str) -> dict[str, Any]:
        if file_id not in self.files:
            raise BadRequest("Bad Request: invalid file_id")
        if len(self.files[file_id]) > MAX_DOWNLOAD:
            raise BadRequest("Bad Request: file is too big")
        return {"file_id": file_id, "file_unique_id": file_id, "file_size": len(self.files[file_id]),
                "file_path": f"documents/{file_id}"}  # fmt: skip

    def download(self, path: str) -> bytes | None:
        return self.files.get(path.rsplit("/", 1)[-1])

    # -- reading what the bot did -----------------------------------------------------------

    def delivered(self, after: int = 0) -> list[tuple[str, dict[str, Any]]]:
        """The calls from number `after` on that Telegram carried out (not those it refused)."""
        return [call for n, call in enumerate(self.calls) if n >= after and n not in self._failed]

    def sent(self, method: str = "sendMessage") -> list[dict[str, Any]]:
        return [params for name, params in self.delivered() if name == method]

    def texts(self) -> list[str]:
        return [
            str(p.get("text", ""))
            for name, p in self.calls
            if name in {"sendMessage", "editMessageText"}
        ]

    def buttons(self, params: dict[str, Any]) -> list[tuple[str, str]]:
        """(label, callback_data) of a sent message's inline keyboard."""
        markup = params.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        rows = (markup or {}).get("inline_keyboard", [])
        return [(b["text"], b.get("callback_data", "")) for row in rows for b in row]

    def clear(self) -> None:
        self.calls.clear()
        self._failed.clear()


class FakeBotAPI(BotAPI, BaseRequest):
    """The Bot API as a python-telegram-bot request object: no sockets at all."""

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, **_: Any
    ) -> tuple[int, bytes]:
        self.urls.append(url)
        if "/file/bot" in url:
            content = self.download(url)
            return (200, content) if content is not None else (404, b"Not Found")
        params = dict(request_data.parameters) if request_data else {}
        if request_data is not None and request_data.contains_files:
            params["_files"] = sorted(request_data.multipart_data)
        status, body = self.answer(url.rsplit("/", 1)[-1], params)
        return status, json.dumps(body).encode()


class LoopbackBotAPI(BotAPI):
    """The Bot API over HTTP on 127.0.0.1: `mttq run` talks to it as to Telegram (set
    TELEGRAM_API_BASE_URL to `base_url`). Tests `push` updates, which getUpdates long-polls."""

    def __init__(self) -> None:
        super().__init__()
        self.updates: list[dict[str, Any]] = []
        self._arrived = asyncio.Event()
        self._update_ids = itertools.count(1)
        self._server: Any = None
        self.port = 0
        outer = self

        class Method(tornado.web.RequestHandler):
            async def post(self, token: str, method: str) -> None:
                if token != TOKEN:
                    self.set_status(401)
                    self.finish({"ok": False, "error_code": 401, "description": "Unauthorized"})
                    return
                params = _http_params(self.request)
                if method == "getUpdates":
                    outer.calls.append((method, params))
                    self.finish({"ok": True, "result": await outer._poll(params)})
                    return
                status, body = outer.answer(method, params)
                self.set_status(status)
                self.finish(body)

        class File(tornado.web.RequestHandler):
            def get(self, token: str, path: str) -> None:
                content = outer.download(path) if token == TOKEN else None
                if content is None:
                    self.set_status(404)
                    self.finish("Not Found")
                else:
                    self.finish(content)

        self.app = tornado.web.Application(
            [(r"/bot([^/]+)/(\w+)", Method), (r"/file/bot([^/]+)/(.+)", File)]
        )

    def listen(self, port: int) -> None:
        self.port = port
        self._server = self.app.listen(port, address="127.0.0.1")

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def file_base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    def push(self, kind: str, body: dict[str, Any]) -> None:
        """Queue an update (kind: message, callback_query, inline_query) for getUpdates."""
        self.updates.append({"update_id": next(self._update_ids), kind: body})
        self._arrived.set()

    async def _poll(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        self.updates = [u for u in self.updates if u["update_id"] >= offset]  # confirmed ones go
        if not self.updates:
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):  # an empty answer, as Telegram's long poll ends
                await asyncio.wait_for(
                    self._arrived.wait(), timeout=min(float(params.get("timeout") or 0), 1.0)
                )
        return list(self.updates)

    async def reply(self, chat_id: int, *, after: int, methods: tuple[str, ...] = ("sendMessage",),
                    timeout: float = 60.0) -> dict[str, Any]:  # fmt: skip
        """The first call of `methods` to `chat_id` made after call number `after`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for method, params in self.delivered(after):
                if method in methods and int(params.get("chat_id", 0)) == chat_id:
                    return params
            await asyncio.sleep(0.05)
        raise AssertionError(
            f"no {methods} to chat {chat_id}; calls: {[m for m, _ in self.calls[after:]]}"
        )


def _http_params(request: Any) -> dict[str, Any]:
    if request.headers.get("Content-Type", "").startswith("application/json"):
        return dict(json.loads(request.body or b"{}"))
    params: dict[str, Any] = {k: v[0].decode() for k, v in request.body_arguments.items()}
    for key in _JSON_PARAMETERS & params.keys():
        params[key] = json.loads(params[key])
    if request.files:
        params["_files"] = sorted(request.files)
    return params


# -- updates as Telegram sends them --------------------------------------------------------------

_update_ids = itertools.count(1)


def _user(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": "Người dùng", "language_code": "vi"}


def _chat(chat_id: int) -> dict[str, Any]:
    return (
        {"id": chat_id, "type": "private"}
        if chat_id > 0
        else {"id": chat_id, "type": "supergroup", "title": "Nhóm"}
    )


def message_body(
    text: str | None = None, *, chat_id: int = 501, user_id: int = 501,
    reply_to_bot: bool = False, document: dict[str, Any] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """A Message as Telegram sends it, with the entities a command or a mention carries."""
    body: dict[str, Any] = {
        "message_id": next(_update_ids),
        "date": int(time.time()),
        "chat": _chat(chat_id),
        "from": _user(user_id),
    }
    if text is not None:
        body["text"] = text
        entities = []
        if text.startswith("/"):
            entities.append({"type": "bot_command", "offset": 0, "length": len(text.split()[0])})
        at = text.find("@" + BOT_USERNAME)
        if at >= 0 and not text.startswith("/"):
            entities.append({"type": "mention", "offset": at, "length": len(BOT_USERNAME) + 1})
        if entities:
            body["entities"] = entities
    if document is not None:
        body["document"] = document
    if reply_to_bot:
        body["reply_to_message"] = {
            "message_id": 1,
            "date": int(time.time()),
            "chat": _chat(chat_id),
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Trợ lý MTTQ"},
            "text": "…",
        }
    return body


def button_body(
    data: str, *, chat_id: int = 501, user_id: int = 501, message_id: int = 77, inline_message_id: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """A CallbackQuery: a press on a button of the bot's message `message_id`, or with
    `inline_message_id`, of a message sent in inline mode (Telegram then sends no message,
    hence no chat)."""
    body: dict[str, Any] = {
        "id": str(next(_update_ids)),
        "from": _user(user_id),
        "chat_instance": "ci",
        "data": data,
    }
    if inline_message_id is not None:
        body["inline_message_id"] = inline_message_id
        return body
    body["message"] = {
        "message_id": message_id, "date": int(time.time()), "chat": _chat(chat_id),
        "from": {"id": BOT_ID, "is_bot": True, "first_name": "Trợ lý MTTQ"}, "text": "…",
    }  # fmt: skip
    return body


def message(bot: Any, text: str | None = None, **options: Any) -> Update:
    return Update.de_json(
        {"update_id": next(_update_ids), "message": message_body(text, **options)}, bot
    )


def button(bot: Any, data: str, **options: Any) -> Update:
    return Update.de_json(
        {"update_id": next(_update_ids), "callback_query": button_body(data, **options)}, bot
    )


def inline(bot: Any, query: str, *, user_id: int = 501) -> Update:
    body = {"id": str(next(_update_ids)), "from": _user(user_id), "query": query, "offset": ""}
    return Update.de_json({"update_id": next(_update_ids), "inline_query": body}, bot)


def document(file_id: str, file_name: str, size: int) -> dict[str, Any]:
    return {
        "file_id": file_id,
        "file_unique_id": file_id,
        "file_name": file_name,
        "file_size": size,
    }
