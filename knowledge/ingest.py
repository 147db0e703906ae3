"""Ingest: read → clean → extract → store for files, folders and bulk JSON Lines.

Cleaning and extraction are CPU-bound and run in worker processes (both cores), kept fed
by a queue of documents read ahead; the parent process alone writes, several whole reports a
transaction (store.save_many), so a run killed at any moment leaves only whole reports
behind and a re-run completes it without duplicates.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy import exc as sa_exc

from knowledge import store
from knowledge.clean import clean
from knowledge.errors import EXTRACT_SECONDS, KnowledgeError, ReadError, time_limit
from knowledge.extract import Record, extract
from knowledge.read import RawDocument, iter_path

SAMPLES = "samples"
# A worker takes documents a few at a time (one round trip through the pool for several),
# fewer when they are long, so one worker never holds a folder's big files alone.
_CHUNK_DOCUMENTS = 16
_CHUNK_CHARACTERS = 64_000
# Chunks queued for each worker beyond the one it works on: it never waits for the parent.
_AHEAD = 3
# Reports stored a transaction: the last batch is lost to a kill -9 and done again by a
# re-run. A second bounds how long a stored report waits for its commit when documents come
# slowly (large PDFs).
_COMMIT_REPORTS = 64
_COMMIT_SECONDS = 1.0


@dataclass(slots=True)
class Failure:
    source: str
    reason: str
    detail: str


@dataclass(slots=True)
class Summary:
    added: list[store.Saved] = field(default_factory=list)
    replaced: list[store.Saved] = field(default_factory=list)
    duplicate: list[store.Saved] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[Failure] = field(default_factory=list)
    # Set when the database itself failed (disk full, I/O error, connection lost): the run
    # stopped there, because every later report would fail the same way.
    stopped: Failure | None = None

    @property
    def read(self) -> int:
        return len(self.added) + len(self.replaced) + len(self.duplicate) + len(self.unchanged)

    def as_dict(self) -> dict[str, object]:
        def saved(items: list[store.Saved]) -> list[dict[str, object]]:
            return [
                {"id": s.report_id, "source": s.source, "duplicate_of": s.duplicate_of}
                for s in items
            ]

        return {
            "added": saved(self.added),
            "replaced": saved(self.replaced),
            "duplicate": saved(self.duplicate),
            "unchanged": self.unchanged,
            "failed": [
                {"source": f.source, "reason": f.reason, "detail": f.detail} for f in self.failed
            ],
            "stopped": None
            if self.stopped is None
            else {
                "source": self.stopped.source,
                "reason": self.stopped.reason,
                "detail": self.stopped.detail,
            },
            "counts": {
                "stored": len(self.added) + len(self.replaced),
                "added": len(self.added),
                "replaced": len(self.replaced),
                "duplicate": len(self.duplicate),
                "unchanged": len(self.unchanged),
                "failed": len(self.failed),
            },
        }


Progress = Callable[[str], None]


def sample_paths() -> list[Path]:
    folder = resources.files("knowledge") / SAMPLES
    return sorted(Path(str(p)) for p in folder.iterdir() if p.name.endswith(".txt"))


def raw_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def process(document: RawDocument, *, seconds: float | None = EXTRACT_SECONDS) -> Record:
    """The CPU-bound part, run in a worker: clean and extract one document, within ``seconds``
    (TooSlow, reason too_slow, past them)."""
    with time_limit(seconds, source=document.source):
        return _clean_extract(document)


def _clean_extract(document: RawDocument) -> Record:
    cleaned = clean(document.text)
    if not cleaned.text.strip():
        raise ReadError(
            "empty", "no report text left after removing page chrome", source=document.source
        )
    return extract(cleaned, page_meta=document.meta)


Outcome = tuple[str, str, Record | Failure]  # source, raw hash ("" on failure), result


def _work(document: RawDocument, *, seconds: float | None) -> Outcome:
    try:
        return document.source, raw_hash(document.text), process(document, seconds=seconds)
    except KnowledgeError as error:
        return document.source, "", Failure(document.source, error.reason, error.detail)
    except Exception as error:
        return (
            document.source,
            "",
            Failure(document.source, "extract_failed", f"{type(error).__name__}: {error}"),
        )


def _work_chunk(documents: list[RawDocument], seconds: float | None) -> list[Outcome]:
    """In a worker: a chunk of documents, each on its own (its failure is its own)."""
    return [_work(document, seconds=seconds) for document in documents]


def documents(
    paths: Iterable[Path], *, sources: dict[Path, str] | None = None
) -> Iterator[RawDocument | ReadError]:
    for path in paths:
        for found in iter_path(path):
            if sources and isinstance(found, RawDocument) and path in sources:
                found = RawDocument(sources[path], found.text, found.fmt, found.meta)
            yield found


def ingest(
    engine: Engine,
    inputs: Iterable[RawDocument | ReadError],
    *,
    workers: int | None = None,
    on_progress: Progress | None = None,
    extract_seconds: float | None = EXTRACT_SECONDS,
) -> Summary:
    """Store every document of ``inputs``; reading errors are recorded, never raised. A document
    whose cleaning and extraction takes over ``extract_seconds`` fails (too_slow)."""
    summary = Summary()
    workers = workers if workers is not None else min(2, os.cpu_count() or 1)
    pending = _fresh(engine, inputs, summary, on_progress)
    outcomes = _processed(pending, workers, extract_seconds)
    writer = _Writer(engine, summary, on_progress)
    try:
        for source, digest, outcome in outcomes:
            if isinstance(outcome, Failure):
                summary.failed.append(outcome)
                if on_progress:
                    on_progress(source)
            else:
                writer.add(store.Entry(outcome, source, digest))
            if summary.stopped is not None:
                break
        writer.flush()
    except BaseException:
        writer.flush()  # interrupted (Ctrl-C, a worker died): what was extracted is whole
        raise
    finally:
        outcomes.close()  # stops the workers at once when the run stopped early
    return summary


def _fresh(
    engine: Engine,
    inputs: Iterable[RawDocument | ReadError],
    summary: Summary,
    on_progress: Progress | None,
) -> Iterator[RawDocument]:
    """Documents not yet stored as they are; the rest are counted without extraction. The
    stored versions are looked up for a few hundred documents at a time."""
    for read in _read_ahead(inputs):
        known = store.known_sources(engine, [f.source for f in read if isinstance(f, RawDocument)])
        for found in read:
            if isinstance(found, ReadError):
                summary.failed.append(Failure(found.source or "?", found.reason, found.detail))
            elif found.source in known and known[found.source] == raw_hash(found.text):
                summary.unchanged.append(found.source)
            else:
                yield found
                continue
            if on_progress:
                on_progress(found.source or "?")


# Documents read before their stored versions are looked up: one query for a few hundred,
# and never more than a few megabytes of text held for it.
_LOOKUP_DOCUMENTS = 256
_LOOKUP_CHARACTERS = 4_000_000


def _read_ahead(
    inputs: Iterable[RawDocument | ReadError],
) -> Iterator[list[RawDocument | ReadError]]:
    read: list[RawDocument | ReadError] = []
    characters = 0
    for found in inputs:
        read.append(found)
        characters += len(found.text) if isinstance(found, RawDocument) else 0
        if len(read) >= _LOOKUP_DOCUMENTS or characters >= _LOOKUP_CHARACTERS:
            yield read
            read, characters = [], 0
    if read:
        yield read


def _processed(
    documents: Iterator[RawDocument], workers: int, seconds: float | None
) -> Generator[Outcome, None, None]:
    """Each document's outcome, in the order of ``documents``."""
    if workers <= 1:
        for document in documents:
            yield _work(document, seconds=seconds)
        return
    # fork shares the imported modules (the tone table, the gazetteer) with the workers.
    context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
    pool = ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_watch_parent, initargs=(os.getpid(),)
    )
    # Chunks submitted and not yet handed back, oldest first: the workers always have the
    # next ones queued while the parent reads and stores (a pool.map over batches left them
    # idle while the parent read each batch, and the parent idle waiting for a batch's last).
    queued: deque[Future[list[Outcome]]] = deque()
    try:
        for chunk in _chunks(documents):
            queued.append(pool.submit(_work_chunk, chunk, seconds))
            if len(queued) > _AHEAD * workers:
                yield from queued.popleft().result()
        while queued:
            yield from queued.popleft().result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _chunks(documents: Iterator[RawDocument]) -> Iterator[list[RawDocument]]:
    chunk: list[RawDocument] = []
    characters = 0
    for document in documents:
        chunk.append(document)
        characters += len(document.text)
        if len(chunk) >= _CHUNK_DOCUMENTS or characters >= _CHUNK_CHARACTERS:
            yield chunk
            chunk, characters = [], 0
    if chunk:
        yield chunk


class _Writer:
    """Stores extracted reports a batch at a time (store.save_many: all or none of a batch),
    counting each in the summary and calling on_progress only once its batch is committed."""

    def __init__(self, engine: Engine, summary: Summary, on_progress: Progress | None) -> None:
        self.engine = engine
        self.summary = summary
        self.on_progress = on_progress
        self.pending: list[store.Entry] = []
        self.since = 0.0

    def add(self, entry: store.Entry) -> None:
        if not self.pending:
            self.since = time.monotonic()
        self.pending.append(entry)
        if len(self.pending) >= _COMMIT_REPORTS or time.monotonic() - self.since >= _COMMIT_SECONDS:
            self.flush()

    def flush(self) -> None:
        entries, self.pending = self.pending, []
        if not entries or self.summary.stopped is not None:
            return
        try:
            saved = store.save_many(self.engine, entries)
        except Exception as error:
            if _database_fault(error):
                # Nothing of this batch was stored; the run stops before it.
                self.summary.stopped = Failure(
                    entries[0].source, "database_unavailable", _describe(error)
                )
                return
            # One report's own fault (a value the database refused): each alone, so that
            # report is the only one to fail.
            for entry in entries:
                self._count(entry.source, _save_alone(self.engine, entry, self.summary))
                if self.summary.stopped is not None:
                    return
            return
        for entry, one in zip(entries, saved, strict=True):
            self._count(entry.source, one)

    def _count(self, source: str, saved: store.Saved | None) -> None:
        if saved is not None:
            bucket = {
                "added": self.summary.added,
                "replaced": self.summary.replaced,
                "duplicate": self.summary.duplicate,
            }
            if saved.status == "unchanged":
                self.summary.unchanged.append(source)
            else:
                bucket[saved.status].append(saved)
        if self.on_progress:
            self.on_progress(source)


_PARENT_POLL_SECONDS = 0.5


def _watch_parent(parent: int) -> None:
    """In each worker: exit as soon as the ingest that started it is gone. A parent killed
    with SIGKILL cannot stop its workers, and orphans would keep extracting for nobody.
    Polling the parent id works wherever the worker runs (PR_SET_PDEATHSIG would fire when
    the forking *thread* ends, which in the bot is a short-lived worker thread)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(_PARENT_POLL_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _describe(error: Exception) -> str:
    # SQLAlchemy's message carries the SQL and a help link; the driver's own line says it.
    cause = error.orig if isinstance(error, sa_exc.DBAPIError) and error.orig else error
    return f"{type(cause).__name__}: {cause}".splitlines()[0]


def _database_fault(error: Exception) -> bool:
    """The database failed, not the document: disk full, I/O error, lost connection, locked
    or read-only database. Only a constraint or a value the database refused is the
    document's own fault; anything else would fail every later report too."""
    if isinstance(error, sa_exc.IntegrityError | sa_exc.DataError):
        return False
    return isinstance(error, sa_exc.DBAPIError | sa_exc.DisconnectionError | OSError)


def _save_alone(engine: Engine, entry: store.Entry, summary: Summary) -> store.Saved | None:
    """One report in its own transaction; a failure is counted in the summary (None)."""
    try:
        return store.save(engine, entry.record, source=entry.source, raw_hash=entry.raw_hash)
    except Exception as error:
        failure = Failure(entry.source, "store_failed", _describe(error))
        if _database_fault(error):
            failure.reason = "database_unavailable"
            summary.stopped = failure
        else:
            summary.failed.append(failure)
        return None
