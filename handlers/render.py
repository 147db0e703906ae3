"""The one renderer of user-facing Vietnamese text (CLI now, Telegram handlers later).

Works from plain data (dicts, reason codes) so it needs no storage or NLP library. Errors
show the Vietnamese reason first and the precise technical detail after it, for admins.
"""

from __future__ import annotations

import html
import math
import re
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
    "read_failed": "không đọc được tệp (tệp hỏng hoặc định dạng lạ)",
    "not_vietnamese": "không có chữ tiếng Việt (chỉ có dấu câu, số hoặc tiếng nước khác), không phải báo cáo",
    "extract_failed": "lỗi khi trích xuất nội dung",
    "too_slow": "xử lý quá lâu nên đã dừng (văn bản quá dài hoặc bất thường)",
    "store_failed": "lỗi khi lưu vào cơ sở dữ liệu",
    "database_unavailable": "cơ sở dữ liệu không ghi được (hết dung lượng đĩa, lỗi đọc ghi hoặc mất kết nối)",
    "ambiguous": "có nhiều báo cáo trùng tên nguồn, hãy dùng mã số (ID)",
    "report_not_found": "không có báo cáo này",
    "io_error": "không mở được tệp (quyền truy cập?)",
    "index_path": "không mở được thư mục chỉ mục tìm kiếm (INDEX_DIR)",
    "bad_context": "ngữ cảnh (--context) không phải JSON hợp lệ",
    "bad_questions": "không đọc được tệp câu hỏi",
    "read_only_database": "không ghi được vào cơ sở dữ liệu (tệp hoặc thư mục chỉ cho đọc)",
    "old_schema": "cơ sở dữ liệu ở phiên bản cũ, cần nâng cấp nhưng không ghi được",
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
    stopped = summary.get("stopped")
    if stopped:
        lines.append(
            f"Đã dừng: {error(stopped['reason'], stopped['detail'], stopped['source'])}. "
            f"Đã lưu trọn vẹn {counts['stored']} báo cáo; chạy lại lệnh sau khi khắc phục để nạp tiếp."
        )
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
        published = None if row.get("meeting_date") else row.get("published_date")
        when = _dated(row.get("meeting_date") or published, "published" if published else "meeting")
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
        f"Loại: {kind_label(report['doc_type'])}"
        + (f" · {kind_label(report['meeting_kind'])}" if report.get("meeting_kind") else ""),
        f"Ngày họp: {format_date(report.get('meeting_date')) or 'không rõ'}"
        + (
            f" · Ngày đăng: {format_date(report['published_date'])}"
            if report.get("published_date")
            else ""
        ),
    ]
    if period:
        lines.append(f"Kỳ: {format_period(period['year'], period['part'])}")
    lines.append(f"Nguồn: {report['source']}")
    if report.get("url"):
        lines.append(f"Địa chỉ: {report['url']}")
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


# -- answers ---------------------------------------------------------------------------------

# The meeting kinds extraction names in Vietnamese already, but one: a meeting of no known kind.
MEETING_KINDS = {"other": "cuộc họp khác"}


def kind_label(value: str) -> str:
    """A document type or meeting kind as admins read it."""
    return MEETING_KINDS.get(value, value)


KINDS = {
    "achievement": "kết quả",
    "limitation": "hạn chế",
    "direction": "phương hướng, nhiệm vụ",
    "directive": "ý kiến chỉ đạo",
    "provision": "quy định",
}
RELATIONS = {
    "chaired": "chủ trì",
    "directed": "phát biểu chỉ đạo",
    "attended": "dự",
    "spoke": "phát biểu",
    "reported": "trình bày báo cáo",
    "author": "tác giả bài viết",
    "signed": "người ký văn bản",
    "editor": "chịu trách nhiệm nội dung trang",
}
_SUPPORT = 4


def format_number(value: float) -> str:
    """1234567.5 → '1.234.567,5': dots between thousands, a decimal comma."""
    whole = int(value)
    text = f"{whole:,}".replace(",", ".")
    fraction = round(value - whole, 2)
    if fraction:
        text += "," + f"{fraction:.2f}"[2:].rstrip("0")
    return text


# Scales of a chart's axis, largest first: "1,2 tỷ", "20 tr", "500 nghìn".
_SCALES = ((1e12, "nghìn tỷ"), (1e9, "tỷ"), (1e6, "tr"), (1e3, "nghìn"))


def format_compact(value: float) -> str:
    """A chart's tick or bar label, short enough to sit beside its neighbours:
    20000000 → '20 tr', 1200000000 → '1,2 tỷ', 500000 → '500 nghìn', 2.5 → '2,5'."""
    shown = float(f"{value:.3g}")  # 999.96 is "1 nghìn", not "1000"
    size, word = next(((s, w) for s, w in _SCALES if abs(shown) >= s), (1.0, ""))
    scaled = value / size
    # Three significant digits at most: "12,5 tr", "125 tr", "0,25", "0,004".
    digits = min(6, max(0, 2 - math.floor(math.log10(abs(scaled))))) if scaled else 0
    text = (
        f"{round(scaled, digits):.{digits}f}".rstrip("0").rstrip(".")
        if digits
        else f"{round(scaled):d}"
    )
    text = text.replace(".", ",")
    if text in {"-0", ""}:
        text = "0"
    return f"{text} {word}" if word else text


def chart_axis(measure: str) -> str:
    """The axis that carries the values says what they count."""
    return f"Đơn vị tính: {measure}" if measure else "Giá trị"


def _period_text(period: Mapping[str, Any] | None) -> str | None:
    if not period:
        return None
    if period.get("term"):
        return f"nhiệm kỳ {period['term']}"
    if period.get("year") and period.get("part"):
        return format_period(period["year"], period["part"])
    if period.get("year"):
        return f"năm {period['year']}"
    if period.get("part"):
        return format_period(0, period["part"]).replace(" 0", "")
    return None


TITLE_SHOWN = 90  # characters of a title in a citation


def citation(source: Mapping[str, Any]) -> str:
    """'Phường 2 · ngày 08/07/2024 · HỘI NGHỊ ỦY BAN MTTQ PHƯỜNG 2 … [bài mẫu số 3]', or with
    the page's address in place of the name: '… · đăng ngày 23/11/2025 · … · https://…'."""
    unit = (source.get("unit") or "không rõ đơn vị") + reform_note(source.get("reform"))
    parts = [unit, _dated(source.get("meeting_date"), source.get("date_kind"))]
    title = shorten(str(source.get("title") or ""), TITLE_SHOWN)
    if title:
        parts.append(title)
    url = source.get("url")
    return " · ".join([*parts, url]) if url else " · ".join(parts) + f" [{source_name(source)}]"


_REFORM_SHOWN = 4  # units named in a note; a district went into more


def reform_note(reform: Mapping[str, Any] | None) -> str:
    """' (nay thuộc xã Ninh Giang, tỉnh Ninh Bình)' for a unit the 2025 reform merged,
    ' (từ 01/7/2025 gồm cả xã Liêm Hải, xã Trực Chính)' for one that took others in."""
    if not isinstance(reform, Mapping):
        return ""
    now = [str(u) for u in reform.get("now") or []]
    if now:
        more = " …" if len(now) > _REFORM_SHOWN else ""
        return f" (nay thuộc {'; '.join(now[:_REFORM_SHOWN])}{more})"
    took = [str(u) for u in reform.get("took_in") or []]
    if took:
        more = " …" if len(took) > _REFORM_SHOWN else ""
        return f" (từ 01/7/2025 gồm cả {', '.join(took[:_REFORM_SHOWN])}{more})"
    return ""


def _dated(iso: str | None, kind: str | None) -> str:
    """'ngày 08/07/2024' (a meeting's or an event's), 'đăng ngày 23/11/2025' (only the date
    the page was published is known), or 'không rõ ngày'."""
    when = format_date(iso)
    if not when:
        return "không rõ ngày"
    return f"đăng ngày {when}" if kind == "published" else f"ngày {when}"


def source_name(source: Mapping[str, Any]) -> str:
    """How a member is shown a source: its name (answers stored before names were given
    have none: the file's own name then, never the folders above it)."""
    name = source.get("name")
    if name:
        return str(name)
    path, hash_mark, record = str(source.get("source") or "").partition("#")
    base = path.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    return f"{base}#{record}" if hash_mark else base


def shorten(text: str, limit: int) -> str:
    """At most ``limit`` characters, cut at a word's end."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
    return cut.rstrip(" ,;:–-") + "…"


def answer(data: Mapping[str, Any]) -> str:
    """The text a reader sees for one answer (console and CLI; Telegram pages it)."""
    if not data.get("found"):
        return _not_found(data)
    lines = [_lead(data)]
    for group in _shown_groups(data):
        lines += _group_lines(group, data)
    lines.append(_choices_line(data))
    return "\n".join(line for line in lines if line)


def _shown_groups(data: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Sources quoted under the lead (a list of reports or a timeline already cites them)."""
    lead_kind = (data.get("lead") or {}).get("kind")
    return list(data.get("groups", [])) if lead_kind not in {"reports", "timeline"} else []


def _group_lines(group: Mapping[str, Any], data: Mapping[str, Any]) -> list[str]:
    lead = data.get("lead") or {}
    lead_text = lead.get("passage") or lead.get("text")
    shown = [p for p in group.get("passages", []) if p["text"] != lead_text][:_SUPPORT]
    return [f"  • {_passage(p)}" for p in shown] + [f"  Nguồn: {citation(group['source'])}"]


def _choices_line(data: Mapping[str, Any]) -> str:
    if len(data.get("choices") or []) > 1:
        return "Có nhiều đơn vị trùng tên: " + "; ".join(data["choices"][:6])
    return ""


CLIP = 320  # characters of a passage shown; the source holds the rest


def clip(text: str, *, around: str | None = None, limit: int = CLIP) -> str:
    """A passage cut to ``limit`` characters at word boundaries, centred on ``around`` (the
    figure the answer is about) when given, with "…" where text was left out."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    at = text.find(around) if around else -1
    start = 0 if at < 0 else max(0, min(at - limit // 3, len(text) - limit))
    if start:
        start = text.find(" ", start) + 1 or start
    end = start + limit
    if end < len(text):
        end = text.rfind(" ", start, end) if text.rfind(" ", start, end) > start else end
    return (
        ("…" if start else "") + text[start:end].rstrip(" ,;:") + ("…" if end < len(text) else "")
    )


def _passage(passage: Mapping[str, Any]) -> str:
    text = clip(str(passage["text"]))
    return f"{text} (đ/c {passage['by']})" if passage.get("by") else text


def _lead(data: Mapping[str, Any]) -> str:
    lead = data.get("lead") or {}
    kind = lead.get("kind")
    render = _LEADS.get(str(kind))
    if render is not None:
        return render(lead, data)
    return ""


def _figure(lead: Mapping[str, Any], data: Mapping[str, Any]) -> str:
    together = lead.get("together") or []
    target = next((t for t in together if t.get("role") == "target"), None)
    amount = _amount(lead)
    if lead.get("role") == "achieved" and target:
        amount = f"{amount} (chỉ tiêu {_amount(target)})"
    elif together:
        amount = ", ".join([amount, *(_amount(t) for t in together)])
    passage = clip(str(lead.get("passage") or ""), around=lead.get("raw"))
    return f"{amount} — {passage}" if passage else amount


def _amount(figure: Mapping[str, Any]) -> str:
    words = [figure.get("qualifier"), format_number(float(figure["value"])), figure.get("unit")]
    return " ".join(str(w) for w in words if w)


def _person(lead: Mapping[str, Any], data: Mapping[str, Any]) -> str:
    people = [lead, *(lead.get("others") or [])]
    names = "; ".join(p["name"] + (f", {p['role']}" if p.get("role") else "") for p in people)
    verb = RELATIONS.get(str(lead.get("relation")), "")
    return names + (f" ({verb})" if verb else "")


def _place_lead(lead: Mapping[str, Any], data: Mapping[str, Any]) -> str:
    return f"Tại {lead['place']} — {clip(lead['passage'])}"


def _date(lead: Mapping[str, Any], data: Mapping[str, Any]) -> str:
    when = format_date(lead.get("date"))
    head = f"Ngày {when}" if when else "Không rõ ngày"
    return f"{head} — {clip(lead['passage'])}" if lead.get("passage") else head


def _items(lead: Mapping[str, Any], data: Mapping[str, Any]) -> str:
    label = KINDS.get(str(lead.get("item_kind")), "nội dung")
    period = _period_text(data.get("period"))
    where = data.get("unit") or "đơn vị"
    return f"Các {label} chính của {where}" + (f" ({period})" if period else "") + ":"


def _document(lead: Mapping[str, Any], data: Mapping[str, Any]) -> str:
    kind = str(lead.get("doc_kind") or "văn bản").capitalize()
    parts = [f"{kind} {lead['code']}"]
    if lead.get("date"):
        parts.append(f"ngày {format_date(lead['date'])}")
    if lead.get("issuer"):
        parts.append(f"của {lead['issuer']}")
    text = " ".join(parts)
    if lead.get("subject"):
        text += f" về “{lead['subject']}”"
    cited = int(lead.get("cited_by", 1))
    if lead.get("stored"):  # the document itself is in the collection
        return text + (
            f". Văn bản có trong kho, được nhắc đến trong {cited} báo cáo khác:" if cited else ":"
        )
    return text + f". Được nhắc đến trong {cited} báo cáo:"


def _reports(lead: Mapping[str, Any], data: Mapping[str, Any]) -> str:
    where = data.get("unit") or "Kho dữ liệu"
    lines = [f"{where}: có {lead['count']} báo cáo (về Mặt trận trước, mới nhất trước):"]
    for group in data.get("groups", []):
        period = _period_text(group.get("period"))
        lines.append("  – " + (f"{period}: " if period else "") + citation(group["source"]))
    return "\n".join(lines)


def _timeline(lead: Mapping[str, Any], data: Mapping[str, Any]) -> str:
    measure = lead.get("measure")
    head = f"Diễn biến qua các kỳ của {data.get('unit') or 'đơn vị'}"
    lines = [head + (f" (số liệu tính bằng {measure}):" if measure else ":")]
    for row in lead.get("rows", []):
        period = _period_text(row.get("period"))
        when = format_date(row.get("date"))
        label = f"{period} ({when})" if period and when else period or when or "không rõ kỳ"
        where = row.get("url") or f"[{source_name(row)}]"
        figures = row.get("figures") or []
        if figures:
            figure = figures[0]
            said = clip(
                str(figure.get("sentence") or row.get("sentence") or ""),
                around=figure.get("raw"),
                limit=200,
            )
            lines.append(f"  – {label}: {figure['raw']} — {said} {where}")
        else:
            missing = f"không có số liệu {measure}" if measure else "không có số liệu"
            lines.append(f"  – {label}: {missing} {where}")
    return "\n".join(lines)


def _tail(phrase: str, words: int = 8) -> str:
    """The last words of a figure's phrase: what it counts ("vận động Quỹ Vì người nghèo")."""
    kept = phrase.split()[-words:]
    return ("…" if len(phrase.split()) > words else "") + " ".join(kept).rstrip(" ,;:")


_SKIPPED = {
    "share": "là tỷ lệ (%)",
    "target": "là chỉ tiêu, không phải kết quả",
    "planned": "là mục tiêu đề ra cho kỳ sau (ý kiến chỉ đạo, phương hướng)",
    "part": "là phần của một tổng đã tính",
    "same_report": "khác trong cùng báo cáo (mỗi báo cáo chỉ tính một số liệu)",
    "duplicate": "trùng một báo cáo đã tính (cùng đơn vị, cùng kỳ)",
    "nested": "của kỳ ngắn hơn đã nằm trong báo cáo cả kỳ của cùng đơn vị",
    "child": "của đơn vị cấp dưới đã nằm trong tổng của đơn vị cấp trên",
}
_REFUSED = {
    "mixed": "Không cộng tổng: các số liệu khác đơn vị đo ({measures}), không cộng được với nhau.",
    "single": "Chỉ có 1 số liệu phù hợp nên không có tổng để cộng.",
    "parts": "Không cộng tổng: chỉ có các phần của một tổng mà báo cáo không nêu tổng.",
    "rates": "Không cộng tổng: các số liệu tìm được đều là đơn giá hoặc định mức (mỗi suất, mỗi hộ…), không phải số đã vận động hay trao.",
    "shares": "Không cộng tổng: tỷ lệ (%) không cộng được với nhau.",
    "none": "Không cộng tổng: các số liệu tìm được là chỉ tiêu, mức tối thiểu hoặc mục tiêu đề ra, không phải kết quả đã làm.",
}


def _skipped_line(skipped: Mapping[str, Any]) -> str:
    reason, count = str(skipped["reason"]), int(skipped["count"])
    if reason.startswith("rate:"):
        why = f"là đơn giá mỗi {reason.partition(':')[2]}"
    else:
        why = _SKIPPED.get(reason, "không cộng được")
    example = f" (như {skipped['example']})" if skipped.get("example") else ""
    return f"  Bỏ qua {count} số liệu {why}{example}."


def _part_line(part: Mapping[str, Any]) -> str:
    period = _period_text(part.get("period")) or format_date(part.get("date"))
    where = f"{part['unit']} ({period})" if period else str(part["unit"])
    return f"  – {where}: {part['raw']}"


def _sum(lead: Mapping[str, Any], data: Mapping[str, Any]) -> str:
    parts = lead.get("parts") or []
    refused = lead.get("refused")
    if refused:
        measures = ", ".join(str(m) for m in lead.get("measures") or [])
        lines = [_REFUSED.get(str(refused), "Không cộng tổng.").format(measures=measures)]
        known = lead.get("known") or []
        if known:
            lines.append("Số liệu đã có:")
            lines += [_part_line(p) for p in known]
    else:
        lines = [
            f"Tổng cộng: {format_number(float(lead['total']))} {lead['unit']} từ {len(parts)} báo cáo:"
        ]
        lines += [_part_line(p) for p in parts]
    lines += [_skipped_line(s) for s in lead.get("skipped") or []]
    return "\n".join(lines)


def _compare(lead: Mapping[str, Any], data: Mapping[str, Any]) -> str:
    lines = ["So sánh:"]
    measure = lead.get("measure")
    for side in lead.get("sides", []):
        inner = side.get("lead") or {}
        if not side.get("found"):
            summary = f"không có số liệu {measure}" if measure else "không có thông tin"
            summary += " trong các báo cáo của kỳ, đơn vị này"
        elif inner.get("kind") == "figure" and inner.get("parts", 1) > 1:
            summary = f"{_amount(inner)} (tổng của {inner['parts']} báo cáo)"
        elif inner.get("kind") == "figure":
            summary = _figure(inner, data)
        else:
            summary = side.get("passage") or ""
        lines.append(f"  – {side['label']}: {summary}")
    return "\n".join(lines)


# Meeting kinds as the question names them (folded), as a reader writes them.
MEETING_ASKED = {"so ket": "sơ kết", "tong ket": "tổng kết", "giao ban": "giao ban", "hiep thuong": "hiệp thương",
                 "dai hoi": "đại hội", "hoi nghi uy ban": "Ủy ban"}  # fmt: skip


def _meeting_name(kind: str | None, period: Mapping[str, Any] | None) -> str:
    """ "hội nghị sơ kết 6 tháng đầu năm 2024", "hội nghị giao ban, quý I năm 2025"."""
    when = _period_text(period)
    kind = (kind or "").strip()
    if kind.startswith(("sơ kết", "tổng kết")):
        return (
            f"hội nghị {kind.split()[0]} {kind.split()[1]} {when}" if when else f"hội nghị {kind}"
        )
    name = (
        (kind if kind.lower().startswith("hội nghị") else f"hội nghị {kind}")
        if kind and kind != "other"
        else "báo cáo"
    )
    return f"{name}, {when}" if when else name


def _followup(lead: Mapping[str, Any], data: Mapping[str, Any]) -> str:
    meeting = lead.get("meeting") or {}
    where = ", ".join(
        filter(
            None,
            [
                meeting.get("unit"),
                f"ngày {format_date(meeting['date'])}" if meeting.get("date") else None,
            ],
        )
    )
    name = _meeting_name(meeting.get("kind"), meeting.get("period"))
    rows = lead.get("rows", [])
    later = int(lead.get("later_reports") or 0)
    if later:
        head = (f"Việc thực hiện các chỉ đạo, nhiệm vụ của {name} ({where}), đối chiếu với {later} báo cáo sau đó: "
                f"{lead.get('followed', 0)}/{len(rows)} đã có báo cáo thực hiện.")  # fmt: skip
    else:
        head = (f"Các chỉ đạo, nhiệm vụ của {name} ({where}). Chưa có báo cáo nào của đơn vị sau hội nghị này "
                "để đối chiếu việc thực hiện.")  # fmt: skip
    lines = [head]
    for row in rows:
        by = f" (đ/c {row['by']})" if row.get("by") else ""
        lines.append(f"  – {row['text']}{by}")
        for done in row.get("followed") or []:
            when = format_date(done.get("date"))
            said = _meeting_name(done.get("meeting_kind"), done.get("period"))
            verb = (
                "Báo cáo còn hạn chế"
                if done.get("kind") == "limitation"
                else "Đã báo cáo thực hiện"
            )
            lines.append(
                f"      ↳ {verb}"
                + (f" ngày {when}" if when else "")
                + f" ({said}): “{clip(done['text'])}”"
            )
        if later and not row.get("followed"):
            lines.append("      ↳ Chưa thấy báo cáo.")
    others = lead.get("other_units") or []
    if others:
        lines.append(
            "Hội nghị này cũng có ở: " + "; ".join(others) + " (hỏi kèm tên đơn vị để xem)."
        )
    return "\n".join(lines)


def _passage_lead(lead: Mapping[str, Any], data: Mapping[str, Any]) -> str:
    return clip(str(lead.get("text") or ""))


_LEADS = {
    "figure": _figure,
    "person": _person,
    "date": _date,
    "place": _place_lead,
    "items": _items,
    "document": _document,
    "reports": _reports,
    "timeline": _timeline,
    "sum": _sum,
    "compare": _compare,
    "followup": _followup,
    "passage": _passage_lead,
}


def _not_found(data: Mapping[str, Any]) -> str:
    reason = data.get("reason")
    if reason == "empty":
        return "Bạn hãy nhập câu hỏi, ví dụ: “Phường 2 đạt được gì trong 6 tháng đầu năm 2024?”"
    if reason == "no_reports":
        return "Chưa có báo cáo nào để tra cứu. Quản trị viên nạp báo cáo: mttq ingest TỆP (hoặc mttq ingest --samples để dùng dữ liệu mẫu)."
    if reason == "error":
        return "Xin lỗi, đã có lỗi khi trả lời câu hỏi này. Vui lòng thử lại hoặc hỏi cách khác."
    unit = data.get("unit")
    period = _period_text(data.get("period"))
    if reason == "unknown_unit" and unit:
        head = f"Chưa có báo cáo nào của {unit} trong kho dữ liệu."
    elif reason == "no_kind" and data.get("intent") != "followup":
        label = KINDS.get(str(data.get("intent")), "nội dung này")
        where = f" của {unit}" if unit else ""
        head = f"Các báo cáo{where}" + (f" ({period})" if period else "") + f" không nêu {label}."
    elif reason == "no_meeting":
        asked = (data.get("lead") or {}).get("meeting_asked")
        meeting = (
            f"hội nghị {MEETING_ASKED.get(asked, asked)}" + (f" {period}" if period else "")
            if asked
            else f"báo cáo {period}"
            if period
            else "báo cáo"
        )
        head = (f"Chưa thấy {meeting} của {unit or 'đơn vị'} trong kho dữ liệu, nên chưa có chỉ đạo nào để đối chiếu "
                "(không lấy chỉ đạo của hội nghị khác).")  # fmt: skip
    elif reason == "no_kind" and data.get("intent") == "followup":
        head = f"Báo cáo hội nghị được hỏi của {unit or 'đơn vị'} không nêu ý kiến chỉ đạo hay nhiệm vụ nào để đối chiếu."
    elif reason == "no_period" and unit:
        head = f"Chưa có báo cáo của {unit}" + (f" cho {period}." if period else ".")
    else:
        head = "Không tìm thấy thông tin phù hợp trong các báo cáo đã có."
    lines = [head]
    nearest = data.get("nearest")
    if nearest and reason == "no_match":
        lines.append(
            f"Thông tin gần nhất tìm được (chưa chắc đúng ý bạn): “{nearest['text']}” — {_suggestion(nearest)}"
        )
    suggestions = data.get("suggestions") or []
    if suggestions:
        lines.append("Có báo cáo của:")
        lines += [f"  – {_suggestion(s)}" for s in suggestions]
    return "\n".join(lines)


def _suggestion(report: Mapping[str, Any]) -> str:
    parts = [report.get("unit") or report.get("title") or ""]
    period = _period_text(report.get("period"))
    if period:
        parts.append(period)
    when = format_date(report.get("date"))
    return ", ".join(parts) + (f" (ngày {when})" if when else "")


def chat_greeting(overview: Mapping[str, Any]) -> str:
    lines = [
        f"Trợ lý MTTQ — đang có {overview['reports']} báo cáo của {overview['units']} đơn vị.",
        "Hỏi bằng tiếng Việt (có hoặc không dấu). Ví dụ:",
        "  – Phường 2 đạt được gì trong 6 tháng đầu năm 2024?",
        "  – Bí thư Huyện ủy Đình Lập là ai?",
        "  – Có những báo cáo nào của xã Liêm Hải?",
        "Gõ “thoát” hoặc Ctrl-D để kết thúc.",
    ]
    return "\n".join(lines)


def chat_prompt() -> str:
    return "Bạn: "


def chat_bye() -> str:
    return "Tạm biệt."


def no_token_hint() -> str:
    return (
        "Chưa đặt TELEGRAM_BOT_TOKEN: mở cửa sổ hỏi đáp trên dòng lệnh. "
        "Để chạy bot Telegram, tạo bot với @BotFather và đặt TELEGRAM_BOT_TOKEN trong .env."
    )


def samples_loaded(count: int) -> str:
    return f"Cơ sở dữ liệu trống: đã nạp {count} báo cáo mẫu."


def eval_summary(result: Mapping[str, Any]) -> str:
    return (
        f"{result['questions']} câu hỏi · đúng nguồn (hit@1): {result['hit_at_1']:.1%} · "
        f"khớp đáp án (must_match): {result['must_match']:.1%} · "
        f"không trả lời đúng khi không có: {result['no_answer']:.1%} · "
        f"độ trễ p50 {result['p50_ms']:.1f} ms, p95 {result['p95_ms']:.1f} ms"
        + (
            f" · {result['held_out']} câu thuộc nửa kiểm tra (held-out): chỉ tính số, không liệt kê lỗi"
            if result.get("held_out")
            else ""
        )
    )


def eval_failure(failure: Mapping[str, Any]) -> str:
    got = ", ".join(failure["got"]) or "(không trích dẫn)"
    answer = " | ".join(str(failure["answer"]).splitlines())[:300]
    return f"  ✗ {failure['id']} {failure['question']}\n      cần: {failure['expected']} · có: {got}\n      {answer}"


# -- Telegram (HTML parse mode: every report and user text escaped) ------------------------

# Telegram's message and caption lengths, in UTF-16 code units: telegram.constants'
# MessageLimit.MAX_TEXT_LENGTH and CAPTION_LENGTH, written out because the console commands
# use this module and must not import telegram (tests/test_render_telegram.py checks them).
LIMIT = 4096
CAPTION_LIMIT = 1024

COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", "Giới thiệu và câu hỏi mẫu"),
    ("help", "Hướng dẫn sử dụng"),
    ("hoi", "Đặt câu hỏi: /hoi <câu hỏi>"),
    ("donvi", "Các đơn vị có báo cáo"),
    ("baocao", "Báo cáo mới nhất của một đơn vị: /baocao <đơn vị>"),
    ("vanban", "Báo cáo nào nhắc đến một văn bản: /vanban <số hiệu>"),
)
ADMIN_COMMANDS: tuple[tuple[str, str], ...] = (
    ("xoa", "Xóa một báo cáo: /xoa <mã số>"),
    ("thongke", "Thống kê sử dụng"),
)
BUTTONS = {
    "prev": "◀ Trước",
    "next": "Thêm kết quả ▶",
    "source": "📄 Trích nguồn",
    "limitation": "Hạn chế",
    "direction": "Phương hướng",
    "directive": "Chỉ đạo",
    "up": "👍",
    "down": "👎",
    "save": "💾 Lưu",
    "cancel": "✖ Hủy",
    "delete": "🗑 Xóa",
    "keep": "Giữ lại",
    "units_prev": "◀",
    "units_next": "▶",
}


def escape(text: object) -> str:
    return html.escape(str(text), quote=False)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def answer_pages(data: Mapping[str, Any]) -> int:
    """One source a page; the lead is on the first."""
    return max(1, len(_shown_groups(data))) if data.get("found") else 1


def answer_html(data: Mapping[str, Any], *, page: int = 0) -> list[str]:
    """One page of an answer as Telegram messages (split under the limit)."""
    if not data.get("found"):
        return split([escape(line) for line in _not_found(data).splitlines()])
    lines: list[str] = []
    if page == 0:
        first, *rest = _lead(data).splitlines() or [""]
        lines += [f"<b>{escape(first)}</b>" if first else "", *(escape(r) for r in rest)]
    groups = _shown_groups(data)
    if 0 <= page < len(groups):
        *passages, source = _group_lines(groups[page], data)
        lines += [escape(p.strip()) for p in passages]
        lines.append(f"<i>{escape(source.strip())}</i>")
    lines.append(escape(_choices_line(data)))
    pages = answer_pages(data)
    if pages > 1:
        lines.append(f"<i>Nguồn {page + 1}/{pages}</i>")
    return split([line for line in lines if line])


_WRAPPED = re.compile(r"^(<(b|i|blockquote)>)(.*)(</\2>)$", re.S)
_BREAKS = (". ", "; ", ", ", " ")


def split(lines: Sequence[str], *, limit: int = LIMIT) -> list[str]:
    """Lines (each a whole HTML fragment) packed into messages under ``limit``; a line too long
    for one message is cut at sentence ends, else clause or word ends, never inside a tag."""
    pieces = [piece for line in lines for piece in _cut(line, limit)]
    messages: list[str] = []
    current = ""
    for piece in pieces:
        joined = f"{current}\n{piece}" if current else piece
        if utf16_len(joined) <= limit:
            current = joined
            continue
        messages.append(current)
        current = piece
    if current:
        messages.append(current)
    return messages or [""]


def _cut(line: str, limit: int) -> list[str]:
    if utf16_len(line) <= limit:
        return [line]
    wrapped = _WRAPPED.match(line)
    opening, inner, closing = (
        (wrapped.group(1), wrapped.group(3), wrapped.group(4)) if wrapped else ("", line, "")
    )
    room = limit - utf16_len(opening + closing)
    parts: list[str] = []
    while utf16_len(inner) > room:
        head = inner[: _fitting(inner, room)]
        # The strongest break in the second half of the room: a sentence end, else a clause's.
        at = next(
            (head.rfind(mark) + len(mark) for mark in _BREAKS if head.rfind(mark) > len(head) // 2),
            0,
        )
        if at <= 0:
            # No break near the end: cut before any character reference ("&amp;") it would split.
            at = head.rfind("&") if head.rfind("&") > max(head.rfind(";"), 0) else len(head)
        parts.append(inner[:at].rstrip())
        inner = inner[at:].lstrip()
    parts.append(inner)
    return [f"{opening}{part}{closing}" for part in parts if part]


def _fitting(text: str, room: int) -> int:
    """How many characters of ``text`` fit in ``room`` UTF-16 units (emoji take two)."""
    used = 0
    for n, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > room:
            return max(n, 1)
    return len(text)


def start(overview: Mapping[str, Any], examples: Sequence[str]) -> str:
    periods = ", ".join(format_period(y, p) for y, p in overview.get("periods", [])[:4])
    lines = [
        "<b>Trợ lý Mặt trận Tổ quốc</b>",
        f"Đang có {overview['reports']} báo cáo của {overview['units']} đơn vị"
        + (f" (các kỳ: {escape(periods)})." if periods else "."),
        "Hãy hỏi bằng tiếng Việt, có dấu hoặc không dấu. Câu trả lời luôn ghi đơn vị, ngày họp và nguồn.",
    ]
    names = overview.get("unit_names") or []
    if names:
        more = " (xem tất cả: /donvi)" if overview["units"] > len(names) else ""
        lines.insert(2, "Đơn vị: " + escape("; ".join(names)) + more)
    if examples:
        lines.append("Thử một câu hỏi mẫu:")
    return "\n".join(lines)


def examples(overview: Mapping[str, Any]) -> list[str]:
    """Three questions the stored reports can answer (the /start buttons)."""
    newest = [n for n in overview.get("newest", []) if n.get("unit")]
    found: list[str] = []
    for n, report in enumerate(newest[:3]):
        unit, year, part = str(report["unit"]).split(",")[0], report.get("year"), report.get("part")
        period = (
            f" {format_period(year, part)}" if year and part else (f" năm {year}" if year else "")
        )
        found.append(
            (
                f"{unit} đạt được gì{period}?",
                f"Hạn chế của {_lower_first(unit)}{period}?",
                f"Có những báo cáo nào của {_lower_first(unit)}?",
            )[n]
        )
    return found or ["Phường 2 đạt được gì trong 6 tháng đầu năm 2024?"]


def _lower_first(unit: str) -> str:
    """ "Xã Liêm Hải" inside a sentence: "xã Liêm Hải"."""
    return unit[:1].lower() + unit[1:]


def help_text(*, admin: bool) -> str:
    lines = [
        "<b>Cách dùng</b>",
        "Gửi câu hỏi (trong nhóm: nhắc tên bot hoặc trả lời tin của bot). Ví dụ: "
        "“Phường 2 đạt được gì trong 6 tháng đầu năm 2024?”, “ai chủ trì hội nghị?”, "
        "“còn hạn chế thì sao?” (hỏi tiếp về cùng đơn vị, cùng kỳ).",
        "",
        *(f"/{name} — {escape(text)}" for name, text in COMMANDS),
        "Dưới mỗi câu trả lời: xem thêm nguồn, trích nguyên văn, hỏi tiếp hạn chế / phương hướng / chỉ đạo, đánh giá 👍/👎.",
        "Trong bất kỳ cuộc trò chuyện nào: gõ @tên_bot rồi câu hỏi để chèn câu trả lời.",
    ]
    if admin:
        lines += [
            "",
            "<b>Quản trị</b>",
            "Gửi tệp báo cáo (.txt, .html, .docx, .pdf, .jsonl; tối đa 20 MB): bot xem trước, bấm Lưu để lưu.",
            *(f"/{name} — {escape(text)}" for name, text in ADMIN_COMMANDS),
        ]
    return "\n".join(lines)


def usage(command: str) -> str:
    texts = {
        "hoi": "Hãy gõ câu hỏi sau lệnh, ví dụ: /hoi Phường 2 đạt được gì trong 6 tháng đầu năm 2024?",
        "baocao": "Hãy gõ tên đơn vị sau lệnh, ví dụ: /baocao Phường 2 Kiến Tường",
        "vanban": "Hãy gõ số hiệu văn bản sau lệnh, ví dụ: /vanban 05-CT/TW",
        "xoa": "Hãy gõ mã số báo cáo sau lệnh, ví dụ: /xoa 12 (mã số có trong phần trích nguồn và /baocao).",
    }
    return texts[command]


def units_page(rows: Sequence[Mapping[str, Any]], *, page: int, pages: int, total: int) -> str:
    if not rows:
        return "Chưa có báo cáo nào."
    lines = [f"<b>Các đơn vị có báo cáo</b> ({total} đơn vị, trang {page + 1}/{pages})"]
    for row in rows:
        when = format_date(row.get("newest"))
        lines.append(
            f"• {escape(row['unit'])}: {row['reports']} báo cáo"
            + (f", mới nhất {when}" if when else "")
        )
    lines.append("Xem báo cáo mới nhất: /baocao &lt;tên đơn vị&gt;")
    return "\n".join(lines)


def report_brief(data: Mapping[str, Any]) -> list[str]:
    """/baocao: a unit's newest report, the figures and items that matter."""
    if not data.get("found"):
        choices = data.get("choices") or []
        if choices:
            return [
                "Có nhiều đơn vị trùng tên, hãy ghi rõ hơn:\n"
                + "\n".join(f"• /baocao {escape(c)}" for c in choices)
            ]
        return [
            f"Chưa có báo cáo nào của {escape(data.get('unit') or 'đơn vị này')}. Xem các đơn vị có báo cáo: /donvi"
        ]
    period = _period_text(data.get("period"))
    lines = [
        f"<b>{escape(data['unit'])}</b>{escape(reform_note(data.get('reform')))} — báo cáo mới nhất [mã số {data['report_id']}]",
        escape(data["title"]),
        _date_line(data) + (f" · Kỳ: {escape(period)}" if period else ""),
    ]
    if data.get("figures"):
        lines.append("<b>Số liệu chính</b>")
        lines += [
            f"• {escape(_amount_raw(f))} — {escape(_tail(f['text'], 12))}" for f in data["figures"]
        ]
    for kind, label in (
        ("achievement", "Kết quả"),
        ("limitation", "Hạn chế"),
        ("direction", "Phương hướng, nhiệm vụ"),
    ):
        items = data.get(kind) or []
        lines.append(f"<b>{label}</b>" + ("" if items else ": báo cáo không nêu"))
        lines += [f"• {escape(clip(text, limit=240))}" for text in items]
    lines.append(f"<i>Nguồn: {escape(data.get('url') or source_name(data))}</i>")
    return split(lines)


def _date_line(data: Mapping[str, Any]) -> str:
    when = format_date(data.get("meeting_date"))
    if when and data.get("date_kind") == "published":
        return f"Ngày đăng: {when}"
    return f"Ngày họp: {when or 'không rõ'}"


def _amount_raw(figure: Mapping[str, Any]) -> str:
    return str(figure.get("raw") or _amount(figure))


def excerpt(data: Mapping[str, Any]) -> list[str]:
    source = data["source"]
    lines = [
        f"<b>Trích nguồn</b> [mã số {source['report_id']}]",
        f"<i>{escape(citation(source))}</i>",
        *(
            f"<blockquote>{escape(part)}</blockquote>"
            for part in str(data["text"]).split("\n")
            if part.strip()
        ),
    ]
    return split(lines)


def stale() -> str:
    return "Câu trả lời này không còn lưu (hoặc thuộc cuộc trò chuyện khác). Hãy hỏi lại."


def pressed_elsewhere() -> str:
    """A button pressed on a message with no chat (an inline message): nothing is done."""
    return "Nút này chỉ dùng được trong cuộc trò chuyện nơi bot đã gửi nó."


def not_yours() -> str:
    """An admin's confirmation button pressed by another admin, in another chat, or forged."""
    return "Nút này không thuộc về bạn hoặc cuộc trò chuyện này (hoặc đã hết hạn): không có gì thay đổi."


def thanks(value: int) -> str:
    return "Cảm ơn bạn đã đánh giá!" if value > 0 else "Cảm ơn, chúng tôi sẽ cải thiện câu trả lời."


def chart_title(data: Mapping[str, Any]) -> str:
    lead = data.get("lead") or {}
    kind = lead.get("kind")
    if kind == "sum" and lead.get("total") is not None:
        return f"Tổng {format_number(float(lead['total']))} {lead['unit']} theo đơn vị"
    if kind == "sum":
        return "Số liệu theo đơn vị"
    if kind == "timeline":
        return f"Diễn biến qua các kỳ — {data.get('unit') or ''}".rstrip(" —")
    labels = [str(s.get("label")) for s in lead.get("sides", []) if s.get("label")]
    return "So sánh: " + " và ".join(labels) if labels else "So sánh"


def chart_caption(data: Mapping[str, Any]) -> str:
    sources = data.get("sources") or []
    names = ", ".join(dict.fromkeys(str(s.get("unit") or source_name(s)) for s in sources))
    return clip(f"{chart_title(data)}. Nguồn: {names}", limit=CAPTION_LIMIT - 24)


def inline_title(data: Mapping[str, Any]) -> str:
    if not data.get("found"):
        return "Không tìm thấy thông tin phù hợp"
    return clip(_lead(data).splitlines()[0] if _lead(data) else "Kết quả", limit=90)


def inline_description(data: Mapping[str, Any], page: int) -> str:
    groups = _shown_groups(data)
    if groups and page < len(groups):
        return clip(citation(groups[page]["source"]), limit=120)
    return clip(_not_found(data), limit=120) if not data.get("found") else ""


# -- Telegram: admins --------------------------------------------------------------------------


def unknown_command(text: str) -> str:
    name = text.split()[0].split("@")[0] if text.split() else "/"
    commands = ", ".join(f"/{command}" for command, _ in COMMANDS)
    return f"Không có lệnh {escape(name[:40])}. Các lệnh: {commands}. Hoặc cứ gửi câu hỏi bằng chữ."


def not_text() -> str:
    return (
        "Tôi chỉ đọc được câu hỏi viết bằng chữ, ví dụ: “Phường 2 đạt được gì trong 6 tháng đầu năm "
        "2024?”. Quản trị viên gửi báo cáo dưới dạng tệp (txt, html, docx, pdf, jsonl)."
    )


def refusal() -> str:
    return (
        "Xin lỗi, chức năng này chỉ dành cho quản trị viên. Bạn vẫn có thể đặt câu hỏi bình thường."
    )


def file_too_large(size: int, limit: int) -> str:
    return (
        f"Tệp quá lớn ({size / 1_000_000:.1f} MB): Telegram chỉ cho bot tải tệp đến "
        f"{limit / 1_000_000:.0f} MB. Hãy chia nhỏ tệp rồi gửi lại. Không có gì được lưu."
    )


def download_failed(detail: str) -> str:
    return f"Không tải được tệp từ Telegram ({escape(detail)}). Hãy gửi lại. Không có gì được lưu."


def preview(data: Mapping[str, Any]) -> list[str]:
    """What a sent document would store, for the admin to confirm."""
    lines = [
        f"<b>Xem trước: {escape(data['file_name'])}</b> — {data['documents']} báo cáo đọc được"
    ]
    for report in data.get("reports", []):
        lines += _preview_report(report)
    if data.get("more"):
        lines.append(
            f"… và {data['more']} báo cáo nữa trong tệp (chỉ xem trước {len(data['reports'])})."
        )
    for failure in data.get("failed", [])[:10]:
        lines.append("⚠ " + escape(error(failure["reason"], failure["detail"], failure["source"])))
    if len(data.get("failed", [])) > 10:
        lines.append(f"… và {len(data['failed']) - 10} lỗi khác.")
    if data.get("upload_id"):
        lines.append("Bấm <b>Lưu</b> để lưu vào kho dữ liệu, hoặc <b>Hủy</b>.")
    elif data.get("reports"):
        lines.append("Không có gì mới để lưu.")
    else:
        lines.append("Không đọc được báo cáo nào: không có gì được lưu.")
    return split(lines)


def _preview_report(report: Mapping[str, Any]) -> list[str]:
    unit = report.get("unit")
    period = _period_text(report.get("period"))
    kind = kind_label(report.get("meeting_kind") or report.get("doc_type") or "")
    lines = [
        f"\n<b>{escape(report['title'][:200])}</b>",
        "Đơn vị: "
        + (
            escape(_place(unit).capitalize()[:1] + _place(unit)[1:])
            if unit
            else "⚠ không xác định được"
        ),
        "Ngày họp: "
        + (format_date(report.get("meeting_date")) or "không rõ")
        + (f" · Kỳ: {escape(period)}" if period else "")
        + (f" · Loại: {escape(kind)}" if kind else ""),
        f"Người: {report['people']} · Nội dung: {report['items']} · Số liệu: {report['figures']}",
    ]
    warnings = [WARNINGS.get(w, w) for w in report.get("warnings", [])]
    if warnings:
        lines.append("⚠ Lưu ý: " + escape("; ".join(warnings)))
    if report.get("unchanged"):
        lines.append("ℹ Đã có trong kho (cùng tên tệp, cùng nội dung): sẽ không lưu lại.")
    elif report.get("duplicate_of"):
        dup = report["duplicate_of"]
        lines.append(
            f"⚠ Trùng nội dung với báo cáo [mã số {dup['id']}] {escape(dup['source'])}: sẽ không lưu."
        )
    elif report.get("replaces"):
        lines.append(f"ℹ Sẽ thay thế báo cáo [mã số {report['replaces']}] cùng tên tệp.")
    return lines


def upload_saved(summary: Mapping[str, Any]) -> list[str]:
    counts = summary["counts"]
    lines = [
        f"<b>Đã lưu</b>: thêm {counts['added']}, thay thế {counts['replaced']}, trùng {counts['duplicate']}, lỗi {counts['failed']}."
    ]
    lines += [
        f"• [mã số {s['id']}] {escape(s['source'])}"
        for s in (summary["added"] + summary["replaced"])[:20]
    ]
    lines += [
        f"• trùng với {escape(d['duplicate_of'])}: {escape(d['source'])}"
        for d in summary["duplicate"][:10]
    ]
    lines += [
        "⚠ " + escape(error(f["reason"], f["detail"], f["source"])) for f in summary["failed"][:10]
    ]
    return split(lines)


def upload_cancelled() -> str:
    return "Đã hủy: không có gì được lưu."


def upload_gone() -> str:
    return "Tệp này đã được lưu hoặc đã hủy trước đó."


def upload_settled(status: str) -> str:
    """A second press on an upload's Lưu or Hủy (a short notice under the button)."""
    if status == "saved":
        return "Tệp này đã được lưu rồi: không lưu lại lần nữa."
    return "Tệp này đã hủy: không có gì được lưu. Muốn lưu, hãy gửi lại tệp."


def delete_settled() -> str:
    return "Yêu cầu xóa này đã được xử lý trước đó: không có gì thay đổi."


def delete_kept(report_id: int) -> str:
    return f"Đã giữ lại báo cáo {report_id}: không xóa gì."


def delete_confirm(report: Mapping[str, Any]) -> str:
    return "<b>Xóa báo cáo này?</b>\n" + escape(report_card(report))


def stats(data: Mapping[str, Any]) -> list[str]:
    lines = [
        "<b>Thống kê</b>",
        f"Báo cáo: {data['reports']} · Đơn vị: {data['units']}",
        f"Câu hỏi đã nhận: {data['questions']} · Trả lời được: {data['answered']} ({data['share_answered']:.0%})",
        f"Đánh giá: 👍 {data['helpful']} · 👎 {data['unhelpful']}",
    ]
    if data.get("unanswered"):
        lines.append("<b>Câu hỏi chưa trả lời được nhiều nhất</b>")
        lines += [
            f"• {escape(clip(u['question'], limit=120))} ({u['count']} lần)"
            for u in data["unanswered"]
        ]
    if data.get("audit"):
        lines.append("<b>Nhật ký nạp/xóa gần đây</b>")
        verbs = {"load": "nạp", "delete": "xóa"}
        lines += [
            f"• {escape(a['at'].replace('T', ' '))} · người dùng {a['user_id']} {verbs.get(a['action'], a['action'])} "
            + (f"[mã số {a['report_id']}] " if a.get("report_id") else "")
            + escape(a.get("source") or "")
            + (
                f" ({escape(_audit_detail(a['detail']))})"
                if a.get("detail") and a["detail"] != "added"
                else ""
            )
            for a in data["audit"]
        ]
    return split(lines)


def _audit_detail(detail: str) -> str:
    """An audit entry's detail as stored ("replaced", "failed: empty: <English cause>"), in
    Vietnamese; the English cause stays, after it, for admins."""
    if detail == "replaced":
        return "thay thế bản cũ cùng tên tệp"
    if detail.startswith("failed: "):
        reason, _, cause = detail.removeprefix("failed: ").partition(": ")
        return f"lỗi: {REASONS.get(reason, reason)}" + (f" — {cause}" if cause else "")
    return detail


# -- Telegram: failures ------------------------------------------------------------------------


def apology() -> str:
    return "Xin lỗi, đã có lỗi khi xử lý yêu cầu của bạn. Vui lòng thử lại sau ít phút."


def admin_trace(summary: str, trace: str) -> str:
    """The traceback for admins' chats (the end of it, where the cause is)."""
    head = f"<b>Lỗi trong bot</b>: {escape(summary[:300])}\n"
    room = LIMIT - utf16_len(head) - 40
    body = escape(trace)[-room:]
    return head + f"<pre>{body}</pre>"


# -- running -----------------------------------------------------------------------------------


def missing_admin_ids() -> str:
    return (
        "Lỗi: chưa đặt ADMIN_IDS (mã số người dùng Telegram của quản trị viên, cách nhau bằng dấu phẩy). "
        "Bot không khởi động khi không có quản trị viên. Tìm mã số của bạn: nhắn cho @userinfobot."
    )


def bad_settings(detail: str) -> str:
    return f"Lỗi cấu hình (tệp .env hoặc biến môi trường): {detail}"


# What a setting must be, said when its value is refused.
SETTING_NEEDS: dict[str, str] = {
    "ADMIN_IDS": "cần mã số người dùng Telegram (số nguyên) của các quản trị viên, cách nhau bằng dấu phẩy, "
    "ví dụ ADMIN_IDS=111111111,222222222",
    "LOG_LEVEL": "cần một trong DEBUG, INFO, WARNING, ERROR, CRITICAL",
    "WEBHOOK_PORT": "cần số cổng từ 1 đến 65535",
    "HEALTH_PORT": "cần số cổng từ 1 đến 65535",
    "INGEST_WORKERS": "cần số tiến trình từ 1 đến 64",
    "MAX_DOCUMENT_MB": "cần số megabyte lớn hơn 0, ví dụ 20",
    "EXTRACT_SECONDS": "cần số giây từ 0 trở lên (0: không giới hạn)",
}
_SETTING_KINDS: dict[str, str] = {
    "int_parsing": "không phải số nguyên",
    "int_from_float": "không phải số nguyên",
    "float_parsing": "không phải một số",
    "bool_parsing": "không phải true hoặc false",
    "greater_than": "phải lớn hơn {gt}",
    "greater_than_equal": "phải từ {ge} trở lên",
    "less_than": "phải nhỏ hơn {lt}",
    "less_than_equal": "phải nhỏ hơn hoặc bằng {le}",
    "string_too_long": "quá dài",
}


def bad_setting(problem: Any) -> str:
    """One refused setting (bot.settings.Problem), in Vietnamese; pydantic's English cause
    follows in parentheses."""
    said = _SETTING_KINDS.get(problem.kind, "không hợp lệ").format(**problem.limits)
    needs = SETTING_NEEDS.get(problem.name)
    value = problem.value if len(problem.value) <= 60 else problem.value[:59] + "…"
    return bad_settings(
        f"{problem.name}: giá trị {value!r} {said}"
        + (f"; {needs}" if needs else "")
        + f" ({problem.detail})."
    )


_REFUSED_SETTINGS: dict[str, str] = {
    "no_token": "chưa đặt TELEGRAM_BOT_TOKEN (lấy token từ @BotFather)",
    "in_memory": "DATABASE_URL là cơ sở dữ liệu SQLite trong bộ nhớ, mất hết khi bot dừng; bot cần một tệp SQLite "
    "hoặc PostgreSQL (in-memory SQLite)",
    "webhook_url": "WEBHOOK_URL phải là địa chỉ https:// công khai mà Telegram gửi cập nhật tới",
    "webhook_secret": "WEBHOOK_SECRET phải gồm 1–256 ký tự A-Z, a-z, 0-9, _ hoặc -",
}


def refused_setting(reason: str) -> str:
    return _REFUSED_SETTINGS[reason]


def token_refused() -> str:
    return "Lỗi: Telegram từ chối TELEGRAM_BOT_TOKEN (sai hoặc đã bị thu hồi). Lấy token mới từ @BotFather (/token)."


def telegram_unreachable(base_url: str, detail: str) -> str:
    return f"Lỗi: không kết nối được Bot API tại {base_url} ({detail}). Kiểm tra mạng hoặc TELEGRAM_API_BASE_URL."


def bot_starting(mode: str, reports: int) -> str:
    how = "webhook" if mode == "webhook" else "long polling"
    return f"Bot Telegram đang chạy ({how}) với {reports} báo cáo. Ctrl-C để dừng."
