"""Admins (ADMIN_IDS) load reports by sending a document (preview, then Lưu / Hủy), delete
them (/xoa with confirmation) and read usage figures (/thongke). Anyone else gets a polite
refusal and nothing happens.

The confirmation buttons are bound to the admin who sent the file (or asked the deletion)
and to the chat they did it in: Lưu / Hủy of an upload only for its sender, in the private
chat of its preview (no other admin ever sees those buttons; one who wants the file stored
sends it again), and a /xoa confirmation only for the admin who typed /xoa, where they typed
it. A press by anyone else, from anywhere else, or with an id never given changes nothing."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError

from handlers import render
from handlers.common import (
    Context,
    acknowledge,
    ids,
    is_admin,
    off_loop,
    pressed_in,
    service,
    working,
)


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
    limit = context.bot_data.max_download
    if sent.file_size is not None and sent.file_size > limit:
        await message.reply_text(render.file_too_large(sent.file_size, limit))
        return
    _, user_id = ids(update)
    async with working(update, context):
        try:
            data = bytes(await (await sent.get_file()).download_as_bytearray())
        except TelegramError as error:
            await message.reply_text(render.download_failed(str(error)))
            return
        found = await off_loop(
            service(context).preview, user_id=user_id or 0, chat_id=message.chat.id,
            file_name=sent.file_name or "", data=data,
        )
    messages = render.preview(found)
    upload = found.get("upload_id")
    markup = (
        InlineKeyboardMarkup([[
            InlineKeyboardButton(render.BUTTONS["save"], callback_data=f"L:{upload}"),
            InlineKeyboardButton(render.BUTTONS["cancel"], callback_data=f"H:{upload}"),
        ]])
        if upload
        else None
    )
    for n, text in enumerate(messages):
        await message.reply_text(text, reply_markup=markup if n == len(messages) - 1 else None)


@dataclass(slots=True)
class _Press:
    """An admin's press on a confirmation button of a message in a chat."""

    action: str
    number: int
    user_id: int
    chat_id: int


async def _pressed(update: Update, context: Context) -> _Press | None:
    """An admin's confirmation button, as a _Press; None (and a refusal) for anyone else or a
    press without a chat."""
    query = update.callback_query
    if query is None or not query.data:
        return None
    if not is_admin(update, context):
        await _refuse(update)
        return None
    chat_id = pressed_in(update)
    _, user_id = ids(update)
    if chat_id is None or user_id is None:
        await acknowledge(query, render.not_yours(), show_alert=True)
        return None
    action, number = query.data.split(":", 1)
    return _Press(action, int(number), user_id, chat_id)


async def _accept(update: Update) -> None:
    """A press that will be carried out: answered, and its buttons removed so that it is not
    pressed twice while the work runs."""
    query = update.callback_query
    assert query is not None
    await acknowledge(query)
    await query.edit_message_reply_markup(None)


async def _not_yours(update: Update) -> None:
    if update.callback_query is not None:
        await acknowledge(update.callback_query, render.not_yours(), show_alert=True)


async def upload_button(update: Update, context: Context) -> None:
    """L:<upload> stores the previewed file, H:<upload> drops it (once, by whoever sent it)."""
    press = await _pressed(update, context)
    if press is None:
        return
    bound = {"user_id": press.user_id, "chat_id": press.chat_id}
    if await off_loop(service(context).held, press.number, **bound) is None:
        await _not_yours(update)
        return
    await _accept(update)
    if press.action == "H":
        done = await off_loop(service(context).cancel, press.number, **bound)
        await _say(update, context, [render.upload_cancelled() if done else render.upload_gone()])
        return
    async with working(update, context):
        summary = await off_loop(service(context).commit, press.number, **bound)
    await _say(update, context, render.upload_saved(summary) if summary else [render.upload_gone()])


async def delete_command(update: Update, context: Context) -> None:
    message = await _from_admin(update, context)
    if message is None:
        return
    arg = " ".join(context.args or []).strip().lstrip("#")
    if not arg.isdigit() or len(arg) > 18:
        await message.reply_text(render.usage("xoa"))
        return
    _, user_id = ids(update)
    asked = await off_loop(service(context).ask_delete, int(arg), user_id=user_id or 0, chat_id=message.chat.id)
    if asked is None:
        await message.reply_text(render.escape(render.not_deleted(int(arg))))
        return
    markup = InlineKeyboardMarkup([[
        InlineKeyboardButton(render.BUTTONS["delete"], callback_data=f"R:{asked['deletion_id']}"),
        InlineKeyboardButton(render.BUTTONS["keep"], callback_data=f"K:{asked['deletion_id']}"),
    ]])
    await message.reply_text(render.delete_confirm(asked), reply_markup=markup)


async def delete_button(update: Update, context: Context) -> None:
    """R:<deletion> deletes after /xoa's confirmation, K:<deletion> keeps the report (once,
    by the admin who asked, in the chat they asked in)."""
    press = await _pressed(update, context)
    if press is None:
        return
    bound = {"user_id": press.user_id, "chat_id": press.chat_id}
    asked = await off_loop(service(context).deletion, press.number, **bound)
    if asked is None:
        await _not_yours(update)
        return
    await _accept(update)
    if press.action == "K":
        kept = await off_loop(service(context).keep, press.number, **bound)
        await _say(update, context, [render.delete_kept(kept) if kept is not None else render.delete_settled()])
        return
    done = await off_loop(service(context).confirm_delete, press.number, **bound)
    if done is None:
        await _say(update, context, [render.delete_settled()])
        return
    report_id = done["report_id"]
    text = render.deleted(report_id) if done["source"] else render.not_deleted(report_id)
    await _say(update, context, [render.escape(text)])


async def stats_command(update: Update, context: Context) -> None:
    message = await _from_admin(update, context)
    if message is None:
        return
    found = await off_loop(service(context).stats)
    for text in render.stats(found):
        await message.reply_text(text)


async def _say(update: Update, context: Context, messages: list[str]) -> None:
    chat = update.effective_chat
    if chat is not None:
        for text in messages:
            await context.bot.send_message(chat.id, text)
