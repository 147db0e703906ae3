"""An offline Bot API: a python-telegram-bot request object that answers each method as
Telegram would and records every call, so tests run the real Application, handlers and
serialisation without a network (the approach of python-telegram-bot's own tests)."""

from __future__ import annotations

import itertools
import json
import time
from typing import Any

from telegram import Update
from telegram.request import BaseRequest, RequestData

BOT_ID = 999_000_111
BOT_USERNAME = "mttq_test_bot"
TOKEN = f"{BOT_ID}:AAH-secret-token-for-tests"


class FakeBotAPI(BaseRequest):
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.files: dict[str, bytes] = {}  # file_id → content, served by getFile + download
        self.urls: list[str] = []
        # method → (Bot API error description, a parameter the call must carry to fail, if any)
        self.failing: dict[str, tuple[str, str | None]] = {}
        self._ids = itertools.count(1000)

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
            return 200, self.files[url.rsplit("/", 1)[-1]]
        endpoint = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        if request_data is not None and request_data.contains_files:
            params["_files"] = sorted(request_data.multipart_data)
        self.calls.append((endpoint, params))
        description, only_with = self.failing.get(endpoint, ("", None))
        if description and (only_with is None or only_with in params):
            body = {"ok": False, "error_code": 400, "description": description}
            return 400, json.dumps(body).encode()
        return 200, json.dumps({"ok": True, "result": self._result(endpoint, params)}).encode()

    def _result(self, endpoint: str, params: dict[str, Any]) -> Any:
        if endpoint == "getMe":
            return {
                "id": BOT_ID, "is_bot": True, "first_name": "Trợ lý MTTQ", "username": BOT_USERNAME,
                "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": True,
            }  # fmt: skip
        if endpoint in {"sendMessage", "sendPhoto", "editMessageText"}:
            chat_id = int(params.get("chat_id", 1))
            return {
                "message_id": int(params.get("message_id") or next(self._ids)),
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "Trợ lý MTTQ"},
                "text": params.get("text", ""),
            }
        if endpoint == "getFile":
            file_id = str(params["file_id"])
            return {"file_id": file_id, "file_unique_id": file_id, "file_size": len(self.files[file_id]),
                    "file_path": f"documents/{file_id}"}
        return True

    # -- reading what the bot did -----------------------------------------------------------

    def sent(self, endpoint: str = "sendMessage") -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == endpoint]

    def texts(self) -> list[str]:
        return [str(p.get("text", "")) for name, p in self.calls if name in {"sendMessage", "editMessageText"}]

    def buttons(self, params: dict[str, Any]) -> list[tuple[str, str]]:
        """(label, callback_data) of a sent message's inline keyboard."""
        markup = params.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        rows = (markup or {}).get("inline_keyboard", [])
        return [(b["text"], b.get("callback_data", "")) for row in rows for b in row]

    def clear(self) -> None:
        self.calls.clear()


# -- updates as Telegram sends them --------------------------------------------------------------

_update_ids = itertools.count(1)


def _user(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": "Người dùng", "language_code": "vi"}


def _chat(chat_id: int) -> dict[str, Any]:
    return {"id": chat_id, "type": "private"} if chat_id > 0 else {"id": chat_id, "type": "supergroup", "title": "Nhóm"}


def message(
    bot: Any, text: str | None = None, *, chat_id: int = 501, user_id: int = 501,
    reply_to_bot: bool = False, document: dict[str, Any] | None = None,
) -> Update:
    body: dict[str, Any] = {
        "message_id": next(_update_ids), "date": int(time.time()), "chat": _chat(chat_id), "from": _user(user_id),
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
            "message_id": 1, "date": int(time.time()), "chat": _chat(chat_id),
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Trợ lý MTTQ"}, "text": "…",
        }
    return Update.de_json({"update_id": next(_update_ids), "message": body}, bot)


def button(bot: Any, data: str, *, chat_id: int = 501, user_id: int = 501) -> Update:
    body = {
        "id": str(next(_update_ids)), "from": _user(user_id), "chat_instance": "ci", "data": data,
        "message": {"message_id": 77, "date": int(time.time()), "chat": _chat(chat_id),
                    "from": {"id": BOT_ID, "is_bot": True, "first_name": "Trợ lý MTTQ"}, "text": "…"},
    }
    return Update.de_json({"update_id": next(_update_ids), "callback_query": body}, bot)


def inline(bot: Any, query: str, *, user_id: int = 501) -> Update:
    body = {"id": str(next(_update_ids)), "from": _user(user_id), "query": query, "offset": ""}
    return Update.de_json({"update_id": next(_update_ids), "inline_query": body}, bot)


def document(file_id: str, file_name: str, size: int) -> dict[str, Any]:
    return {"file_id": file_id, "file_unique_id": file_id, "file_name": file_name, "file_size": size}
