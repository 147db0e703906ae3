"""One unit however it is written: entity resolution of the units reports were filed under.

A page writes its unit as it likes: "Xã Liêm Hải", "xã Liêm Hải, huyện Trực Ninh", "MTTQ xã
Liêm Hải", "Xã Liêm Hải, tỉnh Nam Định". These are one unit when the parents agree (a parent
left out is no disagreement) and exactly one such unit is known: the gazetteer's code, or the
one stored unit those parents fit. The catalog resolves what it reads, the store resolves a
report against the stored ones as it is filed, and migration 0008 re-keyed what was stored.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from knowledge import gazetteer
from knowledge.text import fold


@dataclass(frozen=True, slots=True)
class Place:
    level: str
    name: str

    @property
    def key(self) -> str:
        return f"{self.level}|{fold(self.name)}"

    @property
    def label(self) -> str:
        return f"{self.level} {self.name}"


@dataclass(frozen=True, slots=True)
class Unit:
    """A stored unit with the parents its reports named (same name, other parents: another unit).

    In the catalog's tables a unit is one entity however its reports wrote it (see
    :func:`resolve_units`): the parents are every parent its reports named, the code the
    gazetteer's when one report was pinned to it."""

    level: str
    name: str
    parents: tuple[Place, ...] = ()
    code: str | None = None

    @property
    def key(self) -> str:
        return f"{self.level}|{fold(self.name)}"

    @property
    def label(self) -> str:
        """'Phường 2, thị xã Kiến Tường' — how a reader tells same-named units apart."""
        head = f"{self.level.capitalize()} {self.name}"
        return ", ".join([head, *(p.label for p in self.parents)])

    def within(self, place: Place) -> bool:
        return any(p.key == place.key for p in self.parents)


# How a same-named unit no report placed is told from the placed ones, in a choice a user can
# send back: "Phường 2 (chưa rõ thuộc đâu)" narrows to it (understand/units.py reads it).
UNPLACED = "chưa rõ thuộc đâu"


def choice_labels(units: list[Unit] | set[Unit]) -> list[str]:
    """The units' labels, each naming one of them when sent back: a unit no report placed,
    beside same-named ones that are, is marked as such (its bare name would name them all)."""
    named: dict[str, int] = defaultdict(int)
    for unit in units:
        named[unit.key] += 1
    return sorted(
        f"{u.label} ({UNPLACED})" if not u.parents and named[u.key] > 1 else u.label for u in units
    )


# Parents compared by tier: "thành phố Vũng Tàu" is a district's place, "thành phố Hồ Chí
# Minh" a province's; two names at one tier disagree, a tier one side leaves out does not.
_DISTRICT_TIER = {"huyện", "quận", "thị xã"}


# The province-level cities ("thành phố" is also a district-level town's level): a fixed
# list, so resolving the catalog's units never loads the gazetteer at start-up.
_CITIES = {"ha noi", "ho chi minh", "hai phong", "da nang", "can tho", "hue"}


def _tier(place: Place) -> str:
    if place.level == "tỉnh" or (place.level == "thành phố" and fold(place.name) in _CITIES):
        return "province"
    return (
        "district" if place.level in _DISTRICT_TIER or place.level == "thành phố" else place.level
    )


def parents_agree(
    one: tuple[Place, ...] | list[Place], other: tuple[Place, ...] | list[Place]
) -> bool:
    """Whether two sets of parents may be one unit's: no tier named differently on each side
    (a parent one side leaves out is no disagreement)."""
    named: dict[str, set[str]] = defaultdict(set)
    for place in one:
        named[_tier(place)].add(fold(place.name))
    return all(
        fold(place.name) in named[_tier(place)] for place in other if named.get(_tier(place))
    )


@lru_cache(maxsize=65536)
def gazetteer_parents(level: str, name: str, code: str | None) -> tuple[Place, ...]:
    """The parents the gazetteer gives the unit of that code (legacy or 2025), else none."""
    if not code:
        return ()
    for unit in gazetteer.candidates(level, name):
        if unit.code == code:
            return tuple(Place(p.level, p.name) for p in unit.parents)
    return ()


@dataclass(slots=True)
class _Entity:
    code: str | None
    parents: list[Place]  # every parent its reports named, one a tier
    names: list[str]
    level: str = ""

    @property
    def known(self) -> tuple[Place, ...]:
        """The gazetteer's parents for the code (looked up only when needed)."""
        return (
            gazetteer_parents(self.level, self.names[0], self.code)
            if self.code and self.names
            else ()
        )

    def fits(self, parents: tuple[Place, ...]) -> bool:
        if not parents:
            return True
        return parents_agree(self.parents, parents) and parents_agree(
            [*self.parents, *self.known], parents
        )

    def take(self, parents: tuple[Place, ...], name: str) -> None:
        tiers = {_tier(p) for p in self.parents}
        self.parents += [p for p in parents if _tier(p) not in tiers]
        self.names.append(name)


def resolve_units(stored: set[tuple[Unit, str | None]]) -> dict[tuple[Unit, str | None], Unit]:
    """Entity resolution of the units as reports were filed, (unit, gazetteer code) each:
    "Xã Liêm Hải", "Xã Liêm Hải, huyện Trực Ninh" and "Xã Liêm Hải, tỉnh Nam Định" are one
    unit when their parents agree (a parent left out is no disagreement) and exactly one
    such unit is known: one gazetteer code, or one stored unit with those parents. Same
    name, parents that fit two units (Phường 2 of no town named, beside Kiến Tường's and
    Vũng Tàu's): kept apart."""
    groups: dict[tuple[str, str], list[tuple[Unit, str | None]]] = defaultdict(list)
    for unit, code in stored:
        groups[(unit.level, fold(unit.name))].append((unit, code))
    out: dict[tuple[Unit, str | None], Unit] = {}
    for (level, _), members in groups.items():
        entities: list[_Entity] = []
        of: dict[tuple[Unit, str | None], _Entity] = {}
        by_code: dict[str, _Entity] = {}
        # Pinned by the gazetteer first, then the most placed: a unit written with fewer
        # parents joins the one entity it fits.
        for unit, code in sorted(
            members, key=lambda m: (m[1] is None, -len(m[0].parents), m[0].label)
        ):
            if code:
                entity = by_code.get(code)
                if entity is None:
                    entity = by_code[code] = _Entity(code, [], [], level)
                    entities.append(entity)
            else:
                fitting = [e for e in entities if e.fits(unit.parents)]
                if len(fitting) == 1:
                    entity = fitting[0]
                else:
                    entity = _Entity(None, [], [], level)
                    entities.append(entity)
            entity.take(unit.parents, unit.name)
            of[(unit, code)] = entity
        made = {id(e): _entity_unit(level, e) for e in entities}
        _tell_apart(entities, made, level)
        for member, entity in of.items():
            out[member] = made[id(entity)]
    return out


def _entity_unit(level: str, entity: _Entity) -> Unit:
    name = _most_written(entity.names)
    parents = tuple(sorted(entity.parents, key=lambda p: _tier(p) == "province"))
    return Unit(level, name, parents, entity.code)


def _tell_apart(entities: list[_Entity], made: dict[int, Unit], level: str) -> None:
    """Two entities its reports label alike (two Phường 2 pinned to two towns by the
    gazetteer, neither report naming its town): the gazetteer's parents tell them apart."""
    labels: dict[str, list[_Entity]] = defaultdict(list)
    for entity in entities:
        labels[made[id(entity)].label].append(entity)
    for same in labels.values():
        if len(same) < 2:
            continue
        for entity in same:
            if entity.known:
                entity.parents = list(entity.known)
                made[id(entity)] = _entity_unit(level, entity)


def _most_written(names: list[str]) -> str:
    counts: dict[str, int] = defaultdict(int)
    for name in names:
        counts[name] += 1
    return max(counts, key=lambda n: (counts[n], n))
