"""Errors raised for bad input.

Each carries a machine-readable ``reason`` (the renderer turns it into Vietnamese for users)
and a precise English ``detail`` for admins and the CLI.
"""

from __future__ import annotations


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
