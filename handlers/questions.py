"""Members and officials ask: private messages, /hoi, mentions and replies in groups, inline
queries, and the buttons under an answer (pages, source excerpt, follow-ups, choices,
feedback). callback_data carries only ids; the answer itself is in the database."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Message,
    MessageEntity,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatType, ParseMode

from handlers import charts, render
from handlers.common import Context, acknowledge, edit, ids, matched, off_loop, pressed_in, typing

log = logging.getLogger(__name__)

TOPICS = {"l": "limitation", "d": "direction", "c": "directive"}
MAX_QUESTION = 1000  # characters; a longer message is cut before answering


async def private_text(update: Update, context: Context) -> None:
    message = update.effective_message
    if message and message.text:
        await answer_question(update, context, message.text)


async def group_text(update: Update, context: Context) -> None:
    """In groups the bot speaks only when addressed: mentioned, or replied to."""
    message = update.effective_message
    if message is None or not message.text:
        return
    mentioned = _strip_mention(message, context.bot.username)
    replied = (
        message.reply_to_message is not None
        and message.reply_to_message.from_user is not None
        and message.reply_to_message.from_user.id == context.bot.id
    )
    if mentioned is None and not replied:
        return
    await answer_question(update, context, mentioned if mentioned is not None else message.text)


def _strip_mention(message: Message, username: str) -> str | None:
    """The text without "@bot" when the bot is mentioned, else None."""
    text = message.text or ""
    ours = [
        v
        for v in message.parse_entities([MessageEntity.MENTION]).values()
        if v[1:].lower() == username.lower()
    ]
    for value in ours:
        text = text.replace(value, " ", 1)
    return " ".join(text.split()) if ours else None


async def ask_command(update: Update, context: Context) -> None:
    """/hoi <câu hỏi> (works in groups too)."""
    text = " ".join(context.args or [])
    if not text.strip():
        await _reply(update, render.usage("hoi"))
        return
    await answer_question(update, context, text)


async def answer_question(update: Update, context: Context, text: str) -> None:
    chat_id, user_id = ids(update)
    log.debug("question in chat %s (%d characters)", chat_id, len(text))
    await typing(update, context)
    data = await off_loop(
        context.service.ask, text[:MAX_QUESTION], chat_id=chat_id, user_id=user_id
    )
    await send_answer(update, context, data)


async def send_answer(update: Update, context: Context, data: dict[str, Any]) -> None:
    """The first page as messages (the buttons on the last), then a chart if it has one."""
    chat = update.effective_chat
    if chat is None:
        return
    messages = render.answer_html(data, page=0)
    # In a group the answer quotes the question it answers, among everyone else's messages.
    asked = update.message.message_id if update.message and chat.type != ChatType.PRIVATE else None
    quoted = ReplyParameters(asked, allow_sending_without_reply=True) if asked else None
    for n, text in enumerate(messages):
        last = n == len(messages) - 1
        await context.bot.send_message(
            chat.id,
            text,
            reply_markup=keyboard(data, page=0) if last else None,
            reply_parameters=quoted if n == 0 else None,
        )
    picture = await off_loop(charts.chart, data)
    if picture is not None:
        await context.bot.send_photo(
            chat.id, picture, caption=render.escape(render.chart_caption(data))
        )


def keyboard(data: dict[str, Any], *, page: int) -> InlineKeyboardMarkup:
    asked = data["id"]
    rows: list[list[InlineKeyboardButton]] = []
    pages = render.answer_pages(data)
    nav = []
    if page > 0:
        nav.append(_button("prev", f"p:{asked}:{page - 1}"))
    if page + 1 < pages:
        nav.append(_button("next", f"p:{asked}:{page + 1}"))
    if nav:
        rows.append(nav)
    if data.get("found") and data.get("groups"):
        rows.append([_button("source", f"s:{asked}:{min(page, len(data['groups']) - 1)}")])
    if (data.get("context") or {}).get("units"):
        # The same unit and period, another kind of item (not the kind just answered).
        follow = [
            _button(topic, f"f:{asked}:{key}")
            for key, topic in TOPICS.items()
            if topic != data.get("intent")
        ]
        rows.append(follow)
    choices = data.get("choices") or []
    if len(choices) > 1:
        rows += [
            [InlineKeyboardButton(label[:60], callback_data=f"c:{asked}:{n}")]
            for n, label in enumerate(choices[:6])
        ]
    rows.append([_button("up", f"v:{asked}:1"), _button("down", f"v:{asked}:-1")])
    return InlineKeyboardMarkup(rows)


def _button(name: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(render.BUTTONS[name], callback_data=data)


# What each button under an answer carries: its action, the answer's id and an argument. One
# handler per action (handlers/routes.py), each with its anchored pattern; anything else (an
# old or forged button) reaches stale_button.
PAGE = r"^p:(\d{1,18}):(\d{1,3})$"
SOURCE = r"^s:(\d{1,18}):(\d{1,3})$"
FOLLOW = r"^f:(\d{1,18}):([ldc])$"
CHOICE = r"^c:(\d{1,18}):(\d{1,3})$"
VOTE = r"^v:(\d{1,18}):(-?1)$"


async def _pressed(update: Update, context: Context) -> tuple[CallbackQuery, int, str] | None:
    """The press, the answer's id and the argument its pattern matched; None (said to be
    stale) for a press with no data."""
    query = update.callback_query
    found = matched(context)
    if query is None:
        return None
    if found is None:
        await acknowledge(query, render.stale(), show_alert=True)
        return None
    asked, arg = found.groups()
    return query, int(asked), arg


async def stale_button(update: Update, context: Context) -> None:
    """A button from an older version of the bot, or forged: said, never an error."""
    if update.callback_query is not None:
        await acknowledge(update.callback_query, render.stale(), show_alert=True)


async def page_button(update: Update, context: Context) -> None:
    """Another page of the answer (one source a page), edited in place."""
    pressed = await _pressed(update, context)
    if pressed is None:
        return
    query, asked, arg = pressed
    data = await off_loop(context.service.given, asked, chat_id=pressed_in(update))
    page = int(arg)
    if data is None or not 0 <= page < render.answer_pages(data):
        await acknowledge(query, render.stale(), show_alert=True)
        return
    await acknowledge(query)
    await edit(query, render.answer_html(data, page=page)[0], keyboard(data, page=page))


async def source_button(update: Update, context: Context) -> None:
    """The report's own text around the passages quoted from one source."""
    pressed = await _pressed(update, context)
    if pressed is None:
        return
    query, asked, arg = pressed
    found = await off_loop(context.service.excerpt, asked, int(arg), chat_id=pressed_in(update))
    if found is None:
        await acknowledge(query, render.stale(), show_alert=True)
        return
    await acknowledge(query)
    chat = update.effective_chat
    if chat is not None:
        for text in render.excerpt(found):
            await context.bot.send_message(chat.id, text)


async def follow_button(update: Update, context: Context) -> None:
    """Hạn chế / Phương hướng / Chỉ đạo of the answer's unit and period."""
    pressed = await _pressed(update, context)
    if pressed is None:
        return
    _, asked, arg = pressed
    await _ask_again(update, context, context.service.follow, asked, TOPICS[arg])


async def choice_button(update: Update, context: Context) -> None:
    """One of the same-named units: the question again, for that one."""
    pressed = await _pressed(update, context)
    if pressed is None:
        return
    _, asked, arg = pressed
    await _ask_again(update, context, context.service.choose, asked, int(arg))


async def _ask_again(
    update: Update,
    context: Context,
    ask: Callable[..., dict[str, Any] | None],
    asked: int,
    arg: Any,
) -> None:
    """A button that asks a new question from a stored answer (a follow-up, a choice), in
    the chat of that answer only: a press from elsewhere is refused before "typing…"."""
    query = update.callback_query
    assert query is not None
    chat_id = pressed_in(update)
    _, user_id = ids(update)
    if await off_loop(context.service.given, asked, chat_id=chat_id) is None:
        await acknowledge(query, render.stale(), show_alert=True)
        return
    await typing(update, context)
    data = await off_loop(ask, asked, arg, chat_id=chat_id, user_id=user_id)
    if data is None:
        await acknowledge(query, render.stale(), show_alert=True)
        return
    await acknowledge(query)
    await send_answer(update, context, data)


async def vote_button(update: Update, context: Context) -> None:
    """👍 / 👎 on an answer."""
    pressed = await _pressed(update, context)
    if pressed is None:
        return
    query, asked, arg = pressed
    value = int(arg)
    done = await off_loop(context.service.vote, asked, value, chat_id=pressed_in(update))
    if done:
        await acknowledge(query, render.thanks(value))
    else:
        await acknowledge(query, render.stale(), show_alert=True)


async def inline_query(update: Update, context: Context) -> None:
    """@bot câu hỏi: each source of the answer offered as a result to post in any chat."""
    query = update.inline_query
    if query is None:
        return
    text = query.query.strip()
    if len(text) < 3:
        await query.answer([], cache_time=5)
        return
    data = await off_loop(
        context.service.ask,
        text[:MAX_QUESTION],
        chat_id=query.from_user.id,
        user_id=query.from_user.id,
        remember=False,
    )
    results = [
        InlineQueryResultArticle(
            id=f"{data['id']}-{page}",
            title=render.inline_title(data),
            description=render.inline_description(data, page),
            input_message_content=InputTextMessageContent(
                render.answer_html(data, page=page)[0], parse_mode=ParseMode.HTML
            ),
        )
        for page in range(render.answer_pages(data))
    ]
    log.debug("inline query of user %s: %d results", query.from_user.id, len(results))
    await query.answer(results, cache_time=30, is_personal=True)


async def _reply(update: Update, text: str) -> None:
    message = update.effective_message
    if message is not None:
        await message.reply_text(text)
