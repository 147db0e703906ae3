"""PDF text read as its writer wrote it: real posts printed in a narrow column (so that the
layout breaks titles and sentences mid-way) come back with the title whole, the lead whole,
the meeting's date found and the date question answered."""

from __future__ import annotations

import json
from pathlib import Path
from xml.sax.saxutils import escape

import matplotlib
import pytest
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate
from typer.testing import CliRunner

from bot.cli import app
from knowledge.ingest import process, sample_paths
from knowledge.layout import rejoin
from knowledge.read import read_path

runner = CliRunner()
SAMPLES = {p.name[:3]: p for p in sample_paths()}
FRONT_DOCS = Path(__file__).resolve().parents[2] / "shared" / "data" / "front-docs-2025"
# matplotlib (a dependency) ships DejaVu Sans, which has every Vietnamese letter.
FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def print_pdf(text: str, path: Path) -> Path:
    """Each line of ``text`` a paragraph, printed 90 mm wide (about 45 characters a line):
    capitals as a bold heading, the rest as body text; the layout breaks both."""
    pdfmetrics.registerFont(TTFont("Sans", str(FONTS / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont("SansBold", str(FONTS / "DejaVuSans-Bold.ttf")))
    body = ParagraphStyle("body", fontName="Sans", fontSize=11, leading=14, spaceAfter=6)
    heading = ParagraphStyle("heading", fontName="SansBold", fontSize=13, leading=16, spaceAfter=8)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    story = [Paragraph(escape(line), heading if line.isupper() else body) for line in lines]
    SimpleDocTemplate(str(path), pagesize=A4, leftMargin=60 * mm, rightMargin=60 * mm).build(story)
    return path


def read_back(text: str, tmp_path: Path, name: str = "bai-dang.pdf") -> str:
    return read_path(print_pdf(text, tmp_path / name))[0].text


@pytest.mark.parametrize(
    ("sample", "title", "meeting"),
    [
        (
            "000",
            "SƠ KẾT CÔNG TÁC MẶT TRẬN 6 THÁNG ĐẦU NĂM, TRIỂN KHAI PHƯƠNG HƯỚNG NHIỆM VỤ TRỌNG TÂM 6 THÁNG CUỐI NĂM 2023",
            "2023-07-06",
        ),
        ("002", "HỘI NGHỊ ỦY BAN MTTQ PHƯỜNG 2 LẦN THỨ II NHIỆM KỲ 2024 - 2029", "2024-07-08"),
        (
            "004",
            "Mặt trận Tổ quốc xã Quảng Nghiệp tổ chức sơ kết 6 tháng đầu năm 2021",
            "2021-07-02",
        ),
    ],
)
def test_a_post_printed_as_pdf_keeps_its_title_and_meeting_date(
    tmp_path: Path, sample: str, title: str, meeting: str
) -> None:
    text = SAMPLES[sample].read_text("utf-8")
    record = process(read_path(print_pdf(text, tmp_path / "post.pdf"))[0])
    assert (record.title, record.meeting_date) == (title, meeting)
    as_text = process(read_path(SAMPLES[sample])[0])  # the same post read from its text
    assert (record.unit, record.period, record.published_date) == (
        as_text.unit,
        as_text.period,
        as_text.published_date,
    )


def test_sentences_are_whole_again_and_headings_stay_lines(tmp_path: Path) -> None:
    text = read_back(SAMPLES["004"].read_text("utf-8"), tmp_path)
    lines = text.splitlines()
    # The lead, five printed lines, is one paragraph again; the timestamp stays its own line.
    assert "06/07/2021 03:28:12" in lines
    assert any(
        line.startswith(
            "Sáng ngày 02 tháng 7 năm 2021, Ủy ban MTTQ xã quảng Nghiệp tổ chức Hội nghị sơ kết"
        )
        and line.endswith("khóa 2019-2024.")
        for line in lines
    )
    # A numbered heading wrapped by the layout is one line, and the text under it another.
    assert (
        "1. Công tác tuyên truyền vận động nhân dân, củng cố phát triển khối đại đoàn kết toàn dân"
        in lines
    )


@pytest.mark.skipif(not FRONT_DOCS.exists(), reason="../shared/data/front-docs-2025 is not there")
def test_a_news_page_printed_as_pdf_keeps_its_title_and_published_date(tmp_path: Path) -> None:
    record = process(
        read_path(print_pdf((FRONT_DOCS / "e2-13.txt").read_text("utf-8"), tmp_path / "tin.pdf"))[0]
    )
    assert record.title == "Huyện Hòa Bình: Đẩy mạnh xây dựng nông thôn mới, đô thị văn minh"
    assert record.published_date == "2017-04-20"


def test_ask_answers_the_date_of_a_meeting_read_from_a_pdf(tmp_path: Path, database: Path) -> None:
    pdf = print_pdf(SAMPLES["000"].read_text("utf-8"), tmp_path / "so-ket-lien-hai.pdf")
    assert runner.invoke(app, ["ingest", str(pdf), "--workers", "1"]).exit_code == 0
    result = runner.invoke(
        app, ["ask", "MTTQ xã Liêm Hải sơ kết 6 tháng đầu năm 2023 vào ngày nào?", "--json"]
    )
    answer = json.loads(result.output)
    assert answer["found"] and answer["intent"] == "date"
    assert answer["lead"]["date"] == "2023-07-06"
    assert answer["answer"].startswith("Ngày 06/07/2023")
    assert "[so-ket-lien-hai.pdf]" in answer["answer"]


# -- the rules, on lines as a narrow column breaks them (invented) -----------------------------


def test_a_title_in_capitals_broken_by_the_layout_is_whole() -> None:
    printed = "\n".join(
        [
            "MTTQ XÃ LIÊM HẢI PHỐI HỢP TỔ CHỨC HỘI NGHỊ TIẾP",
            "XÚC CỬ TRI TRƯỚC KỲ HỌP THỨ NHẤT HĐND XÃ",
            "Ngày 16/6/2026, Ủy ban MTTQ xã Liêm Hải phối hợp",
            "với Thường trực HĐND xã tổ chức hội nghị tiếp xúc",
            "cử tri.",
            "I. KẾT QUẢ",
            "1. Công tác tuyên truyền",
            "Các tổ chức thành viên đã tuyên truyền sâu rộng,",
            "Ban công tác Mặt trận các thôn vận động nhân dân.",
        ]
    )
    assert rejoin(printed).splitlines() == [
        "MTTQ XÃ LIÊM HẢI PHỐI HỢP TỔ CHỨC HỘI NGHỊ TIẾP XÚC CỬ TRI TRƯỚC KỲ HỌP THỨ NHẤT HĐND XÃ",
        "Ngày 16/6/2026, Ủy ban MTTQ xã Liêm Hải phối hợp với Thường trực HĐND xã tổ chức hội nghị tiếp xúc cử tri.",
        "I. KẾT QUẢ",
        "1. Công tác tuyên truyền",
        "Các tổ chức thành viên đã tuyên truyền sâu rộng, Ban công tác Mặt trận các thôn vận động nhân dân.",
    ]


def test_an_issued_documents_header_lines_stay_apart() -> None:
    printed = "\n".join(
        [
            "ỦY BAN MTTQ VIỆT NAM",
            "XÃ LƯƠNG MINH",
            "BAN THƯỜNG TRỰC",
            "Số: 16/KH-MTTQ-BTT",
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA",
            "VIỆT NAM",
            "Độc lập - Tự do - Hạnh phúc",
            "Lương Minh, ngày 18 tháng 11 năm 2025",
            "KẾ HOẠCH",
        ]
    )
    assert rejoin(printed).splitlines() == [
        "ỦY BAN MTTQ VIỆT NAM",
        "XÃ LƯƠNG MINH",
        "BAN THƯỜNG TRỰC",
        "Số: 16/KH-MTTQ-BTT",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Lương Minh, ngày 18 tháng 11 năm 2025",
        "KẾ HOẠCH",
    ]
