"""The Telegram application: built from the settings, wired to the knowledge service, run by
long polling or a webhook (with a health endpoint beside it)."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from typing import Any
from urllib.parse import urlsplit

from telegram import BotCommand, BotCommandScopeChat, LinkPreviewOptions
from telegram.constants import FileSizeLimit, ParseMode
from telegram.error import InvalidToken, TelegramError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, Defaults
from telegram.request import BaseRequest

from bot.settings import Settings
from handlers import render
from handlers.common import ChatOrder, Context, Deps
from handlers.routes import register
from knowledge import store
from knowledge.service import Service

log = logging.getLogger(__name__)
PUBLIC_API = "https://api.telegram.org/bot"
PUBLIC_DOWNLOAD_LIMIT = int(FileSizeLimit.FILESIZE_DOWNLOAD)  # getFile on Telegram's own servers
CONCURRENT_UPDATES = 8  # chats answered at once (the answers themselves run in threads)
RETRIES_AFTER_429 = 3
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class SettingsError(ValueError):
    """A setting the bot cannot start with; the message says which and why."""


def check(settings: Settings, *, webhook: bool) -> str:
    """The token, once the settings allow starting; raises SettingsError otherwise."""
    if settings.telegram_bot_token is None:
        raise SettingsError(render.refused_setting("no_token"))
    if not settings.admin_ids:
        raise SettingsError(render.missing_admin_ids())
    if store.in_memory(settings.database_url):
        # One connection shared by the bot's worker threads, and chats, answers and uploads
        # awaiting Lưu gone at every restart.
        raise SettingsError(render.refused_setting("in_memory"))
    if webhook:
        if not settings.webhook_url or urlsplit(settings.webhook_url).scheme != "https":
            raise SettingsError(render.refused_setting("webhook_url"))
        secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
        if not _SECRET.match(secret):
            raise SettingsError(render.refused_setting("webhook_secret"))
    return settings.telegram_bot_token.get_secret_value()


def download_limit(settings: Settings) -> int:
    """The largest document an admin can send: MAX_DOCUMENT_MB, and at most what Telegram's
    own Bot API lets a bot download (a local Bot API server allows more)."""
    limit = int(settings.max_document_mb * 1_000_000)
    if settings.telegram_api_base_url == PUBLIC_API:
        limit = min(limit, PUBLIC_DOWNLOAD_LIMIT)
    return limit


def build(
    settings: Settings,
    service: Service,
    *,
    token: str,
    request: BaseRequest | None = None,
    rate_limit: bool = True,
) -> Application:
    """The application with every handler registered; ``request`` replaces the HTTP transport
    (the tests pass an offline one). ``rate_limit`` keeps within Telegram's flood limits (30
    messages a second, 20 a minute in a group); the benchmark turns it off to measure the
    bot itself."""
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.telegram_file_base_url)
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)
            )
        )
        # A chat's updates in the order they came, chats side by side (handlers/common.py).
        .concurrent_updates(ChatOrder(CONCURRENT_UPDATES))
        .context_types(ContextTypes(context=Context, bot_data=Deps))
        .post_init(ready)
    )
    if rate_limit:
        # A 429 that slips past the limiter (another instance shares the token) is waited out
        # and retried, not turned into a lost answer.
        limiter = AIORateLimiter(max_retries=RETRIES_AFTER_429)
        builder = builder.rate_limiter(limiter)  # type: ignore[arg-type]  # PTB types the builder before its limiter
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    application = builder.build()
    deps: Deps = application.bot_data
    deps.service = service
    deps.admin_ids = frozenset(settings.admin_ids)
    deps.max_download = download_limit(settings)
    register(application)
    return application


_WARMING: set[asyncio.Task[None]] = set()  # referenced until done (the loop keeps weak ones)


async def ready(application: Application) -> None:
    """Once Telegram accepted the token: the command menus; and matplotlib imported in a
    thread (about a second) while the bot already answers, so the first chart a member asks
    for is not slow."""
    warm = asyncio.create_task(asyncio.to_thread(_import_charts))
    _WARMING.add(warm)
    warm.add_done_callback(_WARMING.discard)
    await set_commands(application)


def _import_charts() -> None:
    try:
        from handlers import charts

        charts.warm()
    except Exception as error:  # a chart then imports it when first drawn, as before
        log.warning("matplotlib not imported ahead: %s", error)


async def set_commands(application: Application) -> None:
    """The command menu: everyone's, and in each admin's own chat the admin commands too."""
    everyone = [BotCommand(name, text) for name, text in render.COMMANDS]
    await application.bot.set_my_commands(everyone)
    admins = everyone + [BotCommand(name, text) for name, text in render.ADMIN_COMMANDS]
    deps: Deps = application.bot_data
    for admin in sorted(deps.admin_ids):
        try:
            await application.bot.set_my_commands(admins, scope=BotCommandScopeChat(admin))
        except TelegramError as error:  # "chat not found" until the admin opens the bot
            log.warning("admin commands not set for %s: %s", admin, error)


def run_polling(application: Application) -> None:
    application.run_polling(drop_pending_updates=False)


def run_webhook(application: Application, settings: Settings) -> None:
    """PTB's webhook server (the secret token checked on every update), and a health endpoint
    on HEALTH_PORT for the load balancer."""
    assert settings.webhook_url and settings.webhook_secret
    deps: Deps = application.bot_data
    assert deps.service is not None
    service = deps.service
    previous = application.post_init

    async def post_init(app: Application) -> None:
        if previous is not None:
            await previous(app)
        start_health(service, port=settings.health_port, address=settings.webhook_listen)

    application.post_init = post_init
    application.run_webhook(
        listen=settings.webhook_listen,
        port=settings.webhook_port,
        url_path=urlsplit(settings.webhook_url).path.lstrip("/"),
        webhook_url=settings.webhook_url,
        secret_token=settings.webhook_secret.get_secret_value(),
        allowed_updates=["message", "callback_query", "inline_query"],
    )


def start_health(service: Service, *, port: int, address: str) -> Any:
    """GET /healthz → 200 {"status": "ok", "reports": N} while the database answers, else 503.
    Tornado (already under PTB's webhook server) serves it on the running event loop, on
    the address the webhook listens on (WEBHOOK_LISTEN): a server told to stay on
    127.0.0.1 opens nothing to the network."""
    import tornado.web

    class Health(tornado.web.RequestHandler):
        def get(self) -> None:
            try:
                body = service.health()
            except Exception as error:  # a health check reports, it never raises
                self.set_status(503)
                body = {"status": "error", "detail": type(error).__name__}
            self.set_header("Content-Type", "application/json")
            self.finish(json.dumps(body))

    return tornado.web.Application([(r"/healthz", Health)]).listen(port, address=address)


class RedactToken(logging.Formatter):
    """Keeps the bot token out of every log line, tracebacks included (httpx writes request
    URLs, and an HTTP error's message may hold one)."""

    def __init__(self, inner: logging.Formatter | None, token: str) -> None:
        super().__init__()
        self.inner = inner or logging.Formatter(logging.BASIC_FORMAT)
        self.token = token

    def format(self, record: logging.LogRecord) -> str:
        text = self.inner.format(record)
        return text.replace(self.token, "<TOKEN>") if self.token else text


class RefusedToken(logging.Filter):
    """PTB logs a traceback when Telegram refuses the token; `mttq run` says it in one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], InvalidToken))


def quiet_logs(token: str) -> None:
    """httpx stays at WARNING (it logs every request URL) and every handler redacts the token."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("telegram.ext").addFilter(RefusedToken())
    for handler in logging.getLogger().handlers:
        handler.setFormatter(RedactToken(handler.formatter, token))
