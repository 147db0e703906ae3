"""Admins (ADMIN_IDS) load reports by sending a document (preview, then Lưu / Hủy), delete
them (/xoa with confirmation) and read usage figures (/thongke). Anyone else gets a polite
refusal and nothing happens."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError

from handlers import render
from handlers.common import Context, acknowledge, ids, is_admin, off_loop, service, working


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
            service(context).preview, user_id=user_id or 0, file_name=sent.file_name or "", data=data
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


async def _pressed(update: Update, context: Context) -> tuple[str, int] | None:
    """An admin's confirmation button, as (action, id), its buttons removed so that it is
    not pressed twice while the work runs; None (and a refusal) for anyone else."""
    query = update.callback_query
    if query is None or not query.data:
        return None
    if not is_admin(update, context):
        await _refuse(update)
        return None
    action, number = query.data.split(":", 1)
    await acknowledge(query)
    await query.edit_message_reply_markup(None)
    return action, int(number)


async def upload_button(update: Update, context: Context) -> None:
    """L:<upload> stores the previewed file, H:<upload> drops it (once, whoever presses)."""
    pressed = await _pressed(update, context)
    if pressed is None:
        return
    action, upload = pressed
    _, user_id = ids(update)
    if action == "H":
        done = await off_loop(service(context).cancel, upload)
        await _say(update, context, [render.upload_cancelled() if done else render.upload_gone()])
        return
    async with working(update, context):
        summary = await off_loop(service(context).commit, upload, user_id=user_id or 0)
    await _say(update, context, render.upload_saved(summary) if summary else [render.upload_gone()])


async def delete_command(update: Update, context: Context) -> None:
    message = await _from_admin(update, context)
    if message is None:
        return
    arg = " ".join(context.args or []).strip().lstrip("#")
    if not arg.isdigit():
        await message.reply_text(render.usage("xoa"))
        return
    report = await off_loop(service(context).report, int(arg))
    if report is None:
        await message.reply_text(render.escape(render.not_deleted(int(arg))))
        return
    markup = InlineKeyboardMarkup([[
        InlineKeyboardButton(render.BUTTONS["delete"], callback_data=f"D:{arg}"),
        InlineKeyboardButton(render.BUTTONS["keep"], callback_data=f"N:{arg}"),
    ]])
    await message.reply_text(render.delete_confirm(report), reply_markup=markup)


async def delete_button(update: Update, context: Context) -> None:
    """D:<report> deletes after /xoa's confirmation, N:<report> keeps it."""
    pressed = await _pressed(update, context)
    if pressed is None:
        return
    action, report_id = pressed
    if action == "N":
        await _say(update, context, [render.delete_kept(report_id)])
        return
    _, user_id = ids(update)
    source = await off_loop(service(context).remove, report_id, user_id=user_id or 0)
    text = render.deleted(report_id) if source else render.not_deleted(report_id)
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
