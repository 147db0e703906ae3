"""Reports loaded through the bot: a document is read and extracted for a preview, held in
the database until the admin confirms (Lưu) or drops it (Hủy), then stored by the same
ingest as the CLI. Loads and deletions go to the audit log.

The file is held in the database rather than in memory or on one machine's disk, so the
instance that receives the "Lưu" press need not be the one that received the document.

A button carries only an id, and any client can send any id from any chat: an upload is
bound to the admin who sent it and the chat of its preview, and a deletion asked with /xoa
is held as a row bound to the admin who asked and their chat; a press from anyone or
anywhere else finds nothing and changes nothing.

A file's name is the sender's to choose ("..", a NUL byte, 300 letters): the report is cited
by a cleaned copy of it (`safe_name`), and the file is read under a fixed name that keeps
only the suffix deciding its format (`stored_name`).
"""

from __future__ import annotations

import re
import tempfile
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Engine, delete, func, select, update
from sqlmodel import Session, col

from knowledge import store
from knowledge.errors import KnowledgeError, ReadError
from knowledge.ingest import Summary, ingest, process, raw_hash
from knowledge.models import Audit, Deletion, Report, Upload
from knowledge.read import SUPPORTED_SUFFIXES, RawDocument, iter_path

SHOWN = 5  # reports of a JSON Lines file described one by one in a preview
KEPT = timedelta(days=2)  # an unconfirmed upload (or deletion) is dropped after this
NAME_CHARS = 120  # characters of a file's name kept to show and cite it by
FALLBACK_NAME = "tai-lieu.txt"  # a file sent with no usable name is read as text
STORED_STEM = "tai-lieu"


@dataclass(slots=True)
class Held:
    upload_id: int
    user_id: int
    file_name: str
    status: str
    data: bytes = b""  # only to whoever claimed it


@dataclass(slots=True)
class Pending:
    """A deletion asked with /xoa, as its confirmation buttons find it."""

    deletion_id: int
    report_id: int
    status: str  # pending | deleted | kept


def safe_name(file_name: str | None) -> str:
    """The name a report is shown and cited by: the file's own name, never a path, without
    control or invisible characters, and at most NAME_CHARS characters (cut in the middle,
    keeping the suffix). A name with no letter or digit left ("", "..", "/") is FALLBACK_NAME."""
    name = "".join(_shown_char(c) for c in unicodedata.normalize("NFC", file_name or ""))
    name = " ".join(name.replace("\\", "/").rsplit("/", 1)[-1].split())
    if not any(c.isalnum() for c in name):
        return FALLBACK_NAME
    if len(name) > NAME_CHARS:
        suffix = name[len(name) - len(_suffix(name)) :]  # as written: ".DOCX" stays
        name = name[: NAME_CHARS - len(suffix) - 1].rstrip() + "…" + suffix
    return name


def _shown_char(char: str) -> str:
    kind = unicodedata.category(char)
    if kind in {"Cc", "Zl", "Zp"}:  # NUL, tab, newline…: a space at most
        return " "
    # Format (bidi overrides, zero widths), surrogate, private and unassigned: nothing to show.
    return "" if kind in {"Cf", "Cs", "Co", "Cn"} else char


_SUFFIX = re.compile(r"\.[a-z0-9]{1,10}$")
_KNOWN_SUFFIXES = sorted(SUPPORTED_SUFFIXES, key=len, reverse=True)  # ".jsonl.gz" before ".gz"


def _suffix(name: str) -> str:
    """The suffix that decides the format (lower case), or a short plain one, or ""."""
    lowered = name.lower()
    known = next((s for s in _KNOWN_SUFFIXES if lowered.endswith(s)), None)
    found = _SUFFIX.search(lowered)
    return known or (found.group() if found else "")


def stored_name(file_name: str) -> str:
    """The name a sent file is written under to be read: a fixed ASCII stem and the suffix
    that decides the format ("tai-lieu.docx", "tai-lieu.jsonl.gz"). Nothing of the sender's
    name reaches the file system, so none can leave the folder or be refused by it."""
    return STORED_STEM + _suffix(safe_name(file_name))


def documents_in(
    data: bytes, file_name: str, *, max_bytes: int
) -> Iterator[RawDocument | ReadError]:
    """The documents of an uploaded file, cited by its name (jsonl records as NAME#id)."""
    name = safe_name(file_name)
    with tempfile.TemporaryDirectory(prefix="mttq-upload-") as folder:
        path = Path(folder) / stored_name(name)
        path.write_bytes(data)
        prefix = str(path)
        for found in iter_path(path, max_bytes=max_bytes):
            if isinstance(found, RawDocument):
                yield replace(found, source=name + found.source[len(prefix) :])
            else:
                source = (found.source or prefix).replace(prefix, name)
                yield ReadError(found.reason, found.detail.replace(prefix, name), source=source)


def preview(
    engine: Engine, *, user_id: int, chat_id: int, file_name: str, data: bytes, max_bytes: int
) -> dict[str, Any]:
    """Read and extract without storing; the file is held for `commit` (by this admin, in
    this chat) when anything could be read. The result says, per report, what would be
    stored and what it duplicates."""
    name = safe_name(file_name)
    reports: list[dict[str, Any]] = []
    failed: list[dict[str, str]] = []
    readable = shown = 0
    for found in documents_in(data, name, max_bytes=max_bytes):
        if isinstance(found, ReadError):
            failed.append(
                {"source": found.source or name, "reason": found.reason, "detail": found.detail}
            )
            continue
        readable += 1
        if shown < SHOWN:  # the rest of a JSON Lines file is only counted
            shown += 1
            described = _describe(engine, found)
            (failed if "reason" in described else reports).append(described)
    more = readable - shown
    new = more > 0 or any(not r["unchanged"] and not r["duplicate_of"] for r in reports)
    return {
        "file_name": name,
        "documents": readable,
        "reports": reports,
        "more": more,
        "failed": failed,
        "upload_id": _hold(engine, user_id=user_id, chat_id=chat_id, file_name=name, data=data)
        if new
        else None,
    }


def _describe(engine: Engine, document: RawDocument) -> dict[str, Any]:
    try:
        record = process(document)
    except KnowledgeError as error:
        return {"source": document.source, "reason": error.reason, "detail": error.detail}
    except Exception as error:  # a document the extractor cannot handle must not stop the preview
        return {
            "source": document.source,
            "reason": "extract_failed",
            "detail": f"{type(error).__name__}: {error}",
        }
    unit = record.unit
    stored = _stored_as(engine, document.source)
    return {
        "source": document.source,
        "title": record.title,
        "unit": {
            "level": unit.level,
            "name": unit.name,
            "parents": [{"level": p.level, "name": p.name} for p in unit.parents],
        }
        if unit
        else None,
        "meeting_date": record.meeting_date,
        "period": {"year": record.period.year, "part": record.period.part}
        if record.period
        else None,
        "doc_type": record.doc_type,
        "meeting_kind": record.meeting_kind,
        "people": len(record.people),
        "items": len(record.items),
        "figures": len(record.figures),
        "warnings": list(record.warnings),
        "duplicate_of": _same_content(engine, record.text),
        "replaces": stored[0] if stored else None,
        "unchanged": stored is not None and stored[1] == raw_hash(document.text),
    }


def _same_content(engine: Engine, text: str) -> dict[str, Any] | None:
    digest = store.content_hash(text)
    with engine.connect() as connection:
        row = connection.execute(
            select(Report.id, Report.source).where(col(Report.content_hash) == digest)  # type: ignore[call-overload]
        ).first()
    return {"id": int(row.id), "source": str(row.source)} if row else None


def _stored_as(engine: Engine, source: str) -> tuple[int, str] | None:
    """(id, raw hash) of the report already stored under this source, if any."""
    with engine.connect() as connection:
        row = connection.execute(
            select(Report.id, Report.raw_hash).where(col(Report.source) == source)  # type: ignore[call-overload]
        ).first()
    return (int(row.id), str(row.raw_hash)) if row else None


def _hold(engine: Engine, *, user_id: int, chat_id: int, file_name: str, data: bytes) -> int:
    now = _now()
    with engine.begin() as connection:
        # Unconfirmed uploads older than KEPT are dropped: their bytes are not kept forever.
        connection.execute(delete(Upload).where(col(Upload.created_at) < now - KEPT))
    return store.add_row(
        engine,
        Upload(
            user_id=user_id,
            chat_id=chat_id,
            file_name=file_name,
            data=data,
            status="pending",
            created_at=now,
        ),
    )


def _upload_of(upload_id: int, *, user_id: int, chat_id: int) -> ColumnElement[bool]:
    """The upload, only for the admin who sent it, pressing in the chat of its preview."""
    sent_in = func.coalesce(col(Upload.chat_id), col(Upload.user_id))  # rows older than 0006
    return (col(Upload.id) == upload_id) & (col(Upload.user_id) == user_id) & (sent_in == chat_id)


def held(engine: Engine, upload_id: int, *, user_id: int, chat_id: int) -> Held | None:
    """An upload of this admin in this chat (whatever its status); None for any other."""
    with engine.connect() as connection:
        row = connection.execute(
            select(Upload.id, Upload.user_id, Upload.file_name, Upload.status).where(  # type: ignore[call-overload]
                _upload_of(upload_id, user_id=user_id, chat_id=chat_id)
            )
        ).first()
    return Held(int(row.id), int(row.user_id), str(row.file_name), str(row.status)) if row else None


def _claim(
    engine: Engine, upload_id: int, status: str, *, user_id: int, chat_id: int
) -> Held | None:
    """Move a pending upload of this admin and chat to ``status`` exactly once (two presses,
    or two instances, must not store it twice); returns it, with its bytes, to whoever
    claimed it."""
    bound = _upload_of(upload_id, user_id=user_id, chat_id=chat_id) & (
        col(Upload.status) == "pending"
    )
    with engine.begin() as connection:
        row = connection.execute(select(Upload.file_name, Upload.data).where(bound)).first()  # type: ignore[call-overload]
        if row is None:
            return None
        claimed = connection.execute(update(Upload).where(bound).values(status=status, data=b""))
    if claimed.rowcount != 1:
        return None
    return Held(upload_id, user_id, str(row.file_name), status, bytes(row.data))


def commit(
    engine: Engine, upload_id: int, *, user_id: int, chat_id: int, max_bytes: int
) -> dict[str, Any] | None:
    """Store a held upload (the CLI's ingest); None when it was already stored or dropped,
    or is not this admin's in this chat."""
    upload = _claim(engine, upload_id, "saved", user_id=user_id, chat_id=chat_id)
    if upload is None:
        return None
    summary = ingest(
        engine, documents_in(upload.data, upload.file_name, max_bytes=max_bytes), workers=1
    )
    _audit_load(engine, summary, user_id=user_id)
    return summary.as_dict()


def cancel(engine: Engine, upload_id: int, *, user_id: int, chat_id: int) -> bool:
    return _claim(engine, upload_id, "cancelled", user_id=user_id, chat_id=chat_id) is not None


def _audit_load(engine: Engine, summary: Summary, *, user_id: int) -> None:
    rows = [
        Audit(
            at=_now(),
            user_id=user_id,
            action="load",
            report_id=s.report_id,
            source=s.source,
            detail=status,
        )
        for status, saved in (("added", summary.added), ("replaced", summary.replaced))
        for s in saved
    ]
    rows += [
        Audit(
            at=_now(),
            user_id=user_id,
            action="load",
            source=f.source,
            detail=f"failed: {f.reason}: {f.detail}"[:2000],
        )
        for f in summary.failed
    ]
    _append(engine, rows)


def remove(engine: Engine, report_id: int, *, user_id: int) -> str | None:
    """Delete a report (and everything extracted from it), logged; returns its source."""
    with engine.connect() as connection:
        source = connection.execute(
            select(col(Report.source)).where(col(Report.id) == report_id)
        ).scalar()
    if source is None or not store.delete_report(engine, report_id):
        return None
    _append(
        engine,
        [
            Audit(
                at=_now(), user_id=user_id, action="delete", report_id=report_id, source=str(source)
            )
        ],
    )
    return str(source)


def ask_delete(engine: Engine, report_id: int, *, user_id: int, chat_id: int) -> int:
    """Hold a deletion for its confirmation; returns the id its buttons carry."""
    now = _now()
    with engine.begin() as connection:
        connection.execute(delete(Deletion).where(col(Deletion.created_at) < now - KEPT))
    row = Deletion(
        chat_id=chat_id, user_id=user_id, report_id=report_id, status="pending", created_at=now
    )
    return store.add_row(engine, row)


def _deletion_of(deletion_id: int, *, user_id: int, chat_id: int) -> ColumnElement[bool]:
    """The deletion, only for the admin who asked it, pressing in the chat they asked in."""
    return (
        (col(Deletion.id) == deletion_id)
        & (col(Deletion.user_id) == user_id)
        & (col(Deletion.chat_id) == chat_id)
    )


def pending(engine: Engine, deletion_id: int, *, user_id: int, chat_id: int) -> Pending | None:
    """A deletion of this admin in this chat (whatever its status); None for any other."""
    with engine.connect() as connection:
        row = connection.execute(
            select(Deletion.id, Deletion.report_id, Deletion.status).where(  # type: ignore[call-overload]
                _deletion_of(deletion_id, user_id=user_id, chat_id=chat_id)
            )
        ).first()
    return Pending(int(row.id), int(row.report_id), str(row.status)) if row else None


def settle(
    engine: Engine, deletion_id: int, status: str, *, user_id: int, chat_id: int
) -> int | None:
    """Move a pending deletion of this admin and chat to ``status`` (deleted | kept) once;
    returns its report's id to whoever settled it, None to anyone else or a second press."""
    bound = _deletion_of(deletion_id, user_id=user_id, chat_id=chat_id) & (
        col(Deletion.status) == "pending"
    )
    with engine.begin() as connection:
        report_id = connection.execute(select(col(Deletion.report_id)).where(bound)).scalar()
        if report_id is None:
            return None
        settled = connection.execute(update(Deletion).where(bound).values(status=status))
    return int(report_id) if settled.rowcount == 1 else None


def audit_log(engine: Engine, *, limit: int = 10) -> list[dict[str, Any]]:
    """The newest entries first."""
    with engine.connect() as connection:
        rows = (
            connection.execute(select(Audit).order_by(col(Audit.id).desc()).limit(limit))
            .mappings()
            .all()
        )
    return [
        {
            "at": r["at"].isoformat(timespec="minutes"),
            "user_id": r["user_id"],
            "action": r["action"],
            "report_id": r["report_id"],
            "source": r["source"],
            "detail": r["detail"],
        }
        for r in rows
    ]


def _append(engine: Engine, rows: list[Audit]) -> None:
    if not rows:
        return
    with Session(engine) as session:
        session.add_all(rows)
        session.commit()


def _now() -> datetime:
    return datetime.now(UTC)
