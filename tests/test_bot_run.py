"""Running the bot: settings it refuses to start with, the token kept out of logs, the console
chat without a token, long polling against a local Bot API server (`mttq run` in a real
process, TELEGRAM_API_BASE_URL), the webhook with its secret, and the health endpoint."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import tornado.web

from bot import cli
from bot.app import RedactToken, SettingsError, build, check, quiet_logs, start_health
from bot.settings import Settings, get_settings
from knowledge.assistant import Assistant
from knowledge.service import Service
from tests import telegram_fake as tg
from tests.test_bot import ADMIN, QUESTION, settings


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_bot_refuses_to_start_without_what_it_needs() -> None:
    bare = Settings(_env_file=None)  # type: ignore[call-arg]
    with pytest.raises(SettingsError, match="TELEGRAM_BOT_TOKEN"):
        check(bare, webhook=False)
    with pytest.raises(SettingsError, match="ADMIN_IDS"):
        check(Settings(_env_file=None, telegram_bot_token=tg.TOKEN), webhook=False)  # type: ignore[call-arg]
    assert check(settings(), webhook=False) == tg.TOKEN
    with pytest.raises(SettingsError, match="WEBHOOK_URL"):
        check(settings(webhook_url="http://insecure.example/tg", webhook_secret="abc"), webhook=True)
    with pytest.raises(SettingsError, match="WEBHOOK_SECRET"):
        check(settings(webhook_url="https://bot.example/tg", webhook_secret="has spaces"), webhook=True)
    assert check(settings(webhook_url="https://bot.example/tg", webhook_secret="s3cret_-X"), webhook=True)


def test_admin_ids_are_read_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADMIN_IDS", " 12, 34;56 ")
    assert Settings(_env_file=None).admin_ids == [12, 34, 56]  # type: ignore[call-arg]
    monkeypatch.setenv("ADMIN_IDS", "[7]")
    assert Settings(_env_file=None).admin_ids == [7]  # type: ignore[call-arg]


def test_a_bad_setting_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ADMIN_IDS", "anh Ba")
    get_settings.cache_clear()
    try:
        with pytest.raises(SystemExit) as stopped:
            cli.main(["run"])
    finally:
        get_settings.cache_clear()
    assert stopped.value.code == 2
    assert "Lỗi cấu hình" in capsys.readouterr().err


def test_the_token_never_reaches_the_log() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        quiet_logs(tg.TOKEN)
        assert isinstance(handler.formatter, RedactToken)
        log = logging.getLogger("some.library")
        log.error("POST https://api.telegram.org/bot%s/getMe failed", tg.TOKEN)
        try:
            raise RuntimeError(f"connect to /bot{tg.TOKEN}/getUpdates")
        except RuntimeError:
            log.exception("polling")
    finally:
        root.removeHandler(handler)
    written = stream.getvalue()
    assert tg.TOKEN not in written and written.count("<TOKEN>") == 2


def test_without_a_token_run_opens_the_console_chat(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"TELEGRAM_BOT_TOKEN", "ADMIN_IDS"}}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'chat.db'}"
    done = subprocess.run(
        [sys.executable, "-m", "bot"], input=f"{QUESTION}\n", capture_output=True, text=True,
        env=env, cwd=tmp_path, timeout=180, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "@BotFather" in done.stderr and "đã nạp 5 báo cáo mẫu" in done.stderr
    assert "77 cuộc/2288 lượt" in done.stdout


def test_with_a_token_but_no_admins_it_refuses(tmp_path: Path) -> None:
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": tg.TOKEN, "ADMIN_IDS": "", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run"], capture_output=True, text=True, env=env, cwd=tmp_path,
        timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 2 and "ADMIN_IDS" in done.stderr
    assert tg.TOKEN not in done.stderr + done.stdout


# -- a local Bot API server, for `mttq run` in a real process ----------------------------------


class LocalBotAPI:
    """Just enough of the Bot API over HTTP: one question waiting in getUpdates, the answers
    recorded. Stands in for a local Bot API server (TELEGRAM_API_BASE_URL)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.pending = [{"update_id": 1, "message": {
            "message_id": 5, "date": int(time.time()), "text": QUESTION,
            "chat": {"id": 501, "type": "private"}, "from": {"id": 501, "is_bot": False, "first_name": "A"},
        }}]  # fmt: skip
        fake = tg.FakeBotAPI()
        outer = self

        class Method(tornado.web.RequestHandler):
            async def post(self, token: str, method: str) -> None:
                if token != tg.TOKEN:
                    self.set_status(401)
                    self.finish({"ok": False, "error_code": 401, "description": "Unauthorized"})
                    return
                params = _params(self.request)
                outer.calls.append((method, params))
                if method == "getUpdates":
                    result: Any = [u for u in outer.pending if u["update_id"] >= int(params.get("offset") or 0)]
                    if not result:
                        await asyncio.sleep(0.2)
                else:
                    result = fake._result(method, params)
                self.finish({"ok": True, "result": result})

        self.app = tornado.web.Application([(r"/bot([^/]+)/(\w+)", Method)])

    def texts(self) -> list[str]:
        return [str(p.get("text", "")) for m, p in self.calls if m == "sendMessage"]


def _params(request: Any) -> dict[str, Any]:
    if request.headers.get("Content-Type", "").startswith("application/json"):
        return dict(json.loads(request.body or b"{}"))
    return {k: v[0].decode() for k, v in request.body_arguments.items()}


@pytest.mark.slow
async def test_run_polls_a_local_bot_api_server_and_answers(tmp_path: Path) -> None:
    server = LocalBotAPI()
    port = free_port()
    http = server.app.listen(port, address="127.0.0.1")
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": tg.TOKEN,
        "ADMIN_IDS": str(ADMIN),
        "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{port}/bot",
        "TELEGRAM_FILE_BASE_URL": f"http://127.0.0.1:{port}/file/bot",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        "LOG_LEVEL": "DEBUG",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        for _ in range(600):
            if server.texts() or process.returncode is not None:
                break
            await asyncio.sleep(0.2)
    finally:
        if process.returncode is None:
            process.terminate()
        out, err = await process.communicate()
        http.stop()
    log = (out + err).decode()
    assert server.texts(), log[-3000:]
    assert "77 cuộc/2288 lượt" in server.texts()[0]
    methods = [m for m, _ in server.calls]
    assert methods.index("setMyCommands") < methods.index("sendMessage")
    assert "đã nạp 5 báo cáo mẫu" in log  # an empty database first gets the samples
    assert "Bot Telegram đang chạy (long polling) với 5 báo cáo" in log
    assert tg.TOKEN not in log  # not even at DEBUG


@pytest.mark.slow
async def test_run_webhook_serves_updates_and_health(tmp_path: Path) -> None:
    """`mttq run --webhook` in a real process: it tells the Bot API its URL and secret, answers
    an update posted with the secret, refuses one without, and answers /healthz."""
    server = LocalBotAPI()
    server.pending.clear()
    api_port, hook_port, health_port = free_port(), free_port(), free_port()
    http = server.app.listen(api_port, address="127.0.0.1")
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": tg.TOKEN, "ADMIN_IDS": str(ADMIN),
        "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{api_port}/bot",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        "WEBHOOK_URL": "https://bot.example.org/telegram", "WEBHOOK_SECRET": "s3cret",
        "WEBHOOK_LISTEN": "127.0.0.1", "WEBHOOK_PORT": str(hook_port), "HEALTH_PORT": str(health_port),
    }  # fmt: skip
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "--webhook", env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    update = {"update_id": 9, "message": {
        "message_id": 5, "date": int(time.time()), "text": QUESTION,
        "chat": {"id": 501, "type": "private"}, "from": {"id": 501, "is_bot": False, "first_name": "A"},
    }}  # fmt: skip
    try:
        async with httpx.AsyncClient() as client:
            health = None
            for _ in range(600):
                if process.returncode is not None:
                    break
                try:
                    health = await client.get(f"http://127.0.0.1:{health_port}/healthz")
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.2)
            assert health is not None and health.json() == {"status": "ok", "reports": 5}
            url = f"http://127.0.0.1:{hook_port}/telegram"
            forged = await client.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "nope"})
            real = await client.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret"})
            assert (forged.status_code, real.status_code) == (403, 200)
        for _ in range(100):
            if server.texts():
                break
            await asyncio.sleep(0.1)
    finally:
        if process.returncode is None:
            process.terminate()
        out, err = await process.communicate()
        http.stop()
    hooks = [p for m, p in server.calls if m == "setWebhook"]
    assert hooks and hooks[0]["url"] == "https://bot.example.org/telegram" and hooks[0]["secret_token"] == "s3cret"
    assert len(server.texts()) == 1 and "77 cuộc/2288 lượt" in server.texts()[0], (out + err).decode()[-2000:]


@pytest.mark.slow
async def test_a_refused_token_is_a_clear_error(tmp_path: Path) -> None:
    server = LocalBotAPI()
    port = free_port()
    http = server.app.listen(port, address="127.0.0.1")
    wrong = "123:not-the-token"
    env = {
        **os.environ, "TELEGRAM_BOT_TOKEN": wrong, "ADMIN_IDS": str(ADMIN),
        "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{port}/bot", "DATABASE_URL": f"sqlite:///{tmp_path / 'b.db'}",
    }  # fmt: skip
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", env=env, cwd=tmp_path, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout=180)
    finally:
        http.stop()
    text = (out + err).decode()
    assert process.returncode == 2 and text.rstrip().endswith("(/token).")  # the last word is ours
    assert "đang chạy" not in text and "Traceback" not in text and wrong not in text


# -- webhook and health -----------------------------------------------------------------------


@pytest.fixture
def service(tmp_path: Path, seeded_file: Path) -> Service:
    path = tmp_path / "mttq.db"
    shutil.copy(seeded_file, path)
    return Service(Assistant.open(f"sqlite:///{path}", index_dir=str(tmp_path / "index")))


async def test_webhook_takes_updates_only_with_the_secret(service: Service) -> None:
    api = tg.FakeBotAPI()
    app = build(settings(), service, token=tg.TOKEN, request=api)
    port = free_port()
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_webhook(
        listen="127.0.0.1", port=port, url_path="tg", webhook_url="https://bot.example/tg", secret_token="s3cret"
    )
    try:
        (hook,) = api.sent("setWebhook")
        assert hook["secret_token"] == "s3cret" and hook["url"] == "https://bot.example/tg"
        update = tg.message(app.bot, QUESTION).to_dict()
        async with httpx.AsyncClient() as client:
            forged = await client.post(f"http://127.0.0.1:{port}/tg", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"})
            assert forged.status_code == 403
            real = await client.post(f"http://127.0.0.1:{port}/tg", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret"})
            assert real.status_code == 200
        for _ in range(100):
            if api.sent():
                break
            await asyncio.sleep(0.05)
        assert len(api.sent()) == 1 and "77 cuộc/2288 lượt" in api.sent()[0]["text"]
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


async def test_health_endpoint_reports_the_database(service: Service) -> None:
    port = free_port()
    server = start_health(service, port=port, address="127.0.0.1")
    try:
        async with httpx.AsyncClient() as client:
            reply = await client.get(f"http://127.0.0.1:{port}/healthz")
        assert reply.status_code == 200 and reply.json() == {"status": "ok", "reports": 5}
        service.assistant.engine.dispose()
        Path(str(service.engine.url.database)).unlink()  # the database is gone
        (Path(str(service.engine.url.database)).parent / "mttq.db").mkdir()
        async with httpx.AsyncClient() as client:
            reply = await client.get(f"http://127.0.0.1:{port}/healthz")
        assert reply.status_code == 503 and reply.json()["status"] == "error"
    finally:
        server.stop()
