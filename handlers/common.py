"""What every handler shares: the typed context (the knowledge service on it), the admin
check, running the knowledge layer off the event loop, and the order of a chat's updates."""

from __future__ import annotations

import asyncio
import logging
import re
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import Any, TypeVar

from telegram import CallbackQuery, InlineKeyboardMarkup, Update
from telegram.constants import ChatAction, FileSizeLimit
from telegram.error import BadRequest
from telegram.ext import ApplicationHandlerStop, BaseUpdateProcessor, CallbackContext, ExtBot

from handlers import render
from knowledge.service import Service

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass
class Deps:
    """Set once by the wiring (bot/app.py); ContextTypes builds it empty, hence the defaults."""

    service: Service | None = None
    admin_ids: frozenset[int] = field(default_factory=frozenset)
    max_download: int = FileSizeLimit.FILESIZE_DOWNLOAD  # the Bot API's getFile limit


class Context(CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], Deps]):
    """The context every handler gets (ContextTypes in bot/app.py): what the wiring set up,
    typed, so a handler writes ``context.service`` rather than digging in bot_data."""

    @property
    def service(self) -> Service:
        found = self.bot_data.service
        if found is None:
            raise RuntimeError("the knowledge service was not wired into bot_data")
        return found

    @property
    def admin_ids(self) -> frozenset[int]:
        return self.bot_data.admin_ids

    @property
    def max_download(self) -> int:
        return self.bot_data.max_download


def matched(context: Context) -> re.Match[str] | None:
    """What a button's anchored pattern matched (handlers/routes.py); None for a press with
    no data at all, which PTB lets through every pattern."""
    found = context.matches[0] if context.matches else None
    return found if isinstance(found, re.Match) else None


def is_admin(update: Update, context: Context) -> bool:
    user = update.effective_user
    return user is not None and user.id in context.admin_ids


async def off_loop(function: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """The knowledge layer is synchronous and CPU-bound: a worker thread keeps the bot
    answering other chats meanwhile."""
    return await asyncio.to_thread(function, *args, **kwargs)


TYPING_EVERY = 4.5  # seconds; Telegram shows "typing…" for about five


async def typing(update: Update, context: Context) -> None:
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_chat_action(chat.id, ChatAction.TYPING)


@asynccontextmanager
async def working(update: Update, context: Context) -> AsyncIterator[None]:
    """ "typing…" shown for as long as the block runs (an upload's extraction can take a while)."""

    async def keep() -> None:
        while True:
            await typing(update, context)
            await asyncio.sleep(TYPING_EVERY)

    task = asyncio.create_task(keep())
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task


async def acknowledge(
    query: CallbackQuery, text: str | None = None, *, show_alert: bool = False
) -> None:
    """Answer a button press. A press Telegram no longer takes an answer for (the bot was
    down, or slow) is still carried out: only the little clock on the button is lost."""
    try:
        await query.answer(text, show_alert=show_alert)
    except BadRequest as error:
        if "query is too old" not in str(error).lower():
            raise
        log.warning("a button press answered too late: %s", error)


async def edit(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None) -> None:
    """Replace a message's text in place; a double press ("message is not modified") is fine."""
    try:
        await query.edit_message_text(text, reply_markup=markup)
    except BadRequest as error:
        if not _unchanged(error):
            raise


async def drop_buttons(query: CallbackQuery) -> None:
    """Remove the buttons of the message pressed on; already gone (a second press that came
    before the first removed them) is fine."""
    try:
        await query.edit_message_reply_markup(None)
    except BadRequest as error:
        if not _unchanged(error):
            raise


def _unchanged(error: BadRequest) -> bool:
    return "not modified" in str(error).lower()


def pressed_in(update: Update) -> int | None:
    """The chat of the message a button was pressed on; None for a press without one (an
    inline message carries only an inline_message_id). Never the user's own id instead: a
    button acts only in the chat it was sent to."""
    query = update.callback_query
    message = query.message if query is not None else None
    return message.chat.id if message is not None else None


async def chatless_press(update: Update, _context: Context) -> None:
    """Ahead of every handler: a button pressed on an inline message has no chat to check it
    against, and the bot never puts buttons on inline messages, so it is forged. Said, and
    nothing else runs."""
    query = update.callback_query
    if query is not None and query.message is None:
        await acknowledge(query, render.pressed_elsewhere(), show_alert=True)
        raise ApplicationHandlerStop


def ids(update: Update) -> tuple[int, int | None]:
    """(chat id, user id) of an update; inline queries have no chat: the user's own id."""
    user = update.effective_user
    chat = update.effective_chat
    user_id = user.id if user else None
    return (chat.id if chat else user_id or 0), user_id


class ChatOrder(BaseUpdateProcessor):
    """Updates of one chat are handled one after another, in the order they came; different
    chats side by side (up to ``max_concurrent_updates``). PTB's plain concurrency lets a
    quick second question overtake a slow first one, and a follow-up ("còn hạn chế thì
    sao?") read the chat's facets before the question before it stored them.

    A chat whose update is running queues the next ones behind it and frees their slots: a
    chat sending ten messages at once takes one slot, not all of them. Updates without a
    chat (inline queries, presses on inline messages) run at once."""

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._queued: dict[int, deque[Awaitable[Any]]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            await coroutine
            return
        waiting = self._queued.get(chat.id)
        if waiting is not None:  # this chat's earlier update is running: it takes this one next
            log.debug(
                "update %s queued behind chat %s's earlier ones",
                getattr(update, "update_id", "?"),
                chat.id,
            )
            waiting.append(coroutine)
            return
        waiting = self._queued[chat.id] = deque([coroutine])
        try:
            while waiting:
                try:
                    await waiting.popleft()
                except Exception:  # one update's failure is its own: the chat's next ones still run
                    log.exception("update of chat %s failed", chat.id)
        finally:
            del self._queued[chat.id]
            for left in waiting:  # cancelled (shutdown): never started, closed quietly
                close = getattr(left, "close", None)
                if close is not None:
                    close()

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None
