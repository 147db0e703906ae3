"""What every handler shares: the typed context, the knowledge service, the admin check, and
running the knowledge layer off the event loop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import Any, TypeVar

from telegram import CallbackQuery, InlineKeyboardMarkup, Update
from telegram.constants import ChatAction
from telegram.error import BadRequest
from telegram.ext import ApplicationHandlerStop, CallbackContext, ExtBot

from handlers import render
from knowledge.service import Service

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass
class Deps:
    """Set once by the wiring (bot/app.py); ContextTypes builds it empty, hence the defaults."""

    service: Service | None = None
    admin_ids: frozenset[int] = field(default_factory=frozenset)
    max_download: int = 20_000_000  # the Bot API's getFile limit


Context = CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], Deps]


def service(context: Context) -> Service:
    found = context.bot_data.service
    if found is None:
        raise RuntimeError("the knowledge service was not wired into bot_data")
    return found


def is_admin(update: Update, context: Context) -> bool:
    user = update.effective_user
    return user is not None and user.id in context.bot_data.admin_ids


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
    """"typing…" shown for as long as the block runs (an upload's extraction can take a while)."""

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


async def acknowledge(query: CallbackQuery, text: str | None = None, *, show_alert: bool = False) -> None:
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
        if "not modified" not in str(error).lower():
            raise


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
