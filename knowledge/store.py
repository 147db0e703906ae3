"""Store stage: records in SQLite (default) or PostgreSQL (by URL), one transaction a report.

The same content is one report (content hash); a changed file under the same source replaces
its report; a failure rolls the whole report back, so nothing is ever half-stored.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import sqlite3
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import fields as dataclass_fields
from datetime import UTC, date, datetime
from functools import cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Engine,
    Text,
    cast,
    create_engine,
    delete,
    event,
    func,
    insert,
    inspect,
    or_,
    select,
    text,
)
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, SQLModel, col

from knowledge.errors import StoreError
from knowledge.identity import Place, Unit, resolve_units
from knowledge.models import (
    CHILD_TABLES,
    Campaign,
    DbInfo,
    DocRef,
    Figure,
    Item,
    Person,
    Report,
    ReportChange,
)
from knowledge.terms import mentions_front
from knowledge.text import fold

if TYPE_CHECKING:  # importing knowledge.extract loads every extraction module
    from alembic.config import Config

    from knowledge.extract.record import Record

log = logging.getLogger(__name__)

_MIGRATIONS = Path(__file__).parent / "migrations"
# A report lost to another process is classified again; each retry follows a commit of the
# other side, so a few attempts always settle (every row they race for then exists).
_SAVE_ATTEMPTS = 5
# pg_advisory_xact_lock key serialising migrations ("mttq_mig"); advisory locks are per database.
_MIGRATION_LOCK = 0x6D7474715F6D6967


@dataclass(slots=True)
class Saved:
    status: str  # added | replaced | duplicate | unchanged
    report_id: int
    source: str
    duplicate_of: str | None = None  # the source already holding this content


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def connect(url: str, *, read_only: bool = False) -> Engine:
    """An engine with the schema migrated to the newest revision.

    An SQLite database whose file or folder cannot be written (a read-only mount, another
    user's files) raises StoreError('read_only_database') at once, before any work; with
    ``read_only`` (the caller never writes) it is opened read-only instead, provided its
    schema is already the newest (else StoreError('old_schema')).
    """
    path = sqlite_path(url)
    cause = _unwritable(path) if path is not None else None
    if path is not None and cause is not None:
        if not read_only:
            raise StoreError("read_only_database", f"database {path} cannot be written: {cause}")
        return _open_read_only(path, cause)
    engine = _engine(url)
    try:
        migrate(engine)
    except OperationalError as error:
        if not _write_refused(error):
            raise
        engine.dispose()
        raise StoreError(
            "read_only_database", f"database {_url_text(url)} cannot be written: {error.orig}"
        ) from None
    return engine


def _url_text(url: str | URL) -> str:
    """The URL as a message may show it (no password)."""
    return make_url(url).render_as_string(hide_password=True)


def read_only_cause(engine: Engine) -> str | None:
    """Why this engine was opened read-only (None: it writes)."""
    return _READ_ONLY.get(engine)


def require_writable(engine: Engine, *, purpose: str) -> None:
    """Raise StoreError('read_only_database') when ``purpose`` needs to write and cannot."""
    cause = read_only_cause(engine)
    if cause is not None:
        raise StoreError(
            "read_only_database", f"{purpose}: the database cannot be written: {cause}"
        )


# Engines opened read-only, with the reason (the file system, permissions).
_READ_ONLY: weakref.WeakKeyDictionary[Engine, str] = weakref.WeakKeyDictionary()


def _unwritable(path: Path) -> str | None:
    """Why SQLite cannot write this database, or None. It also writes beside the file (the
    WAL, its -shm index, the journal, the migration lock), so the folder counts too."""
    for target in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        if target.exists() and not os.access(target, os.W_OK):
            return _denied(target)
    return folder_unwritable(path.parent)


def folder_unwritable(folder: Path) -> str | None:
    """Why files cannot be created in this folder, or None. A folder not there yet is
    created at first use, so its nearest existing parent decides."""
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not os.access(folder, os.W_OK | os.X_OK):
        return _denied(folder)
    return None


def _denied(path: Path) -> str:
    statvfs = getattr(os, "statvfs", None)  # POSIX
    try:
        read_only_fs = statvfs is not None and bool(statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        read_only_fs = False
    if read_only_fs:
        return f"{path} is on a read-only file system"
    return f"{path} is not writable by this user (permission denied)"


def _write_refused(error: OperationalError) -> bool:
    """SQLite refused to write or create a file (a check above cannot see every cause:
    ACLs, a -shm file of another user), or PostgreSQL is read-only."""
    name = str(getattr(error.orig, "sqlite_errorname", ""))
    sqlstate = str(getattr(error.orig, "sqlstate", ""))
    return (
        name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM"))
        or sqlstate == "25006"
    )


def _open_read_only(path: Path, cause: str) -> Engine:
    if not path.exists():
        raise StoreError(
            "read_only_database", f"database {path} does not exist and cannot be created: {cause}"
        )
    engine = create_engine(f"sqlite:///{path}", creator=partial(_read_only_connection, path))
    _READ_ONLY[engine] = cause
    try:
        revision, head = schema_revision(engine), _head()
    except OperationalError as error:  # not even readable (permissions, not a database)
        engine.dispose()
        raise StoreError("io_error", f"database {path} cannot be opened: {error.orig}") from None
    if revision != head:
        engine.dispose()
        found = f"is at schema revision {revision}" if revision else "has no schema yet"
        raise StoreError(
            "old_schema",
            f"database {path} {found}, this version needs {head}, and it cannot be upgraded "
            f"here: {cause}; run any mttq command once where it can be written",
        )
    return engine


def _read_only_connection(path: Path) -> sqlite3.Connection:
    """mode=ro sees the database with its WAL, but needs the WAL's -shm index, which SQLite
    cannot create in a folder it cannot write. Then the file is opened immutable: as it is,
    without locks; with no -shm there is no writer, and a WAL left by a crash is not read."""
    uri = path.resolve().as_uri()
    connection = sqlite3.connect(f"{uri}?mode=ro", uri=True, check_same_thread=False, timeout=30)
    try:
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError:
        connection.close()
        if Path(f"{path}-wal").exists():
            log.warning(
                "%s: its WAL cannot be read here; changes not yet checkpointed are not seen", path
            )
        connection = sqlite3.connect(f"{uri}?immutable=1", uri=True, check_same_thread=False)
    connection.execute("PRAGMA query_only=ON")
    return connection


def sqlite_path(url: str | URL) -> Path | None:
    """The file of an SQLite database (None: PostgreSQL or an in-memory database)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or in_memory(url):
        return None
    return Path(parsed.database or "").expanduser()


def in_memory(url: str | URL) -> bool:
    """An SQLite database that lives in one connection and is gone when the process ends."""
    parsed = make_url(url)
    return parsed.get_backend_name() == "sqlite" and (parsed.database or "") in {"", ":memory:"}


def _engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    database = parsed.database or ""
    if in_memory(url):
        # One shared connection, or every session would see its own empty database.
        engine = create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False})
    else:
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL: readers (the bot) never block the writer (an ingest); NORMAL is still crash-safe
    # in WAL mode, only the last transactions may be lost on power failure, never corrupted.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision; any number of processes may call it at once.

    A database already at head is only read (no lock, no write: the common start, and the
    only one a read-only database allows). Otherwise one process at a time migrates: the
    others wait for the lock, then find the schema at head and do nothing.
    """
    if schema_revision(engine) == _head():
        return
    from alembic import command  # only to migrate: importing Alembic costs a start ~0.3 s

    config = _alembic_config()
    with _migration_lock(engine), engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Held by the migrating transaction (released at commit or when the connection
            # dies): a second instance waits here instead of creating the tables again.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


_VERSION_TABLE = "alembic_version"  # Alembic's default, in the default schema


def schema_revision(engine: Engine) -> str | None:
    """The revision the database's schema is at (None: an empty database), read as Alembic's
    MigrationContext.get_current_revision reads it, without importing Alembic."""
    with engine.connect() as connection:
        if not inspect(connection).has_table(_VERSION_TABLE):
            return None
        versions: list[str] = list(
            connection.execute(text(f"SELECT version_num FROM {_VERSION_TABLE}")).scalars()
        )
    if len(versions) > 1:  # branches: Alembic's own error says what to do
        from alembic.runtime.migration import MigrationContext

        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    return str(versions[0]) if versions else None


_REVISION = re.compile(r"^(down_revision|revision)\s*(?::[^=]*)?=\s*(.+?)\s*$", re.MULTILINE)


@cache
def _head() -> str | None:
    """The newest migration: the one revision no other revises. Read from the migration
    files' ``revision`` and ``down_revision`` lines; anything less plain than one straight
    line of revisions (a branch, a merge, a computed value) is left to Alembic."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for path in (_MIGRATIONS / "versions").glob("*.py"):
        found = dict(_REVISION.findall(path.read_text("utf-8")))
        revision, down = found.get("revision", ""), found.get("down_revision", "")
        if not re.fullmatch(r"[\"'][\w-]+[\"']", revision) or not re.fullmatch(
            r"None|[\"'][\w-]+[\"']", down
        ):
            return _alembic_head()
        revisions.add(revision.strip("\"'"))
        if down != "None":
            revised.add(down.strip("\"'"))
    heads = revisions - revised
    return heads.pop() if len(heads) == 1 and revised <= revisions else _alembic_head()


def _alembic_head() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def _alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    return config


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """SQLite: an exclusive file lock beside the database (`<db>.migrate.lock`), because
    SQLite's DDL runs outside the driver's transaction and two migrations interleave.
    PostgreSQL takes its advisory lock inside the migrating transaction instead."""
    path = sqlite_path(engine.url)
    if path is None:
        yield
        return
    try:
        import fcntl  # POSIX only; elsewhere migrations are not serialised
    except ImportError:
        yield
        return
    with open(f"{path}.migrate.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def identity(engine: Engine) -> str:
    """The random id this database was given when created (indexes check it)."""
    return change_head(engine)[0]


def change_head(engine: Engine) -> tuple[str, int]:
    """The database's identity and the newest change-log sequence number: all a follower
    (the index, the catalog) needs to know whether it is behind, in one round trip."""
    with engine.connect() as connection:
        value = connection.execute(
            select(col(DbInfo.value)).where(col(DbInfo.key) == "identity")
        ).scalar()
        newest = connection.execute(select(func.max(col(ReportChange.seq)))).scalar()
    return str(value or ""), int(newest or 0)


def known_sources(engine: Engine, sources: Sequence[str]) -> dict[str, str]:
    """source → raw hash of the stored reports among ``sources``: lets a re-run skip unchanged
    files unextracted. Looked up by the source's index: reading every stored report's hash
    scanned the whole report table (0.5 s at 35,000 reports) for an ingest of one file."""
    if not sources:
        return {}
    with engine.connect() as connection:
        rows = connection.execute(
            select(col(Report.source), col(Report.raw_hash)).where(
                col(Report.source).in_(set(sources))
            )
        ).all()
    return {str(source): str(raw) for source, raw in rows}


@dataclass(frozen=True, slots=True)
class Entry:
    """A report to store: its record, where it came from, and the hash of its raw text."""

    record: Record
    source: str
    raw_hash: str


def save(engine: Engine, record: Record, *, source: str, raw_hash: str) -> Saved:
    """Store a report in one transaction: added, or replaced (a new version under the same
    source), or only classified (unchanged: this source already holds this content, keeping
    its id; duplicate: another source does).

    Processes storing the same reports at once (two ingests of one folder, two instances):
    the unique indexes on the content hash and the source decide who stores; the other's
    transaction is rolled back and the report is classified again against what was stored.
    """
    return save_many(engine, [Entry(record, source, raw_hash)])[0]


def save_many(engine: Engine, entries: Sequence[Entry]) -> list[Saved]:
    """Store several reports in one transaction, each classified as save() would in turn
    (seeing the ones before it): all are stored or none, so a run killed at any moment
    leaves only whole reports. One commit and one look-up for the lot, and each child table
    written once: a bulk ingest spent most of its storing on the statements around a report
    rather than in it. A failure raises and stores nothing; a race lost to another process
    classifies the whole lot again, as save() does one report.
    """
    if not entries:
        return []
    digests = [content_hash(entry.record.text) for entry in entries]
    for attempt in range(_SAVE_ATTEMPTS):
        try:
            return _save_many(engine, entries, digests)
        except IntegrityError as error:
            if not _unique_conflict(error) or attempt + 1 == _SAVE_ATTEMPTS:
                raise
            log.info(
                "%s…: stored by another process meanwhile; classifying again", entries[0].source
            )
    raise AssertionError("unreachable")


class _Stored:
    """The stored reports the entries may meet, kept current while the transaction adds
    and removes reports: by content hash, by source, and each one's hash."""

    def __init__(self, connection: Connection, digests: list[str], sources: list[str]) -> None:
        # One statement, one snapshot: contents and sources are judged together, so a report
        # another process has just stored is never taken for an old version.
        rows = connection.execute(
            select(col(Report.id), col(Report.source), col(Report.content_hash)).where(
                or_(
                    col(Report.content_hash).in_(set(digests)), col(Report.source).in_(set(sources))
                )
            )
        ).all()
        self.by_hash: dict[str, tuple[int, str]] = {}
        self.by_source: dict[str, int] = {}
        self.hash_of: dict[int, str] = {}
        for report_id, source, digest in rows:
            self.remember(int(report_id or 0), str(source), str(digest))

    def remember(self, report_id: int, source: str, digest: str) -> None:
        self.by_hash.setdefault(digest, (report_id, source))
        self.by_source[source] = report_id
        self.hash_of[report_id] = digest

    def forget(self, report_id: int, source: str) -> None:
        self.by_source.pop(source, None)
        digest = self.hash_of.pop(report_id, None)
        if digest is not None and self.by_hash.get(digest, (0, ""))[0] == report_id:
            del self.by_hash[digest]


class _Rows:
    """Rows of the child tables and change-log entries, written once for the whole lot, in
    the order the reports were stored."""

    def __init__(self) -> None:
        self.children: dict[int, list[tuple[Any, list[dict[str, Any]]]]] = {}
        self.changes: list[dict[str, Any]] = []

    def add(self, report_id: int, record: Record) -> None:
        self.children[report_id] = _child_rows(record, report_id)
        self.changes.append({"report_id": report_id, "op": "add"})

    def removed(self, report_id: int) -> None:
        self.children.pop(report_id, None)  # stored earlier in this lot: its rows never are
        self.changes.append({"report_id": report_id, "op": "del"})

    def write(self, connection: Connection) -> None:
        for table in CHILD_TABLES:
            rows = [
                row
                for parts in self.children.values()
                for kind, found in parts
                if kind is table
                for row in found
            ]
            if rows:
                connection.execute(insert(_table(table)), rows)
        if self.changes:
            connection.execute(insert(_table(ReportChange)), self.changes)


def _save_many(engine: Engine, entries: Sequence[Entry], digests: list[str]) -> list[Saved]:
    saved: list[Saved] = []
    with engine.begin() as connection:
        stored = _Stored(connection, digests, [entry.source for entry in entries])
        rows = _Rows()
        units = _FiledUnits(connection, [entry.record for entry in entries])
        for entry, digest in zip(entries, digests, strict=True):
            same = stored.by_hash.get(digest)
            if same is not None:
                report_id, holder = same
                status = "unchanged" if holder == entry.source else "duplicate"
                saved.append(
                    Saved(
                        status, report_id, entry.source, None if status == "unchanged" else holder
                    )
                )
                continue
            old = stored.by_source.get(entry.source)
            if old is not None:
                _delete(connection, old, log_change=False)
                rows.removed(old)
                stored.forget(old, entry.source)
            code = units.code_of(entry.record)
            report_id = _insert(
                connection,
                entry.record,
                source=entry.source,
                digest=digest,
                raw_hash=entry.raw_hash,
                code=code,
            )
            rows.add(report_id, entry.record)
            stored.remember(report_id, entry.source, digest)
            saved.append(Saved("replaced" if old is not None else "added", report_id, entry.source))
        rows.write(connection)
    return saved


def _unique_conflict(error: IntegrityError) -> bool:
    """A unique index refused the row (PostgreSQL SQLSTATE 23505, SQLite "UNIQUE constraint
    failed"); other integrity errors (a NULL where none is allowed) are real failures."""
    sqlstate = getattr(error.orig, "sqlstate", None)
    if sqlstate is not None:
        return bool(sqlstate == "23505")
    return "UNIQUE constraint failed" in str(error.orig)


def _table(model: Any) -> Any:
    """The Core table of a model: a Core insert with its values given at execution is
    compiled once, where an ORM insert(...).values(...) was rebuilt for every report."""
    return model.__table__


class _FiledUnits:
    """The units stored under the names of the lot's units the gazetteer could not pin: a
    report of "Xã Lương Minh" naming no parent is filed under the one stored Lương Minh its
    parents fit, with that unit's code (knowledge.identity)."""

    def __init__(self, connection: Connection, records: list[Record]) -> None:
        keys = {_unit_key(r.unit.level, r.unit.name) for r in records if r.unit and not r.unit.code}
        self.known: dict[str, set[tuple[Unit, str | None]]] = {}
        if not keys:
            return
        found = select(
            col(Report.unit_key), col(Report.unit_level), col(Report.unit_name), col(Report.unit_code),
            cast(col(Report.unit_parents), Text),
        ).where(col(Report.unit_key).in_(keys)).distinct()  # fmt: skip
        for key, level, name, code, parents in connection.execute(found):
            self.known.setdefault(str(key), set()).add(
                (_filed(str(level), str(name), parents), code)
            )

    def code_of(self, record: Record) -> str | None:
        unit = record.unit
        if unit is None or unit.code:
            return unit.code if unit else None
        key = _unit_key(unit.level, unit.name)
        mine = (
            Unit(unit.level, unit.name, tuple(Place(p.level, p.name) for p in unit.parents)),
            None,
        )
        known = self.known.get(key)
        code = resolve_units({*known, mine})[mine].code if known else None
        self.known.setdefault(key, set()).add((mine[0], code))
        return code


def _filed(level: str, name: str, parents: str | None) -> Unit:
    try:
        raw = json.loads(parents or "[]")
    except ValueError:
        raw = []
    places = tuple(
        Place(str(p["level"]), str(p["name"]))
        for p in raw
        if isinstance(p, dict) and "level" in p and "name" in p
    )
    return Unit(level, name, places)


def _unit_key(level: str, name: str) -> str:
    return f"{level}|{fold(name)}"


def _insert(
    connection: Connection,
    record: Record,
    *,
    source: str,
    digest: str,
    raw_hash: str,
    code: str | None = None,
) -> int:
    unit = record.unit
    values: dict[str, Any] = {
        "source": source,
        "content_hash": digest,
        "raw_hash": raw_hash,
        "title": record.title,
        "doc_type": record.doc_type,
        "doc_code": record.doc_code,
        "issuer": record.issuer,
        "subject": record.subject,
        "text": record.text,
        "truncated": record.truncated,
        "front": mentions_front(record.text),
        "unit_level": unit.level if unit else None,
        "unit_name": unit.name if unit else None,
        "unit_key": _unit_key(unit.level, unit.name) if unit else None,
        "unit_written": unit.written if unit else None,
        "unit_code": (unit.code or code) if unit else None,
        "unit_parents": [{"level": p.level, "name": p.name} for p in unit.parents] if unit else [],
        "meeting_date": _date(record.meeting_date),
        "published_date": _date(record.published_date),
        "url": record.url,
        "period_year": record.period.year if record.period else None,
        "period_part": record.period.part if record.period else None,
        "meeting_kind": record.meeting_kind,
        "session_number": record.session_number,
        "term": record.term,
        "author": record.author,
        "meta": record.meta,
        "provenance": record.provenance,
        "warnings": record.warnings,
        "ingested_at": datetime.now(UTC),
    }
    inserted = connection.execute(insert(_table(Report)), values).inserted_primary_key
    assert inserted is not None  # every dialect we support returns the new id
    return int(inserted[0])


def _child_rows(record: Record, report_id: int) -> list[tuple[Any, list[dict[str, Any]]]]:
    """The rows of each child table for one report (the records' fields are all plain
    values, so a shallow copy is what dataclasses.asdict gave, several times faster)."""
    figures = [_fields(f, report_id) for f in record.figures]
    for row in figures:
        row["grp"] = row.pop("group")
    refs = [_fields(r, report_id) for r in record.doc_refs]
    for row in refs:
        row["date"] = _date(row["date"])
    return [
        (Person, [_fields(p, report_id) for p in record.people]),
        (Item, [_fields(i, report_id) for i in record.items]),
        (Figure, figures),
        (DocRef, refs),
        (Campaign, [_fields(c, report_id) for c in record.campaigns]),
    ]


_NAMES: dict[type, tuple[str, ...]] = {}


def _fields(value: Any, report_id: int) -> dict[str, Any]:
    kind = type(value)
    names = _NAMES.get(kind)
    if names is None:
        names = _NAMES[kind] = tuple(f.name for f in dataclass_fields(value))
    row = {name: getattr(value, name) for name in names}
    row["report_id"] = report_id
    return row


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def delete_report(engine: Engine, report_id: int) -> bool:
    with engine.begin() as connection:
        exists = connection.execute(select(Report.id).where(Report.id == report_id)).scalar()  # type: ignore[call-overload]
        if exists is None:
            return False
        _delete(connection, report_id)
    return True


def _log_change(connection: Connection, report_id: int, op: str) -> None:
    connection.execute(insert(ReportChange).values(report_id=report_id, op=op))


def _delete(connection: Connection, report_id: int, *, log_change: bool = True) -> None:
    # Explicit rather than ON DELETE CASCADE alone: SQLite only cascades with the pragma on.
    for table in CHILD_TABLES:
        connection.execute(delete(table).where(table.report_id == report_id))  # type: ignore[attr-defined]
    connection.execute(delete(Report).where(Report.id == report_id))  # type: ignore[arg-type]
    if log_change:
        _log_change(connection, report_id, "del")


def find(engine: Engine, id_or_source: str) -> dict[str, Any]:
    """One report as the `show --json` contract states it. Raises StoreError('not_found'|'ambiguous')."""
    with engine.connect() as connection:
        report_id = _lookup(connection, id_or_source)
        return report_json(connection, report_id)


def _lookup(connection: Connection, key: str) -> int:
    if key.isdigit():
        found = connection.execute(select(Report.id).where(Report.id == int(key))).scalar()  # type: ignore[call-overload]
        if found is not None:
            return int(found)
    exact = connection.execute(select(Report.id).where(Report.source == key)).scalar()  # type: ignore[call-overload]
    if exact is not None:
        return int(exact)
    # "002_0c8cf19a6beb1e4d.txt" finds "../shared/data/seeds/002_0c8cf19a6beb1e4d.txt".
    suffix = key.replace("\\", "/").rsplit("/", 1)[-1]
    rows = connection.execute(
        select(Report.id, Report.source).where(Report.source.endswith(suffix))  # type: ignore[call-overload]
    ).all()
    matches = [
        r.id
        for r in rows
        if r.source.replace("\\", "/").rsplit("/", 1)[-1] == suffix or r.source.endswith("/" + key)
    ]
    if len(matches) == 1:
        return int(matches[0])
    if matches:
        raise StoreError("ambiguous", f"{len(matches)} reports match {key!r}; give the id")
    raise StoreError("report_not_found", f"no report with id or source {key!r}")


def report_json(connection: Connection, report_id: int) -> dict[str, Any]:
    report = connection.execute(select(Report).where(Report.id == report_id)).mappings().one()  # type: ignore[arg-type]
    rows = {
        table.__name__: connection.execute(
            select(table).where(table.report_id == report_id).order_by(table.id)  # type: ignore[attr-defined]
        )
        .mappings()
        .all()
        for table in CHILD_TABLES
    }
    return {
        "id": report["id"],
        "source": report["source"],
        "title": report["title"],
        "doc_type": report["doc_type"],
        "doc_code": report["doc_code"],
        "issuer": report["issuer"],
        "subject": report["subject"],
        "unit": _unit_json(report),
        "meeting_date": _iso(report["meeting_date"]),
        "published_date": _iso(report["published_date"]),
        "url": report["url"],
        "period": {"year": report["period_year"], "part": report["period_part"]}
        if report["period_year"]
        else None,
        "meeting_kind": report["meeting_kind"],
        "session_number": report["session_number"],
        "term": report["term"],
        "author": report["author"],
        "truncated": report["truncated"],
        "people": [
            {
                "name": p["name"],
                "role": p["role"],
                "relation": p["relation"],
                "organisation": p["organisation"],
            }
            for p in rows["Person"]
        ],
        "items": [
            {"kind": i["kind"], "text": i["text"], "by": i["by"], "heading": i["heading"]}
            for i in rows["Item"]
        ],
        "figures": [
            {
                "value": _number(f["value"]),
                "unit": f["unit"],
                "qualifier": f["qualifier"],
                "text": f["text"],
                "raw": f["raw"],
                "role": f["role"],
                "group": f["grp"],
                "measure": f["measure"],
                "kind": f["kind"],
                "per": f["per"],
                "subject": f["subject"],
            }
            for f in rows["Figure"]
        ],
        "doc_refs": [
            {
                "code": r["code"],
                "kind": r["kind"],
                "issuer": r["issuer"],
                "date": _iso(r["date"]),
                "subject": r["subject"],
            }
            for r in rows["DocRef"]
        ],
        "campaigns": [{"name": c["name"], "kind": c["kind"]} for c in rows["Campaign"]],
        "meta": report["meta"],
        "provenance": report["provenance"],
        "warnings": report["warnings"],
        "text": report["text"],
    }


def _unit_json(report: Any) -> dict[str, Any] | None:
    if not report["unit_level"]:
        return None
    unit: dict[str, Any] = {
        "level": report["unit_level"],
        "name": report["unit_name"],
        "parents": report["unit_parents"],
        "written": report["unit_written"],
    }
    if report["unit_code"]:
        unit["code"] = report["unit_code"]
    return unit


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def list_reports(engine: Engine) -> list[dict[str, Any]]:
    columns = (
        Report.id,
        Report.source,
        Report.title,
        Report.doc_type,
        Report.unit_level,
        Report.unit_name,
        Report.meeting_date,
        Report.published_date,
        Report.period_year,
        Report.period_part,
    )
    with engine.connect() as connection:
        rows = connection.execute(select(*columns).order_by(Report.id)).mappings().all()  # type: ignore[call-overload]
    return [
        {
            "id": r["id"],
            "source": r["source"],
            "title": r["title"],
            "doc_type": r["doc_type"],
            "unit": f"{r['unit_level']} {r['unit_name']}" if r["unit_level"] else None,
            "meeting_date": _iso(r["meeting_date"]),
            "published_date": _iso(r["published_date"]),
            "period": f"{r['period_part']}/{r['period_year']}" if r["period_year"] else None,
        }
        for r in rows
    ]


def add_row(engine: Engine, row: SQLModel) -> int:
    """Store one row of a table with an integer id; returns the id."""
    with Session(engine) as session:
        session.add(row)
        session.commit()
        new_id = getattr(row, "id", None)
        assert isinstance(new_id, int)
        return new_id


def count_reports(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(Report)).scalar() or 0)


# -- look-ups for answering -----------------------------------------------------------------


def items_by_id(engine: Engine, item_ids: list[int]) -> dict[int, dict[str, Any]]:
    if not item_ids:
        return {}
    with engine.connect() as connection:
        rows = connection.execute(select(Item).where(col(Item.id).in_(item_ids))).mappings().all()
    return {int(r["id"]): dict(r) for r in rows}


def items_of(
    engine: Engine, report_ids: list[int], *, kind: str | None = None
) -> list[dict[str, Any]]:
    """Items of these reports in document order (optionally of one kind)."""
    if not report_ids:
        return []
    query = select(Item).where(col(Item.report_id).in_(report_ids))
    if kind:
        query = query.where(col(Item.kind) == kind)
    order = (col(Item.report_id), col(Item.position), col(Item.id))
    with engine.connect() as connection:
        rows = connection.execute(query.order_by(*order)).mappings().all()
    return [dict(r) for r in rows]


def figures_of(engine: Engine, report_ids: list[int]) -> list[dict[str, Any]]:
    return _children(engine, Figure, report_ids)


def people_of(engine: Engine, report_ids: list[int]) -> list[dict[str, Any]]:
    return _children(engine, Person, report_ids)


def _children(engine: Engine, table: Any, report_ids: list[int]) -> list[dict[str, Any]]:
    """Rows of one child table for these reports, in the order they were stored."""
    if not report_ids:
        return []
    query = select(table).where(col(table.report_id).in_(report_ids)).order_by(col(table.id))
    with engine.connect() as connection:
        return [dict(r) for r in connection.execute(query).mappings().all()]


def report_text(engine: Engine, report_id: int) -> str | None:
    """A report's cleaned text (for quoting around a passage)."""
    with engine.connect() as connection:
        found = connection.execute(
            select(col(Report.text)).where(col(Report.id) == report_id)
        ).scalar()
    return str(found) if found is not None else None


def report_meta(engine: Engine, report_id: int) -> dict[str, str]:
    """A report's page metadata (footer editor, site, banner...)."""
    with engine.connect() as connection:
        meta = connection.execute(
            select(col(Report.meta)).where(col(Report.id) == report_id)
        ).scalar()
    return dict(meta or {})


def documents_numbered(engine: Engine, number: str) -> list[dict[str, Any]]:
    """Stored documents (plans, resolutions…) whose own code starts with this number."""
    query = (
        select(
            col(Report.id),
            col(Report.doc_code),
            col(Report.title),
            col(Report.issuer),
            col(Report.subject),
            col(Report.published_date),
        )
        .where(col(Report.doc_code).startswith(number))
        .order_by(col(Report.id))
    )
    with engine.connect() as connection:
        return [dict(r) for r in connection.execute(query).mappings().all()]


def doc_refs_numbered(engine: Engine, number: str) -> list[dict[str, Any]]:
    """References whose code starts with this document number ("05" → 05-CT/TW, 05/CT...)."""
    with engine.connect() as connection:
        rows = (
            connection.execute(
                select(DocRef).where(col(DocRef.code).startswith(number)).order_by(col(DocRef.id))
            )
            .mappings()
            .all()
        )
    return [dict(r) for r in rows]
