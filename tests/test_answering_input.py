"""Bad and odd questions: every input gets an answer, never an exception (property tests)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.answering import as_json
from handlers import render
from knowledge import store
from knowledge.assistant import Assistant
from knowledge.ingest import documents, ingest, sample_paths

VIETNAMESE = (
    "aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵĐ"
)
WORDS = st.sampled_from(
    [
        "phường",
        "xã",
        "huyện",
        "2",
        "12",
        "Kiến",
        "Tường",
        "Đình",
        "Lập",
        "MTTQ",
        "UBMTTQ",
        "đạt",
        "được",
        "gì",
        "bao",
        "nhiêu",
        "ai",
        "là",
        "chủ",
        "trì",
        "năm",
        "2024",
        "6",
        "tháng",
        "đầu",
        "cuối",
        "quý",
        "III",
        "nhiệm",
        "kỳ",
        "2024-2029",
        "hạn",
        "chế",
        "phương",
        "hướng",
        "so",
        "sánh",
        "tổng",
        "số",
        "có",
        "những",
        "báo",
        "cáo",
        "nào",
        "05-CT/TW",
        "quỹ",
        "vì",
        "người",
        "nghèo",
        "thì",
        "sao",
        "còn",
        "năm",
        "ngoái",
    ]
)


@pytest.fixture(scope="module")
def assistant() -> Iterator[Assistant]:
    engine = store.connect("sqlite:///:memory:")
    paths = sample_paths()
    ingest(engine, documents(paths, sources={p: p.name for p in paths}), workers=1)
    yield Assistant.open("sqlite:///:memory:", engine=engine)
    engine.dispose()


def check(assistant: Assistant, question: str) -> dict[str, object]:
    answer = assistant.ask(question)
    assert answer.intent != "error", question
    data = as_json(answer)
    json.dumps(data, ensure_ascii=False)  # serialisable as `ask --json` prints it
    text = render.answer(answer.to_dict())
    assert isinstance(text, str) and text.strip()
    assert bool(data["sources"]) == bool(data["found"])  # found ⇔ something cited
    return data


ODD = [
    "",
    "   \n\t ",
    "😀😀😀🙏",
    "?",
    "x" * 5000,
    "Phường 2 " * 700,
    "<b>Phường 2</b> đạt được gì? <script>alert(1)</script>",
    "**Phường 2** _đạt được_ gì? [link](http://x) `code`",
    "'; DROP TABLE report; --",
    "phường 2' OR '1'='1",
    'title:"Phường 2" AND (quỹ OR "vì người nghèo") NOT hạn~2 *',
    "NEAR(phường 2) ^ : - + ( ) { } [ ]",
    "\x00\x01\x02 phường \u200b 2",
    "2",
    "năm 2024",
    "Phường",
    "thì sao?",
    "05-CT/TW",
    "So sánh",
    "tổng số",
]


@pytest.mark.parametrize("question", ODD)
def test_odd_questions_get_answers(assistant: Assistant, question: str) -> None:
    check(assistant, question)


def test_junk_cites_nothing(assistant: Assistant) -> None:
    for question in ["", "😀😀😀🙏", "'; DROP TABLE report; --", "?"]:
        assert check(assistant, question)["found"] is False
    assert store.count_reports(assistant.engine) == 5  # and nothing was harmed


def test_empty_question_asks_for_one(assistant: Assistant) -> None:
    data = check(assistant, "   ")
    assert data["reason"] == "empty" and "Bạn hãy nhập câu hỏi" in str(data["answer"])


def test_long_question_is_cut_not_refused(assistant: Assistant) -> None:
    data = check(
        assistant, "Phường 2 vận động Quỹ Vì người nghèo được bao nhiêu tiền? " + "a " * 3000
    )
    assert data["found"] is True


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=400))
def test_any_text(assistant: Assistant, question: str) -> None:
    check(assistant, question)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(WORDS, max_size=14).map(" ".join))
def test_any_mix_of_domain_words(assistant: Assistant, question: str) -> None:
    check(assistant, question)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(alphabet=VIETNAMESE + VIETNAMESE.upper() + "0123456789 /-.,%?", max_size=120))
def test_any_vietnamese_letters(assistant: Assistant, question: str) -> None:
    check(assistant, question)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(WORDS, min_size=1, max_size=8).map(" ".join),
    st.dictionaries(
        st.text(max_size=10), st.text(max_size=10) | st.integers() | st.none(), max_size=4
    ),
)
def test_follow_up_with_any_context(
    assistant: Assistant, question: str, context: dict[str, object]
) -> None:
    """The context comes back from a client (the bot's database, a --context flag): a
    malformed one is ignored, never an error."""
    answer = assistant.ask(question, context=context)
    assert answer.intent != "error"


@pytest.mark.parametrize(
    "context",
    [
        {"unit_keys": 5, "period": "x", "intent": 3},
        {"period": {"year": "a", "bogus": 1}},
        {"tokens": 7},
        {"unit_keys": ["no|such|unit"], "period": None, "intent": "no-such-intent"},
        {"period": {"year": 2024, "part": "H9", "term": "'; DROP"}},
    ],
)
def test_malformed_context_is_ignored(assistant: Assistant, context: dict[str, object]) -> None:
    answer = assistant.ask("còn hạn chế thì sao?", context=context)
    assert answer.intent != "error"


# -- questions made of query syntax ---------------------------------------------------------------

# What a search box takes as syntax (Lucene, tantivy: operators, grouping, phrases, ranges,
# wildcards, fuzziness and boosts, fields) and punctuation; "%" is left out: it reads "phần trăm".
SYNTAX_CHARS = "+-&|!(){}[]^\"~*?:\\/.,;'`<>=_@#$"
OPERATORS = st.one_of(
    st.text(alphabet=SYNTAX_CHARS, min_size=1, max_size=6),
    st.sampled_from(["AND", "OR", "NOT", "TO", "&&", "||", "and", "or", '""', "[* TO *]"]),
    st.from_regex(r"\A[~^][0-9]{1,3}(\.[0-9])?\Z"),  # fuzziness and boosts: "~2", "^0.5"
)
# A lone letter: a range's bound, a wildcard's stem, a field. Alone it is no word; beside a
# question it may well be one ("bao nhiêu B"), so it is only in the first property.
LETTERS = st.from_regex(r"\A[a-zA-Z][*?:]?\Z")
SPACE = st.text(alphabet=" \t\n\u00a0", min_size=1, max_size=3)


def spaced(pieces: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.lists(st.tuples(pieces, SPACE), min_size=1, max_size=10).map(
        lambda parts: "".join(p + s for p, s in parts)
    )


ANSWERED = [  # questions the samples answer, with the report they are answered from
    ("Phường 2 đạt được gì trong 6 tháng đầu năm 2024?", "002_0c8cf19a6beb1e4d.txt"),
    ("Bí thư Huyện ủy Đình Lập là ai?", None),
    ("Chỉ thị 05-CT/TW", "004_ad35e0de605a32a0.txt"),
    ("phuong 2 van dong quy vi nguoi ngheo duoc bao nhieu", "002_0c8cf19a6beb1e4d.txt"),
]


@pytest.mark.parametrize(
    "question", ["~2 ?", "^5 ^5 ?", "[a TO z]", '"" :: ()', "* OR AND", "(a OR b) AND NOT c*"]
)
def test_query_syntax_alone_asks_nothing(assistant: Assistant, question: str) -> None:
    data = check(assistant, question)
    assert (data["found"], data["reason"], data["sources"]) == (False, "empty", [])


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(spaced(OPERATORS | LETTERS))
def test_any_string_of_query_syntax_is_not_found_and_cites_nothing(
    assistant: Assistant, question: str
) -> None:
    data = check(assistant, question)
    assert (data["found"], data["reason"], data["sources"]) == (False, "empty", []), question
    # Not even as a follow-up of a question that was answered.
    context = assistant.ask(ANSWERED[0][0]).context
    assert not assistant.ask(question, context=context).found


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.sampled_from(ANSWERED), spaced(OPERATORS), spaced(OPERATORS))
def test_a_question_with_query_syntax_around_it_is_still_answered(
    assistant: Assistant, asked: tuple[str, str | None], before: str, after: str
) -> None:
    question, source = asked
    plain = check(assistant, question)
    data = check(assistant, f"{before} {question} {after}")
    assert data["found"], (before, after)
    assert data["sources"][0]["source"] == plain["sources"][0]["source"]  # the same answer
    assert source in {None, plain["sources"][0]["source"]}


# -- markup, cities, follow-ups and units held elsewhere ---------------------------------------

ANSWERED = [
    "Phường 2 đạt được gì trong 6 tháng đầu năm 2024?",
    "Bí thư Huyện ủy Đình Lập là ai?",
    "MTTQ xã Liêm Hải sơ kết 6 tháng đầu năm 2023 vào ngày nào?",
    "dinh lap tang bao nhieu suat qua cho gia dinh chinh sach",
]
MARKUP = st.sampled_from(
    [
        ("<b>", "</b>"),
        ("<i>", "</i>"),
        ("_", "_"),
        ("**", "**"),
        ("`", "`"),
        ("&nbsp;", ""),
        ("<p>", "</p>"),
        ("~~", "~~"),
    ]
)


def _sources(data: dict[str, object]) -> list[str]:
    return [s["source"] for s in data["sources"]]  # type: ignore[attr-defined,index]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    question=st.sampled_from(ANSWERED),
    marks=st.lists(st.tuples(st.integers(0, 12), MARKUP), min_size=1, max_size=3),
)
def test_markup_in_a_question_changes_nothing(
    assistant: Assistant, question: str, marks: list[tuple[int, tuple[str, str]]]
) -> None:
    """HTML tags and entities and Markdown marks pasted with a question (chat apps, copied
    pages) are no part of it: the same answer, the same sources."""
    words = question.split()
    for position, (opening, closing) in marks:
        at = position % len(words)
        words[at] = f"{opening}{words[at]}{closing}"
    plain, marked = as_json(assistant.ask(question)), as_json(assistant.ask(" ".join(words)))
    assert marked["found"] == plain["found"] and _sources(marked) == _sources(plain)
    assert marked["answer"] == plain["answer"]


def test_city_shorthand_names_the_city() -> None:
    engine = store.connect("sqlite:///:memory:")
    cities = [
        (
            "hcm.txt",
            "Ngày 5/1/2024, Ủy ban MTTQ Việt Nam Thành phố Hồ Chí Minh tổ chức hội nghị tổng kết năm 2023.",
        ),
        (
            "hn.txt",
            "Ngày 6/1/2024, Ủy ban MTTQ Việt Nam Thành phố Hà Nội tổ chức hội nghị tổng kết năm 2023.",
        ),
        (
            "dn.txt",
            "Ngày 7/1/2024, Ủy ban MTTQ Việt Nam Thành phố Đà Nẵng tổ chức hội nghị tổng kết năm 2023.",
        ),
    ]
    from knowledge.read import RawDocument
    from knowledge.understand import understand

    ingest(engine, [RawDocument(name, text, "txt") for name, text in cities], workers=1)
    assistant = Assistant.open("sqlite:///:memory:", engine=engine)
    expected = {
        "Thành phố Hồ Chí Minh": [
            "MTTQ TP.HCM làm gì",
            "mttq tphcm lam gi",
            "MTTQ tp hcm",
            "MTTQ TP. HCM",
            "MTTQ Sài Gòn",
            "mttq thanh pho ho chi minh",
        ],
        "Thành phố Hà Nội": ["MTTQ HN làm gì", "MTTQ TP.HN", "mttq tp hn"],
        "Thành phố Đà Nẵng": ["MTTQ ĐN làm gì", "MTTQ TP ĐN", "mttq tp đn"],
    }
    for city, questions in expected.items():
        for question in questions:
            assert [u.label for u in understand(question, catalog=assistant.catalog).units] == [
                city
            ], question
    # Lower-case shorthand keeps its chat meaning: "hn" is a conference, "DN" an enterprise.
    assert understand("hn giao ban", catalog=assistant.catalog).units == []
    assert understand("DN nhà nước", catalog=assistant.catalog).units == []
    assert (
        understand("học tập và làm theo tư tưởng Hồ Chí Minh", catalog=assistant.catalog).intent
        != "error"
    )


def test_only_an_elliptical_question_takes_the_previous_unit(assistant: Assistant) -> None:
    first = assistant.ask("Phường 2 đạt được gì trong 6 tháng đầu năm 2024?")
    elliptical = as_json(assistant.ask("còn hạn chế thì sao?", context=first.context))
    assert elliptical["unit"] == "Phường 2, thị xã Kiến Tường"
    # "con" folds like "còn", but the question has words of its own: it is asked as itself.
    own = as_json(assistant.ask("con mèo nhà tôi tên là gì", context=first.context))
    assert own["context"]["units"] == []  # type: ignore[index]
    assert "Phường 2" not in str(own["unit"] or "")


def test_a_numbered_unit_placed_elsewhere_is_not_the_one_held(assistant: Assistant) -> None:
    """We hold Kiến Tường's Phường 2: Vị Thanh's is another unit, of which nothing is held."""
    answer = as_json(
        assistant.ask("Phường 2, thành phố Vị Thanh đạt được gì trong 6 tháng đầu năm 2024?")
    )
    assert answer["found"] is False and answer["sources"] == []
    assert "Chưa có báo cáo nào của phường 2, thành phố Vị Thanh" in str(answer["answer"])
    assert "Phường 2, thị xã Kiến Tường" in answer["choices"]  # type: ignore[operator]
    held = as_json(assistant.ask("Phường 2 Kiến Tường đạt được gì trong 6 tháng đầu năm 2024?"))
    assert held["found"] is True
