"""What the bot knows, without a question: /start (with example questions as buttons), /help,
/donvi (units, paginated), /baocao <đơn vị> (a unit's newest report), /vanban <số hiệu>."""

from __future__ import annotations

import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from handlers import render
from handlers.common import Context, acknowledge, edit, is_admin, matched, off_loop, typing
from handlers.questions import answer_question

UNITS_PAGE = 15
EXAMPLE = r"^x:(\d{1,2})$"  # an example question of /start, by its number
UNITS = r"^u:(\d{1,6})$"  # a page of /donvi


async def start(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None:
        return
    overview = await off_loop(context.service.overview)
    examples = render.examples(overview)
    buttons = [
        [InlineKeyboardButton(text[:64], callback_data=f"x:{n}")] for n, text in enumerate(examples)
    ]
    await message.reply_text(
        render.start(overview, examples), reply_markup=InlineKeyboardMarkup(buttons)
    )


async def example_button(update: Update, context: Context) -> None:
    """An example question from /start, asked as if typed (the examples are recomputed the
    same way, so the button needs only their number)."""
    query = update.callback_query
    found = matched(context)
    if query is None:
        return
    overview = await off_loop(context.service.overview)
    examples = render.examples(overview)
    n = int(found.group(1)) if found else -1
    if not 0 <= n < len(examples):
        await acknowledge(query, render.stale(), show_alert=True)
        return
    await acknowledge(query)
    await answer_question(update, context, examples[n])


async def help_command(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is not None:
        await message.reply_text(render.help_text(admin=is_admin(update, context)))


async def unknown_command(update: Update, _context: Context) -> None:
    message = update.effective_message
    if message is not None:
        await message.reply_text(render.unknown_command(message.text or ""))


async def not_text(update: Update, _context: Context) -> None:
    """A photo, sticker, voice note… in a private chat: say what the bot reads instead of
    leaving the member wondering."""
    message = update.effective_message
    if message is not None:
        await message.reply_text(render.not_text())


async def units_command(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None:
        return
    text, markup = await _units(context, 0)
    await message.reply_text(text, reply_markup=markup)


async def units_button(update: Update, context: Context) -> None:
    query = update.callback_query
    found = matched(context)
    if query is None:
        return
    if found is None:
        await acknowledge(query, render.stale(), show_alert=True)
        return
    await acknowledge(query)
    text, markup = await _units(context, int(found.group(1)))
    await edit(query, text, markup)


async def _units(context: Context, page: int) -> tuple[str, InlineKeyboardMarkup | None]:
    rows = await off_loop(context.service.units)
    pages = max(1, -(-len(rows) // UNITS_PAGE))
    page = min(max(page, 0), pages - 1)
    shown = rows[page * UNITS_PAGE : (page + 1) * UNITS_PAGE]
    text = render.units_page(shown, page=page, pages=pages, total=len(rows))
    nav = []
    if page > 0:
        nav.append(
            InlineKeyboardButton(render.BUTTONS["units_prev"], callback_data=f"u:{page - 1}")
        )
    if page + 1 < pages:
        nav.append(
            InlineKeyboardButton(render.BUTTONS["units_next"], callback_data=f"u:{page + 1}")
        )
    return text, InlineKeyboardMarkup([nav]) if nav else None


async def report_command(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None:
        return
    name = " ".join(context.args or [])
    if not name.strip():
        await message.reply_text(render.usage("baocao"))
        return
    await typing(update, context)
    found = await off_loop(context.service.latest_report, name[:200])
    for text in render.report_brief(found):
        await message.reply_text(text)


_CODE = re.compile(r"\d")


async def document_command(update: Update, context: Context) -> None:
    """/vanban 05-CT/TW: the reports that cite the document, and what for."""
    message = update.effective_message
    if message is None:
        return
    code = " ".join(context.args or []).strip()
    if not _CODE.search(code):
        await message.reply_text(render.usage("vanban"))
        return
    await answer_question(update, context, code[:100])
