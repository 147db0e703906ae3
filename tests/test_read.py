"""Tests for the read stage: every format, every bad input, and a decode_bytes property."""

from __future__ import annotations

import gzip
import io
import json
import time
import unicodedata
import zipfile
from pathlib import Path

import docx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfWriter

from knowledge.errors import ReadError
from knowledge.read import (
    SUPPORTED_SUFFIXES,
    RawDocument,
    decode_bytes,
    iter_path,
    read_path,
)

SENTENCE = "Ủy ban Mặt trận Tổ quốc xã Liêm Hải tổ chức hội nghị"
REPORT = (
    "Ngày 15/3, Ủy ban Mặt trận Tổ quốc xã Liêm Hải tổ chức hội nghị tổng kết công tác năm 2023.\n"
    "Hội nghị thống nhất phương hướng nhiệm vụ năm 2024 với 120 đại biểu tham dự.\n"
)

# --------------------------------------------------------------------------- helpers


def to_cp1258(text: str) -> bytes:
    """Encode as Windows-1258 the way Vietnamese Word/Notepad did.

    cp1258 has no precomposed toned letters (no "Ủ"), so ``text.encode("cp1258")`` fails on
    NFC text; tone marks are written as combining characters after the base letter, while
    â ê ô ă ơ ư đ keep their own code points.
    """
    tones = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
    out: list[str] = []
    for char in unicodedata.normalize("NFC", text):
        parts = unicodedata.normalize("NFD", char)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
        out.append(base + "".join(c for c in parts if c in tones))
    return "".join(out).encode("cp1258")


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def read_one(path: Path, *, max_bytes: int = 20_000_000) -> RawDocument:
    docs = read_path(path, max_bytes=max_bytes)
    assert len(docs) == 1
    return docs[0]


def read_error(path: Path, *, max_bytes: int = 20_000_000) -> ReadError:
    with pytest.raises(ReadError) as info:
        read_path(path, max_bytes=max_bytes)
    return info.value


def minimal_pdf(text: str) -> bytes:
    """A one-page PDF with a Helvetica text object and a correct xref table."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref_at,
    )
    return bytes(out)


def jsonl_lines() -> list[bytes]:
    return [
        json.dumps(
            {"id": "a1", "text": "Phường 2 tổ chức hội nghị", "date": "2024-03-15"}
        ).encode(),
        b"",
        b'{"id": "broken", "text": ',
        json.dumps({"id": 7, "text": SENTENCE}, ensure_ascii=False).encode(),
    ]


# --------------------------------------------------------------------------- txt readers


def test_supported_suffixes() -> None:
    assert {".txt", ".html", ".htm", ".docx", ".pdf", ".jsonl", ".jsonl.gz"} == SUPPORTED_SUFFIXES


def test_txt_utf8(tmp_path: Path) -> None:
    path = write(tmp_path, "r.txt", REPORT.encode("utf-8"))
    doc = read_one(path)
    assert doc == RawDocument(source=str(path), text=REPORT, fmt="txt", meta={"encoding": "utf-8"})


def test_txt_utf8_nfd_input_becomes_nfc(tmp_path: Path) -> None:
    path = write(tmp_path, "r.txt", unicodedata.normalize("NFD", REPORT).encode())
    assert read_one(path).text == REPORT


def test_txt_utf8_bom(tmp_path: Path) -> None:
    path = write(tmp_path, "r.txt", b"\xef\xbb\xbf" + REPORT.encode())
    doc = read_one(path, max_bytes=10_000)
    assert doc.text == REPORT  # the BOM is not part of the text
    assert doc.meta["encoding"] == "utf-8-sig"


def test_txt_utf16_le_bom(tmp_path: Path) -> None:
    path = write(tmp_path, "r.txt", REPORT.encode("utf-16"))  # Python writes a LE BOM
    doc = read_one(path)
    assert doc.text == REPORT
    assert doc.meta["encoding"] == "utf-16-le"


def test_txt_utf16_without_bom(tmp_path: Path) -> None:
    le = read_one(write(tmp_path, "le.txt", REPORT.encode("utf-16-le")))
    be = read_one(write(tmp_path, "be.txt", REPORT.encode("utf-16-be")))
    assert (le.text, le.meta["encoding"]) == (REPORT, "utf-16-le")
    assert (be.text, be.meta["encoding"]) == (REPORT, "utf-16-be")


def test_txt_windows_1258(tmp_path: Path) -> None:
    data = to_cp1258(SENTENCE)
    assert b"\xd2" in data  # really uses a combining tone mark (hook above)
    doc = read_one(write(tmp_path, "legacy.txt", data))
    assert doc.text == unicodedata.normalize("NFC", SENTENCE)
    assert doc.meta["encoding"] == "windows-1258"


def test_txt_windows_1258_longer_report(tmp_path: Path) -> None:
    doc = read_one(write(tmp_path, "legacy.txt", to_cp1258(REPORT * 3)))
    assert doc.text == REPORT * 3


def test_txt_windows_1258_ending_like_cut_utf8(tmp_path: Path) -> None:
    # "vụ" is b"vu\xf2" in cp1258: \xf2 is also a UTF-8 lead byte, so the file looks like
    # truncated UTF-8. With only ASCII before it, that is not evidence enough for UTF-8.
    data = to_cp1258("Hoan thanh nhiem vụ")
    assert data.endswith(b"\xf2")
    assert read_one(write(tmp_path, "legacy.txt", data)).text == "Hoan thanh nhiem vụ"


def test_txt_truncated_utf8_drops_only_the_cut_tail(tmp_path: Path) -> None:
    data = "Phường 2 tổ chức hội nghị".encode()[:-1]
    doc = read_one(write(tmp_path, "cut.txt", data))
    assert doc.text == "Phường 2 tổ chức hội ngh"
    assert doc.meta["encoding"] == "utf-8"


def test_txt_utf8_with_one_stray_byte_stays_utf8(tmp_path: Path) -> None:
    data = REPORT.encode() + b"\xff" + REPORT.encode()
    doc = read_one(write(tmp_path, "stray.txt", data))
    assert doc.text == REPORT + "\ufffd" + REPORT
    assert doc.meta["encoding"] == "utf-8 (repaired)"


# --------------------------------------------------------------------------- html

PAGE = """<!doctype html><html><head>
<meta charset="utf-8"><title>Hội nghị MTTQ xã Liêm Hải</title>
<meta property="article:published_time" content="2024-03-15T08:00:00+07:00">
<style>.menu { color: red } STYLE_LEAK</style>
<script>var SCRIPT_LEAK = 1;</script>
</head><body>
<nav><a href="/">NAV_LEAK Trang chủ</a> <a href="/tin">Tin tức</a></nav>
<article><h1>Hội nghị MTTQ xã Liêm Hải</h1>
<p>Ngày 15/3, Ủy ban Mặt trận Tổ quốc xã Liêm Hải tổ chức hội nghị tổng kết công tác năm 2023
với sự tham gia của 120 đại biểu.</p>
<p>Hội nghị thống nhất phương hướng nhiệm vụ năm 2024, tập trung vào cuộc vận động toàn dân
đoàn kết xây dựng nông thôn mới.</p>
</article>
<footer>FOOTER_LEAK Bản quyền thuộc Cổng thông tin</footer>
</body></html>"""


def assert_clean_article(text: str) -> None:
    for leak in ("STYLE_LEAK", "SCRIPT_LEAK", "NAV_LEAK", "FOOTER_LEAK"):
        assert leak not in text
    assert "tổ chức hội nghị tổng kết" in text
    assert "đoàn kết xây dựng nông thôn mới" in text
    # paragraphs stay on separate lines
    lines = text.splitlines()
    assert any(line.startswith("Ngày 15/3") for line in lines)
    assert any(line.startswith("Hội nghị thống nhất") for line in lines)


def test_html_main_text_and_metadata(tmp_path: Path) -> None:
    doc = read_one(write(tmp_path, "page.html", PAGE.encode()))
    assert doc.fmt == "html"
    assert_clean_article(doc.text)
    assert doc.meta["title"] == "Hội nghị MTTQ xã Liêm Hải"
    assert doc.meta["date"] == "2024-03-15"
    assert doc.meta["extractor"] == "trafilatura"


def test_html_meta_charset_windows_1258(tmp_path: Path) -> None:
    page = PAGE.replace('charset="utf-8"', 'charset="windows-1258"')
    doc = read_one(write(tmp_path, "page.htm", to_cp1258(page)))
    assert_clean_article(doc.text)
    assert doc.meta["encoding"] == "windows-1258"


def test_html_short_page_does_not_leak_menus(tmp_path: Path) -> None:
    # trafilatura's favor_recall baseline dumps the whole body of short pages, nav included,
    # unless the reader prunes it first.
    page = (
        "<html><head><title>T</title><script>SCRIPT_LEAK()</script></head><body>"
        "<nav>NAV_LEAK</nav><p>Xin chào</p><p>Phường 2</p><footer>FOOTER_LEAK</footer></body></html>"
    )
    doc = read_one(write(tmp_path, "tiny.html", page.encode()))
    assert doc.text == "Xin chào\nPhường 2"
    assert doc.meta["title"] == "T"


def test_html_fallback_when_trafilatura_finds_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import trafilatura

    monkeypatch.setattr(trafilatura, "bare_extraction", lambda *a, **k: None)
    page = PAGE.replace("<nav>", "<table><tr><td>Xã</td><td>Hộ</td></tr></table><nav>")
    doc = read_one(write(tmp_path, "page.html", page.encode()))
    assert_clean_article(doc.text)
    assert "Xã | Hộ" in doc.text.splitlines()
    assert (
        doc.meta
        == {
            "encoding": "utf-8",
            "extractor": "fallback",
            "title": "Hội nghị MTTQ xã Liêm Hải",
            "published": "2024-03-15",  # the markup's article:published_time, whatever extracted the text
        }
    )


def test_html_without_text_is_empty(tmp_path: Path) -> None:
    page = b"<html><head><script>x()</script></head><body><nav>menu</nav></body></html>"
    assert read_error(write(tmp_path, "blank.html", page)).reason == "empty"


# --------------------------------------------------------------------------- docx


def test_docx_paragraphs_and_table(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("Báo cáo công tác Mặt trận quý I")
    table = document.add_table(rows=2, cols=3)
    for row, values in zip(
        table.rows, [("Xã", "Hộ nghèo", "Ghi chú"), ("Liêm Hải", "12", "")], strict=True
    ):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    document.add_paragraph("Đề nghị cấp trên hỗ trợ.")
    path = tmp_path / "report.docx"
    document.save(str(path))

    doc = read_one(path)
    assert doc.fmt == "docx"
    assert doc.text.splitlines() == [
        "Báo cáo công tác Mặt trận quý I",
        "Xã | Hộ nghèo | Ghi chú",
        "Liêm Hải | 12 | ",
        "Đề nghị cấp trên hỗ trợ.",
    ]


def test_docx_zip_of_junk(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("junk.txt", "not a word document")
    error = read_error(write(tmp_path, "fake.docx", buffer.getvalue()))
    assert error.reason == "bad_docx"
    assert "word/document.xml" in error.detail
    assert str(tmp_path / "fake.docx") in error.detail


def test_docx_random_bytes(tmp_path: Path) -> None:
    error = read_error(write(tmp_path, "noise.docx", bytes(range(256)) * 4))
    assert error.reason == "bad_docx"
    assert "not a zip archive" in error.detail


# --------------------------------------------------------------------------- pdf


def test_pdf_with_text_layer(tmp_path: Path) -> None:
    doc = read_one(write(tmp_path, "r.pdf", minimal_pdf("Bao cao MTTQ xa Liem Hai 2024")))
    assert doc.fmt == "pdf"
    assert doc.text == "Bao cao MTTQ xa Liem Hai 2024"
    assert doc.meta == {"pages": "1"}


def test_pdf_without_text_layer(tmp_path: Path) -> None:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    error = read_error(write(tmp_path, "scan.pdf", buffer.getvalue()))
    assert error.reason == "no_text_layer"
    assert "run OCR first" in error.detail


def test_pdf_corrupt(tmp_path: Path) -> None:
    error = read_error(write(tmp_path, "broken.pdf", b"%PDF-1.4\n" + b"garbage " * 50))
    assert error.reason == "bad_pdf"


def test_pdf_password_protected(tmp_path: Path) -> None:
    writer = PdfWriter(clone_from=io.BytesIO(minimal_pdf("secret")))
    writer.encrypt(user_password="mk", owner_password="mk", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    error = read_error(write(tmp_path, "locked.pdf", buffer.getvalue()))
    assert error.reason == "bad_pdf"
    assert "password" in error.detail


# --------------------------------------------------------------------------- jsonl


def check_jsonl_stream(path: Path) -> None:
    items = list(iter_path(path))
    assert [type(item) for item in items] == [RawDocument, ReadError, RawDocument]
    first, bad, last = items
    assert isinstance(first, RawDocument) and isinstance(last, RawDocument)
    assert isinstance(bad, ReadError)
    assert first.source == f"{path}#a1"
    assert first.text == "Phường 2 tổ chức hội nghị"
    assert first.fmt == "jsonl"
    assert first.meta == {"line": "1", "published": "2024-03-15"}
    assert (bad.reason, bad.source) == ("bad_record", f"{path}#line3")
    assert "invalid JSON" in bad.detail
    assert (last.source, last.text) == (f"{path}#7", SENTENCE)


def test_jsonl_with_bad_line(tmp_path: Path) -> None:
    check_jsonl_stream(write(tmp_path, "dump.jsonl", b"\n".join(jsonl_lines()) + b"\n"))


def test_jsonl_gz_with_bad_line(tmp_path: Path) -> None:
    check_jsonl_stream(write(tmp_path, "dump.jsonl.gz", gzip.compress(b"\n".join(jsonl_lines()))))


def test_jsonl_read_path_raises_first_bad_record(tmp_path: Path) -> None:
    path = write(tmp_path, "dump.jsonl", b"\n".join(jsonl_lines()))
    assert read_error(path).source == f"{path}#line3"


def test_jsonl_record_limits(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "big", "text": "x" * 500}),
        json.dumps({"id": "no-text"}),
        json.dumps({"id": "ok", "text": "ngắn"}),
    ]
    # The file itself is over max_bytes, but bulk files are streamed and exempt.
    path = write(tmp_path, "dump.jsonl.gz", gzip.compress("\n".join(lines).encode()))
    items = list(iter_path(path, max_bytes=100))
    assert [getattr(item, "reason", None) for item in items] == ["too_large", "bad_record", None]
    assert items[0].source == f"{path}#big"
    assert isinstance(items[2], RawDocument) and items[2].text == "ngắn"


def test_jsonl_gz_corrupt_stream(tmp_path: Path) -> None:
    data = gzip.compress(b"\n".join(jsonl_lines()) * 200)
    items = list(iter_path(write(tmp_path, "cut.jsonl.gz", data[: len(data) // 2])))
    assert isinstance(items[0], RawDocument)
    assert isinstance(items[-1], ReadError) and items[-1].reason == "decode_error"


# --------------------------------------------------------------------------- folders


def test_folder_recursive_sorted_skipping_clutter(tmp_path: Path) -> None:
    root = tmp_path / "inbox"
    write(root, "b.txt", "Phường 2".encode())
    write(root, "a/nested.txt", "Xã Liêm Hải".encode())
    write(root, "a/photo.jpg", b"\xff\xd8\xff\xe0 not text")  # unsupported: skipped silently
    write(root, ".hidden.txt", b"secret")  # hidden: skipped
    write(root, ".git/notes.txt", b"vcs")  # hidden folder: skipped
    write(root, "c/~$report.docx", b"lock")  # Word lock file: skipped
    write(root, "c/empty.txt", b"   \n")  # a bad file is yielded as an error, not raised

    items = list(iter_path(root))
    assert [item.source for item in items] == [
        str(root / "a" / "nested.txt"),
        str(root / "b.txt"),
        str(root / "c" / "empty.txt"),
    ]
    assert isinstance(items[0], RawDocument) and items[0].text == "Xã Liêm Hải"
    assert isinstance(items[2], ReadError) and items[2].reason == "empty"


def test_folder_without_supported_files(tmp_path: Path) -> None:
    write(tmp_path, "photo.jpg", b"\xff\xd8")
    (item,) = iter_path(tmp_path)
    assert isinstance(item, ReadError)
    assert item.reason == "empty"
    assert "no supported files" in item.detail


# --------------------------------------------------------------------------- bad input


def test_empty_file(tmp_path: Path) -> None:
    assert read_error(write(tmp_path, "empty.txt", b"")).reason == "empty"
    assert read_error(write(tmp_path, "blank.txt", b" \r\n\t ")).reason == "empty"
    assert read_error(write(tmp_path, "bom.txt", "  \n".encode("utf-16"))).reason == "empty"
    assert (
        read_error(write(tmp_path, "bom2.txt", "\ufeff \n".encode("utf-8-sig"))).reason == "empty"
    )


def test_binary_bytes(tmp_path: Path) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8
    assert read_error(write(tmp_path, "image.txt", png)).reason == "binary"
    controls = bytes([1, 2, 3, 4, 5, 6, 7, 8, 14, 15]) * 50 + b"abc"
    assert read_error(write(tmp_path, "ctl.txt", controls)).reason == "binary"


def test_too_large_small_limit(tmp_path: Path) -> None:
    path = write(tmp_path, "big.txt", b"a" * 2_000)
    error = read_error(path, max_bytes=1_000)
    assert error.reason == "too_large"
    assert "2 kB exceeds the 1 kB limit" in error.detail
    (item,) = iter_path(path, max_bytes=1_000)
    assert isinstance(item, ReadError) and item.reason == "too_large"


@pytest.mark.slow
def test_too_large_30_mb_refused_without_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "huge.docx"
    with path.open("wb") as fh:
        for _ in range(30):
            fh.write(b"\0" * 1_000_000)
    # Any attempt to open the file for reading would blow up the test.
    monkeypatch.setattr(Path, "open", lambda *a, **k: pytest.fail("the file was opened"))
    monkeypatch.setattr(Path, "read_bytes", lambda *a, **k: pytest.fail("the file was read"))
    started = time.perf_counter()
    error = read_error(path)
    assert time.perf_counter() - started < 1.0
    assert error.reason == "too_large"
    assert "30 MB exceeds the 20 MB limit" in error.detail


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.txt"
    error = read_error(path)
    assert (error.reason, error.source) == ("not_found", str(path))
    assert read_error(tmp_path / "nope.xyz").reason == "not_found"
    (item,) = iter_path(tmp_path / "nope.jsonl.gz")
    assert isinstance(item, ReadError) and item.reason == "not_found"


def test_unsupported_suffix(tmp_path: Path) -> None:
    path = write(tmp_path, "sheet.xlsx", b"PK\x03\x04")
    assert read_error(path).reason == "unsupported_format"
    (item,) = iter_path(path)  # given directly: an error, not a silent skip
    assert isinstance(item, ReadError) and item.reason == "unsupported_format"


def test_decode_bytes_undecodable() -> None:
    with pytest.raises(ReadError) as info:
        decode_bytes(b"\x81\x8d\x8f\x90\x9d" * 20, source="x.txt")
    assert info.value.reason in {"decode_error", "binary"}


# --------------------------------------------------------------------------- properties

VIETNAMESE = st.text(
    alphabet=st.sampled_from(
        list("aăâbcdđeêghiklmnoôơpqrstuưvxy AĂÂĐÊÔƠƯ0123456789.,;:!?()-\n")
        + list("àáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ")
        + list("ÀÁẢÃẠẰẮẲẴẶẦẤẨẪẬÈÉẺẼẸỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌỒỐỔỖỘỜỚỞỠỢÙÚỦŨỤỪỨỬỮỰỲÝỶỸỴ")
    ),
    min_size=1,
    max_size=200,
).filter(lambda s: s.strip() != "")


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2_000))
def test_decode_bytes_only_raises_read_error(data: bytes) -> None:
    try:
        text, encoding = decode_bytes(data, source="fuzz.txt")
    except ReadError as exc:
        assert exc.reason in {"binary", "empty", "decode_error"}
    else:
        assert text.strip()
        assert text == unicodedata.normalize("NFC", text)
        assert encoding


@settings(max_examples=200, deadline=None)
@given(VIETNAMESE, st.sampled_from(["utf-8", "utf-16"]))
def test_decode_bytes_round_trips_vietnamese(text: str, codec: str) -> None:
    decoded, _ = decode_bytes(text.encode(codec), source="vi.txt")
    assert decoded == unicodedata.normalize("NFC", text)
