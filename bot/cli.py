"""The `mttq` command line (typer): ingest, show, reports, delete.

Human output is Vietnamese (from handlers.render); `--json` output is for machines. Exit
codes: 0 when anything was done, 1 when nothing could be read or found, 2 for bad usage.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from bot.settings import get_settings
from handlers import render
from knowledge import store
from knowledge.errors import StoreError
from knowledge.ingest import documents, ingest, sample_paths
from knowledge.read import iter_path

app = typer.Typer(
    help="Trợ lý MTTQ: nạp báo cáo, xem bản ghi đã trích xuất.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _engine() -> Any:
    settings = get_settings()
    logging.basicConfig(level=settings.log_level.upper(), stream=sys.stderr)
    return store.connect(settings.database_url)


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
    settings = get_settings()
    engine = _engine()
    inputs = _inputs(paths or [], samples, max_bytes=int(settings.max_document_mb * 1_000_000))
    with _progress(enabled=sys.stderr.isatty()) as progress:
        task = progress.add_task("Đang nạp", total=None)
        summary = ingest(
            engine,
            inputs,
            workers=workers or settings.ingest_workers,
            on_progress=lambda _source: progress.advance(task),
        )
    result = summary.as_dict()
    if as_json:
        _print_json(result)
    else:
        typer.echo(render.ingest_summary(result))
    if summary.read == 0 and summary.failed:
        if not as_json:
            typer.echo(render.nothing_read(), err=True)
        raise typer.Exit(1)


def _inputs(paths: list[Path], samples: bool, *, max_bytes: int) -> Any:
    def generate() -> Any:
        if samples:
            # Bundled samples are cited by file name, as the evaluation files name them.
            bundled = sample_paths()
            yield from documents(bundled, sources={p: p.name for p in bundled})
        for path in paths:
            yield from iter_path(path, max_bytes=max_bytes)

    return generate()


def _progress(*, enabled: bool) -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        transient=True,
        disable=not enabled,
    )


@app.command("show")
def show_command(
    id_or_source: Annotated[str, typer.Argument(help="Report id, or its source path / file name")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the full record as JSON")] = False,
) -> None:
    """Show one stored report."""
    try:
        report = store.find(_engine(), id_or_source)
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
    rows = store.list_reports(_engine())
    if as_json:
        _print_json(rows)
    else:
        typer.echo(render.report_list(rows))


@app.command("delete")
def delete_command(report_id: Annotated[int, typer.Argument(help="Report id")]) -> None:
    """Delete one report and everything extracted from it."""
    if store.delete_report(_engine(), report_id):
        typer.echo(render.deleted(report_id))
    else:
        typer.echo(render.not_deleted(report_id), err=True)
        raise typer.Exit(1)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
