"""Conversation state kept in the database, so that any bot instance can serve any update:
a chat's facets for follow-ups, every answer given (pages, source excerpt, follow-up and
choice buttons refer to it by id), feedback on it, and the figures /thongke reports."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Engine, func, or_, select, update
from sqlmodel import Session, col

from knowledge.models import Asked, ChatState
from knowledge.text import fold

_FOLDED = 200  # characters of a folded question kept to group repeats
_WORDS = re.compile(r"\w+")  # "Xã Không Có Thật?" and "xa khong co that" are one question


@dataclass(slots=True)
class Given:
    """One stored answer: what was asked, where, and the answer as plain data."""

    id: int
    chat_id: int
    question: str
    answer: dict[str, Any]


def json_safe(data: dict[str, Any]) -> dict[str, Any]:
    """The answer as JSON stores it (dates and other values as their text)."""
    return dict(json.loads(json.dumps(data, ensure_ascii=False, default=str)))


def context_of(engine: Engine, chat_id: int) -> dict[str, Any] | None:
    with engine.connect() as connection:
        found = connection.execute(
            select(col(ChatState.context)).where(col(ChatState.chat_id) == chat_id)
        ).scalar()
    return dict(found) if found else None


def record(
    engine: Engine,
    *,
    chat_id: int,
    user_id: int | None,
    question: str,
    answer: dict[str, Any],
    context: dict[str, Any] | None = None,
) -> int:
    """Store one answer given (JSON-safe already: see json_safe), and with ``context`` the
    chat's new facets, in one transaction; returns the id the answer's buttons carry."""
    row = Asked(
        chat_id=chat_id,
        user_id=user_id,
        question=question[:2000],
        folded=" ".join(_WORDS.findall(fold(question)))[:_FOLDED],
        found=bool(answer.get("found")),
        intent=str(answer.get("intent") or "")[:40],
        answer=answer,
        asked_at=_now(),
    )
    with Session(engine) as session:
        if context:
            session.merge(_state(chat_id, context))
        session.add(row)
        session.commit()
        assert row.id is not None
        return row.id


def _state(chat_id: int, context: dict[str, Any]) -> ChatState:
    return ChatState(chat_id=chat_id, context=json_safe(context), updated_at=_now())


def given(engine: Engine, asked_id: int, *, chat_id: int) -> Given | None:
    """An answer given in ``chat_id``; None for one given in another chat, or no answer."""
    with engine.connect() as connection:
        row = connection.execute(
            select(Asked.id, Asked.chat_id, Asked.question, Asked.answer).where(  # type: ignore[call-overload]
                col(Asked.id) == asked_id, col(Asked.chat_id) == chat_id
            )
        ).first()
    return (
        Given(int(row.id), int(row.chat_id), str(row.question), dict(row.answer)) if row else None
    )


def vote(engine: Engine, asked_id: int, value: int, *, chat_id: int) -> bool:
    """👍 (1) or 👎 (-1) on an answer given in ``chat_id``; a second press replaces the first.
    False, and nothing changed, for an answer of another chat or none."""
    with engine.begin() as connection:
        done = connection.execute(
            update(Asked)
            .where(col(Asked.id) == asked_id, col(Asked.chat_id) == chat_id)
            .values(feedback=1 if value > 0 else -1)
        )
    return bool(done.rowcount)


# Not found, yet answered: the unit's report was read and lists none of what was asked ("Xã
# X có hạn chế gì?" → "Các báo cáo của xã X không nêu hạn chế"). An honest answer, not a gap
# in the collection for /thongke to show.
ANSWERED_REASONS = ("no_kind",)


def _answered() -> ColumnElement[bool]:
    reason = col(Asked.answer)["reason"].as_string()
    return or_(col(Asked.found), reason.in_(ANSWERED_REASONS))


def stats(engine: Engine, *, top: int = 5) -> dict[str, Any]:
    """Questions asked, the share answered (found, or told the report lists none of what was
    asked), the most frequent unanswered ones, feedback."""
    with engine.connect() as connection:
        asked = int(connection.execute(select(func.count()).select_from(Asked)).scalar() or 0)
        found = int(
            connection.execute(select(func.count()).select_from(Asked).where(_answered())).scalar()
            or 0
        )
        votes: dict[Any, Any] = dict(
            connection.execute(
                select(Asked.feedback, func.count())  # type: ignore[call-overload]
                .where(col(Asked.feedback).is_not(None))
                .group_by(Asked.feedback)
            ).all()
        )
        missed = connection.execute(
            select(Asked.folded, func.count(), func.max(Asked.question))  # type: ignore[call-overload]
            .where(~_answered())
            .group_by(Asked.folded)
            .order_by(func.count().desc(), Asked.folded)
            .limit(top)
        ).all()
    return {
        "questions": asked,
        "answered": found,
        "share_answered": found / asked if asked else 0.0,
        "unanswered": [{"question": str(row[2]), "count": int(row[1])} for row in missed],
        "helpful": int(votes.get(1, 0)),
        "unhelpful": int(votes.get(-1, 0)),
    }


def _now() -> datetime:
    return datetime.now(UTC)
