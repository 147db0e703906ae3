"""Intents: what kind of answer a question wants ("bao nhiêu" → a figure, "hạn chế" → the
limitations), the measure a "bao nhiêu X" asks for, and the words of a follow-up."""

from __future__ import annotations

import re

from knowledge.understand.words import STOPWORDS

MEETING_KINDS = ("so ket", "tong ket", "giao ban", "hiep thuong", "dai hoi", "hoi nghi uy ban")

# Whether what a meeting asked was done: "đã thực hiện các chỉ đạo …", "các chỉ đạo tại hội
# nghị sơ kết … đã được thực hiện đến đâu", "nhiệm vụ đề ra … triển khai tới đâu rồi". A bare
# "nhiệm vụ" is the unit's work ("thực hiện nhiệm vụ năm 2024 thế nào" asks for results), so
# only the tasks a meeting set count.
_ASKED = r"(?:y kien )?chi dao|chi thi|ket luan|yeu cau|de nghi|phuong huong|nhiem vu (?:de ra|da de ra|duoc giao|dat ra)"
_HOW_FAR = (
    r"(?:da |duoc |da duoc )?(?:thuc hien|trien khai|lam)(?: duoc)? (?:den dau|toi dau|chua|the nao roi|ra sao roi)"
    r"|(?:da|duoc|da duoc) (?:thuc hien|trien khai) (?:the nao|ra sao)"
)
FOLLOW_THROUGH = (
    r"\b(da (duoc )?thuc hien|thuc hien (chua|den dau)|theo doi|ket qua thuc hien|tinh hinh thuc hien) "
    rf"(cac |nhung )?({_ASKED})\b"
    rf"|\b({_ASKED})\b.{{0,90}}\b({_HOW_FAR}|da lam chua)\b"
)

# Intent cues on the folded question, most specific first.
INTENTS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern))
    for name, pattern in (
        (
            "coverage",
            r"\b(nhung|cac|danh sach|liet ke) (bao cao|hoi nghi|van ban)\b|\bco (nhung )?bao cao nao\b|\bbao cao nao\b",
        ),
        # "quý" folds like "quy" of "quy định", "quy chế": never those.
        (
            "timeline",
            r"\b(qua cac (nam|ky|thang|quy)|theo thoi gian|dien bien qua|tien trinh|cac ky|tung (ky|nam|thang|quy)|theo tung (thang|quy)|hang thang)\b(?! (dinh|che|trinh|hoach|mo|tac|uoc|pham))",
        ),
        ("compare", r"\b(so sanh|so voi|doi chieu|khac nhau)\b"),
        ("followup", FOLLOW_THROUGH),
        ("aggregate", r"\b(tong (so|cong|cac)|cong lai|tat ca cac (don vi|bao cao)|toan bo cac)\b"),
        ("event", r"\b(lan thu may|thu may|nhiem ky nao|ky hop)\b"),
        (
            "author",
            r"\b(ai viet|tac gia|nguoi viet|phong vien|ai dua tin|but danh|viet boi|ai thuc hien bai|ai ky|nguoi ky|ky ten)\b",
        ),
        (
            "people",
            r"\b(ai|la ai|nguoi nao|chu tri|ai du|thanh phan|dai bieu nao|ong nao|ba nao|ten gi)\b",
        ),
        (
            "date",
            r"\b(khi nao|ngay nao|bao gio|hom nao|thoi gian nao|luc nao|vao ngay|thang nao)\b",
        ),
        (
            "figure",
            r"\b(bao nhieu|may|so luong|ty le|ti le|con so|tong tien|muc)\b|^so (?!ket|bo|luoc|sanh)",
        ),
        ("place", r"\b(o dau|tai dau|dia diem|noi nao)\b"),
        (
            "limitation",
            r"\b(han che|ton tai|yeu kem|kho khan|vuong mac|bat cap|chua lam duoc|thieu sot|nhuoc diem)\b",
        ),
        ("directive", r"\b(chi dao|yeu cau|de nghi|giao nhiem vu|ket luan|quan triet)\b"),
        (
            "direction",
            r"\b(phuong huong|nhiem vu (trong tam|thoi gian toi|sap toi)|can lam gi|se lam gi|lam gi tiep|ke hoach (thoi gian toi|sap toi)|chuong trinh (cong tac|hanh dong)|thoi gian toi|sap toi)\b",
        ),
        ("achievement", r"\b(dat duoc|ket qua|thanh tich|lam duoc|noi bat|thanh tuu|dat gi)\b"),
    )
)
ITEM_KIND = {"limitation": "limitation", "direction": "direction", "directive": "directive",
              "achievement": "achievement"}  # fmt: skip
# Measure asked for by "bao nhiêu X" / "mấy X" → the figure unit it should have.
_MEASURE = re.compile(
    r"\b(?:bao nhieu|may|so luong)\s+((?:[a-z]+\s?){1,2})|^so (?!ket|bo|luoc|sanh)([a-z]+)"
)  # not "số": it folds like "sơ"
_MONEY = re.compile(r"\b(tien|kinh phi|ung ho|quy|gia tri|tri gia|dong|trieu|ty)\b")
_PERCENT = re.compile(r"\b(ty le|ti le|phan tram)\b")
_MEASURE_NOT = {"nam", "thang", "ngay", "lan", "nguoi ung"}
FOLLOW = re.compile(r"\b(thi sao|con .* thi|the con|con gi nua|con nua|vay con)\b|^(con|the|vay) ")
FOLLOW_WORDS = re.compile(
    r"\b(thi sao|thi the nao|the con|con gi nua|con nua|vay con)\b|^(con|the|vay)\b"
)

# Intents whose cue words only say what kind of item is wanted ("hạn chế", "phương hướng"):
# the items themselves rarely repeat them, so they are not searched for.
CUE_ONLY = {
    "limitation", "direction", "directive", "achievement", "people", "date", "figure", "event",
    "place", "author",
    "compare", "timeline", "coverage", "followup", "aggregate",
}  # fmt: skip


def intent(folded: str) -> str:
    for name, pattern in INTENTS:
        if pattern.search(folded):
            if name == "directive" and re.search(
                r"\b(noi ve gi|ve van de gi|noi dung gi)\b", folded
            ):
                return "directive"
            return name
    return "search"


def measure(folded: str) -> str | None:
    if _PERCENT.search(folded):
        return "%"
    found = _MEASURE.search(folded)
    if found:
        words = (found.group(1) or found.group(2)).split()
        head = " ".join(w for w in words if w not in STOPWORDS)
        if head and head not in _MEASURE_NOT and head.split()[0] not in {"tien"}:
            return head
    return "đồng" if _MONEY.search(folded) else None
