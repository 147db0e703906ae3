"""What is stored, in memory: one small row a report (unit, period, dates, title, source).

Question understanding matches unit names against the units actually stored, and retrieval
filters candidates by unit and period without a database round trip. Like the index, the
catalog follows the change log, so a report stored by another process (an admin's upload on
another bot instance) is known at the next refresh; nothing is rebuilt at start-up beyond
reading these rows (~0.1 s for 35k reports).
"""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import Engine, Text, cast, select
from sqlmodel import col

from knowledge import gazetteer, store
from knowledge.identity import UNPLACED, Place, Unit, choice_labels, parents_agree, resolve_units
from knowledge.memory import no_collection
from knowledge.models import Report, ReportChange
from knowledge.text import fold

__all__ = [
    "UNPLACED", "Catalog", "Place", "ReportInfo", "Unit", "choice_labels", "parents_agree", "resolve_units",
]  # fmt: skip


@dataclass(slots=True)
class ReportInfo:
    id: int
    source: str
    title: str
    doc_type: str
    unit: Unit | None
    meeting_date: date | None
    published_date: date | None
    year: int | None
    part: str | None
    meeting_kind: str | None
    term: str | None
    author: str | None = None
    unit_code: str | None = None
    front: bool = True
    url: str | None = None
    stored_unit: Unit | None = None  # as the report was filed (``unit`` is the entity it is one of)

    @property
    def when(self) -> date | None:
        return self.meeting_date or self.published_date

    @property
    def date_kind(self) -> str | None:
        """Which date ``when`` is: "meeting" (the meeting's or the event's), "published"."""
        if self.meeting_date:
            return "meeting"
        return "published" if self.published_date else None

    @property
    def sort_key(self) -> tuple[date, int]:
        """Newest first: the meeting (or publication) date, else the period's end."""
        when = self.when or (date(self.year, 12, 31) if self.year else date.min)
        return (when, self.id)


@dataclass(slots=True)
class Catalog:
    engine: Engine
    refresh_seconds: float = 1.0
    reports: dict[int, ReportInfo] = field(default_factory=dict)
    by_name: dict[str, set[Unit]] = field(default_factory=lambda: defaultdict(set))
    by_unit: dict[Unit, set[int]] = field(default_factory=lambda: defaultdict(set))
    parents: dict[str, set[Place]] = field(default_factory=lambda: defaultdict(set))
    seq: int = 0
    database: str = ""  # the database identity the rows were read from
    _checked: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def refresh(self, *, force: bool = False) -> bool:
        """Read the reports changed since the last refresh; True when anything changed.

        Copy-on-write: the new tables are built aside and swapped in, so questions answered
        on other threads meanwhile read a consistent (if a second old) catalog."""
        now = time.monotonic()
        if not force and now - self._checked < self.refresh_seconds:
            return False
        with self._lock:
            self._checked = now
            database, newest = store.change_head(self.engine)
            start_over = database != self.database or newest < self.seq
            seen = 0 if start_over else self.seq  # a recreated database: read it all again
            if newest <= seen and not start_over:
                return False
            with self.engine.connect() as connection, no_collection():
                changed: list[int] | None = None
                if seen:
                    seq = col(ReportChange.seq)
                    found = select(col(ReportChange.report_id)).where(seq > seen, seq <= newest)
                    changed = [int(i) for i in connection.execute(found).scalars()]
                rows = connection.execute(_columns(changed)).all()
                reports = {} if start_over else dict(self.reports)
                for report_id in changed or []:
                    reports.pop(report_id, None)
                reports.update((info.id, info) for info in map(_info, rows))
                self._swap(reports)
            self.seq, self.database = newest, database
            return True

    def _swap(self, reports: dict[int, ReportInfo]) -> None:
        canonical = resolve_units(
            {(r.stored_unit, r.unit_code) for r in reports.values() if r.stored_unit}
        )
        for report_id, info in reports.items():
            if info.stored_unit is not None:
                unit = canonical[(info.stored_unit, info.unit_code)]
                if unit != info.unit:  # a new object: questions on other threads read the old
                    reports[report_id] = replace(info, unit=unit)
        by_name: dict[str, set[Unit]] = defaultdict(set)
        by_unit: dict[Unit, set[int]] = defaultdict(set)
        parents: dict[str, set[Place]] = defaultdict(set)
        for info in reports.values():
            if info.unit is not None:
                by_unit[info.unit].add(info.id)
                by_name[fold(info.unit.name)].add(info.unit)
                for place in info.unit.parents:
                    parents[fold(place.name)].add(place)
        self.reports, self.by_name, self.by_unit, self.parents = reports, by_name, by_unit, parents

    def units_named(self, name: str) -> set[Unit]:
        """Stored units of that name that stand for a real place (see _trusted)."""
        return {u for u in self.by_name.get(fold(name), set()) if self.trusted(u)}

    def trusted(self, unit: Unit) -> bool:
        reports = (self.reports[i] for i in self.by_unit.get(unit, ()) if i in self.reports)
        return any(_trusted(r) for r in reports)

    def lineage(self, unit: Unit) -> dict[Unit, str]:
        """Stored units the 2025 reform links to this one: "after" for a unit it went into
        (xã Liêm Hải → xã Ninh Giang), "before" for one that went into it."""
        admin = gazetteer.pinned(
            unit.level,
            unit.name,
            code=unit.code,
            parents=[gazetteer.Place(p.level, p.name) for p in unit.parents],
        )
        return {u: r for u, r in self.lineage_of(admin).items() if u != unit} if admin else {}

    def lineage_of(self, admin: gazetteer.AdminUnit) -> dict[Unit, str]:
        """Stored units the reform links to a gazetteer unit (stored or not)."""
        out: dict[Unit, str] = {}
        linked = [(s, "after") for s in gazetteer.successors(admin)]
        linked += [(b, "before") for b in gazetteer.predecessors(admin)]
        for other, relation in linked:
            around = [Place(p.level, p.name) for p in other.parents]
            for unit in self.units_named(other.place.name):
                if unit.level != other.place.level:
                    continue
                if unit.code == other.code or (
                    unit.code is None and parents_agree(unit.parents, around)
                ):
                    out.setdefault(unit, relation)
        return out

    def places_named(self, name: str) -> set[Place]:
        """Parent places (huyện, thị xã, tỉnh…) reports named, by folded name."""
        return self.parents.get(fold(name), set())

    def reports_of(self, units: set[Unit] | frozenset[Unit]) -> list[ReportInfo]:
        """Reports of these units: those about the Front first, then newest first."""
        ids = {i for u in units for i in self.by_unit.get(u, ())}
        return sorted(
            (self.reports[i] for i in ids), key=lambda r: (r.front, r.sort_key), reverse=True
        )

    def periods(self) -> list[tuple[int, str]]:
        found = {(r.year, r.part) for r in self.reports.values() if r.year and r.part}
        return sorted(found, reverse=True)


_COLUMNS = (
    "id", "source", "title", "doc_type", "unit_level", "unit_name", "unit_parents",
    "meeting_date", "published_date", "period_year", "period_part", "meeting_kind", "term",
    "author", "unit_code", "front", "url",
)  # fmt: skip


def _trusted(info: ReportInfo) -> bool:
    """Whether a report's unit is one to match questions against: a meeting report's own, or
    one the gazetteer confirmed. A news page's unguessed unit ("Xã Hội Để", "Thành phố Việt
    Nam") would only mislead; the page stays searchable by its words. A real name the
    gazetteer could not pin to one place (several communes share it) is trusted."""
    if info.doc_type != "tin tức" or info.unit_code is not None or info.unit is None:
        return True
    return info.unit.level == "trung ương" or gazetteer.known(info.unit.level, info.unit.name)


def _columns(changed: list[int] | None) -> Any:
    # unit_parents as text: most reports share a few units, so each distinct value is
    # decoded once (see _unit), not 35,000 times.
    columns = [
        cast(col(Report.unit_parents), Text)
        if name == "unit_parents"
        else col(getattr(Report, name))
        for name in _COLUMNS
    ]
    query = select(*columns)
    return query if changed is None else query.where(col(Report.id).in_(changed))


@lru_cache(maxsize=65536)
def _unit(level: str, name: str, parents: str | None) -> Unit:
    places = tuple(Place(p["level"], p["name"]) for p in json.loads(parents or "[]"))
    return Unit(level, name, places)


def _info(r: Any) -> ReportInfo:
    """One catalog row (a SQLAlchemy Row, by position: the order of _COLUMNS)."""
    (id_, source, title, doc_type, level, name, parents, meeting, published, year, part,
     kind, term, author, code, front, url) = r  # fmt: skip
    unit = _unit(level, name, parents) if level and name else None
    return ReportInfo(
        int(id_),
        source,
        title,
        doc_type,
        unit,
        meeting,
        published,
        year,
        part,
        kind,
        term,
        author,
        code,
        bool(front),
        url,
        unit,
    )


def reform_of(unit: Unit) -> dict[str, list[str]] | None:
    """What the 2025 reform did to a stored unit: {"now": the units a legacy one is part
    of} when it went into units of other names, {"took_in": the legacy units of other names
    a 2025 one took in}; None when it is unchanged or unknown to the gazetteer."""
    admin = gazetteer.pinned(
        unit.level,
        unit.name,
        code=unit.code,
        parents=[gazetteer.Place(p.level, p.name) for p in unit.parents],
    )
    if admin is None:
        return None
    same = (admin.place.level, gazetteer.fold(admin.place.name))
    after = gazetteer.successors(admin)
    if after and all((a.place.level, gazetteer.fold(a.place.name)) != same for a in after):
        return {"now": [gazetteer.label(a) for a in after]}
    # A ward that kept its name in 2025 is read as its 2025 self, which may have taken others in.
    now = next((a for a in after if (a.place.level, gazetteer.fold(a.place.name)) == same), admin)
    before = [
        b
        for b in gazetteer.predecessors(now)
        if (b.place.level, gazetteer.fold(b.place.name)) != same
    ]
    return {"took_in": [f"{b.place.level} {b.place.name}" for b in before]} if before else None
