"""An update that fails never takes the bot down: the trace goes to the log and to the admins'
chats, the user gets a short apology."""

from __future__ import annotations

import logging
import traceback

from telegram import Update
from telegram.error import Forbidden, NetworkError, TelegramError

from handlers import render
from handlers.common import Context

log = logging.getLogger(__name__)


async def on_error(update: object, context: Context) -> None:
    error = context.error
    if update is None and isinstance(error, NetworkError):
        # Fetching updates failed (a network blip, a timeout): PTB retries by itself, and
        # writing to the admins would only fail the same way.
        log.warning("fetching updates failed: %s", error)
        return
    if _nobody_to_tell(error):
        return
    log.error("update failed: %r", error, exc_info=error)
    trace = "".join(traceback.format_exception(error)) if error else ""
    if isinstance(update, Update):
        await _apologise(update, context)
    summary = f"{type(error).__name__}: {error}" if error else "unknown error"
    for admin in sorted(context.admin_ids):
        try:
            await context.bot.send_message(admin, render.admin_trace(summary, trace))
        except TelegramError as failed:  # an admin who never opened the bot cannot be written to
            log.warning("could not send the trace to admin %s: %s", admin, failed)


async def _apologise(update: Update, context: Context) -> None:
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(render.apology(), show_alert=True)
        elif update.inline_query is not None:
            await update.inline_query.answer([], cache_time=0)
        elif update.effective_chat is not None:
            await context.bot.send_message(update.effective_chat.id, render.apology())
    except TelegramError as failed:
        log.warning("could not apologise: %s", failed)


def _nobody_to_tell(error: Exception | None) -> bool:
    """The member blocked the bot, or removed it from the group: no apology can reach them, and
    tracing Telegram's refusal to the admins would only be noise."""
    if isinstance(error, Forbidden):
        log.info("the chat no longer takes messages from the bot: %s", error)
        return True
    return False
