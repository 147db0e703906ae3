"""Bot benchmark: 50 chats × 20 questions through the real Application and an offline Bot API.

    python bench/bot.py [--db PATH] [--chats 50] [--per-chat 20] [--rate 30] [--rtt-ms 30]
                        [--questions FILE ...] [--json]

Each question is an update put on the Application's update queue, as polling or the webhook
puts it, and handled by python-telegram-bot's own dispatcher (8 updates at a time), handlers,
rendering and the database state of each answer, against the offline Bot API of the tests
(tests/telegram_fake.py: Telegram's limits enforced), which answers each call after
``--rtt-ms`` (Telegram's round trip). Telegram's flood limiter is off, so the bot itself is
measured. Two loads:

- steady: the questions arrive at ``--rate`` a second, spread over the chats (Telegram lets a
  bot send about 30 messages a second: the rate the bot must sustain);
- burst: all of them at once: the most the bot answers a second.

and two set-ups side by side in this one process:

- ours: answers computed in worker threads (handlers.common.off_loop);
- on-loop: the same handlers with the answer computed on the event loop (what a handler that
  calls the synchronous knowledge layer directly would do).

Measured for each: lost replies (questions that got no message back within ``--timeout``
seconds after the last one arrived; the goal is 0), apologies (updates that failed), calls
Telegram would have refused, answers/s, latency from the update's arrival to the first message
back (p50/p95; goal p95 ≤ 300 ms at 30 a second), and the event loop's lag (a 10 ms ticker's
delay: how long a button press or /help from any other chat waits) p95 and max. Replies are
attributed to their update exactly: a first handler marks each update's task.

The database: ``--db`` (e.g. bench/out/answer.sqlite, the 35,440 articles built by
bench/answer.py), else bench/out/bot.sqlite built from the samples and the 24 Front articles of
tests/fixtures. Each run works on a copy, so the recorded answers do not accumulate.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# `python bench/bot.py` puts bench/ first on sys.path, where this file would shadow the `bot`
# package; the repository root goes there instead (it also holds the tests' offline Bot API).
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench")]

import argparse  # noqa: E402
import asyncio  # noqa: E402
import csv  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from contextvars import ContextVar  # noqa: E402
from typing import Any  # noqa: E402

from telegram import Update  # noqa: E402
from telegram.ext import TypeHandler  # noqa: E402

from bot.app import build  # noqa: E402
from bot.settings import Settings  # noqa: E402
from handlers import render  # noqa: E402
from knowledge import store  # noqa: E402
from knowledge.assistant import Assistant  # noqa: E402
from knowledge.ingest import documents, ingest, sample_paths  # noqa: E402
from knowledge.read import iter_path  # noqa: E402
from knowledge.service import Service  # noqa: E402
from tests import telegram_fake as tg  # noqa: E402

OUT = ROOT / "bench" / "out"
FIXTURES = ROOT / "tests" / "fixtures"
FIRST_CHAT = 10_000

# The update a handler task is working on: PTB runs each update in its own task, so a value set
# by the first handler is seen by every Bot API call made for that update.
CURRENT_UPDATE: ContextVar[int] = ContextVar("current_update", default=-1)


class TimedBotAPI(tg.FakeBotAPI):
    """The offline Bot API with a network round trip; notes when each update got its first
    message back."""

    def __init__(self, rtt: float) -> None:
        super().__init__()
        self.rtt = rtt
        self.replied: dict[int, float] = {}
        self.apologies = 0

    async def do_request(
        self, url: str, method: str, request_data: Any = None, **kwargs: Any
    ) -> tuple[int, bytes]:
        await asyncio.sleep(self.rtt)
        status, body = await super().do_request(url, method, request_data, **kwargs)
        if status == 200 and url.endswith(("/sendMessage", "/sendPhoto")):
            self.replied.setdefault(CURRENT_UPDATE.get(), time.perf_counter())
            if request_data is not None and request_data.parameters.get("text") == render.apology():
                self.apologies += 1
        return status, body


async def mark(update: Update, _context: Any) -> None:
    CURRENT_UPDATE.set(update.update_id)


def small_db(path: Path) -> None:
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = store.connect(f"sqlite:///{path}")
    seeds = sample_paths()
    ingest(engine, documents(seeds, sources={p: p.name for p in seeds}), workers=1)
    ingest(engine, iter_path(FIXTURES / "reports" / "baomoi_mttq.jsonl"), workers=1)
    engine.dispose()


def questions(files: list[Path], count: int) -> list[str]:
    """``count`` questions, the files' questions in turn."""
    found: list[str] = []
    for file in files:
        with file.open(encoding="utf-8-sig", newline="") as handle:
            found += [row["question"] for row in csv.DictReader(handle, delimiter="\t")]
    return [found[n % len(found)] for n in range(count)]


async def ticker(lags: list[float], stop: asyncio.Event, every: float = 0.01) -> None:
    while not stop.is_set():
        before = time.perf_counter()
        await asyncio.sleep(every)
        lags.append(time.perf_counter() - before - every)


def _percentile(values: list[float], share: float) -> float:
    return sorted(values)[int(share * (len(values) - 1))] if values else float("nan")


async def load(service: Service, asked: list[str], *, chats: int, rate: float | None, rtt: float,
               on_loop: bool, timeout: float) -> dict[str, Any]:  # fmt: skip
    """Put the questions on the update queue (at ``rate`` a second, or all at once) and wait
    for every reply, or ``timeout`` seconds after the last question."""
    import handlers.browse
    import handlers.questions

    async def inline(function: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        return function(*args, **kwargs)  # the event loop waits for the answer

    saved = handlers.questions.off_loop
    if on_loop:
        handlers.questions.off_loop = handlers.browse.off_loop = inline  # type: ignore[assignment]
    api = TimedBotAPI(rtt)
    settings = Settings(_env_file=None, telegram_bot_token=tg.TOKEN, admin_ids=[1])  # type: ignore[call-arg]
    app = build(settings, service, token=tg.TOKEN, request=api, rate_limit=False)
    # A group of its own, ahead of the bot's: in one group only the first handler that matches runs.
    app.add_handler(TypeHandler(Update, mark), group=-2)
    await app.initialize()
    await app.start()
    lags: list[float] = []
    stop = asyncio.Event()
    tick = asyncio.create_task(ticker(lags, stop))
    arrived: dict[int, float] = {}
    started = time.perf_counter()
    for n, text in enumerate(asked):
        if rate:
            await asyncio.sleep(max(0.0, started + n / rate - time.perf_counter()))
        chat = FIRST_CHAT + n % chats
        update = tg.message(app.bot, text, chat_id=chat, user_id=chat)
        arrived[update.update_id] = time.perf_counter()
        await app.update_queue.put(update)
    # n questions put over n - 1 intervals
    offered = (len(asked) - 1) / max(time.perf_counter() - started, 1e-9) if rate else float("inf")
    deadline = time.perf_counter() + timeout
    while any(u not in api.replied for u in arrived) and time.perf_counter() < deadline:
        await asyncio.sleep(0.02)
    stop.set()
    await tick
    await app.stop()
    await app.shutdown()
    handlers.questions.off_loop = handlers.browse.off_loop = saved
    latencies = [api.replied[u] - at for u, at in arrived.items() if u in api.replied]
    last = max((api.replied[u] for u in arrived if u in api.replied), default=started)
    return {
        "questions": len(asked),
        "offered_per_s": offered,
        "lost": len(asked) - len(latencies),
        "apologies": api.apologies,
        "refused": len(api.refused),
        "per_s": len(latencies) / max(last - started, 1e-9),
        "p50_ms": 1000 * statistics.median(latencies) if latencies else float("nan"),
        "p95_ms": 1000 * _percentile(latencies, 0.95),
        "lag_p95_ms": 1000 * _percentile(lags, 0.95),
        "lag_max_ms": 1000 * max(lags, default=0.0),
    }


def layer_cost(service: Service, asked: list[str]) -> dict[str, float]:
    """Per question: answering alone, and the whole service call (plus recording the answer
    and the chat's facets), and rendering the Telegram HTML."""
    answer_ms, service_ms, render_ms = [], [], []
    for n, text in enumerate(asked):
        start = time.perf_counter()
        service.assistant.ask(text)
        answer_ms.append(time.perf_counter() - start)
        start = time.perf_counter()
        data = service.ask(text, chat_id=20_000 + n, user_id=1)
        service_ms.append(time.perf_counter() - start)
        start = time.perf_counter()
        render.answer_html(data)
        render_ms.append(time.perf_counter() - start)
    return {
        "answer_p50_ms": 1000 * statistics.median(answer_ms),
        "service_p50_ms": 1000 * statistics.median(service_ms),
        "state_p50_ms": 1000 * (statistics.median(service_ms) - statistics.median(answer_ms)),
        "render_p50_ms": 1000 * statistics.median(render_ms),
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--db", type=Path, help="an SQLite database with its index (default: a small one)"
    )
    parser.add_argument("--chats", type=int, default=50)
    parser.add_argument("--per-chat", type=int, default=20, help="questions each chat asks")
    parser.add_argument(
        "--rate", type=float, default=30.0, help="questions a second in the steady load"
    )
    parser.add_argument("--rtt-ms", type=float, default=30.0)
    parser.add_argument(
        "--timeout", type=float, default=60.0, help="seconds to wait for the last replies"
    )
    parser.add_argument(
        "--questions", type=Path, nargs="*", default=sorted((FIXTURES / "questions").glob("*.tsv"))
    )
    parser.add_argument("--json", action="store_true")
    return parser.parse_args(argv)


def measure(
    service: Service, asked: list[str], args: argparse.Namespace
) -> dict[str, dict[str, Any]]:
    rtt = args.rtt_ms / 1000
    results: dict[str, dict[str, Any]] = {}
    for name, rate in (("steady", args.rate), ("burst", None)):
        for setup, on_loop in (("ours", False), ("on-loop", True)):
            results[f"{name} {setup}"] = asyncio.run(
                load(
                    service,
                    asked,
                    chats=args.chats,
                    rate=rate,
                    rtt=rtt,
                    on_loop=on_loop,
                    timeout=args.timeout,
                )
            )
    return results


def report(result: dict[str, Any], args: argparse.Namespace) -> None:
    runs, cost = result["runs"], result["layer"]
    print(f"{args.chats} chats × {args.per_chat} questions, {result['reports']} reports, "
          f"Bot API round trip {args.rtt_ms:.0f} ms; steady = {args.rate:.0f} questions/s offered")  # fmt: skip
    print(f"{'':16} {'offered/s':>9} {'answers/s':>9} {'lost':>5} {'apol.':>5} {'refused':>7} {'p50':>8} "
          f"{'p95':>8} {'lag p95':>8} {'lag max':>8}")  # fmt: skip
    for name, m in runs.items():
        offered = "all" if m["offered_per_s"] == float("inf") else f"{m['offered_per_s']:.1f}"
        print(f"{name:16} {offered:>9} {m['per_s']:9.1f} {m['lost']:5d} {m['apologies']:5d} {m['refused']:7d} "
              f"{m['p50_ms']:6.0f}ms {m['p95_ms']:6.0f}ms {m['lag_p95_ms']:6.1f}ms {m['lag_max_ms']:6.1f}ms")  # fmt: skip
    for load_name in ("steady", "burst"):
        ours, other = runs[f"{load_name} ours"], runs[f"{load_name} on-loop"]
        print(f"ratio ours/on-loop, {load_name}: answers/s {ours['per_s'] / other['per_s']:.2f}×, "
              f"p95 {ours['p95_ms'] / other['p95_ms']:.2f}×, "
              f"loop lag p95 {ours['lag_p95_ms'] / max(other['lag_p95_ms'], 1e-9):.3f}×")  # fmt: skip
    steady = runs["steady ours"]
    held = steady["lost"] == 0 and steady["p95_ms"] <= 300 and steady["per_s"] >= 0.95 * args.rate
    print(
        f"goal (steady, ours: 0 lost, p95 ≤ 300 ms, {args.rate:.0f}/s sustained): {'met' if held else 'NOT met'}"
    )
    print(f"per question (p50): answering {cost['answer_p50_ms']:.1f} ms, with the chat state "
          f"{cost['service_p50_ms']:.1f} ms (state {cost['state_p50_ms']:.1f} ms), "
          f"Telegram HTML {cost['render_p50_ms']:.2f} ms")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    source = args.db or OUT / "bot.sqlite"
    if args.db is None:
        small_db(source)
    asked = questions(args.questions, args.chats * args.per_chat)
    with tempfile.TemporaryDirectory(prefix="mttq-bench-bot-") as folder:
        copy = Path(folder) / "bot.sqlite"
        shutil.copy(source, copy)
        index = Path(f"{source}.index")
        if index.is_dir():
            shutil.copytree(index, Path(f"{copy}.index"))
        service = Service(Assistant.open(f"sqlite:///{copy}"))
        service.assistant.ask(asked[0])  # warm: the first answer loads lazy tables
        runs = measure(service, asked, args)
        cost = layer_cost(service, asked[:100])
        reports = len(service.assistant.catalog.reports)
    result = {
        "reports": reports,
        "rtt_ms": args.rtt_ms,
        "rate": args.rate,
        "runs": runs,
        "layer": cost,
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        report(result, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
