"""Reports loaded through the bot: a document is read and extracted for a preview, held in
the database until the admin confirms (Lưu) or drops it (Hủy), then stored by the same
ingest as the CLI. Loads and deletions go to the audit log.

The file is held in the database rather than in memory or on one machine's disk, so the
instance that receives the "Lưu" press need not be the one that received the document.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePath
from typing import Any

from sqlalchemy import Engine, delete, select, update
from sqlmodel import Session, col

from knowledge import store
from knowledge.errors import KnowledgeError, ReadError
from knowledge.ingest import Summary, ingest, process, raw_hash
from knowledge.models import Audit, Report, Upload
from knowledge.read import RawDocument, iter_path

SHOWN = 5  # reports of a JSON Lines file described one by one in a preview
KEPT = timedelta(days=2)  # an unconfirmed upload is dropped after this


@dataclass(slots=True)
class Held:
    upload_id: int
    user_id: int
    file_name: str
    status: str


def safe_name(file_name: str | None) -> str:
    """The name a report is cited by: the file's own name, never a path."""
    name = PurePath((file_name or "").replace("\\", "/")).name.strip()
    return name[:200] or "tai-lieu.txt"


def documents_in(data: bytes, file_name: str, *, max_bytes: int) -> Iterator[RawDocument | ReadError]:
    """The documents of an uploaded file, cited by its name (jsonl records as NAME#id)."""
    with tempfile.TemporaryDirectory(prefix="mttq-upload-") as folder:
        path = Path(folder) / file_name
        path.write_bytes(data)
        prefix = str(path)
        for found in iter_path(path, max_bytes=max_bytes):
            if isinstance(found, RawDocument):
                yield replace(found, source=file_name + found.source[len(prefix):])
            else:
                source = (found.source or prefix).replace(prefix, file_name)
                yield ReadError(found.reason, found.detail.replace(prefix, file_name), source=source)


def preview(
    engine: Engine, *, user_id: int, file_name: str, data: bytes, max_bytes: int
) -> dict[str, Any]:
    """Read and extract without storing; the file is held for `commit` when anything could be
    read. The result says, per report, what would be stored and what it duplicates."""
    name = safe_name(file_name)
    reports: list[dict[str, Any]] = []
    failed: list[dict[str, str]] = []
    readable = shown = 0
    for found in documents_in(data, name, max_bytes=max_bytes):
        if isinstance(found, ReadError):
            failed.append({"source": found.source or name, "reason": found.reason, "detail": found.detail})
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
        "upload_id": _hold(engine, user_id=user_id, file_name=name, data=data) if new else None,
    }


def _describe(engine: Engine, document: RawDocument) -> dict[str, Any]:
    try:
        record = process(document)
    except KnowledgeError as error:
        return {"source": document.source, "reason": error.reason, "detail": error.detail}
    except Exception as error:  # a document the extractor cannot handle must not stop the preview
        return {"source": document.source, "reason": "extract_failed", "detail": f"{type(error).__name__}: {error}"}
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
        "period": {"year": record.period.year, "part": record.period.part} if record.period else None,
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


def _hold(engine: Engine, *, user_id: int, file_name: str, data: bytes) -> int:
    now = _now()
    with engine.begin() as connection:
        # Unconfirmed uploads older than KEPT are dropped: their bytes are not kept forever.
        connection.execute(delete(Upload).where(col(Upload.created_at) < now - KEPT))
    return store.add_row(engine, Upload(user_id=user_id, file_name=file_name, data=data, status="pending", created_at=now))


def held(engine: Engine, upload_id: int) -> Held | None:
    with engine.connect() as connection:
        row = connection.execute(
            select(Upload.id, Upload.user_id, Upload.file_name, Upload.status).where(col(Upload.id) == upload_id)  # type: ignore[call-overload]
        ).first()
    return Held(int(row.id), int(row.user_id), str(row.file_name), str(row.status)) if row else None


def _claim(engine: Engine, upload_id: int, status: str) -> bytes | None:
    """Move a pending upload to ``status`` exactly once (two presses, or two instances, must
    not store it twice); returns its bytes to whoever claimed it."""
    with engine.begin() as connection:
        data = connection.execute(
            select(col(Upload.data)).where(col(Upload.id) == upload_id, col(Upload.status) == "pending")
        ).scalar()
        if data is None:
            return None
        claimed = connection.execute(
            update(Upload)
            .where(col(Upload.id) == upload_id, col(Upload.status) == "pending")
            .values(status=status, data=b"")
        )
        return bytes(data) if claimed.rowcount == 1 else None


def commit(engine: Engine, upload_id: int, *, user_id: int, max_bytes: int) -> dict[str, Any] | None:
    """Store a held upload (the CLI's ingest); None when it was already stored or dropped."""
    upload = held(engine, upload_id)
    data = _claim(engine, upload_id, "saved")
    if upload is None or data is None:
        return None
    summary = ingest(engine, documents_in(data, upload.file_name, max_bytes=max_bytes), workers=1)
    _audit_load(engine, summary, user_id=user_id)
    return summary.as_dict()


def cancel(engine: Engine, upload_id: int) -> bool:
    return _claim(engine, upload_id, "cancelled") is not None


def _audit_load(engine: Engine, summary: Summary, *, user_id: int) -> None:
    rows = [
        Audit(at=_now(), user_id=user_id, action="load", report_id=s.report_id, source=s.source, detail=status)
        for status, saved in (("added", summary.added), ("replaced", summary.replaced))
        for s in saved
    ]
    rows += [
        Audit(at=_now(), user_id=user_id, action="load", source=f.source, detail=f"failed: {f.reason}: {f.detail}"[:2000])
        for f in summary.failed
    ]
    _append(engine, rows)


def remove(engine: Engine, report_id: int, *, user_id: int) -> str | None:
    """Delete a report (and everything extracted from it), logged; returns its source."""
    with engine.connect() as connection:
        source = connection.execute(select(col(Report.source)).where(col(Report.id) == report_id)).scalar()
    if source is None or not store.delete_report(engine, report_id):
        return None
    _append(engine, [Audit(at=_now(), user_id=user_id, action="delete", report_id=report_id, source=str(source))])
    return str(source)


def audit_log(engine: Engine, *, limit: int = 10) -> list[dict[str, Any]]:
    """The newest entries first."""
    with engine.connect() as connection:
        rows = connection.execute(select(Audit).order_by(col(Audit.id).desc()).limit(limit)).mappings().all()
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
