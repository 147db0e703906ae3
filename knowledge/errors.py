"""Errors raised for bad input, and the time one document's cleaning and extraction may take.

Each error carries a machine-readable ``reason`` (the renderer turns it into Vietnamese for users)
and a precise English ``detail`` for admins and the CLI.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


class KnowledgeError(Exception):
    """Base of every input error the knowledge layer raises on purpose."""

    def __init__(self, reason: str, detail: str, *, source: str | None = None) -> None:
        super().__init__(f"{source}: {detail}" if source else detail)
        self.reason = reason
        self.detail = detail
        self.source = source


class ReadError(KnowledgeError):
    """A file could not be read into text (missing, binary, no text layer, corrupt...)."""


class StoreError(KnowledgeError):
    """A report could not be stored or found."""


class IndexUnavailable(KnowledgeError):
    """The search index cannot be opened as configured (missing where it cannot be built)."""


class TooSlow(KnowledgeError):
    """Cleaning and extracting one document took longer than its limit (EXTRACT_SECONDS)."""


# The time limit of the document being cleaned and extracted in this thread, if any.
#
# Checked cooperatively (check_time() in the loops of clean and extract) rather than with a
# signal: SIGALRM reaches only a process's main thread, while documents are also extracted
# in threads (the bot's uploads, workers=1 ingests under the bot) besides the ingest worker
# processes. A context variable is per thread (and per asyncio task), so each document has
# its own limit wherever it runs, and a limit cannot leak into other work. The cost: a step
# that reaches no check (one regular expression over one very long sentence) runs to its
# end; every step is linear in the text, so that overshoot is bounded (about a second per
# megabyte of the longest sentence).
#
# The limit counts the thread's CPU time, not the clock: a document that passes on a quiet
# machine passes on a busy one, and a bot thread waiting for the GIL is not charged for it.
# Reading that clock is a system call (~0.6 µs), so checks look at it at most every 20 ms of
# the (cheap) monotonic clock.
@dataclass(slots=True)
class _Limit:
    deadline: float  # thread CPU time
    seconds: float
    source: str | None
    next_look: float = 0.0  # monotonic time of the next CPU-time reading


_LOOK_EVERY = 0.02
# How long cleaning and extracting one document may take by default (EXTRACT_SECONDS): a
# report of 100 KB takes about 0.1 s, a megabyte of the densest text about 1.2 s
# (bench/extract.py), so the largest file ingest accepts (MAX_DOCUMENT_MB, 20) fits.
EXTRACT_SECONDS = 30.0
_LIMIT: ContextVar[_Limit | None] = ContextVar("knowledge_time_limit", default=None)


@contextmanager
def time_limit(seconds: float | None, *, source: str | None = None) -> Iterator[None]:
    """Within the block, check_time() raises TooSlow once this thread has spent ``seconds``
    of CPU time (None or 0: no limit)."""
    limit = _Limit(time.thread_time() + seconds, seconds, source) if seconds else None
    token = _LIMIT.set(limit)
    try:
        yield
    finally:
        _LIMIT.reset(token)


def check_time() -> None:
    """Raise TooSlow when the current document's time limit has passed; cheap enough to call
    for every line and sentence."""
    limit = _LIMIT.get()
    if limit is None:
        return
    now = time.monotonic()
    if now < limit.next_look:
        return
    limit.next_look = now + _LOOK_EVERY
    if time.thread_time() > limit.deadline:
        raise TooSlow(
            "too_slow",
            f"cleaning and extraction took longer than {limit.seconds:g} s of CPU time"
            " (EXTRACT_SECONDS)",
            source=limit.source,
        )
