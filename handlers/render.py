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
    "bad_context": "ngữ cảnh (--context) không phải JSON hợp lệ",
    "bad_questions": "không đọc được tệp câu hỏi",
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


# -- answers ---------------------------------------------------------------------------------

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


def citation(source: Mapping[str, Any]) -> str:
    """'Phường 2, thị xã Kiến Tường · họp ngày 08/07/2024 · HỘI NGHỊ … [002_….txt]'."""
    parts = [source.get("unit") or "không rõ đơn vị"]
    when = format_date(source.get("meeting_date"))
    parts.append(f"ngày {when}" if when else "không rõ ngày")
    title = str(source.get("title") or "")
    parts.append((title[:90] + "…") if len(title) > 90 else title)
    return " · ".join(parts) + f" [{source['source']}]"


def answer(data: Mapping[str, Any]) -> str:
    """The text a reader sees for one answer (console, CLI and, later, Telegram)."""
    if not data.get("found"):
        return _not_found(data)
    lines = [_lead(data)]
    lead_kind = (data.get("lead") or {}).get("kind")
    for group in data.get("groups", []) if lead_kind not in {"reports", "timeline"} else []:
        passages = group.get("passages", [])
        lead_text = (data.get("lead") or {}).get("passage") or (data.get("lead") or {}).get("text")
        shown = [p for p in passages if p["text"] != lead_text][:_SUPPORT]
        lines += [f"  • {_passage(p)}" for p in shown]
        lines.append(f"  Nguồn: {citation(group['source'])}")
    if len(data.get("choices") or []) > 1:
        lines.append("Có nhiều đơn vị trùng tên: " + "; ".join(data["choices"][:6]))
    return "\n".join(line for line in lines if line)


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
    return ("…" if start else "") + text[start:end].rstrip(" ,;:") + ("…" if end < len(text) else "")


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
    return text + f". Được nhắc đến trong {lead.get('cited_by', 1)} báo cáo:"


def _reports(lead: Mapping[str, Any], data: Mapping[str, Any]) -> str:
    where = data.get("unit") or "Kho dữ liệu"
    lines = [f"{where}: có {lead['count']} báo cáo (về Mặt trận trước, mới nhất trước):"]
    for group in data.get("groups", []):
        period = _period_text(group.get("period"))
        lines.append("  – " + (f"{period}: " if period else "") + citation(group["source"]))
    return "\n".join(lines)


def _timeline(lead: Mapping[str, Any], data: Mapping[str, Any]) -> str:
    lines = [f"Diễn biến qua các kỳ của {data.get('unit') or 'đơn vị'}:"]
    for row in lead.get("rows", []):
        when = _period_text(row.get("period")) or format_date(row.get("date")) or "không rõ kỳ"
        figures = "; ".join(f"{f['raw']} ({_tail(f['text'])})" for f in row.get("figures", []))
        lines.append(f"  – {when}: {figures or 'không có số liệu'} [{row.get('source', '')}]")
    return "\n".join(lines)


def _tail(phrase: str, words: int = 8) -> str:
    """The last words of a figure's phrase: what it counts ("vận động Quỹ Vì người nghèo")."""
    kept = phrase.split()[-words:]
    return ("…" if len(phrase.split()) > words else "") + " ".join(kept).rstrip(" ,;:")


def _sum(lead: Mapping[str, Any], data: Mapping[str, Any]) -> str:
    parts = lead.get("parts", [])
    lines = [f"Tổng cộng: {format_number(float(lead['total']))} {lead['unit']} từ {len(parts)} báo cáo:"]
    lines += [f"  – {p['unit']}: {p['raw']}" for p in parts]
    return "\n".join(lines)


def _compare(lead: Mapping[str, Any], data: Mapping[str, Any]) -> str:
    lines = ["So sánh:"]
    for side in lead.get("sides", []):
        inner = side.get("lead") or {}
        if not side.get("found"):
            summary = "không có thông tin"
        elif inner.get("kind") == "figure":
            summary = _figure(inner, data)
        else:
            summary = side.get("passage") or ""
        lines.append(f"  – {side['label']}: {summary}")
    return "\n".join(lines)


def _followup(lead: Mapping[str, Any], data: Mapping[str, Any]) -> str:
    lines = ["Các ý kiến chỉ đạo, nhiệm vụ đề ra và việc thực hiện ở các báo cáo sau:"]
    for row in lead.get("rows", []):
        by = f" (đ/c {row['by']})" if row.get("by") else ""
        lines.append(f"  – {row['text']}{by}")
        followed = row.get("followed") or []
        if followed:
            lines += [f"      ↳ đã nhắc đến: {f['text']}" for f in followed]
        elif lead.get("later_reports"):
            lines.append("      ↳ chưa thấy báo cáo sau nhắc đến")
    if not lead.get("later_reports"):
        lines.append("  (Chưa có báo cáo nào sau đó của đơn vị để đối chiếu.)")
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
    elif reason == "no_kind":
        label = KINDS.get(str(data.get("intent")), "nội dung này")
        where = f" của {unit}" if unit else ""
        head = f"Các báo cáo{where}" + (f" ({period})" if period else "") + f" không nêu {label}."
    elif reason == "no_period" and unit:
        head = f"Chưa có báo cáo của {unit}" + (f" cho {period}." if period else ".")
    else:
        head = "Không tìm thấy thông tin phù hợp trong các báo cáo đã có."
    lines = [head]
    nearest = data.get("nearest")
    if nearest and reason == "no_match":
        lines.append(f"Thông tin gần nhất tìm được (chưa chắc đúng ý bạn): “{nearest['text']}” — {_suggestion(nearest)}")
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
    )


def eval_failure(failure: Mapping[str, Any]) -> str:
    got = ", ".join(failure["got"]) or "(không trích dẫn)"
    answer = " | ".join(str(failure["answer"]).splitlines())[:300]
    return f"  ✗ {failure['id']} {failure['question']}\n      cần: {failure['expected']} · có: {got}\n      {answer}"
