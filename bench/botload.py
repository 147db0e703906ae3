"""Bot benchmark: many chats asking at once, through the real Application and handlers.

    python bench/botload.py [--db PATH] [--chats N] [--rtt-ms MS] [--questions FILE ...] [--json]

Every question of the question files is sent as a private message from one of ``--chats``
chats, all at once, through python-telegram-bot's Application (handlers, rendering, the
database state of each answer) to an offline Bot API that answers each call after
``--rtt-ms`` (Telegram's round trip). Two set-ups run side by side in this one process:

- ours: answers computed in worker threads (handlers.common.off_loop), 8 updates at a time;
- on-loop: the same handlers with the answer computed on the event loop (what a handler that
  calls the synchronous knowledge layer directly would do).

Measured for each: the burst's wall time and answers/s; each question's latency from its
update to its answer sent (p50/p95); the event loop's lag (a 10 ms ticker's delay: how long
every other chat waits, e.g. for a button press or /help) p95 and max; and, for ours, the bot
layer's own cost per question (recording the answer and the chat's facets, rendering) beside
the answering itself. Telegram's flood limiter is off so the bot itself is measured.

The database: ``--db`` (e.g. bench/out/answer.sqlite, the 35,440 articles built by
bench/answer.py), else bench/out/bot.sqlite built from the samples and the 24 Front articles of
tests/fixtures. Each run works on a copy, so the recorded answers do not accumulate.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the offline Bot API of the tests

from bot.app import build  # noqa: E402
from bot.settings import Settings  # noqa: E402
from knowledge import store  # noqa: E402
from knowledge.assistant import Assistant  # noqa: E402
from knowledge.ingest import documents, ingest, sample_paths  # noqa: E402
from knowledge.read import iter_path  # noqa: E402
from knowledge.service import Service  # noqa: E402
from tests import telegram_fake as tg  # noqa: E402

OUT = ROOT / "bench" / "out"
FIXTURES = ROOT / "tests" / "fixtures"


class SlowBotAPI(tg.FakeBotAPI):
    """The offline Bot API with a network round trip."""

    def __init__(self, rtt: float) -> None:
        super().__init__()
        self.rtt = rtt
        self.sent_at: dict[int, float] = {}  # chat → when its last answer was sent

    async def do_request(self, url: str, method: str, request_data: Any = None, **kwargs: Any) -> tuple[int, bytes]:
        await asyncio.sleep(self.rtt)
        result = await super().do_request(url, method, request_data, **kwargs)
        if url.endswith("/sendMessage") and request_data is not None:
            self.sent_at[int(request_data.parameters["chat_id"])] = time.perf_counter()
        return result


def small_db(path: Path) -> None:
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = store.connect(f"sqlite:///{path}")
    seeds = sample_paths()
    ingest(engine, documents(seeds, sources={p: p.name for p in seeds}), workers=1)
    ingest(engine, iter_path(FIXTURES / "reports" / "baomoi_mttq.jsonl"), workers=1)
    engine.dispose()


def questions(files: list[Path]) -> list[str]:
    found: list[str] = []
    for file in files:
        with file.open(encoding="utf-8-sig", newline="") as handle:
            found += [row["question"] for row in csv.DictReader(handle, delimiter="\t")]
    return found


async def ticker(lags: list[float], stop: asyncio.Event, every: float = 0.01) -> None:
    while not stop.is_set():
        before = time.perf_counter()
        await asyncio.sleep(every)
        lags.append(time.perf_counter() - before - every)


async def burst(service: Service, asked: list[str], *, chats: int, rtt: float, on_loop: bool) -> dict[str, Any]:
    import handlers.browse
    import handlers.questions

    async def inline(function: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        return function(*args, **kwargs)  # the event loop waits for the answer

    saved = handlers.questions.off_loop
    if on_loop:
        handlers.questions.off_loop = handlers.browse.off_loop = inline  # type: ignore[assignment]
    api = SlowBotAPI(rtt)
    settings = Settings(_env_file=None, telegram_bot_token=tg.TOKEN, admin_ids=[1])  # type: ignore[call-arg]
    app = build(settings, service, token=tg.TOKEN, request=api, rate_limit=False)
    await app.initialize()
    lags: list[float] = []
    stop = asyncio.Event()
    tick = asyncio.create_task(ticker(lags, stop))
    latencies: list[float] = []
    gate = asyncio.Semaphore(8)  # PTB's concurrent_updates: at most 8 updates at a time

    async def one(n: int, text: str) -> None:
        chat = 10_000 + n % chats
        async with gate:
            start = time.perf_counter()
            await app.process_update(tg.message(app.bot, text, chat_id=chat, user_id=chat))
            latencies.append(api.sent_at.get(chat, time.perf_counter()) - start)

    started = time.perf_counter()
    await asyncio.gather(*(one(n, text) for n, text in enumerate(asked)))
    wall = time.perf_counter() - started
    stop.set()
    await tick
    await app.shutdown()
    handlers.questions.off_loop = handlers.browse.off_loop = saved
    return {
        "questions": len(asked),
        "wall_s": wall,
        "per_s": len(asked) / wall,
        "p50_ms": 1000 * statistics.median(latencies),
        "p95_ms": 1000 * sorted(latencies)[int(0.95 * (len(latencies) - 1))],
        "lag_p95_ms": 1000 * sorted(lags)[int(0.95 * (len(lags) - 1))] if lags else 0.0,
        "lag_max_ms": 1000 * max(lags, default=0.0),
    }


def layer_cost(service: Service, asked: list[str]) -> dict[str, float]:
    """Per question: answering alone, and the whole service call (plus recording the answer
    and the chat's facets), and rendering the Telegram HTML."""
    from handlers import render

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
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, help="an SQLite database with its index (default: a small one)")
    parser.add_argument("--chats", type=int, default=50)
    parser.add_argument("--rtt-ms", type=float, default=30.0)
    parser.add_argument("--questions", type=Path, nargs="*", default=sorted((FIXTURES / "questions").glob("*.tsv")))
    parser.add_argument("--json", action="store_true")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    source = args.db or OUT / "bot.sqlite"
    if args.db is None:
        small_db(source)
    asked = questions(args.questions)
    with tempfile.TemporaryDirectory(prefix="mttq-bench-bot-") as folder:
        copy = Path(folder) / "bot.sqlite"
        shutil.copy(source, copy)
        index = Path(f"{source}.index")
        if index.is_dir():
            shutil.copytree(index, Path(f"{copy}.index"))
        service = Service(Assistant.open(f"sqlite:///{copy}"))
        service.assistant.ask(asked[0])  # warm: the first answer loads lazy tables
        rtt = args.rtt_ms / 1000
        ours = asyncio.run(burst(service, asked, chats=args.chats, rtt=rtt, on_loop=False))
        blocking = asyncio.run(burst(service, asked, chats=args.chats, rtt=rtt, on_loop=True))
        cost = layer_cost(service, asked[:100])
        reports = len(service.assistant.catalog.reports)
    result = {"reports": reports, "rtt_ms": args.rtt_ms, "ours": ours, "on_loop": blocking, "layer": cost}
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"{len(asked)} questions from {args.chats} chats at once, {reports} reports, Bot API round trip {args.rtt_ms:.0f} ms")
    print(f"{'':10} {'wall':>8} {'answers/s':>10} {'p50':>9} {'p95':>9} {'loop lag p95':>13} {'lag max':>9}")
    for name, m in (("ours", ours), ("on-loop", blocking)):
        print(f"{name:10} {m['wall_s']:7.2f}s {m['per_s']:10.1f} {m['p50_ms']:7.0f}ms {m['p95_ms']:7.0f}ms "
              f"{m['lag_p95_ms']:11.1f}ms {m['lag_max_ms']:7.1f}ms")
    print(f"ratio ours/on-loop: wall {ours['wall_s'] / blocking['wall_s']:.2f}×, "
          f"p95 {ours['p95_ms'] / blocking['p95_ms']:.2f}×, loop lag p95 "
          f"{ours['lag_p95_ms'] / max(blocking['lag_p95_ms'], 1e-9):.3f}×")
    print(f"per question (p50): answering {cost['answer_p50_ms']:.1f} ms, with the chat state "
          f"{cost['service_p50_ms']:.1f} ms (state {cost['state_p50_ms']:.1f} ms), Telegram HTML {cost['render_p50_ms']:.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
