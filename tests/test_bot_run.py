"""Running the bot: settings it refuses to start with, the token kept out of logs, the console
chat without a token, long polling against a local Bot API server (`mttq run` in a real
process, TELEGRAM_API_BASE_URL), the webhook with its secret, and the health endpoint."""

from __future__ import annotations

import asyncio
import io
import logging
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot import cli
from bot.app import RedactToken, SettingsError, build, check, quiet_logs, start_health
from bot.settings import Settings, get_settings
from knowledge.assistant import Assistant
from knowledge.service import Service
from tests import telegram_fake as tg
from tests.test_bot import ADMIN, MEMBER, QUESTION, REPORTS, settings


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
    for memory in ("sqlite://", "sqlite:///:memory:"):
        with pytest.raises(SettingsError, match="in-memory SQLite"):
            check(settings(database_url=memory), webhook=False)
    with pytest.raises(SettingsError, match="WEBHOOK_URL"):
        check(
            settings(webhook_url="http://insecure.example/tg", webhook_secret="abc"), webhook=True
        )
    with pytest.raises(SettingsError, match="WEBHOOK_SECRET"):
        check(
            settings(webhook_url="https://bot.example/tg", webhook_secret="has spaces"),
            webhook=True,
        )
    assert check(
        settings(webhook_url="https://bot.example/tg", webhook_secret="s3cret_-X"), webhook=True
    )


def test_admin_ids_are_read_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADMIN_IDS", " 12, 34;56 ")
    assert Settings(_env_file=None).admin_ids == [12, 34, 56]  # type: ignore[call-arg]
    monkeypatch.setenv("ADMIN_IDS", "[7]")
    assert Settings(_env_file=None).admin_ids == [7]  # type: ignore[call-arg]


def test_a_bad_setting_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ADMIN_IDS", "anh Ba")
    get_settings.cache_clear()
    try:
        with pytest.raises(SystemExit) as stopped:
            cli.main(["run"])
    finally:
        get_settings.cache_clear()
    assert stopped.value.code == 2
    said = capsys.readouterr().err
    # One Vietnamese line naming the setting, the value and what it must be; pydantic's
    # English cause only after it, in parentheses (never its "1 validation error for…" dump).
    assert said.count("\n") == 1 and said.startswith("Lỗi cấu hình")
    assert "ADMIN_IDS: giá trị 'anh Ba' không phải số nguyên; cần mã số người dùng Telegram" in said
    assert "validation error" not in said and "errors.pydantic.dev" not in said


def test_log_level_holds_though_a_library_configured_logging_first(tmp_path: Path) -> None:
    """underthesea's pipeline calls logging.basicConfig when imported; LOG_LEVEL=DEBUG still
    shows the bot's debug lines, and the token never (the bot's own settings hold it)."""
    script = (
        "import logging, underthesea.pipeline.classification\n"  # configures logging at import
        "from bot import cli\n"
        "from bot.app import quiet_logs\n"
        "cli._logging()\n"
        f"quiet_logs({tg.TOKEN!r})\n"
        "logging.getLogger('handlers.questions').debug('question in chat %s', 501)\n"
        f"logging.getLogger('httpcore').debug('POST /bot{tg.TOKEN}/getMe')\n"
    )
    env = {**os.environ, "LOG_LEVEL": "debug"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=tmp_path,
                          timeout=120, check=True)  # fmt: skip
    assert "DEBUG handlers.questions: question in chat 501" in done.stderr
    assert "POST /bot<TOKEN>/getMe" in done.stderr and tg.TOKEN not in done.stderr


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


_WARMED = """
import asyncio, sys
from bot.app import _WARMING, build, ready
from bot.settings import Settings
from knowledge.assistant import Assistant
from knowledge.service import Service
from tests import telegram_fake as tg

async def main():
    settings = Settings(_env_file=None, telegram_bot_token=tg.TOKEN, admin_ids=[42])
    service = Service(Assistant.open(sys.argv[1], index_dir=sys.argv[2]))
    app = build(settings, service, token=tg.TOKEN, request=tg.FakeBotAPI())
    await app.initialize()
    print("before", "underthesea" in sys.modules, "matplotlib.pyplot" in sys.modules)
    await ready(app)
    await asyncio.gather(*_WARMING)
    print("after", "matplotlib.pyplot" in sys.modules)

asyncio.run(main())
"""


def test_the_bot_starts_without_underthesea_and_imports_matplotlib_once_running(
    tmp_path: Path, seeded_file: Path
) -> None:
    """Start-up pays for neither (underthesea: a second for a table of tone marks); the first
    chart does not wait for matplotlib either: it is imported in a thread once the bot runs."""
    path = tmp_path / "mttq.db"
    shutil.copy(seeded_file, path)
    done = subprocess.run(
        [sys.executable, "-c", _WARMED, f"sqlite:///{path}", str(tmp_path / "index")],
        capture_output=True, text=True, timeout=120, check=True, cwd=Path(__file__).parent.parent,
    )  # fmt: skip
    assert done.stdout.split("\n")[:2] == ["before False False", "after True"], done.stderr


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
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": tg.TOKEN,
        "ADMIN_IDS": "",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run"], capture_output=True, text=True, env=env, cwd=tmp_path,
        timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 2 and "ADMIN_IDS" in done.stderr
    assert tg.TOKEN not in done.stderr + done.stdout


# -- `mttq run` in a real process, against the loopback Bot API ------------------------------

GROUP = -100_555
OFFICIAL = 777


async def start_run(
    api: tg.LoopbackBotAPI, tmp_path: Path, *args: str, **env: str
) -> asyncio.subprocess.Process:
    api.listen(free_port())
    environment = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": tg.TOKEN,
        "ADMIN_IDS": str(ADMIN),
        "TELEGRAM_API_BASE_URL": api.base_url,
        "TELEGRAM_FILE_BASE_URL": api.file_base_url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        **env,
    }
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, env=environment, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def stop_run(process: asyncio.subprocess.Process, api: tg.LoopbackBotAPI) -> str:
    if process.returncode is None:
        process.terminate()
    out, err = await process.communicate()
    api.stop()
    return (out + err).decode()


async def until_polling(api: tg.LoopbackBotAPI, process: asyncio.subprocess.Process) -> None:
    for _ in range(900):
        if "getUpdates" in [m for m, _ in api.calls]:
            return
        assert process.returncode is None, "mttq run stopped before polling"
        await asyncio.sleep(0.2)
    raise AssertionError("mttq run never polled")


async def say(api: tg.LoopbackBotAPI, text: str | None, *, chat: int, user: int | None = None,
              document: dict[str, Any] | None = None) -> dict[str, Any]:  # fmt: skip
    """Send a message as `user` and wait for the bot's first message to that chat."""
    after = len(api.calls)
    api.push(
        "message", tg.message_body(text, chat_id=chat, user_id=user or chat, document=document)
    )
    return await api.reply(chat, after=after)


async def press(api: tg.LoopbackBotAPI, data: str, *, chat: int) -> dict[str, Any]:
    after = len(api.calls)
    api.push("callback_query", tg.button_body(data, chat_id=chat, user_id=chat))
    return await api.reply(chat, after=after, methods=("sendMessage", "editMessageText"))


def data_of(api: tg.LoopbackBotAPI, sent: dict[str, Any], prefix: str) -> str:
    return next(data for _, data in api.buttons(sent) if data.startswith(prefix))


@pytest.mark.slow
async def test_members_officials_and_admins_use_the_running_bot_over_http(tmp_path: Path) -> None:
    """`mttq run` in its own process, long polling a Bot API over real HTTP that keeps
    Telegram's limits: a member asks and presses buttons, a 429 is waited out, an official
    looks up a report and a directive, a group is not chattered at, a non-admin's upload is
    refused, and an admin loads a report that the next question finds. Telegram would have
    accepted every call the bot made."""
    api = tg.LoopbackBotAPI()
    process = await start_run(api, tmp_path, "run", LOG_LEVEL="DEBUG")
    try:
        await until_polling(api, process)
        answer = await say(api, QUESTION, chat=MEMBER)
        assert "77 cuộc/2288 lượt" in answer["text"] and "[bài mẫu số 3]" in answer["text"]
        excerpt = await press(api, data_of(api, answer, "s:"), chat=MEMBER)
        assert "[bài mẫu số 3]" in excerpt["text"]
        follow = await press(api, data_of(api, answer, "f:"), chat=MEMBER)
        assert "Phường 2" in follow["text"]

        api.throttled["sendMessage"] = 1  # Telegram: "Too Many Requests: retry after 1"
        retried = await say(api, "phuong 2 dat duoc gi", chat=MEMBER)
        assert api.throttled["sendMessage"] == 0 and "Phường 2" in retried["text"]

        report = await say(api, "/baocao phuong 2 kien tuong", chat=OFFICIAL)
        assert "8.000.000/21.000.000 đồng" in report["text"] and "08/07/2024" in report["text"]
        directive = await say(api, "/vanban 05-CT/TW", chat=OFFICIAL)
        assert "05-CT/TW" in directive["text"]

        api.push(
            "message", tg.message_body(QUESTION, chat_id=GROUP, user_id=MEMBER)
        )  # not addressed
        addressed = await say(api, f"@{tg.BOT_USERNAME} {QUESTION}", chat=GROUP, user=MEMBER)
        assert "08/07/2024" in addressed["text"]
        assert len([p for p in api.sent() if int(p["chat_id"]) == GROUP]) == 1

        content = (REPORTS / "phuong2_vung_tau_2024.txt").read_bytes()
        api.files["up1"] = content
        refused = await say(
            api, None, chat=MEMBER, document=tg.document("up1", "bao-cao.txt", len(content))
        )
        assert "chỉ dành cho quản trị viên" in refused["text"] and not api.sent("getFile")

        preview = await say(
            api, None, chat=ADMIN, document=tg.document("up1", "bao-cao.txt", len(content))
        )
        assert "Vũng Tàu" in preview["text"] and "12/07/2024" in preview["text"]
        saved = await press(api, data_of(api, preview, "L:"), chat=ADMIN)
        assert "Đã lưu" in saved["text"]
        found = await say(api, "Phường 2 thành phố Vũng Tàu đạt được gì năm 2024?", chat=MEMBER)
        assert "bao-cao.txt" in found["text"] and "Vũng Tàu" in found["text"]
    finally:
        log = await stop_run(process, api)
    assert not api.refused, api.refused
    assert "đã nạp 5 báo cáo mẫu" in log  # an empty database first gets the samples
    assert "Bot Telegram đang chạy (long polling) với 5 báo cáo" in log
    methods = [m for m, _ in api.calls]
    assert methods.index("setMyCommands") < methods.index("sendMessage")
    assert f"DEBUG handlers.questions: question in chat {MEMBER}" in log  # LOG_LEVEL=DEBUG holds
    assert tg.TOKEN not in log  # not even at DEBUG


LISTEN = "127.0.0.2"  # Linux routes all of 127.0.0.0/8 to the loopback interface


@pytest.mark.slow
async def test_run_webhook_serves_updates_and_health(tmp_path: Path) -> None:
    """`mttq run --webhook` in a real process: it tells the Bot API its URL and secret, answers
    an update posted with the secret, refuses one without, and answers /healthz, both only on
    the address WEBHOOK_LISTEN names (127.0.0.2: another loopback address; 127.0.0.1 gets
    nothing)."""
    api = tg.LoopbackBotAPI()
    hook_port, health_port = free_port(), free_port()
    process = await start_run(
        api, tmp_path, "--webhook",
        WEBHOOK_URL="https://bot.example.org/telegram", WEBHOOK_SECRET="s3cret",
        WEBHOOK_LISTEN=LISTEN, WEBHOOK_PORT=str(hook_port), HEALTH_PORT=str(health_port),
    )  # fmt: skip
    update = {"update_id": 9, "message": tg.message_body(QUESTION)}
    try:
        async with httpx.AsyncClient() as client:
            health = None
            for _ in range(600):
                if process.returncode is not None:
                    break
                try:
                    health = await client.get(f"http://{LISTEN}:{health_port}/healthz")
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.2)
            assert health is not None and health.json() == {"status": "ok", "reports": 5}
            after = len(api.calls)
            url = f"http://{LISTEN}:{hook_port}/telegram"
            # The webhook server starts after the bot's post_init, where /healthz starts.
            forged = None
            for _ in range(300):
                try:
                    forged = await client.post(
                        url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "nope"}
                    )
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.2)
            assert forged is not None
            for port in (health_port, hook_port):  # both listening, neither on 127.0.0.1
                with pytest.raises(httpx.ConnectError):
                    await client.get(f"http://127.0.0.1:{port}/healthz")
            real = await client.post(
                url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret"}
            )
            assert (forged.status_code, real.status_code) == (403, 200)
        answer = await api.reply(MEMBER, after=after, timeout=20)
    finally:
        log = await stop_run(process, api)
    hooks = api.sent("setWebhook")
    assert (
        hooks
        and hooks[0]["url"] == "https://bot.example.org/telegram"
        and hooks[0]["secret_token"] == "s3cret"
    )
    assert len(api.sent()) == 1 and "77 cuộc/2288 lượt" in answer["text"], log[-2000:]
    assert not api.refused


@pytest.mark.slow
async def test_a_refused_token_is_a_clear_error(tmp_path: Path) -> None:
    api = tg.LoopbackBotAPI()
    wrong = "123:not-the-token"
    process = await start_run(api, tmp_path, TELEGRAM_BOT_TOKEN=wrong)
    try:
        await asyncio.wait_for(process.wait(), timeout=180)
    finally:
        text = await stop_run(process, api)
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
        listen="127.0.0.1",
        port=port,
        url_path="tg",
        webhook_url="https://bot.example/tg",
        secret_token="s3cret",
    )
    try:
        (hook,) = api.sent("setWebhook")
        assert hook["secret_token"] == "s3cret" and hook["url"] == "https://bot.example/tg"
        update = tg.message(app.bot, QUESTION).to_dict()
        async with httpx.AsyncClient() as client:
            forged = await client.post(
                f"http://127.0.0.1:{port}/tg",
                json=update,
                headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"},
            )
            assert forged.status_code == 403
            real = await client.post(
                f"http://127.0.0.1:{port}/tg",
                json=update,
                headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret"},
            )
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
