"""Telegram text: every report and user text escaped, messages under 4096 UTF-16 units cut at
sentence ends with whole tags, answers paged by source, charts only where figures compare."""

from __future__ import annotations

import html
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from handlers import charts, render
from tests import telegram_fake as tg

_TAGS = re.compile(r"</?(b|i|blockquote|pre)>")


def test_the_renderers_limits_are_telegrams() -> None:
    from telegram.constants import MessageLimit

    assert (
        render.LIMIT == MessageLimit.MAX_TEXT_LENGTH
        and render.CAPTION_LIMIT == MessageLimit.CAPTION_LENGTH
    )
    assert tg.MAX_DOWNLOAD == 20_000_000  # 20 MB, as Telegram counts: not 20 MiB


def plain(messages: list[str]) -> str:
    return "".join("".join(html.unescape(_TAGS.sub("", m)).split()) for m in messages)


lines = st.lists(
    st.tuples(
        st.sampled_from(["", "b", "i", "blockquote"]),
        st.lists(
            st.sampled_from([*"aăâđê ơư.;,<>&\"'😀\nxyz", "Phường 2. ", "vận động "]), max_size=1500
        ).map("".join),
    ),
    max_size=8,
)


@settings(max_examples=150, deadline=None)
@given(lines, st.integers(min_value=60, max_value=4096))
def test_split_keeps_every_word_and_each_message_under_the_limit(
    parts: list[tuple[str, str]], limit: int
) -> None:
    html_lines = [
        f"<{tag}>{render.escape(text.replace(chr(10), ' '))}</{tag}>"
        if tag
        else render.escape(text.replace(chr(10), " "))
        for tag, text in parts
        if text.strip()
    ]
    messages = render.split(html_lines, limit=limit)
    assert all(render.utf16_len(m) <= limit for m in messages)
    assert plain(messages) == plain(html_lines)
    for message in messages:
        for tag in ("b", "i", "blockquote"):
            assert message.count(f"<{tag}>") == message.count(f"</{tag}>")
        assert not re.search(r"&[a-z]*$", message)  # no character reference cut in two
        if html_lines:
            tg.check(
                "sendMessage", {"text": message, "parse_mode": "HTML"}
            )  # Telegram's parser accepts it


def test_a_long_sentence_is_cut_at_sentence_ends() -> None:
    sentence = "Ủy ban MTTQ phường vận động Quỹ Vì người nghèo được 8.000.000 đồng. "
    messages = render.split([render.escape(sentence * 200)])
    assert len(messages) > 1
    assert all(m.endswith("đồng.") for m in messages[:-1])


def answer_data(passage: str, groups: int = 3) -> dict[str, object]:
    source = {
        "report_id": 1,
        "source": "a<b>.txt",
        "title": "Hội nghị <script>",
        "unit": "Phường 2 & 3",
        "meeting_date": "2024-07-08",
    }
    return {
        "found": True,
        "intent": "search",
        "lead": {"kind": "passage", "text": passage},
        "groups": [
            {
                "source": {**source, "report_id": n},
                "period": None,
                "passages": [{"text": f"{passage} {n}", "kind": "achievement"}],
            }
            for n in range(groups)
        ],
        "choices": [],
        "sources": [],
        "id": 1,
    }


def test_report_text_is_escaped_and_the_answer_paged_by_source() -> None:
    data = answer_data("Kết quả <b>giả</b> & “thật”")
    assert render.answer_pages(data) == 3
    first = "\n".join(render.answer_html(data, page=0))
    assert "<script>" not in first and "&lt;script&gt;" in first
    assert "&lt;b&gt;giả&lt;/b&gt; &amp;" in first and "Phường 2 &amp; 3" in first
    assert "Nguồn 1/3" in first
    for page in range(3):
        for message in render.answer_html(data, page=page):
            tg.check("sendMessage", {"text": message, "parse_mode": "HTML"})
    last = "\n".join(render.answer_html(data, page=2))
    assert (
        "Nguồn 3/3" in last and "Kết quả" in last and "<b>" not in last
    )  # the lead is on page 1 only


def test_not_found_is_one_escaped_page() -> None:
    data = {
        "found": False,
        "reason": "unknown_unit",
        "unit": "xã <A>",
        "suggestions": [],
        "choices": [],
    }
    assert render.answer_pages(data) == 1
    assert render.answer_html(data) == ["Chưa có báo cáo nào của xã &lt;A&gt; trong kho dữ liệu."]


def test_admin_trace_fits_one_message() -> None:
    text = render.admin_trace("RuntimeError: <x>", "Traceback\n" + "  File 'a.py'\n" * 2000)
    assert (
        render.utf16_len(text) <= render.LIMIT and text.endswith("</pre>") and "&lt;x&gt;" in text
    )


def sum_answer(units: list[str], measure: str = "đồng") -> dict[str, object]:
    return {
        "found": True,
        "lead": {
            "kind": "sum",
            "total": 3.0,
            "unit": measure,
            "parts": [
                {"unit": u, "value": n + 1.0, "raw": f"{n + 1} {measure}"}
                for n, u in enumerate(units)
            ],
        },
        "sources": [{"unit": u, "source": f"{u}.txt"} for u in units],
    }


def test_totals_get_a_chart_one_measure_only() -> None:
    picture = charts.chart(sum_answer(["Phường 2", "Phường 12"]))
    assert picture is not None and picture.startswith(b"\x89PNG")
    assert charts.chart(sum_answer(["Phường 2"])) is None  # nothing to compare
    assert "Phường 2" in render.chart_caption(sum_answer(["Phường 2", "Phường 12"]))


def test_compare_and_timeline_charts() -> None:
    compare = {
        "lead": {
            "kind": "compare",
            "sides": [
                {
                    "label": "Phường 2",
                    "found": True,
                    "lead": {"kind": "figure", "value": 8e6, "unit": "đồng"},
                },
                {
                    "label": "Phường 12",
                    "found": True,
                    "lead": {"kind": "figure", "value": 45e6, "unit": "đồng"},
                },
            ],
        }
    }
    assert charts.points(compare) == charts.Points(
        "compare", ["Phường 2", "Phường 12"], [8e6, 45e6], "đồng"
    )
    mixed = {
        "lead": {
            "kind": "compare",
            "sides": [
                {
                    "label": "A",
                    "found": True,
                    "lead": {"kind": "figure", "value": 8, "unit": "đồng"},
                },
                {
                    "label": "B",
                    "found": True,
                    "lead": {"kind": "figure", "value": 4, "unit": "người"},
                },
            ],
        }
    }
    assert charts.points(mixed) is None  # đồng beside người would mislead
    timeline = {
        "unit": "Phường 2",
        "lead": {
            "kind": "timeline",
            "rows": [
                {"period": {"year": 2024, "part": "H1"}, "figures": [{"value": 8, "unit": "cuộc"}]},
                {"period": {"year": 2023, "part": "H1"}, "figures": [{"value": 5, "unit": "cuộc"}]},
            ],
        },
    }
    found = charts.points(timeline)
    assert found is not None
    assert found.labels == ["6 tháng đầu năm 2023", "6 tháng đầu năm 2024"] and found.values == [
        5,
        8,
    ]
    assert charts.chart(timeline) is not None
