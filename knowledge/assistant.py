"""The question-answering pipeline end to end: understand → retrieve → compose.

One Assistant a process: it opens the database, the persistent index and the catalog once,
then answers any number of questions (thread-safe: the bot calls it from worker threads).
Before a question it catches up with reports stored by other processes (at most once a
second), so several bot instances sharing one database all see a new report without a
restart. No input raises: an empty, huge or odd question gets an Answer.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import Engine

from knowledge import analyze, followup, store
from knowledge.answer import MAX_REPORTS, Answer, about_the_document, compose, describe, not_found
from knowledge.catalog import Catalog, reform_of
from knowledge.index import PassageIndex, index_path
from knowledge.retrieve import retrieve
from knowledge.terms import bigrams, syllables
from knowledge.text import fold
from knowledge.understand import Question, context_of, merge, understand

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Assistant:
    engine: Engine
    index: PassageIndex
    catalog: Catalog
    sources: int = MAX_REPORTS  # reports quoted in an answer at most (the bot pages through more)

    @classmethod
    def open(
        cls,
        database_url: str,
        *,
        index_dir: str | None = None,
        engine: Engine | None = None,
        read_only: bool = False,
    ) -> Assistant:
        """``read_only``: answering only, so a database (and index) that cannot be written
        will do, as long as both are current."""
        engine = engine or store.connect(database_url, read_only=read_only)
        index = PassageIndex(engine, index_path(database_url, index_dir))
        catalog = Catalog(engine)
        assistant = cls(engine, index, catalog)
        assistant.refresh(force=True)
        return assistant

    def refresh(self, *, force: bool = False) -> None:
        """Catch up with the change log (index and catalog)."""
        self.index.sync(force=force)
        self.catalog.refresh(force=force)

    def ask(
        self, text: str, *, context: dict[str, Any] | None = None, today: date | None = None
    ) -> Answer:
        started = time.perf_counter()
        try:
            self.refresh()
            answer = self._ask(text, context, today)
        except Exception:  # an answer must never take the caller down
            log.exception("answering %r failed", text[:200])
            answer = Answer(False, "error", text[:200], reason="error")
        answer.elapsed_ms = round((time.perf_counter() - started) * 1000, 2)
        return answer

    def _ask(self, text: str, context: dict[str, Any] | None, today: date | None) -> Answer:
        question = understand(text, catalog=self.catalog, today=today)
        if context and question.follow_up and not question.tokens:
            # Only an elliptical question ("còn hạn chế thì sao?", "năm 2023 thì sao?")
            # takes the previous unit and period: one with words of its own ("con mèo nhà
            # tôi tên là gì") is answered as itself.
            question = merge(question, context, self.catalog)
        if not self.catalog.reports:
            answer = Answer(False, question.intent, question.text, reason="no_reports")
            answer.context = context or {}
            return answer
        if _says_nothing(question):
            answer = Answer(False, "none", question.text, reason="empty")
            answer.context = context or {}
            return answer
        answer = self._dispatch(question)
        if question.related:
            _mark_reform(answer, self.catalog)
        answer.context = context_of(question, [s.report_id for s in answer.sources])
        return answer

    def _dispatch(self, question: Question) -> Answer:
        if question.unknown_unit and not question.units:
            return self._elsewhere(question)
        if question.codes:
            # Asked of the document itself ("25/KH-MTTQ-BTT nói về gì", "124-QĐ/TW được nhắc
            # ở đâu"), what the collection knows of it; asked of its content ("theo NQ 12 …
            # giao MTTQ nhiệm vụ gì"), the passage that says it, like any other question.
            document = analyze.document(question, engine=self.engine, catalog=self.catalog)
            if document is not None and about_the_document(question):
                return document
            searched = self._search(question)
            return searched if searched.found or document is None else document
        special = self._special(question)
        if special is not None:
            return special
        return self._search(question)

    def _special(self, question: Question) -> Answer | None:
        if question.intent == "coverage":
            return analyze.coverage(question, catalog=self.catalog)
        if question.intent == "timeline":
            return analyze.timeline(question, engine=self.engine, catalog=self.catalog)
        if question.intent == "aggregate":
            return analyze.aggregate(
                question, engine=self.engine, index=self.index, catalog=self.catalog
            )
        if question.intent == "followup":
            return followup.follow_up(question, engine=self.engine, catalog=self.catalog)
        if question.intent == "compare":
            return analyze.compare(
                question, self._search, engine=self.engine, index=self.index, catalog=self.catalog
            )
        if question.intent == "figure" and question.total_asked:
            # "Tổng số tiền … của xã X năm 2024": the sum of its monthly reports when it has
            # several; its one report's figure otherwise (a plain search finds it).
            return analyze.aggregate(
                question,
                engine=self.engine,
                index=self.index,
                catalog=self.catalog,
                within_unit=True,
            )
        return None

    def _elsewhere(self, question: Question) -> Answer:
        """No report is *of* the unit named, but one may speak of it ("huyện Ba Vì" in a
        city-wide report): answer from a passage that names it, else say it is not held."""
        wider = _named_elsewhere(question)
        found = self._search(wider) if wider is not None else None
        if found is not None and found.found:
            return found
        return _with_close_units(not_found(question, None, "unknown_unit"), question, self.catalog)

    def search_question(self, text: str) -> Question | None:
        """The question ``_search`` ranks passages for, as ``ask`` would route ``text``; None
        when it is answered another way (a stored document by its code, a coverage, timeline,
        total, comparison or follow-up, nothing to search, a numbered unit not held).
        bench/fit_ranking.py fits the ranking model on exactly these."""
        question = understand(text, catalog=self.catalog)
        if _says_nothing(question):
            return None
        if question.unknown_unit and not question.units:
            return _named_elsewhere(question)
        if question.codes and about_the_document(question):
            return None
        return None if question.intent in _SPECIAL and not question.codes else question

    def _search(self, question: Question) -> Answer:
        answer = self._search_once(question)
        if not answer.found and answer.reason == "no_match" and question.units:
            # A page is filed under one unit, but may well report on another ("MTTQ tỉnh X"
            # in a national article): any report that names the unit, before giving up.
            named = replace(question, units=[], near=question.near | _unit_anchors(question))
            wider = self._search_once(named)
            if wider.found:
                return wider
        return answer

    def _search_once(self, question: Question) -> Answer:
        retrieved = retrieve(question, index=self.index, catalog=self.catalog)
        answer = compose(question, retrieved, engine=self.engine, sources=self.sources)
        if answer.reason == "no_kind" and question.cues:
            # No item was classed a limitation (say), but the text may still speak of them:
            # search for the words themselves ("hạn chế, tồn tại") before saying none.
            wider = replace(question, intent="search", tokens=question.tokens + question.cues)
            retrieved = retrieve(wider, index=self.index, catalog=self.catalog)
            found = compose(wider, retrieved, engine=self.engine, sources=self.sources)
            if found.found and _speaks_of(found, question.cues):
                found.intent = question.intent
                return found
        return answer

    def overview(self) -> dict[str, Any]:
        """What the collection holds (for /start and the console's greeting)."""
        self.refresh()
        reports = self.catalog.reports.values()
        return {
            "reports": len(self.catalog.reports),
            "units": len(self.catalog.by_unit),
            "periods": self.catalog.periods()[:6],
            "newest": [
                {"unit": r.unit.label if r.unit else None, "year": r.year, "part": r.part}
                for r in sorted(reports, key=lambda r: r.sort_key, reverse=True)
                if r.unit and r.doc_type != "tin tức"
            ][:3],
        }


_SPECIAL = frozenset({"coverage", "timeline", "aggregate", "followup", "compare"})


def _named_elsewhere(question: Question) -> Question | None:
    """A unit nothing is stored of, searched as words its passages must say ("Nghệ An" as
    a name, not "nghe" and "an"; "quận 2" with its level, since the number alone says
    nothing); a page that writes it (a city's article on its district) may answer."""
    written = (question.unknown_unit or "").strip()
    level, _, name = written.partition(" ")
    words = syllables(name)
    if not words:
        return None
    if any(t.isdigit() for t in words):
        words = syllables(level)[-1:] + words
    # The whole name, written as one: "Không Có Thật" is not "không có" here and "có thật" there.
    return replace(question, tokens=question.tokens + words, near=question.near | {"_".join(words)})


def _unit_anchors(question: Question) -> set[str]:
    """What a report must write to be about the question's unit: "ubtu" for the central
    committee, else the name's syllable pairs ("kien_tuong"), or a numbered unit's level."""
    anchors: set[str] = set()
    for unit in question.units[:1]:
        if unit.level == "trung ương":
            anchors.add("ubtu")
            continue
        name = syllables(unit.name)
        level = syllables(unit.level)
        anchors |= set(bigrams(level[-1:] + name if name[0].isdigit() else name)) or set(name)
    return anchors


def _says_nothing(question: Question) -> bool:
    """Nothing to search for: only query syntax and punctuation (whatever a previous turn
    gave), or no words, unit, period, document or kind of answer."""
    return question.bare or not (
        question.tokens
        or question.units
        or question.unknown_unit
        or question.codes
        or question.period
        or question.explicit
    )


def _with_close_units(answer: Answer, question: Question, catalog: Catalog) -> Answer:
    """For a unit nothing is stored about, suggest stored units of the same level."""
    level = (question.unknown_unit or "").split(" ")[0]
    same = {u for u in catalog.by_unit if u.level.startswith(level) and catalog.trusted(u)}
    reports = catalog.reports_of(same)[:5]
    answer.suggestions = [describe(r) for r in reports]
    answer.choices = list(dict.fromkeys(r.unit.label for r in reports if r.unit))
    return answer


def _speaks_of(answer: Answer, cues: list[str]) -> bool:
    """The passages found say the cue itself ("hạn chế", even misspelt "hạn chễ"), not just one
    of its syllables ("quy chế")."""
    phrase = " ".join(cues)
    texts = [p.text for g in answer.groups for p in g.passages] + [
        str((answer.lead or {}).get("text", ""))
    ]
    return any(phrase in fold(text) for text in texts)


def _mark_reform(answer: Answer, catalog: Catalog) -> None:
    """Each source of a unit the 2025 reform changed says so (see reform_of)."""
    for source in answer.sources:
        info = catalog.reports.get(source.report_id)
        source.reform = reform_of(info.unit) if info and info.unit else None
