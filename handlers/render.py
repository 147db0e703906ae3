"""The one renderer of user-facing Vietnamese text (CLI now, Telegram handlers later).

Works from plain data (dicts, reason codes) so it needs no storage or NLP library. Errors
show the Vietnamese reason first and the precise technical detail after it, for admins.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

REASONS: dict[str, str] = {
    "not_found": "không tìm thấy tệp",
    "unsupported_format": "định dạng không hỗ trợ (chỉ nhận .txt, .html, .docx, .pdf, .jsonl, .jsonl.gz)",
    "empty": "tệp không có nội dung",
    "binary": "tệp nhị phân, không phải văn bản",
    "decode_error": "không đọc được bảng mã ký tự",
    "too_large": "tệp quá lớn",
    "no_text_layer": "PDF không có lớp chữ (bản quét?): cần nhận dạng chữ (OCR) trước",
    "bad_docx": "tệp .docx bị hỏng hoặc không phải Word",
    "bad_pdf": "tệp PDF bị hỏng hoặc được mã hóa",
    "bad_record": 'dòng JSON không hợp lệ (cần có "id" và "text")',
    "extract_failed": "lỗi khi trích xuất nội dung",
    "store_failed": "lỗi khi lưu vào cơ sở dữ liệu",
    "ambiguous": "có nhiều báo cáo trùng tên nguồn, hãy dùng mã số (ID)",
    "report_not_found": "không có báo cáo này",
    "io_error": "không mở được tệp (quyền truy cập?)",
}
WARNINGS: dict[str, str] = {
    "truncated": "văn bản bị cắt giữa chừng",
    "unit_not_found": "không xác định được đơn vị",
    "unit_not_in_gazetteer": "đơn vị không có trong danh mục hành chính",
    "no_meeting_date": "không thấy ngày họp",
    "empty_text": "không còn nội dung sau khi làm sạch",
}


def error(reason: str, detail: str, source: str | None = None) -> str:
    where = f"{source}: " if source else ""
    return f"Lỗi: {where}{REASONS.get(reason, reason)} ({detail})"


def ingest_summary(summary: Mapping[str, Any]) -> str:
    counts = summary["counts"]
    lines = [
        "Kết quả nạp báo cáo:",
        f"  Thêm mới: {counts['added']}",
        f"  Thay thế (cùng nguồn, nội dung mới): {counts['replaced']}",
        f"  Trùng nội dung đã có: {counts['duplicate']}",
        f"  Không đổi (đã nạp trước đó): {counts['unchanged']}",
        f"  Lỗi: {counts['failed']}",
    ]
    lines += [
        f"  - trùng với {d['duplicate_of']}: {d['source']}" for d in summary["duplicate"][:20]
    ]
    lines += [f"  - {error(f['reason'], f['detail'], f['source'])}" for f in summary["failed"][:50]]
    if counts["failed"] > 50:
        lines.append(f"  ... và {counts['failed'] - 50} lỗi khác (xem --json)")
    return "\n".join(lines)


def ingest_usage() -> str:
    return "Cần ít nhất một tệp hoặc thư mục, hoặc --samples để nạp dữ liệu mẫu."


def nothing_read() -> str:
    return "Không đọc được tệp nào: không có gì được lưu."


def report_list(rows: Sequence[Mapping[str, Any]]) -> str:
    if not rows:
        return "Chưa có báo cáo nào. Nạp dữ liệu mẫu: mttq ingest --samples"
    lines = [f"{len(rows)} báo cáo:"]
    for row in rows:
        when = format_date(row.get("meeting_date")) or "không rõ ngày"
        unit = row.get("unit") or "không rõ đơn vị"
        lines.append(f"  [{row['id']}] {unit} · {when} · {row['doc_type']} · {row['title'][:80]}")
    return "\n".join(lines)


def report_card(report: Mapping[str, Any]) -> str:
    unit = report.get("unit")
    place = _place(unit) if unit else "không rõ đơn vị"
    period = report.get("period")
    lines = [
        f"[{report['id']}] {report['title']}",
        f"Đơn vị: {place}",
        f"Loại: {report['doc_type']}"
        + (f" · {report['meeting_kind']}" if report.get("meeting_kind") else ""),
        f"Ngày họp: {format_date(report.get('meeting_date')) or 'không rõ'}",
    ]
    if period:
        lines.append(f"Kỳ: {format_period(period['year'], period['part'])}")
    lines.append(f"Nguồn: {report['source']}")
    lines.append(
        f"Người: {len(report['people'])} · Nội dung: {len(report['items'])} · Số liệu: {len(report['figures'])}"
    )
    warnings = [WARNINGS.get(w, w) for w in report.get("warnings", [])]
    if warnings:
        lines.append("Lưu ý: " + "; ".join(warnings))
    return "\n".join(lines)


def deleted(report_id: int) -> str:
    return f"Đã xóa báo cáo {report_id}."


def not_deleted(report_id: int) -> str:
    return f"Không có báo cáo {report_id}: không xóa gì."


def _place(unit: Mapping[str, Any]) -> str:
    parts = [f"{unit['level']} {unit['name']}"]
    parts += [f"{p['level']} {p['name']}" for p in unit.get("parents", [])]
    return ", ".join(parts)


def format_date(iso: str | None) -> str | None:
    """'2024-07-08' → '08/07/2024', as Vietnamese readers write dates."""
    if not iso:
        return None
    year, month, day = iso.split("-")
    return f"{day}/{month}/{year}"


def format_period(year: int, part: str) -> str:
    names = {"H1": "6 tháng đầu năm", "H2": "6 tháng cuối năm", "Y": "năm"}
    if part in names:
        return f"{names[part]} {year}"
    if part.startswith("Q"):
        return f"quý {['I', 'II', 'III', 'IV'][int(part[1]) - 1]} năm {year}"
    if part.startswith("M"):
        return f"tháng {part[1:]}/{year}"
    return f"{part} {year}"
