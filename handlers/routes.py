"""Which handler takes which update. All user-facing text comes from handlers.render; the
knowledge layer is reached through knowledge.service."""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from handlers import admin, browse, questions
from handlers.common import chatless_press
from handlers.errors import on_error


def register(application: Application) -> None:
    # First of all: a button pressed where it has no chat (an inline message) is refused.
    application.add_handler(TypeHandler(Update, chatless_press), group=-1)
    for name, callback in (
        ("start", browse.start),
        ("help", browse.help_command),
        ("hoi", questions.ask_command),
        ("donvi", browse.units_command),
        ("baocao", browse.report_command),
        ("vanban", browse.document_command),
        ("xoa", admin.delete_command),
        ("thongke", admin.stats_command),
    ):
        application.add_handler(CommandHandler(name, callback))
    private = filters.ChatType.PRIVATE
    application.add_handler(
        MessageHandler(private & filters.TEXT & ~filters.COMMAND, questions.private_text)
    )
    application.add_handler(
        MessageHandler(
            filters.ChatType.GROUPS & filters.TEXT & ~filters.COMMAND, questions.group_text
        )
    )
    application.add_handler(MessageHandler(private & filters.Document.ALL, admin.document))
    # Last in private chats: a command the bot lacks, or anything that is not text or a file.
    # New messages only: a live location, say, is re-sent as edits.
    fresh = private & filters.UpdateType.MESSAGE
    application.add_handler(MessageHandler(fresh & filters.COMMAND, browse.unknown_command))
    application.add_handler(
        MessageHandler(
            fresh & ~filters.TEXT & ~filters.Document.ALL & ~filters.StatusUpdate.ALL,
            browse.not_text,
        )
    )
    # One handler per button action, each pattern anchored (the handler reads its groups from
    # context.matches); ids are bounded (a database integer). A button matching none of them
    # is from an older version of the bot, or forged.
    for pattern, button in (
        (questions.PAGE, questions.page_button),
        (questions.SOURCE, questions.source_button),
        (questions.FOLLOW, questions.follow_button),
        (questions.CHOICE, questions.choice_button),
        (questions.VOTE, questions.vote_button),
        (browse.EXAMPLE, browse.example_button),
        (browse.UNITS, browse.units_button),
        (admin.SAVE, admin.save_button),
        (admin.CANCEL, admin.cancel_button),
        (admin.DELETE, admin.delete_button),
        (admin.KEEP, admin.keep_button),
    ):
        application.add_handler(CallbackQueryHandler(button, pattern=pattern))
    application.add_handler(CallbackQueryHandler(questions.stale_button))
    application.add_handler(InlineQueryHandler(questions.inline_query))
    application.add_error_handler(on_error)
