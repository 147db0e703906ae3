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
    application.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, questions.private_text))
    application.add_handler(MessageHandler(filters.ChatType.GROUPS & filters.TEXT & ~filters.COMMAND, questions.group_text))
    application.add_handler(MessageHandler(private & filters.Document.ALL, admin.document))
    # Last in private chats: a command the bot lacks, or anything that is not text or a file.
    # New messages only: a live location, say, is re-sent as edits.
    fresh = private & filters.UpdateType.MESSAGE
    application.add_handler(MessageHandler(fresh & filters.COMMAND, browse.unknown_command))
    application.add_handler(
        MessageHandler(fresh & ~filters.TEXT & ~filters.Document.ALL & ~filters.StatusUpdate.ALL, browse.not_text)
    )
    application.add_handler(CallbackQueryHandler(questions.answer_button, pattern=r"^[psfcv]:"))
    # Ids are bounded (a database integer); a button matching none of these is stale.
    application.add_handler(CallbackQueryHandler(browse.example_button, pattern=r"^x:\d{1,2}$"))
    application.add_handler(CallbackQueryHandler(browse.units_button, pattern=r"^u:\d{1,6}$"))
    application.add_handler(CallbackQueryHandler(admin.upload_button, pattern=r"^[LH]:\d{1,18}$"))
    application.add_handler(CallbackQueryHandler(admin.delete_button, pattern=r"^[RK]:\d{1,18}$"))
    application.add_handler(CallbackQueryHandler(questions.stale_button))
    application.add_handler(InlineQueryHandler(questions.inline_query))
    application.add_error_handler(on_error)
