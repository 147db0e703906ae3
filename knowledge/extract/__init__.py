"""Extract stage: a cleaned page → one structured record (see record.py).

Rules where they are exact (dates, numbers, codes, the fixed shapes officials are named in),
the gazetteer for places. Each submodule reads one kind of value; this module only decides
which part of the page each reads: the lead (title and opening paragraph) for what the meeting
was, the whole text for people, items, figures and references.
"""

from __future__ import annotations

import itertools

from knowledge.clean import Cleaned
from knowledge.errors import check_time
from knowledge.extract import dates, items, kinds, numbers, people, refs, units
from knowledge.extract.record import DocRef, Figure, Person, Record
from knowledge.extract.sentences import Piece, pieces
from knowledge.pagemeta import published_of

__all__ = ["Record", "extract"]

_TITLE_FROM_SENTENCE = 160


def extract(cleaned: Cleaned, *, page_meta: dict[str, str] | None = None) -> Record:
    page_meta = page_meta or {}
    paragraphs = [p for p in cleaned.text.split("\n") if p.strip()]
    has_title = cleaned.title is not None
    parts = pieces(cleaned.text, has_title=has_title)
    title = cleaned.title or page_meta.get("title") or _title_from(parts)
    lead_paragraph = 1 if has_title else 0
    lead = _sentences(parts, upto=lead_paragraph + 1)
    if has_title:
        lead = [title, *lead]
    body = _sentences(parts, start=lead_paragraph + 2)
    directive = kinds.directive_header(paragraphs)
    if directive is not None and directive.is_report:
        # The header says who and when; the subject and the opening say what period and meeting.
        title = _report_title(directive) or title
        opening = _sentences(parts, start=directive.title_at + 1, upto=directive.title_at + 3)
        lead = [title, *opening]
    doc_type = kinds.doc_type(title, lead, directive)
    record = Record(
        title=title,
        doc_type=doc_type,
        unit=None,
        meeting_date=None,
        published_date=None,
        period=None,
        meeting_kind=None,
        session_number=None,
        term=None,
        author=None,
        truncated=cleaned.truncated,
        text=cleaned.text,
        meta=dict(cleaned.meta),
    )
    check_time()  # between stages too: dates and units read the lead, long in a text of one line
    _when(record, lead, body, page_meta)
    if directive is not None:  # issued: its header names it, and dates it for citations
        record.doc_code, record.issuer, record.subject = (
            directive.code,
            directive.issuer,
            directive.subject,
        )
        record.meta["issued"] = directive.issued or ""
        record.published_date = record.published_date or directive.issued
    if directive is not None and not directive.is_report:
        # "Nghị quyết 15-NQ/TU về ...": how officials name and look up the document.
        named = " ".join(x for x in (directive.kind.capitalize(), directive.code) if x)
        record.title = f"{named} về {directive.subject}" if directive.subject else named
    elif doc_type == "hội nghị":
        _meeting(record, lead)
        # An issued report without a meeting sentence is dated by its signature.
        record.meeting_date = record.meeting_date or (directive.issued if directive else None)
    check_time()
    page = [*cleaned.removed, *cleaned.meta.values()]
    issuer = [record.issuer] if record.issuer else []  # a directive's unit is its issuer's
    record.unit = (issuer and units.find_unit(lead=issuer, body=[], page=[])) or units.find_unit(
        lead=lead, body=body, page=page
    )
    if record.unit:
        record.provenance["unit"] = record.unit.sentence
    if directive is not None:  # the header (issuer, number, place and date) is no content
        parts = [
            p for p in parts if p.paragraph > directive.title_at + (1 if directive.subject else 0)
        ]
    with people.remembered():  # content and classification read the same sentences
        _content(record, parts, paragraphs, lead_paragraph)
    record.warnings = _warnings(record)
    return record


def _report_title(directive: kinds.Directive) -> str | None:
    """ "Báo cáo sơ kết công tác Mặt trận 6 tháng đầu năm…" from "BÁO CÁO" and its subject."""
    subject = directive.subject
    if not subject:
        return None
    if subject[1:2].islower():  # "Sơ kết…" continues the sentence; a name would keep its capital
        subject = subject[0].lower() + subject[1:]
    return f"Báo cáo {subject}"


def _sentences(parts: list[Piece], *, start: int = 0, upto: int | None = None) -> list[str]:
    seen: dict[int, str] = {}
    for piece in parts:
        if piece.paragraph >= start and (upto is None or piece.paragraph <= upto):
            seen.setdefault(id(piece.sentence), piece.sentence)
    return list(seen.values())


def _title_from(parts: list[Piece]) -> str:
    first = parts[0].sentence if parts else ""
    if len(first) <= _TITLE_FROM_SENTENCE:
        return first
    return first[:_TITLE_FROM_SENTENCE].rsplit(" ", 1)[0] + "…"


def _when(record: Record, lead: list[str], body: list[str], page_meta: dict[str, str]) -> None:
    # What the source states (a record's "published", the page's meta tags) before a
    # "Ngày đăng" line in the text, before the HTML extractor's guess.
    published = (
        page_meta.get("published")
        or record.meta.get("published")
        or published_of(page_meta.get("date"))
    )
    record.published_date = published or None
    record.url = page_meta.get("url") or None
    published_year = int(published[:4]) if published else None
    covered = dates.period(
        lead, fallback_year=published_year or dates.any_year(lead) or dates.any_year(body[:5])
    )
    if covered:
        record.period, record.provenance["period"] = covered
    if record.doc_type in ("hội nghị", "tin tức"):
        found = dates.meeting_date(
            lead,
            covered=record.period,
            fallback_year=dates.any_year(lead),
            published=published,
            news=record.doc_type == "tin tức",
        )
        if found:
            record.meeting_date, record.provenance["meeting_date"] = found.value, found.sentence


def _meeting(record: Record, lead: list[str]) -> None:
    record.meeting_kind = kinds.meeting_kind(record.title, lead)
    term = dates.term(lead)
    if term:
        record.term, record.provenance["term"] = term.value, term.sentence
    session = dates.session_number(lead)
    if session:
        record.session_number, record.provenance["session_number"] = (
            int(session.value),
            session.sentence,
        )


def _content(
    record: Record, parts: list[Piece], paragraphs: list[str], lead_paragraph: int
) -> None:
    found: list[Person] = []
    figures: list[Figure] = []
    references: list[DocRef] = []
    campaigns = []
    groups = itertools.count()
    seen_sentences: set[int] = set()
    for piece in parts:
        check_time()
        # A whole sentence is asked as the sentence alone, as classify() asks it: read once.
        clause = None if piece.text is piece.sentence else piece.text
        found.extend(people.people_in(piece.sentence, clause))
        figures.extend(numbers.figures(piece.text, sentence=piece.sentence, groups=groups))
        if id(piece.sentence) not in seen_sentences:
            seen_sentences.add(id(piece.sentence))
            references.extend(refs.doc_refs(piece.sentence))
            campaigns.extend(refs.campaigns(piece.sentence))
    byline = people.author(paragraphs)
    if byline:
        record.author, record.provenance["author"] = byline
    elif record.meta.get("signer"):  # an issued document is authored by who signed it
        record.author, record.provenance["author"] = record.meta["signer"], record.meta["signer"]
    record.people = people.merge(found)
    record.items = items.classify(
        parts, doc_type=record.doc_type, people=record.people, lead_paragraph=lead_paragraph
    )
    record.figures = figures
    record.doc_refs = _unique_refs(references)
    record.campaigns = refs.unique_campaigns(campaigns)


def _unique_refs(found: list[DocRef]) -> list[DocRef]:
    """One reference a code, filling gaps from later mentions (the first may lack the date)."""
    merged: dict[str, DocRef] = {}
    for ref in found:
        known = merged.setdefault(ref.code, ref)
        if known is not ref:
            known.kind = known.kind or ref.kind
            known.issuer = known.issuer or ref.issuer
            known.date = known.date or ref.date
            known.subject = known.subject or ref.subject
    return list(merged.values())


def _warnings(record: Record) -> list[str]:
    warnings = []
    if record.truncated:
        warnings.append("truncated")
    if record.unit is None:
        warnings.append("unit_not_found")
    elif record.unit.code is None and record.unit.level != "trung ương":
        warnings.append("unit_not_in_gazetteer")
    if record.doc_type == "hội nghị" and record.meeting_date is None:
        warnings.append("no_meeting_date")
    if not record.text.strip():
        warnings.append("empty_text")
    return warnings
