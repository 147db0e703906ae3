"""Resolution of Vietnamese administrative unit names against an offline gazetteer.

The data comes from the maintained package ``vietnamadminunits``, which ships an SQLite file
with two tables:

* ``admin_units_legacy``: the three-tier system in force until 30 June 2025
  (63 provinces, ~700 districts, ~10,000 wards/communes);
* ``admin_units``: the two-tier system from 1 July 2025 (34 provinces, ~3,300 wards/communes).

Both are loaded once, lazily, into a dict keyed by ``(level, fold(name))``. Levels are lower-case
Vietnamese words (see :func:`known_levels`); names never carry the level word ("Liêm Hải", "2").

Data quirks handled here (as of vietnamadminunits 1.0.x):

* ``wardShort``/``districtShort`` may carry a disambiguator ("Đình Lập (Thị trấn)"), and numbered
  units repeat the level word ("Phường 2", "Quận 1"). Canonical names are therefore derived from
  the full name minus its leading level word, which yields "Đình Lập", "2", "1".
* Seven rows have a type column that contradicts the full name (legacy: "Thị trấn Ngọc Lặc",
  "Phường 5" and "Phường 15" of Hồ Chí Minh typed 'Xã'; 2025: "Phường Việt Hòa", "Phường Tân Lộc"
  typed 'Xã', "Xã Vĩnh Hòa", "Xã Phong Điền" typed 'Phường'). The full name (which also agrees
  with the package's own keys) wins; the type column is only a fallback.
* The 2025 system has a ninth level, 'Đặc khu' (special zone, e.g. Côn Đảo, Phú Quốc).
* Five legacy island districts have no wards (rows with a NULL ward); they are districts only.
"""

from __future__ import annotations

import importlib.util
import re
import sqlite3
import sys
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from knowledge.memory import no_collection
from knowledge.text import fold as text_fold

__all__ = ["AdminUnit", "Place", "candidates", "fold", "known_levels", "resolve"]


@dataclass(frozen=True, slots=True)
class Place:
    """A level and a name, as written in text or as canonical in the gazetteer."""

    level: str  # "xã", "phường", ...
    name: str  # without the level word, disambiguator removed ("Đình Lập")


@dataclass(frozen=True, slots=True)
class AdminUnit:
    """One unit of one system (legacy three-tier or 2025 two-tier)."""

    place: Place
    code: str  # wardCode / districtCode / provinceCode
    parents: tuple[Place, ...]  # nearest first
    system: str  # "legacy" or "2025"


LEGACY = "legacy"
Y2025 = "2025"

_PROVINCE_LEVELS = ("tỉnh", "thành phố")
_DISTRICT_LEVELS = ("huyện", "quận", "thị xã", "thành phố")
_WARD_LEVELS = ("xã", "phường", "thị trấn", "đặc khu")
_LEVELS: tuple[str, ...] = ("tỉnh", "thành phố", "huyện", "quận", "thị xã", *_WARD_LEVELS)

# Tiers: 0 = province, 1 = district, 2 = ward.
_PROVINCE, _DISTRICT, _WARD = 0, 1, 2

_MAX_INPUT = 200  # no real unit name is that long: longer input is not even folded


def known_levels() -> tuple[str, ...]:
    """Every level this module knows, provinces first."""
    return _LEVELS


# --------------------------------------------------------------------------- folding

_DIGIT_RUN_ZEROS = re.compile(r"(?<![0-9])0+(?=[0-9])")


def fold(text: str) -> str:
    """Lookup key: NFC, lower case, no Vietnamese diacritics, đ→d, single spaces, "02"→"2".

    >>> fold("  Đình   Lập ")
    'dinh lap'
    >>> fold("Phường 02")
    'phuong 2'
    """
    if not isinstance(text, str):
        return ""
    # The project's one diacritic folding (knowledge.text), plus the gazetteer's own rules:
    # single spaces and no leading zeros in numbers.
    # A hyphen is a space: "Bà Rịa - Vũng Tàu", "Bà Rịa-Vũng Tàu" and "Bà Rịa Vũng Tàu" are one.
    return _DIGIT_RUN_ZEROS.sub(
        "", " ".join(text_fold(text).replace("-", " ").replace("–", " ").split())
    )


# Folded level word (and a few abbreviations) -> canonical level.
_LEVEL_ALIASES: dict[str, str] = {fold(level): level for level in _LEVELS}
_LEVEL_ALIASES.update(
    {"tp": "thành phố", "tp.": "thành phố", "t.p": "thành phố", "t.p.": "thành phố"}
)


def _norm_level(level: str) -> str | None:
    if not isinstance(level, str) or len(level) > 40:
        return None
    return _LEVEL_ALIASES.get(fold(level))


# --------------------------------------------------------------------------- loading

_DISAMBIGUATOR = re.compile(r"\s*\([^()]*\)\s*$")


def _split_full(
    full: str | None, type_col: str | None, short: str | None, allowed: tuple[str, ...]
) -> tuple[str, str]:
    """(level, name) from a full name like "Thị Trấn Ái Tử" or "Phường 2".

    The full name's leading level word wins; the type column and the short name (minus its
    disambiguator) are only a fallback.
    """
    if full:
        words = unicodedata.normalize("NFC", full).split()
        for level in allowed:  # no level word is a prefix of another in the same tier
            n = level.count(" ") + 1
            if len(words) > n and " ".join(words[:n]).lower() == level:
                return level, " ".join(words[n:])
    level = (type_col or "").strip().lower()
    if level not in allowed:
        level = allowed[0]
    name = _DISAMBIGUATOR.sub("", short or full or "")
    return level, unicodedata.normalize("NFC", " ".join(name.split()))


def _unit_tier(unit: AdminUnit) -> int:
    if unit.place.level in _WARD_LEVELS:
        return _WARD
    return _DISTRICT if unit.parents else _PROVINCE


@dataclass(slots=True)
class _Index:
    by_key: dict[tuple[str, str], tuple[AdminUnit, ...]]
    province_keys: frozenset[tuple[str, str]]  # (level, folded name) of province-tier units
    district_keys: frozenset[tuple[str, str]]  # (level, folded name) of district-tier units


def _query(sql: str) -> Iterator[dict[str, str | None]]:
    """Rows of the package's SQLite file, read-only.

    ``vietnamadminunits.database.query`` would do, but importing the package runs its parsers
    (geopy, large JSON files: ~0.25 s), so the file is located without importing the package.
    """
    spec = importlib.util.find_spec("vietnamadminunits")
    locations = list(spec.submodule_search_locations or ()) if spec else []
    db = next((Path(d) / "data" / "dataset.db" for d in locations), None)
    if db is None or not db.is_file():
        from vietnamadminunits.database import query

        yield from query(sql)
        return
    conn = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)
    try:
        conn.row_factory = sqlite3.Row
        for row in conn.execute(sql):  # streamed: one row alive at a time
            yield dict(row)
    finally:
        conn.close()


@cache
def _index() -> _Index:
    """Build the in-memory tables once (about 14,000 units)."""
    with no_collection():
        return _build_index()


def _build_index() -> _Index:
    intern = sys.intern
    places: dict[tuple[str, str], Place] = {}

    def place(level: str, name: str) -> Place:
        key = (level, name)
        found = places.get(key)
        if found is None:
            found = places[key] = Place(intern(level), intern(name))
        return found

    grouped: dict[tuple[str, str], list[AdminUnit]] = {}
    province_keys: set[tuple[str, str]] = set()
    district_keys: set[tuple[str, str]] = set()
    seen: set[tuple[str, str]] = set()  # (system, code) per tier prefix

    def add(unit: AdminUnit, tier_tag: str) -> None:
        ident = (unit.system + tier_tag, unit.code)
        if ident in seen:
            return
        seen.add(ident)
        key = (unit.place.level, fold(unit.place.name))
        grouped.setdefault(key, []).append(unit)
        if tier_tag == "p":
            province_keys.add(key)
        elif tier_tag == "d":
            district_keys.add(key)

    for system, table, has_district in (
        (LEGACY, "admin_units_legacy", True),
        (Y2025, "admin_units", False),
    ):
        district_cols = (
            "district, districtShort, districtType, districtCode," if has_district else ""
        )
        rows = _query(
            f"SELECT province, provinceShort, provinceCode, {district_cols}"
            f" ward, wardShort, wardType, wardCode FROM {table}"
        )
        province_parents: dict[str, tuple[Place, ...]] = {}
        district_parents: dict[str, tuple[Place, ...]] = {}
        for row in rows:
            pcode = row["provinceCode"]
            if not pcode or not row["province"]:
                continue
            parents = province_parents.get(pcode)
            if parents is None:
                level, name = _split_full(
                    row["province"], None, row["provinceShort"], _PROVINCE_LEVELS
                )
                prov = place(level, name)
                parents = province_parents[pcode] = (prov,)
                add(AdminUnit(prov, intern(pcode), (), system), "p")
            if has_district:
                dcode = row["districtCode"]
                if not dcode or not row["district"]:
                    continue
                dparents = district_parents.get(dcode)
                if dparents is None:
                    level, name = _split_full(
                        row["district"], row["districtType"], row["districtShort"], _DISTRICT_LEVELS
                    )
                    dist = place(level, name)
                    dparents = district_parents[dcode] = (dist, *parents)
                    add(AdminUnit(dist, intern(dcode), parents, system), "d")
                parents = dparents
            wcode = row["wardCode"]
            if not wcode or not row["ward"]:
                continue
            level, name = _split_full(row["ward"], row["wardType"], row["wardShort"], _WARD_LEVELS)
            add(AdminUnit(place(level, name), intern(wcode), parents, system), "w")

    by_key = {(intern(k[0]), intern(k[1])): tuple(v) for k, v in grouped.items()}
    return _Index(by_key, frozenset(province_keys), frozenset(district_keys))


# --------------------------------------------------------------------------- lookup


def _lookup(level: str, name: str) -> tuple[AdminUnit, ...]:
    if not isinstance(name, str) or len(name) > _MAX_INPUT:
        return ()
    by_key = _index().by_key
    key = fold(name)
    found = by_key.get((level, key), ())
    if not found:
        # Tolerate the level word repeated in the name ("Phường 02" for level "phường").
        head = fold(level) + " "
        if key.startswith(head):
            found = by_key.get((level, key[len(head) :]), ())
    return found


def candidates(level: str, name: str) -> list[AdminUnit]:
    """Every unit with that level and name, legacy and 2025 (legacy first).

    An unknown level, an unknown name or input that is not text gives an empty list.
    """
    canon = _norm_level(level)
    if canon is None:
        return []
    return list(_lookup(canon, name))


def _parent_constraints(
    tier: int, mentioned: list[tuple[str, str]], index: _Index
) -> list[tuple[str, str]]:
    """The mentioned (level, folded name) pairs that sit at a parent level of `tier`."""
    if tier == _PROVINCE:
        return []
    out: list[tuple[str, str]] = []
    for key in mentioned:
        level = key[0]
        if tier == _WARD:
            if level in _PROVINCE_LEVELS or level in _DISTRICT_LEVELS:
                out.append(key)
        elif level == "tỉnh":
            out.append(key)
        elif level == "thành phố" and (
            key in index.province_keys or key not in index.district_keys
        ):
            # "thành phố" is a province level and a district level: for a district it is a
            # parent unless it names a district-level city only (a sibling such as "TP Vinh").
            out.append(key)
    return out


def _satisfies(unit: AdminUnit, constraints: list[tuple[str, str]]) -> bool:
    if not constraints:
        return True
    have = {(p.level, fold(p.name)) for p in unit.parents}
    return all(c in have for c in constraints)


def resolve(level: str, name: str, *, mentioned: Iterable[Place] = ()) -> AdminUnit | None:
    """The unit if it is unambiguous: exactly one candidate, or exactly one candidate whose
    parents include every level/name in `mentioned` that sits at a parent level (mentioned places
    at other levels are ignored). A name that is the same unit in both systems with same code (an
    unchanged ward), or a province of that name, counts once (prefer the 2025 record only when no mentioned parent is a
    district-level unit; otherwise the legacy one). Otherwise None."""
    canon = _norm_level(level)
    if canon is None:
        return None
    found = _lookup(canon, name)
    if not found:
        return None
    index = _index()

    keys: list[tuple[str, str]] = []
    for m in mentioned or ():
        if isinstance(m, Place) and isinstance(m.name, str):
            mlevel = _norm_level(m.level)
            if mlevel is not None:
                keys.append((mlevel, fold(m.name)))
    district_mentioned = any(
        k in index.district_keys and k not in index.province_keys for k in keys
    )

    # Keep the candidates whose parents include every mentioned place at a parent level;
    # an unchanged unit (same level, name and code in both systems) counts once.
    chosen: dict[tuple[int, str], AdminUnit] = {}
    for unit in found:
        tier = _unit_tier(unit)
        if not _satisfies(unit, _parent_constraints(tier, keys, index)):
            continue
        # A province keeps its name across the 2025 reform but not its code ("Bắc Ninh" is 27,
        # then 24): one province, whichever system's record is kept.
        ident = (tier, fold(unit.place.name) if tier == _PROVINCE else unit.code)
        other = chosen.get(ident)
        if other is None or other.system == unit.system:
            chosen[ident] = unit
        else:
            legacy, new = (other, unit) if other.system == LEGACY else (unit, other)
            chosen[ident] = legacy if district_mentioned else new
    if len(chosen) == 1:
        return next(iter(chosen.values()))
    return None


@cache
def _provinces() -> dict[str, Place]:
    index = _index()
    return {name: index.by_key[(level, name)][0].place for level, name in index.province_keys}


def province(name: str) -> Place | None:
    """The province (or centrally-run city) of that name, written with or without accents:
    "Vĩnh Phúc", "vinh phuc", "Hà Nội"."""
    return (
        _provinces().get(fold(name)) if isinstance(name, str) and len(name) <= _MAX_INPUT else None
    )


@lru_cache(maxsize=8192)
def known(level: str, name: str) -> bool:
    """Whether some unit of this level has this name (cached: asked per question and per
    stored news unit)."""
    return bool(candidates(level, name))


# --------------------------------------------------------------------------- the 2025 reform


@dataclass(frozen=True, slots=True)
class _Lineage:
    by_code: dict[tuple[str, str], AdminUnit]  # (system, code) → unit (wards, districts, provinces)
    after: dict[str, tuple[str, ...]]  # legacy ward code → the 2025 ward codes it went into
    before: dict[str, tuple[str, ...]]  # 2025 ward code → the legacy ward codes it took in
    wards_of: dict[str, tuple[str, ...]]  # legacy district code → its ward codes


@cache
def _lineage() -> _Lineage:
    """Which legacy wards became which 2025 ones, from the package's own conversion table
    (``converter_2025.json``: the data ``convert_address`` reads, without its parser or its
    geocoding). A ward split between several new ones maps to all of them."""
    with no_collection():
        return _build_lineage()


def _build_lineage() -> _Lineage:

    by_code: dict[tuple[str, str], AdminUnit] = {}
    for units in _index().by_key.values():
        for unit in units:
            by_code.setdefault((unit.system, unit.code), unit)
    legacy_key: dict[str, str] = {}
    wards_of: dict[str, list[str]] = {}
    for row in _query(
        "SELECT provinceKey, districtKey, wardKey, districtCode, wardCode FROM admin_units_legacy"
    ):
        if row["wardCode"] and row["wardKey"]:
            legacy_key[f"{row['provinceKey']}_{row['districtKey']}_{row['wardKey']}"] = str(
                row["wardCode"]
            )
            wards_of.setdefault(str(row["districtCode"]), []).append(str(row["wardCode"]))
    new_key = {
        (str(row["provinceKey"]), str(row["wardKey"])): str(row["wardCode"])
        for row in _query("SELECT provinceKey, wardKey, wardCode FROM admin_units")
        if row["wardCode"]
    }
    table = _conversion_table()
    after: dict[str, set[str]] = {}
    for province, wards in (table.get("DICT_PROVINCE_WARD_NO_DIVIDED") or {}).items():
        for ward, olds in wards.items():
            code = new_key.get((province, ward))
            for old in olds:
                if code and old in legacy_key:
                    after.setdefault(legacy_key[old], set()).add(code)
    for province, olds in (table.get("DICT_PROVINCE_WARD_DIVIDED") or {}).items():
        for old, news in olds.items():
            for new in news:
                code = new_key.get((province, new.get("newWardKey")))
                if code and old in legacy_key:
                    after.setdefault(legacy_key[old], set()).add(code)
    before: dict[str, set[str]] = {}
    for old_code, codes in after.items():
        for code in codes:
            before.setdefault(code, set()).add(old_code)
    return _Lineage(
        by_code,
        {k: tuple(sorted(v)) for k, v in after.items()},
        {k: tuple(sorted(v)) for k, v in before.items()},
        {k: tuple(v) for k, v in wards_of.items()},
    )


def _conversion_table() -> dict[str, Any]:
    import json

    spec = importlib.util.find_spec("vietnamadminunits")
    for folder in list(spec.submodule_search_locations or ()) if spec else []:
        path = Path(folder) / "data" / "converter_2025.json"
        if path.is_file():
            loaded = json.loads(path.read_text(encoding="utf-8"))
            return loaded if isinstance(loaded, dict) else {}
    return {}


def unit_by_code(code: str, *, system: str | None = None) -> AdminUnit | None:
    """The unit of that code (a ward, district or province), in ``system`` or either
    (legacy first: a 2025 code names the legacy unit that kept it only when the legacy
    table has no such code)."""
    if not isinstance(code, str) or len(code) > 10:
        return None
    by_code = _lineage().by_code
    systems = (system,) if system else (LEGACY, Y2025)
    return next((by_code[(s, code)] for s in systems if (s, code) in by_code), None)


def successors(unit: AdminUnit) -> list[AdminUnit]:
    """The 2025 units a legacy unit went into: a ward's one (or the several a split ward
    went to), a district's every ward's; a province's successor province. A 2025 unit has
    none."""
    if unit.system != LEGACY:
        return []
    lineage = _lineage()
    tier = _unit_tier(unit)
    if tier == _PROVINCE:
        return [u for u in _provinces_2025(unit) if u is not None]
    wards = lineage.wards_of.get(unit.code, ()) if tier == _DISTRICT else (unit.code,)
    codes = sorted({new for ward in wards for new in lineage.after.get(ward, ())})
    return [lineage.by_code[(Y2025, c)] for c in codes if (Y2025, c) in lineage.by_code]


def predecessors(unit: AdminUnit) -> list[AdminUnit]:
    """The legacy wards a 2025 ward took in (itself included when it kept its name)."""
    if unit.system != Y2025 or _unit_tier(unit) != _WARD:
        return []
    lineage = _lineage()
    codes = lineage.before.get(unit.code, ())
    return [lineage.by_code[(LEGACY, c)] for c in codes if (LEGACY, c) in lineage.by_code]


def _provinces_2025(unit: AdminUnit) -> list[AdminUnit | None]:
    """The 2025 province a legacy province became part of (its wards' provinces)."""
    lineage = _lineage()
    found: dict[str, AdminUnit] = {}
    for (system, code), old in lineage.by_code.items():
        if system != LEGACY or _unit_tier(old) != _WARD or old.parents[-1:] != (unit.place,):
            continue
        for new in lineage.after.get(code, ()):
            ward = lineage.by_code.get((Y2025, new))
            if ward is not None and ward.parents:
                top = ward.parents[-1]
                found.setdefault(fold(top.name), _index().by_key[(top.level, fold(top.name))][-1])
        if found:
            break  # one ward tells the province; a province was never split
    return list(found.values())


def pinned(
    level: str, name: str, *, code: str | None = None, parents: Iterable[Place] = ()
) -> AdminUnit | None:
    """The gazetteer's unit for a stored one: by its code when it has one, else resolved
    with the parents its reports named."""
    if code:
        found = [u for u in candidates(level, name) if u.code == code]
        if found:
            # A ward kept unchanged in 2025 has one code in both systems: the legacy record
            # is the one with successors to follow.
            return next((u for u in found if u.system == LEGACY), found[0])
    return resolve(level, name, mentioned=list(parents))


def label(unit: AdminUnit) -> str:
    """'xã Ninh Giang, tỉnh Ninh Bình': the unit and its province (the district too for a
    legacy ward), as a reader tells it apart."""
    return ", ".join(f"{p.level} {p.name}" for p in (unit.place, *unit.parents))
