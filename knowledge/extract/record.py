"""The structured record one document yields, before storage.

Plain dataclasses: extraction runs in worker processes and must pickle cheaply; the store
maps them onto its tables. Every value keeps the sentence it came from (``sentence``) so an
answer can always cite its evidence.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(slots=True)
class Place:
    level: str
    name: str


@dataclass(slots=True)
class Unit:
    level: str
    name: str
    written: str  # as the document wrote it: "Ủy ban MTTQ Phường 2", "xã quảng Nghiệp"
    parents: list[Place] = field(default_factory=list)
    code: str | None = None  # gazetteer code when the unit resolved unambiguously
    sentence: str = ""


@dataclass(slots=True)
class Person:
    name: str
    role: str | None
    relation: str  # chaired | attended | spoke | directed | reported | author | mentioned
    organisation: str | None = None
    sentence: str = ""


@dataclass(slots=True)
class Item:
    kind: str  # achievement | limitation | direction | directive | provision | other
    text: str
    heading: str = ""  # heading path, " › " between levels
    by: str | None = None  # the person who asked for it (directives)
    position: int = 0


@dataclass(slots=True)
class Figure:
    value: float
    unit: str
    qualifier: str | None  # trên | gần | hơn | khoảng | dưới | đạt ...
    text: str  # the phrase it counts ("vận động Quỹ Vì người nghèo")
    raw: str  # the figure as written ("8.000.000/21.000.000 đồng")
    role: str | None = None  # achieved | target | min | max | part | total | None
    group: int | None = None  # figures written together ("77 cuộc/2288 lượt") share a group
    sentence: str = ""
    # What the figure is, so totals add only like with like (knowledge/analyze.py):
    measure: str | None = None  # the comparable measure: đồng, suất quà, lượt, hộ, nhà, % …
    kind: str | None = None  # amount (money) | count | rate (a unit price, "mỗi hộ") | share (%)
    per: str | None = None  # a rate's denominator: "suất quà" of "600.000 đồng/suất"
    subject: str | None = None  # what it counts: a fund, a campaign, else the activity phrase


@dataclass(slots=True)
class DocRef:
    code: str
    kind: str | None
    issuer: str | None
    date: str | None
    subject: str | None = None
    sentence: str = ""


@dataclass(slots=True)
class Campaign:
    name: str
    kind: str  # cuộc vận động | phong trào | quỹ


@dataclass(slots=True)
class Period:
    year: int
    part: str  # H1 | H2 | Y | Q1..Q4 | M1..M12


@dataclass(slots=True)
class Record:
    title: str
    doc_type: str  # hội nghị | văn bản | tin tức
    unit: Unit | None
    meeting_date: str | None
    published_date: str | None
    period: Period | None
    meeting_kind: str | None
    session_number: int | None
    term: str | None
    author: str | None
    truncated: bool
    text: str
    url: str | None = None  # where the page lives, when its source says (JSON Lines, HTML)
    doc_code: str | None = None
    issuer: str | None = None  # a directive document's issuing body
    subject: str | None = None  # a directive document's subject ("Về ...")
    people: list[Person] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    doc_refs: list[DocRef] = field(default_factory=list)
    campaigns: list[Campaign] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)
    provenance: dict[str, str] = field(default_factory=dict)  # field → sentence
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
