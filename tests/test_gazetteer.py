"""Gazetteer: folding, candidates and unambiguous resolution against vietnamadminunits."""

from __future__ import annotations

import dataclasses
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge.gazetteer import AdminUnit, Place, candidates, fold, known_levels, resolve

# --------------------------------------------------------------------------- fold


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Đình Lập", "dinh lap"),
        ("ĐÌNH   LẬP ", "dinh lap"),
        ("  Hòa\tBình\n", "hoa binh"),
        ("Hoà Bình", "hoa binh"),  # old-style tone placement
        ("Phường 02", "phuong 2"),
        ("Quận 010", "quan 10"),
        ("Đồi 61", "doi 61"),
        ("0", "0"),
        ("", ""),
    ],
)
def test_fold(text: str, key: str) -> None:
    assert fold(text) == key


def test_fold_decomposed_input_equals_composed() -> None:
    name = "Thừa Thiên Huế"
    assert fold(unicodedata.normalize("NFD", name)) == fold(name) == "thua thien hue"


def test_fold_non_text_is_empty() -> None:
    assert fold(None) == ""  # type: ignore[arg-type]


# --------------------------------------------------------------------------- levels, types


def test_known_levels() -> None:
    levels = known_levels()
    for level in ("tỉnh", "thành phố", "huyện", "quận", "thị xã", "xã", "phường", "thị trấn"):
        assert level in levels
    assert "đặc khu" in levels  # 2025 special zones (Côn Đảo, Phú Quốc, ...)
    assert all(level == unicodedata.normalize("NFC", level).lower() for level in levels)


def test_dataclasses_are_frozen_with_slots() -> None:
    place = Place("xã", "Liêm Hải")
    unit = AdminUnit(place, "14038", (), "legacy")
    assert not hasattr(place, "__dict__")
    assert not hasattr(unit, "__dict__")
    with pytest.raises(dataclasses.FrozenInstanceError):
        place.name = "x"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        unit.code = "x"  # type: ignore[misc]
    assert hash(place) == hash(Place("xã", "Liêm Hải"))


# --------------------------------------------------------------------------- facts


def test_numbered_ward_needs_its_town() -> None:
    unit = resolve("phường", "2", mentioned=[Place("thị xã", "Kiến Tường")])
    assert unit is not None
    assert unit.place == Place("phường", "2")
    assert unit.parents[:2] == (Place("thị xã", "Kiến Tường"), Place("tỉnh", "Long An"))
    assert unit.system == "legacy"
    assert unit.code == "27788"
    assert resolve("phường", "2") is None
    assert len(candidates("phường", "2")) > 20


def test_numbered_names_ignore_leading_zeros_and_repeated_level_word() -> None:
    twos = candidates("phường", "2")
    assert candidates("phường", "02") == twos
    assert candidates("phường", "Phường 02") == twos
    district_1 = resolve("quận", "01")
    assert district_1 is not None
    assert district_1.place == Place("quận", "1")
    assert district_1.parents == (Place("thành phố", "Hồ Chí Minh"),)


def test_district_dinh_lap() -> None:
    unit = resolve("huyện", "Đình Lập")
    assert unit is not None
    assert unit.place == Place("huyện", "Đình Lập")
    assert unit.parents == (Place("tỉnh", "Lạng Sơn"),)
    assert unit.code == "189"
    # folded / sloppy input resolves the same way
    assert resolve("huyện", "dinh lap") == unit
    assert resolve("Huyện", "  ĐÌNH LẬP ") == unit


def test_disambiguator_is_removed_from_names() -> None:
    # wardShort is 'Đình Lập (Thị trấn)' / 'Đình Lập (Xã)' in the data
    for level in ("thị trấn", "xã"):
        units = candidates(level, "Đình Lập")
        assert units
        assert {u.place for u in units} == {Place(level, "Đình Lập")}


def test_mentioned_district_selects_the_legacy_commune() -> None:
    # legacy xã Đình Lập (06628) and the 2025 xã Đình Lập (06613, the former thị trấn's code)
    assert resolve("xã", "Đình Lập") is None
    unit = resolve("xã", "Đình Lập", mentioned=[Place("huyện", "Đình Lập")])
    assert unit is not None
    assert (unit.system, unit.code) == ("legacy", "06628")
    assert unit.parents == (Place("huyện", "Đình Lập"), Place("tỉnh", "Lạng Sơn"))


def test_quang_nghiep_is_not_in_the_data() -> None:
    # Merged with Dân Chủ into xã Dân An (2019); the package keeps it only as an alias key.
    assert candidates("xã", "Quảng Nghiệp") == []
    assert resolve("xã", "Quảng Nghiệp", mentioned=[Place("huyện", "Tứ Kỳ")]) is None
    unit = resolve("xã", "Dân An", mentioned=[Place("huyện", "Tứ Kỳ")])
    assert unit is not None
    assert unit.parents == (Place("huyện", "Tứ Kỳ"), Place("tỉnh", "Hải Dương"))


def test_town_hong_linh() -> None:
    unit = resolve("thị xã", "Hồng Lĩnh")
    assert unit is not None
    assert unit.parents == (Place("tỉnh", "Hà Tĩnh"),)


def test_lien_hai_has_one_candidate() -> None:
    units = candidates("xã", "Liêm Hải")
    assert len(units) == 1
    (unit,) = units
    assert unit.system == "legacy"
    assert unit.code == "14038"
    assert unit.parents == (Place("huyện", "Trực Ninh"), Place("tỉnh", "Nam Định"))
    assert resolve("xã", "liem hai") == unit


def test_unchanged_ward_counts_once_and_prefers_2025() -> None:
    # Phường Việt Hòa keeps name and code 10543: TP Hải Dương (legacy) -> TP Hải Phòng (2025)
    units = candidates("phường", "Việt Hòa")
    assert {u.system for u in units} == {"legacy", "2025"}
    assert len({u.code for u in units}) == 1
    unit = resolve("phường", "Việt Hòa")
    assert unit is not None
    assert unit.system == "2025"
    assert unit.parents == (Place("thành phố", "Hải Phòng"),)
    assert resolve("phường", "Việt Hòa", mentioned=[Place("thành phố", "Hải Phòng")]) == unit


def test_unchanged_ward_with_mentioned_legacy_parent_is_legacy() -> None:
    for parent in (Place("thành phố", "Hải Dương"), Place("tỉnh", "Hải Dương")):
        unit = resolve("phường", "Việt Hòa", mentioned=[parent])
        assert unit is not None
        assert unit.system == "legacy"
        assert parent in unit.parents


def test_provinces_and_city_levels() -> None:
    hanoi = resolve("thành phố", "Hà Nội")
    assert hanoi is not None
    assert (hanoi.code, hanoi.parents, hanoi.system) == ("01", (), "2025")
    assert resolve("tp", "Hà Nội") == hanoi
    assert resolve("TP", "ha noi") == hanoi
    assert resolve("tỉnh", "Hà Nội") is None  # levels are exact
    long_an = resolve("tỉnh", "Long An")  # gone in 2025 (merged into Tây Ninh)
    assert long_an is not None
    assert long_an.system == "legacy"
    vinh = resolve("thành phố", "Vinh")  # a provincial city, district level
    assert vinh is not None
    assert vinh.parents == (Place("tỉnh", "Nghệ An"),)


@pytest.mark.parametrize(
    "name", ["Bắc Ninh", "Gia Lai", "Quảng Trị", "Lào Cai", "An Giang", "Tây Ninh"]
)
def test_a_province_renumbered_in_2025_is_one_province(name: str) -> None:
    """Both systems hold it under one name with two codes: still one province, not none."""
    assert len(candidates("tỉnh", name)) == 2
    found = resolve("tỉnh", name)
    assert found is not None and found.place == Place("tỉnh", name) and found.system == "2025"


def test_sibling_city_is_not_a_parent_of_a_district() -> None:
    nghi_loc = resolve("huyện", "Nghi Lộc")
    assert nghi_loc is not None
    assert resolve("huyện", "Nghi Lộc", mentioned=[Place("thành phố", "Vinh")]) == nghi_loc
    assert resolve("huyện", "Nghi Lộc", mentioned=[Place("tỉnh", "Nghệ An")]) == nghi_loc
    assert resolve("huyện", "Nghi Lộc", mentioned=[Place("tỉnh", "Hà Tĩnh")]) is None


def test_mentioned_places_at_other_levels_are_ignored() -> None:
    unit = resolve("huyện", "Đình Lập")
    noise = [Place("xã", "Không Có"), Place("huyện", "Lộc Bình"), Place("phường", "2")]
    assert resolve("huyện", "Đình Lập", mentioned=noise) == unit
    assert resolve("huyện", "Đình Lập", mentioned=[Place("tỉnh", "Nghệ An")]) is None


def test_special_zone_and_type_column_conflicts() -> None:
    con_dao = resolve("đặc khu", "Côn Đảo")
    assert con_dao is not None
    assert con_dao.system == "2025"
    assert con_dao.parents == (Place("thành phố", "Hồ Chí Minh"),)
    assert resolve("huyện", "Côn Đảo") is not None  # legacy district without wards
    # 'Thị trấn Ngọc Lặc' is typed 'Xã' in the data: the full name wins
    (town,) = candidates("thị trấn", "Ngọc Lặc")
    assert town.system == "legacy"
    assert town.parents[0] == Place("huyện", "Ngọc Lặc")


# --------------------------------------------------------------------------- garbage


@pytest.mark.parametrize(
    ("level", "name"),
    [
        ("xã", "Không Tồn Tại Bao Giờ"),
        ("xã", ""),
        ("", "Liêm Hải"),
        ("làng", "Liêm Hải"),
        ("xã", "🙂🙂"),
        ("🙂", "🙂"),
        ("xã", "Liêm Hải" * 700),
        ("xã" * 2500, "Liêm Hải"),
        ("phường", "\x00\ud800"),
    ],
)
def test_unknown_and_garbage_give_nothing(level: str, name: str) -> None:
    assert candidates(level, name) == []
    assert resolve(level, name) is None
    assert resolve(level, name, mentioned=[Place(level, name), Place("tỉnh", name)]) is None


def test_non_text_input_gives_nothing() -> None:
    assert candidates(None, "Liêm Hải") == []  # type: ignore[arg-type]
    assert resolve("xã", None) is None  # type: ignore[arg-type]
    unit = resolve("xã", "Liêm Hải", mentioned=[None, "tỉnh Nam Định", Place(None, None)])  # type: ignore[list-item,arg-type]
    assert unit is not None


_levels = st.one_of(st.sampled_from([*known_levels(), "tp", "TP", "Xã"]), st.text(max_size=12))
_names = st.one_of(
    st.sampled_from(["2", "02", "Đình Lập", "dinh lap", "Liêm Hải", "Hà Nội", "Việt Hòa"]),
    st.text(max_size=60),
)
_places = st.builds(Place, _levels, _names)


@settings(max_examples=300, deadline=None)
@given(level=_levels, name=_names, mentioned=st.lists(_places, max_size=4))
def test_lookup_never_raises(level: str, name: str, mentioned: list[Place]) -> None:
    found = candidates(level, name)
    unit = resolve(level, name, mentioned=mentioned)
    assert unit is None or unit in found
    if unit is not None and not mentioned:
        assert len({u.code for u in found}) == 1


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_fold_is_idempotent_and_never_raises(text: str) -> None:
    key = fold(text)
    assert fold(key) == key
    assert key == key.strip()
    assert "  " not in key
