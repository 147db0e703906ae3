"""Tables. One report a row; its people, items, figures, references and campaigns in child
tables so they can be searched and counted across reports. Schema changes go through the
Alembic migrations in knowledge/migrations (the tables are never created any other way)."""

from __future__ import annotations

from datetime import date as Date
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Integer, LargeBinary, Text
from sqlmodel import Field, SQLModel


def _parent() -> Any:
    return Field(
        sa_column=Column(
            Integer, ForeignKey("report.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )


class ReportBase(SQLModel):
    source: str = Field(index=True, unique=True)
    content_hash: str = Field(index=True, unique=True)
    raw_hash: str
    title: str
    doc_type: str = Field(index=True)
    doc_code: str | None = Field(default=None, index=True)
    issuer: str | None = None
    subject: str | None = None
    unit_level: str | None = None
    unit_name: str | None = None
    unit_key: str | None = Field(default=None, index=True)  # folded "level|name" for lookups
    unit_written: str | None = None
    unit_code: str | None = None
    meeting_date: Date | None = Field(default=None, index=True)
    published_date: Date | None = None
    period_year: int | None = Field(default=None, index=True)
    period_part: str | None = None
    meeting_kind: str | None = None
    session_number: int | None = None
    term: str | None = None
    author: str | None = None
    truncated: bool = False
    front: bool = False  # the page speaks of the Fatherland Front (MTTQ)
    ingested_at: datetime


# SQLite: AUTOINCREMENT, so a deleted row's id is never given again (migration 0009).
NEVER_REUSED: Any = {"sqlite_autoincrement": True}


class Report(ReportBase, table=True):
    __table_args__ = NEVER_REUSED

    id: int | None = Field(default=None, primary_key=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    url: str | None = Field(
        default=None, sa_column=Column(Text, nullable=True)
    )  # the page's address
    unit_parents: list[dict[str, str]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    meta: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    provenance: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    warnings: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class Person(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    report_id: int = _parent()
    name: str = Field(index=True)
    role: str | None = None
    relation: str
    organisation: str | None = None
    sentence: str = Field(sa_column=Column(Text, nullable=False))


class Item(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    report_id: int = _parent()
    kind: str = Field(index=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    heading: str = Field(default="", sa_column=Column(Text, nullable=False))
    by: str | None = None
    position: int


class Figure(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    report_id: int = _parent()
    value: float
    unit: str = Field(index=True)
    qualifier: str | None = None
    text: str = Field(sa_column=Column(Text, nullable=False))
    raw: str
    role: str | None = None
    grp: int | None = None
    sentence: str = Field(sa_column=Column(Text, nullable=False))
    # What the figure is (migration 0010; null in rows stored before, read again then):
    measure: str | None = None  # đồng, suất quà, lượt, hộ, nhà, % …
    kind: str | None = None  # amount | count | rate | share
    per: str | None = None  # a rate's denominator ("suất quà" of "600.000 đồng/suất")
    subject: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class DocRef(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    report_id: int = _parent()
    code: str = Field(index=True)
    kind: str | None = None
    issuer: str | None = None
    date: Date | None = None
    subject: str | None = Field(default=None, sa_column=Column(Text))
    sentence: str = Field(sa_column=Column(Text, nullable=False))


class Campaign(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    report_id: int = _parent()
    name: str = Field(index=True)
    kind: str


class ReportChange(SQLModel, table=True):
    """Append-only log of stored ('add') and removed ('del') reports: what indexes follow."""

    seq: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(index=True)
    op: str = Field(max_length=8)


class DbInfo(SQLModel, table=True):
    """Facts about the database itself; 'identity' tells a recreated database from the old."""

    key: str = Field(primary_key=True, max_length=40)
    value: str = Field(max_length=200)


CHILD_TABLES: tuple[type[SQLModel], ...] = (Person, Item, Figure, DocRef, Campaign)


def _big(*, primary_key: bool = False, nullable: bool = False, index: bool = False) -> Any:
    """Telegram chat and user ids exceed 32 bits."""
    return Field(
        sa_column=Column(
            BigInteger, primary_key=primary_key, autoincrement=False, nullable=nullable, index=index
        )
    )


class ChatState(SQLModel, table=True):
    """A chat's facets from its last answer, for follow-ups (shared by every bot instance)."""

    chat_id: int = _big(primary_key=True)
    context: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime


class Asked(SQLModel, table=True):
    """One answered question: pages, excerpt and follow-up buttons refer to it by id."""

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = _big(index=True)
    user_id: int | None = _big(nullable=True)
    question: str = Field(sa_column=Column(Text, nullable=False))
    folded: str = Field(max_length=200, index=True)  # groups the same question asked again
    found: bool
    intent: str = Field(max_length=40)
    answer: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    feedback: int | None = None  # 1 helpful, -1 not
    asked_at: datetime = Field(index=True)


class Upload(SQLModel, table=True):
    """A document an admin sent, held until they press Lưu (stored) or Hủy; only they, in
    the chat of its preview, can."""

    __table_args__ = NEVER_REUSED

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = _big()
    chat_id: int | None = _big(nullable=True)  # null only in rows older than migration 0006
    file_name: str = Field(max_length=255)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    status: str = Field(max_length=16)  # pending | saved | cancelled
    created_at: datetime


class Deletion(SQLModel, table=True):
    """A deletion asked with /xoa, awaiting its confirmation: the buttons carry this id, and
    only the admin who asked, in the chat they asked in, can confirm or drop it."""

    __table_args__ = NEVER_REUSED

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = _big()
    user_id: int = _big()
    report_id: int
    status: str = Field(max_length=16)  # pending | deleted | kept
    created_at: datetime = Field(index=True)


class Audit(SQLModel, table=True):
    """Who loaded or deleted which report, and when."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(index=True)
    user_id: int = _big()
    action: str = Field(max_length=16)  # load | delete
    report_id: int | None = None
    source: str | None = Field(default=None, sa_column=Column(Text))
    detail: str = Field(default="", sa_column=Column(Text, nullable=False))
