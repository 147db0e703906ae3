"""What the bot asks of the knowledge layer, as plain data (dicts of str, numbers, lists).

The Telegram handlers call these synchronous, CPU-bound methods off the event loop. Every
piece of state a later update needs (a chat's facets, an answer's pages and buttons, an
upload awaiting confirmation) is in the database, so any instance can serve any update.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from knowledge import chats, store, uploads
from knowledge.answer import period_of
from knowledge.assistant import Assistant
from knowledge.catalog import ReportInfo, Unit, choice_labels, reform_of
from knowledge.citing import shown_name
from knowledge.errors import StoreError
from knowledge.understand import understand

log = logging.getLogger(__name__)

# The questions behind the follow-up buttons: asked with the answer's own facets, so they
# mean "the limitations (directions, directives) of that unit in that period".
FOLLOW_UPS = {
    "limitation": "còn hạn chế thì sao?",
    "direction": "còn phương hướng nhiệm vụ thời gian tới thì sao?",
    "directive": "còn chỉ đạo thì sao?",  # elliptical: it takes the unit and period asked before
}
EXCERPT = 1500  # characters of the report shown around a passage
SOURCES = 6  # reports an answer may quote: the bot shows one a page ("Thêm kết quả")
BRIEF = 5  # figures and items of each kind in a report's summary (/baocao)


@dataclass(slots=True)
class Service:
    assistant: Assistant
    max_bytes: int = 20_000_000

    def __post_init__(self) -> None:
        # The console prints an answer whole, so it quotes 3 reports; the bot pages them.
        self.assistant.sources = SOURCES

    @property
    def engine(self) -> Engine:
        return self.assistant.engine

    # -- questions ---------------------------------------------------------------------

    def ask(
        self,
        text: str,
        *,
        chat_id: int,
        user_id: int | None,
        context: dict[str, Any] | None = None,
        remember: bool = True,
    ) -> dict[str, Any]:
        """Answer with the chat's previous facets (or ``context``), keep the new facets and
        store the answer; the result carries its id ("id") for the buttons."""
        previous = (
            context
            if context is not None
            else chats.context_of(self.engine, chat_id)
            if remember
            else None
        )
        answer = self.assistant.ask(text, context=previous)
        data = chats.json_safe(answer.to_dict())
        data["id"] = chats.record(
            self.engine,
            chat_id=chat_id,
            user_id=user_id,
            question=text,
            answer=data,
            context=answer.context if remember else None,
        )
        log.info(
            "answer %s: intent=%s found=%s %.0f ms",
            data["id"],
            answer.intent,
            answer.found,
            answer.elapsed_ms,
        )
        return data

    def given(self, asked_id: int, *, chat_id: int | None) -> dict[str, Any] | None:
        """A stored answer, only in the chat it was given in. A button carries just the id,
        and a client can send any id from anywhere: an answer of another chat, an id that
        was never given, or a press with no chat at all (an inline message: None) is None."""
        found = chats.given(self.engine, asked_id, chat_id=chat_id) if chat_id is not None else None
        if found is None:
            return None
        return {**found.answer, "id": found.id, "question": found.question}

    def follow(
        self, asked_id: int, topic: str, *, chat_id: int | None, user_id: int | None
    ) -> dict[str, Any] | None:
        """A follow-up button: the same unit and period, another kind of item."""
        before = self.given(asked_id, chat_id=chat_id)
        if before is None or chat_id is None or topic not in FOLLOW_UPS:
            return None
        return self.ask(
            FOLLOW_UPS[topic], chat_id=chat_id, user_id=user_id, context=before.get("context") or {}
        )

    def choose(
        self, asked_id: int, index: int, *, chat_id: int | None, user_id: int | None
    ) -> dict[str, Any] | None:
        """A disambiguation button: the question again, with the unit chosen spelled out."""
        before = self.given(asked_id, chat_id=chat_id)
        choices = (before or {}).get("choices") or []
        if before is None or chat_id is None or not 0 <= index < len(choices):
            return None
        return self.ask(
            f"{before['question']} ({choices[index]})", chat_id=chat_id, user_id=user_id
        )

    def excerpt(self, asked_id: int, group: int, *, chat_id: int | None) -> dict[str, Any] | None:
        """The report's own text around the passages an answer quoted from one source."""
        answer = self.given(asked_id, chat_id=chat_id)
        groups = (answer or {}).get("groups") or []
        if not 0 <= group < len(groups):
            return None
        source = groups[group]["source"]
        text = store.report_text(self.engine, int(source["report_id"]))
        if text is None:
            return None
        passages = [p["text"] for p in groups[group].get("passages", [])]
        lead = (answer or {}).get("lead") or {}
        quoted = [*([lead["passage"]] if group == 0 and lead.get("passage") else []), *passages]
        return {"source": source, "text": window(text, quoted, size=EXCERPT)}

    def vote(self, asked_id: int, value: int, *, chat_id: int | None) -> bool:
        """Feedback on an answer, from the chat it was given in only (see `given`)."""
        return chat_id is not None and chats.vote(self.engine, asked_id, value, chat_id=chat_id)

    # -- browsing ----------------------------------------------------------------------

    def overview(self) -> dict[str, Any]:
        """What the collection holds, with the units most reported on (for /start)."""
        busiest = sorted(self.units(), key=lambda u: -u["reports"])
        return {**self.assistant.overview(), "unit_names": [u["unit"] for u in busiest[:5]]}

    def units(self) -> list[dict[str, Any]]:
        """Units with reports, by name: how many, and the newest date."""
        catalog = self.assistant.catalog
        self.assistant.refresh()
        rows = []
        for unit, ids in list(catalog.by_unit.items()):
            if not catalog.trusted(unit):
                continue
            reports = [catalog.reports[i] for i in ids if i in catalog.reports]
            newest = max((r.when for r in reports if r.when), default=None)
            rows.append(
                {
                    "unit": unit.label,
                    "reports": len(reports),
                    "newest": newest.isoformat() if newest else None,
                }
            )
        return sorted(rows, key=lambda r: (r["unit"].casefold(), r["unit"]))

    def latest_report(self, text: str) -> dict[str, Any]:
        """A unit's newest report in brief: date, period, key figures, achievements,
        limitations, directions. Ambiguous names give choices, unknown ones close units."""
        catalog = self.assistant.catalog
        self.assistant.refresh()
        question = understand(text, catalog=catalog)
        # The units named; only when none is held, those the 2025 reform links to it.
        asked = [u for u in question.units if u not in question.related] or list(question.related)
        units = [u for u in asked if catalog.reports_of({u})]
        if len(units) != 1:
            return {
                "found": False,
                "unit": question.unknown_unit or text.strip(),
                "choices": choice_labels(units)[:8],
            }
        brief = self._brief(_newest(catalog.reports_of({units[0]}), units[0]))
        reform = reform_of(units[0]) if question.related else None
        return {"found": True, "unit": units[0].label, "reform": reform, **brief}

    def _brief(self, report: ReportInfo) -> dict[str, Any]:
        with self.engine.connect() as connection:
            full = store.report_json(connection, report.id)
        items = full["items"]
        return {
            "report_id": report.id,
            "source": report.source,
            "name": shown_name(report.source),
            "url": report.url,
            "title": report.title,
            "meeting_date": report.when.isoformat() if report.when else None,
            "date_kind": report.date_kind,
            "period": period_of(report),
            "doc_type": report.doc_type,
            "meeting_kind": report.meeting_kind,
            "figures": _key_figures(full["figures"]),
            **{
                kind: [i["text"] for i in items if i["kind"] == kind][:BRIEF]
                for kind in ("achievement", "limitation", "direction")
            },
        }

    # -- admin -------------------------------------------------------------------------

    def preview(self, *, user_id: int, chat_id: int, file_name: str, data: bytes) -> dict[str, Any]:
        """What a sent file would store; held for Lưu / Hủy by this admin in this chat."""
        return uploads.preview(
            self.engine,
            user_id=user_id,
            chat_id=chat_id,
            file_name=file_name,
            data=data,
            max_bytes=self.max_bytes,
        )

    def held(self, upload_id: int, *, user_id: int, chat_id: int | None) -> dict[str, Any] | None:
        """An upload's name and status, for the admin who sent it pressing in the chat of its
        preview only; None for anyone else, anywhere else, or an id never given."""
        found = (
            uploads.held(self.engine, upload_id, user_id=user_id, chat_id=chat_id)
            if chat_id is not None
            else None
        )
        return (
            {"upload_id": found.upload_id, "file_name": found.file_name, "status": found.status}
            if found
            else None
        )

    def commit(self, upload_id: int, *, user_id: int, chat_id: int) -> dict[str, Any] | None:
        summary = uploads.commit(
            self.engine, upload_id, user_id=user_id, chat_id=chat_id, max_bytes=self.max_bytes
        )
        if summary is not None:
            self.assistant.refresh(force=True)  # the next question sees the new report at once
        return summary

    def cancel(self, upload_id: int, *, user_id: int, chat_id: int) -> bool:
        return uploads.cancel(self.engine, upload_id, user_id=user_id, chat_id=chat_id)

    def report(self, report_id: int) -> dict[str, Any] | None:
        """A stored report's card (for the deletion confirmation)."""
        try:
            found = store.find(self.engine, str(report_id))
        except StoreError:
            return None
        return {k: v for k, v in found.items() if k not in {"text", "provenance", "meta"}}

    def ask_delete(self, report_id: int, *, user_id: int, chat_id: int) -> dict[str, Any] | None:
        """/xoa: the report's card and the id its confirmation buttons carry, bound to this
        admin and chat; None when there is no such report."""
        card = self.report(report_id)
        if card is None:
            return None
        return {
            **card,
            "deletion_id": uploads.ask_delete(
                self.engine, report_id, user_id=user_id, chat_id=chat_id
            ),
        }

    def deletion(
        self, deletion_id: int, *, user_id: int, chat_id: int | None
    ) -> dict[str, Any] | None:
        """A deletion's report and status, for the admin who asked it pressing in the chat they
        asked in only (see `held`)."""
        found = (
            uploads.pending(self.engine, deletion_id, user_id=user_id, chat_id=chat_id)
            if chat_id is not None
            else None
        )
        return (
            {"deletion_id": found.deletion_id, "report_id": found.report_id, "status": found.status}
            if found
            else None
        )

    def confirm_delete(
        self, deletion_id: int, *, user_id: int, chat_id: int
    ) -> dict[str, Any] | None:
        """Carry out a confirmed deletion once: {"report_id", "source"} (source None when the
        report was gone meanwhile); None when it was settled before or is not theirs."""
        report_id = uploads.settle(
            self.engine, deletion_id, "deleted", user_id=user_id, chat_id=chat_id
        )
        if report_id is None:
            return None
        return {"report_id": report_id, "source": self.remove(report_id, user_id=user_id)}

    def keep(self, deletion_id: int, *, user_id: int, chat_id: int) -> int | None:
        """Drop a deletion once; its report's id, None when settled before or not theirs."""
        return uploads.settle(self.engine, deletion_id, "kept", user_id=user_id, chat_id=chat_id)

    def remove(self, report_id: int, *, user_id: int) -> str | None:
        source = uploads.remove(self.engine, report_id, user_id=user_id)
        if source is not None:
            self.assistant.refresh(force=True)
        return source

    def stats(self) -> dict[str, Any]:
        overview = self.assistant.overview()  # the counts only: not the units' list
        return {
            "reports": overview["reports"],
            "units": overview["units"],
            **chats.stats(self.engine),
            "audit": uploads.audit_log(self.engine, limit=5),
        }

    def health(self) -> dict[str, Any]:
        """For the webhook's health endpoint: the database answers."""
        return {"status": "ok", "reports": store.count_reports(self.engine)}


def _newest(reports: list[ReportInfo], unit: Unit) -> ReportInfo:
    """The newest report of the unit, a Front one when there is any."""
    front = [r for r in reports if r.front and r.unit == unit] or reports
    return max(front, key=lambda r: r.sort_key)


def _key_figures(figures: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Figures worth a summary line: money, people and shares before counts of anything."""
    weight = {"đồng": 0, "người": 1, "hộ": 1, "%": 2}
    ranked = sorted(
        (f for f in figures if f.get("role") != "target"),
        key=lambda f: weight.get(str(f.get("unit")), 3),
    )
    seen: set[str] = set()
    chosen = []
    for figure in ranked:
        if figure["text"] not in seen:
            seen.add(figure["text"])
            chosen.append(figure)
    return chosen[:BRIEF]


def window(text: str, quoted: list[str], *, size: int) -> str:
    """``size`` characters of ``text`` around the first quoted passage found in it, cut at
    sentence ends where there is one near; the text's start when none is found."""
    at = -1
    for passage in quoted:
        probe = " ".join(passage.split())[:60]
        at = text.find(probe) if probe else -1
        if at >= 0:
            break
    start = max(0, at - size // 4) if at >= 0 else 0
    if start:
        stop = max(text.rfind(". ", 0, start + 1), text.rfind("\n", 0, start + 1))
        start = stop + 1 if stop >= 0 and start - stop < size // 4 else start
    end = min(len(text), start + size)
    if end < len(text):
        stop = max(text.rfind(". ", start, end), text.rfind("\n", start, end))
        end = stop + 1 if stop > start + size // 2 else end
    piece = text[start:end].strip()
    return ("…" if start else "") + piece + ("…" if end < len(text) else "")
