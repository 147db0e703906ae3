"""The `mttq` command line (typer): run, ingest, ask, chat, eval, show, reports, delete.

Human output is Vietnamese (from handlers.render); `--json` output is for machines. Exit
codes: 0 when anything was done, 1 when nothing could be read or found, 2 for bad usage.
"""

from __future__ import annotations

import gc
import json
import logging
import multiprocessing
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import ValidationError

from bot import answering
from bot.settings import get_settings
from handlers import render
from knowledge import store
from knowledge.errors import KnowledgeError, StoreError

if TYPE_CHECKING:
    from rich.progress import Progress

# Each command imports what only it needs (ingest: the readers, rich's progress bar; run:
# Telegram): `mttq ask` pays for none of them before its first answer.

app = typer.Typer(
    help="Trợ lý MTTQ: nạp báo cáo, hỏi đáp, xem bản ghi đã trích xuất.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def _logging() -> None:
    """LOG_LEVEL on stderr. ``force``: a library may have configured logging when imported
    (underthesea's pipeline calls basicConfig), which would make ours do nothing."""
    logging.basicConfig(
        level=get_settings().log_level, stream=sys.stderr, format=LOG_FORMAT, force=True
    )


def _engine(*, read_only: bool = False) -> Any:
    """The configured database; ``read_only`` commands also work on one that cannot be
    written (a read-only folder), the others stop at once saying why."""
    _logging()
    return store.connect(get_settings().database_url, read_only=read_only)


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


@app.command("ingest")
def ingest_command(
    paths: Annotated[list[Path] | None, typer.Argument(help="Files or folders")] = None,
    samples: Annotated[
        bool, typer.Option("--samples", help="Load the bundled sample reports")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON")] = False,
    workers: Annotated[
        int | None, typer.Option(help="Worker processes (default INGEST_WORKERS)")
    ] = None,
) -> None:
    """Read, clean, extract and store reports (.txt .html .docx .pdf .jsonl .jsonl.gz, folders)."""
    if not paths and not samples:
        typer.echo(render.ingest_usage(), err=True)
        raise typer.Exit(2)
    from knowledge.ingest import ingest

    settings = get_settings()
    engine = _engine()
    inputs = _inputs(paths or [], samples, max_bytes=int(settings.max_document_mb * 1_000_000))
    # What is loaded now lives as long as the command: the collector's full passes need not
    # walk it again and again (a tenth of the writer's time), nor touch the workers' copies.
    gc.freeze()
    with _indexing_alongside(engine, settings), _progress(enabled=sys.stderr.isatty()) as progress:
        task = progress.add_task("Đang nạp", total=None)
        summary = ingest(
            engine,
            inputs,
            workers=workers or settings.ingest_workers,
            on_progress=lambda _source: progress.advance(task),
            extract_seconds=settings.extract_seconds,
        )
    if summary.stopped is None:
        _index(engine, settings)
    result = summary.as_dict()
    if as_json:
        _print_json(result)
    else:
        typer.echo(render.ingest_summary(result))
    if summary.stopped is not None:
        # The database failed mid-run: what was stored is whole; a re-run completes the rest.
        raise typer.Exit(1)
    if summary.read == 0 and summary.failed:
        if not as_json:
            typer.echo(render.nothing_read(), err=True)
        raise typer.Exit(1)


def _index(engine: Any, settings: Any) -> None:
    """Bring the search index up to date now, so the next question starts without waiting."""
    from knowledge.index import PassageIndex, index_path

    PassageIndex(engine, index_path(settings.database_url, settings.index_dir)).sync(force=True)


# How often the index follows an ingest still running: each catch-up commits the index, so
# seconds rather than reports.
_INDEX_EVERY_SECONDS = 2.0
_INHERITED: list[Any] = []  # in the index follower: the parent's connection pool, untouched


@contextmanager
def _indexing_alongside(engine: Any, settings: Any) -> Iterator[None]:
    """While the block ingests, a child process brings the index up to date every few
    seconds: its one writer thread shares the cores with the ingest, where indexing after it
    kept one core idle for a fifth of the run. The index follows the database's change log,
    so it only ever sees committed reports; the final _index() after the block catches up
    with the last ones and checks the whole. A child needs fork (it shares the engine and the
    loaded modules); elsewhere the index is built after the ingest only."""
    if "fork" not in multiprocessing.get_all_start_methods() or store.in_memory(
        settings.database_url
    ):
        yield
        return
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    follower = context.Process(
        target=_follow_index,
        args=(engine, settings, receiver, sender),
        name="mttq-index",
        daemon=True,
    )
    follower.start()
    receiver.close()
    try:
        yield
    finally:
        sender.close()  # the follower stops at its next look; it also stops if we are killed
        follower.join()


def _follow_index(engine: Any, settings: Any, receiver: Any, sender: Any) -> None:
    """In the child: catch up with the change log until the parent closes the pipe (or
    dies: the pipe closes with it)."""
    sender.close()  # else our own copy would keep the pipe open after the parent is gone
    # The parent's connections stay the parent's: a new pool here, and the inherited one kept
    # referenced so no finalizer closes its connections (the process ends with os._exit).
    _INHERITED.append(engine.pool)
    engine.dispose(close=False)
    from knowledge.index import PassageIndex, index_path

    try:
        index = PassageIndex(engine, index_path(settings.database_url, settings.index_dir))
        while not receiver.poll(_INDEX_EVERY_SECONDS):
            index.sync(force=True)
    except KeyboardInterrupt:  # Ctrl-C reaches the whole process group: the parent handles it
        pass
    except Exception as error:  # the final sync in the parent says what is wrong
        logging.getLogger(__name__).info("index follower stopped: %s", error)


def _inputs(paths: list[Path], samples: bool, *, max_bytes: int) -> Any:
    from knowledge.ingest import documents, sample_paths
    from knowledge.read import iter_path

    def generate() -> Any:
        if samples:
            # Bundled samples are cited by file name, as the evaluation files name them.
            bundled = sample_paths()
            yield from documents(bundled, sources={p: p.name for p in bundled})
        for path in paths:
            yield from iter_path(path, max_bytes=max_bytes)

    return generate()


def _progress(*, enabled: bool) -> Progress:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        transient=True,
        disable=not enabled,
    )


@app.command("ask")
def ask_command(
    question: Annotated[
        str | None, typer.Argument(help="The question; none: one a line from stdin")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON (JSON Lines from stdin)")
    ] = False,
    context: Annotated[
        str | None, typer.Option(help="The previous answer's context (JSON), for a follow-up")
    ] = None,
) -> None:
    """Answer a question (or every line of standard input) from the stored reports."""
    _logging()
    assistant, _ = answering.open_assistant(read_only=True)
    previous = _context(context)
    questions = [question] if question is not None else (line.rstrip("\n") for line in sys.stdin)
    for text in questions:
        if question is None and not text.strip():
            continue
        data = answering.as_json(assistant.ask(text, context=previous))
        if as_json:
            typer.echo(json.dumps(data, ensure_ascii=False, indent=None if question is None else 2))
        else:
            answer = data["answer"]
            typer.echo(answer if question is not None else " | ".join(answer.splitlines()))


def _context(raw: str | None) -> dict[str, Any] | None:
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except ValueError as error:
        typer.echo(render.error("bad_context", str(error)), err=True)
        raise typer.Exit(2) from None
    if not isinstance(value, dict):
        typer.echo(render.error("bad_context", "expected a JSON object"), err=True)
        raise typer.Exit(2)
    return value


@app.command("chat")
def chat_command() -> None:
    """Interactive console chat (loads the bundled samples into an empty database first)."""
    _logging()
    assistant, loaded = answering.open_assistant(load_samples=True, read_only=True)
    interactive = sys.stdin.isatty()
    if loaded:
        typer.echo(render.samples_loaded(loaded), err=not interactive)
    if interactive:
        typer.echo(render.chat_greeting(assistant.overview()))
    context: dict[str, Any] | None = None
    while True:
        try:
            line = input(render.chat_prompt() if interactive else "")
        except (EOFError, KeyboardInterrupt):
            break
        if line.strip().lower() in {"thoát", "thoat", "exit", "quit"}:
            break
        if not line.strip():
            continue
        answer = assistant.ask(line, context=context)
        context = answer.context or context
        typer.echo(render.answer(answer.to_dict()) + "\n")
    if interactive:
        typer.echo(render.chat_bye())


@app.command("eval")
def eval_command(
    path: Annotated[
        Path, typer.Argument(help="Questions TSV (id, question, expected_source, must_match)")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="List every failure")] = False,
    split: Annotated[
        str | None, typer.Option(help="Only this half of a real question set: tune or heldout")
    ] = None,
) -> None:
    """Score a question file: hit@1 on the source, must_match, no-answer rows, latency."""
    _logging()
    try:
        rows = answering.read_questions(path)
        if split is not None:
            rows = [r for r in rows if (r.get("split") or "").strip() == split]
    except (OSError, ValueError) as error:
        typer.echo(render.error("bad_questions", str(error)), err=True)
        raise typer.Exit(1) from None
    assistant, _ = answering.open_assistant(read_only=True)
    result = answering.evaluate(assistant, rows)
    if as_json:
        _print_json(result if verbose else {k: v for k, v in result.items() if k != "failures"})
        return
    typer.echo(render.eval_summary(result))
    if verbose:
        for failure in result["failures"]:
            typer.echo(render.eval_failure(failure))


@app.command("show")
def show_command(
    id_or_source: Annotated[str, typer.Argument(help="Report id, or its source path / file name")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the full record as JSON")] = False,
) -> None:
    """Show one stored report."""
    try:
        report = store.find(_engine(read_only=True), id_or_source)
    except StoreError as error:
        typer.echo(render.error(error.reason, error.detail), err=True)
        raise typer.Exit(1) from None
    if as_json:
        _print_json(report)
    else:
        typer.echo(render.report_card(report))


@app.command("reports")
def reports_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON")] = False,
) -> None:
    """List stored reports."""
    rows = store.list_reports(_engine(read_only=True))
    if as_json:
        _print_json(rows)
    else:
        typer.echo(render.report_list(rows))


@app.command("delete")
def delete_command(report_id: Annotated[int, typer.Argument(help="Report id")]) -> None:
    """Delete one report and everything extracted from it."""
    engine = _engine()
    if store.delete_report(engine, report_id):
        _index(engine, get_settings())
        typer.echo(render.deleted(report_id))
    else:
        typer.echo(render.not_deleted(report_id), err=True)
        raise typer.Exit(1)


@app.command("run")
def run_command(
    webhook: Annotated[
        bool,
        typer.Option("--webhook", help="Receive updates by webhook (WEBHOOK_URL, WEBHOOK_SECRET)"),
    ] = False,
) -> None:
    """Run the Telegram bot (long polling by default); with no TELEGRAM_BOT_TOKEN, the console chat."""
    _logging()
    settings = get_settings()
    if settings.telegram_bot_token is None:
        typer.echo(render.no_token_hint(), err=True)
        chat_command()
        return
    # Imported here: the console commands need neither Telegram nor its HTTP stack.
    from telegram.error import InvalidToken, NetworkError

    from bot.app import (
        SettingsError,
        build,
        check,
        download_limit,
        quiet_logs,
        run_polling,
        run_webhook,
    )
    from knowledge.service import Service

    try:
        token = check(settings, webhook=webhook)
    except SettingsError as error:
        typer.echo(render.bad_settings(str(error)), err=True)
        raise typer.Exit(2) from None
    quiet_logs(token)
    assistant, loaded = answering.open_assistant(load_samples=True)
    if loaded:
        typer.echo(render.samples_loaded(loaded), err=True)
    application = build(
        settings, Service(assistant, max_bytes=download_limit(settings)), token=token
    )
    ready = application.post_init

    async def announce(app: Any) -> None:  # once Telegram has accepted the token
        if ready is not None:
            await ready(app)
        typer.echo(
            render.bot_starting(
                "webhook" if webhook else "polling", len(assistant.catalog.reports)
            ),
            err=True,
        )

    application.post_init = announce
    try:
        if webhook:
            run_webhook(application, settings)
        else:
            run_polling(application)
    except InvalidToken:
        typer.echo(render.token_refused(), err=True)
        raise typer.Exit(2) from None
    except NetworkError as error:
        typer.echo(
            render.telegram_unreachable(settings.telegram_api_base_url, type(error).__name__),
            err=True,
        )
        raise typer.Exit(1) from None


def main(args: list[str] | None = None) -> None:
    try:
        app(args)
    except ValidationError as error:  # a bad value in .env or the environment
        from bot.settings import problems

        for problem in problems(error):
            typer.echo(render.bad_setting(problem), err=True)
        raise SystemExit(2) from None
    except KnowledgeError as error:  # the database or the index cannot be opened as configured
        typer.echo(render.error(error.reason, error.detail), err=True)
        raise SystemExit(1) from None


def main_run() -> None:
    """`python -m bot [--webhook]` runs the bot (the console chat without a token); given a
    command first (`python -m bot ingest …`) it is the `mttq` command line."""
    args = sys.argv[1:]
    commands = {command.name for command in app.registered_commands}
    main(args if args[:1] and args[0] in commands | {"--help"} else ["run", *args])


if __name__ == "__main__":
    main()
