"""Admins (ADMIN_IDS) load reports by sending a document (preview, then Lưu / Hủy), delete
them (/xoa with confirmation) and read usage figures (/thongke). Anyone else gets a polite
refusal and nothing happens.

The confirmation buttons are bound to the admin who sent the file (or asked the deletion)
and to the chat they did it in: Lưu / Hủy of an upload only for its sender, in the private
chat of its preview (no other admin ever sees those buttons; one who wants the file stored
sends it again), and a /xoa confirmation only for the admin who typed /xoa, where they typed
it. A press by anyone else, from anywhere else, or with an id never given changes nothing."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError

from handlers import render
from handlers.common import (
    Context,
    acknowledge,
    drop_buttons,
    ids,
    is_admin,
    matched,
    off_loop,
    pressed_in,
    working,
)

log = logging.getLogger(__name__)


async def _refuse(update: Update) -> None:
    if update.callback_query is not None:
        await acknowledge(update.callback_query, render.refusal(), show_alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(render.refusal())


async def _from_admin(update: Update, context: Context) -> Message | None:
    """The admin's message; None (and a polite refusal) for anyone else."""
    message = update.effective_message
    if message is None:
        return None
    if not is_admin(update, context):
        await _refuse(update)
        return None
    return message


async def document(update: Update, context: Context) -> None:
    """A file sent in a private chat: download, read and extract, show what would be stored."""
    message = await _from_admin(update, context)
    if message is None or message.document is None:
        return
    sent = message.document
    limit = context.max_download
    if sent.file_size is not None and sent.file_size > limit:
        await message.reply_text(render.file_too_large(sent.file_size, limit))
        return
    _, user_id = ids(update)
    log.debug("document from admin %s: %s bytes", user_id, sent.file_size)
    async with working(update, context):
        try:
            data = bytes(await (await sent.get_file()).download_as_bytearray())
        except TelegramError as error:
            await message.reply_text(render.download_failed(str(error)))
            return
        found = await off_loop(
            context.service.preview,
            user_id=user_id or 0,
            chat_id=message.chat.id,
            file_name=sent.file_name or "",
            data=data,
        )
    messages = render.preview(found)
    upload = found.get("upload_id")
    markup = (
        InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(render.BUTTONS["save"], callback_data=f"L:{upload}"),
                    InlineKeyboardButton(render.BUTTONS["cancel"], callback_data=f"H:{upload}"),
                ]
            ]
        )
        if upload
        else None
    )
    for n, text in enumerate(messages):
        await message.reply_text(text, reply_markup=markup if n == len(messages) - 1 else None)


# The confirmation buttons, one handler each (handlers/routes.py): the id of the upload or
# deletion they settle.
SAVE = r"^L:(\d{1,18})$"
CANCEL = r"^H:(\d{1,18})$"
DELETE = r"^R:(\d{1,18})$"
KEEP = r"^K:(\d{1,18})$"


@dataclass(slots=True)
class _Press:
    """An admin's press on a confirmation button of a message in a chat."""

    number: int
    user_id: int
    chat_id: int

    @property
    def bound(self) -> dict[str, int]:
        return {"user_id": self.user_id, "chat_id": self.chat_id}


async def _pressed(update: Update, context: Context) -> _Press | None:
    """An admin's confirmation button, as a _Press; None (and a refusal) for anyone else or a
    press without a chat."""
    query = update.callback_query
    if query is None:
        return None
    if not is_admin(update, context):
        await _refuse(update)
        return None
    chat_id = pressed_in(update)
    _, user_id = ids(update)
    found = matched(context)
    if chat_id is None or user_id is None or found is None:
        await acknowledge(query, render.not_yours(), show_alert=True)
        return None
    return _Press(int(found.group(1)), user_id, chat_id)


async def _accept(update: Update) -> None:
    """A press that will be carried out: answered, and its buttons removed so that it is not
    pressed twice while the work runs (a press that came before they were removed finds them
    gone: fine, the claim below lets only one of them act)."""
    query = update.callback_query
    assert query is not None
    await acknowledge(query)
    await drop_buttons(query)


async def _not_yours(update: Update) -> None:
    if update.callback_query is not None:
        await acknowledge(update.callback_query, render.not_yours(), show_alert=True)


async def _settled(update: Update, text: str) -> None:
    """A second press (Lưu twice, Lưu after Hủy…): said in a short notice, nothing done."""
    if update.callback_query is not None:
        await acknowledge(update.callback_query, text)


async def _held(update: Update, context: Context) -> _Press | None:
    """The press on an upload's button, when it is this admin's, here, and still pending."""
    press = await _pressed(update, context)
    if press is None:
        return None
    held = await off_loop(context.service.held, press.number, **press.bound)
    if held is None:
        await _not_yours(update)
        return None
    if held["status"] != "pending":
        await _settled(update, render.upload_settled(held["status"]))
        return None
    await _accept(update)
    return press


async def save_button(update: Update, context: Context) -> None:
    """Lưu: store the previewed file (once, by whoever sent it)."""
    press = await _held(update, context)
    if press is None:
        return
    async with working(update, context):
        summary = await off_loop(context.service.commit, press.number, **press.bound)
    await _say(update, context, render.upload_saved(summary) if summary else [render.upload_gone()])


async def cancel_button(update: Update, context: Context) -> None:
    """Hủy: drop the previewed file."""
    press = await _held(update, context)
    if press is None:
        return
    done = await off_loop(context.service.cancel, press.number, **press.bound)
    await _say(update, context, [render.upload_cancelled() if done else render.upload_gone()])


async def delete_command(update: Update, context: Context) -> None:
    message = await _from_admin(update, context)
    if message is None:
        return
    arg = " ".join(context.args or []).strip().lstrip("#")
    if not arg.isdigit() or len(arg) > 18:
        await message.reply_text(render.usage("xoa"))
        return
    _, user_id = ids(update)
    asked = await off_loop(
        context.service.ask_delete, int(arg), user_id=user_id or 0, chat_id=message.chat.id
    )
    if asked is None:
        await message.reply_text(render.escape(render.not_deleted(int(arg))))
        return
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    render.BUTTONS["delete"], callback_data=f"R:{asked['deletion_id']}"
                ),
                InlineKeyboardButton(
                    render.BUTTONS["keep"], callback_data=f"K:{asked['deletion_id']}"
                ),
            ]
        ]
    )
    await message.reply_text(render.delete_confirm(asked), reply_markup=markup)


async def _asked(update: Update, context: Context) -> _Press | None:
    """The press on a deletion's button, when it is this admin's, here, and still pending."""
    press = await _pressed(update, context)
    if press is None:
        return None
    asked = await off_loop(context.service.deletion, press.number, **press.bound)
    if asked is None:
        await _not_yours(update)
        return None
    if asked["status"] != "pending":
        await _settled(update, render.delete_settled())
        return None
    await _accept(update)
    return press


async def delete_button(update: Update, context: Context) -> None:
    """Xóa, after /xoa: delete the report (once, by the admin who asked, where they asked)."""
    press = await _asked(update, context)
    if press is None:
        return
    done = await off_loop(context.service.confirm_delete, press.number, **press.bound)
    if done is None:
        await _say(update, context, [render.delete_settled()])
        return
    report_id = done["report_id"]
    text = render.deleted(report_id) if done["source"] else render.not_deleted(report_id)
    await _say(update, context, [render.escape(text)])


async def keep_button(update: Update, context: Context) -> None:
    """Giữ lại, after /xoa: keep the report."""
    press = await _asked(update, context)
    if press is None:
        return
    kept = await off_loop(context.service.keep, press.number, **press.bound)
    await _say(
        update, context, [render.delete_kept(kept) if kept is not None else render.delete_settled()]
    )


async def stats_command(update: Update, context: Context) -> None:
    message = await _from_admin(update, context)
    if message is None:
        return
    found = await off_loop(context.service.stats)
    for text in render.stats(found):
        await message.reply_text(text)


async def _say(update: Update, context: Context, messages: list[str]) -> None:
    chat = update.effective_chat
    if chat is not None:
        for text in messages:
            await context.bot.send_message(chat.id, text)
