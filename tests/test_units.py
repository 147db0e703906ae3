"""One place, one unit: a commune's posts however they write it are one unit in /donvi and
/baocao, same-named units of different towns stay apart and their choices narrow, news is
filed under the unit it is about, and the 2025 reform links old and new names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine

from knowledge import gazetteer
from knowledge.assistant import Assistant
from knowledge.catalog import Place, Unit, choice_labels, parents_agree, resolve_units
from knowledge.clean import clean
from knowledge.extract import extract
from knowledge.ingest import documents, ingest
from knowledge.service import Service

REPORTS = Path(__file__).parent / "fixtures" / "reports"
FRONT_DOCS = Path(__file__).resolve().parents[2] / "shared" / "data" / "front-docs-2025"

# Sentences of the real plans of xã Lương Minh (front-docs-2025 e2-07, e2-09), posted the way
# a commune's Facebook page posts: emoji, a title in capitals, a day without a year, the
# province named in passing or not at all, the Front written out or abbreviated.
_BODY = (
    "Ban Thường trực Ủy ban MTTQ Việt Nam xã Lương Minh xây dựng kế hoạch kiểm tra, giám sát "
    "công tác bầu cử trên địa bàn xã. Việc tiếp công dân, xử lý đơn thư khiếu nại, tố cáo, kiến "
    "nghị, phản ánh liên quan đến bầu cử nhằm chủ động nắm chắc tình hình của Nhân dân."
)
POSTS = [
    "🇻🇳 MTTQ XÃ LƯƠNG MINH TỔ CHỨC HỘI NGHỊ HIỆP THƯƠNG LẦN THỨ NHẤT 🇻🇳\n"
    "Sáng ngày 23/11, Ủy ban MTTQ xã Lương Minh tổ chức hội nghị hiệp thương lần thứ nhất. 👏👏\n"
    + _BODY,
    "📣 HỘI NGHỊ GIAO BAN CÔNG TÁC MẶT TRẬN THÁNG 11\n"
    "Chiều ngày 28/11, Ban Thường trực Ủy ban MTTQ Việt Nam xã Lương Minh, tỉnh Quảng Ninh tổ "
    "chức hội nghị giao ban công tác Mặt trận tháng 11.\n" + _BODY,
    "Thực hiện Kế hoạch của Ban Thường trực Ủy ban MTTQ tỉnh Quảng Ninh, sáng ngày 02/12, Ủy ban "
    "MTTQ xã Lương Minh tổ chức hội nghị triển khai công tác bầu cử. 🌸\n" + _BODY,
    "❤️ CHUNG TAY VÌ NGƯỜI NGHÈO ❤️\n"
    "Hưởng ứng phong trào của tỉnh Quảng Ninh, Mặt trận Tổ quốc xã Lương Minh đã trao 20 suất quà "
    "cho hộ nghèo trên địa bàn.\n" + _BODY,
    "KIỂM TRA, GIÁM SÁT CÔNG TÁC BẦU CỬ\n"
    "Ngày 10/12, đoàn kiểm tra của Ủy ban MTTQ xã Lương Minh làm việc tại các thôn.\n"
    + _BODY
    + "\nBan Thường trực UBMTTQ xã Lương Minh",
    "🇻🇳 UBMTTQ XÃ LƯƠNG MINH, TỈNH QUẢNG NINH 🇻🇳\n"
    "Sáng 15/12, Ủy ban MTTQ xã Lương Minh tổ chức hội nghị lấy ý kiến cử tri nơi cư trú.\n"
    + _BODY,
]


def _posts(tmp_path: Path) -> Path:
    path = tmp_path / "luong_minh.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for i, text in enumerate(POSTS):
            record = {"id": str(i), "text": text, "published": f"2025-12-{16 + i:02d}"}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def _service(engine: Engine, tmp_path: Path) -> Service:
    return Service(
        Assistant.open(str(engine.url), index_dir=str(tmp_path / "index"), engine=engine)
    )


def test_a_communes_posts_are_one_unit(engine: Engine, tmp_path: Path) -> None:
    path = _posts(tmp_path)
    ingest(engine, documents([path]), workers=1)
    service = _service(engine, tmp_path)
    rows = service.units()
    assert [r["unit"] for r in rows if "Lương Minh" in r["unit"]] == [
        "Xã Lương Minh, tỉnh Quảng Ninh"
    ]
    assert len(rows) == 1 and rows[0]["reports"] == len(POSTS)  # none filed under the province
    for asked in (
        "Xã Lương Minh, tỉnh Quảng Ninh",
        "xã Lương Minh",
        "MTTQ xã Lương Minh",
        "Lương Minh",
    ):
        brief = service.latest_report(asked)
        assert brief["found"], (asked, brief)
        assert brief["unit"] == "Xã Lương Minh, tỉnh Quảng Ninh"
    answer = service.ask(
        "xã Lương Minh tổ chức hội nghị hiệp thương khi nào?", chat_id=5, user_id=5
    )
    assert answer["found"] and len(answer["choices"]) < 2


def test_same_named_units_of_two_towns_give_choices_that_narrow(
    engine: Engine, tmp_path: Path
) -> None:
    unplaced = tmp_path / "phuong2.txt"
    unplaced.write_text(
        "MTTQ PHƯỜNG 2 TỔ CHỨC HỘI NGHỊ GIAO BAN\n\nNgày 05/8/2024, Ủy ban MTTQ Phường 2 tổ chức "
        "hội nghị giao ban công tác Mặt trận tháng 7 năm 2024.\n",
        encoding="utf-8",
    )
    paths = [
        REPORTS / "phuong2_kien_tuong_2024_nam.txt",
        REPORTS / "phuong2_vung_tau_2024.txt",
        unplaced,
    ]
    ingest(engine, documents(paths, sources={p: p.name for p in paths}), workers=1)
    service = _service(engine, tmp_path)
    first = service.latest_report("Phường 2")
    assert not first["found"] and len(first["choices"]) == 3
    reached = set()
    for choice in first["choices"]:
        brief = service.latest_report(choice)  # what the suggested /baocao command sends
        assert brief["found"], (choice, brief)
        reached.add(brief["report_id"])
    assert len(reached) == 3  # each choice its own unit, none back to the same choices
    assert service.latest_report("Phường 2, thị xã Kiến Tường")["found"]


@pytest.mark.parametrize(
    "text", ["", "   ", "Phường", "xã", "/baocao", "x" * 5000, "Phường 99 (" * 300]
)
def test_bad_unit_names_are_not_found_and_nothing_breaks(
    engine: Engine, tmp_path: Path, text: str
) -> None:
    ingest(engine, documents([REPORTS / "phuong2_vung_tau_2024.txt"]), workers=1)
    brief = _service(engine, tmp_path).latest_report(text)
    assert brief["found"] is False


def test_parents_agree_when_one_leaves_a_tier_out() -> None:
    district, province = Place("huyện", "Trực Ninh"), Place("tỉnh", "Nam Định")
    assert parents_agree((district,), (province,))
    assert parents_agree((), (district, province))
    assert not parents_agree((province,), (Place("tỉnh", "Ninh Bình"),))
    # A district-level city and a province-level one are two tiers.
    assert parents_agree((Place("thành phố", "Vũng Tàu"),), (Place("tỉnh", "Bà Rịa - Vũng Tàu"),))
    assert not parents_agree((Place("thành phố", "Vũng Tàu"),), (Place("thị xã", "Kiến Tường"),))


def test_resolution_merges_only_where_one_unit_fits() -> None:
    bare = Unit("phường", "2")
    kien_tuong = Unit("phường", "2", (Place("thị xã", "Kiến Tường"),))
    vung_tau = Unit("phường", "2", (Place("thành phố", "Vũng Tàu"),))
    one = resolve_units({(bare, None), (kien_tuong, None)})
    assert one[(bare, None)] == one[(kien_tuong, None)]
    two = resolve_units({(bare, None), (kien_tuong, None), (vung_tau, None)})
    assert len({two[(bare, None)], two[(kien_tuong, None)], two[(vung_tau, None)]}) == 3
    assert choice_labels(list(set(two.values()))) == [
        "Phường 2 (chưa rõ thuộc đâu)", "Phường 2, thành phố Vũng Tàu", "Phường 2, thị xã Kiến Tường",
    ]  # fmt: skip
    # Pinned to one gazetteer code, written with the district or the province: one unit.
    code = gazetteer.resolve("xã", "Liêm Hải").code  # type: ignore[union-attr]
    liem_hai = resolve_units({
        (Unit("xã", "Liêm Hải", (Place("huyện", "Trực Ninh"),)), code),
        (Unit("xã", "Liêm Hải", (Place("tỉnh", "Nam Định"),)), code),
        (Unit("xã", "Liêm Hải"), None),
    })  # fmt: skip
    assert len(set(liem_hai.values())) == 1
    assert next(iter(liem_hai.values())).label == "Xã Liêm Hải, huyện Trực Ninh, tỉnh Nam Định"
    # Parents that disagree: two units, though one name.
    apart = resolve_units({
        (Unit("xã", "Lương Minh", (Place("tỉnh", "Quảng Ninh"),)), None),
        (Unit("xã", "Lương Minh", (Place("tỉnh", "Nghệ An"),)), None),
    })  # fmt: skip
    assert len(set(apart.values())) == 2


def _unit_of(text: str) -> tuple[str, str] | None:
    record = extract(clean(text))
    return (record.unit.level, record.unit.name) if record.unit else None


def test_a_page_is_filed_under_the_unit_it_is_about() -> None:
    # The province named in passing, the commune's Front organising.
    assert _unit_of(POSTS[2]) == ("xã", "Lương Minh")
    assert _unit_of(POSTS[3]) == ("xã", "Lương Minh")
    # "xã hội" in capitals is no commune; "Ban Tổ chức" is no event.
    assert _unit_of(
        "AN SINH XÃ HỘI\n\nSáng 12/3, Ủy ban MTTQ huyện Trực Ninh tổ chức trao quà cho hộ nghèo."
    ) == ("huyện", "Trực Ninh")
    # The national committee written "T.Ư"; a province's committee written oddly is not it.
    assert _unit_of("Ngày 10-2, Chính phủ và Ủy ban T.Ư MTTQ Việt Nam tổ chức hội nghị.") == (
        "trung ương", "Việt Nam",
    )  # fmt: skip
    assert _unit_of(
        "Sáng 11/6, Ủy ban Trung ương Mặt trận Tổ quốc Việt Nam tỉnh Hà Tĩnh tổ chức lễ kỷ niệm."
    ) == ("tỉnh", "Hà Tĩnh")
    # The national committee's chairman as a guest: the host is the page's unit.
    assert _unit_of(
        "Tết trồng cây\n\nSáng 6.2, UBND tỉnh Vĩnh Phúc tổ chức Lễ phát động Tết trồng cây. Tham dự có "
        "Chủ tịch Ủy ban T.Ư Mặt trận Tổ quốc Việt Nam Nguyễn Thiện Nhân."
    ) == ("tỉnh", "Vĩnh Phúc")
    # The city's initials, with no space: Hồ Chí Minh, never "Bến" or a district.
    assert _unit_of("Chiều 8-2, Ủy ban MTTQ Việt Nam TP.HCM tổ chức gặp gỡ kiều bào tại quận 1.") == (
        "thành phố", "Hồ Chí Minh",
    )  # fmt: skip
    # A news page with no Front body: a city abroad, a common noun in title case, a
    # university's "TP.HCM" are no units it is about.
    assert (
        _unit_of(
            "Giao tranh ác liệt tại thành phố Marawi\n\nQuân đội tiếp tục giao tranh tại thành phố Marawi."
        )
        is None
    )
    assert (
        _unit_of("Chăm Lo An Sinh Xã Hội\n\nNgười dân được hỗ trợ kịp thời trong dịp Tết.") is None
    )
    assert _unit_of(
        "Hội thảo về đất vàng\n\nTS. Nguyễn Văn A, trường Đại học Kinh tế - Luật TP.HCM, cho rằng "
        "Hà Nội cần thận trọng. Ông nói thêm về thành phố Hà Nội."
    ) == ("thành phố", "Hà Nội")
    # A bare level: the province the page's units lie in.
    assert _unit_of(
        "Chiều 23/6, Ban Pháp chế HĐND tỉnh họp thẩm tra. Cán bộ phường Lê Lợi, TP Vinh giải quyết "
        "thủ tục. Ban Thường trực UBMTTQ tỉnh tổ chức giám sát."
    ) == ("tỉnh", "Nghệ An")


@pytest.mark.skipif(not FRONT_DOCS.is_dir(), reason="needs ../shared/data/front-docs-2025")
def test_the_issuer_decides_over_the_province_it_names() -> None:
    text = (FRONT_DOCS / "e2-07.txt").read_text(encoding="utf-8")
    assert _unit_of(text + "\nThực hiện hướng dẫn của Ủy ban MTTQ tỉnh Quảng Ninh.") == (
        "xã",
        "Lương Minh",
    )


SEEDS = Path(__file__).resolve().parents[2] / "shared" / "data" / "seeds"
NINH_GIANG = (
    "MTTQ XÃ NINH GIANG TỔ CHỨC HỘI NGHỊ HIỆP THƯƠNG LẦN THỨ NHẤT\n\nSáng ngày 20/11/2025, Ủy ban "
    "MTTQ xã Ninh Giang, tỉnh Ninh Bình tổ chức hội nghị hiệp thương lần thứ nhất, thỏa thuận cơ "
    "cấu, thành phần, số lượng người ứng cử đại biểu Hội đồng nhân dân xã nhiệm kỳ 2026 - 2031.\n"
)


def _reform_db(engine: Engine, tmp_path: Path, *, old: bool) -> Service:
    new = tmp_path / "ninh_giang.txt"
    new.write_text(NINH_GIANG, encoding="utf-8")
    paths = [new, *([SEEDS / "000_0cb552742f2e955b.txt"] if old else [])]
    ingest(engine, documents(paths, sources={p: p.name for p in paths}), workers=1)
    return _service(engine, tmp_path)


def test_the_lineage_of_units_the_2025_reform_merged() -> None:
    liem_hai = gazetteer.resolve("xã", "Liêm Hải")
    assert liem_hai is not None and liem_hai.system == gazetteer.LEGACY
    after = gazetteer.successors(liem_hai)
    assert [gazetteer.label(a) for a in after] == ["xã Ninh Giang, tỉnh Ninh Bình"]
    assert "Liêm Hải" in {b.place.name for b in gazetteer.predecessors(after[0])}
    dinh_lap = gazetteer.resolve("huyện", "Đình Lập")
    assert dinh_lap is not None
    assert {a.place.name for a in gazetteer.successors(dinh_lap)} >= {
        "Đình Lập",
        "Kiên Mộc",
        "Châu Sơn",
        "Thái Bình",
    }
    assert gazetteer.successors(after[0]) == [] and gazetteer.predecessors(liem_hai) == []
    assert (
        gazetteer.unit_by_code("no such code") is None and gazetteer.unit_by_code("x" * 100) is None
    )


@pytest.mark.skipif(not SEEDS.is_dir(), reason="needs ../shared/data/seeds")
def test_an_old_name_finds_both_and_says_which_is_which(engine: Engine, tmp_path: Path) -> None:
    service = _reform_db(engine, tmp_path, old=True)
    answer = service.ask("xã Liêm Hải tổ chức hội nghị gì?", chat_id=1, user_id=1)
    assert answer["found"]
    by_unit = {s["unit"]: s.get("reform") for s in answer["sources"]}
    assert by_unit.get("Xã Liêm Hải") == {"now": ["xã Ninh Giang, tỉnh Ninh Bình"]}
    assert "xã Liêm Hải" in (by_unit.get("Xã Ninh Giang, tỉnh Ninh Bình") or {}).get("took_in", [])
    assert len(answer["choices"]) < 2  # the reform's units are no same-named choice
    newer = service.ask("xã Ninh Giang tổ chức hội nghị gì?", chat_id=2, user_id=2)
    assert {s["unit"] for s in newer["sources"]} >= {"Xã Liêm Hải", "Xã Ninh Giang, tỉnh Ninh Bình"}
    plain = service.ask("Phường 2 đạt được gì?", chat_id=3, user_id=3)
    assert all(s.get("reform") is None for s in plain["sources"])  # no reform asked, no note


def test_an_old_name_held_only_under_its_successor(engine: Engine, tmp_path: Path) -> None:
    service = _reform_db(engine, tmp_path, old=False)
    brief = service.latest_report("xã Liêm Hải")
    assert brief["found"] and brief["unit"] == "Xã Ninh Giang, tỉnh Ninh Bình"
    assert "xã Liêm Hải" in brief["reform"]["took_in"]
    answer = service.ask("xã Liêm Hải tổ chức hội nghị hiệp thương khi nào?", chat_id=1, user_id=1)
    assert answer["found"] and answer["unit"] == "xã Liêm Hải"
    # A real commune neither held nor linked to anything held is still not held.
    assert not service.latest_report("xã Trực Đạo")["found"]


def test_reform_notes_read_as_vietnamese_and_bad_data_says_nothing() -> None:
    from handlers.render import citation, reform_note

    assert (
        reform_note({"now": ["xã Ninh Giang, tỉnh Ninh Bình"]})
        == " (nay thuộc xã Ninh Giang, tỉnh Ninh Bình)"
    )
    assert (
        reform_note({"took_in": ["xã Liêm Hải", "xã Trực Chính"]})
        == " (từ 01/7/2025 gồm cả xã Liêm Hải, xã Trực Chính)"
    )
    assert reform_note({"now": [f"xã {i}" for i in range(9)]}).endswith(" …)")
    for bad in (None, "now", {"now": None}, {}, [1, 2]):
        assert reform_note(bad) == ""  # type: ignore[arg-type]
    cited = citation({"unit": "Xã Liêm Hải", "reform": {"now": ["xã Ninh Giang, tỉnh Ninh Bình"]},
                      "meeting_date": "2023-07-06", "date_kind": "meeting", "title": "Sơ kết", "name": "a.txt"})  # fmt: skip
    assert cited.startswith(
        "Xã Liêm Hải (nay thuộc xã Ninh Giang, tỉnh Ninh Bình) · ngày 06/07/2023"
    )


@pytest.mark.skipif(not SEEDS.is_dir(), reason="needs ../shared/data/seeds")
def test_a_follow_up_keeps_the_unit_and_its_reform_links(engine: Engine, tmp_path: Path) -> None:
    service = _reform_db(engine, tmp_path, old=True)
    first = service.ask("xã Liêm Hải tổ chức hội nghị gì?", chat_id=8, user_id=8)
    assert first["context"]["units"] == ["Xã Liêm Hải"]
    follow = service.ask("còn phương hướng thì sao?", chat_id=8, user_id=8)
    assert len(follow["choices"]) < 2  # no choice between a unit and its successor
