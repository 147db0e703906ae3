"""Extraction rules by feature: numbers, dates, cleaning, people, units; property tests for
the parsers (hypothesis)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from knowledge.clean import clean
from knowledge.extract import dates, extract, numbers
from knowledge.extract.people import people_in
from knowledge.text import fold, normalize

REPORT_DIR = Path(__file__).parent / "fixtures" / "reports"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("8.000.000", 8e6),
        ("120.390.000", 120_390_000),
        ("1 tỷ 700 triệu", 1.7e9),
        ("1,5 tỷ", 1.5e9),
        ("150 triệu", 1.5e8),
        ("3600", 3600),
        ("2.288", 2288),
        ("0,5", 0.5),
    ],
)
def test_parse_number(text: str, value: float) -> None:
    assert numbers.parse_number(text) == value


@given(st.integers(min_value=0, max_value=10**12))
def test_dot_thousands_round_trip(value: int) -> None:
    assert numbers.parse_number(f"{value:,}".replace(",", ".")) == value


@given(st.text(max_size=300))
def test_figures_never_raise(text: str) -> None:
    for figure in numbers.figures(text, sentence=text):
        assert figure.unit


def figures(text: str) -> list[tuple[float, str, str | None, str | None]]:
    return [(f.value, f.unit, f.qualifier, f.role) for f in numbers.figures(text, sentence=text)]


def test_figure_shapes() -> None:
    assert figures("với 77 cuộc/2288 lượt người tham dự") == [
        (77, "cuộc", None, None),
        (2288, "lượt người", None, None),
    ]
    assert figures("Quỹ 8.000.000/21.000.000 đồng") == [
        (8e6, "đồng", None, "achieved"),
        (21e6, "đồng", None, "target"),
    ]
    assert figures("đạt tỷ lệ 90 – 95%") == [(90, "%", None, "min"), (95, "%", None, "max")]
    assert figures("trên 3600 suất quà, tổng giá trị trên 1 tỷ 700 triệu đồng") == [
        (3600, "suất quà", "trên", None),
        (1.7e9, "đồng", "trên", "total"),  # "tổng giá trị": the total of what was given
    ]
    assert figures("17 nhà với số tiền 680 triệu") == [
        (17, "nhà", None, None),
        (680e6, "đồng", None, None),
    ]


def kinds(text: str) -> list[tuple[str, str | None, str | None, str | None, str | None]]:
    return [(f.raw, f.measure, f.kind, f.per, f.role) for f in numbers.figures(text, sentence=text)]


def test_figures_know_what_they_are() -> None:
    """Unit prices and shares are told from amounts and counts; a total's parts from it."""
    assert kinds("trao 117 suất quà trị giá 600.000 đồng/suất") == [
        ("117 suất quà", "suất quà", "count", None, None),
        ("600.000 đồng", "đồng", "rate", "suất quà", None),
    ]
    assert kinds("tặng 50 phần quà, mỗi suất trị giá 500.000 đồng") == [
        ("50 phần quà", "suất quà", "count", None, None),
        ("500.000 đồng", "đồng", "rate", "suất quà", None),
    ]
    assert kinds("hỗ trợ 2 triệu đồng mỗi hộ, bình quân 40 người") == [
        ("2 triệu đồng", "đồng", "rate", "hộ", None),
        ("40 người", "người", "rate", "đơn vị", None),
    ]
    assert kinds(
        "với tổng số tiền 25.000.000 đồng, trong đó tiền mặt 20.000.000 đồng, hiện vật 5.000.000 đồng"
    ) == [
        ("25.000.000 đồng", "đồng", "amount", None, "total"),
        ("20.000.000 đồng", "đồng", "amount", None, "part"),
        ("5.000.000 đồng", "đồng", "amount", None, "part"),
    ]
    assert kinds("đạt 95%") == [("đạt 95%", "%", "share", None, None)]
    assert kinds("77 cuộc/2288 lượt người") == [
        ("77 cuộc/2288 lượt người", "cuộc", "count", None, None),
        ("77 cuộc/2288 lượt người", "lượt", "count", None, None),
    ]


@pytest.mark.parametrize(
    ("text", "subject"),
    [
        ("vận động Quỹ “Vì người nghèo” được 8.000.000 đồng", "Quỹ Vì người nghèo"),
        ("ủng hộ 10 triệu đồng vào Quỹ Khuyến học", "Quỹ Khuyến học"),
        ("xây dựng 3 nhà Đại đoàn kết", "nhà Đại đoàn kết"),
        ("trao 84 suất quà Tết cho hộ nghèo", "trao"),
    ],
)
def test_figure_subject(text: str, subject: str) -> None:
    assert next(numbers.figures(text, sentence=text)).subject == subject


@pytest.mark.parametrize(
    "text",
    [
        "Ủy ban MTTQ Phường 2 tổ chức",
        "Chỉ thị 05-CT/TW ngày 15/5/2016",
        "(11/6/1948-11/6/2021)",
        "6 tháng đầu năm 2024",
        "phòng chống dịch Covid 19",
        "Quốc hội khóa XV",
        "10 đ/c dự",
    ],
)
def test_not_figures(text: str) -> None:
    assert figures(text) == []


@given(st.integers(1, 28), st.integers(1, 12), st.integers(1990, 2040))
def test_meeting_date_from_lead(day: int, month: int, year: int) -> None:
    lead = [f"Ngày {day}/{month}/{year}, Ủy ban MTTQ xã A tổ chức hội nghị."]
    found = dates.meeting_date(lead, covered=None, fallback_year=None)
    assert found is not None and found.value == f"{year:04d}-{month:02d}-{day:02d}"


def test_year_comes_from_the_period() -> None:
    lead = [
        "Ngày 15/7, Ủy ban MTTQ huyện tổ chức hội nghị đánh giá 6 tháng đầu năm, triển khai 6 tháng cuối năm 2020."
    ]
    covered = dates.period(lead, fallback_year=None)
    assert covered is not None and (covered[0].year, covered[0].part) == (2020, "H1")
    found = dates.meeting_date(lead, covered=covered[0], fallback_year=None)
    assert found is not None and found.value == "2020-07-15"


def test_year_review_meets_next_january() -> None:
    lead = ["Ngày 10/1, Ủy ban MTTQ xã tổ chức hội nghị tổng kết công tác Mặt trận năm 2023."]
    covered = dates.period(lead, fallback_year=None)
    assert covered is not None and (covered[0].year, covered[0].part) == (2023, "Y")
    found = dates.meeting_date(lead, covered=covered[0], fallback_year=None)
    assert found is not None and found.value == "2024-01-10"


@given(st.text(max_size=200))
def test_date_parsers_never_raise(text: str) -> None:
    dates.meeting_date([text], covered=None, fallback_year=2024)
    dates.period([text], fallback_year=2024)
    dates.term([text])
    dates.session_number([text])


def test_tone_marks_and_folding() -> None:
    assert normalize("Uỷ ban hoá Qũy") == "Ủy ban hóa Quỹ"
    assert fold("Phường 2 ĐẠT ĐƯỢC Đình Lập") == "phuong 2 dat duoc dinh lap"


def test_clean_keeps_footer_as_metadata() -> None:
    page = "Tin 1\nNgày 5/1/2024, MTTQ xã A tổ chức hội nghị.\nĐiện thoại: 0979\nEmail: a@b.vn\nĐang online: 3"
    cleaned = clean(page)
    assert cleaned.meta == {"phone": "0979", "email": "a@b.vn"}
    assert "online" not in cleaned.text and "0979" not in cleaned.text


def test_people_shapes() -> None:
    found = people_in("Chủ tịch UBMTTQ thị xã Đặng Ngọc Sơn phát biểu tại hội nghị")
    assert [(p.name, p.role, p.relation) for p in found] == [
        ("Đặng Ngọc Sơn", "Chủ tịch UBMTTQ thị xã", "spoke")
    ]
    found = people_in(
        "Đồng chí Đặng Thanh Hải – Tỉnh ủy viên, Bí thư Thị ủy và đồng chí Nguyễn Thăng Long – Phó Bí thư thường trực Thị ủy đồng chủ trì hội nghị."
    )
    assert [(p.name, p.relation) for p in found] == [
        ("Đặng Thanh Hải", "chaired"),
        ("Nguyễn Thăng Long", "chaired"),
    ]


def test_central_committee_and_directive_document() -> None:
    record = extract(
        clean(
            "ỦY BAN TRUNG ƯƠNG MẶT TRẬN TỔ QUỐC VIỆT NAM\nSố: 15-NQ/MTTW-ĐCT\nHà Nội, ngày 5 tháng 3 năm 2024\n"
            "NGHỊ QUYẾT\nVề tăng cường công tác giám sát\n1. Đẩy mạnh giám sát việc thực hiện chính sách.\n"
            "2. Phát huy vai trò Ban Thanh tra nhân dân."
        )
    )
    assert record.doc_type == "văn bản"
    assert record.doc_code == "15-NQ/MTTW-ĐCT"
    assert record.meta["issued"] == "2024-03-05"
    assert record.subject == "tăng cường công tác giám sát"
    assert [i.kind for i in record.items if i.kind == "provision"] == ["provision", "provision"]


def test_news_without_a_meeting() -> None:
    record = extract(
        clean("Giá vàng hôm nay tăng mạnh\nGiá vàng trong nước tăng 200 nghìn đồng mỗi lượng.")
    )
    assert record.doc_type == "tin tức" and record.meeting_kind is None


def test_directive_document_title_and_unit() -> None:
    record = extract(
        clean(
            "ỦY BAN TRUNG ƯƠNG MẶT TRẬN TỔ QUỐC VIỆT NAM\nSố: 15-NQ/MTTW-ĐCT\nHà Nội, ngày 5 tháng 3 năm 2024\n"
            "NGHỊ QUYẾT\nVề tăng cường công tác giám sát\n1. Đẩy mạnh giám sát việc thực hiện chính sách."
        )
    )
    assert record.title == "Nghị quyết 15-NQ/MTTW-ĐCT về tăng cường công tác giám sát"
    assert record.unit is not None and (record.unit.level, record.unit.name) == (
        "trung ương",
        "Việt Nam",
    )


def test_place_after_a_role_word_is_not_a_person() -> None:
    assert people_in("Đại biểu trồng cây tại khuôn viên khu Văn Miếu.") == ()


@pytest.mark.parametrize(
    "text",
    [
        "Người dân lo lắng\nHôm qua, lãnh đạo thành phố đã nêu quan điểm về nhà chung cư cũ.",
        "Chăm lo an sinh\nCác vấn đề xã hội được quan tâm giải quyết kịp thời.",
        "Tin ngắn\nTỉnh đã chỉ đạo các huyện triển khai ngay.",
    ],
)
def test_a_lower_case_word_after_a_level_is_no_unit(text: str) -> None:
    """ "thành phố đã", "xã hội": a unit's name is written with a capital."""
    assert extract(clean(text)).unit is None


def test_initials_of_ho_chi_minh_city() -> None:
    record = extract(
        clean(
            "Hội nghị hiệp thương\nNgày 5/3/2024, Ủy ban MTTQ TP HCM tổ chức hội nghị hiệp thương."
        )
    )
    assert record.unit is not None and (record.unit.level, record.unit.name) == (
        "thành phố",
        "Hồ Chí Minh",
    )


def test_a_hyphenated_province_is_named_whole() -> None:
    """ "tỉnh Bà Rịa - Vũng Tàu" is one province, not "Bà Rịa" (and the gazetteer knows it)."""
    record = extract(clean(
        "Sơ kết 6 tháng\nNgày 12/7/2024, Ủy ban MTTQ Việt Nam Phường 2, thành phố Vũng Tàu, "
        "tỉnh Bà Rịa - Vũng Tàu tổ chức hội nghị sơ kết."
    ))  # fmt: skip
    assert record.unit is not None and record.unit.code is not None
    assert [(p.level, p.name) for p in record.unit.parents] == [
        ("thành phố", "Vũng Tàu"),
        ("tỉnh", "Bà Rịa - Vũng Tàu"),
    ]
    assert "unit_not_in_gazetteer" not in record.warnings


PORTAL_PAGE = """Trang chủ | Giới thiệu | Tin tức - Sự kiện | Văn bản | Liên hệ
UBND XÃ TÂN PHÚ - HUYỆN ĐỒNG PHÚ - TỈNH BÌNH PHƯỚC
MTTQ xã Tân Phú tổng kết công tác Mặt trận năm 2023
Ngày đăng: 28/12/2023 | Lượt xem: 152
Sáng ngày 27/12, Ban Thường trực Ủy ban MTTQ Việt Nam xã Tân Phú tổ chức hội nghị tổng kết công tác Mặt trận năm 2023. Dự hội nghị có đồng chí Nguyễn Văn Hùng - Phó Chủ tịch Ủy ban MTTQ huyện Đồng Phú; đồng chí Lê Thị Mai - Bí thư Đảng ủy xã.
Năm 2023, Ủy ban MTTQ xã vận động Quỹ "Vì người nghèo" được 125.500.000 đồng, đạt 104% chỉ tiêu.
"""


def test_a_portal_menu_site_name_and_view_counter_are_not_the_report() -> None:
    """The title is the article's, not the menu; the site's own name and the "posted on | views"
    line are page chrome, so the lead is the meeting sentence and dates it."""
    cleaned = clean(PORTAL_PAGE)
    assert cleaned.title == "MTTQ xã Tân Phú tổng kết công tác Mặt trận năm 2023"
    assert cleaned.meta["published"] == "2023-12-28" and cleaned.meta["site"].startswith(
        "UBND XÃ TÂN PHÚ"
    )
    record = extract(cleaned)
    assert (record.doc_type, record.meeting_kind, record.meeting_date) == (
        "hội nghị",
        "tổng kết năm",
        "2023-12-27",
    )
    assert record.unit is not None and record.unit.name == "Tân Phú"
    assert [p.name for p in record.people] == ["Nguyễn Văn Hùng", "Lê Thị Mai"]  # not "Đồng Phú"


@pytest.mark.parametrize(
    "line",
    [
        "Trang chủ » Tin tức » Hoạt động Mặt trận",
        "Trang chủ > Tin tức",
        "Giới thiệu | Tin tức | Văn bản | Liên hệ",
        "Cập nhật lúc: 05/01/2024 08:30 | Lượt xem: 1.204",
    ],
)
def test_menus_breadcrumbs_and_counters_are_dropped(line: str) -> None:
    assert line not in clean(f"{line}\nỦy ban MTTQ phường 1 tổ chức hội nghị.\nNội dung.").text


@pytest.mark.parametrize(
    "line",
    [
        "Kết quả: 3/3 thôn đạt chuẩn | 2/2 trường học",  # content with a bar stays
        "ỦY BAN MTTQ XÃ TÂN PHÚ TỔ CHỨC HỘI NGHỊ TỔNG KẾT NĂM 2023",  # a title in capitals
        "Ngày 15/7 tổ chức hội nghị | trao 20 suất quà",
    ],
)
def test_content_that_looks_like_chrome_stays(line: str) -> None:
    assert line in clean(f"Tin tức\n{line}\nNội dung của bài viết.").text


def test_a_place_named_like_a_person_after_a_role_is_a_place() -> None:
    assert [p.name for p in people_in("Chủ tịch UBND huyện Trần Văn Thời phát biểu.")] == []
    assert [p.name for p in people_in("Chủ tịch UBMTTQ thị xã Đặng Ngọc Sơn phát biểu.")] == [
        "Đặng Ngọc Sơn"
    ]


def test_a_section_label_is_not_the_title_and_an_afternoon_dates_the_meeting() -> None:
    page = (REPORT_DIR / "hoa_binh_giao_ban_2025.txt").read_text(encoding="utf-8")
    cleaned = clean(page)
    assert cleaned.title == "MTTQ xã Hòa Bình giao ban công tác Mặt trận quý III năm 2025"
    assert cleaned.meta["category"] == "Tin hoạt động" and cleaned.meta["published"] == "2025-09-25"
    record = extract(cleaned)
    assert (record.doc_type, record.meeting_kind, record.meeting_date) == (
        "hội nghị",
        "giao ban",
        "2025-09-25",
    )
    assert record.period is not None and (record.period.year, record.period.part) == (2025, "Q3")


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Chiều 25/9, Ủy ban MTTQ xã tổ chức hội nghị giao ban.", "2025-09-25"),
        ("Sáng ngày 27/8, MTTQ phường tổ chức hội nghị.", "2025-08-27"),
        ("Có 3/5 thôn tổ chức hội nghị.", None),  # a ratio, not a date
    ],
)
def test_a_time_of_day_before_a_date_marks_it_as_the_meetings(
    sentence: str, expected: str | None
) -> None:
    found = dates.meeting_date([sentence], covered=None, fallback_year=2025)
    assert (found.value if found else None) == expected


def test_an_issued_plan_keeps_its_header_as_issuer_unit_subject_and_date() -> None:
    record = extract(clean((REPORT_DIR / "thach_ha_ke_hoach_2024.txt").read_text(encoding="utf-8")))
    assert record.doc_code == "25/KH-MTTQ-BTT"
    assert (
        record.issuer == "Ủy ban MTTQ Việt Nam huyện Thạch Hà"
    )  # two header lines, as running text
    assert record.subject == "Tổ chức các hoạt động chăm lo Tết Nguyên đán Giáp Thìn năm 2024"
    assert record.unit is not None and (record.unit.level, record.unit.name) == (
        "huyện",
        "Thạch Hà",
    )
    assert record.published_date == "2024-01-10"  # not the province the plan cites


def test_someone_elected_holds_the_post_they_were_elected_to() -> None:
    found = people_in(
        "Hội nghị cử bổ sung bà Vàng Thị Mai, Bí thư Đoàn thị trấn giữ chức Phó Chủ tịch Ủy ban MTTQ "
        "Việt Nam thị trấn Đồng Văn, nhiệm kỳ 2019 - 2024 với 100% đại biểu tán thành."
    )
    assert [(p.name, p.role) for p in found] == [
        ("Vàng Thị Mai", "Phó Chủ tịch Ủy ban MTTQ Việt Nam thị trấn Đồng Văn")
    ]


def test_an_issued_report_is_filed_as_its_period_and_meeting() -> None:
    """ "BÁO CÁO / Sơ kết … 6 tháng đầu năm" under a numbered header: the subject gives the
    period and the kind, the signature the date and the author; neither the header nor the
    distribution list and signature block are content."""
    cleaned = clean((REPORT_DIR / "phuong3_bao_cao_so_ket_2024.txt").read_text(encoding="utf-8"))
    assert (cleaned.meta["signer"], cleaned.meta["signer_role"]) == ("Trần Văn Bình", "Chủ tịch")
    record = extract(cleaned)
    assert record.title.startswith("Báo cáo sơ kết công tác Mặt trận 6 tháng đầu năm")
    assert (record.doc_type, record.meeting_kind, record.meeting_date) == (
        "hội nghị",
        "sơ kết 6 tháng",
        "2024-07-05",
    )
    assert record.period is not None and (record.period.year, record.period.part) == (2024, "H1")
    assert record.author == "Trần Văn Bình" and record.doc_code == "12/BC-MTTQ"
    kinds = [item.kind for item in record.items]
    assert kinds == ["achievement"] * 3 + ["limitation"] * 2 + ["direction"] * 2


@pytest.mark.parametrize(
    ("header", "issuer"),
    [
        (["HUYỆN ỦY ĐÌNH LẬP", "*"], "Huyện ủy Đình Lập"),
        (
            ["ĐẢNG BỘ TỈNH HÀ TĨNH", "ĐẢNG ỦY XÃ LIÊM HẢI"],
            "Đảng bộ tỉnh Hà Tĩnh Đảng ủy xã Liêm Hải",
        ),
        (["SỞ TƯ PHÁP", "TỈNH HÀ TĨNH", "Số: 3/KH-STP"], "Sở tư pháp tỉnh Hà Tĩnh"),
        (
            ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "ỦY BAN MTTQ VIỆT NAM TỈNH LẠNG SƠN"],
            "Ủy ban MTTQ Việt Nam tỉnh Lạng Sơn",
        ),
    ],
)
def test_an_issuer_header_reads_as_running_text(header: list[str], issuer: str) -> None:
    from knowledge.extract.kinds import _issuer

    assert _issuer(header) == issuer


def test_everyone_named_before_a_request_made_it() -> None:
    from knowledge.extract.items import _speaker

    joint = "Đ/c Nguyễn Văn Chung, Phó Chủ tịch và Đ/c Hoàng Xuân Thuận, Bí thư huyện ủy đề nghị tiếp tục đổi mới."
    assert _speaker(joint, [], None) == "Nguyễn Văn Chung, Hoàng Xuân Thuận"
    one = "Đồng chí Nguyễn Văn An, Bí thư Đảng ủy xã yêu cầu ông Trần Văn Ba thực hiện ngay."
    assert _speaker(one, [], None) == "Nguyễn Văn An"
