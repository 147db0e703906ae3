"""The understood question: its words and its facets."""

from __future__ import annotations

from dataclasses import dataclass, field

from knowledge.catalog import Place, Unit
from knowledge.understand.intents import ITEM_KIND
from knowledge.understand.periods import Period
from knowledge.understand.words import FRONT_TOKENS


@dataclass(slots=True)
class Question:
    text: str
    folded: str
    tokens: list[str]  # content tokens in index spelling
    exact: list[str]  # accented words, when the user typed accents
    numbers: set[str]  # numbers that must appear in an answer passage
    intent: str = "search"
    units: list[Unit] = field(default_factory=list)
    central: bool = False  # the national committee is named ("Ủy ban Trung ương MTTQ")
    scope: str | None = None  # "Tỉnh Hải Dương" when the units are those inside a place named
    mentions: list[frozenset[Unit]] = field(default_factory=list)  # each unit name written
    unknown_unit: str | None = None  # named, but nothing of it is stored
    # Units the 2025 reform links to those named (among ``units``, after them): "after" for a
    # unit the named one went into, "before" for one that went into it.
    related: dict[Unit, str] = field(default_factory=dict)
    reform_asked: str | None = (
        None  # "xã Liêm Hải": a unit named that only its successors speak for
    )
    places: list[Place] = field(default_factory=list)
    period: Period | None = None
    measure: str | None = None
    total_asked: bool = False  # "tổng số …" of one unit: its reports' figures may add up
    codes: list[str] = field(default_factory=list)
    meeting_kind: str | None = None  # folded: "so ket", "tong ket", "giao ban", "hiep thuong"...
    follow_up: bool = False
    cues: list[str] = field(default_factory=list)  # the intent's own words, left out of tokens
    required: set[str] = field(default_factory=set)  # tokens an answer passage must hold
    anchors: set[str] = field(default_factory=set)  # ...or its report ("lần thứ 7")
    near: set[str] = field(default_factory=set)  # ...or the passage's neighbours (a place)
    explicit: set[str] = field(default_factory=set)  # facets the question itself gave
    bare: bool = False  # nothing but query syntax and punctuation: no word, number or code

    @property
    def about_front(self) -> bool:
        """The question names the Front itself ("Ủy ban MTTQ …", "Mặt trận …")."""
        return any(t in FRONT_TOKENS for t in self.tokens)

    @property
    def item_kind(self) -> str | None:
        return ITEM_KIND.get(self.intent)
